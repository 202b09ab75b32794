"""E-mail backends for fault tests (importable by a qcluster subprocess via EMAIL_BACKEND)."""

from __future__ import annotations

import os
import smtplib
import time
import uuid
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.filebased import EmailBackend as FileBackend


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
        raise SystemExit("simulated crash while sending")
