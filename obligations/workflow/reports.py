"""What liaisons submit on their unit's task: progress reports (with evidence), a request to close
it (办结申请) or to extend its deadline (延期申请).

Each change is optimistic-locked on ``Task.version`` (locking.bump) and recorded with
``audit.record`` (who, when, old -> new). Views only check permissions and render.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction

from ..dates import today
from ..models import CompletionRequest, ExtensionRequest, ProgressReport, Task, Unit
from . import audit
from .evidence import store_evidence
from .locking import bump, status_change
from .refusals import WorkflowError


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
            changes = status_change(task, Task.Status.IN_PROGRESS)
            fields["status"] = Task.Status.IN_PROGRESS
        bump(task, version, **fields)
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
