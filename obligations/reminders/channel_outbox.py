"""The sender's chat and SMS lanes: Delivery rows claimed a batch at a time and sent through their
channel (obligations.reminders.channels), with the claim and attempt rules of every outbox item
(obligations.reminders.attempts).

Per batch: one claim UPDATE, one query for what the batch's messages say (the day's rows of its
people, units or 催办), one for addresses, one for robots; then per message the try's own
statements (re-confirm and count, record the outcome). A robot message first takes the robot's
next free slot (``Robot.next_send_at``, a conditional UPDATE, ``ROBOT_MESSAGES_PER_MINUTE``): when
the slot is taken the message goes back to the queue for that time, untried and uncharged, so the
vendor's rate limit is kept by spacing, never by failing. A vendor's own rate-limit answer pushes
the slot out as far as the vendor said (钉钉: ten minutes).

The crash window is the e-mail one, for every channel alike: a process that dies after the vendor
accepted a message and before "sent" is committed sends it again after the claim timeout (the
same X-Tracker-Message-Id header, and the same {message_id} for SMS gateways that take one).
"""

from __future__ import annotations

import datetime
import logging
import uuid
from collections import OrderedDict, defaultdict
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from ..models import Contact, Delivery, Membership, Reminder, Robot, SmsGateway, WecomApp
from . import channel_text
from .attempts import Outcome, claim
from .channels.base import Channel, Outgoing, SendError
from .channels.dingtalk import DingtalkRobotChannel
from .channels.http_client import Http
from .channels.sms import SmsChannel
from .channels.wecom import WecomAppChannel, WecomRobotChannel
from .delivery_plan import AUTO_KINDS, LIAISON_KINDS, day_window
from .digest_rows import summarise
from .item_update import take_slot
from .lines import load_lines, stale_reason
from .messages import Line

if TYPE_CHECKING:
    from .outbox import Sender

logger = logging.getLogger(__name__)

C = Delivery.Channel
S = Delivery.Status
PERSONAL_LANES = [C.WECOM_APP, C.SMS]
ROBOT_LANES = [C.WECOM_ROBOT, C.DINGTALK]
LANES = PERSONAL_LANES + ROBOT_LANES
NOTHING_LEFT = "提醒均已取消或任务已办结，无需发送。"
DAY_ROWS_KEPT = 4  # batches' worth of people and units whose rows a pass keeps for the next lane


def message_id(pk: int) -> str:
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<tracker-delivery-{pk}@{host}>"


class ChannelSender:
    """The chat and SMS part of one sending pass (owned by outbox.Sender)."""

    def __init__(self, sender: Sender) -> None:
        self.sender = sender
        self._http: Http | None = None
        self._app: WecomAppChannel | None = None
        self._sms: SmsChannel | None = None
        # The day's rows of recently sent people and units: lanes take turns a batch at a time, so
        # the 企业微信 and SMS lanes (and the two robot lanes) read each person's (unit's) rows once.
        self._day_rows: OrderedDict[tuple[str, int, datetime.date], list[Line]] = OrderedDict()

    @property
    def http(self) -> Http:
        if self._http is None:
            self._http = Http()
        return self._http

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    # --- the lanes ---------------------------------------------------------------------------------

    def send_manual(self) -> None:
        """催办 on every channel; never held for a running sweep."""
        for channel in LANES:
            while self.batch(channel, manual_only=True):
                pass

    def batch(self, channel: str, manual_only: bool = False) -> bool:
        """Claim and send one batch of ``channel``; False when nothing was left to claim."""
        now = self.sender.now
        ready = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
        queue = Delivery.objects.filter(channel=channel, status=S.PENDING, due_at__lte=now).filter(ready)
        if manual_only:
            queue = queue.filter(day__isnull=True)
        ids = list(queue.order_by("due_at", "pk").values_list("pk", flat=True)[: self._size()])
        if not ids:
            return False
        token = uuid.uuid4().hex
        claim(Delivery.objects.filter(pk__in=ids).filter(ready), token, self.sender._clock())
        claimed = list(Delivery.objects.filter(claim_token=token, status=S.SENDING).order_by("pk"))
        if claimed:
            self._send_batch(channel, claimed, token)
        return True

    def _size(self) -> int:
        return max(1, settings.REMINDER_DIGEST_BATCH)

    # --- what the batch says -----------------------------------------------------------------------

    def _content(self, batch: list[Delivery]) -> dict[int, list[Line]]:
        """Each delivery's live rows (a day's digest: the rows it lists, messages.DigestRows), from a
        few queries for the whole batch."""
        found: dict[int, list[Line]] = defaultdict(list)
        told: dict[int, list[Line]] = {}

        def rows_by_day(keyed: dict[tuple[int, datetime.date], list[int]], field: str, kinds: list[str]):
            for key, lines in self._rows_of_day(list(keyed), field, kinds).items():
                for pk in keyed[key]:
                    told[pk] = lines

        people: dict[tuple[int, datetime.date], list[int]] = defaultdict(list)
        units: dict[tuple[int, datetime.date], list[int]] = defaultdict(list)
        rows: dict[int, list[int]] = defaultdict(list)
        asked: dict[tuple[str, int], list[int]] = defaultdict(list)  # (request, person): 催办 to a person
        requests: dict[tuple[str, int], list[int]] = defaultdict(list)  # (request, unit): to a robot
        for item in batch:
            if item.day and item.recipient_id:
                people[(item.recipient_id, item.day)].append(item.pk)
            elif item.day:
                units[(item.unit_id, item.day)].append(item.pk)
            elif item.reminder_id and item.stage:
                asked[(item.stage, item.recipient_id)].append(item.pk)
            elif item.reminder_id:  # planned before 催办 went out once per person: its own row
                rows[item.reminder_id].append(item.pk)
            else:
                requests[(item.stage, item.unit_id)].append(item.pk)
        rows_by_day(people, "recipient_id", AUTO_KINDS)
        rows_by_day(units, "unit_id", LIAISON_KINDS)
        if rows:
            for line in load_lines(
                Reminder.objects.filter(pk__in=list(rows)).exclude(status="cancelled"), self.sender.labels
            ):
                for pk in rows[line.pk]:
                    found[pk].append(line)
        if asked:
            queryset = Reminder.objects.filter(
                kind=Reminder.Kind.MANUAL,
                stage__in={stage for stage, _ in asked},
                recipient_id__in={person for _, person in asked},
            ).exclude(status="cancelled")
            for line in load_lines(queryset, self.sender.labels):
                for pk in asked.get((line.stage, line.recipient_id), []):
                    found[pk].append(line)
        if requests:
            queryset = Reminder.objects.filter(
                kind=Reminder.Kind.MANUAL,
                stage__in={stage for stage, _ in requests},
                unit_id__in={unit for _, unit in requests},
            ).exclude(status="cancelled")
            for line in load_lines(queryset, self.sender.labels):
                for pk in requests.get((line.stage, line.unit_id), []):
                    found[pk].append(line)
        live = {pk: [line for line in lines if not stale_reason(line)] for pk, lines in found.items()}
        return {**live, **told}

    def _rows_of_day(
        self, keys: list[tuple[int, datetime.date]], field: str, kinds: list[str]
    ) -> dict[tuple[int, datetime.date], list[Line]]:
        """The digest of each (person or unit, day): its live rows' counts and the rows it lists
        (digest_rows), read once for every lane of the pass."""
        wanted = {key: self._day_rows.get((field, *key)) for key in keys}
        missing = [key for key, lines in wanted.items() if lines is None]
        owners_by_day: dict[datetime.date, list[int]] = defaultdict(list)
        for owner, day in missing:
            owners_by_day[day].append(owner)
        for day, owners in owners_by_day.items():
            start, end = day_window(day)
            queryset = (
                Reminder.objects.filter(**{f"{field}__in": owners}, kind__in=kinds)
                .filter(due_at__gte=start, due_at__lt=end)
                .exclude(status=Reminder.Status.CANCELLED)
            )
            digests = summarise(queryset, field, self.sender.labels)
            for owner in owners:
                lines = wanted[(owner, day)] = digests.get(owner, [])
                self._day_rows[(field, owner, day)] = lines
        for key in keys:
            self._day_rows.move_to_end((field, *key))
        while len(self._day_rows) > DAY_ROWS_KEPT * self._size():
            self._day_rows.popitem(last=False)
        return {key: lines or [] for key, lines in wanted.items()}

    def _mentions(self, unit_ids: set[int]) -> dict[int, list[tuple[str, str]]]:
        """unit -> [(企业微信 user id, mobile)] of its active liaisons."""
        found: dict[int, list[tuple[str, str]]] = defaultdict(list)
        rows = (
            Membership.objects.filter(
                unit_id__in=unit_ids, role=Membership.Role.LIAISON, user__is_active=True
            )
            .order_by("unit_id", "user_id")
            .values_list("unit_id", "user__contact__wecom_userid", "user__contact__mobile")
        )
        for unit_id, userid, mobile in rows:
            if userid or mobile:
                found[unit_id].append(((userid or "").strip(), (mobile or "").strip()))
        return found

    # --- channels ----------------------------------------------------------------------------------

    def _channel(self, code: str, robot: Robot | None) -> Channel:
        if code == C.WECOM_APP:
            if self._app is None:
                self._app = WecomAppChannel(self.http, WecomApp.current())
            return self._app
        if code == C.SMS:
            if self._sms is None:
                self._sms = SmsChannel(self.http, SmsGateway.current())
            return self._sms
        if code == C.WECOM_ROBOT:
            return WecomRobotChannel(self.http, robot.key)
        return DingtalkRobotChannel(self.http, robot.key, robot.secret)

    def _account_on(self, code: str) -> bool:
        """The 企业微信 application / SMS gateway is still enabled (a supervisor may switch it off)."""
        channel = self._channel(code, None)
        return channel.app.enabled if code == C.WECOM_APP else channel.gateway.enabled

    def _render(
        self,
        item: Delivery,
        channel: Channel,
        lines: list[Line],
        address: str,
        mentions: list[tuple[str, str]],
    ) -> Outgoing:
        sender = self.sender
        limit = channel_text.Limit.of(channel)
        today = timezone.localdate(sender.now)
        manual = item.day is None
        if item.channel == C.SMS:
            signature = self._sms.gateway.signature if self._sms else ""
            text = channel_text.sms_text(lines, signature, limit, manual=manual)
            return Outgoing(to=address, text=text, message_id=message_id(item.pk))
        tags: list[str] = []
        mention = ""
        if item.robot_id:
            if item.channel == C.WECOM_ROBOT:
                mention = " ".join(f"<@{userid}>" for userid, _ in mentions if userid)
            else:
                tags = [mobile for _, mobile in mentions if mobile]
                mention = " ".join(f"@{mobile}" for mobile in tags)
        if manual:
            text = channel_text.manual_text(lines, today, sender.counter, limit, mention)
            title = "催办"
        elif item.robot_id:
            unit_name = lines[0].unit_name
            text = channel_text.robot_digest(
                unit_name, item.unit_id, lines, today, sender.counter, limit, mention, sender.sections
            )
            title = "督办提醒"
        else:
            text = channel_text.personal_digest(lines, today, sender.counter, limit, sender.sections)
            title = "督办提醒"
        return Outgoing(to=address, text=text, title=title, message_id=message_id(item.pk), mentions=tags)

    # --- sending -----------------------------------------------------------------------------------

    def _send_batch(self, code: str, batch: list[Delivery], token: str) -> None:
        sender = self.sender
        content = self._content(batch)
        robots = {
            robot.pk: robot
            for robot in Robot.objects.filter(pk__in={d.robot_id for d in batch if d.robot_id})
        }
        mentions = self._mentions({d.unit_id for d in batch if d.robot_id and d.unit_id})
        addresses = {
            user_id: {C.WECOM_APP: userid.strip(), C.SMS: mobile.strip()}
            for user_id, userid, mobile in Contact.objects.filter(
                user_id__in={d.recipient_id for d in batch if d.recipient_id}
            ).values_list("user_id", "wecom_userid", "mobile")
        }
        for item in batch:
            mine = Delivery.objects.filter(pk=item.pk, claim_token=token, status=S.SENDING)
            lines = content.get(item.pk, [])
            robot = robots.get(item.robot_id) if item.robot_id else None
            address = addresses.get(item.recipient_id, {}).get(code, "") if item.recipient_id else ""
            reason = ""
            if not lines:
                reason = NOTHING_LEFT
            elif code in (C.WECOM_APP, C.SMS) and not self._account_on(code):
                reason = "该渠道已停用。"
            elif item.robot_id and (robot is None or not robot.enabled or not robot.key):
                reason = "群机器人已停用或已删除。"
            elif item.recipient_id and not address:
                reason = "接收人已删除该渠道的联系方式。"
            if reason:
                mine.update(status=S.CANCELLED, last_error=reason, claim_token="")
                sender.stats.channel_cancelled += 1
                continue
            channel = self._channel(code, robot)
            outgoing = self._render(item, channel, lines, address, mentions.get(item.unit_id, []))
            if robot is not None:
                slot = self._reserve(robot.pk)
                if slot is not None:  # the robot's rate: wait for its next slot, untried
                    mine.update(status=S.PENDING, claim_token="", next_attempt_at=slot)
                    sender.stats.channel_deferred += 1
                    continue
            self._try(item, token, channel, outgoing, robot)

    def _try(
        self, item: Delivery, token: str, channel: Channel, outgoing: Outgoing, robot: Robot | None
    ) -> None:
        sender = self.sender
        attempt = sender._attempt(Delivery, item.pk, token, item.attempts, record={"answer": ""})
        refused: list[SendError] = []

        def hand_over() -> None:
            try:
                attempt.record["answer"] = channel.send(outgoing)[:2000]
            except SendError as exc:
                attempt.record["answer"] = exc.answer[:2000]
                refused.append(exc)
                raise

        outcome = attempt.run(channel.prepare, hand_over)
        stats = sender.stats
        if outcome is Outcome.SENT:
            stats.channel_sent += 1
            if not attempt.recorded:
                logger.error("渠道消息 %s 在发送期间被其他进程收回，可能重复发送。", item.pk)
            return
        if outcome is Outcome.LOST:
            logger.warning("渠道消息 %s 已被其他发送进程接手，跳过。", item.pk)
            return
        logger.warning("%s消息 %s 发送失败：%s", channel.label, item.pk, attempt.error)
        if outcome is Outcome.FAILED:
            stats.channel_failed += 1
        else:
            stats.channel_retrying += 1
        if robot is not None and refused and refused[0].delay:
            # The vendor throttles this robot: no message to it before the time it gave.
            until = sender._clock() + refused[0].delay
            Robot.objects.filter(pk=robot.pk).filter(
                Q(next_send_at__isnull=True) | Q(next_send_at__lt=until)
            ).update(next_send_at=until)

    def _reserve(self, robot_id: int) -> datetime.datetime | None:
        """Take the robot's next send slot now (None), or say when it is free."""
        now = self.sender._clock()
        spacing = datetime.timedelta(seconds=60 / max(1, settings.ROBOT_MESSAGES_PER_MINUTE))
        if take_slot(Robot, robot_id, "next_send_at", now, now + spacing):
            return None
        return (
            Robot.objects.filter(pk=robot_id).values_list("next_send_at", flat=True).first() or now + spacing
        )
