"""Dashboard and liaison task list: server time and query count on the seeded database."""

from __future__ import annotations

import statistics
import time

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ..holidays import clear_calendar_cache
from ..models import Membership
from ..roles import SUPERVISOR_GROUP
from . import BenchContext

TITLE = "督办总览与任务列表（dashboard）"
REPEAT = 7


def _supervisor():
    user_model = get_user_model()
    user, _ = user_model.objects.get_or_create(username="bench_supervisor", defaults={"is_staff": True})
    from django.contrib.auth.models import Group

    user.groups.add(Group.objects.get(name=SUPERVISOR_GROUP))
    return user


def _liaison():
    """The synthetic liaison whose unit has the most tasks (the heaviest list)."""
    from django.db.models import Count

    membership = (
        Membership.objects.filter(user__username__startswith="syn")
        .annotate(tasks=Count("unit__assignments"))
        .order_by("-tasks")
        .select_related("user")
        .first()
    )
    return membership.user, membership.tasks


def _measure(client: Client, url: str, params: dict | None = None) -> tuple[float, int, int]:
    """Median server time (ms) over REPEAT requests after one warm-up, and the query count."""
    response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    times = []
    queries = 0
    for _ in range(REPEAT):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.get(url, params)
            times.append((time.perf_counter() - started) * 1000)
        queries = len(ctx.captured_queries)
    return round(statistics.median(times), 1), queries, len(response.content)


def run(ctx: BenchContext) -> dict:
    clear_calendar_cache()
    supervisor_client = Client(HTTP_HOST="localhost")
    supervisor_client.force_login(_supervisor())
    liaison, liaison_tasks = _liaison()
    liaison_client = Client(HTTP_HOST="localhost")
    liaison_client.force_login(liaison)

    dashboard_ms, dashboard_queries, _ = _measure(supervisor_client, reverse("dashboard"))
    filtered_ms, filtered_queries, _ = _measure(
        supervisor_client, reverse("dashboard"), {"light": "red", "q": "推进"}
    )
    list_ms, list_queries, _ = _measure(liaison_client, reverse("task_list"))
    all_ms, all_queries, _ = _measure(supervisor_client, reverse("task_list"))
    return {
        "figures": {
            "dashboard_ms": dashboard_ms,
            "dashboard_queries": dashboard_queries,
            "dashboard_filtered_ms": filtered_ms,
            "dashboard_filtered_queries": filtered_queries,
            "liaison_list_ms": list_ms,
            "liaison_list_queries": list_queries,
            "liaison_tasks": liaison_tasks,
            "supervisor_list_ms": all_ms,
            "supervisor_list_queries": all_queries,
            "database": connection.vendor,
        },
        "targets": {
            "dashboard_ms": ["<=", 300],
            "dashboard_queries": ["<=", 20],
            "liaison_list_ms": ["<=", 300],
            "liaison_list_queries": ["<=", 20],
        },
    }
