"""Recurring obligations (每月5日前报送, 每季度): occurrences kept ahead of today, for ever.

A recurring task's ``recurrence`` is an RFC 5545 RRULE; its series starts at the plan's issue date
(or the task's creation) and is materialised as TaskOccurrence rows from the day the plan was
published, always at least ``RECURRENCE_AHEAD_COUNT`` occurrences and ``RECURRENCE_AHEAD_DAYS`` days
ahead, so it never stops at a year boundary. ``Task.deadline`` is kept at the earliest open
occurrence, which is what the traffic lights and the reminder sweep read.

An occurrence is fulfilled by the first progress report on the task created after the previous
occurrence's due date (a late report fulfils the overdue occurrence first); its ``fulfilled_at``
is that report's time, so each report counts once.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict

from dateutil.rrule import rrule, rruleset, rrulestr
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..models import ProgressReport, Task, TaskOccurrence

logger = logging.getLogger(__name__)

# A runaway rule (FREQ=DAILY over years of backlog) must not stall the sweep.
MAX_NEW_PER_TASK = 400
CHUNK = 500


def series_start(task: Task) -> datetime.date:
    """Where the rule counts from: the plan's issue date, else the task's creation day."""
    if task.plan.issued:
        return task.plan.issued
    return timezone.localdate(task.created_at)


def parse_rule(task: Task) -> rrule | rruleset:
    """The task's rule anchored at its series start; ValueError for a rule dateutil rejects."""
    start = datetime.datetime.combine(series_start(task), datetime.time())
    return rrulestr(task.recurrence.strip(), dtstart=start)


def upcoming(
    rule: rrule | rruleset,
    after: datetime.date,
    today: datetime.date,
    *,
    ahead_count: int,
    ahead_days: int,
    already_ahead: int = 0,
) -> list[datetime.date]:
    """Due dates later than ``after``, up to ``ahead_days`` past today and until there are at
    least ``ahead_count`` on or after today, counting ``already_ahead`` existing ones (fewer only
    when the rule itself ends)."""
    limit = today + datetime.timedelta(days=ahead_days)
    dates: list[datetime.date] = []
    future = already_ahead
    cursor = datetime.datetime.combine(after, datetime.time.max)
    while len(dates) < MAX_NEW_PER_TASK:
        nxt = rule.after(cursor)
        if nxt is None:
            break
        due = nxt.date()
        if due > limit and future >= ahead_count:
            break
        if not dates or due != dates[-1]:
            dates.append(due)
            if due >= today:
                future += 1
        cursor = nxt
    return dates


def refresh_recurring(
    today: datetime.date | None = None,
    *,
    ahead_count: int | None = None,
    ahead_days: int | None = None,
) -> int:
    """Extend every live recurring series, mark fulfilled occurrences, move deadlines; returns
    the number of occurrences written (a concurrent refresh's duplicates are dropped silently)."""
    today = today or timezone.localdate()
    ahead_count = settings.RECURRENCE_AHEAD_COUNT if ahead_count is None else ahead_count
    ahead_days = settings.RECURRENCE_AHEAD_DAYS if ahead_days is None else ahead_days
    tasks = (
        Task.objects.published()
        .open()
        .filter(deadline_kind=Task.DeadlineKind.RECURRING)
        .exclude(recurrence="")
        .select_related("plan")
        .order_by("pk")
    )
    created = 0
    last = 0
    while True:
        chunk = list(tasks.filter(pk__gt=last)[:CHUNK])
        if not chunk:
            return created
        last = chunk[-1].pk
        created += _refresh_chunk(chunk, today, ahead_count, ahead_days)


def _refresh_chunk(chunk: list[Task], today: datetime.date, ahead_count: int, ahead_days: int) -> int:
    ids = [task.pk for task in chunk]
    occurrences: dict[int, list[TaskOccurrence]] = defaultdict(list)
    for occ in TaskOccurrence.objects.filter(task_id__in=ids).order_by("task_id", "due_date"):
        occurrences[occ.task_id].append(occ)
    reports: dict[int, list[datetime.datetime]] = defaultdict(list)
    for task_id, created_at in (
        ProgressReport.objects.filter(task_id__in=ids)
        .order_by("created_at")
        .values_list("task_id", "created_at")
    ):
        reports[task_id].append(created_at)

    new_rows: list[TaskOccurrence] = []
    fulfilled: list[TaskOccurrence] = []
    moved: list[Task] = []
    for task in chunk:
        try:
            rule = parse_rule(task)
        except (ValueError, TypeError) as exc:
            logger.warning("任务 %s 的周期规则无法解析（%r）：%s", task.pk, task.recurrence, exc)
            continue
        existing = occurrences[task.pk]
        if existing:
            after = existing[-1].due_date
        else:
            published = timezone.localdate(task.plan.published_at) if task.plan.published_at else today
            # Obligations start when the plan is published here: no backlog from years before.
            after = max(series_start(task), published) - datetime.timedelta(days=1)
        ahead = sum(1 for occ in existing if occ.due_date >= today)
        for due in upcoming(
            rule, after, today, ahead_count=ahead_count, ahead_days=ahead_days, already_ahead=ahead
        ):
            occ = TaskOccurrence(task=task, due_date=due)
            new_rows.append(occ)
            existing.append(occ)
        if existing:
            # The first occurrence's window opens after the rule's previous date (or its start).
            before = rule.before(datetime.datetime.combine(existing[0].due_date, datetime.time()))
            opened = before.date() if before else series_start(task) - datetime.timedelta(days=1)
            fulfilled.extend(_match_reports(existing, reports[task.pk], today, opened))
        open_dates = [occ.due_date for occ in existing if occ.fulfilled_at is None]
        deadline = open_dates[0] if open_dates else None
        if deadline != task.deadline:
            task.deadline = deadline
            moved.append(task)

    with transaction.atomic():
        made = TaskOccurrence.objects.bulk_create(new_rows, ignore_conflicts=True, batch_size=500)
        fulfilled_saved = [occ for occ in fulfilled if occ.pk]
        TaskOccurrence.objects.bulk_update(fulfilled_saved, ["fulfilled_at"], batch_size=500)
        # Occurrences created just now and already fulfilled are rare (a report before the first
        # refresh); save them by their natural key.
        for occ in fulfilled:
            if not occ.pk:
                TaskOccurrence.objects.filter(task_id=occ.task_id, due_date=occ.due_date).update(
                    fulfilled_at=occ.fulfilled_at
                )
        # Derived, not a person's edit: the version (optimistic lock) and audit trail stay as they are.
        Task.objects.bulk_update(moved, ["deadline"], batch_size=500)
    return len(made)


def _match_reports(
    occurrences: list[TaskOccurrence],
    report_times: list[datetime.datetime],
    today: datetime.date,
    opened: datetime.date,
) -> list[TaskOccurrence]:
    """Give each not-yet-used report to the earliest open occurrence whose window it falls in or
    after; occurrence k's window opens the day after occurrence k-1 is due (the first one's after
    ``opened``)."""
    used = {occ.fulfilled_at for occ in occurrences if occ.fulfilled_at is not None}
    free = [at for at in report_times if at not in used]
    changed: list[TaskOccurrence] = []
    previous_due = opened
    for occ in occurrences:
        if occ.fulfilled_at is None:
            if previous_due >= today:
                break  # this occurrence's window has not opened yet
            match = next((at for at in free if timezone.localdate(at) > previous_due), None)
            if match is None:
                break
            free.remove(match)
            occ.fulfilled_at = match
            changed.append(occ)
        previous_due = occ.due_date
    return changed
