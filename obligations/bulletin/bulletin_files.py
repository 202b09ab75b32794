"""Generated bulletins as files with a history (who, when, which period and filters) and downloads.

Like the ledgers: written to the default storage (MEDIA_ROOT/bulletins/YYYY/MM/, never served
directly) beside their final name and renamed when complete, recorded as a Bulletin, downloaded
through a view that asks roles.py.
"""

from __future__ import annotations

import datetime
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import QuerySet
from django.http import FileResponse
from django.utils import timezone

from ..models import Bulletin, BulletinDefaults
from ..roles import bulletins_seen
from .contents import gather
from .issue_numbers import issue_for
from .spec import BulletinSpec
from .writer import Masthead, write_bulletin

log = logging.getLogger(__name__)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

DEFAULT_NEXT_STEPS = (
    "（一）抓紧整改逾期任务。各责任单位要对照逾期任务清单逐项分析原因，明确整改措施和完成时限，"
    "于下月5日前将整改情况报送督查室。\n"
    "（二）压实牵头责任。各牵头单位要切实履行牵头职责，加强与配合单位的沟通协调，确保任务按期办结。\n"
    "（三）按时报送进展。各单位要于每月25日前报送任务进展情况，对照完成时限倒排工期，避免新增逾期。"
)


def default_issuer() -> str:
    place = settings.TRACKER_JURISDICTION
    return f"{place}人民政府督查室" if place else "政府督查室"


def defaults() -> BulletinDefaults:
    """The issuer and 下一步要求 offered next time (the last ones used, or sensible first ones)."""
    found = BulletinDefaults.objects.filter(pk=1).first()
    if found is None:
        return BulletinDefaults(pk=1, issuer=default_issuer(), next_steps=DEFAULT_NEXT_STEPS)
    return found


def remember(issuer: str, next_steps: str, user) -> None:
    BulletinDefaults.objects.update_or_create(
        pk=1, defaults={"issuer": issuer, "next_steps": next_steps, "updated_by": user}
    )


def download_name(bulletin: Bulletin) -> str:
    return f"督查通报{bulletin.issue.year}年第{bulletin.issue.number}期.docx"


def generate_bulletin_file(
    spec: BulletinSpec,
    trigger: str,
    *,
    user=None,
    issuer: str | None = None,
    next_steps: str | None = None,
    today: datetime.date | None = None,
    on_done: Callable[[Bulletin], None] | None = None,
) -> Bulletin:
    """Write a bulletin and record it; on failure the record says so and the error is raised again.

    ``issuer`` and ``next_steps`` default to the remembered ones; ``on_done(bulletin)`` runs in the
    transaction that marks the bulletin done.
    """
    today = today or timezone.localdate()
    spec.check(today)
    remembered = defaults()
    issuer = (issuer or remembered.issuer or default_issuer()).strip()
    next_steps = remembered.next_steps if next_steps is None else next_steps
    issue = issue_for(spec, today)
    bulletin = Bulletin.objects.create(
        issue=issue,
        period_kind=spec.period.kind,
        period_start=spec.period.start,
        filters=spec.to_json(),
        issuer=issuer,
        next_steps=next_steps,
        trigger=trigger,
        created_by=user if user is not None and user.is_authenticated else None,
    )
    name = bulletin.file.field.generate_filename(
        bulletin, f"bulletin-{issue.year}-{issue.number:03d}-{bulletin.pk}.docx"
    )
    name = default_storage.get_available_name(name)
    final = Path(default_storage.path(name))
    final.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(prefix=".bulletin-", suffix=".part", dir=final.parent)
    os.close(handle)
    try:
        content = gather(spec, today)
        write_bulletin(partial, content, Masthead(issue.year, issue.number, issuer, today), next_steps)
        os.chmod(partial, settings.FILE_UPLOAD_PERMISSIONS or 0o644)
        os.replace(partial, final)
        with transaction.atomic():
            bulletin.file.name = name
            bulletin.size = final.stat().st_size
            bulletin.overdue = content.overdue_count
            bulletin.status = Bulletin.Status.DONE
            bulletin.finished_at = timezone.now()
            bulletin.save(update_fields=["file", "size", "overdue", "status", "finished_at"])
            if on_done is not None:
                on_done(bulletin)
    except BaseException as exc:
        Path(partial).unlink(missing_ok=True)
        final.unlink(missing_ok=True)
        bulletin.file.name = ""
        bulletin.status = Bulletin.Status.FAILED
        bulletin.error = f"{type(exc).__name__}: {exc}"[:2000]
        bulletin.finished_at = timezone.now()
        bulletin.save(update_fields=["file", "status", "error", "finished_at"])
        log.exception("bulletin %s failed", bulletin.pk)
        raise
    return bulletin


def visible_bulletins(user) -> QuerySet[Bulletin]:
    """Bulletins the user may list and download, as roles.bulletins_seen decides."""
    bulletins = Bulletin.objects.select_related("issue", "created_by")
    seen = bulletins_seen(user)
    if seen is None:
        return bulletins.none()
    if seen == "all":
        return bulletins
    # A unit's leader: bulletins limited to units of theirs only.
    allowed = [
        pk
        for pk, filters in bulletins.values_list("pk", "filters")
        if filters.get("units") and set(filters["units"]) <= seen
    ]
    return bulletins.filter(pk__in=allowed)


def bulletin_response(bulletin: Bulletin) -> FileResponse:
    response = FileResponse(
        bulletin.file.open("rb"), as_attachment=True, filename=download_name(bulletin), content_type=DOCX
    )
    response["Cache-Control"] = "private, no-store"
    return response
