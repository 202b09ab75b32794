"""Helpers shared by the views: access decorators (asking roles.capabilities) and the task lookup
every task page and action starts from."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.http import url_has_allowed_host_and_scheme

from ..models import Task
from ..roles import capabilities

MAX_NEXT_LENGTH = 2000


def safe_next(request: HttpRequest, field: str = "next") -> str | None:
    """The POSTed "next" address when it is a printable path on this site ("/..."), else None. Give
    it to HttpResponseRedirect, not redirect(), which would try a bare word as a URL name."""
    return _safe_target(request, request.POST.get(field, ""))


def safe_next_get(request: HttpRequest, field: str = "next") -> str | None:
    """The same for a "next" in the query string (a confirmation page carries it on)."""
    return _safe_target(request, request.GET.get(field, ""))


def _safe_target(request: HttpRequest, target: str) -> str | None:
    if not target.startswith("/") or len(target) > MAX_NEXT_LENGTH or not target.isprintable():
        return None
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    return target


def supervisor_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Logged-in supervisors only: anonymous users go to the login page, others get 403."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not capabilities(request.user).supervise:
            raise PermissionDenied("仅督查员可以执行此操作。")
        return view(request, *args, **kwargs)

    return wrapper


def overview_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Supervisors and leaders (read-only): the dashboard."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not capabilities(request.user).overview:
            raise PermissionDenied("仅督查员和领导可以查看督办总览。")
        return view(request, *args, **kwargs)

    return wrapper


def visible_task(request: HttpRequest, pk: int) -> Task:
    """The task, if the user may see it. Scoped lookup: a task outside the user's units is
    indistinguishable from a missing one (404)."""
    return get_object_or_404(Task.objects.visible_to(request.user).select_related("plan"), pk=pk)
