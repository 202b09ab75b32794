"""The sender: deliver pending outbox rows, each exactly once, as one digest per recipient per day.

Life of a row: pending -> sending (claimed) -> sent | pending again with a later next_attempt_at
(failed send, exponential backoff) -> failed after the policy's max attempts; cancelled when its
task is done, unpublished, or its deadline moved (an approved extension) before it went out.
A try is counted when a send starts, not when a row is claimed (obligations.reminders.attempts):
a sender that dies with a batch claimed costs the untried ones nothing; after the claim timeout
they are queued again as they were.

Claims are conditional UPDATEs (``... WHERE status = 'pending'``) stamping a random token; a sender
touches only rows carrying its token, so concurrent senders never share a row or a digest. The unit
of e-mail is the DigestEmail (unique per recipient and day): a sender first claims the digest, then
the recipient's due rows into it; for each digest it renders the message, makes sure the SMTP
connection is open, commits "try started" (attempts + 1 on the digest; its rows take the digest's
count when it concludes), hands the message over, and marks the digest sent right after the mail
server accepted it (its rows follow, a batch of digests at a time).

The crash window, stated plainly: SMTP gives no transaction to join, so "sent" cannot be committed
atomically with the hand-over. If the process dies after the server accepted a message but before
that commit (microseconds to milliseconds, between the last SMTP reply and COMMIT), the claim
expires after REMINDER_CLAIM_TIMEOUT_SECONDS and that one digest is sent again, with the same
Message-ID so mail systems can recognise the duplicate; that try and the resend each count as
one attempt. A crash anywhere else (while rendering, before or during the SMTP conversation,
after the commit) loses nothing and duplicates nothing; one before the "try started" commit
(the digest was only claimed) does not count as an attempt either.
The opposite order (commit "sent" first) would turn that window into a silently lost reminder,
which is worse for deadlines. The in-app notice (one per person and day, like the e-mail: see
messages.digest_notification_row) is written when the digest and its rows are first claimed, under
a unique constraint, so it is exactly-once and does not depend on the mail server.

Manual 催办 rows (kind manual, made by the web) go out on their own, promptly: each request reaches
each person once, as one e-mail and one notice listing the request's tasks for them.
Recipients without an e-mail address get in-app notifications (and their chat and SMS messages).

The chat and SMS channels (企业微信, 钉钉, SMS gateway) are Delivery rows sent by the same pass
(obligations.reminders.channel_outbox), lane by lane in turn, under the same claim and attempt
rules and the same crash window. On PostgreSQL the e-mail lane, the personal chat/SMS lanes and the
robot lanes run side by side, each on a thread and connection of its own (REMINDER_SEND_THREADS).
"""

from __future__ import annotations

import datetime
import logging
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    DateTimeField,
    Exists,
    F,
    OuterRef,
    PositiveSmallIntegerField,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from ..gc_deferred import deferred_collection
from ..holidays import get_calendar
from ..models import (
    Assignment,
    Delivery,
    DigestEmail,
    Notification,
    ProgressReport,
    Reminder,
    ReminderPolicy,
    Task,
)
from ..models.documents import published_q
from ..side_threads import Beside, can_fan_out, side_by_side
from . import messages
from .attempts import Attempt, Outcome, claim, reclaim, retry_delay
from .channel_outbox import PERSONAL_LANES, ROBOT_LANES, ChannelSender
from .channels.mail import EmailChannel
from .digest_rows import summarise
from .lines import DEADLINE_KINDS, load_lines, stale_reason, stale_rows
from .messages import DigestRows, Line
from .pass_labels import PassLabels
from .policy import WorkdayCounter
from .sql import adapter, insert_ignoring_conflicts
from .sweep import sweep_in_progress

logger = logging.getLogger(__name__)

Kind = Reminder.Kind
Status = Reminder.Status
AUTO_KINDS = [Kind.DUE_SOON, Kind.OVERDUE, Kind.ESCALATION, Kind.REPORT_DUE]
MANUAL_BATCH = 200
IN_APP_BATCH = 5000
__all__ = ["SendStats", "Sender", "reclaim_stuck", "retry_delay", "send_due", "settle_rows"]


def digest_batch() -> int:
    """Digests claimed together (REMINDER_DIGEST_BATCH; their rows are claimed in one UPDATE).
    Each is re-confirmed as its try starts, so a long batch never outlives its claim."""
    return max(1, settings.REMINDER_DIGEST_BATCH)


@dataclass
class SendStats:
    reclaimed: int = 0
    cancelled: int = 0
    digests_sent: int = 0
    digests_retrying: int = 0
    digests_failed: int = 0
    manual_sent: int = 0
    manual_retrying: int = 0
    manual_failed: int = 0
    in_app_only: int = 0
    channel_sent: int = 0
    channel_retrying: int = 0
    channel_failed: int = 0
    channel_cancelled: int = 0
    channel_deferred: int = 0  # robot messages waiting for the robot's next slot
    held_for_sweep: bool = False

    def __str__(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.__dict__.items() if v)


def _ready(now: datetime.datetime) -> Q:
    return Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)


def _due(now: datetime.datetime) -> Q:
    return Q(due_at__lte=now) & _ready(now)


class Sender:
    """One sending pass; keeps a mail connection open across messages."""

    def __init__(self, now: datetime.datetime | None = None) -> None:
        self.now = now or timezone.now()
        # Times written during the pass run on from ``now`` (which tests may set in the past).
        self._skew = self.now - timezone.now()
        self.today = timezone.localdate(self.now)
        self.policy = ReminderPolicy.current()
        self.counter = WorkdayCounter(
            get_calendar(),
            self.today - datetime.timedelta(days=3 * 366),
            self.today + datetime.timedelta(days=366),
        )
        self.stats = SendStats()
        self.labels = PassLabels()
        self.sections = messages.SectionMemo(self.labels.texts)
        self._settling: Beside[None] | None = None
        self.mail = EmailChannel()
        self.channels = ChannelSender(self)  # 企业微信应用消息 and SMS (and every channel's 催办)
        self.robots = ChannelSender(self)  # the units' group robots

    # --- the pass --------------------------------------------------------------------------------

    def run(self) -> SendStats:
        with deferred_collection():
            return self._run()

    def _run(self) -> SendStats:
        try:
            self.stats.reclaimed = reclaim_stuck(self.now, self.policy.max_send_attempts)
            self.stats.cancelled = cancel_stale()
            self.send_manual()
            self.channels.send_manual()
            self.deliver_in_app_only()
            if sweep_in_progress(self.now):
                # Today's rows are still being written: send each recipient the whole day at once.
                self.stats.held_for_sweep = True
            else:
                self.send_digests()
        finally:
            self._close()
        return self.stats

    # --- mail connection -----------------------------------------------------------------------

    def _try(self, attempt: Attempt, message: EmailMessage) -> Outcome:
        return attempt.run(self.mail.prepare, lambda: self.mail.send(message))

    def _close(self) -> None:
        self.mail.close()
        self.channels.close()
        self.robots.close()

    # --- helpers ---------------------------------------------------------------------------------

    def _clock(self) -> datetime.datetime:
        return timezone.now() + self._skew

    def _claim(
        self,
        queryset: QuerySet[Reminder],
        token: str,
        within: QuerySet[Reminder] | None = None,
        *,
        as_digest: bool = False,
        **extra,
    ) -> list[Line]:
        """Claim rows (conditional UPDATE) and return the live ones; stale ones are cancelled.

        ``within`` narrows the read-back to an indexed set the claim wrote (e.g. the batch's digests).
        ``as_digest``: the rows are told as a digest's sections, which read only the texts they list.
        """
        claim(queryset, token, self._clock(), **extra)
        lines = load_lines(
            (Reminder.objects if within is None else within).filter(status=Status.SENDING, claim_token=token),
            self.labels,
            with_texts=not as_digest,
        )
        live, stale = [], defaultdict(list)
        for line in lines:
            reason = stale_reason(line)
            if reason:
                stale[reason].append(line.pk)
            else:
                live.append(line)
        self._cancel(stale, token)
        return live

    def _claim_digests(
        self, queryset: QuerySet[Reminder], token: str, within: QuerySet[Reminder], **extra
    ) -> dict[int, DigestRows]:
        """Claim a batch's digest rows (conditional UPDATE), cancel the stale ones, and return each
        recipient's digest: the rows it lists and what the others add up to (digest_rows)."""
        claim(queryset, token, self._clock(), **extra)
        claimed = within.filter(status=Status.SENDING, claim_token=token)
        self._cancel(stale_rows(claimed), token)
        return summarise(claimed, "recipient_id", self.labels, known_live=True)

    def _cancel(self, stale: dict[str, list[int]], token: str) -> None:
        for reason, ids in stale.items():
            Reminder.objects.filter(pk__in=ids, claim_token=token).update(
                status=Status.CANCELLED, last_error=reason
            )
            self.stats.cancelled += len(ids)

    def _notify(self, people: list[list[Line]]) -> None:
        """One in-app notice per person for the rows given (their day's digest)."""
        rows = [
            messages.digest_notification_row(lines, self.today, self.counter, self.sections)
            for lines in people
            if lines
        ]
        with transaction.atomic():  # one commit, not one per notice
            insert_ignoring_conflicts(
                Notification,
                messages.NOTIFICATION_COLUMNS,
                rows,
                constants={"created_at": adapter()(self.now)},
            )

    def _mark_sent(self, ids: list[int], token: str, **extra) -> None:
        Reminder.objects.filter(pk__in=ids, claim_token=token, status=Status.SENDING).update(
            status=Status.SENT, sent_at=self._clock(), last_error="", next_attempt_at=None, **extra
        )

    def _attempt(
        self, model: type[DigestEmail] | type[Reminder], pk: int, token: str, attempts: int, **kw
    ) -> Attempt:
        return Attempt(
            model,
            pk,
            token,
            attempts,
            max_attempts=self.policy.max_send_attempts,
            now=self.now,
            clock=self._clock,
            **kw,
        )

    # --- manual 催办 -----------------------------------------------------------------------------

    def send_manual(self) -> None:
        """Each 催办 request reaches each person once: one notice and one e-mail listing every task
        of the request that concerns them (a unit's ten overdue tasks make one message, not ten)."""
        due = Reminder.objects.filter(kind=Kind.MANUAL, status=Status.PENDING).filter(_due(self.now))
        groups = list(
            due.order_by("stage", "recipient_id")
            .values_list("stage", "recipient_id")
            .distinct()[:MANUAL_BATCH]
        )
        if not groups:
            return
        token = uuid.uuid4().hex
        wanted = Q(pk__in=[])
        for stage, recipient_id in groups:
            wanted |= Q(stage=stage, recipient_id=recipient_id)
        lines = self._claim(due.filter(wanted), token)
        by_person: dict[tuple[str, int], list[Line]] = defaultdict(list)
        for line in lines:
            by_person[(line.stage, line.recipient_id)].append(line)
        self._notify_manual(list(by_person.values()))
        for rows in by_person.values():
            first, rest = rows[0], [line.pk for line in rows[1:]]
            if not first.recipient_email:
                self._mark_sent([line.pk for line in rows], token)
                self.stats.in_app_only += 1
                continue
            attempt = self._attempt(Reminder, first.pk, token, first.attempts, rows=rest)
            outcome = self._try(attempt, messages.manual_email(rows, self.today))
            if outcome is Outcome.SENT:
                if not attempt.recorded:
                    logger.error("催办 %s 在发送期间被其他进程收回，可能重复发送。", first.pk)
                self._mark_sent(rest, token)
                self.stats.manual_sent += 1
            elif outcome is Outcome.LOST:
                logger.warning("催办 %s 已被其他发送进程接手，跳过。", first.pk)
            else:
                logger.warning("催办邮件 %s 发送失败：%s", first.pk, attempt.error)
                if outcome is Outcome.FAILED:
                    self.stats.manual_failed += 1
                else:
                    self.stats.manual_retrying += 1

    def _notify_manual(self, groups: list[list[Line]]) -> None:
        rows = [messages.manual_notification_row(lines) for lines in groups]
        with transaction.atomic():
            insert_ignoring_conflicts(
                Notification,
                messages.NOTIFICATION_COLUMNS,
                rows,
                constants={"created_at": adapter()(self.now)},
            )

    # --- recipients without e-mail ---------------------------------------------------------------

    def deliver_in_app_only(self) -> None:
        """Automatic reminders for people without an e-mail address: a notification is the delivery."""
        while True:
            ids = list(
                Reminder.objects.filter(status=Status.PENDING, kind__in=AUTO_KINDS, recipient__email="")
                .filter(_due(self.now))
                .values_list("pk", flat=True)[:IN_APP_BATCH]
            )
            if not ids:
                return
            token = uuid.uuid4().hex
            lines = self._claim(Reminder.objects.filter(pk__in=ids), token, as_digest=True, digest_id=None)
            by_person: dict[int, list[Line]] = defaultdict(list)
            for line in lines:
                by_person[line.recipient_id].append(line)
            with transaction.atomic():
                self._notify(list(by_person.values()))
                self._mark_sent([line.pk for line in lines], token)
            self.stats.in_app_only += len(lines)

    # --- daily digests ---------------------------------------------------------------------------

    def send_digests(self) -> None:
        waiting = (
            Reminder.objects.filter(status=Status.PENDING, kind__in=AUTO_KINDS)
            .filter(_due(self.now))
            .exclude(recipient__email="")
            .values_list("recipient_id")
            .annotate(rows=Count("pk"))
            .order_by("-rows", "recipient_id")
        )
        # Today's digest for everyone with something due; one that already went out today stays
        # the only one (the unique constraint drops the new row), so later rows wait for tomorrow.
        # Made in order of their rows, most first: batches go in digest order, and a batch's rows
        # are settled beside the next one, so the largest (a province supervisor's 240,000 rows,
        # 15 s to settle) is not left to settle alone after every lane has finished. (Only speed
        # depends on this order.)
        DigestEmail.objects.bulk_create(
            [DigestEmail(recipient_id=user_id, day=self.today) for user_id, _ in waiting],
            ignore_conflicts=True,
        )
        # Lanes take turns a batch at a time, so a slow channel never holds the others back for
        # the whole day's messages. On PostgreSQL the e-mail digests, the personal chat/SMS
        # messages and the group robots' messages are three groups of lanes, each on a thread
        # and connection of its own (REMINDER_SEND_THREADS; fewer threads merge the groups).
        email = [self._send_digest_batch]
        personal = [partial(self.channels.batch, channel) for channel in PERSONAL_LANES]
        robots = [partial(self.robots.batch, channel) for channel in ROBOT_LANES]
        threads = settings.REMINDER_SEND_THREADS if can_fan_out() else 1
        if threads >= 3:
            groups = [email, personal, robots]
        elif threads == 2:
            groups = [email, personal + robots]
        else:
            groups = [email + personal + robots]
        try:
            side_by_side(*(partial(_take_turns, lanes) for lanes in groups))
        finally:
            self._settled()

    def _send_digest_batch(self) -> bool:
        """Claim up to digest_batch() digests and their recipients' due rows, then send each."""
        candidates = list(
            DigestEmail.objects.filter(status=DigestEmail.Status.PENDING)
            .filter(_ready(self.now))
            .order_by("day", "pk")
            .values_list("pk", flat=True)[: digest_batch()]
        )
        if not candidates:
            return False
        token = uuid.uuid4().hex
        # Stamped with the clock, not the pass's start: a long pass's claims must not look abandoned.
        claim(DigestEmail.objects.filter(pk__in=candidates).filter(_ready(self.now)), token, self._clock())
        digests = {
            d.recipient_id: d
            for d in DigestEmail.objects.filter(claim_token=token, status="sending").order_by("pk")
        }
        if not digests:
            return True  # another sender took this batch; look for more
        # Each row joins its recipient's claimed digest in the same UPDATE (the digest ids given as
        # constants: a subquery per row cost a quarter of the claim).
        by_recipient = self._claim_digests(
            Reminder.objects.filter(recipient_id__in=list(digests), kind__in=AUTO_KINDS).filter(
                _due(self.now)
            ),
            token,
            within=Reminder.objects.filter(digest_id__in=[d.pk for d in digests.values()]),
            digest_id=Case(
                *(When(recipient_id=user_id, then=Value(d.pk)) for user_id, d in digests.items()),
                output_field=BigIntegerField(),
            ),
        )
        # In-app delivery does not wait for the mail server: each digest's notice is written with
        # its first claim (a digest tried again has one already).
        self._notify([by_recipient.get(r, []) for r, d in digests.items() if d.attempts == 0])
        sent: list[int] = []
        try:
            for recipient_id, digest in digests.items():
                if self._send_one(digest, by_recipient.get(recipient_id, []), token):
                    sent.append(digest.pk)
        finally:
            self._settle_beside(sent, token)
        return True

    def _settle_beside(self, sent: list[int], token: str) -> None:
        """Settle a batch's rows on a connection of their own while the lane reads and renders the
        next batch (PostgreSQL; 127,524 rows took 4 s of the e-mail lane's 18). One batch at a
        time: the previous one is waited for first, and the last when the lanes are done."""
        self._settled()
        if not sent:
            return  # nothing went out: no thread and connection for nothing to settle
        if can_fan_out():
            self._settling = Beside(partial(self._settle_sent, sent, token), name="settle")
        else:
            self._settle_sent(sent, token)

    def _settled(self) -> None:
        """Wait for the batch being settled beside, raising its error."""
        settling, self._settling = self._settling, None
        if settling is not None:
            settling.result()

    def _settle_sent(self, sent: list[int], token: str) -> None:
        """Rows follow their sent digests: one UPDATE by the (indexed) digest ids of the batch, each
        digest's time and count of tries given as constants (per-row subqueries cost twice as much)."""
        if not sent:
            return
        done = list(
            DigestEmail.objects.filter(pk__in=sent, status=DigestEmail.Status.SENT).values_list(
                "pk", "sent_at", "attempts"
            )
        )
        if not done:
            return
        Reminder.objects.filter(
            digest_id__in=[pk for pk, _, _ in done], claim_token=token, status=Status.SENDING
        ).update(
            status=Status.SENT,
            sent_at=Case(
                *(When(digest_id=pk, then=Value(at)) for pk, at, _ in done), output_field=DateTimeField()
            ),
            attempts=Case(
                *(When(digest_id=pk, then=Value(tries)) for pk, _, tries in done),
                output_field=PositiveSmallIntegerField(),
            ),
            last_error="",
            next_attempt_at=None,
        )

    def _send_one(self, digest: DigestEmail, lines: DigestRows | list[Line], token: str) -> bool:
        """Send one claimed digest; True when it went out."""
        mine = DigestEmail.objects.filter(pk=digest.pk, claim_token=token, status=DigestEmail.Status.SENDING)
        if not lines or not lines[0].recipient_email:
            # Nothing left to say (cancelled, or taken by an earlier digest): no empty e-mail.
            Reminder.objects.filter(digest_id=digest.pk, claim_token=token, status=Status.SENDING).update(
                status=Status.PENDING, claim_token=""
            )
            mine.delete()
            return False
        message = messages.digest_email(digest, lines, self.today, self.counter, self.sections)
        # The try re-confirms the claim (and refreshes its time) as it starts: if a slow batch let
        # it expire and another sender took it over, this digest is theirs now. (Its rows are only
        # reclaimed together with it; see reclaim_stuck.)
        attempt = self._attempt(
            DigestEmail,
            digest.pk,
            token,
            digest.attempts,
            rows_of_digest=True,
            rows_marked_at_start=False,
            record={"subject": message.subject},
        )
        outcome = self._try(attempt, message)
        if outcome is Outcome.SENT:
            if not attempt.recorded:
                logger.error("提醒邮件 %s 在发送期间被其他进程收回，可能重复发送。", digest.pk)
            self.stats.digests_sent += 1
            return True
        if outcome is Outcome.LOST:
            logger.warning("提醒邮件 %s 已被其他发送进程接手，跳过。", digest.pk)
            return False
        logger.warning("提醒邮件 %s（%s）发送失败：%s", digest.pk, lines[0].recipient_email, attempt.error)
        if outcome is Outcome.FAILED:
            self.stats.digests_failed += 1
        else:
            self.stats.digests_retrying += 1
        return False


def _take_turns(lanes: list[Callable[[], bool]]) -> None:
    """Run each lane's next batch in turn until every lane says it has nothing left."""
    while lanes:
        lanes = [lane for lane in lanes if lane()]


def cancel_stale() -> int:
    """Cancel pending rows that no longer apply, set-based (a few UPDATEs however many rows)."""
    pending = Reminder.objects.filter(status=Status.PENDING)
    reported = ProgressReport.objects.filter(
        task=OuterRef("task"),
        unit=OuterRef("unit"),
        period__year=OuterRef("deadline__year"),
        period__month=OuterRef("deadline__month"),
    )
    # A co-operating unit that finished its part hears no more about the task (its lead still does).
    # (Without a lead unit the first-listed one answers: see models.work.answering.)
    part_done = Assignment.objects.filter(
        task=OuterRef("task"),
        unit=OuterRef("unit"),
        status=Assignment.Status.DONE,
        role=Assignment.Role.RESPONSIBLE,
    ).filter(
        Q(position__gt=0)
        | Exists(Assignment.objects.filter(task=OuterRef("task"), role=Assignment.Role.LEAD))
    )
    rules = [
        (Q(task__status=Task.Status.DONE), "任务已办结。"),
        (~published_q("task__plan__"), "所属方案未发布或已归档。"),
        (
            Q(kind__in=DEADLINE_KINDS) & (Q(task__deadline__isnull=True) | ~Q(deadline=F("task__deadline"))),
            "完成时限已变更，原时限的提醒不再发送。",
        ),
        (Q(kind=Kind.REPORT_DUE) & Exists(reported), "本月进展已报送。"),
        (Q(kind__in=AUTO_KINDS) & ~Q(kind=Kind.ESCALATION) & Exists(part_done), "本单位已完成承担的部分。"),
        (Q(recipient__is_active=False), "接收人账号已停用。"),
    ]
    cancelled = 0
    for condition, reason in rules:
        cancelled += pending.filter(condition).update(status=Status.CANCELLED, last_error=reason)
    return cancelled


def _from_digest(field: str) -> Subquery:
    return Subquery(DigestEmail.objects.filter(pk=OuterRef("digest_id")).values(field)[:1])


def settle_rows(queryset: QuerySet[Reminder]) -> int:
    """Rows whose digest went out are sent, at the digest's time and with its count of tries (one
    UPDATE for many digests; a digest's rows are not written as each try starts).

    The digest row is what records delivery; until this runs after a crash, its rows still say
    "sending", and reclaim_stuck settles them here instead of queueing them again.
    """
    return queryset.filter(status=Status.SENDING, digest__status=DigestEmail.Status.SENT).update(
        status=Status.SENT,
        sent_at=_from_digest("sent_at"),
        attempts=_from_digest("attempts"),
        last_error="",
        next_attempt_at=None,
    )


def reclaim_stuck(now: datetime.datetime, max_attempts: int) -> int:
    """Digests and rows left "sending" by a sender that died (or stalled past the claim timeout)
    go back to the queue; only a try that had started counts, and may be the last (attempts.reclaim)."""
    cutoff = now - datetime.timedelta(seconds=settings.REMINDER_CLAIM_TIMEOUT_SECONDS)
    settle_rows(Reminder.objects.all())
    total = reclaim(DigestEmail.objects.filter(claimed_at__lt=cutoff), max_attempts)
    # A digest's rows follow its state, whatever their own claim's age (they are not written as its
    # tries start): sent, they were settled above; still sending, its sender has them; failed or
    # queued again (just now, or by a failed try), they fail or wait with it, with its count and words.
    in_digest = Reminder.objects.filter(status=Status.SENDING, digest__isnull=False)
    total += in_digest.filter(digest__status=DigestEmail.Status.FAILED).update(
        status=Status.FAILED,
        claim_token="",
        next_attempt_at=None,
        attempts=_from_digest("attempts"),
        last_error=_from_digest("last_error"),
    )
    total += in_digest.filter(digest__status=DigestEmail.Status.PENDING).update(
        status=Status.PENDING,
        claim_token="",
        attempts=_from_digest("attempts"),
        last_error=_from_digest("last_error"),
    )
    rows = Reminder.objects.filter(status=Status.SENDING, digest__isnull=True, claimed_at__lt=cutoff)
    total += reclaim(rows, max_attempts)  # 催办 and in-app rows
    total += reclaim(Delivery.objects.filter(claimed_at__lt=cutoff), max_attempts)  # chat and SMS
    return total


_REQUEUE = {
    "status": Status.PENDING,
    "attempts": 0,
    "next_attempt_at": None,
    "claim_token": "",
    "last_error": "",
}


def requeue_failed(reminders: QuerySet[Reminder], digests: QuerySet[DigestEmail]) -> int:
    """Queue failed rows and failed digests again with a fresh attempt count (the admin's 重新发送).

    A digest goes out with its rows: requeueing a digest alone would leave nothing to send, so the
    failed rows of each requeued digest are requeued with it. Returns the number of messages queued.
    """
    failed_digests = digests.filter(status=DigestEmail.Status.FAILED)
    with transaction.atomic():
        Reminder.objects.filter(
            digest_id__in=list(failed_digests.values_list("pk", flat=True)), status=Status.FAILED
        ).update(**_REQUEUE)
        count = failed_digests.update(**_REQUEUE)
        count += reminders.filter(status=Status.FAILED).update(**_REQUEUE)
    return count


def send_due(now: datetime.datetime | None = None) -> SendStats:
    """One sending pass (the scheduled sender and the end of each sweep call this)."""
    return Sender(now).run()
