"""Storing an extracted plan: source file, plans, tasks, units and assignments, in one transaction.

The same engine serves the command line (import_plan) and the web import. A file whose sha256 is
already stored is recognised and nothing changes.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..extract import ExtractedTask, ExtractionError, ExtractionResult, Progress, extract_bytes
from ..extract.progress import report
from ..extract.units import normalise_unit_name
from ..holidays import get_calendar
from ..models import Assignment, Plan, SourceDocument, Task, Unit
from ..workflow import audit
from .unit_directory import UnitDirectory

STORING = "store"  # the stage after the engine's: writing the plans (progress callbacks hear it)


@dataclass
class ImportOutcome:
    source: SourceDocument
    created: bool
    plans: list[Plan] = field(default_factory=list)
    new_units: list[Unit] = field(default_factory=list)

    @property
    def task_count(self) -> int:
        return sum(plan.tasks.count() for plan in self.plans)


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def task_fields(extracted: ExtractedTask) -> dict:
    """Map the engine's task onto Task's fields, keeping the model's deadline invariants."""
    kind = extracted.deadline_kind or Task.DeadlineKind.NONE
    deadline: datetime.date | None = None
    if extracted.deadline and extracted.deadline != "ongoing":
        deadline = datetime.date.fromisoformat(extracted.deadline)
    if kind == Task.DeadlineKind.DATE and deadline is None:
        kind = Task.DeadlineKind.NONE
    if kind == Task.DeadlineKind.NONE and deadline is not None:
        kind = Task.DeadlineKind.DATE
    if extracted.deadline == "ongoing" and kind == Task.DeadlineKind.NONE:
        kind = Task.DeadlineKind.ONGOING
    notes = []
    if extracted.deadline_issue:
        notes.append(f"时限存疑：{extracted.deadline_issue}")
    notes.extend(extracted.review_flags)
    return {
        "section_path": list(extracted.section),
        "item_label": (extracted.number or "")[:30],
        "text": extracted.text,
        "deadline": deadline,
        "deadline_kind": kind,
        "deadline_raw": (extracted.deadline_raw or "")[:200],
        "recurrence": (extracted.recurrence or "")[:300],
        "needs_review": bool(notes),
        "review_note": "；".join(notes)[:500],
        "responsible_person": (extracted.responsible_person or "")[:100],
    }


def _plan_jurisdiction(result: ExtractionResult, override: str | None) -> str:
    return override or result.jurisdiction or settings.TRACKER_JURISDICTION or ""


def store_extraction(
    result: ExtractionResult,
    source: SourceDocument,
    *,
    jurisdiction: str,
    user=None,
    publish: bool = False,
) -> tuple[list[Plan], list[Unit]]:
    """Create one Plan per notice that has tasks, with its tasks and assignments."""
    directory = UnitDirectory(jurisdiction)
    now = timezone.now()
    plans: list[Plan] = []
    for index, notice in enumerate(result.notices):
        if not notice.tasks:
            continue
        plan = Plan.objects.create(
            source=source,
            notice_index=index,
            title=(notice.title or source.original_name)[:300],
            number=(notice.number or "")[:60],
            issuer=(notice.issuer or "")[:100],
            issued=datetime.date.fromisoformat(notice.issued) if notice.issued else None,
            year=notice.year,
            jurisdiction=jurisdiction,
            status=Plan.Status.PUBLISHED if publish else Plan.Status.DRAFT,
            created_by=user,
            published_by=user if publish else None,
            published_at=now if publish else None,
        )
        tasks = Task.objects.bulk_create(
            Task(plan=plan, order=order, **task_fields(extracted))
            for order, extracted in enumerate(notice.tasks, start=1)
        )
        assignments: list[Assignment] = []
        for task, extracted in zip(tasks, notice.tasks, strict=True):
            seen: set[int] = set()
            for role, names in (
                (Assignment.Role.LEAD, extracted.lead_units),
                (Assignment.Role.RESPONSIBLE, extracted.responsible_units),
            ):
                for position, name in enumerate(names):
                    if not normalise_unit_name(name):
                        continue
                    unit = directory.resolve(name)
                    if unit.pk in seen:
                        continue
                    seen.add(unit.pk)
                    assignments.append(Assignment(task=task, unit=unit, role=role, position=position))
        Assignment.objects.bulk_create(assignments)
        audit.record(
            user,
            "plan.import",
            f"导入《{plan.title}》，共 {len(tasks)} 项任务" + ("并发布" if publish else ""),
            plan=plan,
        )
        plans.append(plan)
    return plans, directory.created


def import_document(
    data: bytes,
    filename: str,
    *,
    user=None,
    publish: bool = False,
    year: int | None = None,
    jurisdiction: str | None = None,
    progress: Progress | None = None,
) -> ImportOutcome:
    """Extract and store a plan file. Raises ExtractionError for bad input, writing nothing.

    ``progress(stage, done, total)`` hears the engine's stages and then ("store", 0, 1) just before
    anything is written; raising ExtractionCancelled from it (the user cancelled) writes nothing."""
    digest = sha256_of(data)
    existing = SourceDocument.objects.filter(sha256=digest).first()
    if existing is not None:
        return ImportOutcome(source=existing, created=False, plans=list(existing.plans.all()))

    result = extract_bytes(
        data,
        filename,
        year=year,
        max_bytes=settings.TRACKER_MAX_IMPORT_BYTES,
        calendar=get_calendar(),
        progress=progress,
    )
    if result.task_count == 0:
        raise ExtractionError(f"未在“{filename}”中识别到任何带责任单位或完成时限的任务。")
    report(progress, STORING, 0, 1)
    where = _plan_jurisdiction(result, jurisdiction)
    source = SourceDocument(
        original_name=Path(filename).name[:255],
        sha256=digest,
        size=len(data),
        jurisdiction=where,
        extraction=result.to_dict(),
        uploaded_by=user,
    )
    try:
        with transaction.atomic():
            source.file.save(Path(filename).name, ContentFile(data), save=False)
            source.save()
            plans, new_units = store_extraction(
                result, source, jurisdiction=where, user=user, publish=publish
            )
    except IntegrityError:
        if source.file:
            source.file.delete(save=False)
        # Another process stored the same file a moment ago: that import stands.
        existing = SourceDocument.objects.filter(sha256=digest).first()
        if existing is None:
            raise
        return ImportOutcome(source=existing, created=False, plans=list(existing.plans.all()))
    except BaseException:
        if source.file:
            source.file.delete(save=False)
        raise
    return ImportOutcome(source=source, created=True, plans=plans, new_units=new_units)


def import_path(path: Path, **kwargs) -> ImportOutcome:
    """Import a file from disk, checking its size before reading it."""
    limit = settings.TRACKER_MAX_IMPORT_BYTES
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ExtractionError(f"无法读取文件：{path}（{exc.strerror}）") from exc
    if size > limit:
        raise ExtractionError(f"文件过大（{size / 1048576:.1f} MB），上限为 {limit / 1048576:.0f} MB。")
    return import_document(path.read_bytes(), path.name, **kwargs)
