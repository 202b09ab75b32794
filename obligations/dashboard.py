"""The overdue dashboard's numbers: a fixed, small number of aggregate queries at any data size.

Everything starts from one filtered task queryset (already scoped by roles.visible_tasks), so the
counts, the unit ranking, the plan progress and the overdue list always agree with each other.
The per-plan counts are the page's totals too (summed in Python), which saves a scan.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, QuerySet

from .models import Assignment, Plan, Task, Unit
from .status import LIGHT_ORDER, Light, light_q


def _light_counts(day: datetime.date, cutoff: datetime.date, lights: Iterable[Light] = LIGHT_ORDER) -> dict:
    """{light: Count(filter=that light)} for annotate/aggregate, from the one rule in status.py."""
    return {str(light): Count("pk", filter=light_q(light, day, cutoff)) for light in lights}


@dataclass
class LightCounts:
    red: int = 0
    yellow: int = 0
    green: int = 0
    ongoing: int = 0
    done: int = 0
    # Set when only some lights were counted (the unit ranking): the number of all tasks.
    all: int | None = None

    @property
    def total(self) -> int:
        if self.all is not None:
            return self.all
        return self.red + self.yellow + self.green + self.ongoing + self.done

    @property
    def open(self) -> int:
        return self.total - self.done

    def completion_rate(self) -> float | None:
        return self.done / self.total if self.total else None

    def items(self) -> list[tuple[Light, int]]:
        return [(light, getattr(self, str(light))) for light in LIGHT_ORDER]

    @classmethod
    def from_values(cls, values: dict) -> LightCounts:
        known = {str(light): values[str(light)] or 0 for light in LIGHT_ORDER if str(light) in values}
        return cls(**known, all=values.get("all"))


def light_counts(tasks: QuerySet[Task], day: datetime.date, cutoff: datetime.date) -> LightCounts:
    """How many tasks of each light, in one query."""
    return LightCounts.from_values(tasks.order_by().aggregate(**_light_counts(day, cutoff)))


@dataclass
class Row:
    """One line of a ranking: a unit or a plan with its counts."""

    pk: int
    name: str
    counts: LightCounts = field(default_factory=LightCounts)
    number: str = ""

    @property
    def rate(self) -> float | None:
        return self.counts.completion_rate()


RANKINGS = {"overdue": "逾期最多", "rate": "完成率最低"}


def _rank(rows: list[Row], order: str) -> list[Row]:
    def rate(row: Row) -> float:
        return row.rate if row.rate is not None else 1.0

    if order == "rate":
        rows.sort(key=lambda row: (rate(row), -row.counts.red, row.name))
    else:
        rows.sort(key=lambda row: (-row.counts.red, rate(row), row.name))
    return rows


def unit_ranking(
    tasks: QuerySet[Task], day: datetime.date, cutoff: datetime.date, order: str = "overdue"
) -> list[Row]:
    """Every unit with tasks in ``tasks``, ranked: overdue, due soon, done and all (two queries).

    Grouped from the task side (tasks JOIN assignments) so the task filters and the covering index
    on (plan, status, deadline) drive the scan. Only the counts the ranking shows are computed:
    this is the dashboard's heaviest query (one row per assignment).
    """
    counts = _light_counts(day, cutoff, (Light.RED, Light.YELLOW, Light.DONE))
    rows = list(
        tasks.order_by()
        .filter(assignments__isnull=False)
        .values("assignments__unit_id")
        .annotate(**counts, all=Count("pk"))
    )
    ids = [values["assignments__unit_id"] for values in rows]
    names = dict(Unit.objects.filter(pk__in=ids).values_list("pk", "name"))
    result = [
        Row(pk=unit_id, name=names.get(unit_id, ""), counts=LightCounts.from_values(values))
        for unit_id, values in zip(ids, rows, strict=True)
    ]
    return _rank(result, order)


def plan_progress(
    tasks: QuerySet[Task], day: datetime.date, cutoff: datetime.date, order: str = "overdue"
) -> list[Row]:
    """Every plan with tasks in ``tasks``, with all five counts (one query; titles: ``name_plans``)."""
    rows = tasks.order_by().values("plan_id").annotate(**_light_counts(day, cutoff))
    return _rank(
        [Row(pk=values["plan_id"], name="", counts=LightCounts.from_values(values)) for values in rows], order
    )


def name_plans(rows: Sequence[Row]) -> None:
    """Fill in title and 文号 for the plan rows about to be shown (one query for a page of them)."""
    plans = Plan.objects.filter(pk__in=[row.pk for row in rows]).values_list("pk", "title", "number")
    by_id = {pk: (title, number) for pk, title, number in plans}
    for row in rows:
        row.name, row.number = by_id.get(row.pk, ("", ""))


def total_counts(plan_rows: Sequence[Row]) -> LightCounts:
    """The light counts of all tasks: the sum of the per-plan counts."""
    total = LightCounts()
    for row in plan_rows:
        for light in LIGHT_ORDER:
            key = str(light)
            setattr(total, key, getattr(total, key) + getattr(row.counts, key))
    return total


def overdue_tasks(tasks: QuerySet[Task], day: datetime.date, cutoff: datetime.date) -> QuerySet[Task]:
    """Red tasks, the longest overdue first."""
    return tasks.filter(light_q(Light.RED, day, cutoff)).order_by("deadline", "pk")


class KnownCount:
    """A page source whose length is already known (from the light counts), so paging costs no COUNT.

    A page is read in one query as ``pk IN (ordered, sliced ids)``: the database sorts narrow index
    entries and reads whole rows only for the page, not for every matching task.
    """

    def __init__(self, queryset: QuerySet[Task], count: int) -> None:
        self.queryset = queryset
        self._count = count

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, item: slice) -> list[Task]:
        ids = self.queryset.values("pk")[item]
        return list(
            Task.objects.filter(pk__in=ids)
            .prefetch_related(
                "plan", Prefetch("assignments", queryset=Assignment.objects.select_related("unit"))
            )
            .order_by(*self.queryset.query.order_by)
        )


def published(tasks: QuerySet[Task]) -> QuerySet[Task]:
    """Only tasks of published plans, as "plan_id IN (...)" (a join can mislead SQLite's planner)."""
    return tasks.filter(plan_id__in=Plan.objects.filter(status=Plan.Status.PUBLISHED).values("pk"))
