"""The reminder policy as pure functions: which step (stage) of which reminder is due on a day.

Each function answers for "today" only and names the *current* step, never the whole history:
after downtime a sweep sends the step that applies now instead of replaying every missed one, and
because the outbox is keyed by stage, running it again the same day (or the next day while the same
step still applies) adds nothing.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from itertools import accumulate

from ..workdays import WorkdayCalendar

# Overdue reminders after the daily phase come every five working days (a working week).
WEEK = 5


@dataclass(frozen=True)
class PolicyValues:
    """The editable ReminderPolicy, reduced to the values the rules need."""

    due_soon_offsets: tuple[int, ...] = (5, 3, 1)
    overdue_daily_days: int = 5
    overdue_weekly: bool = True
    escalate_after_days: int = 3
    monthly_report_day: int = 25

    @classmethod
    def from_model(cls, policy: object) -> PolicyValues:
        offsets = sorted({int(o) for o in (policy.due_soon_offsets or []) if int(o) >= 0}, reverse=True)
        return cls(
            due_soon_offsets=tuple(offsets),
            overdue_daily_days=policy.overdue_daily_days,
            overdue_weekly=policy.overdue_weekly,
            escalate_after_days=max(1, policy.escalate_after_days),
            monthly_report_day=policy.monthly_report_day,
        )

    @property
    def horizon_workdays(self) -> int:
        """How far ahead (in working days) a deadline can be and still need a reminder today."""
        return max(self.due_soon_offsets, default=0)


def due_soon_stage(remaining: int, offsets: tuple[int, ...]) -> str | None:
    """``remaining`` working days are left (0 = due today): the step "T-n" that applies, if any.

    The step is the smallest offset not below ``remaining``: with offsets 5, 3, 1 a task 4 working
    days out is in step T-5 (sent once when it entered that window), 2 days out in T-3.
    """
    if remaining < 0:
        return None
    eligible = [offset for offset in offsets if offset >= remaining]
    return f"T-{min(eligible)}" if eligible else None


def overdue_stage(overdue: int, daily_days: int, weekly: bool) -> str | None:
    """``overdue`` working days past the deadline: "D+n" every day at first, then "Wn" weekly.

    After the daily phase the next reminder comes a working week after the last daily one; with no
    daily phase the weekly ones start on the first overdue day.
    """
    if overdue <= 0:
        return None
    if overdue <= daily_days:
        return f"D+{overdue}"
    if not weekly:
        return None
    past_daily = overdue - daily_days
    week = (past_daily + (WEEK - 1 if daily_days == 0 else 0)) // WEEK
    return f"W{week}" if week >= 1 else None


def escalation_stage(overdue: int, escalate_after: int) -> str | None:
    """Supervisors hear once per deadline, when it is ``escalate_after`` working days overdue."""
    return "E" if overdue >= escalate_after else None


def report_stage(day: datetime.date, report_day: int) -> str | None:
    """Monthly progress-report step for ``day``'s month, from the policy's day of the month on."""
    return f"R{day:%Y-%m}" if day.day >= report_day else None


class WorkdayCounter:
    """Working-day arithmetic in O(1) over a fixed span, for sweeps over many tasks.

    ``WorkdayCalendar.workdays_between`` walks day by day; a sweep asks it for every task, so the
    span's working days are counted once into prefix sums instead. Dates outside the span fall back
    to the calendar.
    """

    def __init__(self, calendar: WorkdayCalendar, first: datetime.date, last: datetime.date) -> None:
        self.calendar = calendar
        self.first = first
        self.last = last
        days = (last - first).days + 1
        flags = (
            1 if calendar.is_workday(first + datetime.timedelta(days=i)) else 0 for i in range(max(days, 0))
        )
        # _prefix[i] = working days in [first, first + i]
        self._prefix = list(accumulate(flags))

    def _count_through(self, day: datetime.date) -> int:
        return self._prefix[(day - self.first).days]

    def between(self, start: datetime.date, end: datetime.date) -> int:
        """Working days in (start, end]; negative when end is before start (like the calendar)."""
        if not (self.first <= start <= self.last and self.first <= end <= self.last):
            return self.calendar.workdays_between(start, end)
        return self._count_through(end) - self._count_through(start)
