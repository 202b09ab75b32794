"""The dashboard's light counts read from the tallies (models.light_tallies) instead of every task: the
per-plan counts and the unit ranking, unfiltered or for one light, in a few small queries at any
data size. Each answer equals what dashboard.counts computes from the tasks (tests compare them on
random data); the view uses these only where that holds (every published task, no filter but the
light) and the plain queries otherwise.

Reading on (day, cutoff) with the base counted on the anchor (day₀, cutoff₀): base rows, plus the
delta rows judged on the anchor, give every current task's light on the anchor; only open tasks whose
deadline lies between the earliest and the latest of those four dates can be lit differently today,
so one indexed query over them moves their counts from the anchor's light to today's. ``refresh``
(scheduled hourly) rebases on today, so that window is a day or two of deadlines.
"""

from __future__ import annotations

import datetime

from django.db import connection, transaction
from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from ..light_window import light_window
from ..models import Assignment, Plan, PlanTally, TallyAnchor, Task, UnitTally
from ..models.lights import Light, light_expression
from ..models.task_choices import TaskStatus
from ..plans.unit_directory import unit_labels
from ..raw_rows import fetch_rows
from .counts import LIGHT_INDEX, LIGHT_KEYS, LightCounts, RankedRows, Row, rank_rows

# Deltas beyond this many rows are folded into the base at the next refresh.
MAX_DELTAS = 50_000
_REBASE_LOCK = 0x7A11E5  # pg_advisory lock key: one rebase at a time
PART_DONE = ExpressionWrapper(Q(status=Assignment.Status.DONE), output_field=BooleanField())


def rebase(day: datetime.date, cutoff: datetime.date) -> bool:
    """Count every plan's and unit's tasks per light on (day, cutoff) afresh, dropping all deltas.
    False when another rebase is running (PostgreSQL), which then does the same work.

    On PostgreSQL the recount and the deletions share one REPEATABLE READ snapshot: a delta committed
    after it survives and is not in the recount, so nothing is counted twice or lost."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                if outermost:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_REBASE_LOCK])
                if not cursor.fetchone()[0]:
                    return False
        TallyAnchor.objects.all().delete()
        PlanTally.objects.all().delete()
        UnitTally.objects.all().delete()
        plans = (
            Task.objects.order_by()
            .values("plan_id", light=light_expression(day, cutoff))
            .annotate(n=Count("*"))
            .values_list("plan_id", "light", "n")
        )
        PlanTally.objects.bulk_create(
            (PlanTally(plan_id=plan_id, light=light, n=n) for plan_id, light, n in plans),
            batch_size=5000,
        )
        UnitTally.objects.bulk_create(
            (
                UnitTally(unit_id=unit_id, light=light, part_done=done, n=n)
                for unit_id, light, done, n in _grouped_parts(day, cutoff)
            ),
            batch_size=5000,
        )
        TallyAnchor.objects.create(day=day, cutoff=cutoff, rebased_at=timezone.now())
    return True


def _grouped_parts(day: datetime.date, cutoff: datetime.date):
    """(unit, task light, part done, count) over the parts of published tasks."""
    return (
        Assignment.objects.filter(task__plan_id__in=Plan.objects.published().values("pk"))
        .order_by()
        .values("unit_id", light=light_expression(day, cutoff, "task__"), part_done=PART_DONE)
        .annotate(n=Count("*"))
        .values_list("unit_id", "light", "part_done", "n")
    )


def refresh() -> str:
    """The hourly job: rebase when the day (or its cutoff) moved or the deltas grew; else nothing."""
    day, cutoff = light_window()
    anchor = TallyAnchor.objects.first()
    deltas = PlanTally.objects.filter(light__isnull=True).count()
    if anchor is not None and (anchor.day, anchor.cutoff) == (day, cutoff) and deltas <= MAX_DELTAS:
        return "unchanged"
    return "rebased" if rebase(day, cutoff) else "busy"


def current_anchor(day: datetime.date, cutoff: datetime.date) -> TallyAnchor | None:
    """The anchor, rebasing first on a database that has none yet (the first dashboard after a
    migration or a bulk load); None while another process holds the rebase (then count the tasks)."""
    anchor = TallyAnchor.objects.first()
    if anchor is None and rebase(day, cutoff):
        anchor = TallyAnchor.objects.first()
    return anchor


def _window(
    anchor: TallyAnchor, day: datetime.date, cutoff: datetime.date
) -> tuple[datetime.date, datetime.date]:
    dates = (anchor.day, anchor.cutoff, day, cutoff)
    return min(dates), max(dates)


def _moved(tasks: QuerySet[Task], anchor: TallyAnchor, day: datetime.date, cutoff: datetime.date, path: str):
    """Open tasks of the window grouped by their light on the anchor and today (``path`` reaches the
    task from the queryset's model)."""
    low, high = _window(anchor, day, cutoff)
    return (
        tasks.filter(**{f"{path}deadline__gte": low, f"{path}deadline__lte": high})
        .exclude(**{f"{path}status": TaskStatus.DONE})
        .order_by()
    ), {
        "old": light_expression(anchor.day, anchor.cutoff, path),
        "new": light_expression(day, cutoff, path),
    }


# Counts are kept as [red, yellow, green, ongoing, done] lists: 10,000 plans are read per page view.
LIGHTS, _INDEX = LIGHT_KEYS, LIGHT_INDEX
_RED, _YELLOW, _DONE = _INDEX[Light.RED], _INDEX[Light.YELLOW], _INDEX[Light.DONE]


def _pivot(judged) -> dict:
    """SUM(n) per light of the judged expression, as annotate() arguments."""
    return {light: Sum("n", filter=Q(judged=light), default=0) for light in LIGHTS}


def plan_counts(anchor: TallyAnchor, day: datetime.date, cutoff: datetime.date) -> dict[int, list[int]]:
    """{plan id: tasks per light (LIGHTS order)} for every published plan (zeros included)."""
    published = Plan.objects.published().values("pk")
    rows = (
        PlanTally.objects.filter(plan_id__in=published)
        .order_by()
        .alias(judged=Coalesce("light", light_expression(anchor.day, anchor.cutoff)))
        .values("plan_id")
        .annotate(**_pivot("judged"))
        .values_list("plan_id", *LIGHTS)
    )
    counts = {plan_id: list(values) for plan_id, *values in fetch_rows(rows)}
    if (anchor.day, anchor.cutoff) != (day, cutoff):
        tasks, lights = _moved(Task.objects.filter(plan_id__in=published), anchor, day, cutoff, "")
        for plan_id, old, new, n in (
            tasks.values("plan_id", **lights).annotate(n=Count("*")).values_list("plan_id", "old", "new", "n")
        ):
            plan = counts.setdefault(plan_id, [0] * len(LIGHTS))
            plan[_INDEX[old]] -= n
            plan[_INDEX[new]] += n
    return counts


def light_totals(anchor: TallyAnchor, day: datetime.date, cutoff: datetime.date) -> LightCounts:
    """Every published task per light (as counts.light_counts over them) in a handful of rows: the
    supervisor's task list counts its pages from this instead of every task."""
    published = Plan.objects.published().values("pk")
    totals = dict.fromkeys(LIGHTS, 0)
    rows = (
        PlanTally.objects.filter(plan_id__in=published)
        .order_by()
        .annotate(judged=Coalesce("light", light_expression(anchor.day, anchor.cutoff)))
        .values("judged")
        .annotate(n=Sum("n"))
        .values_list("judged", "n")
    )
    for light, n in rows:
        totals[light] += n
    if (anchor.day, anchor.cutoff) != (day, cutoff):
        tasks, lights = _moved(Task.objects.filter(plan_id__in=published), anchor, day, cutoff, "")
        for old, new, n in tasks.values(**lights).annotate(n=Count("*")).values_list("old", "new", "n"):
            totals[old] -= n
            totals[new] += n
    return LightCounts(*(totals[light] for light in LIGHTS))


def unit_counts(anchor: TallyAnchor, day: datetime.date, cutoff: datetime.date) -> dict[int, list[list[int]]]:
    """{unit id: [parts per task light (LIGHTS order) of parts not done, of parts done]} over the
    parts of published tasks."""
    counts: dict[int, list[list[int]]] = {}
    rows = (
        UnitTally.objects.order_by()
        .alias(judged=Coalesce("light", light_expression(anchor.day, anchor.cutoff)))
        .values("unit_id", "part_done")
        .annotate(**_pivot("judged"))
        .values_list("unit_id", "part_done", *LIGHTS)
    )
    for unit_id, done, *values in fetch_rows(rows):
        counts.setdefault(unit_id, [[0] * len(LIGHTS), [0] * len(LIGHTS)])[bool(done)] = list(values)
    if (anchor.day, anchor.cutoff) != (day, cutoff):
        published_parts = Assignment.objects.filter(task__plan_id__in=Plan.objects.published().values("pk"))
        parts, lights = _moved(published_parts, anchor, day, cutoff, "task__")
        for unit_id, done, old, new, n in (
            parts.values("unit_id", part_done=PART_DONE, **lights)
            .annotate(n=Count("*"))
            .values_list("unit_id", "part_done", "old", "new", "n")
        ):
            unit = counts.setdefault(unit_id, [[0] * len(LIGHTS), [0] * len(LIGHTS)])[bool(done)]
            unit[_INDEX[old]] -= n
            unit[_INDEX[new]] += n
    return counts


def plan_progress(
    anchor: TallyAnchor,
    day: datetime.date,
    cutoff: datetime.date,
    light: str | None = None,
    order: str = "overdue",
) -> RankedRows:
    """As counts.plan_progress over every published task (of one light, if given), ranked the same
    way (plans have no name yet when ranked); rows are built only for the page shown."""
    only = _INDEX[light] if light else None
    entries = []
    for plan_id, values in plan_counts(anchor, day, cutoff).items():
        if only is not None:
            values = [n if index == only else 0 for index, n in enumerate(values)]
        if sum(values) > 0:
            entries.append((plan_id, values))
    return RankedRows.ranked(entries, order)


def unit_ranking(
    anchor: TallyAnchor,
    day: datetime.date,
    cutoff: datetime.date,
    light: str | None = None,
    order: str = "overdue",
) -> list[Row]:
    """As counts.unit_ranking over every published task (of one light, if given): each unit by its
    own part, a part its unit finished counting as done."""
    only = _INDEX[light] if light else None
    totals: dict[int, LightCounts] = {}
    for unit_id, (open_parts, done_parts) in unit_counts(anchor, day, cutoff).items():
        if only is not None:
            open_parts = [n if index == only else 0 for index, n in enumerate(open_parts)]
            done_parts = [n if index == only else 0 for index, n in enumerate(done_parts)]
        total = sum(open_parts) + sum(done_parts)
        if total > 0:
            # Like the plain ranking: red, yellow and done counted, the rest only in the total.
            done = open_parts[_DONE] + sum(done_parts)
            totals[unit_id] = LightCounts(
                red=open_parts[_RED], yellow=open_parts[_YELLOW], done=done, all=total
            )
    names = unit_labels(totals)
    return rank_rows(
        [Row(pk=pk, name=names.get(pk, ""), counts=counts) for pk, counts in totals.items()], order
    )
