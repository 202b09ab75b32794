"""The e-mail channel: Django's mail connection, opened once per sending pass and kept across
messages. ``prepare()`` opens it (a connection that cannot be opened is a failed try, counted
before anything is handed over); ``send()`` hands one message over."""

from __future__ import annotations

import logging

from django.core.mail import EmailMessage, get_connection

logger = logging.getLogger(__name__)


class EmailChannel:
    code = "email"
    label = "邮件"

    def __init__(self) -> None:
        self._connection = None

    def prepare(self) -> None:
        """Open the mail connection unless one is open."""
        if self._connection is None:
            connection = get_connection()
            connection.open()
            self._connection = connection  # only once it opened: a failed open leaves nothing

    def send(self, message: EmailMessage) -> str:
        try:
            sent = self._connection.send_messages([message])
        except Exception:
            self.close()  # a broken SMTP session must not poison the next message
            raise
        if not sent:
            raise RuntimeError("邮件后端未发送该邮件（返回 0）")
        return ""

    def close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except Exception:  # closing a dead connection may fail; nothing to do
                logger.debug("closing the mail connection failed", exc_info=True)
            self._connection = None
