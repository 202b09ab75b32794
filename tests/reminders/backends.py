"""E-mail backends for fault tests (importable by a qcluster subprocess via EMAIL_BACKEND)."""

from __future__ import annotations

import os
import smtplib
import time
import uuid
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.filebased import EmailBackend as FileBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend

# Recipients of the messages CrashingBackend was handed (in-process tests read and clear it).
tried: list[str] = []
# What InspectingBackend saw of each message's outbox item at the moment it was handed over.
seen: list[dict] = []


class SlowFileBackend(FileBackend):
    """Writes to EMAIL_FILE_PATH like the file backend, but takes TEST_MAIL_DELAY seconds per
    message (a slow SMTP server) and first drops a marker in TEST_MAIL_MARKERS, so a test can
    kill the process while a message is in flight."""

    def send_messages(self, email_messages):
        delay = float(os.environ.get("TEST_MAIL_DELAY", "0.3"))
        markers = os.environ.get("TEST_MAIL_MARKERS")
        for message in email_messages:
            if markers:
                Path(markers, uuid.uuid4().hex).write_text(",".join(message.to), encoding="utf-8")
            time.sleep(delay)
        return super().send_messages(email_messages)


class FailingBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("模拟邮件服务器故障：连接被拒绝")


class CrashingBackend(BaseEmailBackend):
    """The process dies in the middle of the SMTP conversation (nothing below catches this)."""

    def send_messages(self, email_messages):
        tried.extend(address for message in email_messages for address in message.to)
        raise SystemExit("simulated crash while sending")


class UnreachableBackend(BaseEmailBackend):
    """A mail server that cannot even be connected to."""

    def open(self):
        raise ConnectionRefusedError(111, "模拟邮件服务器无法连接")

    def send_messages(self, email_messages):  # pragma: no cover - open() fails first
        raise AssertionError("send_messages without a connection")


class InspectingBackend(LocmemBackend):
    """Delivers like locmem, first noting the state of the message's outbox item (by its
    Message-ID) as the database shows it at the moment of the hand-over."""

    def send_messages(self, email_messages):
        from obligations.models import DigestEmail, Reminder

        for message in email_messages:
            kind, pk = message.extra_headers["Message-ID"].split("@")[0].split("-")[1:3]
            model = DigestEmail if kind == "digest" else Reminder
            item = model.objects.get(pk=int(pk))
            seen.append(
                {
                    "kind": kind,
                    "status": item.status,
                    "attempts": item.attempts,
                    "started": getattr(item, "attempt_started_at", None) is not None,
                    "rows": sorted(
                        item.reminders.values_list("attempts", flat=True) if kind == "digest" else []
                    ),
                }
            )
        return super().send_messages(email_messages)
