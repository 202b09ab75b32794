"""The sender's hand-written single-row UPDATEs store what QuerySet.update would, and only while
the claim (or the robot's slot) allows it."""

from __future__ import annotations

import datetime

import pytest
from django.db.models import F, Q
from django.utils import timezone

from obligations.models import DigestEmail, Robot
from obligations.reminders.item_update import ADD_ONE, take_slot, update_claimed

from .. import factories

pytestmark = pytest.mark.django_db

STAMP = timezone.make_aware(datetime.datetime(2025, 3, 3, 9, 1, 2, 345678))
FIELDS = [
    "status",
    "attempts",
    "attempt_started_at",
    "claimed_at",
    "sent_at",
    "last_error",
    "next_attempt_at",
    "subject",
]


def claimed_digest(username: str, token: str) -> DigestEmail:
    return DigestEmail.objects.create(
        recipient=factories.make_user(username),
        day=datetime.date(2025, 3, 3),
        status=DigestEmail.Status.SENDING,
        claim_token=token,
        attempts=2,
        last_error="上次失败",
        next_attempt_at=STAMP,
    )


def stored(digest: DigestEmail) -> list:
    return list(DigestEmail.objects.filter(pk=digest.pk).values_list(*FIELDS).get())


def test_update_claimed_stores_what_the_orm_stores():
    ours, theirs = claimed_digest("u1", "t1"), claimed_digest("u2", "t2")
    start = {"attempt_started_at": STAMP, "claimed_at": STAMP}
    done = {
        "status": "sent",
        "sent_at": STAMP,
        "last_error": "",
        "next_attempt_at": None,
        "subject": "主题 <&>",
    }

    assert update_claimed(DigestEmail, ours.pk, "t1", "sending", {"attempts": ADD_ONE, **start}) == 1
    DigestEmail.objects.filter(pk=theirs.pk).update(attempts=F("attempts") + 1, **start)
    assert update_claimed(DigestEmail, ours.pk, "t1", "sending", done) == 1
    DigestEmail.objects.filter(pk=theirs.pk).update(**done)

    assert stored(ours) == stored(theirs)
    assert stored(ours) == ["sent", 3, STAMP, STAMP, STAMP, "", None, "主题 <&>"]


@pytest.mark.parametrize("token, status", [("someone-else", "sending"), ("t1", "pending")])
def test_update_claimed_changes_nothing_without_the_claim(token, status):
    digest = claimed_digest("u1", "t1")
    DigestEmail.objects.filter(pk=digest.pk).update(status=status, claim_token=token)
    before = stored(digest)

    changed = update_claimed(
        DigestEmail, digest.pk, "t1", "sending", {"attempts": ADD_ONE, "last_error": "x"}
    )

    assert changed == 0
    assert stored(digest) == before


def test_take_slot_takes_a_free_or_past_slot_only():
    robot = Robot.objects.create(unit=factories.make_unit(), kind=Robot.Kind.WECOM, key="k")
    now = STAMP
    later = now + datetime.timedelta(seconds=3)

    assert take_slot(Robot, robot.pk, "next_send_at", now, later) is True  # empty: taken
    assert Robot.objects.get(pk=robot.pk).next_send_at == later
    assert take_slot(Robot, robot.pk, "next_send_at", now, later + later.resolution) is False
    assert Robot.objects.get(pk=robot.pk).next_send_at == later  # still taken: unchanged
    assert take_slot(Robot, robot.pk, "next_send_at", later, later + datetime.timedelta(seconds=3)) is True
    # The ORM's filter agrees on which robots had a free slot at ``later``.
    free = Q(next_send_at__isnull=True) | Q(next_send_at__lte=later)
    assert not Robot.objects.filter(free).exists()
