"""What liaisons submit on their unit's task: progress reports (with evidence), a request to close
it (办结申请) or to extend its deadline (延期申请).

A progress report is an append: it never conflicts with anyone, so it carries no version and two
units reporting on one shared task at the same moment are both stored. Its side effects are
conditional UPDATEs that only move a state forward (task 未开始 → 推进中, the unit's part 未开始 →
推进中), which any number of concurrent reports may race for harmlessly. Requests that change the
task (办结, 延期) are optimistic-locked on ``Task.version`` (locking.bump); every change is recorded
with ``audit.record`` (who, when, old -> new). Views only check permissions and render.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from ..dates import today
from ..models import Assignment, CompletionRequest, ExtensionRequest, ProgressReport, Task, Unit
from . import audit
from .evidence import store_evidence
from .locking import bump, status_change
from .refusals import WorkflowError

_STATE_LABELS = dict(Assignment.Status.choices)


def assignment_of(task: Task, unit: Unit) -> Assignment | None:
    """The assignment ``unit`` acts through on ``task``: its own, else a generic group's it belongs
    to (lead first)."""
    return (
        task.assignments.filter(Q(unit=unit) | Q(unit__members=unit))
        .order_by("role", "position")
        .select_related("unit")
        .first()
    )


def report_progress(
    task: Task,
    *,
    user,
    unit: Unit,
    text: str,
    files: Sequence[UploadedFile] = (),
    period: datetime.date | None = None,
    assignment: Assignment | None = None,
) -> ProgressReport:
    """A unit's progress report (进展情况) for a month, with optional evidence files. An append: no
    version check; it moves the task and the unit's part from 未开始 to 推进中 if they were."""
    text = text.strip()
    if not text:
        raise WorkflowError("请填写进展情况。")
    assignment = assignment or assignment_of(task, unit)
    period = (period or today()).replace(day=1)
    with transaction.atomic():
        # Read inside the transaction: a task closed a moment ago takes no more reports.
        if Task.objects.filter(pk=task.pk, status=Task.Status.DONE).exists():
            raise WorkflowError("该任务已办结，无需再报送进展。")
        report = ProgressReport.objects.create(task=task, unit=unit, author=user, period=period, text=text)
        evidence = store_evidence(task, list(files), user, report=report)
        changes: dict = {}
        started = Task.objects.filter(pk=task.pk, status=Task.Status.NOT_STARTED).update(
            status=Task.Status.IN_PROGRESS, updated_at=timezone.now()
        )
        if started:
            changes = status_change(task, Task.Status.IN_PROGRESS)
            task.status = Task.Status.IN_PROGRESS
        if assignment is not None and Assignment.objects.filter(
            pk=assignment.pk, status=Assignment.Status.NOT_STARTED
        ).update(status=Assignment.Status.IN_PROGRESS):
            changes["unit_state"] = [
                _STATE_LABELS[Assignment.Status.NOT_STARTED],
                _STATE_LABELS[Assignment.Status.IN_PROGRESS],
            ]
            assignment.status = Assignment.Status.IN_PROGRESS
        changes["progress"] = [None, text]
        if evidence:
            changes["evidence"] = [None, "、".join(item.original_name for item in evidence)]
        audit.record(user, "task.report", f"{unit.name}报送{period:%Y年%m月}进展", task=task, changes=changes)
    return report


def may_answer(task: Task, unit: Unit) -> bool:
    """Whether ``unit`` answers for ``task`` (its 牵头单位, directly or as a member of a lead group)."""
    for assignment in task.answering_assignments():
        if assignment.unit_id == unit.pk:
            return True
        if assignment.unit.is_group and assignment.unit.members.filter(pk=unit.pk).exists():
            return True
    return False


def submit_completion(
    task: Task,
    *,
    user,
    unit: Unit,
    summary: str,
    version: int,
    files: Sequence[UploadedFile] = (),
) -> CompletionRequest:
    """Ask a supervisor to close the whole task (办结申请): only its lead unit (``unit``; a
    supervisor asking on the lead's behalf names the lead unit). The task waits for review meanwhile."""
    summary = summary.strip()
    if not summary:
        raise WorkflowError("请填写完成情况。")
    if task.status == Task.Status.DONE:
        raise WorkflowError("该任务已办结。")
    if not may_answer(task, unit):
        raise WorkflowError(
            "只有牵头单位可以申请办结整项任务；配合单位完成本单位承担的部分后，请点击“本单位已完成”。"
        )
    if task.completion_requests.filter(status=CompletionRequest.Status.PENDING).exists():
        raise WorkflowError("该任务已有待审核的办结申请，请等待督查员审核。")
    try:
        with transaction.atomic():
            changes = status_change(task, Task.Status.PENDING_REVIEW)
            bump(task, version, status=Task.Status.PENDING_REVIEW)
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
            bump(task, version)
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
