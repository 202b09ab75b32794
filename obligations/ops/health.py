"""What /healthz checks: the database, the broker, the qcluster's heartbeat, the daily sweep and the
nightly backup. Each check answers ``ok`` and a few plain figures; one failing check (or one that
raises: a database that is down) makes the whole status "fail".

The figures are for monitoring and supervisors; views.healthz shows anonymous callers only the
overall status.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_q.brokers import get_broker

from ..models import BackupRun, Heartbeat, ReminderPolicy, SweepRun
from .heartbeat import CLUSTER

# After the policy's sweep time, the sender's catch-up starts a missed sweep within a minute or two.
SWEEP_GRACE = datetime.timedelta(minutes=15)


def _iso(moment: datetime.datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def check_database() -> dict:
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True, "vendor": connection.vendor, "ms": round((time.perf_counter() - started) * 1000, 1)}


def check_broker() -> dict:
    broker = get_broker()
    kind = "redis" if settings.Q_CLUSTER.get("redis") else "orm"
    ok = bool(broker.ping())  # the ORM broker's ping does not touch the database; queue_size does
    return {"ok": ok, "kind": kind, "queued": broker.queue_size()}


def check_cluster(now: datetime.datetime) -> dict:
    beat = Heartbeat.objects.filter(name=CLUSTER).first()
    limit = settings.TRACKER_HEARTBEAT_MAX_AGE_SECONDS
    if beat is None:
        return {"ok": False, "last_beat": None, "max_age_seconds": limit}
    age = (now - beat.beat_at).total_seconds()
    return {
        "ok": age <= limit,
        "last_beat": _iso(beat.beat_at),
        "age_seconds": round(age),
        "max_age_seconds": limit,
        "host": beat.host,
    }


def expected_sweep_day(now: datetime.datetime, sweep_time: datetime.time) -> datetime.date:
    """The latest day whose sweep should have happened by ``now`` (today once its time has passed)."""
    local = timezone.localtime(now)
    due = datetime.datetime.combine(local.date(), sweep_time, tzinfo=local.tzinfo) + SWEEP_GRACE
    return local.date() if local >= due else local.date() - datetime.timedelta(days=1)


def check_sweep(now: datetime.datetime) -> dict:
    """The day's reminder sweep ran (or is running). A new installation with no sweep yet is fine."""
    from ..reminders.sweep import stale_before

    day = expected_sweep_day(now, ReminderPolicy.current().sweep_time)
    finished = (
        SweepRun.objects.filter(status__in=[SweepRun.Status.DONE, SweepRun.Status.SKIPPED])
        .order_by("-day")
        .first()
    )
    figures = {
        "expected_day": day.isoformat(),
        "last_day": finished.day.isoformat() if finished else None,
        "age_hours": round((now - finished.finished_at).total_seconds() / 3600, 1)
        if finished and finished.finished_at
        else None,
    }
    run = SweepRun.objects.filter(day=day).first()
    if run is None:
        # Nothing recorded at all: nothing was due since the installation (the heartbeat says
        # whether a cluster runs). Otherwise the expected day's sweep is missing.
        return {"ok": not SweepRun.objects.exists(), "status": None, **figures}
    running_fine = run.status == SweepRun.Status.RUNNING and run.started_at >= stale_before(now)
    ok = run.status in (SweepRun.Status.DONE, SweepRun.Status.SKIPPED) or running_fine
    return {"ok": ok, "status": run.status, **figures}


def check_backup(now: datetime.datetime) -> dict:
    """The newest backup did not fail and the newest good one is recent (none yet is fine)."""
    latest = BackupRun.objects.exclude(status=BackupRun.Status.PRUNED).order_by("-started_at").first()
    good = BackupRun.objects.filter(status=BackupRun.Status.DONE).order_by("-started_at").first()
    limit = settings.TRACKER_BACKUP_MAX_AGE_HOURS
    figures = {
        "last_status": latest.status if latest else None,
        "last_good": _iso(good.finished_at) if good else None,
        "age_hours": round((now - good.finished_at).total_seconds() / 3600, 1) if good else None,
        "max_age_hours": limit,
    }
    if latest is None:
        return {"ok": True, **figures}
    fresh = good is not None and (now - good.finished_at) <= datetime.timedelta(hours=limit)
    return {"ok": latest.status == BackupRun.Status.DONE and fresh, **figures}


CHECKS: dict[str, Callable[[datetime.datetime], dict]] = {
    "database": lambda now: check_database(),
    "broker": lambda now: check_broker(),
    "qcluster": check_cluster,
    "sweep": check_sweep,
    "backup": check_backup,
}


def run_checks(now: datetime.datetime | None = None) -> tuple[bool, dict[str, dict]]:
    """(all well, {check: figures}); a check that raises is a failure naming the error's kind."""
    now = now or timezone.now()
    results: dict[str, dict] = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check(now)
        except Exception as exc:  # a check must never take the endpoint down with it
            results[name] = {"ok": False, "error": type(exc).__name__}
    return all(result["ok"] for result in results.values()), results
