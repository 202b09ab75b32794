"""Scale-out under load and faults, on loopback: two gunicorn instances (two ports, no proxy), two
qclusters on a Redis broker, PostgreSQL, and a real SMTP server. Liaisons report progress with an
evidence file, supervisors open the dashboard, export ledgers and send 催办, while one web instance
and one qcluster are killed with kill -9 and started again.

Asserted: no 5xx and no unexpected status; the only failed requests are ones in flight on the web
instance at the moment it was killed; every acknowledged report is stored exactly once with its
file (bytes compared by SHA-256); a report whose request failed in flight is stored at most once;
every reminder of the day and every 催办 is delivered, none twice except the one documented window
(the mail server took a message just before its sender was killed: sent again with the same
Message-ID, and the row's attempt count says so).

PostgreSQL only (the multi-instance path); CI runs it in its PostgreSQL pass, with Redis started
here from Debian's redis-server.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
from django.db import close_old_connections, connection
from django.utils import timezone
from django_q.tasks import async_task

from obligations.devtools.load import Person, Targets, run_people
from obligations.devtools.synthetic import seed
from obligations.holidays import clear_calendar_cache, get_calendar
from obligations.models import (
    DigestEmail,
    Evidence,
    HolidayOverride,
    ProgressReport,
    Reminder,
    ReminderPolicy,
)
from obligations.ops.archive import sha256_file
from obligations.reminders.schedules import install_schedules

from .. import factories
from ..reminders.cluster import Cluster, cluster_env, database_url, free_port
from ..reminders.smtp import SMTPServer
from ..reminders.test_cluster import SWEEP, fire_now, redis_url  # noqa: F401  (redis_url is a fixture)

pytestmark = [pytest.mark.cluster, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
UNITS = 4
LIAISONS_PER_UNIT = 2
TASKS_PER_LIAISON = 3
LOAD_SECONDS = 50
SETTLE_SECONDS = 90
HEALTH_TOKEN = "scale-out-token"
MESSAGE_ID = re.compile(r"<tracker-(digest|reminder)-(\d+)@duban\.example\.gov\.cn>")
# What each kind of request may answer (anything else, and any 5xx, fails the test).
EXPECTED = {
    "login_page": {200},
    "login": {302},
    "liaison_list": {200},
    "task_page": {200},
    "report": {302},
    "dashboard": {200},
    "ledger": {200},
    "remind": {302},
}


class Web:
    """One gunicorn instance (master and workers in their own session) on its own port."""

    def __init__(self, port: int, env: dict[str, str], log: Path) -> None:
        self.port, self.env, self.log = port, env, log
        self.address = f"127.0.0.1:{port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> Web:
        command = [sys.executable, "-m", "gunicorn", "-c", "python:tracker.gunicorn_conf"]
        command += ["--bind", self.address, "--workers", "2", "tracker.wsgi"]
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        return self

    def kill9(self) -> tuple[float, float]:
        """SIGKILL to the master and its workers at once; returns (when it was sent, when the last
        process was gone). Until then the kernel may still take connections for the dying
        listener: they are in flight on the killed instance too."""
        killed_at = time.monotonic()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        deadline = time.monotonic() + 10
        while _group_alive(self.proc.pid) and time.monotonic() < deadline:
            time.sleep(0.005)
        return killed_at, time.monotonic()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=40)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)

    def health(self) -> dict | None:
        request = urllib.request.Request(
            f"http://{self.address}/healthz", headers={"Authorization": f"Bearer {HEALTH_TOKEN}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310  (http on loopback)
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            return json.loads(error.read())
        except OSError:
            return None


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _wait(predicate, what: str, timeout: float, logs: list[Path]):
    deadline = time.monotonic() + timeout
    while True:
        close_old_connections()
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            tails = "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')[-2500:]}" for log in logs)
            raise AssertionError(f"timed out waiting for {what}\n{tails}")
        time.sleep(0.2)


def _world() -> list[Person]:
    """Synthetic plans for the dashboards and ledgers, plus units whose liaisons report and are
    reminded: each liaison has tasks due tomorrow (the sweep's digests) to report on."""
    seed(2000, 40)
    today = timezone.localdate()
    if not get_calendar().is_workday(today):
        HolidayOverride.objects.create(date=today, is_workday=True, name="测试：当天上班")
        clear_calendar_cache()
    policy = ReminderPolicy.current()
    policy.due_soon_offsets = [5, 3, 1]
    policy.sweep_time = datetime.time(23, 59)  # fired by the test, not by the catch-up
    policy.save()
    plan = factories.make_plan("扩容压力测试方案")
    people: list[Person] = []
    reminded: list[tuple[int, int]] = []
    for n in range(UNITS):
        unit = factories.make_unit(f"压力测试局{n}")
        for k in range(LIAISONS_PER_UNIT):
            user = factories.make_liaison(f"load_liaison_{n}_{k}", unit)
            tasks = [
                factories.make_task(
                    plan, lead=[unit], deadline=today + datetime.timedelta(days=1), text=f"任务{n}-{k}-{t}"
                )
                for t in range(TASKS_PER_LIAISON)
            ]
            people.append(Person(user.username, factories.PASSWORD, "liaison", tasks=[t.pk for t in tasks]))
            reminded.append((tasks[0].pk, unit.pk))
    for name in ("load_supervisor_a", "load_supervisor_b"):
        factories.make_supervisor(name)
    half = len(reminded) // 2
    people.append(
        Person("load_supervisor_a", factories.PASSWORD, "supervisor", remind=reminded[:half], ledger_every=3)
    )
    people.append(
        Person("load_supervisor_b", factories.PASSWORD, "supervisor", remind=reminded[half:], ledger_every=5)
    )
    return people


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("the scale-out path is PostgreSQL + Redis; CI runs this in its PostgreSQL pass")


def test_two_web_instances_and_two_qclusters_survive_kill_9_under_load(
    postgres_only,
    redis_url,  # noqa: F811  (the fixture imported above)
    tmp_path,
    settings,
    collected_static,
    monkeypatch,
):
    # Logins on the servers check real password hashes (the suite's MD5 hasher is not theirs).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    people = _world()
    install_schedules()
    run_id = f"R{int(time.time())}"
    media = Path(settings.MEDIA_ROOT)
    logs: list[Path] = []

    with SMTPServer(delay=0.15) as smtp:
        common = {
            "DEBUG": "false",
            "SECRET_KEY": settings.SECRET_KEY,  # the test enqueues sender runs: same signing key
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "DATABASE_URL": database_url(),
            "REDIS_URL": redis_url,
            "TRACKER_VAR_DIR": str(tmp_path / "var"),
            "MEDIA_ROOT": str(media),
            "STATIC_ROOT": str(collected_static),
            "TRACKER_HEALTH_TOKEN": HEALTH_TOKEN,
            "EMAIL_BACKEND": "smtp",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp.port),
            "EMAIL_TIMEOUT": "5",
            "REMINDER_CLAIM_TIMEOUT_SECONDS": "8",
            "REMINDER_RETRY_BASE_SECONDS": "2",
            "CONN_MAX_AGE": "60",
            "GUNICORN_ACCESS_LOG": str(tmp_path / "access.log"),
        }
        web_env = {**cluster_env(tmp_path / "mail"), **common}
        webs = [Web(free_port(), web_env, tmp_path / f"web-{n}.log") for n in range(2)]
        clusters = [Cluster({**web_env}, tmp_path / f"qcluster-{n}.log") for n in range(2)]
        logs = [web.log for web in webs] + [cluster.log_path for cluster in clusters]
        for server in (*webs, *clusters):
            server.start()
        try:
            for web in webs:
                _wait(
                    lambda web=web: (web.health() or {}).get("status") == "ok",
                    f"{web.address} healthy",
                    90,
                    logs,
                )

            # The test stands in for cron at a faster pace: the day's sweep now, and a sender run
            # whenever the Redis queue is empty (production: every minute).
            from django_q.brokers.redis_broker import Redis
            from django_q.conf import Conf

            monkeypatch.setattr(Conf, "REDIS", redis_url)
            broker = Redis()
            fire_now(SWEEP)
            targets = Targets(web.address for web in webs)
            started = time.monotonic()
            state = {"web_kill": None, "cluster_killed_at": None, "cluster_kill_reason": "", "fed": 0.0}

            def tick(result) -> None:
                now = time.monotonic()
                if now - state["fed"] > 1.0 and broker.queue_size() == 0:
                    async_task("obligations.reminders.jobs.send_reminders", broker=broker)
                    state["fed"] = now
                # kill -9 web instance 0 while it holds requests (after a warm-up), and restart it.
                if (
                    state["web_kill"] is None
                    and now - started > 12
                    and targets.in_flight[webs[0].address] >= 2
                ):
                    state["web_kill"] = webs[0].kill9()
                    webs[0].start()
                # kill -9 qcluster 0 while a message is being sent, and restart it.
                if state["cluster_killed_at"] is None and now - started > 5:
                    close_old_connections()
                    sending = (
                        DigestEmail.objects.filter(
                            status="sending", attempt_started_at__isnull=False
                        ).exists()
                        or Reminder.objects.filter(
                            status="sending", attempt_started_at__isnull=False
                        ).exists()
                    )
                    if sending or now - started > 35:
                        state["cluster_kill_reason"] = "mid-send" if sending else "at 35 s"
                        state["cluster_killed_at"] = time.monotonic()
                        clusters[0].kill9()
                        clusters[0].start()

            result = run_people(
                targets,
                people,
                seconds=LOAD_SECONDS,
                run_id=run_id,
                month=f"{timezone.localdate():%Y-%m}",
                on_tick=tick,
            )
            assert state["web_kill"] is not None, "web instance 0 never held two requests at once"
            assert state["cluster_killed_at"] is not None

            # Let the outbox settle: every reminder and digest delivered.
            def settled() -> bool:
                if time.monotonic() - state["fed"] > 1.0 and broker.queue_size() == 0:
                    async_task("obligations.reminders.jobs.send_reminders", broker=broker)
                    state["fed"] = time.monotonic()
                return (
                    Reminder.objects.exists()
                    and not Reminder.objects.exclude(status="sent").exists()
                    and DigestEmail.objects.exists()
                    and not DigestEmail.objects.exclude(status="sent").exists()
                )

            _wait(settled, "every reminder and digest sent", SETTLE_SECONDS, logs)
        finally:
            for server in (*webs, *clusters):
                server.stop()
            close_old_connections()
        accepted = Counter(message_id for _, message_id in smtp.recorder.accepted)

    outcomes = result.recorder.outcomes
    killed_at, dead_at = state["web_kill"]
    killed = webs[0].address

    # --- HTTP: no 5xx, no surprise; failures only in flight on the killed instance ---------------
    assert result.logins_failed == []
    unexpected = [
        (o.kind, o.status, o.path)
        for o in outcomes
        if o.status is not None and o.status not in EXPECTED[o.kind]
    ]
    assert unexpected == []
    failures = [o for o in outcomes if o.status is None]
    for failure in failures:
        # Connected before the instance was gone, and ended by its death: in flight on it.
        assert failure.target == killed, failure
        assert failure.started <= dead_at and failure.ended >= killed_at, (failure, killed_at, dead_at)
    served = Counter(o.target for o in outcomes if o.status is not None and o.started > dead_at + 1)
    assert served[killed] > 0 and served[webs[1].address] > 0  # the restarted instance is back at work
    assert result.ledgers > 0 and result.reminds_acknowledged > 0
    assert len(result.acknowledged) > 20

    # --- Reports: acknowledged exactly once with their file; failed in flight at most once --------
    close_old_connections()
    stored = Counter()
    files: dict[str, list[tuple[str, str]]] = {}
    for report in ProgressReport.objects.filter(text__contains=run_id).prefetch_related("evidence"):
        marker = report.text.rsplit(" ", 1)[1]
        stored[marker] += 1
        files[marker] = [(e.sha256, sha256_file(Path(e.file.path))) for e in report.evidence.all()]
    acknowledged = {report.marker: report for report in result.acknowledged}
    uncertain = {report.marker for report in result.uncertain}
    assert all(stored[marker] == 1 for marker in acknowledged), [m for m in acknowledged if stored[m] != 1]
    assert set(stored) <= set(acknowledged) | uncertain
    assert all(count == 1 for count in stored.values())
    for marker, report in acknowledged.items():
        assert files[marker] == [(report.sha256, report.sha256)], marker  # recorded hash = bytes on disk
    assert Evidence.objects.filter(report__text__contains=run_id).count() == len(stored)

    # --- Reminders: all delivered; twice only in the documented window, with one Message-ID ------
    digests = dict(DigestEmail.objects.values_list("pk", "attempts"))
    manual = dict(Reminder.objects.filter(kind="manual").values_list("pk", "attempts"))
    expected_ids = {f"<tracker-digest-{pk}@duban.example.gov.cn>": n for pk, n in digests.items()}
    expected_ids |= {f"<tracker-reminder-{pk}@duban.example.gov.cn>": n for pk, n in manual.items()}
    assert set(accepted) == set(expected_ids)  # nothing lost, nothing unknown
    for message_id, times in accepted.items():
        assert times == 1 or (times == 2 and expected_ids[message_id] >= 2), (message_id, times)
    stages = Reminder.objects.filter(kind="manual").values("stage").distinct().count()
    assert result.reminds_acknowledged <= stages <= result.reminds_acknowledged + result.reminds_uncertain
    liaisons = {person.username for person in people if person.role == "liaison"}
    got_digest = set(
        DigestEmail.objects.filter(recipient__username__in=liaisons).values_list(
            "recipient__username", flat=True
        )
    )
    assert got_digest == liaisons  # each has tasks due tomorrow: the day's digest reached them

    print(
        f"\nscale-out: {len(outcomes)} requests, {len(failures)} failed in flight on the killed instance, "
        f"{sum(o.refused for o in outcomes)} refused and re-sent; {len(acknowledged)} reports acknowledged, "
        f"{len(uncertain)} uncertain ({sum(stored[m] for m in uncertain)} of them stored); "
        f"{result.reminds_acknowledged} 催办, {len(digests)} digests, "
        f"{sum(t - 1 for t in accepted.values())} resent in the documented window; "
        f"qcluster killed {state['cluster_kill_reason']}"
    )
