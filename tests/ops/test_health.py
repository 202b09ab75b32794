"""/healthz: database, broker, qcluster heartbeat, the day's sweep and the nightly backup, as JSON;
200 or 503; anonymous callers learn the status and nothing else."""

from __future__ import annotations

import datetime
import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from obligations.models import BackupRun, Heartbeat, ReminderPolicy, SweepRun
from obligations.ops.health import expected_sweep_day, run_checks

from .. import factories

pytestmark = pytest.mark.django_db
TOKEN = "monitoring-token-7f3a"


@pytest.fixture(autouse=True)
def _token(settings):
    settings.TRACKER_HEALTH_TOKEN = TOKEN


def beat(seconds_ago: float = 5) -> None:
    Heartbeat.objects.update_or_create(
        name="qcluster", defaults={"beat_at": timezone.now() - datetime.timedelta(seconds=seconds_ago)}
    )


def get(client: Client | None = None, **headers) -> tuple[int, dict]:
    response = (client or Client()).get(reverse("healthz"), headers=headers)
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    return response.status_code, json.loads(response.content)


def detailed() -> tuple[int, dict]:
    return get(Authorization=f"Bearer {TOKEN}")


def test_anonymous_callers_get_the_status_only():
    beat()
    assert get() == (200, {"status": "ok"})
    Heartbeat.objects.all().delete()
    assert get() == (503, {"status": "fail"})
    # A wrong token or a liaison's session is no better than no token.
    assert get(Authorization="Bearer wrong") == (503, {"status": "fail"})
    liaison = factories.make_liaison("health_liaison", factories.make_unit())
    client = Client()
    client.force_login(liaison)
    assert get(client) == (503, {"status": "fail"})


def test_the_token_and_supervisors_get_every_check():
    beat(seconds_ago=12)
    status, body = detailed()
    assert status == 200 and body["status"] == "ok"
    checks = body["checks"]
    assert set(checks) == {"database", "broker", "qcluster", "sweep", "backup"}
    assert checks["database"]["ok"] and checks["database"]["vendor"] in ("sqlite", "postgresql")
    assert checks["broker"] == {"ok": True, "kind": "orm", "queued": 0}
    assert checks["qcluster"]["ok"] and 11 <= checks["qcluster"]["age_seconds"] <= 60
    client = Client()
    client.force_login(factories.make_supervisor())
    status, body = get(client)
    assert status == 200 and body["checks"]["qcluster"]["ok"]


def test_a_silent_cluster_fails(settings):
    beat(seconds_ago=settings.TRACKER_HEARTBEAT_MAX_AGE_SECONDS + 5)
    status, body = detailed()
    assert status == 503
    assert body["checks"]["qcluster"]["ok"] is False
    assert [name for name, check in body["checks"].items() if not check["ok"]] == ["qcluster"]


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def test_the_expected_sweep_day_turns_after_the_sweep_time_and_its_grace():
    day = datetime.date(2026, 3, 10)
    at = datetime.time(8, 30)
    assert expected_sweep_day(_at(day, 8, 40), at) == day - datetime.timedelta(days=1)
    assert expected_sweep_day(_at(day, 8, 46), at) == day


def test_a_missing_sweep_fails_once_sweeps_have_run():
    policy = ReminderPolicy.current()
    policy.sweep_time = datetime.time(8, 30)
    policy.save()
    today = datetime.date(2026, 3, 10)
    now = _at(today, 10)
    beat()
    # A new installation: no sweep recorded yet is no failure.
    assert run_checks(now)[1]["sweep"]["ok"] is True
    yesterday = today - datetime.timedelta(days=1)
    SweepRun.objects.create(
        day=yesterday, status="done", started_at=_at(yesterday, 8, 30), finished_at=_at(yesterday, 8, 31)
    )
    ok, checks = run_checks(now)
    assert not ok and checks["sweep"] == {
        "ok": False,
        "status": None,
        "expected_day": "2026-03-10",
        "last_day": "2026-03-09",
        "age_hours": 25.5,
    }
    run = SweepRun.objects.create(day=today, status="running", started_at=_at(today, 9, 55))
    assert run_checks(now)[1]["sweep"]["ok"] is True  # running, and recently started
    SweepRun.objects.filter(pk=run.pk).update(started_at=_at(today, 8, 30))
    assert run_checks(now)[1]["sweep"]["ok"] is False  # its worker died (REMINDER_SWEEP_STALE_SECONDS)
    SweepRun.objects.filter(pk=run.pk).update(status="skipped", finished_at=_at(today, 8, 30))
    assert run_checks(now)[1]["sweep"] == {
        "ok": True,
        "status": "skipped",
        "expected_day": "2026-03-10",
        "last_day": "2026-03-10",
        "age_hours": 1.5,
    }
    SweepRun.objects.filter(pk=run.pk).update(status="failed")
    assert run_checks(now)[1]["sweep"]["ok"] is False


def test_a_failed_or_old_backup_fails(settings):
    now = timezone.now()
    beat()

    def record(status: str, hours_ago: float) -> None:
        moment = now - datetime.timedelta(hours=hours_ago)
        BackupRun.objects.create(trigger="scheduled", status=status, started_at=moment, finished_at=moment)

    assert run_checks(now)[1]["backup"]["ok"] is True  # none yet
    record("done", 30)
    assert run_checks(now)[1]["backup"] == {
        "ok": True,
        "last_status": "done",
        "last_good": timezone.localtime(now - datetime.timedelta(hours=30)).isoformat(timespec="seconds"),
        "age_hours": 30.0,
        "max_age_hours": settings.TRACKER_BACKUP_MAX_AGE_HOURS,
    }
    record("failed", 6)
    assert run_checks(now)[1]["backup"]["ok"] is False
    record("done", 2)
    assert run_checks(now)[0] is True
    BackupRun.objects.update(
        started_at=now - datetime.timedelta(hours=49), finished_at=now - datetime.timedelta(hours=49)
    )
    assert run_checks(now)[1]["backup"]["ok"] is False


def test_a_check_that_raises_is_a_failure_naming_the_error(monkeypatch):
    from obligations.ops import health

    beat()

    def broken(now):
        raise ConnectionError("redis down")

    monkeypatch.setitem(health.CHECKS, "broker", broken)
    status, body = detailed()
    assert status == 503
    assert body["checks"]["broker"] == {"ok": False, "error": "ConnectionError"}
    assert get() == (503, {"status": "fail"})
