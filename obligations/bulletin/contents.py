"""What a bulletin says, read from the database: every number and list its sections print.

The figures come from tallies (set-based, the same definitions as the scores); the lists are
bounded: the overdue table shows the ``BULLETIN_TABLE_ROWS`` longest overdue tasks and says how
many there are in all (the month's ledger lists every one), so a bulletin stays a document a
person reads, however many tasks are late.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Case, Exists, F, OuterRef, QuerySet, Subquery, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from ..holidays import get_calendar
from ..models import Assignment, ExtensionRequest, Plan, ProgressReport, Task, Unit
from ..models.lights import days_late
from .periods import Period
from .spec import BulletinSpec
from .tallies import Tallies, Tally, Window, count_period, tasks_of_period
from .unit_scores import ScoreTable, average_table, closed_months, month_table

GOOD_UNITS = 10  # units named under 进展较好的单位
CHART_UNITS = 15  # units in the chart


@dataclass
class UnitRow:
    unit_id: int
    name: str
    tally: Tally


@dataclass
class OverdueRow:
    number: int
    text: str
    source: str
    lead: str
    deadline: datetime.date
    days: int
    progress: str


@dataclass
class ExtensionRow:
    number: int
    text: str
    unit: str
    old: datetime.date | None
    new: datetime.date
    decided: datetime.date


@dataclass
class BulletinContent:
    spec: BulletinSpec
    as_of: datetime.date
    total: Tally
    previous: Tally
    units: list[UnitRow]
    good_units: list[UnitRow]
    overdue: list[OverdueRow]
    overdue_count: int
    extensions: list[ExtensionRow]
    extension_count: int
    scores: ScoreTable | None
    scope_text: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def period(self) -> Period:
        return self.spec.period

    @property
    def chart_units(self) -> list[UnitRow]:
        """The units with the most overdue tasks, for the chart."""
        late = [row for row in self.units if row.tally.overdue]
        late.sort(key=lambda row: (-row.tally.overdue, row.name))
        return late[:CHART_UNITS]


def _window(period: Period, today: datetime.date) -> Window:
    return Window(period.start, period.end, period.as_of(today))


def _units_with_groups(unit_ids: tuple[int, ...]) -> list[int]:
    """A unit's bulletin includes tasks given to the generic groups it belongs to (as the ledger)."""
    groups = Unit.members.through.objects.filter(to_unit_id__in=unit_ids).values_list(
        "from_unit_id", flat=True
    )
    return sorted(set(unit_ids) | set(groups))


def filtered_tasks(spec: BulletinSpec, window: Window) -> QuerySet[Task]:
    tasks = tasks_of_period(window)
    if spec.plans:
        tasks = tasks.filter(plan_id__in=spec.plans)
    if spec.units:
        tasks = tasks.filter(
            Exists(Assignment.objects.filter(task=OuterRef("pk"), unit_id__in=_units_with_groups(spec.units)))
        )
    return tasks


def _deadline_then(window: Window):
    """The deadline in force on the day judged on (see tallies)."""
    if window.moment_end > timezone.now():
        return F("deadline")
    later = (
        ExtensionRequest.objects.filter(
            task=OuterRef("pk"),
            status=ExtensionRequest.Status.APPROVED,
            decided_at__gte=window.moment_end,
            current_deadline__isnull=False,
        )
        .order_by("decided_at", "id")
        .values("current_deadline")[:1]
    )
    return Coalesce(Subquery(later), F("deadline"))


def _overdue_rows(tasks: QuerySet[Task], window: Window, limit: int) -> list[OverdueRow]:
    """The longest overdue tasks on the day judged on, with lead units and the latest progress."""
    done_then = Case(
        When(status=Task.Status.DONE, completed_at__lt=window.moment_end, then=True), default=False
    )
    late = (
        tasks.annotate(deadline_then=_deadline_then(window), done_then=done_then)
        .filter(done_then=False, deadline_then__lt=window.as_of)
        .order_by("deadline_then", "pk")
        .values_list("pk", "plan_id", "text", "deadline_then")[:limit]
    )
    records = list(late)
    ids = [record[0] for record in records]
    leads: dict[int, tuple[list[str], list[str]]] = {}
    for task_id, role, name in (
        Assignment.objects.filter(task_id__in=ids)
        .order_by("task_id", "role", "position", "id")
        .values_list("task_id", "role", "unit__name")
    ):
        leads.setdefault(task_id, ([], []))[0 if role == Assignment.Role.LEAD else 1].append(name)
    progress: dict[int, str] = {}
    for task_id, text, created in (
        ProgressReport.objects.filter(task_id__in=ids, created_at__lt=window.moment_end)
        .order_by("task_id", "created_at", "id")
        .values_list("task_id", "text", "created_at")
    ):
        day = timezone.localtime(created).date()
        progress[task_id] = f"{text}（{day.month}月{day.day}日报送）"  # the latest wins
    sources = {
        pk: Plan(title=title, number=number).source_label
        for pk, title, number in Plan.objects.filter(pk__in={r[1] for r in records}).values_list(
            "pk", "title", "number"
        )
    }
    rows = []
    for number, (task_id, plan_id, text, deadline) in enumerate(records, start=1):
        lead, responsible = leads.get(task_id, ([], []))
        rows.append(
            OverdueRow(
                number=number,
                text=text,
                source=sources.get(plan_id, ""),
                lead="、".join(lead or responsible),
                deadline=deadline,
                days=days_late(deadline, window.as_of),
                progress=progress.get(task_id, "本期未报送进展"),
            )
        )
    return rows


def _extensions(tasks: QuerySet[Task], window: Window, limit: int) -> tuple[list[ExtensionRow], int]:
    # EXISTS per extension of the period (a few), not "task IN (every task in scope)".
    granted = ExtensionRequest.objects.filter(
        Exists(tasks.order_by().filter(pk=OuterRef("task_id"))),
        status=ExtensionRequest.Status.APPROVED,
        decided_at__gte=window.moment_start,
        decided_at__lt=window.moment_end,
    )
    count = granted.count()
    rows = []
    for number, (text, unit, old, new, decided) in enumerate(
        granted.order_by("decided_at", "id").values_list(
            "task__text", "unit__name", "current_deadline", "requested_deadline", "decided_at"
        )[:limit],
        start=1,
    ):
        rows.append(ExtensionRow(number, text, unit, old, new, timezone.localtime(decided).date()))
    return rows, count


def _scores(spec: BulletinSpec, today: datetime.date, tallies: Tallies) -> ScoreTable | None:
    period = spec.period
    if period.kind == "month":
        # Unfiltered, the bulletin counted exactly what the month's scores count: reuse it.
        unfiltered = not spec.plans and not spec.units
        table = month_table(period.start, today, tallies if unfiltered else None)
    else:
        # A quarter: the average of its closed months; while its first month runs, that month so far.
        closed = closed_months(period.months, today)
        table = average_table(period.label, closed, today) if closed else month_table(period.start, today)
    return table.only(spec.units or None)


def gather(spec: BulletinSpec, today: datetime.date | None = None) -> BulletinContent:
    """Everything the bulletin prints, for ``spec`` as of today (a past period: as it closed)."""
    today = today or timezone.localdate()
    window = _window(spec.period, today)
    calendar = get_calendar()
    tasks = filtered_tasks(spec, window)
    only = set(spec.units) if spec.units else None
    tallies = count_period(tasks, window, calendar, only_units=only)
    previous_window = _window(spec.period.previous(), today)
    previous = count_period(
        filtered_tasks(spec, previous_window), previous_window, calendar, per_unit=False
    ).total
    names = dict(Unit.objects.filter(pk__in=list(tallies.units)).values_list("pk", "name"))
    units = [UnitRow(pk, names.get(pk, ""), tally) for pk, tally in tallies.units.items()]
    units.sort(key=lambda row: (-row.tally.overdue, row.name))
    good = [
        row
        for row in units
        if row.tally.expected and row.tally.on_time == row.tally.expected and not row.tally.overdue
    ]
    good.sort(key=lambda row: (-row.tally.on_time, row.name))
    limit = settings.BULLETIN_TABLE_ROWS
    extensions, extension_count = _extensions(tasks, window, limit)
    return BulletinContent(
        spec=spec,
        as_of=window.as_of,
        total=tallies.total,
        previous=previous,
        units=units,
        good_units=good[:GOOD_UNITS],
        overdue=_overdue_rows(tasks, window, limit),
        overdue_count=tallies.total.overdue,
        extensions=extensions,
        extension_count=extension_count,
        scores=_scores(spec, today, tallies),
        scope_text=spec.describe(),
    )
