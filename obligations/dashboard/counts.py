"""The overdue dashboard's numbers: a fixed, small number of aggregate queries at any data size.

Everything starts from one filtered task queryset (already scoped by Task.objects.visible_to), so the
counts, the unit ranking, the plan progress and the overdue list always agree with each other.
The per-plan counts are the page's totals too (summed in Python), which saves a scan.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet

from ..models import Assignment, Plan, Task
from ..models.lights import LIGHT_ORDER, Light, light_q
from ..models.work import TaskQuerySet
from ..plans.unit_directory import unit_labels
from ..raw_rows import fetch_rows


def _light_counts(day: datetime.date, cutoff: datetime.date, lights: Iterable[Light] = LIGHT_ORDER) -> dict:
    """{light: COUNT(id) FILTER (that light)} for annotate/aggregate, from the one rule in models/lights.py.
    (Plain totals use COUNT(*), which Django allows only without a filter.)"""
    return {str(light): Count("pk", filter=light_q(light, day, cutoff)) for light in lights}


# On a (task, assignment) row: the unit has finished its part (本单位已完成).
PART_DONE = Q(assignments__status=Assignment.Status.DONE)


def _unit_light_counts(day: datetime.date, cutoff: datetime.date, lights: Iterable[Light]) -> dict:
    """Like _light_counts, per (task, unit) row, with each unit's own light (models.lights.unit_light):
    a part its unit finished counts as done for that unit, not as overdue or due soon."""
    counts = {}
    for light in lights:
        task_light = light_q(light, day, cutoff)
        unit_light = (task_light | PART_DONE) if light == Light.DONE else (task_light & ~PART_DONE)
        counts[str(light)] = Count("pk", filter=unit_light)
    return counts


# The lights' keys in LIGHT_ORDER, computed once (from_values runs for every plan and unit of a
# ranking), and each one's place in the [red, yellow, green, ongoing, done] count lists.
LIGHT_KEYS = tuple(str(light) for light in LIGHT_ORDER)
LIGHT_INDEX = {light: index for index, light in enumerate(LIGHT_KEYS)}


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
        known = {key: values[key] or 0 for key in LIGHT_KEYS if key in values}
        if "ongoing" not in known and len(known) == len(LIGHT_KEYS) - 1 and values.get("all") is not None:
            # The lights partition the tasks, so the last one is what the others leave over.
            known["ongoing"] = values["all"] - sum(known.values())
            return cls(**known)
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


def ranking_key(red: int, done: int, total: int, order: str) -> tuple[float, float]:
    """Where a plan or unit ranks: most overdue first, or lowest completion rate first (an empty
    one counts as complete). completion_rate(), inlined: a province ranks 10,000 plans per view."""
    rate = done / total if total else 1.0
    return (rate, -red) if order == "rate" else (-red, rate)


def rank_rows(rows: list[Row], order: str) -> list[Row]:
    rows.sort(
        key=lambda row: (*ranking_key(row.counts.red, row.counts.done, row.counts.total, order), row.name)
    )
    return rows


def unit_ranking(
    tasks: QuerySet[Task],
    day: datetime.date,
    cutoff: datetime.date,
    order: str = "overdue",
    *,
    all_published: bool = False,
) -> list[Row]:
    """Every unit with tasks in ``tasks``, ranked by overdue count or completion rate.

    Each unit is counted by its own part (models.lights.unit_light): a task whose unit has marked its
    part 本单位已完成 is done for that unit, not overdue, while the task stays red for the others.

    The dashboard's heaviest part (one row per assignment), so it reads as little as it can. The
    counts are grouped from the task side, so the task filters and the (plan, status, deadline)
    index drive the scan, and only the counts the ranking shows are computed. ``all_published``
    says ``tasks`` is every published task (an unfiltered supervisor's view): then, on SQLite,
    only the red/yellow/done tasks are joined, each unit's total comes straight from the (unit,
    task) index minus the few assignments of unpublished plans, and its finished parts from the
    index of done parts (a closed task's parts are all done). Four queries at most.
    """
    shown = (Light.RED, Light.YELLOW, Light.DONE)
    base = tasks.order_by().filter(assignments__isnull=False)
    # SQLite groups by sorting, so sorting fewer rows pays; PostgreSQL hashes one pass instead.
    if all_published and connection.vendor == "sqlite":
        lit = (
            light_q(Light.RED, day, cutoff)
            | light_q(Light.YELLOW, day, cutoff)
            | light_q(Light.DONE, day, cutoff)
        )
        task_done = light_q(Light.DONE, day, cutoff)
        # Among these rows the unit's lights partition the set: yellow is what red and done leave.
        # Parts finished on green or undated tasks are not among them: "done" comes from the parts.
        counted = [
            {
                **values,
                "yellow": values.pop("lit") - values["red"] - values.pop("lit_done"),
                "done": values.pop("closed_open_part"),
            }
            for values in base.filter(lit)
            .values("assignments__unit_id")
            .annotate(
                **_unit_light_counts(day, cutoff, (Light.RED,)),
                lit_done=Count("pk", filter=task_done | PART_DONE),
                closed_open_part=Count("pk", filter=task_done & ~PART_DONE),
                lit=Count("*"),
            )
        ]
        published_parts = Assignment.objects.exclude(task_id__in=Task.objects.unpublished().values("pk"))
        totals = dict(published_parts.order_by().values_list("unit_id").annotate(all=Count("*")))
        parts_done = dict(
            published_parts.filter(status=Assignment.Status.DONE)
            .order_by()
            .values_list("unit_id")
            .annotate(done=Count("*"))
        )
        for values in counted:
            values["done"] += parts_done.get(values["assignments__unit_id"], 0)
        lit_units = {values["assignments__unit_id"] for values in counted}
        counted += [
            {"assignments__unit_id": unit_id, "red": 0, "yellow": 0, "done": done}
            for unit_id, done in parts_done.items()
            if unit_id not in lit_units
        ]
    else:
        counted = base.values("assignments__unit_id").annotate(
            **_unit_light_counts(day, cutoff, shown), all=Count("*")
        )
        totals = None
    by_unit = {values.pop("assignments__unit_id"): values for values in counted}
    if totals is None:
        totals = {unit_id: values["all"] for unit_id, values in by_unit.items()}
    names = unit_labels(totals)
    result = [
        Row(
            pk=unit_id,
            name=names.get(unit_id, ""),
            counts=LightCounts.from_values({**by_unit.get(unit_id, {}), "all": total}),
        )
        for unit_id, total in totals.items()
    ]
    return rank_rows(result, order)


def plan_progress(
    tasks: QuerySet[Task], day: datetime.date, cutoff: datetime.date, order: str = "overdue"
) -> RankedRows:
    """Every plan with tasks in ``tasks``, with all five counts, ranked (one query; titles:
    ``name_plans`` for the rows shown)."""
    # Four light conditions and a plain count: "ongoing" (the costliest condition) is the rest.
    counted = (Light.RED, Light.YELLOW, Light.GREEN, Light.DONE)
    rows = (
        tasks.order_by()
        .values("plan_id")
        .annotate(**_light_counts(day, cutoff, counted), all=Count("*"))
        .values_list("plan_id", *(str(light) for light in counted), "all")
    )
    return RankedRows.ranked(
        [
            (plan_id, [red, yellow, green, total - red - yellow - green - done, done])
            for plan_id, red, yellow, green, done, total in fetch_rows(rows)
        ],
        order,
    )


class RankedRows(Sequence[Row]):
    """Ranked plan counts that become Rows only when read: the page shows ten of 10,000 plans, and
    building them all (with the garbage collection that brings) was most of the page's time.
    Entries are (plan id, [red, yellow, green, ongoing, done])."""

    def __init__(self, entries: list[tuple[int, list[int]]]) -> None:
        self.entries = entries

    @classmethod
    def ranked(cls, entries: list[tuple[int, list[int]]], order: str) -> RankedRows:
        """As rank_rows orders plans (which have no name yet), ties by plan id."""
        red, done = LIGHT_INDEX[Light.RED], LIGHT_INDEX[Light.DONE]

        def key(entry: tuple[int, list[int]]) -> tuple:
            plan_id, values = entry
            return (*ranking_key(values[red], values[done], sum(values), order), plan_id)

        return cls(sorted(entries, key=key))

    def __len__(self) -> int:
        return len(self.entries)

    def __getitem__(self, item):
        if isinstance(item, slice):
            return [Row(pk=pk, name="", counts=LightCounts(*values)) for pk, values in self.entries[item]]
        pk, values = self.entries[item]
        return Row(pk=pk, name="", counts=LightCounts(*values))

    def totals(self) -> LightCounts:
        """The light counts of all the plans' tasks."""
        return LightCounts(
            *(sum(column) for column in zip(*(values for _, values in self.entries), strict=True))
        )


def name_plans(rows: Sequence[Row]) -> None:
    """Fill in title and 文号 for the plan rows about to be shown (one query for a page of them)."""
    plans = Plan.objects.filter(pk__in=[row.pk for row in rows]).values_list("pk", "title", "number")
    by_id = {pk: (title, number) for pk, title, number in plans}
    for row in rows:
        row.name, row.number = by_id.get(row.pk, ("", ""))


def total_counts(plan_rows: Sequence[Row]) -> LightCounts:
    """The light counts of all tasks: the sum of the per-plan counts."""
    if isinstance(plan_rows, RankedRows):  # summed without building rows
        return plan_rows.totals()
    columns = zip(
        *((c.red, c.yellow, c.green, c.ongoing, c.done) for c in (row.counts for row in plan_rows)),
        strict=True,
    )
    return LightCounts(*(sum(column) for column in columns))


def overdue_tasks(tasks: TaskQuerySet, day: datetime.date, cutoff: datetime.date) -> TaskQuerySet:
    """Red tasks, the longest overdue first."""
    return tasks.of_light(Light.RED, day, cutoff).order_by("deadline", "pk")


class CountGiven:
    """A queryset whose length is already known (from the light counts or tallies), so paging costs
    no COUNT; a page is the queryset's own slice."""

    def __init__(self, queryset: QuerySet[Task], count: int) -> None:
        self.queryset = queryset
        self.ordered = queryset.ordered
        self._count = count

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, item: slice) -> list[Task]:
        return list(self.queryset[item])


class KnownCount(CountGiven):
    """As CountGiven, with a page read in one query as ``pk IN (ordered, sliced ids)``: the database
    sorts narrow index entries and reads whole rows only for the page, not for every matching task.
    """

    def __getitem__(self, item: slice) -> list[Task]:
        ids = self.queryset.values("pk")[item]
        return list(
            Task.objects.filter(pk__in=ids)
            .prefetch_related(
                "plan", Prefetch("assignments", queryset=Assignment.objects.select_related("unit"))
            )
            .order_by(*self.queryset.query.order_by)
        )
