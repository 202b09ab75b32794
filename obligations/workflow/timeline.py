"""A task's history in one list: reports, requests and decisions, reminders, and every recorded change
of this task (plan-wide records only where they concern every task: import, publication, archiving).

Reports, completion and extension requests are shown from their own rows (with their files and
decisions); every other recorded change comes from the audit log with its old -> new values. The
audit rows written for the requests themselves are skipped, so nothing appears twice.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q

from ..models import ChangeLog, CompletionRequest, Evidence, ExtensionRequest, ProgressReport, Reminder, Task

# Audit actions whose content the timeline shows from the request/report rows instead.
_SHOWN_FROM_ROWS = {
    "task.report",
    "completion.submit",
    "completion.decide",
    "extension.request",
    "extension.decide",
}

FIELD_LABELS = {
    "text": "任务内容",
    "responsible_person": "责任人",
    "deadline": "完成时限",
    "deadline_kind": "时限类型",
    "deadline_raw": "时限原文",
    "needs_review": "需复核",
    "lead_units": "牵头单位",
    "responsible_units": "责任单位",
    "units": "承办单位",
    "status": "状态",
    "unit": "单位",
    "confirmed": "已确认",
    "reminder": "催办内容",
    "recipients": "接收人",
    "progress": "进展情况",
    "evidence": "佐证材料",
    "completion_summary": "完成情况",
    "decision_comment": "审核意见",
    "requested_deadline": "申请延期",
    "unit_state": "本单位状态",
    "note": "说明",
    "units_done": "同时完成的单位",
}

# Events recorded on the whole plan that concern each of its tasks; everything else on the plan
# (other rows' review edits, units confirmed or mapped elsewhere) is not this task's history.
_PLAN_EVENTS = ("plan.import", "plan.publish", "plan.archive", "plan.history")


@dataclass
class Change:
    label: str
    old: Any
    new: Any


@dataclass
class Event:
    at: datetime.datetime
    kind: str  # css class: report, completion, extension, decision, reminder, change
    title: str
    actor: str = ""
    body: str = ""
    changes: list[Change] = field(default_factory=list)
    files: list[Evidence] = field(default_factory=list)
    status: str = ""


def _who(user) -> str:
    if user is None:
        return "系统"
    return user.get_full_name() or user.get_username()


def _display(value: Any) -> Any:
    if value is True:
        return "是"
    if value is False:
        return "否"
    if value in (None, ""):
        return "—"
    return value


# Stored codes shown by their Chinese labels.
_VALUE_LABELS = {"deadline_kind": dict(Task.DeadlineKind.choices), "status": dict(Task.Status.choices)}


def _changes(raw: dict) -> list[Change]:
    result = []
    for name, pair in (raw or {}).items():
        old, new = [*pair, None, None][:2] if isinstance(pair, list) else (None, pair)
        labels = _VALUE_LABELS.get(name, {})
        old, new = labels.get(old, old), labels.get(new, new)
        result.append(Change(FIELD_LABELS.get(name, name), _display(old), _display(new)))
    return result


def task_timeline(task: Task, limit: int = 200) -> list[Event]:
    """Newest first. A bounded number of queries whatever the history's length."""
    events: list[Event] = []
    evidence = Prefetch("evidence", queryset=Evidence.objects.order_by("pk"))
    for report in (
        ProgressReport.objects.filter(task=task)
        .select_related("author", "unit")
        .prefetch_related(evidence)[:limit]
    ):
        events.append(
            Event(
                at=report.created_at,
                kind="report",
                title=f"{report.unit.name}报送{report.period:%Y年%m月}进展",
                actor=_who(report.author),
                body=report.text,
                files=list(report.evidence.all()),
            )
        )
    completions = (
        CompletionRequest.objects.filter(task=task)
        .select_related("submitted_by", "decided_by", "unit")
        .prefetch_related(evidence)
    )
    for request in completions[:limit]:
        events.append(
            Event(
                at=request.submitted_at,
                kind="completion",
                title=f"{request.unit.name}申请办结",
                actor=_who(request.submitted_by),
                body=request.summary,
                files=list(request.evidence.all()),
                status=request.get_status_display(),
            )
        )
        if request.decided_at:
            approved = request.status == CompletionRequest.Status.APPROVED
            events.append(
                Event(
                    at=request.decided_at,
                    kind="decision",
                    title="办结审核通过" if approved else "办结申请被退回",
                    actor=_who(request.decided_by),
                    body=request.decision_comment,
                    changes=[Change("状态", "办结待审核", "已办结" if approved else "推进中")],
                )
            )
    extensions = ExtensionRequest.objects.filter(task=task).select_related(
        "requested_by", "decided_by", "unit"
    )
    for request in extensions[:limit]:
        events.append(
            Event(
                at=request.created_at,
                kind="extension",
                title=f"{request.unit.name}申请延期",
                actor=_who(request.requested_by),
                body=request.reason,
                changes=[Change("完成时限", request.current_deadline or "—", request.requested_deadline)],
                status=request.get_status_display(),
            )
        )
        if request.decided_at:
            approved = request.status == ExtensionRequest.Status.APPROVED
            events.append(
                Event(
                    at=request.decided_at,
                    kind="decision",
                    title="批准延期" if approved else "驳回延期申请",
                    actor=_who(request.decided_by),
                    body=request.decision_comment,
                    changes=[Change("完成时限", request.current_deadline or "—", request.requested_deadline)]
                    if approved
                    else [],
                )
            )
    reminders = Reminder.objects.filter(task=task).select_related("unit", "recipient", "created_by")
    groups: dict[tuple, list[Reminder]] = {}
    for reminder in reminders.order_by("created_at", "pk")[:limit]:
        groups.setdefault((reminder.kind, reminder.stage, reminder.created_by_id), []).append(reminder)
    for group in groups.values():
        first = group[0]
        recipients = "、".join(
            f"{r.unit.name} {_who(r.recipient)}（{r.get_status_display()}）" for r in group
        )
        events.append(
            Event(
                at=first.created_at,
                kind="reminder",
                title=first.get_kind_display(),
                actor=_who(first.created_by) if first.created_by_id else "系统",
                body=first.message,
                changes=[Change("接收人", "—", recipients)],
            )
        )
    logs = (
        ChangeLog.objects.filter(
            Q(task=task) | Q(plan_id=task.plan_id, task__isnull=True, action__in=_PLAN_EVENTS)
        )
        .exclude(action__in=_SHOWN_FROM_ROWS)
        .select_related("actor")
    )
    for log in logs[:limit]:
        if log.action == "task.remind" and (log.changes.get("recipients") or [None, ""])[1]:
            continue  # the outbox rows above show this request with each recipient's status
        events.append(
            Event(
                at=log.created_at,
                kind="change",
                title=log.summary,
                actor=_who(log.actor),
                changes=_changes(log.changes),
            )
        )
    events.sort(key=lambda event: event.at, reverse=True)
    return events[:limit]
