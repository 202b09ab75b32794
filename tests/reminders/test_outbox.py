"""The sender: one digest per recipient per day, exactly once, retries, cancellation, 催办."""

from __future__ import annotations

import datetime
import gc
import threading

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from obligations.models import DigestEmail, Notification, ProgressReport, Reminder, SweepRun, Task
from obligations.reminders import catch_up, generate, send_due
from obligations.reminders.delivery_status import COLUMNS, states_for
from obligations.reminders.outbox import Sender, reclaim_stuck, requeue_failed, retry_delay

from .. import factories
from .conftest import MONDAY, at, days

S = Reminder.Status


def sent_to(user) -> list:
    return [m for m in mail.outbox if m.to == [user.email]]


def test_one_digest_per_recipient_with_every_due_task(scene, settings):
    settings.SITE_URL = "https://duban.example.gov.cn"
    overdue = scene.task(datetime.date(2025, 2, 26), text="落实<b>减税降费</b>政策 & 清理拖欠账款")
    soon = scene.task(datetime.date(2025, 3, 6))
    # Assigned to unit A directly and through the group: still one reminder for liaison A.
    both = scene.task(datetime.date(2025, 3, 4), scene.unit_a, scene.group)
    generate(MONDAY, at(MONDAY))
    stats = send_due(at(MONDAY, 9, 1))

    assert stats.digests_sent == 3  # liaison_a, liaison_b, supervisor (escalation)
    assert len(mail.outbox) == 3
    [message] = sent_to(scene.liaison_a)
    assert message.subject == "【督办提醒】2025年3月3日：3 项任务需要您关注"
    body = message.body
    assert "一、逾期未办结（1 项）" in body and "二、即将到期（2 项）" in body
    # Overdue days are calendar days, as on the pages (2月26日 -> 3月3日), and the e-mail says so.
    assert "已逾期 5 天（完成时限 2025年2月26日）" in body
    assert "逾期天数按自然日计算" in body
    assert "还有 3 个工作日到期（完成时限 2025年3月6日）" in body
    for task in (overdue, soon, both):
        assert f"https://duban.example.gov.cn/tasks/{task.pk}/" in body
    assert body.count(f"/tasks/{both.pk}/") == 1
    assert "落实<b>减税降费</b>政策 & 清理拖欠账款" in body  # plain text stays as written
    html = message.alternatives[0][0]
    assert "落实&lt;b&gt;减税降费&lt;/b&gt;政策 &amp; 清理拖欠账款" in html
    assert "<b>减税降费" not in html
    assert message.extra_headers["Message-ID"].startswith("<tracker-digest-")

    [escalation] = sent_to(scene.supervisor)
    assert "逾期上报" in escalation.body and f"/tasks/{overdue.pk}/" in escalation.body

    assert set(Reminder.objects.values_list("status", flat=True)) == {S.SENT}
    digest = DigestEmail.objects.get(recipient=scene.liaison_a)
    assert (digest.status, digest.day, digest.subject) == ("sent", MONDAY, message.subject)
    assert digest.reminders.count() == 3
    # In-app: one notice per person and day, like the e-mail: its sections, linking to the task list.
    [note] = Notification.objects.filter(user=scene.liaison_a)
    assert note.title == "【督办提醒】2025年3月3日：3 项任务需要您关注"
    assert note.body.splitlines() == [
        "逾期未办结（1 项）：落实<b>减税降费</b>政策 & 清理拖欠账款",
        f"即将到期（2 项）：{both.text}；{soon.text}",
    ]
    assert (note.url, note.reminder.recipient) == ("/tasks/", scene.liaison_a)
    # A single task reads as that task's reminder and links to it.
    [note] = Notification.objects.filter(user=scene.supervisor)
    assert (note.title, note.url) == (f"【逾期上报】{overdue.text}", f"/tasks/{overdue.pk}/")
    assert note.body == "市财政局：已逾期 5 天（完成时限 2025年2月26日）"
    # Every row the notice carries shows it as delivered in-app (task pages, 催办 list).
    rows = list(Reminder.objects.select_related("recipient"))
    in_app = [code for code, _ in COLUMNS].index("in_app")
    assert {states[in_app].text for states in states_for(rows).values()} == {"已发送"}


def test_nothing_is_sent_twice(scene):
    scene.task(datetime.date(2025, 2, 26))
    generate(MONDAY, at(MONDAY))
    send_due(at(MONDAY, 9, 1))
    assert len(mail.outbox) == 2
    generate(MONDAY, at(MONDAY, 10))  # a second sweep the same day
    send_due(at(MONDAY, 10, 1))
    send_due(at(MONDAY, 16))
    assert len(mail.outbox) == 2
    assert Notification.objects.count() == 2


def test_a_new_day_brings_a_new_digest(scene):
    scene.task(datetime.date(2025, 2, 28))
    generate(MONDAY, at(MONDAY))
    send_due(at(MONDAY, 9, 1))
    tuesday = MONDAY + days(1)
    generate(tuesday, at(tuesday))
    send_due(at(tuesday, 9, 1))
    mails = sent_to(scene.liaison_a)
    assert len(mails) == 2
    assert "已逾期 4 天" in mails[1].body  # 2月28日 (Friday) -> 3月4日: calendar days
    assert DigestEmail.objects.filter(recipient=scene.liaison_a).count() == 2


def test_rows_arriving_after_todays_digest_wait_for_tomorrow(scene):
    scene.task(datetime.date(2025, 3, 4))
    generate(MONDAY, at(MONDAY))
    send_due(at(MONDAY, 9, 1))
    scene.task(datetime.date(2025, 3, 5))  # published later the same day, swept by hand
    generate(MONDAY, at(MONDAY, 11))
    send_due(at(MONDAY, 11, 1))
    assert len(sent_to(scene.liaison_a)) == 1  # still one e-mail that day
    tuesday = MONDAY + days(1)
    send_due(at(tuesday, 9, 1))
    assert len(sent_to(scene.liaison_a)) == 2
    assert Reminder.objects.filter(status=S.PENDING).count() == 0


def test_changed_deadline_cancels_the_old_and_reminds_for_the_new(scene):
    task = scene.task(datetime.date(2025, 3, 10))
    generate(MONDAY, at(MONDAY))
    old = Reminder.objects.get()
    # The extension is approved before the reminder goes out.
    task.original_deadline, task.deadline = task.deadline, datetime.date(2025, 3, 24)
    task.save()
    send_due(at(MONDAY, 9, 1))
    assert mail.outbox == []
    old.refresh_from_db()
    assert old.status == S.CANCELLED and "完成时限已变更" in old.last_error
    later = datetime.date(2025, 3, 17)  # five working days before the new date
    generate(later, at(later))
    send_due(at(later, 9, 1))
    [message] = mail.outbox
    assert "完成时限 2025年3月24日" in message.body and "2025年3月10日" not in message.body
    new = Reminder.objects.get(status=S.SENT)
    assert (new.deadline, new.stage) == (datetime.date(2025, 3, 24), "T-5")


def test_done_or_unpublished_tasks_are_cancelled_before_sending(scene):
    done = scene.task(datetime.date(2025, 3, 4))
    withdrawn = scene.task(datetime.date(2025, 3, 5))
    generate(MONDAY, at(MONDAY))
    Task.objects.filter(pk=done.pk).update(status=Task.Status.DONE, completed_at=timezone.now())
    other_plan = factories.make_plan("另一方案", status="archived")
    Task.objects.filter(pk=withdrawn.pk).update(plan=other_plan, order=99)
    send_due(at(MONDAY, 9, 1))
    assert mail.outbox == []
    assert dict(Reminder.objects.values_list("task_id", "last_error")) == {
        done.pk: "任务已办结。",
        withdrawn.pk: "所属方案未发布或已归档。",
    }


def test_report_reminder_cancelled_once_the_report_is_in(scene):
    day = datetime.date(2025, 3, 25)
    task = scene.task(None, deadline_kind=Task.DeadlineKind.ONGOING)
    generate(day, at(day))
    ProgressReport.objects.create(
        task=task, unit=scene.unit_a, author=scene.liaison_a, period=day.replace(day=1), text="本月已推进"
    )
    send_due(at(day, 9, 1))
    assert mail.outbox == []
    assert Reminder.objects.get().last_error == "本月进展已报送。"


def test_manual_reminder_goes_out_at_once_as_its_own_mail(scene):
    task = scene.task(datetime.date(2025, 3, 20), text="推进政务服务“一网通办”")
    # Today's digest already went out; a 催办 still reaches the liaison right away.
    scene.task(datetime.date(2025, 3, 4))
    generate(MONDAY, at(MONDAY))
    send_due(at(MONDAY, 9, 1))
    scene.supervisor.first_name = "王督查"
    scene.supervisor.save()
    Reminder.objects.create(
        task=task,
        unit=scene.unit_a,
        kind=Reminder.Kind.MANUAL,
        stage="manual:abc123",
        deadline=task.deadline,
        recipient=scene.liaison_a,
        message="请于本周五前报送进展<script>",
        due_at=at(MONDAY, 14),
        created_by=scene.supervisor,
    )
    send_due(at(MONDAY, 14, 1))
    mails = sent_to(scene.liaison_a)
    assert len(mails) == 2
    urge = mails[1]
    assert urge.subject == "【催办】推进政务服务“一网通办”"
    assert "王督查于2025年3月3日对以下任务发出催办" in urge.body
    assert "催办意见：请于本周五前报送进展<script>" in urge.body
    assert "请于本周五前报送进展&lt;script&gt;" in urge.alternatives[0][0]
    manual = Reminder.objects.get(kind=Reminder.Kind.MANUAL)
    assert manual.status == S.SENT and manual.digest is None
    assert Notification.objects.filter(
        reminder=manual, user=scene.liaison_a, title__startswith="【催办】"
    ).exists()


def test_manual_reminder_is_not_held_by_a_running_sweep(scene):
    task = scene.task(datetime.date(2025, 3, 4))
    generate(MONDAY, at(MONDAY))
    SweepRun.objects.create(day=MONDAY, started_at=at(MONDAY, 9), status=SweepRun.Status.RUNNING)
    Reminder.objects.create(
        task=task,
        unit=scene.unit_a,
        kind=Reminder.Kind.MANUAL,
        stage="manual:1",
        deadline=task.deadline,
        recipient=scene.liaison_a,
        due_at=at(MONDAY, 9),
        created_by=scene.supervisor,
    )
    stats = send_due(at(MONDAY, 9, 1))
    assert stats.held_for_sweep and stats.manual_sent == 1 and stats.digests_sent == 0
    assert [m.subject[:4] for m in mail.outbox] == ["【催办】"]
    SweepRun.objects.filter(day=MONDAY).update(status=SweepRun.Status.DONE)
    assert send_due(at(MONDAY, 9, 2)).digests_sent == 1


def test_digests_wait_for_a_sweep_that_died_half_way_until_the_catch_up_finishes_it(scene, settings):
    settings.REMINDER_SWEEP_STALE_SECONDS = 60
    first = scene.task(datetime.date(2025, 3, 4))
    generate(MONDAY, at(MONDAY))  # the first half of the day's rows, then the worker died
    second = scene.task(datetime.date(2025, 3, 5))
    SweepRun.objects.create(day=MONDAY, started_at=at(MONDAY, 9), status=SweepRun.Status.RUNNING)
    # Long past stale: still the liaison's digest waits, or the second half would miss today's mail.
    stats = send_due(at(MONDAY, 10))
    assert stats.held_for_sweep and stats.digests_sent == 0 and mail.outbox == []
    assert catch_up(at(MONDAY, 10)).status == "done"
    assert send_due(at(MONDAY, 10, 1)).digests_sent == 1
    [message] = mail.outbox
    assert f"/tasks/{first.pk}/" in message.body and f"/tasks/{second.pk}/" in message.body
    # A stale run of an earlier day does not hold today's mail (the catch-up marks it failed).
    SweepRun.objects.create(day=MONDAY - days(1), started_at=at(MONDAY, 8), status=SweepRun.Status.RUNNING)
    assert not send_due(at(MONDAY, 10, 2)).held_for_sweep


def test_recipients_without_email_get_in_app_notifications_only(scene):
    scene.liaison_a.email = ""
    scene.liaison_a.save()
    scene.task(datetime.date(2025, 3, 4))
    generate(MONDAY, at(MONDAY))
    stats = send_due(at(MONDAY, 9, 1))
    assert stats.in_app_only == 1 and mail.outbox == []
    assert Reminder.objects.get().status == S.SENT
    assert not DigestEmail.objects.exists()
    assert Notification.objects.filter(user=scene.liaison_a).count() == 1


def test_failing_mail_retries_with_backoff_then_fails(scene, policy, settings):
    settings.EMAIL_BACKEND = "tests.reminders.backends.FailingBackend"
    settings.REMINDER_RETRY_BASE_SECONDS = 60
    policy.max_send_attempts = 3
    policy.save()
    scene.task(datetime.date(2025, 3, 4))
    generate(MONDAY, at(MONDAY))
    start = at(MONDAY, 9, 1)

    assert send_due(start).digests_retrying == 1
    digest = DigestEmail.objects.get()
    row = Reminder.objects.get()
    assert (digest.status, digest.attempts, digest.next_attempt_at) == ("pending", 1, start + retry_delay(1))
    assert (row.status, row.attempts) == ("pending", 1)
    assert "模拟邮件服务器故障" in row.last_error and "SMTPServerDisconnected" in digest.last_error
    # In-app delivery does not wait for the mail server.
    assert Notification.objects.filter(user=scene.liaison_a).count() == 1

    assert send_due(start + datetime.timedelta(seconds=30)).digests_retrying == 0  # not yet
    second = start + datetime.timedelta(seconds=61)
    assert send_due(second).digests_retrying == 1
    digest.refresh_from_db()
    assert digest.attempts == 2 and digest.next_attempt_at == second + datetime.timedelta(seconds=120)
    assert send_due(second + datetime.timedelta(seconds=121)).digests_failed == 1

    digest.refresh_from_db()
    row.refresh_from_db()
    assert (digest.status, digest.attempts) == ("failed", 3)
    assert (row.status, row.attempts) == ("failed", 3)
    assert "模拟邮件服务器故障" in row.last_error
    # Failed is final: the mail server coming back does not resend by itself.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    send_due(second + datetime.timedelta(hours=2))
    assert mail.outbox == []
    assert Notification.objects.count() == 1

    # The admin's 重新发送 on the failed digest queues it with its rows: the next pass mails them.
    assert requeue_failed(Reminder.objects.none(), DigestEmail.objects.all()) == 1
    assert send_due(second + datetime.timedelta(hours=3)).digests_sent == 1
    assert [m.to for m in mail.outbox] == [[scene.liaison_a.email]]
    assert set(Reminder.objects.values_list("status", "attempts")) == {(S.SENT, 1)}


def test_backoff_doubles_and_is_capped(settings):
    settings.REMINDER_RETRY_BASE_SECONDS = 60
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert retry_delay(20) == datetime.timedelta(hours=1)


def test_a_sender_that_dies_mid_send_is_taken_over_after_the_claim_timeout(scene, settings):
    settings.REMINDER_CLAIM_TIMEOUT_SECONDS = 300
    scene.task(datetime.date(2025, 3, 4))
    generate(MONDAY, at(MONDAY))
    settings.EMAIL_BACKEND = "tests.reminders.backends.CrashingBackend"
    with pytest.raises(SystemExit):
        send_due(at(MONDAY, 9, 1))
    assert DigestEmail.objects.get().status == "sending"
    assert Reminder.objects.get().status == S.SENDING

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    send_due(at(MONDAY, 9, 2))  # the claim is still fresh: nobody else touches it
    assert mail.outbox == []
    stats = send_due(at(MONDAY, 9, 7))  # past the timeout: reclaimed and sent, once
    assert stats.reclaimed == 2 and stats.digests_sent == 1
    assert len(mail.outbox) == 1
    digest = DigestEmail.objects.get()
    assert digest.status == "sent" and digest.attempts == 2
    send_due(at(MONDAY, 9, 20))
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_senders_send_each_digest_once(scene):
    liaisons = [scene.liaison_a, scene.liaison_b]
    for n in range(8):
        unit = factories.make_unit(f"测试区{n}局")
        liaisons.append(factories.make_liaison(f"liaison_{n}", unit))
        scene.task(datetime.date(2025, 3, 4), unit, scene.group)
    generate(MONDAY, at(MONDAY))
    barrier = threading.Barrier(3)
    errors = []

    def send():
        try:
            barrier.wait(timeout=10)
            send_due(at(MONDAY, 9, 1))
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted(user.email for user in liaisons)
    assert DigestEmail.objects.filter(status="sent").count() == len(liaisons)
    assert set(Reminder.objects.values_list("status", flat=True)) == {S.SENT}
    assert Notification.objects.count() == len(liaisons)  # one in-app notice per digest


def _liaisons_with_tasks_due(scene, count: int) -> list:
    liaisons = []
    for n in range(count):
        unit = factories.make_unit(f"测试区{n}局")
        liaisons.append(factories.make_liaison(f"liaison_{n}", unit))
        scene.task(datetime.date(2025, 3, 4), unit)
    return liaisons


@pytest.mark.django_db(transaction=True)  # the settling connection sees the rows
def test_a_batchs_rows_settle_beside_the_next_batch_on_postgresql(scene, settings, monkeypatch):
    settings.REMINDER_DIGEST_BATCH = 2
    _liaisons_with_tasks_due(scene, 5)
    generate(MONDAY, at(MONDAY))
    settled_by: list[str] = []
    settle = Sender._settle_sent

    def spied(self, sent, token):
        settled_by.append(threading.current_thread().name)
        return settle(self, sent, token)

    monkeypatch.setattr(Sender, "_settle_sent", spied)
    stats = send_due(at(MONDAY, 9, 1))

    assert stats.digests_sent == 5
    expected = "settle" if connection.vendor == "postgresql" else threading.current_thread().name
    assert settled_by == [expected] * 3  # batches of 2, 2 and 1 digests
    # Every row is settled when the pass returns, with its digest's time and count of tries.
    settled = Reminder.objects.values_list(
        "status", "sent_at", "attempts", "digest__sent_at", "digest__attempts"
    )
    assert {
        (status, sent_at == digest_at, tries == digest_tries)
        for status, sent_at, tries, digest_at, digest_tries in settled
    } == {(S.SENT, True, True)}


@pytest.mark.django_db(transaction=True)
def test_a_failed_settle_beside_is_raised_by_the_pass(scene, settings, monkeypatch):
    settings.REMINDER_DIGEST_BATCH = 2
    _liaisons_with_tasks_due(scene, 3)
    generate(MONDAY, at(MONDAY))

    def broken(self, sent, token):
        raise RuntimeError("数据库写入失败")

    monkeypatch.setattr(Sender, "_settle_sent", broken)
    with pytest.raises(RuntimeError, match="数据库写入失败"):
        send_due(at(MONDAY, 9, 1))
    assert "settle" not in {thread.name for thread in threading.enumerate()}  # waited for, not left running


def test_rows_of_a_sent_digest_are_settled_not_resent_after_a_crash(scene):
    scene.task(datetime.date(2025, 3, 4))
    scene.task(datetime.date(2025, 3, 5))
    generate(MONDAY, at(MONDAY))
    send_due(at(MONDAY, 9, 1))
    assert len(mail.outbox) == 1
    # The crash window after the digest was recorded as sent but before its rows were: the digest
    # row is the record of delivery, so the rows are settled as sent, never queued again.
    digest = DigestEmail.objects.get()
    Reminder.objects.update(status=S.SENDING, sent_at=None, claimed_at=at(MONDAY, 9, 1))
    stats = send_due(at(MONDAY, 9, 30))
    assert stats.digests_sent == 0 and len(mail.outbox) == 1
    assert set(Reminder.objects.values_list("status", "sent_at")) == {(S.SENT, digest.sent_at)}


def test_a_long_digest_lists_fifty_tasks_per_section_and_counts_the_rest(scene):
    for n in range(53):
        scene.task(datetime.date(2025, 3, 4), text=f"第{n}项任务")
    generate(MONDAY, at(MONDAY))
    send_due(at(MONDAY, 9, 1))
    [message] = mail.outbox
    assert "二、即将到期（53 项）" in message.body or "一、即将到期（53 项）" in message.body
    assert message.body.count("查看：") == 50
    assert "另有 3 项未列出，请登录系统查看。" in message.body
    [note] = Notification.objects.filter(user=scene.liaison_a)
    assert note.body == "即将到期（53 项）：第0项任务；第1项任务；第2项任务等"


def digest_in_flight(recipient, tried_at: datetime.datetime) -> DigestEmail:
    """Today's digest as sender "sender-a" left it while trying it once, from ``tried_at``."""
    return DigestEmail.objects.create(
        recipient=recipient,
        day=MONDAY,
        status="sending",
        claim_token="sender-a",
        claimed_at=tried_at,
        attempt_started_at=tried_at,
        attempts=1,
    )


def test_a_digests_rows_follow_its_state_not_their_own_claims_age(scene, settings):
    """A digest's rows are not written as its tries start, so their claim may look old while the
    digest is being sent: another sender's reclaim must leave them to it, then settle them as sent."""
    settings.REMINDER_CLAIM_TIMEOUT_SECONDS = 300
    scene.task(datetime.date(2025, 3, 4))
    scene.task(datetime.date(2025, 3, 5))
    generate(MONDAY, at(MONDAY))
    digest = digest_in_flight(scene.liaison_a, at(MONDAY, 9, 20))  # refreshed as its try started
    rows = Reminder.objects.filter(recipient=scene.liaison_a)
    assert rows.count() == 2
    rows.update(status=S.SENDING, claim_token="sender-a", claimed_at=at(MONDAY, 9, 1), digest=digest)

    assert reclaim_stuck(at(MONDAY, 9, 21), 5) == 0  # in flight: nothing is taken
    assert set(rows.values_list("status", "claim_token")) == {(S.SENDING, "sender-a")}

    DigestEmail.objects.filter(pk=digest.pk).update(status="sent", sent_at=at(MONDAY, 9, 21))
    reclaim_stuck(at(MONDAY, 9, 22), 5)  # its sender died before settling its batch
    assert set(rows.values_list("status", "sent_at", "attempts")) == {(S.SENT, at(MONDAY, 9, 21), 1)}


def test_rows_of_a_digest_queued_again_wait_with_it(scene, settings):
    settings.REMINDER_CLAIM_TIMEOUT_SECONDS = 300
    scene.task(datetime.date(2025, 3, 4))
    generate(MONDAY, at(MONDAY))
    digest = digest_in_flight(scene.liaison_a, at(MONDAY, 9, 0))
    row = Reminder.objects.get(recipient=scene.liaison_a)
    Reminder.objects.filter(pk=row.pk).update(
        status=S.SENDING, claim_token="sender-a", claimed_at=at(MONDAY, 9, 4), digest=digest
    )
    # The digest's claim expired (its sender died mid-try): queued again, and its row with it,
    # though the row's own claim is younger than the timeout.
    assert reclaim_stuck(at(MONDAY, 9, 6), 5) == 2
    row.refresh_from_db()
    digest.refresh_from_db()
    assert (digest.status, digest.attempts) == ("pending", 1)
    assert (row.status, row.claim_token, row.attempts, row.last_error) == (
        S.PENDING,
        "",
        1,
        digest.last_error,
    )
    assert send_due(at(MONDAY, 9, 7)).digests_sent == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == (S.SENT, 2)


def test_the_pass_runs_with_garbage_collection_paused_and_restores_it(scene, monkeypatch):
    scene.task(datetime.date(2025, 3, 4))
    generate(MONDAY, at(MONDAY))
    during = []
    send_one = Sender._send_one

    def spying(self, *args, **kwargs):
        during.append(gc.isenabled())
        return send_one(self, *args, **kwargs)

    monkeypatch.setattr(Sender, "_send_one", spying)
    assert gc.isenabled()
    send_due(at(MONDAY, 9, 1))

    assert during == [False] and len(mail.outbox) == 1
    assert gc.isenabled()
