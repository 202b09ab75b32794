"""How large a request body may be, per kind of form, and the upload handler that enforces it while
a multipart body streams in.

Views that take files say which kind they are with ``@accepts_body("import")`` or
``@accepts_body("evidence")``; every other URL (the admin and the login page included) gets the
"form" limit. The limits live in settings.TRACKER_MAX_BODY_BYTES.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest
from django.urls import Resolver404, resolve

DEFAULT_KIND = "form"
_KIND_ATTRIBUTE = "tracker_body_kind"
# Set on the request: the limit in force, and, when the upload handler stopped a body, that limit.
LIMIT_ATTRIBUTE = "tracker_body_limit"
EXCEEDED_ATTRIBUTE = "tracker_body_exceeded"


def accepts_body(kind: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark a view as taking uploads of this kind (a key of TRACKER_MAX_BODY_BYTES)."""

    def mark(view: Callable[..., Any]) -> Callable[..., Any]:
        if kind not in settings.TRACKER_MAX_BODY_BYTES:
            raise ValueError(f"unknown body kind {kind!r}")
        setattr(view, _KIND_ATTRIBUTE, kind)
        return view

    return mark


def kind_of(request: HttpRequest) -> str:
    """The kind of body the URL's view accepts, without running anything but URL resolution."""
    try:
        match = resolve(request.path_info, getattr(request, "urlconf", None))
    except Resolver404:
        return DEFAULT_KIND
    return getattr(match.func, _KIND_ATTRIBUTE, DEFAULT_KIND)


def limit_for(request: HttpRequest) -> int:
    cached = getattr(request, LIMIT_ATTRIBUTE, None)
    if cached is None:
        limits = settings.TRACKER_MAX_BODY_BYTES
        cached = limits.get(kind_of(request), limits[DEFAULT_KIND])
        setattr(request, LIMIT_ATTRIBUTE, cached)
    return cached


class LimitedUploadHandler(FileUploadHandler):
    """First of FILE_UPLOAD_HANDLERS: counts the file bytes of a multipart body as they arrive and
    stops the upload at the request's limit, before the next handlers write another chunk to memory
    or disk. The Content-Length check (RequestBodyLimitMiddleware) refuses most bodies before this;
    this catches a body longer than it said (a server that does not cut it at Content-Length)."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None) -> None:
        self.limit = limit_for(self.request)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            setattr(self.request, EXCEEDED_ATTRIBUTE, self.limit)
            # connection_reset: do not read (exhaust) the rest of the body either.
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None
