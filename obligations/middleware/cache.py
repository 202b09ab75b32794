"""No page of a signed-in user may be kept by a browser or proxy cache: they show task data.

"Signed in" is read from the session cookie, not from request.user: loading the user takes a
database query, and this must also hold for an error page rendered while the database is down.
A request with a session cookie that is no longer valid is treated the same, which costs nothing.
Static files never reach this middleware (WhiteNoise answers them earlier, with long caching).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers


class PrivatePagesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            # Cache-Control: max-age=0, no-cache, no-store, must-revalidate, private
            add_never_cache_headers(response)
        return response
