"""Evidence files (佐证材料): checked for size and real type, stored under a random name.

Files are never served from MEDIA_ROOT directly; ``views.files.evidence_download`` streams them to
people who may see the task, as an attachment with a cleaned-up name.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import PurePath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from ..filetypes import FileTypeError, check_upload
from ..models import CompletionRequest, Evidence, ProgressReport, Task

# Documents a unit would send as proof: PDF/OFD, photos and Office files. No archives (their
# contents cannot be checked) and nothing a browser would render as a page.
ALLOWED_EVIDENCE = ("pdf", "ofd", "jpg", "jpeg", "png", "doc", "docx", "xls", "xlsx", "ppt", "pptx")
MAX_FILES = settings.TRACKER_MAX_EVIDENCE_FILES

_UNSAFE = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|;]+')
_EXTENSION = re.compile(r"[A-Za-z0-9]{1,10}")
# Characters, not bytes: the download header carries the name percent-encoded (RFC 6266 filename*),
# so its byte length never breaks a header; the database column holds 255 characters.
MAX_NAME_CHARS = 150


def safe_filename(name: str, fallback: str = "佐证材料") -> str:
    """The user's file name without path parts, control characters or header-breaking characters,
    shortened to MAX_NAME_CHARS characters by cutting the stem, never the extension (which is how the
    file is recognised and opened)."""
    name = unicodedata.normalize("NFC", PurePath(name.replace("\\", "/")).name)
    name = _UNSAFE.sub("_", name).strip(" ._")
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem.strip(" ._") or not _EXTENSION.fullmatch(extension):
        stem, extension = name, ""
    suffix = f".{extension}" if extension else ""
    room = MAX_NAME_CHARS - len(suffix)
    if len(stem) > room:
        stem = stem[:room].rstrip(" ._")
    return stem + suffix if stem else fallback


def check_evidence(upload: UploadedFile) -> None:
    """Raise FileTypeError (Chinese message) when the upload is too large or not an allowed kind."""
    limit = settings.TRACKER_MAX_EVIDENCE_BYTES
    if upload.size > limit:
        raise FileTypeError(
            f"文件“{safe_filename(upload.name)}”过大（{upload.size / 1048576:.1f} MB），"
            f"单个文件不得超过 {limit / 1048576:.0f} MB。"
        )
    if upload.size == 0:
        raise FileTypeError(f"文件“{safe_filename(upload.name)}”是空文件。")
    check_upload(upload.name, upload.file, ALLOWED_EVIDENCE)


def store_evidence(
    task: Task,
    uploads: list[UploadedFile],
    user,
    *,
    report: ProgressReport | None = None,
    completion: CompletionRequest | None = None,
) -> list[Evidence]:
    """Save already-checked uploads for a report or completion request."""
    stored: list[Evidence] = []
    for upload in uploads:
        kind = check_upload(upload.name, upload.file, ALLOWED_EVIDENCE)
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        evidence = Evidence(
            task=task,
            report=report,
            completion=completion,
            original_name=safe_filename(upload.name),
            content_type=kind.content_type,
            size=upload.size,
            sha256=digest.hexdigest(),
            uploaded_by=user,
        )
        # upload_to gives a random name; the original name is kept only in the database.
        evidence.file.save("upload", upload, save=False)
        evidence.save()
        stored.append(evidence)
    return stored
