"""How tasks stood in a period, counted set-based: in total (each task once) and per unit.

One aggregate query per view, whatever the number of tasks. An inner query (built with the ORM)
yields one row per task, or per (task, unit) assignment, with the few values the counts need as
they were at the period's end: whether the task was done by then, the day it was completed, and
the deadline then in force (an extension approved after the period does not move a past period's
deadline, as in the ledger). An outer SELECT sums them, grouped by unit and by the overdue tasks'
deadline clamped to the period's start, so overdue working days are counted per distinct date
(a handful) in Python, on China's calendar.

Definitions (a period ``start``..``end``, judged on ``as_of`` = its end, or today while it runs):
- due: dated tasks whose deadline falls in the period (recurring obligations are left out: their
  deadline moves to the next occurrence as each is met);
- on time / late: due tasks done by ``as_of``, on or before / after their deadline;
- overdue (of the due): not done and the deadline passed by ``as_of``; pending: not yet due;
- overdue (all): every task red on ``as_of`` (the light rule: deadline passed, not done);
- done on time: tasks completed within the period on or before their deadline (the score's bonus);
- overdue working days: working days within the period, up to ``as_of``, that overdue tasks
  spent overdue; each day is counted in exactly one month, so months add up to a year.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field, fields

from django.db import connection
from django.db.models import Case, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from ..models import Assignment, ExtensionRequest, Task, Unit
from ..workdays import WorkdayCalendar


@dataclass
class Tally:
    tasks: int = 0  # tasks still open at some time in the period
    due: int = 0
    on_time: int = 0
    late: int = 0
    overdue_due: int = 0
    pending: int = 0
    overdue: int = 0
    done_on_time: int = 0
    count: int = 0  # every task (or assignment) counted, done long ago or not
    done: int = 0  # done by the day judged on
    overdue_workdays: int = 0

    @property
    def expected(self) -> int:
        """Due tasks that were to be finished by the day judged on."""
        return self.on_time + self.late + self.overdue_due

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.expected if self.expected else None

    def add(self, other: Tally) -> None:
        for item in fields(self):
            setattr(self, item.name, getattr(self, item.name) + getattr(other, item.name))


@dataclass
class Tallies:
    total: Tally = field(default_factory=Tally)
    units: dict[int, Tally] = field(default_factory=dict)


@dataclass(frozen=True)
class Window:
    """The period's bounds as the queries need them."""

    start: datetime.date
    end: datetime.date
    as_of: datetime.date

    @property
    def moment_start(self) -> datetime.datetime:
        return _midnight(self.start)

    @property
    def moment_end(self) -> datetime.datetime:
        """The first instant after the day judged on: anything from here on had not happened."""
        return _midnight(self.as_of + datetime.timedelta(days=1))


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def tasks_of_period(window: Window) -> QuerySet[Task]:
    """Tasks that existed, in published plans, by the day judged on."""
    return Task.objects.published_before(window.moment_end)


# What each count sums, over the inner rows; {due} and {as_of} are filled in with parameters.
_SUMS = (
    ("tasks", "active = 1"),
    ("due", "{due}"),
    ("on_time", "{due} AND done_then = 1 AND done_day <= deadline_then"),
    ("late", "{due} AND done_then = 1 AND done_day > deadline_then"),
    ("overdue_due", "{due} AND done_then = 0 AND deadline_then < {as_of}"),
    ("pending", "{due} AND done_then = 0 AND deadline_then >= {as_of}"),
    ("overdue", "done_then = 0 AND deadline_then < {as_of}"),
    ("done_on_time", "done_in_period = 1 AND dated = 1 AND done_day <= deadline_then"),
    ("count", "1 = 1"),
    ("done", "done_then = 1"),
)
_NAMES = [name for name, _ in _SUMS]
_PLACEHOLDER = re.compile(r"\{(due|as_of)\}")


def _rows(
    base: QuerySet, task: str, window: Window, extensions_after: bool, keep: tuple[str, ...] = ()
) -> QuerySet:
    """One row per task (``task`` = "") or assignment (``task`` = "task__") with the inner values."""
    done = Q(**{f"{task}status": Task.Status.DONE})
    completed = f"{task}completed_at"
    deadline: object = F(f"{task}deadline")
    if extensions_after:
        # The deadline before the first extension approved after the period: the one then in force.
        later = (
            ExtensionRequest.objects.filter(
                task=OuterRef(f"{task}pk" if task else "pk"),
                status=ExtensionRequest.Status.APPROVED,
                decided_at__gte=window.moment_end,
                current_deadline__isnull=False,
            )
            .order_by("decided_at", "id")
            .values("current_deadline")[:1]
        )
        deadline = Coalesce(Subquery(later), F(f"{task}deadline"))

    def flag(condition: Q) -> Case:
        return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())

    done_then = done & Q(**{f"{completed}__lt": window.moment_end})
    return base.order_by().values(
        *keep,
        deadline_then=deadline,
        done_then=flag(done_then),
        done_in_period=flag(done_then & Q(**{f"{completed}__gte": window.moment_start})),
        # The local day of completion (a Python function per row on SQLite: only for done rows).
        done_day=Case(When(done, then=TruncDate(completed, tzinfo=timezone.get_current_timezone()))),
        active=flag(~(done & Q(**{f"{completed}__lt": window.moment_start}))),
        dated=flag(Q(**{f"{task}deadline_kind": Task.DeadlineKind.DATE})),
    )


def _aggregate(
    rows: QuerySet, window: Window, calendar: WorkdayCalendar, by_unit: bool
) -> dict[int | None, Tally]:
    inner, inner_params = rows.query.sql_with_params()
    adapt = connection.ops.adapt_datefield_value
    as_of, start = adapt(window.as_of), adapt(window.start)
    before_start = adapt(window.start - datetime.timedelta(days=1))
    end = adapt(window.end)
    values = {
        "due": ("dated = 1 AND deadline_then BETWEEN %s AND %s", [start, end]),
        "as_of": ("%s", [as_of]),
    }
    params: list = []
    parts = []
    for _, condition in _SUMS:
        for name in _PLACEHOLDER.findall(condition):
            params += values[name][1]
        parts.append(
            "SUM(CASE WHEN "
            + _PLACEHOLDER.sub(lambda match: values[match[1]][0], condition)
            + " THEN 1 ELSE 0 END)"
        )
    sums = ", ".join(parts)
    clamp = (
        "CASE WHEN done_then = 0 AND deadline_then < %s THEN "
        "(CASE WHEN deadline_then < %s THEN %s ELSE deadline_then END) END"
    )
    unit = "unit_id" if by_unit else "NULL"
    sql = f"SELECT {unit}, {clamp}, {sums} FROM ({inner}) AS rows GROUP BY 1, 2"  # noqa: S608
    result: dict[int | None, Tally] = {}
    workdays: dict[datetime.date, int] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [as_of, start, before_start, *params, *inner_params])
        for unit_id, clamped, *counts in cursor.fetchall():
            tally = result.get(unit_id)
            if tally is None:
                tally = result[unit_id] = Tally()
            tally.add(Tally(**{name: int(value or 0) for name, value in zip(_NAMES, counts, strict=True)}))
            if clamped is not None:
                day = (
                    clamped
                    if isinstance(clamped, datetime.date)
                    else datetime.date.fromisoformat(str(clamped))
                )
                if day not in workdays:
                    workdays[day] = calendar.workdays_between(day, window.as_of)
                tally.overdue_workdays += workdays[day] * int(counts[_NAMES.index("overdue")] or 0)
    return result


def count_period(
    tasks: QuerySet[Task],
    window: Window,
    calendar: WorkdayCalendar,
    *,
    per_unit: bool = True,
    total: bool = True,
    only_units: set[int] | None = None,
) -> Tallies:
    """The total and per-unit tallies of ``tasks`` (a queryset from ``tasks_of_period``, filtered).

    Units are the registered ones on each task (generic groups such as 各区县政府 are no unit of
    account and are left out of the per-unit counts); ``only_units`` keeps just those.
    """
    extensions_after = window.moment_end <= timezone.now()
    tallies = Tallies()
    if total:  # scores need only the per-unit counts
        counted = _aggregate(_rows(tasks, "", window, extensions_after), window, calendar, by_unit=False)
        tallies.total = counted.get(None, Tally())
    if per_unit:
        assignments = Assignment.objects.filter(task_id__in=tasks.order_by().values("pk")).exclude(
            unit_id__in=Unit.objects.filter(is_group=True).values("pk")
        )
        if only_units is not None:
            assignments = assignments.filter(unit_id__in=sorted(only_units))
        rows = _rows(assignments, "task__", window, extensions_after, keep=("unit_id",))
        tallies.units = {
            unit_id: tally
            for unit_id, tally in _aggregate(rows, window, calendar, by_unit=True).items()
            if unit_id is not None
        }
    return tallies
