"""The seed gazettes' history: plans of 2018–2021, closed as such plans are by now.

The five real gazettes stay as they were extracted and published; what a demo must not show is
every one of their 370 tasks thousands of days overdue (which would also make the first reminder
sweep mail each of them). Each task is closed in its own year: the answering unit's completion
request, approved by the 督查室, with a closing report from the unit, every unit's part done at
that time. The rows say they are history (（历史记录）) and one audit entry per plan records it.
Bulk statements: a few dozen queries for all 370 tasks.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from ..models import Assignment, ChangeLog, CompletionRequest, Plan, ProgressReport, Task
from ..models.work import answering

HISTORY_ACTION = "plan.history"  # shown on every task of the plan (workflow.timeline)
CLOSING_REPORT = "（历史记录）已按方案要求完成本单位承担的工作。"
CLOSING_SUMMARY = "（历史记录）任务已按方案要求完成，经督查室审核办结。"


def _closed_on(task: Task, plan: Plan, latest: datetime.date) -> datetime.date:
    """When a historical task is taken to have closed: on its deadline, or half a year after the
    plan was issued for one without a date; never later than ``latest``."""
    issued = plan.issued or datetime.date(plan.year or latest.year, 1, 1)
    day = (
        task.deadline if task.deadline and task.deadline >= issued else issued + datetime.timedelta(days=180)
    )
    return min(day, latest)


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def close_historical_plans(plans: list[Plan], supervisor) -> int:
    """Close every open task of these (seed) plans as history; returns how many were closed."""
    latest = timezone.localdate() - datetime.timedelta(days=365)
    closed = 0
    with transaction.atomic():
        for plan in plans:
            tasks = list(plan.tasks.exclude(status=Task.Status.DONE).prefetch_related("assignments"))
            if not tasks:
                continue
            reports, requests, done_tasks = [], [], []
            for task in tasks:
                day = _closed_on(task, plan, latest)
                task.status, task.completed_at = Task.Status.DONE, _at(day, 17)
                done_tasks.append(task)
                parts = list(task.assignments.all())
                if not parts:
                    continue
                lead = answering(parts)[0]
                reports.append(
                    ProgressReport(
                        task=task,
                        unit=lead.unit,
                        period=day.replace(day=1),
                        text=CLOSING_REPORT,
                        created_at=_at(day - datetime.timedelta(days=3), 10),
                    )
                )
                requests.append(
                    CompletionRequest(
                        task=task,
                        unit=lead.unit,
                        summary=CLOSING_SUMMARY,
                        submitted_at=_at(day - datetime.timedelta(days=2), 10),
                        status=CompletionRequest.Status.APPROVED,
                        decided_by=supervisor,
                        decided_at=task.completed_at,
                    )
                )
            Task.objects.bulk_update(done_tasks, ["status", "completed_at"], batch_size=500)
            for task in done_tasks:
                Assignment.objects.filter(task=task).exclude(status=Assignment.Status.DONE).update(
                    status=Assignment.Status.DONE, done_at=task.completed_at, done_by=supervisor
                )
            # auto_now_add stamps "now" on insert; the historical times are written back after.
            created = ProgressReport.objects.bulk_create(reports, batch_size=500)
            for report, wanted in zip(created, reports, strict=True):
                report.created_at = wanted.created_at
            ProgressReport.objects.bulk_update(created, ["created_at"], batch_size=500)
            stored = CompletionRequest.objects.bulk_create(requests, batch_size=500)
            for request, wanted in zip(stored, requests, strict=True):
                request.submitted_at = wanted.submitted_at
            CompletionRequest.objects.bulk_update(stored, ["submitted_at"], batch_size=500)
            # The plan was tracked from its issue: its ledgers of those years hold its tasks.
            since = _at(plan.issued or min(task.completed_at for task in done_tasks).date(), 9)
            Plan.objects.filter(pk=plan.pk).update(published_at=since)
            Task.objects.filter(plan=plan).update(created_at=since)
            ChangeLog.objects.create(
                actor=supervisor,
                action=HISTORY_ACTION,
                summary=f"演示数据：《{plan.title}》为历史公报所载方案，{len(done_tasks)} 项任务按历史办结情况标记为已办结",
                plan=plan,
                changes={"status": ["推进中", "已办结"]},
            )
            closed += len(done_tasks)
    return closed
