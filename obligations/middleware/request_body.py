"""Refuse an oversized request body before reading it.

Content-Length is checked first: a body over the URL's limit is answered 413 without a byte of it
being read, and one without a length (Transfer-Encoding: chunked, which Django's WSGI handler would
silently drop) 411. A multipart body is then parsed here, before any other middleware or view, with
LimitedUploadHandler first among the upload handlers: if it had to stop the body at the limit the
answer is 413 too, so no view ever sees a half-received form.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError

from ..security.body_limits import EXCEEDED_ATTRIBUTE, limit_for
from ..views.error_pages import bad_request, body_refused

logger = logging.getLogger("django.security.RequestBody")


def _declared_length(request: HttpRequest) -> int | None:
    value = request.META.get("CONTENT_LENGTH", "")
    if value in ("", None):
        return None
    try:
        return max(int(value), 0)
    except (TypeError, ValueError):
        return -1


class RequestBodyLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refusal = self._refusal(request)
        if refusal is not None:
            # Said up front (CommonMiddleware, which would add it, is not reached): a client still
            # sending its body knows where the answer ends without waiting for the connection to close.
            refusal["Content-Length"] = str(len(refusal.content))
            return refusal
        return self.get_response(request)

    def _refusal(self, request: HttpRequest) -> HttpResponse | None:
        limit = limit_for(request)
        length = _declared_length(request)
        if length == -1:
            return bad_request(request, None)
        if length is None and request.META.get("HTTP_TRANSFER_ENCODING"):
            return body_refused(request, 411, limit=limit, size=None)
        if length is not None and length > limit:
            logger.warning("Refused a %d-byte body to %s (limit %d)", length, request.path, limit)
            return body_refused(request, 413, limit=limit, size=length)
        if length and request.method == "POST" and request.content_type == "multipart/form-data":
            try:
                request.FILES  # noqa: B018 - parse now, through LimitedUploadHandler, before any view
            except (RequestDataTooBig, MultiPartParserError, BadRequest, SuspiciousOperation) as exc:
                logger.warning("Refused a malformed body to %s: %s", request.path, exc)
                return bad_request(request, None)
            exceeded = getattr(request, EXCEEDED_ATTRIBUTE, None)
            if exceeded is not None:
                logger.warning("Stopped an upload to %s at %d bytes", request.path, exceeded)
                return body_refused(request, 413, limit=exceeded, size=None)
        return None
