"""The thin HTTP client under every channel: one ``requests`` session per sending pass (keep-alive),
timeouts on every call, and no secret in what it raises or logs.

Webhook keys, tokens and signatures travel in query strings, and requests/urllib3 put URLs into
exception texts (and urllib3 into DEBUG logs, which settings.LOGGING keeps at WARNING). Every
error text leaving here has each secret the caller named replaced by "***", so a stored
``last_error`` or a page showing the vendor's answer never reveals one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import requests
from django.conf import settings

from .base import SendError

USER_AGENT = "duban-tracker/1.0 (reminders)"
MAX_ANSWER = 2000


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


@dataclass
class Reply:
    status: int
    text: str

    def json(self) -> dict | None:
        try:
            value = json.loads(self.text)
        except ValueError:
            return None
        return value if isinstance(value, dict) else None


class Http:
    """A session with the channel timeouts; ``secrets`` are scrubbed from every error text."""

    def __init__(self, session: requests.Session | None = None) -> None:
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        self.session.trust_env = False  # no proxy from the environment: vendors are addressed as configured
        self.timeout = (settings.CHANNEL_CONNECT_TIMEOUT, settings.CHANNEL_READ_TIMEOUT)

    def close(self) -> None:
        self.session.close()

    def request(
        self,
        method: str,
        url: str,
        *,
        secrets: Iterable[str] = (),
        params: Mapping[str, str] | None = None,
        json_body: object = None,
        data: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        """One request; transport failures and 5xx/429 are retryable SendErrors."""
        secrets = list(secrets)
        try:
            response = self.session.request(
                method,
                url,
                params=params,
                json=json_body,
                data=data,
                headers=dict(headers or {}),
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.Timeout as exc:
            raise SendError(f"请求超时：{redact(str(exc), secrets)}"[:MAX_ANSWER], retry=True) from None
        except requests.RequestException as exc:
            raise SendError(
                f"无法连接：{type(exc).__name__}: {redact(str(exc), secrets)}"[:MAX_ANSWER], retry=True
            ) from None
        reply = Reply(response.status_code, redact(response.text, secrets)[:MAX_ANSWER])
        if response.status_code == 429 or response.status_code >= 500:
            raise SendError(f"HTTP {response.status_code}：{reply.text}", retry=True, answer=reply.text)
        return reply
