"""考核 scores per unit, per month and per year (or quarter), with the breakdown behind each score.

A month's score is the base score plus capped bonus points minus capped deductions, with the rule
version in force that month (score_rules). The counts come from tallies (set-based, a few queries
whatever the number of tasks), plus two more: progress reports missed in a closed month, and
completion requests returned in it. A closed month is computed once and stored (ScoreMonth,
UnitScore), so the dashboard and the ledger only read it; the month under way is computed when
asked. A year's (or quarter's) score is the average of the unit's monthly scores in the closed
months of that period, so every score reads on the same scale as the base score.

Tasks count for every unit assigned to them (as in the ledger's summary); generic groups such as
各区县政府 are no unit of account and get no score.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from ..dates import month_end
from ..holidays import get_calendar
from ..models import (
    Assignment,
    CompletionRequest,
    ProgressReport,
    ReminderPolicy,
    ScoreMonth,
    ScoringRules,
    Unit,
    UnitScore,
)
from .score_rules import RuleBook
from .tallies import Tallies, Window, count_period, tasks_of_period

CENT = Decimal("0.01")
COUNT_FIELDS = ("tasks", "on_time", "overdue_tasks", "overdue_workdays", "missed_reports", "returned")


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Item:
    """One line of a breakdown: what was counted, how many, and the points it gave (+) or cost (−)."""

    label: str
    count: int
    unit: str
    points: Decimal

    @property
    def text(self) -> str:
        sign = "+" if self.points >= 0 else "−"
        return f"{self.label}{self.count}{self.unit}，{sign}{abs(self.points):.2f}分"


@dataclass
class ScoreLine:
    """One unit's score for a month, or its average over several months, with the counts behind it."""

    unit_id: int
    name: str
    tasks: int = 0
    on_time: int = 0
    overdue_tasks: int = 0
    overdue_workdays: int = 0
    missed_reports: int = 0
    returned: int = 0
    bonus: Decimal = Decimal(0)
    deduction: Decimal = Decimal(0)
    score: Decimal = Decimal(0)
    months: int = 1
    items: list[Item] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rank: int = 0

    @property
    def breakdown(self) -> str:
        parts = [item.text for item in self.items] + self.notes
        return "；".join(parts) if parts else "当期无加减分事项"


def score_counts(line: ScoreLine, rules: ScoringRules) -> ScoreLine:
    """Fill in a month's items, bonus, deduction and score from its counts and the rules."""
    items = [
        Item("按期办结", line.on_time, "项", _cents(line.on_time * rules.on_time_points)),
        Item(
            "月末逾期任务", line.overdue_tasks, "项", -_cents(line.overdue_tasks * rules.overdue_task_points)
        ),
        Item(
            "逾期",
            line.overdue_workdays,
            "个工作日",
            -_cents(line.overdue_workdays * rules.overdue_day_points),
        ),
        Item(
            "未按月报送进展",
            line.missed_reports,
            "次",
            -_cents(line.missed_reports * rules.missed_report_points),
        ),
        Item("办结申请被退回", line.returned, "次", -_cents(line.returned * rules.returned_points)),
    ]
    line.items = [item for item in items if item.count]
    raw_bonus = sum((item.points for item in items if item.points > 0), Decimal(0))
    raw_deduction = -sum((item.points for item in items if item.points < 0), Decimal(0))
    line.bonus = min(raw_bonus, rules.bonus_cap)
    line.deduction = min(raw_deduction, rules.deduction_cap)
    line.notes = []
    if raw_bonus > line.bonus:
        line.notes.append(f"加分按上限{rules.bonus_cap:.2f}分计")
    if raw_deduction > line.deduction:
        line.notes.append(f"扣分按上限{rules.deduction_cap:.2f}分计")
    line.score = _cents(rules.base_score + line.bonus - line.deduction)
    return line


@dataclass
class ScoreTable:
    """A ranking: every scored unit, best first."""

    label: str
    lines: list[ScoreLine]
    rules: list[ScoringRules]
    live: bool = False  # the month under way, counted up to today
    months: list[datetime.date] = field(default_factory=list)

    def rank(self) -> ScoreTable:
        self.lines.sort(key=lambda line: (-line.score, line.name, line.unit_id))
        previous, place = None, 0
        for index, line in enumerate(self.lines, start=1):
            if line.score != previous:
                place, previous = index, line.score
            line.rank = place
        return self

    def only(self, unit_ids: Iterable[int] | None) -> ScoreTable:
        """The same ranking (places unchanged) limited to some units."""
        if unit_ids is None:
            return self
        wanted = set(unit_ids)
        return ScoreTable(
            self.label,
            [line for line in self.lines if line.unit_id in wanted],
            self.rules,
            self.live,
            self.months,
        )

    def by_unit(self) -> dict[int, ScoreLine]:
        return {line.unit_id: line for line in self.lines}


# --- Counting one month ------------------------------------------------------------------------------


def _scored_units() -> QuerySet[Unit]:
    return Unit.objects.filter(is_group=False)


def missed_reports(window: Window, report_day: int) -> dict[int, int]:
    """Per unit: its open tasks of a closed month with no progress report from it for that month.

    A task counts when it was published by the month's report day (the reminder policy's 月度进展
    报送提醒日, when liaisons are reminded) and was still open at the month's end; a report counts
    when it was made within the month.
    """
    month = window.start
    reminded = timezone.make_aware(
        datetime.datetime.combine(month.replace(day=min(report_day, 28)), datetime.time.min)
    )
    tasks = (
        tasks_of_period(window)
        .filter(created_at__lt=reminded, plan__published_at__lt=reminded)
        .exclude(status="done", completed_at__lt=window.moment_end)
    )
    reported = ProgressReport.objects.filter(
        task_id=OuterRef("task_id"),
        unit_id=OuterRef("unit_id"),
        period=month,
        created_at__lt=window.moment_end,
    )
    rows = (
        Assignment.objects.filter(task_id__in=tasks.order_by().values("pk"))
        .exclude(unit_id__in=Unit.objects.filter(is_group=True).values("pk"))
        .exclude(Exists(reported))
        .order_by()
        .values_list("unit_id")
        .annotate(n=Count("*"))
    )
    return dict(rows)


def returned_completions(window: Window) -> dict[int, int]:
    """Per unit: its completion requests returned (退回) within the period."""
    rows = (
        CompletionRequest.objects.filter(
            status=CompletionRequest.Status.RETURNED,
            decided_at__gte=window.moment_start,
            decided_at__lt=window.moment_end,
        )
        .order_by()
        .values_list("unit_id")
        .annotate(n=Count("*"))
    )
    return dict(rows)


def month_window(month: datetime.date, today: datetime.date) -> Window:
    return Window(month, month_end(month), min(month_end(month), today))


def compute_month(
    month: datetime.date, today: datetime.date, rules: ScoringRules, tallies: Tallies | None = None
) -> list[ScoreLine]:
    """Every unit's score for ``month``, counted now (up to today while the month runs).

    ``tallies``: the month's per-unit tallies of every published task, when the caller has them
    (an unfiltered monthly bulletin counts exactly those).
    """
    month = month.replace(day=1)
    window = month_window(month, today)
    closed = window.end < today
    if tallies is None:
        tallies = count_period(tasks_of_period(window), window, get_calendar(), total=False)
    missed = missed_reports(window, ReminderPolicy.current().monthly_report_day) if closed else {}
    returned = returned_completions(window)
    unit_ids = {pk for pk, tally in tallies.units.items() if tally.tasks} | set(missed) | set(returned)
    names = dict(_scored_units().filter(pk__in=unit_ids).values_list("pk", "name"))
    lines = []
    for unit_id in unit_ids:
        if unit_id not in names:  # a generic group
            continue
        tally = tallies.units.get(unit_id)
        line = ScoreLine(
            unit_id=unit_id,
            name=names[unit_id],
            tasks=tally.tasks if tally else 0,
            on_time=tally.done_on_time if tally else 0,
            overdue_tasks=tally.overdue if tally else 0,
            overdue_workdays=tally.overdue_workdays if tally else 0,
            missed_reports=missed.get(unit_id, 0),
            returned=returned.get(unit_id, 0),
        )
        lines.append(score_counts(line, rules))
    return lines


# --- Stored months -------------------------------------------------------------------------------------


def store_month(month: datetime.date, today: datetime.date, book: RuleBook | None = None) -> ScoreMonth:
    """Compute a closed month and keep it; a month already kept is returned as it is."""
    month = month.replace(day=1)
    if month_end(month) >= today:
        raise ValueError("只有已结束的月份才能保存考核得分。")
    existing = ScoreMonth.objects.filter(month=month).first()
    if existing is not None:
        return existing
    rules = (book or RuleBook.load()).for_month(month)
    lines = compute_month(month, today, rules)
    try:
        with transaction.atomic():
            stored = ScoreMonth.objects.create(month=month, rules=rules)
            UnitScore.objects.bulk_create(
                [
                    UnitScore(
                        score_month=stored,
                        unit_id=line.unit_id,
                        bonus=line.bonus,
                        deduction=line.deduction,
                        score=line.score,
                        **{name: getattr(line, name) for name in COUNT_FIELDS},
                    )
                    for line in lines
                ],
                batch_size=500,
            )
    except IntegrityError:  # another process stored it meanwhile: theirs is as good
        return ScoreMonth.objects.get(month=month)
    return stored


def closed_months(months: Iterable[datetime.date], today: datetime.date) -> list[datetime.date]:
    return [month.replace(day=1) for month in months if month_end(month) < today]


def ensure_months(months: Iterable[datetime.date], today: datetime.date) -> dict[datetime.date, ScoreMonth]:
    """The stored record of each closed month asked for, computing those not stored yet (one query
    when all are)."""
    wanted = closed_months(months, today)
    stored = {row.month: row for row in ScoreMonth.objects.filter(month__in=wanted).select_related("rules")}
    missing = [month for month in wanted if month not in stored]
    if missing:
        book = RuleBook.load()
        for month in missing:
            stored[month] = store_month(month, today, book)
    return stored


def _stored_lines(
    stored: dict[datetime.date, ScoreMonth], detail: set[datetime.date] | None = None
) -> dict[datetime.date, list[ScoreLine]]:
    """The stored scores of those months, in one query, with their breakdowns rebuilt from the
    counts (for the months in ``detail`` only, when given: an average needs just the totals)."""
    by_month: dict[datetime.date, list[ScoreLine]] = {month: [] for month in stored}
    month_of = {row.pk: row.month for row in stored.values()}
    rows = UnitScore.objects.filter(score_month_id__in=list(month_of)).values_list(
        "score_month_id", "unit_id", "unit__name", *COUNT_FIELDS, "bonus", "deduction", "score"
    )
    for score_month_id, unit_id, name, *values in rows:
        counts = dict(zip(COUNT_FIELDS, values[: len(COUNT_FIELDS)], strict=True))
        month = month_of[score_month_id]
        line = ScoreLine(unit_id=unit_id, name=name, **counts)
        if detail is None or month in detail:
            score_counts(line, stored[month].rules)
        # What was stored is the score: a rules row is never edited, so they agree.
        line.bonus, line.deduction, line.score = values[len(COUNT_FIELDS) :]
        by_month[month].append(line)
    return by_month


# --- Tables for pages, bulletins and ledgers -----------------------------------------------------------


def month_table(
    month: datetime.date, today: datetime.date | None = None, tallies: Tallies | None = None
) -> ScoreTable:
    """The ranking for one month: stored when closed, counted now while it runs (from ``tallies``
    when given, see compute_month)."""
    today = today or timezone.localdate()
    month = month.replace(day=1)
    label = f"{month.year}年{month.month}月"
    if month_end(month) < today:
        stored = ensure_months([month], today)
        return ScoreTable(label, _stored_lines(stored)[month], [stored[month].rules], months=[month]).rank()
    rules = RuleBook.load().for_month(month)
    return ScoreTable(
        f"{label}（截至{today.month}月{today.day}日）",
        compute_month(month, today, rules, tallies),
        [rules],
        live=True,
        months=[month],
    ).rank()


def average_table(
    label: str, months: Iterable[datetime.date], today: datetime.date | None = None
) -> ScoreTable:
    """A year's or quarter's ranking: each unit's average monthly score over the closed months."""
    today = today or timezone.localdate()
    stored = ensure_months(months, today)
    return _average(label, stored, _stored_lines(stored, detail=set()))


def _average(
    label: str, stored: dict[datetime.date, ScoreMonth], by_month: dict[datetime.date, list[ScoreLine]]
) -> ScoreTable:
    totals: dict[int, ScoreLine] = {}
    sums: dict[int, Decimal] = {}
    for month in sorted(by_month):
        for line in by_month[month]:
            total = totals.get(line.unit_id)
            if total is None:
                total = totals[line.unit_id] = ScoreLine(unit_id=line.unit_id, name=line.name, months=0)
                sums[line.unit_id] = Decimal(0)
            total.months += 1
            sums[line.unit_id] += line.score
            total.bonus += line.bonus
            total.deduction += line.deduction
            for name in COUNT_FIELDS:
                setattr(total, name, getattr(total, name) + getattr(line, name))
    for unit_id, total in totals.items():
        _summed(total, sums[unit_id] / total.months)
    return ScoreTable(label, list(totals.values()), _rules_of(stored), months=sorted(stored)).rank()


def _rules_of(stored: dict[datetime.date, ScoreMonth]) -> list[ScoringRules]:
    return sorted({row.rules_id: row.rules for row in stored.values()}.values(), key=lambda r: r.pk)


def _summed(total: ScoreLine, average: Decimal) -> None:
    """A several-month line: the average score, and its breakdown as the months' sums."""
    total.score = _cents(Decimal(average))
    counted = [
        ("按期办结", total.on_time, "项"),
        ("月末逾期任务", total.overdue_tasks, "项次"),
        ("逾期", total.overdue_workdays, "个工作日"),
        ("未按月报送进展", total.missed_reports, "次"),
        ("办结申请被退回", total.returned, "次"),
    ]
    total.notes = [f"{what}{count}{unit}" for what, count, unit in counted if count]
    total.notes.append(
        f"{total.months}个月合计加{total.bonus:.2f}分、扣{total.deduction:.2f}分，得分为各月平均"
    )


def explain(lines: Iterable[ScoreLine], rules: ScoringRules) -> None:
    """Fill in the breakdown of stored month lines (their stored figures stay: the rules agree)."""
    for line in lines:
        kept = line.bonus, line.deduction, line.score
        score_counts(line, rules)
        line.bonus, line.deduction, line.score = kept


def year_to_date(today: datetime.date | None = None) -> tuple[ScoreTable, ScoreTable]:
    """The dashboard's two rankings: the last closed month (breakdowns left to explain()), and its
    year up to it.

    Two queries once the months are stored: their records, and one aggregate over their unit rows
    grouped by unit, carrying the year's sums (the average is taken here, rounded half up like
    average_table) beside the last month's own figures (the
    dashboard never walks twelve months of rows in Python).
    """
    today = today or timezone.localdate()
    last = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    months = [datetime.date(last.year, number, 1) for number in range(1, last.month + 1)]
    stored = ensure_months(months, today)
    in_last = Q(score_month_id=stored[last].pk)
    rows = (
        UnitScore.objects.filter(score_month_id__in=[row.pk for row in stored.values()])
        .values("unit_id", "unit__name")
        .annotate(
            months=Count("pk"),
            score_sum=Sum("score"),
            bonus_sum=Sum("bonus"),
            deduction_sum=Sum("deduction"),
            **{f"sum_{name}": Sum(name) for name in COUNT_FIELDS},
            in_last=Count("pk", filter=in_last),
            last_bonus=Sum("bonus", filter=in_last),
            last_deduction=Sum("deduction", filter=in_last),
            last_score=Sum("score", filter=in_last),
            **{f"last_{name}": Sum(name, filter=in_last) for name in COUNT_FIELDS},
        )
        .order_by()
    )
    month_lines, year_lines = [], []
    for row in rows:
        unit_id, name = row["unit_id"], row["unit__name"]
        year = ScoreLine(
            unit_id=unit_id,
            name=name,
            months=row["months"],
            bonus=_cents(Decimal(row["bonus_sum"])),
            deduction=_cents(Decimal(row["deduction_sum"])),
            **{field: row[f"sum_{field}"] for field in COUNT_FIELDS},
        )
        _summed(year, Decimal(row["score_sum"]) / row["months"])
        year_lines.append(year)
        if row["in_last"]:
            line = ScoreLine(
                unit_id=unit_id, name=name, **{field: row[f"last_{field}"] for field in COUNT_FIELDS}
            )
            # The breakdown waits for explain(): the dashboard shows one page of the ranking.
            line.bonus, line.deduction, line.score = (
                _cents(Decimal(row[key])) for key in ("last_bonus", "last_deduction", "last_score")
            )
            month_lines.append(line)
    month = ScoreTable(
        f"{last.year}年{last.month}月", month_lines, [stored[last].rules], months=[last]
    ).rank()
    label = f"{last.year}年（1—{last.month}月）" if last.month > 1 else f"{last.year}年1月"
    return month, ScoreTable(label, year_lines, _rules_of(stored), months=sorted(stored)).rank()
