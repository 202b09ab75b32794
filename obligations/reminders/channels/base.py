"""What every channel shares: the message handed to it, the error it raises, its one ``send()``.

A channel is a small class (as notification transports are written in mature alerting projects):
``prepare()`` does what needs the far side but sends nothing (企业微信's access token; a failure
there is a failed try, like an SMTP connection that does not open), ``send()`` hands one message
over and returns the vendor's answer, or raises ``SendError`` saying whether a later try may
succeed (timeouts, 5xx, rate limits) or not (a bad webhook, a wrong signature, an unknown user).
The outbox (obligations.reminders.channel_outbox) claims, counts tries and records outcomes;
channels know nothing of the database except the settings they are built from.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field


@dataclass
class Outgoing:
    """One message for one address: a person's 企业微信 user id or mobile, or a robot."""

    to: str  # user id, mobile, or "" for a group robot (the webhook is the address)
    text: str  # already fitted to the channel's limit
    title: str = ""
    message_id: str = ""  # stable per delivery: a resend carries the same one
    mentions: list[str] = field(default_factory=list)  # user ids (企业微信) or mobiles (钉钉)


class SendError(Exception):
    """A send that did not go through. ``retry``: a later try may succeed; ``delay``: not before."""

    def __init__(
        self, message: str, *, retry: bool, delay: datetime.timedelta | None = None, answer: str = ""
    ):
        super().__init__(message)
        self.retry = retry
        self.delay = delay
        self.answer = answer


class Channel:
    """Base of the channels: limits, and the two steps the outbox calls."""

    code = ""  # Delivery.Channel value
    label = ""
    # The vendor's size limit for the text of one message: bytes of UTF-8, or characters.
    limit_bytes: int | None = None
    limit_chars: int | None = None

    def prepare(self) -> None:
        """Work with the far side that sends nothing; raises SendError."""

    def send(self, message: Outgoing) -> str:  # pragma: no cover - every channel defines it
        """Hand ``message`` over; returns the vendor's answer, raises SendError."""
        raise NotImplementedError
