"""A real SMTP server on loopback for fault tests: aiosmtpd in a thread, counting what it sees.

It can refuse chosen recipients at RCPT, and it can *trap* the next DATA transaction of chosen
senders (envelope MAIL FROM; give each sending process its own): the message is received in
full, then the reply is held until the test releases it, so the test can kill the sending
process at a known point of the conversation:

- ``Trap.ACCEPT``: the server takes the message (counted as delivered) and the sender dies before
  it hears so: the documented window, after which the sender must send it again (same Message-ID);
- ``Trap.HOLD``: the sender dies before the server took it (it is discarded): a real try that
  reached the server and must be sent again, once.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import threading
import time
from collections import Counter
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import default

from aiosmtpd.controller import Controller

from .cluster import free_port

_LOG = logging.getLogger("mail.log")


class Trap(enum.Enum):
    ACCEPT = "accept"
    HOLD = "hold"


@dataclass(frozen=True)
class Trapped:
    trap: Trap
    sender: str
    recipient: str
    message_id: str
    at: float  # time.monotonic() when it was trapped


class Recorder:
    """The aiosmtpd handler: counts RCPT per address and DATA per Message-ID, keeps what it took."""

    def __init__(self, refuse: dict[str, str], delay: float) -> None:
        self.refuse = refuse  # address -> the SMTP reply refusing it at RCPT
        self.delay = delay  # seconds before each (untrapped) 250 reply: a server at work
        self.lock = threading.Lock()
        self.rcpt: Counter[str] = Counter()  # address -> RCPT commands
        self.data: Counter[str] = Counter()  # Message-ID -> DATA transactions received in full
        self.accepted: list[tuple[str, str]] = []  # (recipient, Message-ID) the server took
        self.accepted_from: Counter[str] = Counter()  # envelope sender -> messages taken
        self.trapped: list[Trapped] = []  # in the order they were trapped
        self._armed: dict[str, tuple[Trap, int]] = {}  # sender -> trap, once it has this many taken
        self._trap_count = 0
        self._released = 0  # traps 1.._released may reply

    async def handle_RCPT(self, server, session, envelope, address: str, rcpt_options) -> str:
        with self.lock:
            self.rcpt[address] += 1
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        message_id = str(BytesHeaderParser(policy=default).parsebytes(envelope.content)["Message-ID"]).strip()
        recipients = list(envelope.rcpt_tos)
        sender = envelope.mail_from
        with self.lock:
            self.data[message_id] += 1
            trap, after = self._armed.get(sender, (None, 0))
            if trap is not None and self.accepted_from[sender] >= after:
                del self._armed[sender]
            else:
                trap = None
            if trap is not None:
                self._trap_count += 1
                number = self._trap_count
                now = time.monotonic()
                self.trapped.extend(Trapped(trap, sender, rcpt, message_id, now) for rcpt in recipients)
                if trap is Trap.ACCEPT:
                    self._take(sender, recipients, message_id)
        if trap is not None:
            while self._released < number:
                await asyncio.sleep(0.01)
            return "451 4.3.0 Trap released (the sender was killed meanwhile)"
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            self._take(sender, recipients, message_id)
        return "250 2.0.0 OK"

    def _take(self, sender: str, recipients: list[str], message_id: str) -> None:
        self.accepted.extend((rcpt, message_id) for rcpt in recipients)
        self.accepted_from[sender] += 1

    # --- driven by the test ------------------------------------------------------------------------

    def arm(self, senders: list[str], trap: Trap, more: int = 0) -> int:
        """Trap one DATA transaction of each of ``senders``, after ``more`` further messages from
        it were taken; returns how many were trapped before."""
        with self.lock:
            self._armed = {sender: (trap, self.accepted_from[sender] + more) for sender in senders}
            return len(self.trapped)

    def release(self) -> None:
        with self.lock:
            self._armed = {}
            self._released = self._trap_count

    def caught(self, before: int, count: int) -> list[Trapped] | None:
        """The ``count`` messages trapped after the first ``before``, once they all are."""
        with self.lock:
            return self.trapped[before:] if len(self.trapped) >= before + count else None


class SMTPServer:
    def __init__(self, refuse: dict[str, str] | None = None, delay: float = 0.0) -> None:
        self.recorder = Recorder(refuse or {}, delay)
        self.port = free_port()
        self._controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port, ready_timeout=10)

    def __enter__(self) -> SMTPServer:
        # aiosmtpd logs every command at INFO; a day of mail would drown a failure's output.
        self._log_level = _LOG.level
        _LOG.setLevel(logging.WARNING)
        self._controller.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.recorder.release()
        self._controller.stop()
        _LOG.setLevel(self._log_level)
