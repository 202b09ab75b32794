"""Which chat and SMS messages the reminders make: Delivery rows, planned set-based and idempotently.

A day's digests are planned by the sweep once its rows are written (``plan_digests``): one per
(channel, person, day) for people with the address and the channel on, one per (channel, robot, day)
for units with an enabled group robot; a 催办 plans its own when it is made (``plan_manual``).
Every insert is ``INSERT … ON CONFLICT DO NOTHING`` under the Delivery unique constraints, so a
sweep run twice (or resumed after a crash) plans nothing twice. Queries: a handful per call, not per
row or person.

Who gets what:
- 企业微信应用消息 / 短信: a liaison when one of the units their reminders are for has the channel on
  (单位提醒渠道) and they have a 企业微信 account / mobile (联系方式); a supervisor's escalations go on
  every channel they have an address for; the 企业微信 application / SMS gateway must be enabled.
- group robots: a unit's enabled robot gets the unit's liaison reminders (overdue, due soon,
  progress report) of the day, or the unit's part of a 催办.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.utils import timezone

from ..models import Contact, Delivery, Reminder, Robot, SmsGateway, UnitChannels, WecomApp
from .sql import adapter, insert_ignoring_conflicts

Kind = Reminder.Kind
Channel = Delivery.Channel
AUTO_KINDS = [Kind.DUE_SOON, Kind.OVERDUE, Kind.ESCALATION, Kind.REPORT_DUE]
LIAISON_KINDS = [Kind.DUE_SOON, Kind.OVERDUE, Kind.REPORT_DUE]
LIVE = [Reminder.Status.PENDING, Reminder.Status.SENDING, Reminder.Status.SENT, Reminder.Status.FAILED]
ROBOT_CHANNELS = {Robot.Kind.WECOM: Channel.WECOM_ROBOT, Robot.Kind.DINGTALK: Channel.DINGTALK}
COLUMNS = ["channel", "recipient", "robot", "unit", "day", "reminder", "stage"]


def day_window(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The local day as [start, end) aware datetimes: a digest carries the rows written that day."""
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)
    return start, datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)


def personal_channels() -> list[str]:
    """The personal channels whose account is set up and enabled."""
    on = []
    app = WecomApp.objects.filter(pk=1).first()  # read only: planning never creates settings
    if app is not None and app.ready:
        on.append(Channel.WECOM_APP)
    gateway = SmsGateway.objects.filter(pk=1).first()
    if gateway is not None and gateway.ready:
        on.append(Channel.SMS)
    return on


def _addresses(user_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    found: dict[int, dict[str, str]] = {}
    for user_id, userid, mobile in Contact.objects.filter(
        user_id__in=list(user_ids), user__is_active=True
    ).values_list("user_id", "wecom_userid", "mobile"):
        found[user_id] = {Channel.WECOM_APP: userid.strip(), Channel.SMS: mobile.strip()}
    return found


def _switches(unit_ids: Iterable[int]) -> dict[int, set[str]]:
    switches: dict[int, set[str]] = {}
    for unit_id, wecom_app, sms in UnitChannels.objects.filter(unit_id__in=list(unit_ids)).values_list(
        "unit_id", "wecom_app", "sms"
    ):
        switches[unit_id] = {c for c, on in ((Channel.WECOM_APP, wecom_app), (Channel.SMS, sms)) if on}
    return switches


def _robots(unit_ids: Iterable[int]) -> list[tuple[int, int, str]]:
    """(robot id, unit id, channel) of the enabled robots of these units that have a webhook."""
    return [
        (pk, unit_id, ROBOT_CHANNELS[kind])
        for pk, unit_id, kind in Robot.objects.filter(unit_id__in=list(unit_ids), enabled=True)
        .exclude(fingerprint="")
        .values_list("pk", "unit_id", "kind")
    ]


def _insert(rows: list[tuple], now: datetime.datetime) -> int:
    adapt = adapter()
    stamp = adapt(now)
    return insert_ignoring_conflicts(
        Delivery,
        COLUMNS,
        [(c, r, b, u, adapt(d) if d else None, m, s) for c, r, b, u, d, m, s in sorted(rows, key=str)],
        constants={
            "status": Delivery.Status.PENDING.value,
            "attempts": 0,
            "claim_token": "",
            "last_error": "",
            "answer": "",
            "due_at": stamp,
            "created_at": stamp,
        },
    )


def plan_digests(now: datetime.datetime) -> int:
    """Plan the chat and SMS digests of the rows written today; returns how many are new."""
    day = timezone.localdate(now)
    start, end = day_window(day)
    pairs = set(
        Reminder.objects.filter(kind__in=AUTO_KINDS, status__in=LIVE, due_at__gte=start, due_at__lt=end)
        .values_list("recipient_id", "unit_id", "kind")
        .distinct()
    )
    if not pairs:
        return 0
    rows: list[tuple] = []
    channels = personal_channels()
    if channels:
        switches = _switches({unit for _, unit, _ in pairs})
        wanted: dict[int, set[str]] = defaultdict(set)
        for recipient, unit, kind in pairs:
            wanted[recipient] |= set(channels) if kind == Kind.ESCALATION else switches.get(unit, set())
        addresses = _addresses(wanted)
        for recipient, on in wanted.items():
            for channel in sorted(on & set(channels)):
                if addresses.get(recipient, {}).get(channel):
                    rows.append((channel, recipient, None, None, day, None, ""))
    liaison_units = {unit for _, unit, kind in pairs if kind != Kind.ESCALATION}
    for robot, unit, channel in _robots(liaison_units):
        rows.append((channel, None, robot, unit, day, None, ""))
    return _insert(rows, now)


def plan_manual(rows: list[Reminder], now: datetime.datetime | None = None) -> int:
    """Plan the chat and SMS messages of new 催办 rows: one per person, request and personal channel
    (like the e-mail: a person's tasks of one request make one message, carried by its first row),
    and one per robot of each reminded unit for the request."""
    now = now or timezone.now()
    if not rows:
        return 0
    planned: list[tuple] = []
    channels = personal_channels()
    if channels:
        switches = _switches({row.unit_id for row in rows})
        addresses = _addresses({row.recipient_id for row in rows})
        planned_for: set[tuple[str, int, str]] = set()
        for row in sorted(rows, key=lambda row: row.pk):
            for channel in channels:
                key = (channel, row.recipient_id, row.stage)
                if (
                    key not in planned_for
                    and channel in switches.get(row.unit_id, set())
                    and addresses.get(row.recipient_id, {}).get(channel)
                ):
                    planned_for.add(key)
                    planned.append((channel, row.recipient_id, None, row.unit_id, None, row.pk, row.stage))
    stages = {row.unit_id: row.stage for row in rows}
    for robot, unit, channel in _robots(stages):
        planned.append((channel, None, robot, unit, None, None, stages[unit]))
    return _insert(planned, now)
