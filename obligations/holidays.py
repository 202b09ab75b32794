"""The working-day calendar with the supervisors' holiday table applied (Django side of workdays.py)."""

from __future__ import annotations

import time

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import HolidayOverride, HolidayYear
from .workdays import WorkdayCalendar

_CACHE_SECONDS = 60.0
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
