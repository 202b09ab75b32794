"""What supervisors decide on a unit's request: 办结审核 (approve closes the task and every unit's
part of it, return sends it back) and 延期审核 (approval moves the deadline and keeps the original). Each decision is taken once
(Decision.settle), optimistic-locked on the task and recorded with audit.record."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from ..models import CompletionRequest, ExtensionRequest, Task
from ..models.submissions import Decision
from . import audit
from .locking import bump, status_change
from .refusals import WorkflowError
from .unit_state import complete_every_part


def _settle(request: Decision, status: str, user, comment: str) -> None:
    if not type(request).settle(request.pk, status, user, comment):
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
        _settle(request, status, user, comment)
        if approve:
            changes = status_change(task, Task.Status.DONE)
            bump(task, version, status=Task.Status.DONE, completed_at=timezone.now())
            completed = complete_every_part(task, user)
            if completed:
                changes["units_done"] = [None, "、".join(completed)]
            summary = f"办结审核通过（{request.unit.name}）"
        else:
            changes = status_change(task, Task.Status.IN_PROGRESS)
            bump(task, version, status=Task.Status.IN_PROGRESS, completed_at=None)
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
        _settle(request, status, user, comment)
        if approve:
            old = task.deadline
            new = request.requested_deadline
            fields: dict[str, Any] = {"deadline": new, "deadline_kind": Task.DeadlineKind.DATE}
            if task.original_deadline is None:
                fields["original_deadline"] = old
            changes = {"deadline": [old.isoformat() if old else None, new.isoformat()]}
            bump(task, version, **fields)
            summary = f"批准延期至{new:%Y年%m月%d日}（{request.unit.name}）"
        else:
            bump(task, version)
            changes = {}
            summary = f"驳回延期申请（{request.unit.name}）"
        if comment:
            changes["decision_comment"] = [None, comment]
        audit.record(user, "extension.decide", summary, task=task, changes=changes)
    request.refresh_from_db()
    return request
