"""The dashboard's light tallies (kept by database triggers) always give the numbers the plain
queries over the tasks give: on random data, after random changes of every kind that moves a count,
judged on the anchor's day and on days around it, before and after a rebase."""

from __future__ import annotations

import datetime
import random

import pytest
from django.db import connection
from django.utils import timezone

from obligations.dashboard import counts, tallied_counts
from obligations.models import Assignment, Plan, PlanTally, TallyAnchor, Task, UnitTally
from obligations.models.lights import LIGHT_ORDER
from tests.factories import make_plan, make_unit

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 6, 15)
STATUSES = [value for value, _ in Task.Status.choices]
PARTS = [value for value, _ in Assignment.Status.choices]


def _snapshot(rows: list[counts.Row]) -> dict[int, tuple]:
    return {
        row.pk: (row.counts.red, row.counts.yellow, row.counts.green, row.counts.done, row.counts.total)
        for row in rows
    }


def _assert_same(day: datetime.date, cutoff: datetime.date) -> None:
    for light in [None, *(str(light) for light in LIGHT_ORDER)]:
        tasks = Task.objects.published()
        if light:
            tasks = tasks.of_light(light, day, cutoff)
        plain_plans = counts.plan_progress(tasks, day, cutoff)
        expected_units = _snapshot(counts.unit_ranking(tasks, day, cutoff, all_published=light is None))
        anchor = tallied_counts.current_anchor(day, cutoff)
        fast_plans = tallied_counts.plan_progress(anchor, day, cutoff, light)
        assert _snapshot(fast_plans) == _snapshot(plain_plans), (day, cutoff, light)
        # Ranked the same way too (ties by plan id), overdue first and by completion rate.
        assert [row.pk for row in fast_plans] == [row.pk for row in plain_plans], (day, cutoff, light)
        by_rate = tallied_counts.plan_progress(anchor, day, cutoff, light, order="rate")
        assert [row.pk for row in by_rate] == [
            row.pk for row in counts.plan_progress(tasks, day, cutoff, "rate")
        ]
        assert counts.total_counts(fast_plans) == counts.total_counts(plain_plans), (day, cutoff, light)
        assert _snapshot(tallied_counts.unit_ranking(anchor, day, cutoff, light)) == expected_units, (
            day,
            cutoff,
            light,
        )
    # The totals per light (the supervisor's task list counts its pages from them).
    expected = counts.light_counts(Task.objects.published(), day, cutoff)
    assert tallied_counts.light_totals(anchor, day, cutoff) == expected, (day, cutoff)


def _deadline(rng: random.Random) -> dict:
    if rng.random() < 0.2:
        return {
            "deadline": None,
            "deadline_kind": rng.choice([Task.DeadlineKind.NONE, Task.DeadlineKind.ONGOING]),
        }
    return {
        "deadline": DAY + datetime.timedelta(days=rng.randint(-20, 20)),
        "deadline_kind": Task.DeadlineKind.DATE,
    }


def _status(rng: random.Random) -> dict:
    status = rng.choice(STATUSES)
    return {"status": status, "completed_at": timezone.now() if status == Task.Status.DONE else None}


def _part(rng: random.Random) -> dict:
    status = rng.choice(PARTS)
    return {"status": status, "done_at": timezone.now() if status == Assignment.Status.DONE else None}


def _build(rng: random.Random) -> tuple[list, list]:
    units = [make_unit() for _ in range(6)]
    plans = [make_plan(f"方案{n}") for n in range(4)] + [make_plan("草稿", status=Plan.Status.DRAFT)]
    for order in range(1, 121):
        task = Task.objects.create(
            plan=rng.choice(plans), order=order, text=f"任务{order}", **_deadline(rng), **_status(rng)
        )
        for position, unit in enumerate(rng.sample(units, rng.randint(0, 3))):
            Assignment.objects.create(
                task=task,
                unit=unit,
                role=Assignment.Role.RESPONSIBLE,
                position=position,
                **_part(rng),
            )
    return units, plans


def _mutate(rng: random.Random, units: list, plans: list) -> None:
    """One random change of a kind that moves some count."""
    tasks = list(Task.objects.order_by("pk"))
    task = rng.choice(tasks)
    kind = rng.randrange(9)
    if kind == 0:  # a save() through the model
        for field, value in {**_status(rng), **_deadline(rng)}.items():
            setattr(task, field, value)
        task.save()
    elif kind == 1:  # a bulk update, as an approval or an import does
        Task.objects.filter(pk__in=[t.pk for t in rng.sample(tasks, 5)]).update(**_status(rng))
    elif kind == 2:
        Task.objects.filter(pk=task.pk).update(plan=rng.choice(plans), order=1000 + task.pk)
    elif kind == 3:
        task.delete()
    elif kind == 4:
        free = [unit for unit in units if not task.assignments.filter(unit=unit).exists()]
        if free:
            Assignment.objects.create(
                task=task, unit=rng.choice(free), role=Assignment.Role.RESPONSIBLE, position=9
            )
    elif kind == 5:
        Assignment.objects.filter(pk__in=task.assignments.values("pk")[:1]).delete()
    elif kind == 6:
        Assignment.objects.filter(task=task).update(**_part(rng))
    elif kind == 7:
        part = task.assignments.first()
        free = [unit for unit in units if not task.assignments.filter(unit=unit).exists()]
        if part and free:
            part.unit = rng.choice(free)
            part.save()
    else:  # a plan withdrawn or published
        plan = rng.choice(plans)
        published = plan.status != Plan.Status.PUBLISHED
        Plan.objects.filter(pk=plan.pk).update(
            status=Plan.Status.PUBLISHED if published else Plan.Status.DRAFT,
            published_at=timezone.now() if published else None,
        )
        plan.refresh_from_db()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_tallies_equal_a_full_recount_through_random_changes(seed):
    rng = random.Random(seed)
    assert tallied_counts.rebase(DAY, DAY + datetime.timedelta(days=5))  # on: triggers record from here on
    units, plans = _build(rng)
    for step in range(60):
        _mutate(rng, units, plans)
        if step % 6 == 0:
            day = DAY + datetime.timedelta(days=rng.randint(-3, 8))
            _assert_same(day, day + datetime.timedelta(days=rng.randint(0, 9)))
    assert PlanTally.objects.filter(light__isnull=True).exists()  # the triggers wrote deltas
    _assert_same(DAY, DAY + datetime.timedelta(days=5))  # on the anchor itself: no window query

    later = DAY + datetime.timedelta(days=4)
    assert tallied_counts.rebase(later, later + datetime.timedelta(days=3))
    assert not PlanTally.objects.filter(light__isnull=True).exists()  # folded into the base
    for _ in range(20):
        _mutate(rng, units, plans)
    for offset in (-10, 0, 1, 30):
        day = later + datetime.timedelta(days=offset)
        _assert_same(day, day + datetime.timedelta(days=3))


def test_tallies_start_by_counting_when_no_anchor_exists():
    """A database filled before the tallies existed (or with them off) is counted on first use."""
    rng = random.Random(9)
    _build(rng)
    assert not TallyAnchor.objects.exists() and not UnitTally.objects.exists()
    _assert_same(DAY, DAY + datetime.timedelta(days=2))
    anchor = TallyAnchor.objects.get()
    assert (anchor.day, anchor.cutoff) == (DAY, DAY + datetime.timedelta(days=2))


def test_refresh_rebases_only_when_the_day_moved_or_deltas_grew(monkeypatch):
    rng = random.Random(5)
    _build(rng)
    today = (DAY, DAY + datetime.timedelta(days=3))
    monkeypatch.setattr(tallied_counts, "light_window", lambda: today)
    assert tallied_counts.refresh() == "rebased"
    assert tallied_counts.refresh() == "unchanged"
    monkeypatch.setattr(tallied_counts, "MAX_DELTAS", 3)
    done = Task.objects.filter(status=Task.Status.DONE).values_list("pk", flat=True)[:5]
    Task.objects.filter(pk__in=list(done)).update(status=Task.Status.IN_PROGRESS, completed_at=None)
    assert tallied_counts.refresh() == "rebased"
    today = (DAY + datetime.timedelta(days=1), DAY + datetime.timedelta(days=4))
    assert tallied_counts.refresh() == "rebased"
    assert TallyAnchor.objects.get().day == DAY + datetime.timedelta(days=1)


def test_the_database_keeps_the_triggers():
    """The migration installed every trigger on this database (SQLite or PostgreSQL)."""
    if connection.vendor == "postgresql":
        sql = "SELECT tgname FROM pg_trigger WHERE tgname LIKE 'tally_%%'"
    else:
        sql = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'tally_%'"
    with connection.cursor() as cursor:
        cursor.execute(sql)
        names = {name for (name,) in cursor.fetchall()}
    assert names == {
        "tally_task_insert",
        "tally_task_delete",
        "tally_task_update",
        "tally_part_insert",
        "tally_part_delete",
        "tally_part_update",
        "tally_plan_publication",
    }
