"""The reminder sweep over the seeded tasks: time and queries of a full sweep, a repeat sweep (which
must create nothing), and the sending pass that turns the outbox into one digest per recipient, on
every channel: e-mail (locmem), in-app, and the chat and SMS channels to loopback mock vendors
(obligations.devtools.mock_vendors, in a process of their own), with every unit's channels and robots on and an address for
everyone; time per message over all channels."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from ..holidays import clear_calendar_cache
from ..models import (
    Contact,
    DigestEmail,
    Membership,
    Notification,
    Reminder,
    Robot,
    SmsGateway,
    UnitChannels,
    WecomApp,
)
from ..reminders import generate, send_due
from ..roles import SUPERVISOR_GROUP
from .benchmarks import BenchContext
from .mock_vendors import VendorsApart

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


def _every_channel_on(vendors: VendorsApart) -> int:
    """All units' channels and robots on, an address for every liaison and supervisor."""
    app = WecomApp.current()
    app.enabled, app.corp_id, app.agent_id, app.secret = (
        True,
        vendors.corp_id,
        1,
        vendors.corp_secret,
    )
    app.save()
    gateway = SmsGateway.current()
    gateway.enabled, gateway.url = True, f"{vendors.url}/sms/send"
    gateway.success_json_path, gateway.success_json_value = "code", "0"
    gateway.save()
    people = set(Membership.objects.values_list("user_id", flat=True)) | set(
        get_user_model().objects.filter(groups__name=SUPERVISOR_GROUP).values_list("pk", flat=True)
    )
    Contact.objects.bulk_create(
        [Contact(user_id=pk, wecom_userid=f"u{pk}", mobile=f"139{pk:08d}") for pk in sorted(people)],
        ignore_conflicts=True,
    )
    units = sorted(set(Membership.objects.values_list("unit_id", flat=True)))
    UnitChannels.objects.bulk_create(
        [UnitChannels(unit_id=u, wecom_app=True, sms=True) for u in units], ignore_conflicts=True
    )
    wecom_keys, dingtalk = set(), {}
    for unit_id in units:
        wecom = Robot.objects.create(unit_id=unit_id, kind="wecom", key=f"bench-wecom-{unit_id:06d}")
        ding = Robot.objects.create(
            unit_id=unit_id, kind="dingtalk", key=f"bench-ding-{unit_id:06d}", secret=f"SECbench{unit_id:08d}"
        )
        wecom_keys.add(wecom.key)
        dingtalk[ding.key] = ding.secret
    vendors.add_robots(wecom_keys, dingtalk)
    return len(units)


def _measure(fn):
    clear_calendar_cache()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - started
    return result, round(seconds, 2), len(queries.captured_queries)


def run(ctx: BenchContext) -> dict:
    _add_supervisors()
    # One message per robot here: the mock's rate limit is not measured.
    with VendorsApart(per_minute=10**6) as vendors:
        robot_units = _every_channel_on(vendors)
        return _run(ctx, vendors, robot_units)


def _run(ctx: BenchContext, vendors: VendorsApart, robot_units: int) -> dict:
    prepared = _settle_statistics()
    now = timezone.now()
    day = timezone.localdate(now)

    first, first_seconds, first_queries = _measure(lambda: generate(day, now))
    second, second_seconds, second_queries = _measure(lambda: generate(day, now))
    sweep = {
        "tasks_in_database": ctx.shared["seed"].tasks if "seed" in ctx.shared else None,
        "tasks_swept": first.tasks,
        "batches": first.batches,
        "reminders_created": first.created,
        "sweep_seconds": first_seconds,
        # Queries of the sweep's own connection: with several, the batches' INSERTs run on the others.
        "sweep_connections": first.connections,
        "sweep_queries": first_queries,
        "queries_per_batch": round(first_queries / max(first.batches, 1), 1),
        "second_sweep_seconds": second_seconds,
        "second_sweep_queries": second_queries,
        "second_sweep_created": second.created,
    }
    targets = {
        "sweep_seconds": ["<=", 5 if ctx.tasks <= 100_000 else 30],
        "second_sweep_created": ["<=", 0],
    }
    if ctx.options.get("skip_send"):
        return {
            "figures": {**sweep, "database": connection.vendor, "prepared_with": prepared},
            "targets": targets,
        }
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        WECOM_BASE_URL=vendors.url,
        DINGTALK_BASE_URL=vendors.url,
    ):
        mail.outbox = []
        sent, send_seconds, send_queries = _measure(lambda: send_due(now))
        emails = len(mail.outbox)
        mail.outbox = []
    channel_messages = vendors.delivered_by_channel()
    messages_total = emails + sum(channel_messages.values())

    return {
        "figures": {
            **sweep,
            "send_seconds": send_seconds,
            # Queries of the measured connection: with several, the other lanes' run on their own.
            "send_queries": send_queries,
            "send_threads": settings.REMINDER_SEND_THREADS if connection.vendor == "postgresql" else 1,
            "digests_sent": sent.digests_sent,
            "emails": emails,
            "channel_messages": channel_messages,
            "channel_deliveries_planned": first.deliveries,
            "channel_failed": sent.channel_failed + sent.channel_retrying,
            "units_with_robots": robot_units,
            "messages_total": messages_total,
            "ms_per_message": round(1000 * send_seconds / max(messages_total, 1), 2),
            "reminders_per_second": round(first.created / send_seconds) if send_seconds else None,
            "notifications": Notification.objects.count(),
            "reminders_sent": Reminder.objects.filter(status=Reminder.Status.SENT).count(),
            "digest_rows": DigestEmail.objects.count(),
            "database": connection.vendor,
            "prepared_with": prepared,
        },
        "targets": {**targets, "channel_failed": ["<=", 0], "reminders_per_second": [">=", 10_000]},
    }
