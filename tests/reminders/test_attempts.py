"""Attempt accounting: a try is counted when a send starts, never for a claim alone.

A sender claims digests (and 催办 rows) in batches; one that dies mid-batch has tried at most
the message it was handing over. After the claim timeout the rest go back to the queue as they
were, the interrupted one as one (already counted) try, and the error text says what happened.
"""

from __future__ import annotations

import datetime

import pytest
from django.core import mail

from obligations.models import DigestEmail, Reminder
from obligations.reminders import generate, send_due
from obligations.reminders.outbox import reclaim_stuck, retry_delay

from .. import factories
from . import backends
from .conftest import MONDAY, at

S = Reminder.Status
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"
REQUEUED = "发送中断（进程退出或超时），已重新排队。"


def liaisons_with_a_task_due(scene, count: int) -> list[str]:
    """``count`` liaisons of their own units, each with one task due tomorrow; their addresses."""
    emails = []
    for n in range(count):
        unit = factories.make_unit(f"测试区{n}局")
        emails.append(factories.make_liaison(f"liaison_{n}", unit).email)
        scene.task(datetime.date(2025, 3, 4), unit)
    return emails


def by_recipient(model, *fields: str) -> dict[str, tuple]:
    rows = model.objects.values_list("recipient__email", *fields)
    return {email: tuple(values) for email, *values in rows}


@pytest.fixture
def crashing(settings):
    """The process dies while handing its first message to the mail server."""
    backends.tried.clear()
    settings.EMAIL_BACKEND = "tests.reminders.backends.CrashingBackend"
    settings.REMINDER_CLAIM_TIMEOUT_SECONDS = 300
    yield backends.tried
    backends.tried.clear()


def test_claimed_digests_never_tried_go_back_without_a_charge(scene, settings, crashing):
    emails = liaisons_with_a_task_due(scene, 4)
    generate(MONDAY, at(MONDAY))
    with pytest.raises(SystemExit):
        send_due(at(MONDAY, 9, 1))
    [tried] = crashing  # the whole batch was claimed; one digest was being handed over
    assert DigestEmail.objects.filter(status="sending").count() == 4

    assert reclaim_stuck(at(MONDAY, 9, 7), 5) == 8  # four digests and their four rows
    untried = {email: ("pending", 0, "") for email in emails if email != tried}
    assert by_recipient(DigestEmail, "status", "attempts", "last_error") == {
        tried: ("pending", 1, REQUEUED),
        **untried,
    }
    assert by_recipient(Reminder, "status", "attempts", "last_error") == {
        tried: ("pending", 1, REQUEUED),
        **untried,
    }

    settings.EMAIL_BACKEND = LOCMEM
    assert send_due(at(MONDAY, 9, 8)).digests_sent == 4
    assert sorted(m.to[0] for m in mail.outbox) == sorted(emails)
    expected = {email: ("sent", 2 if email == tried else 1, "") for email in emails}
    assert by_recipient(DigestEmail, "status", "attempts", "last_error") == expected
    assert by_recipient(Reminder, "status", "attempts", "last_error") == expected


def test_at_the_last_try_an_untried_claim_stays_queued_and_an_interrupted_try_fails(
    scene, policy, settings, crashing
):
    policy.max_send_attempts = 2
    policy.save()
    settings.REMINDER_RETRY_BASE_SECONDS = 60
    emails = liaisons_with_a_task_due(scene, 3)
    generate(MONDAY, at(MONDAY))
    settings.EMAIL_BACKEND = "tests.reminders.backends.FailingBackend"
    assert send_due(at(MONDAY, 9, 1)).digests_retrying == 3  # first try: the server is down
    failure = "SMTPServerDisconnected: 模拟邮件服务器故障：连接被拒绝"

    settings.EMAIL_BACKEND = "tests.reminders.backends.CrashingBackend"
    with pytest.raises(SystemExit):
        send_due(at(MONDAY, 9, 3))  # second and last try: the process dies handing over one
    [tried] = crashing

    reclaim_stuck(at(MONDAY, 9, 9), policy.max_send_attempts)
    final = "发送中断，已达最多发送次数（2 次）。"
    others = [email for email in emails if email != tried]
    # The interrupted try was the policy's last: failed, and the text says so. The others were
    # claimed but never tried: still one try each, queued, showing their last real error.
    expected = {tried: ("failed", 2, final), **{email: ("pending", 1, failure) for email in others}}
    assert by_recipient(DigestEmail, "status", "attempts", "last_error") == expected
    assert by_recipient(Reminder, "status", "attempts", "last_error") == expected

    settings.EMAIL_BACKEND = LOCMEM
    assert send_due(at(MONDAY, 9, 10)).digests_sent == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted(others)
    assert DigestEmail.objects.get(recipient__email=tried).status == "failed"


def manual(scene, recipient, stage: str) -> Reminder:
    task = scene.task(datetime.date(2025, 3, 20), text=f"催办任务{stage}")
    return Reminder.objects.create(
        task=task,
        unit=scene.unit_a,
        kind=Reminder.Kind.MANUAL,
        stage=f"manual:{stage}",
        deadline=task.deadline,
        recipient=recipient,
        due_at=at(MONDAY, 9),
        created_by=scene.supervisor,
    )


def test_manual_reminders_claimed_but_never_tried_are_not_charged(scene, settings, crashing):
    rows = [manual(scene, user, str(n)) for n, user in enumerate([scene.liaison_a, scene.liaison_b])]
    rows.append(manual(scene, scene.supervisor, "2"))
    with pytest.raises(SystemExit):
        send_due(at(MONDAY, 9, 1))
    [tried] = crashing
    assert set(Reminder.objects.values_list("status", flat=True)) == {S.SENDING}

    reclaim_stuck(at(MONDAY, 9, 7), 5)
    expected = {
        row.recipient.email: ("pending", 1, REQUEUED) if row.recipient.email == tried else ("pending", 0, "")
        for row in rows
    }
    assert by_recipient(Reminder, "status", "attempts", "last_error") == expected

    settings.EMAIL_BACKEND = LOCMEM
    assert send_due(at(MONDAY, 9, 8)).manual_sent == 3
    assert by_recipient(Reminder, "status", "attempts") == {
        row.recipient.email: ("sent", 2 if row.recipient.email == tried else 1) for row in rows
    }


def test_a_row_claimed_for_in_app_delivery_and_left_behind_is_not_charged(scene):
    scene.task(datetime.date(2025, 3, 4))
    generate(MONDAY, at(MONDAY))
    # A sender claimed it (no e-mail involved yet) and died before writing anything else.
    Reminder.objects.update(status=S.SENDING, claim_token="dead", claimed_at=at(MONDAY, 9, 1))
    assert reclaim_stuck(at(MONDAY, 9, 7), 5) == 1
    assert Reminder.objects.values_list("status", "attempts", "last_error", "claim_token").get() == (
        S.PENDING,
        0,
        "",
        "",
    )


def test_the_try_is_counted_before_the_hand_over_and_only_then(scene, settings):
    backends.seen.clear()
    settings.EMAIL_BACKEND = "tests.reminders.backends.InspectingBackend"
    scene.task(datetime.date(2025, 2, 26))  # overdue: the liaison's digest has two rows
    scene.task(datetime.date(2025, 3, 4))
    generate(MONDAY, at(MONDAY))
    manual(scene, scene.liaison_b, "x")
    send_due(at(MONDAY, 9, 1))
    # What the database said while each message was with the mail server: a started, counted try
    # (on the digest: its rows are not rewritten for each try, they take its count when it ends).
    assert sorted(backends.seen, key=lambda s: (s["kind"], len(s["rows"]))) == [
        {"kind": "digest", "status": "sending", "attempts": 1, "started": True, "rows": [0]},  # supervisor
        {"kind": "digest", "status": "sending", "attempts": 1, "started": True, "rows": [0, 0]},
        {"kind": "reminder", "status": "sending", "attempts": 1, "started": True, "rows": []},
    ]
    # Success does not count it again.
    assert set(DigestEmail.objects.values_list("status", "attempts")) == {("sent", 1)}
    assert set(Reminder.objects.values_list("status", "attempts")) == {(S.SENT, 1)}
    backends.seen.clear()


@pytest.mark.parametrize(
    ("backend", "error"),
    [
        ("FailingBackend", "SMTPServerDisconnected: 模拟邮件服务器故障：连接被拒绝"),
        ("UnreachableBackend", "ConnectionRefusedError: [Errno 111] 模拟邮件服务器无法连接"),
    ],
)
def test_a_failed_try_is_charged_exactly_once(scene, policy, settings, backend, error):
    settings.EMAIL_BACKEND = f"tests.reminders.backends.{backend}"
    settings.REMINDER_RETRY_BASE_SECONDS = 60
    scene.task(datetime.date(2025, 3, 4))
    generate(MONDAY, at(MONDAY))
    manual(scene, scene.liaison_b, "x")
    start = at(MONDAY, 9, 1)
    stats = send_due(start)
    assert (stats.digests_retrying, stats.manual_retrying) == (1, 1)
    retry = start + retry_delay(1)
    assert set(DigestEmail.objects.values_list("status", "attempts", "last_error", "next_attempt_at")) == {
        ("pending", 1, error, retry)
    }
    assert set(Reminder.objects.values_list("status", "attempts", "last_error", "next_attempt_at")) == {
        (S.PENDING, 1, error, retry)
    }
    # The last try fails for good with the server's own words, still counted once.
    policy.max_send_attempts = 2
    policy.save()
    stats = send_due(retry)
    assert (stats.digests_failed, stats.manual_failed) == (1, 1)
    assert set(DigestEmail.objects.values_list("status", "attempts", "last_error", "next_attempt_at")) == {
        ("failed", 2, error, None)
    }
    assert set(Reminder.objects.values_list("status", "attempts", "last_error", "next_attempt_at")) == {
        (S.FAILED, 2, error, None)
    }
