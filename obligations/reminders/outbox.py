"""The sender: deliver pending outbox rows, each exactly once, as one digest per recipient per day.

Life of a row: pending -> sending (claimed) -> sent | pending again with a later next_attempt_at
(failed send, exponential backoff) -> failed after the policy's max attempts; cancelled when its
task is done, unpublished, or its deadline moved (an approved extension) before it went out.

Claims are conditional UPDATEs (``... WHERE status = 'pending'``) stamping a random token; a sender
touches only rows carrying its token, so concurrent senders never share a row or a digest. The unit
of e-mail is the DigestEmail (unique per recipient and day): a sender first claims the digest, then
the recipient's due rows into it, sends, and marks digest and rows sent in one transaction right
after the mail server accepted the message.

The crash window, stated plainly: SMTP gives no transaction to join, so "sent" cannot be committed
atomically with the hand-over. If the process dies after the server accepted a message but before
that commit (microseconds to milliseconds, between the last SMTP reply and COMMIT), the claim
expires after REMINDER_CLAIM_TIMEOUT_SECONDS and that one digest is sent again, with the same
Message-ID so mail systems can recognise the duplicate. A crash anywhere else (while rendering,
before or during the SMTP conversation, after the commit) loses nothing and duplicates nothing.
The opposite order (commit "sent" first) would turn that window into a silently lost reminder,
which is worse for deadlines. In-app notifications are written when rows are claimed, under a
unique constraint, so they are exactly-once and do not depend on the mail server.

Manual 催办 rows (kind manual, made by the web) go out on their own, promptly, as one e-mail each.
Recipients without an e-mail address get in-app notifications only.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from ..holidays import get_calendar
from ..models import DigestEmail, Notification, Plan, ProgressReport, Reminder, ReminderPolicy, Task
from . import messages
from .policy import WorkdayCounter
from .sweep import sweep_in_progress

logger = logging.getLogger(__name__)

Kind = Reminder.Kind
Status = Reminder.Status
AUTO_KINDS = [Kind.DUE_SOON, Kind.OVERDUE, Kind.ESCALATION, Kind.REPORT_DUE]
DEADLINE_KINDS = [Kind.DUE_SOON, Kind.OVERDUE, Kind.ESCALATION]
MAX_RETRY_DELAY = datetime.timedelta(hours=1)
MANUAL_BATCH = 200
DIGEST_BATCH = 500
IN_APP_BATCH = 2000


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
    held_for_sweep: bool = False

    def __str__(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.__dict__.items() if v)


def retry_delay(attempts: int) -> datetime.timedelta:
    """Exponential backoff after the ``attempts``-th failure: base, 2×base, 4×base … (≤ 1 hour)."""
    base = datetime.timedelta(seconds=settings.REMINDER_RETRY_BASE_SECONDS)
    return min(base * (2 ** max(attempts - 1, 0)), MAX_RETRY_DELAY)


def _due(now: datetime.datetime) -> Q:
    return Q(due_at__lte=now) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))


def _ready(now: datetime.datetime) -> Q:
    return Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)


class Sender:
    """One sending pass; keeps a mail connection open across messages."""

    def __init__(self, now: datetime.datetime | None = None) -> None:
        self.now = now or timezone.now()
        self.today = timezone.localdate(self.now)
        self.policy = ReminderPolicy.current()
        self.counter = WorkdayCounter(
            get_calendar(),
            self.today - datetime.timedelta(days=3 * 366),
            self.today + datetime.timedelta(days=366),
        )
        self.stats = SendStats()
        self._connection = None

    # --- the pass --------------------------------------------------------------------------------

    def run(self) -> SendStats:
        try:
            self.stats.reclaimed = reclaim_stuck(self.now, self.policy.max_send_attempts)
            self.stats.cancelled = cancel_stale()
            self.send_manual()
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

    def _send(self, message) -> None:
        if self._connection is None:
            self._connection = get_connection()
            self._connection.open()
        try:
            sent = self._connection.send_messages([message])
        except Exception:
            self._close()  # a broken SMTP session must not poison the next message
            raise
        if not sent:
            raise RuntimeError("邮件后端未发送该邮件（返回 0）")

    def _close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except Exception:  # closing a dead connection may fail; nothing to do
                logger.debug("closing the mail connection failed", exc_info=True)
            self._connection = None

    # --- helpers ---------------------------------------------------------------------------------

    def _claim_rows(self, queryset, token: str, **extra) -> list[Reminder]:
        queryset.update(status=Status.SENDING, claim_token=token, claimed_at=self.now, **extra)
        return list(
            Reminder.objects.filter(claim_token=token, status=Status.SENDING)
            .select_related("task", "task__plan", "unit", "recipient", "created_by")
            .order_by("pk")
        )

    def _drop_stale(self, rows: list[Reminder]) -> list[Reminder]:
        """Re-check claimed rows against their task as it is now (the set-based cancel ran earlier)."""
        keep, stale = [], []
        for row in rows:
            (stale if stale_reason(row) else keep).append(row)
        for row in stale:
            Reminder.objects.filter(pk=row.pk, claim_token=row.claim_token).update(
                status=Status.CANCELLED, last_error=stale_reason(row), digest=None
            )
        self.stats.cancelled += len(stale)
        return keep

    def _notify(self, rows: list[Reminder]) -> None:
        Notification.objects.bulk_create(
            [messages.notification_for(row, self.today, self.counter) for row in rows],
            ignore_conflicts=True,
        )

    def _mark_rows_sent(self, ids: list[int], token: str) -> None:
        Reminder.objects.filter(pk__in=ids, claim_token=token, status=Status.SENDING).update(
            status=Status.SENT, sent_at=timezone.now(), last_error="", next_attempt_at=None
        )

    def _fail_rows(self, ids: list[int], token: str, attempts: int, error: str) -> str:
        final = attempts >= self.policy.max_send_attempts
        Reminder.objects.filter(pk__in=ids, claim_token=token).update(
            status=Status.FAILED if final else Status.PENDING,
            attempts=F("attempts") + 1,
            last_error=error,
            next_attempt_at=None if final else self.now + retry_delay(attempts),
            claim_token="",
        )
        return "failed" if final else "retrying"

    # --- manual 催办 -----------------------------------------------------------------------------

    def send_manual(self) -> None:
        ids = list(
            Reminder.objects.filter(kind=Kind.MANUAL, status=Status.PENDING)
            .filter(_due(self.now))
            .order_by("due_at", "pk")
            .values_list("pk", flat=True)[:MANUAL_BATCH]
        )
        if not ids:
            return
        token = uuid.uuid4().hex
        rows = self._claim_rows(Reminder.objects.filter(pk__in=ids, status=Status.PENDING), token)
        rows = self._drop_stale(rows)
        self._notify(rows)
        for row in rows:
            if not row.recipient.email:
                self._mark_rows_sent([row.pk], token)
                self.stats.in_app_only += 1
                continue
            try:
                self._send(messages.manual_email(row, self.today, self.counter))
            except Exception as exc:
                logger.warning("催办邮件 %s 发送失败：%s", row.pk, exc)
                outcome = self._fail_rows([row.pk], token, row.attempts + 1, _error_text(exc))
                if outcome == "failed":
                    self.stats.manual_failed += 1
                else:
                    self.stats.manual_retrying += 1
                continue
            self._mark_rows_sent([row.pk], token)
            self.stats.manual_sent += 1

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
            rows = self._claim_rows(Reminder.objects.filter(pk__in=ids, status=Status.PENDING), token)
            rows = self._drop_stale(rows)
            with transaction.atomic():
                self._notify(rows)
                self._mark_rows_sent([row.pk for row in rows], token)
            self.stats.in_app_only += len(rows)

    # --- daily digests ---------------------------------------------------------------------------

    def send_digests(self) -> None:
        waiting = (
            Reminder.objects.filter(status=Status.PENDING, kind__in=AUTO_KINDS)
            .filter(_due(self.now))
            .exclude(recipient__email="")
            .values_list("recipient_id", flat=True)
            .distinct()
        )
        # Today's digest for everyone with something due; one that already went out today stays
        # the only one (the unique constraint drops the new row), so later rows wait for tomorrow.
        DigestEmail.objects.bulk_create(
            [DigestEmail(recipient_id=user_id, day=self.today) for user_id in waiting],
            ignore_conflicts=True,
        )
        candidates = list(
            DigestEmail.objects.filter(status=DigestEmail.Status.PENDING)
            .filter(_ready(self.now))
            .order_by("day", "pk")
            .values_list("pk", flat=True)[:DIGEST_BATCH]
        )
        for digest_id in candidates:
            self.send_digest(digest_id)

    def send_digest(self, digest_id: int) -> None:
        token = uuid.uuid4().hex
        claimed = (
            DigestEmail.objects.filter(pk=digest_id, status=DigestEmail.Status.PENDING)
            .filter(_ready(self.now))
            .update(status=DigestEmail.Status.SENDING, claim_token=token, claimed_at=self.now)
        )
        if not claimed:
            return  # another sender has it
        digest = DigestEmail.objects.select_related("recipient").get(pk=digest_id)
        mine = DigestEmail.objects.filter(pk=digest_id, claim_token=token)
        due_rows = Reminder.objects.filter(
            recipient_id=digest.recipient_id, status=Status.PENDING, kind__in=AUTO_KINDS
        ).filter(_due(self.now))
        rows = self._drop_stale(self._claim_rows(due_rows, token, digest=digest))
        if not rows or not digest.recipient.email:
            # Nothing left to say (cancelled, or taken by an earlier digest): no empty e-mail.
            Reminder.objects.filter(claim_token=token, status=Status.SENDING).update(
                status=Status.PENDING, claim_token="", digest=None
            )
            mine.delete()
            return
        self._notify(rows)
        ids = [row.pk for row in rows]
        message = messages.digest_email(digest, rows, self.today, self.counter)
        try:
            self._send(message)
        except Exception as exc:
            logger.warning("提醒邮件 %s（%s）发送失败：%s", digest_id, digest.recipient, exc)
            attempts = digest.attempts + 1
            error = _error_text(exc)
            with transaction.atomic():
                outcome = self._fail_rows(ids, token, attempts, error)
                mine.update(
                    status=DigestEmail.Status.FAILED if outcome == "failed" else DigestEmail.Status.PENDING,
                    attempts=attempts,
                    last_error=error,
                    next_attempt_at=None if outcome == "failed" else self.now + retry_delay(attempts),
                    claim_token="",
                    subject=message.subject,
                )
            if outcome == "failed":
                self.stats.digests_failed += 1
            else:
                self.stats.digests_retrying += 1
            return
        # The step that makes it "sent" follows the hand-over immediately (see the module notes).
        with transaction.atomic():
            updated = mine.filter(status=DigestEmail.Status.SENDING).update(
                status=DigestEmail.Status.SENT,
                sent_at=timezone.now(),
                subject=message.subject,
                attempts=F("attempts") + 1,
                last_error="",
                next_attempt_at=None,
            )
            self._mark_rows_sent(ids, token)
        if not updated:
            logger.error("提醒邮件 %s 在发送期间被其他进程收回，可能重复发送。", digest_id)
        self.stats.digests_sent += 1


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


def stale_reason(row: Reminder) -> str:
    """Why a claimed row must not go out any more ('' when it still applies)."""
    task = row.task
    if task.status == Task.Status.DONE:
        return "任务已办结。"
    if task.plan.status != Plan.Status.PUBLISHED:
        return "所属方案未发布或已归档。"
    if row.kind in DEADLINE_KINDS and task.deadline != row.deadline:
        return "完成时限已变更，原时限的提醒不再发送。"
    if not row.recipient.is_active:
        return "接收人账号已停用。"
    return ""


def cancel_stale() -> int:
    """Cancel pending rows that no longer apply, set-based (a few UPDATEs however many rows)."""
    pending = Reminder.objects.filter(status=Status.PENDING)
    reported = ProgressReport.objects.filter(
        task=OuterRef("task"),
        unit=OuterRef("unit"),
        period__year=OuterRef("deadline__year"),
        period__month=OuterRef("deadline__month"),
    )
    rules = [
        (Q(task__status=Task.Status.DONE), "任务已办结。"),
        (~Q(task__plan__status=Plan.Status.PUBLISHED), "所属方案未发布或已归档。"),
        (
            Q(kind__in=DEADLINE_KINDS) & (Q(task__deadline__isnull=True) | ~Q(deadline=F("task__deadline"))),
            "完成时限已变更，原时限的提醒不再发送。",
        ),
        (Q(kind=Kind.REPORT_DUE) & Exists(reported), "本月进展已报送。"),
        (Q(recipient__is_active=False), "接收人账号已停用。"),
    ]
    cancelled = 0
    for condition, reason in rules:
        cancelled += pending.filter(condition).update(status=Status.CANCELLED, last_error=reason)
    return cancelled


def reclaim_stuck(now: datetime.datetime, max_attempts: int) -> int:
    """Rows and digests left "sending" by a sender that died go back to pending (or fail for good)."""
    cutoff = now - datetime.timedelta(seconds=settings.REMINDER_CLAIM_TIMEOUT_SECONDS)
    note = "发送过程中断（进程退出或超时），已重新排队。"
    total = 0
    for model, statuses in ((Reminder, Status), (DigestEmail, DigestEmail.Status)):
        stuck = model.objects.filter(status=statuses.SENDING, claimed_at__lt=cutoff)
        total += stuck.filter(attempts__gte=max_attempts - 1).update(
            status=statuses.FAILED, attempts=F("attempts") + 1, last_error=note, claim_token=""
        )
        total += stuck.update(
            status=statuses.PENDING, attempts=F("attempts") + 1, last_error=note, claim_token=""
        )
    return total


def send_due(now: datetime.datetime | None = None) -> SendStats:
    """One sending pass (the scheduled sender and the end of each sweep call this)."""
    return Sender(now).run()
