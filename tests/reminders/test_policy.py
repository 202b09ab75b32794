"""The policy's pure rules: which step applies on a day, and fast working-day counting."""

from __future__ import annotations

import datetime
import random

import pytest

from obligations.dates import month_end
from obligations.reminders.policy import (
    PolicyValues,
    WorkdayCounter,
    due_soon_stage,
    escalation_stage,
    overdue_stage,
    report_stage,
)
from obligations.workdays import WorkdayCalendar

D = datetime.date


@pytest.mark.parametrize(
    ("remaining", "stage"),
    [
        (9, None),
        (6, None),
        (5, "T-5"),
        (4, "T-5"),
        (3, "T-3"),
        (2, "T-3"),
        (1, "T-1"),
        (0, "T-1"),
        (-1, None),
    ],
)
def test_due_soon_step_is_the_smallest_offset_not_below_the_days_left(remaining, stage):
    assert due_soon_stage(remaining, (5, 3, 1)) == stage


def test_due_soon_with_a_same_day_offset_and_with_none():
    assert due_soon_stage(0, (2, 0)) == "T-0"
    assert due_soon_stage(1, (2, 0)) == "T-2"
    assert due_soon_stage(0, ()) is None


def test_overdue_daily_for_a_week_then_weekly():
    stages = {d: overdue_stage(d, 5, True) for d in range(0, 22)}
    assert [stages[d] for d in range(1, 6)] == ["D+1", "D+2", "D+3", "D+4", "D+5"]
    assert stages[0] is None
    # A working week after the last daily one, then every working week.
    assert [d for d in range(6, 22) if stages[d] is not None] == list(range(10, 22))
    assert {stages[d] for d in range(10, 15)} == {"W1"}
    assert {stages[d] for d in range(15, 20)} == {"W2"}
    assert stages[20] == "W3"


def test_overdue_without_weekly_stops_after_the_daily_phase():
    assert overdue_stage(5, 5, False) == "D+5"
    assert overdue_stage(30, 5, False) is None


def test_overdue_weekly_only_starts_on_the_first_overdue_day():
    assert [overdue_stage(d, 0, True) for d in (1, 5, 6, 10, 11)] == ["W1", "W1", "W2", "W2", "W3"]


def test_escalation_once_past_the_threshold():
    assert escalation_stage(2, 3) is None
    assert escalation_stage(3, 3) == "E"
    assert escalation_stage(40, 3) == "E"


def test_report_step_from_the_policy_day_of_the_month():
    assert report_stage(D(2025, 3, 24), 25) is None
    assert report_stage(D(2025, 3, 25), 25) == "R2025-03"
    assert report_stage(D(2025, 3, 31), 25) == "R2025-03"
    assert month_end(D(2024, 2, 10)) == D(2024, 2, 29)
    assert month_end(D(2025, 12, 31)) == D(2025, 12, 31)


def test_policy_values_normalise_the_offsets():
    class Model:
        due_soon_offsets = [1, 5, 3, 3, -2]
        overdue_daily_days = 5
        overdue_weekly = True
        escalate_after_days = 0
        monthly_report_day = 25

    values = PolicyValues.from_model(Model())
    assert values.due_soon_offsets == (5, 3, 1)
    assert values.escalate_after_days == 1  # never escalate before a task is overdue
    assert values.horizon_workdays == 5


def test_counter_agrees_with_the_calendar_across_holidays_and_adjusted_weekends():
    calendar = WorkdayCalendar()
    first, last = D(2024, 9, 1), D(2025, 3, 1)  # National Day, New Year, Spring Festival
    counter = WorkdayCounter(calendar, first, last)
    rng = random.Random(7)
    span = (last - first).days
    for _ in range(300):
        a = first + datetime.timedelta(days=rng.randint(0, span))
        b = first + datetime.timedelta(days=rng.randint(0, span))
        assert counter.between(a, b) == calendar.workdays_between(a, b), (a, b)
    # 2024-09-30 (Mon) to 2024-10-08 (Tue): the whole holiday in between is one working day.
    assert counter.between(D(2024, 9, 30), D(2024, 10, 8)) == 1
    # Outside the span it falls back to the calendar rather than failing.
    assert counter.between(D(2024, 1, 1), D(2024, 1, 8)) == calendar.workdays_between(
        D(2024, 1, 1), D(2024, 1, 8)
    )
