"""Generated ledgers as files with a history (who, when, which filters), and who may download them.

Every ledger made by the web page, the command line or the monthly schedule is written to the
default storage (MEDIA_ROOT/ledgers/YYYY/MM/, never served directly) and recorded as a
LedgerExport; downloads go through a view that checks the user's role.
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

from ..bulletin.unit_scores import month_table
from ..dates import month_label
from ..models import LedgerExport, Plan, Task, Unit
from ..models.lights import Light
from ..roles import ledger_exports_seen, visible_scope
from ..side_threads import Beside
from .filters import PAPERS, LedgerFilters
from .rows import LedgerQuery, Summary
from .workbook import LedgerMeta, write_workbook

log = logging.getLogger(__name__)


def ledger_title(month: datetime.date) -> str:
    return f"{settings.TRACKER_JURISDICTION}督办任务进展台账（{month_label(month)}）"


def download_name(export: LedgerExport) -> str:
    """The file name a person sees: 2025年3月进展台账.xlsx (with the record's number if filtered)."""
    suffix = f"（筛选{export.pk}）" if set(export.filters) - {"paper"} else ""
    return f"{month_label(export.month)}进展台账{suffix}.xlsx"


def describe_filters(filters: dict) -> str:
    """The filters in words, e.g. “工作方案：…；单位：区财政局、区大数据局；灯色：红灯（逾期）”."""
    parts = []
    if filters.get("places"):
        parts.append("所属辖区：" + "、".join(filters["places"]))
    if filters.get("plans"):
        titles = Plan.objects.filter(pk__in=filters["plans"]).order_by("pk").values_list("title", flat=True)
        parts.append("工作方案：" + "、".join(titles))
    if filters.get("units"):
        names = Unit.objects.filter(pk__in=filters["units"]).order_by("name").values_list("name", flat=True)
        parts.append("单位：" + "、".join(names))
    if filters.get("lights"):
        parts.append("灯色：" + "、".join(_light_label(light) for light in filters["lights"]))
    if filters.get("paper") and filters["paper"] != "A4":
        parts.append("纸张：" + PAPERS.get(filters["paper"], filters["paper"]))
    return "；".join(parts)


def _light_label(value: str) -> str:
    return Light(value).label if value in Light.values else value


def _scope_for(user) -> QuerySet[Task] | None:
    """None (everything) for the schedule, the command line and supervisors; else what the user sees."""
    if user is None:
        return None
    scope = visible_scope(user)
    return None if scope.everything else Task.objects.within(scope)


def build_ledger(
    dest,
    filters: LedgerFilters,
    *,
    user=None,
    day: datetime.date | None = None,
) -> int:
    """Write one ledger to ``dest`` (path or binary file), limited to what ``user`` may see."""
    query = LedgerQuery(filters, scope=_scope_for(user), day=day)
    meta = LedgerMeta(
        title=ledger_title(filters.month),
        as_of=query.day,
        paper=filters.paper,
        filters_text=describe_filters(filters.to_json()),
    )

    scored_on = day or timezone.localdate()  # here: the time zone is this thread's

    def month_scores() -> dict:
        # The month's 考核 scores (stored once the month has closed; counted up to today before).
        return {line.unit_id: line.score for line in month_table(filters.month, scored_on).lines}

    # The summary sheet needs the scores only after the last row: on PostgreSQL they are counted
    # on a connection of their own meanwhile (a second or more of the database's time at 1M tasks).
    scores = Beside(month_scores, name="ledger-scores")
    summary = Summary(query.unit_ids, scores.result)
    rows = query.rows(summary)
    try:
        return write_workbook(dest, rows, summary, meta)
    finally:
        # A failed write must not leave the reading thread and its connection behind until the
        # traceback (which holds the generator) is dropped.
        rows.close()
        scores.wait()


def generate_ledger_file(
    month: datetime.date,
    filters: dict,
    trigger: str,
    user=None,
    on_done: Callable[[LedgerExport], None] | None = None,
) -> LedgerExport:
    """Write a ledger file and record it. On failure the record says so and the error is raised again.

    ``on_done(export)`` runs in the transaction that marks the export done, so whatever it writes
    (the supervisors' notices) exists exactly when the export is done; if it fails, nothing is done.

    ``filters``: {"plans": [id], "units": [id], "lights": ["red", ...], "paper": "A4"|"A3"}, all
    optional. A bad month or filter raises LedgerFilterError before anything is recorded.
    """
    spec = LedgerFilters.build(month, filters)
    spec.as_of(timezone.localdate())  # refuse a future month before recording anything
    export = LedgerExport.objects.create(
        month=spec.month,
        filters=spec.to_json(),
        trigger=trigger,
        status=LedgerExport.Status.RUNNING,
        created_by=user if user is not None and user.is_authenticated else None,
    )
    name = export.file.field.generate_filename(export, f"ledger-{spec.month:%Y-%m}-{export.pk}.xlsx")
    name = default_storage.get_available_name(name)
    final = Path(default_storage.path(name))
    final.parent.mkdir(parents=True, exist_ok=True)
    # Written beside its final place and renamed when complete: no half-written file is ever seen.
    handle, partial = tempfile.mkstemp(prefix=".ledger-", suffix=".part", dir=final.parent)
    os.close(handle)
    try:
        rows = build_ledger(partial, spec, user=export.created_by)
        os.chmod(partial, settings.FILE_UPLOAD_PERMISSIONS or 0o644)  # mkstemp made it 0600
        os.replace(partial, final)
        with transaction.atomic():
            export.file.name = name
            export.rows = rows
            export.size = final.stat().st_size
            export.status = LedgerExport.Status.DONE
            export.finished_at = timezone.now()
            export.save(update_fields=["file", "rows", "size", "status", "finished_at"])
            if on_done is not None:
                on_done(export)
    except BaseException as exc:
        Path(partial).unlink(missing_ok=True)
        final.unlink(missing_ok=True)
        export.file.name = ""
        export.status = LedgerExport.Status.FAILED
        export.error = f"{type(exc).__name__}: {exc}"[:2000]
        export.finished_at = timezone.now()
        export.save(update_fields=["file", "status", "error", "finished_at"])
        log.exception("ledger export %s failed", export.pk)
        raise
    return export


def visible_exports(user) -> QuerySet[LedgerExport]:
    """Ledger files the user may list and download (roles.ledger_exports_seen decides which)."""
    exports = LedgerExport.objects.select_related("created_by")
    seen = ledger_exports_seen(user)
    if seen == "all":
        return exports
    if seen == "own":
        return exports.filter(created_by=user)
    return exports.none()


def ledger_response(export: LedgerExport) -> FileResponse:
    """Stream a stored ledger to the browser in chunks (the file is never read whole into memory)."""
    response = FileResponse(
        export.file.open("rb"),
        as_attachment=True,
        filename=download_name(export),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Cache-Control"] = "private, no-store"
    return response
