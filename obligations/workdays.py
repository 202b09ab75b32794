"""China's working-day calendar (with 调休), free of Django so the extraction engine can use it.

chinese-calendar ships the State Council's holiday schedule only up to the year it was released
for. Supervisors keep an editable table of overrides (``HolidayOverride`` in the app), which wins
over the package; for a year neither covers we fall back to Monday-Friday and say so through
``is_estimated``/``estimated_years`` so the UI and logs can warn instead of crashing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping
from datetime import date, timedelta

import chinese_calendar

logger = logging.getLogger(__name__)


def _package_years() -> range:
    years = [d.year for d in chinese_calendar.constants.holidays]
    return range(min(years), max(years) + 1)


PACKAGE_YEARS = _package_years()

# The fallback is logged at most once a day per year and process: calendars are rebuilt every
# minute (holidays.get_calendar), and a warning every minute drowns the log without saying more.
_warned_on: dict[int, date] = {}
_warned_lock = threading.Lock()


def forget_warnings() -> None:
    """Warn afresh (tests start each case with a clean slate)."""
    with _warned_lock:
        _warned_on.clear()


def _today() -> date:
    return date.today()  # Django processes run with TZ set to TIME_ZONE (Asia/Shanghai)


def warn_estimated(year: int) -> bool:
    """Log that ``year`` falls back to Monday-Friday, unless this process did so today."""
    today = _today()
    with _warned_lock:
        if _warned_on.get(year) == today:
            return False
        _warned_on[year] = today
    logger.warning(
        "%s年节假日安排未收录（chinese-calendar 仅含 %s–%s 年），按周一至周五计算工作日；"
        "请督查员在“节假日设置”中补充。",
        year,
        PACKAGE_YEARS.start,
        PACKAGE_YEARS.stop - 1,
    )
    return True


class WorkdayCalendar:
    """Answers "is this a working day?" and counts working days.

    ``overrides`` maps a date to True (working day, e.g. a 调休 Saturday) or False (holiday).
    ``override_years`` lists years whose schedule the override table fully describes, so the
    weekday fallback for them is not reported as an estimate.
    """

    def __init__(
        self,
        overrides: Mapping[date, bool] | None = None,
        override_years: Iterable[int] = (),
    ) -> None:
        self.overrides = dict(overrides or {})
        self.override_years = set(override_years)
        self.estimated_years: set[int] = set()

    def covers(self, year: int) -> bool:
        """True when the holiday schedule for ``year`` is known (package or override table)."""
        return year in PACKAGE_YEARS or year in self.override_years

    def is_estimated(self, year: int) -> bool:
        return not self.covers(year)

    def is_workday(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        if day.year in PACKAGE_YEARS:
            return chinese_calendar.is_workday(day)
        if day.year not in self.override_years and day.year not in self.estimated_years:
            self.estimated_years.add(day.year)
            warn_estimated(day.year)
        return day.weekday() < 5

    def add_workdays(self, start: date, count: int) -> date:
        """The ``count``-th working day after ``start`` (``count`` may be negative; 0 gives ``start``)."""
        step = 1 if count >= 0 else -1
        remaining = abs(count)
        day = start
        while remaining:
            day += timedelta(days=step)
            if self.is_workday(day):
                remaining -= 1
        return day

    def workdays_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative when end is before start."""
        if end == start:
            return 0
        sign = 1 if end > start else -1
        low, high = (start, end) if sign > 0 else (end, start)
        total = 0
        day = low + timedelta(days=1)
        while day <= high:
            if self.is_workday(day):
                total += 1
            day += timedelta(days=1)
        return sign * total

    def next_workday(self, day: date, include_today: bool = True) -> date:
        if include_today and self.is_workday(day):
            return day
        return self.add_workdays(day, 1)


DEFAULT_CALENDAR = WorkdayCalendar()
