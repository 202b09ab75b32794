"""Oversized bodies are refused while they stream: from Content-Length before a byte is read (413),
without a length at all (chunked: 411), and by the upload handler when a body runs past its limit
anyway; nothing is written to disk beyond the limit and no view sees a half-received form."""

from __future__ import annotations

import http.client
import io
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpResponse
from django.test import Client
from django.test.client import encode_multipart
from django.urls import reverse

from obligations.middleware.request_body import RequestBodyLimitMiddleware
from obligations.views.error_pages import size_text

BIG = 300 * 1024 * 1024  # the 300 MB of the abuse report
SENT = 64 * 1024  # what the client actually sends before waiting for the answer
BOUNDARY = "hardening-boundary"


@pytest.fixture
def upload_dir(settings, tmp_path) -> Path:
    folder = tmp_path / "uploads"
    folder.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(folder)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # anything bigger would go to a temp file here
    return folder


def _post_headers_then_wait(url: str, path: str, headers: dict[str, str], first: bytes) -> tuple:
    """Send the request line, the headers and the first bytes of the body, then read the answer.
    A server that read the body before answering would wait for the rest and time out."""
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=15)
    try:
        connection.putrequest("POST", path)
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders()
        connection.send(first)
        response = connection.getresponse()
        return response.status, response.read().decode(), dict(response.getheaders())
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("path", "limit_kind"),
    [
        ("/accounts/login/", "form"),
        ("/admin/login/", "form"),
        ("/tasks/1/report/", "evidence"),
        ("/imports/", "import"),
    ],
)
def test_huge_content_length_is_answered_before_the_body(live_server, upload_dir, settings, path, limit_kind):
    status, page, _headers = _post_headers_then_wait(
        live_server.url,
        path,
        {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}", "Content-Length": str(BIG)},
        b"x" * SENT,
    )
    assert status == 413
    assert "提交的内容过大" in page and "约 300 MB" in page
    limit = settings.TRACKER_MAX_BODY_BYTES[limit_kind]
    assert f"超过了上限 {size_text(limit)}" in page
    assert 'lang="zh-hans"' in page
    assert list(upload_dir.iterdir()) == []


def test_chunked_body_is_refused_without_reading_it(live_server, upload_dir):
    status, page, _ = _post_headers_then_wait(
        live_server.url,
        "/accounts/login/",
        {"Content-Type": "application/x-www-form-urlencoded", "Transfer-Encoding": "chunked"},
        f"{SENT:x}\r\n".encode() + b"a" * SENT + b"\r\n",  # first chunk; the body never ends
    )
    assert status == 411
    assert "提交未注明内容长度" in page
    assert list(upload_dir.iterdir()) == []


class _Unreadable(io.RawIOBase):
    def read(self, size: int = -1) -> bytes:
        raise AssertionError("the body was read")

    readinto = read


def test_content_length_is_checked_before_reading(rf):
    request = rf.post("/accounts/login/", data=b"", content_type="application/x-www-form-urlencoded")
    request.META["CONTENT_LENGTH"] = str(BIG)
    request.META["wsgi.input"] = _Unreadable()
    request._stream = _Unreadable()
    response = RequestBodyLimitMiddleware(lambda r: HttpResponse("view"))(request)
    assert response.status_code == 413


@pytest.mark.django_db
def test_limit_depends_on_the_kind_of_form(world, as_user, settings):
    settings.TRACKER_MAX_BODY_BYTES = {"import": 6000, "evidence": 4000, "form": 1000}
    text = "进" * 400  # about 3,600 bytes url-encoded
    liaison = as_user(world.liaison_a)
    response = liaison.post(reverse("task_report", args=[world.task_a.pk]), {"version": 1, "text": text})
    assert response.status_code == 302  # an evidence form: within its limit
    body = urlencode({"text": text})
    response = liaison.post(
        reverse("notification_read_all"), body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 413
    assert f"约 {size_text(len(body))}，超过了上限 1 KB" in response.content.decode()
    response = Client().post(reverse("login"), {"username": "a", "password": text})
    assert response.status_code == 413


def _multipart_with_file(size: int) -> bytes:
    return encode_multipart(
        BOUNDARY, {"username": "a", "file": _NamedBytes(b"%PDF-1.4\n" + b"0" * size, "big.pdf")}
    )


class _NamedBytes(io.BytesIO):
    def __init__(self, data: bytes, name: str) -> None:
        super().__init__(data)
        self.name = name


def _asgi_request(
    body: bytes, declared: int, path: str = "/accounts/login/"
) -> tuple[ASGIRequest, io.BytesIO]:
    scope = {
        "type": "http",
        "method": "POST",
        "path": path,
        "query_string": b"",
        "headers": [
            (b"content-type", f"multipart/form-data; boundary={BOUNDARY}".encode()),
            (b"content-length", str(declared).encode()),
            (b"host", b"testserver"),
        ],
    }
    stream = io.BytesIO(body)
    return ASGIRequest(scope, stream), stream


def test_upload_handler_stops_a_body_longer_than_it_said(settings, upload_dir):
    """ASGI servers do not cut a body at its Content-Length: a small declared length passes the first
    check, and the upload handler must stop the file at the limit, leaving nothing on disk."""
    limit = 200 * 1024
    settings.TRACKER_MAX_BODY_BYTES = {"import": limit, "evidence": limit, "form": limit}
    body = _multipart_with_file(5 * 1024 * 1024)
    request, stream = _asgi_request(body, declared=1000)
    views = []
    response = RequestBodyLimitMiddleware(lambda r: views.append(r) or HttpResponse("view"))(request)
    assert response.status_code == 413
    assert "提交的内容过大" in response.content.decode()
    assert views == []  # no view saw the half-received form
    # It stopped within a chunk or two of the limit, not at the end of the 5 MB.
    assert stream.tell() < limit + 3 * 64 * 1024
    assert list(upload_dir.iterdir()) == []


def test_upload_within_the_limit_reaches_the_view(settings, upload_dir):
    settings.TRACKER_MAX_BODY_BYTES = {"import": 10**6, "evidence": 10**6, "form": 10**6}
    body = _multipart_with_file(50 * 1024)
    request, _ = _asgi_request(body, declared=len(body))
    seen = []

    def view(r):
        seen.append((r.POST["username"], r.FILES["file"].size))
        return HttpResponse("view")

    response = RequestBodyLimitMiddleware(view)(request)
    assert response.status_code == 200
    assert seen == [("a", 50 * 1024 + len(b"%PDF-1.4\n"))]
