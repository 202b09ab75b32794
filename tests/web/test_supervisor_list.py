"""The supervisor's task list at province scale: its urgency order is served by the task_urgency
index on PostgreSQL (migration 0019; if urgency_order and the index drift apart, a list of 1,000,000
tasks is sorted again), and its page count comes from the light tallies, equal to counting the tasks."""

from __future__ import annotations

import datetime
import random

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from obligations.dashboard import tallied_counts
from obligations.light_window import light_window
from obligations.models import Plan, Task
from obligations.models.lights import LIGHT_ORDER
from obligations.views.task_pages import urgency_order
from tests.factories import make_plan, make_supervisor, make_task, make_unit

pytestmark = pytest.mark.django_db


def _plan_of(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        # Tiny test tables would be sorted whatever the indexes: forbid sorting, so the plan shows
        # whether an index can give this order at all.
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(line for (line,) in cursor.fetchall())


def test_the_supervisor_list_reads_its_page_in_index_order():
    if connection.vendor != "postgresql":
        pytest.skip("the index exists on PostgreSQL only")
    day, cutoff = light_window()
    page = urgency_order(Task.objects.published().with_light(day, cutoff))[:30]
    plan = _plan_of(page)
    assert "task_urgency" in plan and "Sort" not in plan, plan


def test_the_urgency_order_is_unchanged():
    """Open tasks by deadline (undated after), done ones last; ties by plan and order."""
    unit = make_unit()
    plan = make_plan()
    day = datetime.date(2026, 3, 1)
    made = [
        make_task(
            plan,
            lead=[unit],
            deadline=day,
            status=Task.Status.DONE,
            completed_at=timezone.now(),
            text="已办结",
        ),
        make_task(plan, lead=[unit], deadline=None, text="长期"),
        make_task(plan, lead=[unit], deadline=day + datetime.timedelta(5), text="稍后"),
        make_task(plan, lead=[unit], deadline=day, text="最早"),
        make_task(plan, lead=[unit], deadline=day, text="同日"),
    ]
    texts = list(
        urgency_order(Task.objects.filter(pk__in=[t.pk for t in made])).values_list("text", flat=True)
    )
    assert texts == ["最早", "同日", "稍后", "长期", "已办结"]


def _listed_count(client, params: dict) -> tuple[int, bool]:
    """The list's count (its 共 N 条), and whether the page counted the tasks themselves."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("task_list"), params)
    counted = any(
        'COUNT(*) AS "__count" FROM "obligations_task"' in q["sql"] for q in queries.captured_queries
    )
    return response.context["page"].paginator.count, counted


def test_the_supervisor_list_counts_its_pages_from_the_tallies(client):
    rng = random.Random(7)
    day, _ = light_window()
    units = [make_unit() for _ in range(3)]
    plans = [make_plan(f"方案{n}") for n in range(3)] + [make_plan("草稿方案", status=Plan.Status.DRAFT)]
    tasks = []
    for n in range(60):
        deadline = None if n % 7 == 0 else day + datetime.timedelta(days=rng.randint(-20, 20))
        done = rng.random() < 0.25
        tasks.append(
            make_task(
                rng.choice(plans),
                lead=[rng.choice(units)],
                deadline=deadline,
                status=Task.Status.DONE if done else Task.Status.IN_PROGRESS,
                completed_at=timezone.now() if done else None,
            )
        )
    # Anchored days ago, and changed since: the view judges deltas and the moved window.
    before = day - datetime.timedelta(days=3)
    assert tallied_counts.rebase(*light_window(before))
    for task in rng.sample([task for task in tasks if task.deadline], 10):
        task.deadline = day + datetime.timedelta(days=rng.randint(-5, 5))
        task.save(update_fields=["deadline"])
    Task.objects.filter(pk__in=[t.pk for t in tasks[:5]]).update(
        status=Task.Status.NOT_STARTED, completed_at=None
    )
    client.force_login(make_supervisor())
    published = Task.objects.published()
    for light in [None, *(str(light) for light in LIGHT_ORDER)]:
        expected = (published.of_light(light, *light_window()) if light else published).count()
        assert _listed_count(client, {"light": light} if light else {}) == (expected, False), light
    # Any other filter, or the drafts, are counted as before.
    plan = plans[0]
    assert _listed_count(client, {"plan": plan.pk}) == (published.filter(plan=plan).count(), True)
    assert _listed_count(client, {"drafts": "1"}) == (Task.objects.count(), True)
