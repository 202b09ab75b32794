"""What people do to a task: report progress, ask to close it or to extend it, decide, edit.

Every change goes through here, so each one is optimistic-locked on ``Task.version`` and recorded
with ``audit.record`` (who, when, old -> new). Views only check permissions and render.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from ..models import Assignment, CompletionRequest, ExtensionRequest, ProgressReport, Task, Unit
from ..models.lights import today
from ..plans.importing import UnitDirectory
from ..plans.unit_directory import split_unit_names
from . import audit
from .evidence import store_evidence


class WorkflowError(Exception):
    """A request the rules refuse; the message is shown to the user as is (Chinese)."""


class StaleTask(WorkflowError):
    """Someone else changed the task after the user opened it: nothing was saved."""

    def __init__(self, task_id: int, expected: int) -> None:
        self.task_id = task_id
        self.expected = expected
        super().__init__(
            "保存失败：您打开页面后，该任务已被他人修改。您填写的内容没有丢失，仍保留在表单中；"
            "请先查看下方最新情况，再决定是否重新提交。"
        )


def _bump(task: Task, expected_version: int, **fields: Any) -> None:
    """Conditional UPDATE on (pk, version): the optimistic lock. Raises StaleTask on mismatch."""
    now = timezone.now()
    updated = Task.objects.filter(pk=task.pk, version=expected_version).update(
        version=F("version") + 1, updated_at=now, **fields
    )
    if not updated:
        raise StaleTask(task.pk, expected_version)
    task.version = expected_version + 1
    task.updated_at = now
    for name, value in fields.items():
        setattr(task, name, value)


def _status_label(value: str) -> str:
    return str(Task.Status(value).label)


def _status_change(task: Task, new: str) -> dict[str, list[Any]]:
    return {"status": [_status_label(task.status), _status_label(new)]} if task.status != new else {}


# --- Liaisons -------------------------------------------------------------------------------------


def report_progress(
    task: Task,
    *,
    user,
    unit: Unit,
    text: str,
    version: int,
    files: Sequence[UploadedFile] = (),
    period: datetime.date | None = None,
) -> ProgressReport:
    """A unit's progress report (进展情况) for a month, with optional evidence files."""
    text = text.strip()
    if not text:
        raise WorkflowError("请填写进展情况。")
    if task.status == Task.Status.DONE:
        raise WorkflowError("该任务已办结，无需再报送进展。")
    period = (period or today()).replace(day=1)
    with transaction.atomic():
        changes = {}
        fields = {}
        if task.status == Task.Status.NOT_STARTED:
            changes = _status_change(task, Task.Status.IN_PROGRESS)
            fields["status"] = Task.Status.IN_PROGRESS
        _bump(task, version, **fields)
        report = ProgressReport.objects.create(task=task, unit=unit, author=user, period=period, text=text)
        evidence = store_evidence(task, list(files), user, report=report)
        changes["progress"] = [None, text]
        if evidence:
            changes["evidence"] = [None, "、".join(item.original_name for item in evidence)]
        audit.record(user, "task.report", f"{unit.name}报送{period:%Y年%m月}进展", task=task, changes=changes)
    return report


def submit_completion(
    task: Task,
    *,
    user,
    unit: Unit,
    summary: str,
    version: int,
    files: Sequence[UploadedFile] = (),
) -> CompletionRequest:
    """Ask a supervisor to close the task (办结申请); the task waits for review meanwhile."""
    summary = summary.strip()
    if not summary:
        raise WorkflowError("请填写完成情况。")
    if task.status == Task.Status.DONE:
        raise WorkflowError("该任务已办结。")
    if task.completion_requests.filter(status=CompletionRequest.Status.PENDING).exists():
        raise WorkflowError("该任务已有待审核的办结申请，请等待督查员审核。")
    try:
        with transaction.atomic():
            changes = _status_change(task, Task.Status.PENDING_REVIEW)
            _bump(task, version, status=Task.Status.PENDING_REVIEW)
            request = CompletionRequest.objects.create(
                task=task, unit=unit, submitted_by=user, summary=summary
            )
            evidence = store_evidence(task, list(files), user, completion=request)
            changes["completion_summary"] = [None, summary]
            if evidence:
                changes["evidence"] = [None, "、".join(item.original_name for item in evidence)]
            audit.record(user, "completion.submit", f"{unit.name}申请办结", task=task, changes=changes)
    except IntegrityError as exc:  # a second request raced past the check above
        raise WorkflowError("该任务已有待审核的办结申请，请等待督查员审核。") from exc
    return request


def request_extension(
    task: Task,
    *,
    user,
    unit: Unit,
    new_deadline: datetime.date,
    reason: str,
    version: int,
) -> ExtensionRequest:
    """Ask to move the deadline (延期申请); it changes only when a supervisor approves."""
    reason = reason.strip()
    if not reason:
        raise WorkflowError("请填写延期理由。")
    if task.status == Task.Status.DONE:
        raise WorkflowError("该任务已办结，无需延期。")
    if task.deadline is None:
        raise WorkflowError("该任务没有具体完成时限，无需申请延期。")
    if new_deadline <= task.deadline:
        raise WorkflowError(f"申请延至的日期必须晚于当前时限（{task.deadline:%Y年%m月%d日}）。")
    if task.extension_requests.filter(status=ExtensionRequest.Status.PENDING).exists():
        raise WorkflowError("该任务已有待审核的延期申请，请等待督查员审核。")
    try:
        with transaction.atomic():
            _bump(task, version)
            request = ExtensionRequest.objects.create(
                task=task,
                unit=unit,
                requested_by=user,
                current_deadline=task.deadline,
                requested_deadline=new_deadline,
                reason=reason,
            )
            audit.record(
                user,
                "extension.request",
                f"{unit.name}申请延期至{new_deadline:%Y年%m月%d日}",
                task=task,
                changes={"requested_deadline": [task.deadline.isoformat(), new_deadline.isoformat()]},
            )
    except IntegrityError as exc:
        raise WorkflowError("该任务已有待审核的延期申请，请等待督查员审核。") from exc
    return request


# --- Supervisors ----------------------------------------------------------------------------------


def _claim_decision(model, pk: int, status: str, user, comment: str) -> None:
    """Move a pending request to its decision, once: a second click or reviewer gets an error."""
    updated = model.objects.filter(pk=pk, status=model.Status.PENDING).update(
        status=status, decided_by=user, decided_at=timezone.now(), decision_comment=comment
    )
    if not updated:
        raise WorkflowError("该申请已被处理，请刷新页面查看结果。")


def decide_completion(
    request: CompletionRequest, *, user, approve: bool, comment: str, version: int
) -> CompletionRequest:
    """办结审核: approve closes the task; return sends it back to the unit with a comment."""
    comment = comment.strip()
    if not approve and not comment:
        raise WorkflowError("退回时请填写退回意见，说明需要补充或修改的内容。")
    task = request.task
    with transaction.atomic():
        status = CompletionRequest.Status.APPROVED if approve else CompletionRequest.Status.RETURNED
        _claim_decision(CompletionRequest, request.pk, status, user, comment)
        if approve:
            changes = _status_change(task, Task.Status.DONE)
            _bump(task, version, status=Task.Status.DONE, completed_at=timezone.now())
            summary = f"办结审核通过（{request.unit.name}）"
        else:
            changes = _status_change(task, Task.Status.IN_PROGRESS)
            _bump(task, version, status=Task.Status.IN_PROGRESS, completed_at=None)
            summary = f"办结申请退回（{request.unit.name}）"
        if comment:
            changes["decision_comment"] = [None, comment]
        audit.record(user, "completion.decide", summary, task=task, changes=changes)
    request.refresh_from_db()
    return request


def decide_extension(
    request: ExtensionRequest, *, user, approve: bool, comment: str, version: int
) -> ExtensionRequest:
    """延期审核: approval moves the deadline and keeps the original; rejection needs a reason."""
    comment = comment.strip()
    if not approve and not comment:
        raise WorkflowError("驳回时请填写驳回理由。")
    task = request.task
    with transaction.atomic():
        status = ExtensionRequest.Status.APPROVED if approve else ExtensionRequest.Status.REJECTED
        _claim_decision(ExtensionRequest, request.pk, status, user, comment)
        if approve:
            old = task.deadline
            new = request.requested_deadline
            fields: dict[str, Any] = {"deadline": new, "deadline_kind": Task.DeadlineKind.DATE}
            if task.original_deadline is None:
                fields["original_deadline"] = old
            changes = {"deadline": [old.isoformat() if old else None, new.isoformat()]}
            _bump(task, version, **fields)
            summary = f"批准延期至{new:%Y年%m月%d日}（{request.unit.name}）"
        else:
            _bump(task, version)
            changes = {}
            summary = f"驳回延期申请（{request.unit.name}）"
        if comment:
            changes["decision_comment"] = [None, comment]
        audit.record(user, "extension.decide", summary, task=task, changes=changes)
    request.refresh_from_db()
    return request


# --- Editing a task's fields (supervisors, and the import review) -----------------------------------

EDITABLE_FIELDS = ("text", "responsible_person", "deadline", "deadline_kind", "deadline_raw", "needs_review")


def unit_names(task: Task, role: str) -> list[str]:
    return [a.unit.name for a in task.assignments.all() if a.role == role]


def set_units(task: Task, lead: list[str], responsible: list[str], directory: UnitDirectory) -> dict:
    """Replace the task's assignments with these names; returns the {field: [old, new]} changes."""
    current = list(task.assignments.select_related("unit").order_by("role", "position"))
    before = {
        "lead_units": "、".join(a.unit.name for a in current if a.role == Assignment.Role.LEAD),
        "responsible_units": "、".join(a.unit.name for a in current if a.role == Assignment.Role.RESPONSIBLE),
    }
    rows: list[Assignment] = []
    seen: set[int] = set()
    for role, names in ((Assignment.Role.LEAD, lead), (Assignment.Role.RESPONSIBLE, responsible)):
        position = 0
        for name in names:
            unit = directory.resolve(name)
            if unit.pk in seen:
                continue
            seen.add(unit.pk)
            rows.append(Assignment(task=task, unit=unit, role=role, position=position))
            position += 1
    after = {
        "lead_units": "、".join(a.unit.name for a in rows if a.role == Assignment.Role.LEAD),
        "responsible_units": "、".join(a.unit.name for a in rows if a.role == Assignment.Role.RESPONSIBLE),
    }
    changes = audit.diff(before, after)
    if changes:
        task.assignments.all().delete()
        Assignment.objects.bulk_create(rows)
        if hasattr(task, "_prefetched_objects_cache"):
            task._prefetched_objects_cache.pop("assignments", None)
    return changes


def edit_task(
    task: Task,
    *,
    user,
    version: int,
    values: dict[str, Any],
    lead: list[str] | str | None = None,
    responsible: list[str] | str | None = None,
) -> dict[str, list[Any]]:
    """Change a task's text, deadline, person and units; returns what changed (empty: nothing)."""
    fields = {name: values[name] for name in EDITABLE_FIELDS if name in values}
    changes = audit.diff(audit.snapshot(task, fields), audit.snapshot(SimpleNamespace(**fields), fields))
    changed_fields = {name: fields[name] for name in changes}
    with transaction.atomic():
        unit_changes: dict = {}
        if lead is not None or responsible is not None:
            directory = UnitDirectory(task.plan.jurisdiction)
            unit_changes = set_units(
                task,
                split_unit_names(lead) if isinstance(lead, str) else list(lead or []),
                split_unit_names(responsible) if isinstance(responsible, str) else list(responsible or []),
                directory,
            )
        changes.update(unit_changes)
        if not changes:
            # Nothing to save, but a stale form must still be refused rather than silently accepted.
            if not Task.objects.filter(pk=task.pk, version=version).exists():
                raise StaleTask(task.pk, version)
            return {}
        _bump(task, version, **changed_fields)
        audit.record(user, "task.edit", f"修改任务第 {task.order} 项", task=task, changes=changes)
    return changes
