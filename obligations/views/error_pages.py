"""Refusal pages in Chinese, in the site's layout, each with a way back (handler400/403/404/500,
CSRF_FAILURE_VIEW, and the request-body limit's 411/413).

The 500 page is rendered without the request: no context processor runs, so it needs neither the
database (which may be what failed) nor a session.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme

from ..security.invalid_input import InvalidInput


def back_url(request: HttpRequest | None) -> str:
    """The page the user came from (Referer), when it is on this site; else empty."""
    if request is None:
        return ""
    referer = request.META.get("HTTP_REFERER", "")
    if not referer or len(referer) > 2000 or not referer.isprintable():
        return ""
    try:
        allowed = {request.get_host()}
    except Exception:  # DisallowedHost: no way back is offered rather than failing the error page
        return ""
    if url_has_allowed_host_and_scheme(referer, allowed_hosts=allowed, require_https=request.is_secure()):
        return referer
    return ""


def _page(request: HttpRequest, template: str, status: int, **context) -> HttpResponse:
    context.setdefault("back_url", back_url(request))
    return render(request, template, {"status": status, **context}, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # Only our own refusals carry a message meant for users; Django's are technical (English).
    message = str(exception) if isinstance(exception, InvalidInput) else ""
    return _page(request, "errors/400.html", 400, message=message)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = str(exception) if isinstance(exception, PermissionDenied) and exception.args else ""
    return _page(request, "errors/403.html", 403, message=message)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, "errors/404.html", 404)


def server_error(request: HttpRequest | None = None) -> HttpResponse:
    """handler500: a template rendered with a plain context, no request, no database."""
    content = loader.get_template("errors/500.html").render({"status": 500, "back_url": back_url(request)})
    return HttpResponse(content, status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: the form was stale or the cookie missing. The reason is logged once, by
    Django's CSRF middleware ("Forbidden (CSRF token missing.): /path"), not again here."""
    return _page(request, "errors/csrf.html", 403)


def body_refused(request: HttpRequest, status: int, *, limit: int, size: int | None) -> HttpResponse:
    """411 (no length given) or 413 (too large), rendered without the request: the body is unread and
    no session or database is needed to say so."""
    template = "errors/411.html" if status == 411 else "errors/413.html"
    context = {
        "status": status,
        "limit": size_text(limit),
        "size": size_text(size) if size is not None else "",
        "back_url": back_url(request),
    }
    return HttpResponse(loader.get_template(template).render(context), status=status)


def size_text(size: int) -> str:
    """300 MB, 10 MB, 2.5 MB, 200 KB: enough precision to compare with the limit."""
    if size < 1048576:
        return f"{max(size / 1024, 1):.0f} KB"
    value = size / 1048576
    return f"{value:.1f} MB" if value < 10 and value != int(value) else f"{value:.0f} MB"
