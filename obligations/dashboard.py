"""The overdue dashboard's numbers, each one aggregate query whatever the amount of data.

Everything starts from one filtered task queryset (already scoped by roles.visible_tasks), so the
counts, the unit ranking, the plan progress and the overdue list always agree with each other.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet

from .models import Assignment, Plan, Task
from .status import LIGHT_ORDER, Light, light_q


def prefixed(condition: Q, prefix: str) -> Q:
    """The same Q for a related model: Q(deadline__lt=x) -> Q(task__deadline__lt=x)."""
    clone = Q(*[], _connector=condition.connector, _negated=condition.negated)
    for child in condition.children:
        if isinstance(child, Q):
            clone.children.append(prefixed(child, prefix))
        else:
            lookup, value = child
            clone.children.append((f"{prefix}__{lookup}", value))
    return clone


def _light_counts_kwargs(day: datetime.date, cutoff: datetime.date, prefix: str = "", field_name: str = "pk"):
    result = {}
    for light in LIGHT_ORDER:
        condition = light_q(light, day, cutoff)
        if prefix:
            condition = prefixed(condition, prefix)
        result[str(light)] = Count(field_name, filter=condition)
    return result


@dataclass
class LightCounts:
    red: int = 0
    yellow: int = 0
    green: int = 0
    ongoing: int = 0
    done: int = 0

    @property
    def total(self) -> int:
        return self.red + self.yellow + self.green + self.ongoing + self.done

    @property
    def open(self) -> int:
        return self.total - self.done

    def completion_rate(self) -> float | None:
        return self.done / self.total if self.total else None

    def items(self) -> list[tuple[Light, int]]:
        return [(light, getattr(self, str(light))) for light in LIGHT_ORDER]


def light_counts(tasks: QuerySet[Task], day: datetime.date, cutoff: datetime.date) -> LightCounts:
    """How many tasks of each light, in one query."""
    values = tasks.order_by().aggregate(**_light_counts_kwargs(day, cutoff))
    return LightCounts(**{key: value or 0 for key, value in values.items()})


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

    @property
    def rate_percent(self) -> int | None:
        rate = self.rate
        return None if rate is None else round(rate * 100)


def _row(values: dict, pk_key: str, name_key: str, number_key: str | None = None) -> Row:
    counts = LightCounts(**{str(light): values[str(light)] or 0 for light in LIGHT_ORDER})
    return Row(
        pk=values[pk_key],
        name=values[name_key],
        counts=counts,
        number=(values.get(number_key) or "") if number_key else "",
    )


RANKINGS = {"overdue": "逾期最多", "rate": "完成率最低"}


def unit_ranking(
    tasks: QuerySet[Task], day: datetime.date, cutoff: datetime.date, order: str = "overdue"
) -> list[Row]:
    """Every unit with tasks in ``tasks``: counts by light, ranked (one query, all units)."""
    rows = (
        Assignment.objects.filter(task__in=tasks.order_by().values("pk"))
        .values("unit_id", "unit__name")
        .annotate(**_light_counts_kwargs(day, cutoff, prefix="task"))
        .order_by()
    )
    result = [_row(values, "unit_id", "unit__name") for values in rows]
    return _rank(result, order)


def plan_progress(
    tasks: QuerySet[Task], day: datetime.date, cutoff: datetime.date, order: str = "overdue"
) -> list[Row]:
    """Every plan with tasks in ``tasks``: counts by light (one query, all plans)."""
    rows = (
        tasks.order_by()
        .values("plan_id", "plan__title", "plan__number")
        .annotate(**_light_counts_kwargs(day, cutoff))
    )
    result = [_row(values, "plan_id", "plan__title", "plan__number") for values in rows]
    return _rank(result, order)


def _rank(rows: list[Row], order: str) -> list[Row]:
    if order == "rate":
        rows.sort(key=lambda row: (row.rate if row.rate is not None else 1.0, -row.counts.red, row.name))
    else:
        rows.sort(key=lambda row: (-row.counts.red, row.rate if row.rate is not None else 1.0, row.name))
    return rows


def overdue_tasks(tasks: QuerySet[Task], day: datetime.date, cutoff: datetime.date) -> QuerySet[Task]:
    """Red tasks, the longest overdue first, with their plan and owners loaded in bulk."""
    return (
        tasks.filter(light_q(Light.RED, day, cutoff))
        .select_related("plan")
        .prefetch_related(Prefetch("assignments", queryset=Assignment.objects.select_related("unit")))
        .order_by("deadline", "pk")
    )


class KnownCount:
    """A queryset whose length is already known (from the light counts), so paging costs no COUNT."""

    def __init__(self, queryset: QuerySet, count: int) -> None:
        self.queryset = queryset
        self._count = count

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, item):
        return self.queryset[item]


def published(tasks: QuerySet[Task]) -> QuerySet[Task]:
    return tasks.filter(plan__status=Plan.Status.PUBLISHED)
