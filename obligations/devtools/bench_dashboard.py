"""Dashboard and liaison task list: server time and query count on the seeded database."""

from __future__ import annotations

import datetime
import gc
import os
import statistics
import time

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ..holidays import clear_calendar_cache
from ..models import Assignment, Membership, Plan, Task, Unit
from ..roles import SUPERVISOR_GROUP
from .benchmarks import BenchContext

TITLE = "督办总览与任务列表（dashboard）"
REPEAT = 7


def _supervisor():
    user, _ = get_user_model().objects.get_or_create(username="bench_supervisor", defaults={"is_staff": True})
    user.groups.add(Group.objects.get(name=SUPERVISOR_GROUP))
    return user


def _liaison():
    """The synthetic liaison (syn…_<unit id>) whose unit has the most tasks: the heaviest list."""
    membership = (
        Membership.objects.filter(user__username__startswith="syn")
        .annotate(tasks=Count("unit__assignments"))
        .order_by("-tasks")
        .select_related("user")
        .first()
    )
    return membership.user, membership.tasks


def _settle_statistics() -> bool:
    """On PostgreSQL, VACUUM ANALYZE the freshly bulk-loaded tables, as autovacuum soon would on a
    running server: without statistics the planner guesses, and without a visibility map it cannot
    use index-only scans. SQLite keeps no statistics unless asked (Django never does), so a SQLite
    database is measured as it is in production: unanalysed."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        for model in (Task, Assignment, Plan, Unit):
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return True


def _measure(client: Client, url: str, params: dict | None = None) -> tuple[float, float, int]:
    """Median server time (ms) over REPEAT requests after one warm-up, the median CPU time this
    process spent on them (ms), and the query count. The machine is shared with other work, so
    wall time swings with its load; with SQLite (in-process) the CPU time hardly does."""
    response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    wall, cpu = [], []
    queries = 0
    for _ in range(REPEAT):
        with CaptureQueriesContext(connection) as ctx:
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(url, params)
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        queries = len(ctx.captured_queries)
    return round(statistics.median(wall), 1), round(statistics.median(cpu), 1), queries


def _variants(liaison) -> dict[str, dict]:
    """The dashboard's filter variants, with realistic choices: the plan in the middle of the id range,
    the unit with the most tasks, red tasks, and the deadlines of the coming month."""
    today = timezone.localdate()
    plan_ids = Plan.objects.published().order_by("pk").values_list("pk", flat=True)
    plan_id = plan_ids[plan_ids.count() // 2]
    unit_id = Membership.objects.filter(user=liaison).values_list("unit_id", flat=True).first()
    return {
        "plan": {"plan": plan_id},
        "unit": {"unit": unit_id},
        "light": {"light": "red"},
        "window": {
            "deadline_from": today.isoformat(),
            "deadline_to": (today + datetime.timedelta(days=30)).isoformat(),
        },
        "filtered": {"light": "red", "q": "推进"},
    }


def _busiest_task(liaison) -> int:
    """The liaison's task with the most units and with progress reports, for the task page: the same
    shape at every data size (a page with reports reads two more tables)."""
    return (
        Task.objects.editable_by(liaison)
        .annotate(parts=Count("assignments"), reports_count=Count("reports", distinct=True))
        .order_by("-parts", "-reports_count", "pk")
        .values_list("pk", flat=True)
        .first()
    )


def run(ctx: BenchContext) -> dict:
    analysed = _settle_statistics()
    clear_calendar_cache()
    supervisor_client = Client(HTTP_HOST="localhost")
    supervisor_client.force_login(_supervisor())
    liaison, liaison_tasks = _liaison()
    liaison_client = Client(HTTP_HOST="localhost")
    liaison_client.force_login(liaison)
    # As a production worker does (tracker/wsgi.py): what is loaded is kept out of the collector's way.
    supervisor_client.get(reverse("dashboard"))
    liaison_client.get(reverse("task_list"))
    gc.freeze()

    figures: dict[str, object] = {}
    targets: dict[str, list] = {}
    dashboard = _measure(supervisor_client, reverse("dashboard"))
    figures.update(dashboard_ms=dashboard[0], dashboard_cpu_ms=dashboard[1], dashboard_queries=dashboard[2])
    for name, params in _variants(liaison).items():
        ms, _, queries = _measure(supervisor_client, reverse("dashboard"), params)
        figures[f"dashboard_{name}_ms"] = ms
        figures[f"dashboard_{name}_queries"] = queries
        targets[f"dashboard_{name}_ms"] = ["<=", 300]
        targets[f"dashboard_{name}_queries"] = ["<=", 20]
    liaison_list = _measure(liaison_client, reverse("task_list"))
    supervisor_list = _measure(supervisor_client, reverse("task_list"))
    task_page = _measure(liaison_client, reverse("task_detail", args=[_busiest_task(liaison)]))
    figures.update(
        liaison_list_ms=liaison_list[0],
        liaison_list_cpu_ms=liaison_list[1],
        liaison_list_queries=liaison_list[2],
        liaison_tasks=liaison_tasks,
        supervisor_list_ms=supervisor_list[0],
        supervisor_list_queries=supervisor_list[2],
        task_page_ms=task_page[0],
        task_page_queries=task_page[2],
        database=connection.vendor,
        analysed=analysed,
        # The machine is shared: the 1-minute load average says how busy it was meanwhile.
        load_average=round(os.getloadavg()[0], 2),
    )
    return {
        "figures": figures,
        "targets": {
            "dashboard_ms": ["<=", 300],
            "dashboard_queries": ["<=", 20],
            **targets,
            "liaison_list_ms": ["<=", 100],
            "liaison_list_queries": ["<=", 20],
            "task_page_ms": ["<=", 100],
        },
    }
