"""China's working-day calendar: 调休, the override table, and years the package lacks."""

from __future__ import annotations

import datetime
import logging

import pytest

from obligations.holidays import clear_calendar_cache, get_calendar
from obligations.models import HolidayOverride, HolidayYear
from obligations.workdays import PACKAGE_YEARS, WorkdayCalendar

D = datetime.date


def test_national_day_and_adjusted_weekend():
    cal = WorkdayCalendar()
    assert not cal.is_workday(D(2024, 10, 1))
    assert not cal.is_workday(D(2024, 10, 7))  # Monday, still the holiday
    assert cal.is_workday(D(2024, 9, 29))  # Sunday, a 调休 working day
    assert cal.is_workday(D(2024, 10, 12))  # Saturday, a 调休 working day


def test_add_workdays_skips_the_holiday():
    cal = WorkdayCalendar()
    # 2024-09-30 (Mon) + 1 working day: Oct 1-7 are off, so Oct 8.
    assert cal.add_workdays(D(2024, 9, 30), 1) == D(2024, 10, 8)
    assert cal.add_workdays(D(2024, 10, 8), -1) == D(2024, 9, 30)
    assert cal.add_workdays(D(2024, 10, 8), 0) == D(2024, 10, 8)
    assert cal.workdays_between(D(2024, 9, 30), D(2024, 10, 8)) == 1
    assert cal.workdays_between(D(2024, 10, 8), D(2024, 9, 30)) == -1


def test_override_table_wins_over_the_package():
    cal = WorkdayCalendar(overrides={D(2024, 10, 8): False})
    assert not cal.is_workday(D(2024, 10, 8))
    assert cal.add_workdays(D(2024, 9, 30), 1) == D(2024, 10, 9)


def test_year_without_data_falls_back_to_weekdays_and_says_so(caplog):
    year = PACKAGE_YEARS.stop  # the first year chinese-calendar does not know
    cal = WorkdayCalendar()
    assert not cal.covers(year)
    with caplog.at_level(logging.WARNING, logger="obligations.workdays"):
        monday = next(D(year, 1, d) for d in range(1, 8) if D(year, 1, d).weekday() == 0)
        assert cal.is_workday(monday)
        assert not cal.is_workday(monday + datetime.timedelta(days=5))
    assert year in cal.estimated_years
    assert any(f"{year}年节假日安排未收录" in record.message for record in caplog.records)
    # Entering the year's schedule in the table stops it being an estimate.
    covered = WorkdayCalendar(overrides={D(year, 1, 1): False}, override_years=[year])
    assert covered.covers(year)
    assert not covered.is_workday(D(year, 1, 1))


@pytest.mark.django_db
def test_get_calendar_reads_the_table_and_notices_changes():
    clear_calendar_cache()
    day = D(2025, 3, 3)  # an ordinary Monday
    assert get_calendar().is_workday(day)
    HolidayOverride.objects.create(date=day, is_workday=False, name="临时放假")
    assert not get_calendar().is_workday(day)
    HolidayYear.objects.create(year=PACKAGE_YEARS.stop)
    assert get_calendar().covers(PACKAGE_YEARS.stop)
