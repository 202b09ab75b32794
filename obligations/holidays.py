"""The working-day calendar with the supervisors' holiday table applied (Django side of workdays.py)."""

from __future__ import annotations

import datetime
import time

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import HolidayOverride, HolidayYear
from .workdays import PACKAGE_YEARS, WorkdayCalendar

_CACHE_SECONDS = 60.0
# Reminders look ahead a few weeks (due-soon steps, the yellow window); a year entering this window
# without its holiday schedule is worth telling supervisors about before it matters.
LOOKAHEAD_DAYS = 90
_cached: tuple[float, WorkdayCalendar] | None = None


def get_calendar() -> WorkdayCalendar:
    """China's calendar plus the override table; cached briefly, dropped whenever the table changes."""
    global _cached
    now = time.monotonic()
    if _cached is not None and now - _cached[0] < _CACHE_SECONDS:
        return _cached[1]
    calendar = WorkdayCalendar(
        overrides=dict(HolidayOverride.objects.values_list("date", "is_workday")),
        override_years=HolidayYear.objects.values_list("year", flat=True),
    )
    _cached = (now, calendar)
    return calendar


def clear_calendar_cache() -> None:
    global _cached
    _cached = None


@receiver([post_save, post_delete], sender=HolidayOverride)
@receiver([post_save, post_delete], sender=HolidayYear)
def _holiday_table_changed(**kwargs: object) -> None:
    clear_calendar_cache()


def missing_years(today: datetime.date, ahead_days: int = LOOKAHEAD_DAYS) -> list[int]:
    """Years from ``today`` to ``ahead_days`` later whose holiday schedule neither chinese-calendar
    nor the table (a year marked complete) covers: working days there are only Monday-Friday."""
    calendar = get_calendar()
    last = (today + datetime.timedelta(days=ahead_days)).year
    return [year for year in range(today.year, last + 1) if not calendar.covers(year)]


def package_years() -> tuple[int, int]:
    return PACKAGE_YEARS.start, PACKAGE_YEARS.stop - 1
