"""Downloads of stored files, always through a permission check (MEDIA_ROOT is never served)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404

from ..models import Evidence, SourceDocument, Task
from ..workflow.evidence import safe_filename
from .common import supervisor_required


def _attachment(field, filename: str, content_type: str) -> FileResponse:
    try:
        handle = field.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404("文件不存在。") from exc
    response = FileResponse(
        handle, as_attachment=True, filename=safe_filename(filename), content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def evidence_download(request: HttpRequest, pk: int) -> FileResponse:
    # Only evidence of a task the user may see; anything else is a 404 like a missing file.
    evidence = get_object_or_404(
        Evidence.objects.filter(task__in=Task.objects.visible_to(request.user).values("pk")), pk=pk
    )
    return _attachment(evidence.file, evidence.original_name, evidence.content_type)


@supervisor_required
def source_download(request: HttpRequest, pk: int) -> FileResponse:
    source = get_object_or_404(SourceDocument, pk=pk)
    return _attachment(source.file, source.original_name, "application/octet-stream")
