"""The two dates every light is judged with: the day, and the cutoff, the last day that still
counts as yellow (the reminder policy's window of N working days, on China's calendar with the
supervisors' holiday table)."""

from __future__ import annotations

import datetime

from .dates import today
from .holidays import get_calendar
from .models import ReminderPolicy
from .workdays import WorkdayCalendar


def yellow_cutoff(
    day: datetime.date, calendar: WorkdayCalendar | None = None, window: int | None = None
) -> datetime.date:
    """Last date that still counts as "due soon": N working days after ``day``."""
    if window is None:
        window = ReminderPolicy.current().yellow_window_days
    return (calendar or get_calendar()).add_workdays(day, window)


def light_window(day: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The day (default today) and its yellow cutoff."""
    day = day or today()
    return day, yellow_cutoff(day)
