"""The Chinese 400 and 404 pages, under DEBUG too.

``make demo`` runs with DEBUG on, where Django answers an unknown URL or an Http404 (how the product
hides another unit's task) with its technical page listing every URL pattern, and a BadRequest with
a traceback. This middleware renders the product's own pages instead, in every mode.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import BadRequest, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import Resolver404, resolve

from ..views.error_pages import bad_request, page_not_found


class FriendlyErrorsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.DEBUG:
            # Without DEBUG Django already calls handler404 for an unknown URL.
            try:
                resolve(request.path_info, getattr(request, "urlconf", None))
            except Resolver404 as exc:
                return page_not_found(request, exc)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, Http404):
            return page_not_found(request, exception)
        if isinstance(exception, BadRequest | SuspiciousOperation | MultiPartParserError):
            # Django logs these to django.security.<name> (it would, without DEBUG, too).
            name = type(exception).__name__
            logging.getLogger(f"django.security.{name}").warning("%s on %s", exception, request.path)
            return bad_request(request, exception)
        return None
