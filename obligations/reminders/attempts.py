"""Claims and attempt accounting for outbox items, one place for every channel's sender.

An outbox item is what goes out as one message: a DigestEmail (with the Reminder rows it
carries), or a Reminder row sent on its own (a 催办). A sender takes items with a conditional
UPDATE (``claim``: pending -> sending, a random token, ``attempt_started_at`` cleared), often a
batch at a time. A claim is not a try: a sender that dies mid-batch has tried at most the message
it was handing over, so an attempt is counted only when a send really starts:

1. the sender does everything that needs no far side first: renders the message, opens its
   connection (one that cannot be opened is a failed try, counted by ``Attempt.failed``);
2. ``Attempt.start`` re-confirms the claim and, in the same conditional UPDATE, counts the try
   (attempts + 1) and stamps ``attempt_started_at`` (a 催办's other rows get the same mark in the
   same transaction; a digest's rows take the digest's count when it concludes); then the message
   is handed over;
3. ``Attempt.succeeded`` or ``Attempt.failed`` records the outcome and counts nothing again.

``reclaim`` reads the mark after a crash or a stall: a claim that never started goes back to
pending as it was (no charge, its last real error kept); a started one was a real try, already
counted, that was interrupted: pending again, or failed once that try was the policy's last, each
with an error text that says which.

The other channels (企业微信, 钉钉, SMS: Delivery rows, obligations.reminders.channel_outbox) use it
as it is: claim, then ``Attempt(...).run(prepare, send)``, and the crash rules (and the one window:
a crash after the far side accepted and before ``succeeded`` committed resends that message once)
hold for them unchanged. A channel's ``SendError`` says whether a later try can succeed: a refusal
that cannot (a bad webhook, a wrong signature) fails at once with the vendor's words; one that can
(timeouts, 5xx, rate limits) is retried with backoff, never sooner than the vendor asked.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet

from ..models import Delivery, DigestEmail, Reminder
from .channels.base import SendError
from .item_update import ADD_ONE, update_claimed

SENDING = "sending"  # the same values on DigestEmail.Status and Reminder.Status
PENDING = "pending"
SENT = "sent"
FAILED = "failed"
MAX_RETRY_DELAY = datetime.timedelta(hours=1)
REQUEUED = "发送中断（进程退出或超时），已重新排队。"


def interrupted_for_good(max_attempts: int) -> str:
    return f"发送中断，已达最多发送次数（{max_attempts} 次）。"


def retry_delay(attempts: int) -> datetime.timedelta:
    """Exponential backoff after the ``attempts``-th failure: base, 2×base, 4×base … (≤ 1 hour)."""
    base = datetime.timedelta(seconds=settings.REMINDER_RETRY_BASE_SECONDS)
    return min(base * (2 ** max(attempts - 1, 0)), MAX_RETRY_DELAY)


def error_text(exc: BaseException) -> str:
    if isinstance(exc, SendError):
        return str(exc)[:2000]  # already the vendor's words, secrets scrubbed
    return f"{type(exc).__name__}: {exc}"[:2000]


def claim(queryset: QuerySet, token: str, now: datetime.datetime, **extra: object) -> int:
    """Claim the pending items of ``queryset`` for ``token`` (one conditional UPDATE)."""
    return queryset.filter(status=PENDING).update(
        status=SENDING, claim_token=token, claimed_at=now, attempt_started_at=None, **extra
    )


class Outcome(enum.Enum):
    SENT = "sent"
    RETRYING = "retrying"  # failed, queued again with backoff
    FAILED = "failed"  # failed, and that was the policy's last try
    LOST = "lost"  # the claim had passed to another sender before the try: nothing was tried


@dataclass
class Attempt:
    """One try at sending one claimed item; ``rows`` are the Reminder rows it carries."""

    model: type[DigestEmail] | type[Reminder] | type[Delivery]
    pk: int
    token: str
    attempts: int  # tries counted before this one
    max_attempts: int
    now: datetime.datetime  # the pass's time: backoff runs from it
    clock: Callable[[], datetime.datetime]  # the time to stamp
    rows: Sequence[int] = ()
    # The rows are the DigestEmail's own (Reminder.digest, claimed with this token), however many:
    # a digest's messages read only the rows they list (obligations.reminders.digest_rows).
    rows_of_digest: bool = False
    # False: the rows are not marked as each try starts (a digest's thousands of rows); they take
    # the item's count when it concludes (failed here, sent in outbox.settle_rows, or reclaimed).
    rows_marked_at_start: bool = True
    record: dict[str, object] = field(default_factory=dict)  # fields to write with either outcome
    started: bool = False
    error: str = ""
    recorded: bool = False  # "sent" was written (False: taken over while it was being handed over)

    def _item(self) -> QuerySet:
        return self.model.objects.filter(pk=self.pk, claim_token=self.token, status=SENDING)

    def _carries_rows(self) -> bool:
        return self.rows_of_digest or bool(self.rows)

    def _rows(self) -> QuerySet:
        mine = (
            Reminder.objects.filter(digest_id=self.pk)
            if self.rows_of_digest
            else Reminder.objects.filter(pk__in=list(self.rows))
        )
        return mine.filter(claim_token=self.token, status=SENDING)

    def _update_item(self, values: dict[str, object]) -> bool:
        return update_claimed(self.model, self.pk, self.token, SENDING, values) > 0

    def start(self) -> bool:
        """Count the try, right before the hand-over; False when the claim is no longer ours."""
        stamp = self.clock()
        marks_rows = self._carries_rows() and self.rows_marked_at_start
        # One statement needs no transaction around it (a chat message's try: 1,000s a pass).
        with transaction.atomic() if marks_rows else nullcontext():
            if not self._update_item({"attempts": ADD_ONE, "attempt_started_at": stamp, "claimed_at": stamp}):
                return False
            if marks_rows:
                self._rows().update(attempts=F("attempts") + 1, attempt_started_at=stamp, claimed_at=stamp)
        self.attempts += 1
        self.started = True
        return True

    def succeeded(self) -> bool:
        """Record delivery; False when the claim was taken over meanwhile (the other sender may
        then send it again). A digest's rows follow it in one UPDATE per batch (outbox.settle_rows)."""
        return self._update_item(
            {
                "status": SENT,
                "sent_at": self.clock(),
                "last_error": "",
                "next_attempt_at": None,
                **self.record,
            }
        )

    def failed(self, error: str, *, final: bool = False, delay: datetime.timedelta | None = None) -> bool:
        """Record a failed try (counted now only if it failed before ``start``); True when it was
        the last (the policy's last, or ``final``: no later try can succeed). ``delay``: the
        earliest retry the far side asked for."""
        charge = 0 if self.started else 1
        attempts = self.attempts + charge
        final = final or attempts >= self.max_attempts
        wait = max(retry_delay(attempts), delay or datetime.timedelta(0))
        values = {
            "status": FAILED if final else PENDING,
            "attempts": F("attempts") + charge,
            "last_error": error,
            "next_attempt_at": None if final else self.now + wait,
            "claim_token": "",
        }
        if not self.started:
            values["attempt_started_at"] = self.clock()
        with transaction.atomic():
            self._item().update(**values, **self.record)
            if self._carries_rows():
                if not self.rows_marked_at_start:
                    values = {**values, "attempts": attempts, "attempt_started_at": self.clock()}
                self._rows().update(**values)
        self.attempts = attempts
        self.error = error
        return final

    def _fail(self, exc: Exception) -> Outcome:
        if isinstance(exc, SendError):
            final = self.failed(error_text(exc), final=not exc.retry, delay=exc.delay)
        else:
            final = self.failed(error_text(exc))
        return Outcome.FAILED if final else Outcome.RETRYING

    def run(self, connect: Callable[[], object], hand_over: Callable[[], object]) -> Outcome:
        """Connect, count the try, hand the message over, record the outcome."""
        try:
            connect()
        except Exception as exc:
            return self._fail(exc)
        if not self.start():
            return Outcome.LOST
        try:
            hand_over()
        except Exception as exc:
            return self._fail(exc)
        # Recording "sent" follows the hand-over at once: the crash window is this statement.
        self.recorded = self.succeeded()
        return Outcome.SENT


def reclaim(stuck: QuerySet, max_attempts: int | None) -> int:
    """Items of ``stuck`` (left "sending" by a sender that died or stalled) back to the queue.

    Never started: pending again as they were, no charge. Started: the try is already counted;
    failed when it was the policy's last, else pending with the reason. ``max_attempts`` None:
    never failed here (rows whose fate their digest decides).
    """
    stuck = stuck.filter(status=SENDING)
    total = stuck.filter(attempt_started_at__isnull=True).update(status=PENDING, claim_token="")
    started = stuck.filter(attempt_started_at__isnull=False)
    if max_attempts is not None:
        total += started.filter(attempts__gte=max_attempts).update(
            status=FAILED,
            claim_token="",
            next_attempt_at=None,
            last_error=interrupted_for_good(max_attempts),
        )
    total += started.update(status=PENDING, claim_token="", last_error=REQUEUED)
    return total
