"""Helpers shared by the views: role checks and the day/yellow-window pair every light needs."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.http import url_has_allowed_host_and_scheme

from ..holidays import get_calendar
from ..roles import LEADER, SUPERVISOR, role_of
from ..status import today, yellow_cutoff

MAX_NEXT_LENGTH = 2000


def light_window() -> tuple[datetime.date, datetime.date]:
    """Today and the last day that still counts as yellow (N working days ahead)."""
    day = today()
    return day, yellow_cutoff(day, get_calendar())


def safe_next(request: HttpRequest, field: str = "next") -> str | None:
    """The POSTed "next" address when it is a printable path on this site ("/..."), else None. Give
    it to HttpResponseRedirect, not redirect(), which would try a bare word as a URL name."""
    target = request.POST.get(field, "")
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
        if role_of(request.user) != SUPERVISOR:
            raise PermissionDenied("仅督查员可以执行此操作。")
        return view(request, *args, **kwargs)

    return wrapper


def overview_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Supervisors and leaders (read-only): the dashboard."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if role_of(request.user) not in (SUPERVISOR, LEADER):
            raise PermissionDenied("仅督查员和领导可以查看督办总览。")
        return view(request, *args, **kwargs)

    return wrapper
