"""A real qcluster process on the test database: schedules fire, reminders go out exactly once,
also when the cluster is killed -9 mid-sweep, when two sweeps run at once, and when mail fails."""

from __future__ import annotations

import datetime
import os
import subprocess
import time
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from django.db import close_old_connections
from django.utils import timezone
from django_q.models import OrmQ, Schedule, Success
from django_q.tasks import async_task

from obligations.dates import previous_month
from obligations.holidays import clear_calendar_cache, get_calendar
from obligations.models import (
    DigestEmail,
    HolidayOverride,
    LedgerExport,
    Notification,
    Reminder,
    ReminderPolicy,
    SweepRun,
    Task,
)

from .. import factories
from .cluster import (
    Cluster,
    cluster_env,
    free_port,
    read_mails,
    redis_server_path,
    wait_for,
    wait_until,
)

pytestmark = [pytest.mark.cluster, pytest.mark.django_db(transaction=True)]

SWEEP = "每日提醒扫描"
SEND = "提醒发送"


class World:
    """Liaisons with one overdue and one due-soon task each, and a supervisor; ``expected`` is
    the outbox the policy implies for today, worked out here independently of the sweep."""

    def __init__(self, liaisons: int, tasks_per_liaison: int = 1) -> None:
        self.today = timezone.localdate()
        calendar = get_calendar()
        if not calendar.is_workday(self.today):
            # Make the run deterministic on weekends too, through the product's own holiday table.
            HolidayOverride.objects.create(date=self.today, is_workday=True, name="测试：当天上班")
            clear_calendar_cache()
        policy = ReminderPolicy.current()
        policy.due_soon_offsets = [5, 3, 1]
        policy.overdue_daily_days = 30  # every overdue day in this test is a daily step
        policy.escalate_after_days = 1
        policy.sweep_time = datetime.time(23, 59)  # the catch-up stays out of the way of the schedule
        policy.save()
        self.supervisor = factories.make_supervisor("cluster_supervisor")
        plan = factories.make_plan("集群测试方案")
        self.users = [self.supervisor]
        self.expected: set[tuple] = set()
        overdue = self.today - datetime.timedelta(days=3)
        soon = self.today + datetime.timedelta(days=1)
        cal = get_calendar()
        late_by = cal.workdays_between(overdue, self.today)
        left = cal.workdays_between(self.today, soon)
        soon_stage = f"T-{min(o for o in (5, 3, 1) if o >= left)}"
        for n in range(liaisons):
            unit = factories.make_unit(f"集群测试局{n}")
            user = factories.make_liaison(f"cluster_liaison_{n}", unit)
            self.users.append(user)
            for k in range(tasks_per_liaison):
                late = factories.make_task(plan, lead=[unit], deadline=overdue, text=f"逾期任务{n}-{k}")
                due = factories.make_task(plan, lead=[unit], deadline=soon, text=f"临期任务{n}-{k}")
                self.expected |= {
                    (late.pk, unit.pk, "overdue", f"D+{late_by}", overdue, user.pk),
                    (late.pk, unit.pk, "escalation", "E", overdue, self.supervisor.pk),
                    (due.pk, unit.pk, "due_soon", soon_stage, soon, user.pk),
                }

    def outbox(self) -> set[tuple]:
        return set(
            Reminder.objects.values_list("task_id", "unit_id", "kind", "stage", "deadline", "recipient_id")
        )

    def all_sent(self) -> bool:
        return (
            Reminder.objects.count() == len(self.expected)
            and not Reminder.objects.exclude(status="sent").exists()
            and DigestEmail.objects.filter(status="sent").count() == len(self.users)
        )

    def one_notice_each(self) -> bool:
        """In-app: one notice per person and day, like the e-mail digest."""
        return Counter(Notification.objects.values_list("user_id", flat=True)) == Counter(
            {user.pk: 1 for user in self.users}
        )

    def assert_exactly_once(self, mail_dir: Path) -> None:
        assert self.outbox() == self.expected
        assert set(Reminder.objects.values_list("status", flat=True)) == {"sent"}
        mails = read_mails(mail_dir)
        per_recipient = Counter(str(m["To"]).strip() for m in mails)
        assert per_recipient == Counter({u.email: 1 for u in self.users}), per_recipient
        assert len({m["Message-ID"] for m in mails}) == len(mails)
        for message in mails:
            assert str(message["Subject"]).strip().startswith("【督办提醒】")
            assert "https://duban.example.gov.cn/tasks/" in message.get_body(("plain",)).get_content()
        assert self.one_notice_each()
        assert DigestEmail.objects.count() == len(self.users)


def fire_now(*names: str) -> None:
    Schedule.objects.filter(name__in=names).update(next_run=timezone.now() - datetime.timedelta(seconds=1))


@pytest.fixture
def clusters(tmp_path):
    started: list[Cluster] = []

    def start(env: dict[str, str]) -> Cluster:
        cluster = Cluster(env, tmp_path / f"qcluster-{len(started)}.log").start()
        started.append(cluster)
        return cluster

    try:
        yield start
    finally:
        for cluster in started:
            cluster.stop()
        close_old_connections()


@pytest.fixture
def mail_dir(tmp_path) -> Path:
    path = tmp_path / "mail"
    path.mkdir()
    return path


def test_schedules_fire_and_reminders_go_out(clusters, mail_dir):
    world = World(liaisons=4)
    fire_now(SWEEP, SEND)
    cluster = clusters(cluster_env(mail_dir))
    wait_for(world.all_sent, "the sweep and its digests", cluster)
    world.assert_exactly_once(mail_dir)
    run = SweepRun.objects.get(day=world.today)
    assert run.status == "done" and run.stats["created"] == len(world.expected)
    # Both schedules ran as django-q tasks and moved on: the sweep to tomorrow's 23:59 Shanghai.
    wait_for(
        lambda: {SWEEP, SEND} <= set(Success.objects.values_list("group", flat=True)), "task results", cluster
    )
    sweep = Schedule.objects.get(name=SWEEP)
    local = timezone.localtime(sweep.next_run)
    assert (local.hour, local.minute) == (23, 59) and sweep.next_run > timezone.now()
    assert Schedule.objects.get(name=SEND).next_run > timezone.now()


def test_kill_9_while_sending_then_restart_sends_everything_exactly_once(clusters, mail_dir, tmp_path):
    world = World(liaisons=8)
    markers = tmp_path / "markers"
    markers.mkdir()
    env = cluster_env(
        mail_dir,
        EMAIL_BACKEND="tests.reminders.backends.SlowFileBackend",
        TEST_MAIL_DELAY="0.5",
        TEST_MAIL_MARKERS=str(markers),
        REMINDER_CLAIM_TIMEOUT_SECONDS="3",
        Q_TIMEOUT="8",
        Q_RETRY="10",  # the killed sweep task is handed out again ten seconds after it was taken
    )
    fire_now(SWEEP)
    first = clusters(env)
    # Kill while a message is in flight, after a few went out.
    wait_for(lambda: len(read_mails(mail_dir)) >= 3, "the first digests", first)
    wait_for(lambda: len(list(markers.iterdir())) > len(read_mails(mail_dir)), "a digest in flight", first)
    first.kill9()
    sent_before = len(read_mails(mail_dir))
    assert 3 <= sent_before < len(world.users)
    # Caught mid-send: what went out is recorded as sent; the rest of the claimed batch (including
    # the one in flight, whose try had started) is left "sending" by the dead process.
    assert DigestEmail.objects.filter(status="sent").count() == sent_before
    interrupted = set(DigestEmail.objects.filter(status="sending").values_list("pk", flat=True))
    in_flight = set(
        DigestEmail.objects.filter(status="sending", attempt_started_at__isnull=False).values_list(
            "pk", flat=True
        )
    )
    never_tried = interrupted - in_flight
    assert in_flight and never_tried and in_flight <= interrupted

    # The dead sender's claims expire REMINDER_CLAIM_TIMEOUT_SECONDS after they were last refreshed.
    last_claim = max(DigestEmail.objects.filter(pk__in=interrupted).values_list("claimed_at", flat=True))
    wait_until(last_claim + datetime.timedelta(seconds=3))
    fire_now(SEND)
    second = clusters({**env, "TEST_MAIL_DELAY": "0.05"})
    wait_for(world.all_sent, "the remaining digests", second)
    # The broker hands the killed sweep task out again; it must find nothing left to do.
    wait_for(lambda: not OrmQ.objects.exists(), "the redelivered sweep task", second, timeout=60)
    world.assert_exactly_once(mail_dir)
    # The interrupted ones were taken over after their claim expired and went out once; only the
    # try in flight counted, the claimed-but-untried ones went out at their first try.
    assert set(DigestEmail.objects.filter(attempts=2).values_list("pk", flat=True)) == in_flight
    assert set(DigestEmail.objects.filter(pk__in=never_tried).values_list("attempts", flat=True)) == {1}


def test_kill_9_mid_generation_then_restart_resumes_the_sweep(clusters, mail_dir):
    world = World(liaisons=3, tasks_per_liaison=40)
    env = cluster_env(
        mail_dir,
        REMINDER_SWEEP_BATCH="1",  # one task per batch: a slow sweep to kill in the middle of
        REMINDER_SWEEP_STALE_SECONDS="3",
    )
    fire_now(SWEEP)
    first = clusters(env)
    wait_for(lambda: Reminder.objects.count() >= 10, "the sweep to start writing", first)
    first.kill9()
    written = Reminder.objects.count()
    assert 10 <= written < len(world.expected)
    assert SweepRun.objects.get(day=world.today).status == "running"
    assert read_mails(mail_dir) == []  # digests wait for the whole day's rows

    # The dead sweep becomes stale REMINDER_SWEEP_STALE_SECONDS after it started.
    wait_until(SweepRun.objects.get(day=world.today).started_at + datetime.timedelta(seconds=3))
    fire_now(SEND)
    second = clusters(env)  # the sender's catch-up resumes today's sweep
    wait_for(world.all_sent, "the resumed sweep and its digests", second)
    world.assert_exactly_once(mail_dir)
    run = SweepRun.objects.get(day=world.today)
    assert run.status == "done" and run.attempts == 2


def test_two_sweeps_at_once_in_the_cluster(clusters, mail_dir):
    world = World(liaisons=4, tasks_per_liaison=8)
    cluster = clusters(cluster_env(mail_dir, REMINDER_SWEEP_BATCH="3"))
    for _ in range(2):
        async_task("obligations.reminders.jobs.daily_sweep", force=True, task_name=f"sweep-{_}")
        async_task("obligations.reminders.jobs.send_reminders", task_name=f"send-{_}")
    wait_for(
        lambda: Success.objects.filter(func="obligations.reminders.jobs.daily_sweep").count() == 2,
        "both sweeps",
        cluster,
    )
    wait_for(world.all_sent, "the digests", cluster)
    world.assert_exactly_once(mail_dir)
    created = [
        int(result.split("created=")[1].split(",")[0])
        for result in Success.objects.filter(func="obligations.reminders.jobs.daily_sweep").values_list(
            "result", flat=True
        )
    ]
    assert sum(created) == len(world.expected)  # every row written by exactly one of them


def test_mail_failures_are_retried_then_marked_failed(clusters, mail_dir):
    world = World(liaisons=2)
    policy = ReminderPolicy.current()
    policy.max_send_attempts = 2
    policy.save()
    env = cluster_env(
        mail_dir, EMAIL_BACKEND="tests.reminders.backends.FailingBackend", REMINDER_RETRY_BASE_SECONDS="1"
    )
    fire_now(SWEEP)
    cluster = clusters(env)
    wait_for(
        lambda: DigestEmail.objects.filter(status="pending", attempts=1).count() == len(world.users),
        "the first failed attempt",
        cluster,
    )
    digest = DigestEmail.objects.first()
    assert "模拟邮件服务器故障" in digest.last_error and digest.next_attempt_at > digest.created_at
    assert set(Reminder.objects.values_list("status", "attempts")) == {("pending", 1)}
    wait_until(max(DigestEmail.objects.values_list("next_attempt_at", flat=True)))
    async_task(
        "obligations.reminders.jobs.send_reminders"
    )  # the next sender run (every minute in production)
    wait_for(
        lambda: DigestEmail.objects.filter(status="failed").count() == len(world.users),
        "the final failure",
        cluster,
    )
    assert set(Reminder.objects.values_list("status", "attempts")) == {("failed", 2)}
    assert all("模拟邮件服务器故障" in e for e in Reminder.objects.values_list("last_error", flat=True))
    assert read_mails(mail_dir) == []
    assert world.one_notice_each()  # in-app delivery did not depend on mail


@pytest.fixture
def redis_url(tmp_path):
    server = redis_server_path()
    if server is None:
        if os.environ.get("CI") == "true":
            pytest.fail("redis-server is required in CI (see .ci/system-deps.sh)")
        pytest.skip("redis-server is not installed")
    port = free_port()
    proc = subprocess.Popen(
        [
            server,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        import redis

        client = redis.Redis(host="127.0.0.1", port=port)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_with_the_redis_broker(redis_url, clusters, mail_dir):  # redis outlives the cluster
    world = World(liaisons=3)
    fire_now(SWEEP, SEND)
    cluster = clusters(cluster_env(mail_dir, REDIS_URL=redis_url))
    wait_for(world.all_sent, "the sweep and its digests over Redis", cluster)
    world.assert_exactly_once(mail_dir)
    assert not OrmQ.objects.exists()  # the tasks went through Redis, not the ORM queue


def test_the_monthly_ledger_schedule_writes_last_months_ledger(clusters, mail_dir, settings):
    """月度进展台账 fires in the cluster: last month's workbook is written, recorded, announced."""
    supervisor = factories.make_supervisor("ledger_supervisor")
    month = previous_month(timezone.localdate())
    # Published and created during last month, so last month's ledger holds them.
    during = timezone.make_aware(datetime.datetime.combine(month, datetime.time(9)))
    plan = factories.make_plan("台账测试方案", published_at=during)
    unit = factories.make_unit("台账测试局")
    for n in range(3):
        factories.make_task(plan, lead=[unit], text=f"台账测试任务{n}", deadline=timezone.localdate())
    Task.objects.update(created_at=during)
    fire_now("月度进展台账")
    cluster = clusters(cluster_env(mail_dir, MEDIA_ROOT=str(settings.MEDIA_ROOT)))

    def announced_export() -> LedgerExport | None:
        # The state asserted below: the ledger done *and* the supervisor told about it.
        for export in LedgerExport.objects.filter(status="done"):
            if Notification.objects.filter(user=supervisor, url=f"/ledgers/{export.pk}/download/").exists():
                return export
        return None

    export = wait_for(announced_export, "the scheduled ledger and its notice", cluster, timeout=120)
    assert (export.trigger, export.month, export.rows) == ("scheduled", month, 3)
    sheet = openpyxl.load_workbook(export.file.path).worksheets[1]
    assert sorted(row[2] for row in sheet.iter_rows(min_row=3, values_only=True)) == [
        f"台账测试任务{n}" for n in range(3)
    ]
    assert Notification.objects.filter(user=supervisor, url=f"/ledgers/{export.pk}/download/").count() == 1
    wait_for(
        lambda: Success.objects.filter(group="月度进展台账").exists(), "the ledger task's result", cluster
    )
    entry = Schedule.objects.get(name="月度进展台账")
    local = timezone.localtime(entry.next_run)
    assert (local.day, local.hour, local.minute) == (1, 6, 0) and entry.next_run > timezone.now()
    assert LedgerExport.objects.count() == 1
