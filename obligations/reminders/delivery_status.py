"""Where each reminder stands on each channel, in the words the pages use: 已发送 / 重试中 /
发送失败（原因） (and 待发送, 发送中, 已取消). Two queries for any number of rows.

E-mail is the row's own state (a digest row follows its digest); in-app is the notification;
企业微信/短信 the person's Delivery for the row's day (or for the 催办 row); the group robots the
unit's Delivery for the day (or for the 催办 request).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from ..models import Delivery, Notification, Reminder

C = Delivery.Channel
COLUMNS = [("email", "邮件"), ("in_app", "站内"), *[(c.value, c.label) for c in C]]
LIAISON_KINDS = {Reminder.Kind.DUE_SOON, Reminder.Kind.OVERDUE, Reminder.Kind.REPORT_DUE}


@dataclass(frozen=True)
class State:
    text: str
    css: str  # sent, retrying, failed, waiting, cancelled
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.text}（{self.detail}）" if self.detail else self.text


NONE = State("—", "none")


def state_of(status: str, attempts: int, error: str) -> State:
    if status == "sent":
        return State("已发送", "sent")
    if status == "failed":
        return State("发送失败", "failed", error)
    if status == "cancelled":
        return State("已取消", "cancelled", error)
    if status == "sending":
        return State("发送中", "waiting")
    if attempts:
        return State("重试中", "retrying", error)
    return State("待发送", "waiting")


def _noticed(rows: list[Reminder], manual: list[Reminder]) -> Callable[[Reminder], bool]:
    """Whether a row's in-app notice is out. One notice carries a person's day (keyed by a row of
    their digest) or their part of a 催办 (keyed by its first row); a person without e-mail has
    their rows' notice written as the rows are marked sent."""
    wanted = Q(reminder_id__in=[row.pk for row in rows]) | Q(
        reminder__digest_id__in={row.digest_id for row in rows if row.digest_id}
    )
    if manual:
        wanted |= Q(
            reminder__kind=Reminder.Kind.MANUAL,
            reminder__stage__in={row.stage for row in manual},
            reminder__recipient_id__in={row.recipient_id for row in manual},
        )
    found = Notification.objects.filter(wanted).values_list(
        "reminder_id", "reminder__digest_id", "reminder__kind", "reminder__stage", "reminder__recipient_id"
    )
    ids, digests, requests = set(), set(), set()
    for pk, digest_id, kind, stage, recipient_id in found:
        ids.add(pk)
        digests.add(digest_id)
        if kind == Reminder.Kind.MANUAL:
            requests.add((stage, recipient_id))

    def noticed(row: Reminder) -> bool:
        return (
            row.pk in ids
            or (row.digest_id is not None and row.digest_id in digests)
            or (row.kind == Reminder.Kind.MANUAL and (row.stage, row.recipient_id) in requests)
            or (row.status == "sent" and not row.recipient.email)
        )

    return noticed


def states_for(rows: list[Reminder]) -> dict[int, list[State]]:
    """For each row (with recipient loaded), its State per COLUMNS."""
    if not rows:
        return {}
    days = {timezone.localdate(row.due_at) for row in rows}
    manual = [row for row in rows if row.kind == Reminder.Kind.MANUAL]
    noticed = _noticed(rows, manual)
    wanted = (
        Q(reminder_id__in=[row.pk for row in manual])
        | Q(recipient_id__in={row.recipient_id for row in rows}, day__in=days)
        | Q(robot__isnull=False, unit_id__in={row.unit_id for row in rows}, day__in=days)
        | Q(robot__isnull=False, stage__in={row.stage for row in manual})
        | Q(robot__isnull=True, recipient_id__in={row.recipient_id for row in manual}, day__isnull=True)
    )
    by_key: dict[tuple, Delivery] = {}
    for item in Delivery.objects.filter(wanted).only(
        "channel",
        "status",
        "attempts",
        "last_error",
        "reminder_id",
        "recipient_id",
        "robot_id",
        "unit_id",
        "day",
        "stage",
    ):
        if item.reminder_id and item.stage:  # a 催办 request's one message to a person
            key = ("asked", item.stage, item.recipient_id, item.channel)
        elif item.reminder_id:
            key = ("row", item.reminder_id, item.channel)
        elif item.day and item.recipient_id:
            key = ("person", item.recipient_id, item.day, item.channel)
        elif item.day:
            key = ("unit", item.unit_id, item.day, item.channel)
        else:
            key = ("request", item.unit_id, item.stage, item.channel)
        by_key[key] = item
    result: dict[int, list[State]] = defaultdict(list)
    for row in rows:
        day = timezone.localdate(row.due_at)
        email = state_of(row.status, row.attempts, row.last_error) if row.recipient.email else NONE
        if row.status == "cancelled":
            in_app = State("已取消", "cancelled", row.last_error)
        else:
            in_app = State("已发送", "sent") if noticed(row) else State("待发送", "waiting")
        states = [email, in_app]
        for channel in C:
            robot = channel in (C.WECOM_ROBOT, C.DINGTALK)
            if row.kind == Reminder.Kind.MANUAL:
                if robot:
                    key = ("request", row.unit_id, row.stage, channel)
                elif ("asked", row.stage, row.recipient_id, channel) in by_key:
                    key = ("asked", row.stage, row.recipient_id, channel)
                else:
                    key = ("row", row.pk, channel)
            elif robot:
                key = ("unit", row.unit_id, day, channel) if row.kind in LIAISON_KINDS else None
            else:
                key = ("person", row.recipient_id, day, channel)
            item = by_key.get(key) if key else None
            states.append(state_of(item.status, item.attempts, item.last_error) if item else NONE)
        result[row.pk] = states
    return result
