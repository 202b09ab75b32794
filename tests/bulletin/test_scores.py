"""考核 scores: hand-computed values for a small month, and rule changes that leave past months alone."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from obligations.bulletin.score_rules import RuleBook, save_version, values_of
from obligations.bulletin.tallies import Window, count_period, tasks_of_period
from obligations.bulletin.unit_scores import (
    average_table,
    compute_month,
    explain,
    month_table,
    store_month,
    year_to_date,
)
from obligations.holidays import get_calendar
from obligations.models import ScoreMonth, UnitScore

from .conftest import MONTH, TODAY

pytestmark = pytest.mark.django_db


def _window() -> Window:
    return Window(MONTH, datetime.date(2025, 3, 31), datetime.date(2025, 3, 31))


def test_march_tallies_match_hand_count(score_world):
    w = score_world
    tallies = count_period(tasks_of_period(_window()), _window(), get_calendar())
    total = tallies.total
    assert (total.due, total.on_time, total.late, total.overdue_due, total.pending) == (6, 1, 1, 3, 1)
    assert total.expected == 5 and total.on_time_rate == pytest.approx(0.2)
    assert total.overdue == 4
    a, b = tallies.units[w.a.pk], tallies.units[w.b.pk]
    assert (a.tasks, a.due, a.on_time, a.late, a.overdue_due, a.pending, a.overdue) == (5, 4, 1, 1, 1, 1, 1)
    assert (a.done_on_time, a.overdue_workdays) == (1, 13)
    assert (b.tasks, b.due, b.late, b.overdue_due, b.overdue, b.overdue_workdays) == (3, 2, 1, 1, 2, 25)
    assert w.group.pk not in tallies.units


def test_march_scores_match_hand_computation(score_world):
    w = score_world
    lines = {line.unit_id: line for line in compute_month(MONTH, TODAY, RuleBook.load().for_month(MONTH))}
    assert set(lines) == {w.a.pk, w.b.pk}
    a, b = lines[w.a.pk], lines[w.b.pk]
    assert (a.on_time, a.overdue_tasks, a.overdue_workdays, a.missed_reports, a.returned) == (1, 1, 13, 3, 1)
    assert (a.bonus, a.deduction, a.score) == (Decimal("1.00"), Decimal("5.80"), Decimal("95.20"))
    assert (b.on_time, b.overdue_tasks, b.overdue_workdays, b.missed_reports, b.returned) == (0, 2, 25, 1, 0)
    assert (b.bonus, b.deduction, b.score) == (Decimal("0"), Decimal("7.00"), Decimal("93.00"))
    assert "逾期25个工作日，−2.50分" in b.breakdown and "未按月报送进展1次，−0.50分" in b.breakdown


def test_caps_limit_bonus_and_deduction(score_world):
    rules = RuleBook.load().for_month(MONTH)
    rules.overdue_day_points = Decimal("2")  # B: 25 days → 50 points, capped at 30
    rules.on_time_points = Decimal("20")  # A: 20 points, capped at 10
    lines = {line.unit_id: line for line in compute_month(MONTH, TODAY, rules)}
    a, b = lines[score_world.a.pk], lines[score_world.b.pk]
    assert b.deduction == Decimal("30.00") and b.score == Decimal("70.00")
    assert "扣分按上限30.00分计" in b.breakdown
    assert a.bonus == Decimal("10.00") and "加分按上限10.00分计" in a.breakdown


def test_a_rule_change_leaves_past_months_unchanged(score_world):
    w = score_world
    before = {line.unit_id: line.score for line in month_table(MONTH, TODAY).lines}
    assert before == {w.a.pk: Decimal("95.20"), w.b.pk: Decimal("93.00")}
    values = values_of(RuleBook.load().for_month(MONTH))
    values["overdue_task_points"] = Decimal("5")
    values["base_score"] = Decimal("90")
    save_version(values, datetime.date(2025, 4, 1), w.supervisor, "加大逾期扣分")
    # March: stored, and recounted from scratch, both with the version in force in March.
    assert {line.unit_id: line.score for line in month_table(MONTH, TODAY).lines} == before
    ScoreMonth.objects.all().delete()
    assert {line.unit_id: line.score for line in month_table(MONTH, TODAY).lines} == before
    # April (under way) uses the new version: B still has T3 and T4 overdue, −5 each on a base of 90.
    april = {line.unit_id: line for line in month_table(datetime.date(2025, 4, 1), TODAY).lines}
    assert april[w.b.pk].overdue_tasks == 2
    assert (
        april[w.b.pk].score == Decimal("90") - Decimal("10") - Decimal("0.1") * april[w.b.pk].overdue_workdays
    )


def test_closed_month_is_stored_once(score_world, django_assert_max_num_queries):
    stored = store_month(MONTH, TODAY)
    assert UnitScore.objects.filter(score_month=stored).count() == 2
    assert store_month(MONTH, TODAY).pk == stored.pk
    with django_assert_max_num_queries(3):
        table = month_table(MONTH, TODAY)
    assert [line.name for line in table.lines] == ["区财政局", "区住房城乡建设局"]
    assert [line.rank for line in table.lines] == [1, 2]


def test_dashboard_aggregate_agrees_with_the_general_tables(score_world, django_assert_max_num_queries):
    """year_to_date sums in the database; average_table and month_table walk the rows: same figures,
    including the half-up rounding of an average that ends in half a cent."""
    w = score_world
    feb, today = datetime.date(2025, 2, 1), datetime.date(2025, 4, 1)
    for month in (datetime.date(2025, 1, 1), feb, MONTH):
        store_month(month, today)
    # A scored in February and March only, 95.25 and 95.20: the average 95.225 rounds half up.
    UnitScore.objects.filter(score_month__month=datetime.date(2025, 1, 1), unit=w.a).delete()
    UnitScore.objects.filter(score_month__month=feb, unit=w.a).update(score=Decimal("95.25"))
    with django_assert_max_num_queries(2):
        month, year = year_to_date(today)
    months = [datetime.date(2025, n, 1) for n in (1, 2, 3)]
    general_year, general_month = average_table("2025年", months, today), month_table(MONTH, today)
    assert [(x.unit_id, x.score, x.bonus, x.deduction, x.notes) for x in year.lines] == [
        (x.unit_id, x.score, x.bonus, x.deduction, x.notes) for x in general_year.lines
    ]
    explain(month.lines, month.rules[0])
    assert [(x.unit_id, x.score, x.breakdown) for x in month.lines] == [
        (x.unit_id, x.score, x.breakdown) for x in general_month.lines
    ]
    by_unit = {x.unit_id: x for x in year.lines}
    assert (by_unit[w.a.pk].months, by_unit[w.a.pk].score) == (2, Decimal("95.23"))
    assert {x.unit_id: x.score for x in month.lines} == {w.a.pk: Decimal("95.20"), w.b.pk: Decimal("93.00")}
