"""Concurrent progress reports on one shared task: 20 liaisons of 20 units × 5 reports, released
together against a threaded HTTP server on loopback (the WSGI application, as runserver serves it).
Every report must be stored once and none refused: a report is an append, never a 409."""

from __future__ import annotations

import threading

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, connection
from django.test.utils import override_settings
from django.utils import timezone

from ..models import Assignment, Membership, Plan, ProgressReport, Task, Unit
from ..roles import LIAISON_GROUP
from .benchmarks import BenchContext
from .report_storm import storm

TITLE = "多单位同时报送进展（reports）"
LIAISONS = 20
REPORTS_EACH = 5


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args: object) -> None:  # 100 request lines would bury the table
        pass


def _shared_task() -> tuple[Task, list]:
    plan = Plan.objects.create(
        title="并发报送基准方案",
        status=Plan.Status.PUBLISHED,
        jurisdiction="基准市",
        published_at=timezone.now(),
    )
    task = Task.objects.create(
        plan=plan,
        order=1,
        text="二十个单位共同承担的任务",
        deadline=timezone.localdate(),
        deadline_kind=Task.DeadlineKind.DATE,
    )
    group = Group.objects.get(name=LIAISON_GROUP)
    users = []
    for index in range(LIAISONS):
        unit = Unit.objects.create(name=f"并发基准局{index:02d}", jurisdiction="基准市")
        role = Assignment.Role.LEAD if index == 0 else Assignment.Role.RESPONSIBLE
        Assignment.objects.create(task=task, unit=unit, role=role, position=index)
        user = get_user_model().objects.create(
            username=f"bench_storm_{index:02d}", password=make_password(None)
        )
        user.groups.add(group)
        Membership.objects.create(user=user, unit=unit, role=Membership.Role.LIAISON)
        users.append(user)
    return task, users


def run(ctx: BenchContext) -> dict:
    task, users = _shared_task()
    # Plain HTTP on loopback: no TLS redirect, cookies not restricted to HTTPS.
    with override_settings(
        SECURE_SSL_REDIRECT=False,
        SESSION_COOKIE_SECURE=False,
        CSRF_COOKIE_SECURE=False,
        ALLOWED_HOSTS=["127.0.0.1"],
    ):
        server = ThreadedWSGIServer(("127.0.0.1", 0), _QuietHandler, allow_reuse_address=False)
        server.set_app(get_wsgi_application())
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            result = storm(f"http://127.0.0.1:{server.server_port}", task.pk, users, REPORTS_EACH)
        finally:
            server.shutdown()
            server.server_close()
            close_old_connections()
    requests = LIAISONS * REPORTS_EACH
    stored = ProgressReport.objects.filter(task=task).count()
    return {
        "figures": {
            "liaisons": LIAISONS,
            "requests": requests,
            "answered_302": result.statuses.get(302, 0),
            "refused_409": result.statuses.get(409, 0),
            "reports_stored": stored,
            "seconds": result.seconds,
            "reports_per_second": round(requests / result.seconds, 1) if result.seconds else None,
            "database": connection.vendor,
        },
        "targets": {"refused_409": ["<=", 0], "reports_stored": [">=", requests]},
    }
