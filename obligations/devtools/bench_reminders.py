"""The reminder sweep over the seeded tasks: time and queries of a full sweep, a repeat sweep (which
must create nothing), and the sending pass that turns the outbox into one digest per recipient."""

from __future__ import annotations

import time

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from ..holidays import clear_calendar_cache
from ..models import DigestEmail, Notification, Reminder
from ..reminders import generate, send_due
from ..roles import SUPERVISOR_GROUP
from .benchmarks import BenchContext

TITLE = "提醒扫描与发送（reminders）"
SUPERVISORS = 3


def _add_supervisors() -> None:
    """The seed makes liaisons only; escalations need someone to go to."""
    users = get_user_model()
    group = Group.objects.get(name=SUPERVISOR_GROUP)
    for n in range(SUPERVISORS):
        user, _ = users.objects.get_or_create(
            username=f"bench_supervisor_{n}",
            defaults={"email": f"bench_supervisor_{n}@example.cn", "password": make_password(None)},
        )
        user.groups.add(group)


def _settle_statistics() -> str:
    """A production database has planner statistics (autovacuum, or SQLite's ANALYZE); a table
    bulk-loaded a moment ago has none, and PostgreSQL's first read of it also writes hint bits.
    Measure the sweep against the steady state, not that artifact of seeding."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")
            return "VACUUM ANALYZE"
        cursor.execute("ANALYZE")
        return "ANALYZE"


def _measure(fn):
    clear_calendar_cache()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - started
    return result, round(seconds, 2), len(queries.captured_queries)


def run(ctx: BenchContext) -> dict:
    _add_supervisors()
    prepared = _settle_statistics()
    now = timezone.now()
    day = timezone.localdate(now)

    first, first_seconds, first_queries = _measure(lambda: generate(day, now))
    second, second_seconds, second_queries = _measure(lambda: generate(day, now))
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        mail.outbox = []
        sent, send_seconds, send_queries = _measure(lambda: send_due(now))
        emails = len(mail.outbox)
        mail.outbox = []

    batches = max(first.batches, 1)
    return {
        "figures": {
            "tasks_in_database": ctx.shared["seed"].tasks if "seed" in ctx.shared else None,
            "tasks_swept": first.tasks,
            "batches": first.batches,
            "reminders_created": first.created,
            "sweep_seconds": first_seconds,
            "sweep_queries": first_queries,
            "queries_per_batch": round(first_queries / batches, 1),
            "second_sweep_seconds": second_seconds,
            "second_sweep_queries": second_queries,
            "second_sweep_created": second.created,
            "send_seconds": send_seconds,
            "send_queries": send_queries,
            "digests_sent": sent.digests_sent,
            "emails": emails,
            "notifications": Notification.objects.count(),
            "reminders_sent": Reminder.objects.filter(status=Reminder.Status.SENT).count(),
            "digest_rows": DigestEmail.objects.count(),
            "database": connection.vendor,
            "prepared_with": prepared,
        },
        "targets": {"sweep_seconds": ["<=", 5], "second_sweep_created": ["<=", 0]},
    }
