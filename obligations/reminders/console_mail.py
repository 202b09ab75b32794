"""The console e-mail backend the demo uses (EMAIL_BACKEND=console): each message as a reader would
see it, its headers and its plain-text part, decoded. Django's own console backend prints the raw
MIME message, HTML alternative and base64 included: hundreds of lines per digest."""

from __future__ import annotations

from django.core.mail import EmailMessage
from django.core.mail.backends.console import EmailBackend as DjangoConsoleBackend

RULE = "-" * 72


class EmailBackend(DjangoConsoleBackend):
    def write_message(self, message: EmailMessage) -> None:
        headers = message.extra_headers or {}
        lines = [
            f"发件人：{message.from_email}",
            f"收件人：{', '.join(message.to)}",
            f"主题：{message.subject}",
        ]
        if "Message-ID" in headers:
            lines.append(f"Message-ID：{headers['Message-ID']}")
        alternatives = [mimetype for _, mimetype in getattr(message, "alternatives", [])]
        if alternatives:
            lines.append(f"（另附 {'、'.join(alternatives)} 版本，此处只显示纯文本）")
        self.stream.write("\n".join(lines) + "\n\n" + message.body.rstrip() + "\n" + RULE + "\n")
