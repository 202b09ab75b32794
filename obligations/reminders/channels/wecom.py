"""企业微信 (and 政务微信, the same API at its own base URL: settings.WECOM_BASE_URL).

Group robot (群机器人), per the vendor's 群机器人配置说明 (developer.work.weixin.qq.com, document
path 91770/99110): ``POST {base}/cgi-bin/webhook/send?key=KEY`` with
``{"msgtype": "markdown", "markdown": {"content": ...}}``; markdown content at most 4096 bytes of
UTF-8 (text: 2048; longer content is refused with errcode 40058); members are @-mentioned in
markdown with ``<@userid>``; at most 20 messages a minute per robot (errcode 45009 "api freq out
of limit" beyond); errcode 93000 is an invalid webhook URL (key).

Application message (发送应用消息, document path 90236): ``POST {base}/cgi-bin/message/send
?access_token=TOKEN`` with ``{"touser", "msgtype": "markdown", "agentid", "markdown": {"content"}}``;
markdown at most 2048 bytes; a user not in the app's visible range comes back in ``invaliduser``
(all invalid: errcode 81013); at most 30 messages a minute to one member. The token comes from
``GET {base}/cgi-bin/gettoken?corpid=ID&corpsecret=SECRET`` (获取access_token, path 91039):
``{"access_token", "expires_in": 7200}``, to be cached (gettoken is rate limited) and fetched again
when it expires or a call answers 40014 (invalid access_token), 42001 (expired) or 40001 (invalid
credential). Global codes (全局错误码, path 90313): -1 system busy, retry later.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from ...models import WecomApp
from .base import Channel, Outgoing, SendError
from .http_client import Http, Reply

RATE_LIMITED = {45009, 45033}  # api freq out of limit; too many concurrent calls
BUSY = {-1}
TOKEN_INVALID = {40001, 40014, 42001}
# A token is refreshed this long before the expiry the API gave.
TOKEN_MARGIN = datetime.timedelta(minutes=5)


def _base() -> str:
    return settings.WECOM_BASE_URL.rstrip("/")


def check(reply: Reply, what: str) -> dict:
    """The JSON answer when errcode is 0; else a SendError saying whether to retry."""
    body = reply.json()
    if reply.status >= 400 or body is None:
        raise SendError(f"{what}应答异常：HTTP {reply.status} {reply.text}", retry=False, answer=reply.text)
    code = body.get("errcode", 0)
    if code == 0:
        return body
    message = f"{what}返回 {code}：{body.get('errmsg', '')}"
    if code in RATE_LIMITED:
        raise SendError(message, retry=True, delay=datetime.timedelta(minutes=1), answer=reply.text)
    raise SendError(message, retry=code in BUSY, answer=reply.text)


class WecomRobotChannel(Channel):
    code = "wecom_robot"
    label = "企业微信群机器人"
    limit_bytes = 4096

    def __init__(self, http: Http, key: str) -> None:
        self.http = http
        self.key = key

    def send(self, message: Outgoing) -> str:
        if not self.key:
            raise SendError("群机器人未设置 Webhook 密钥。", retry=False)
        content = message.text
        reply = self.http.request(
            "POST",
            f"{_base()}/cgi-bin/webhook/send",
            params={"key": self.key},
            json_body={"msgtype": "markdown", "markdown": {"content": content}},
            headers={"X-Tracker-Message-Id": message.message_id},
            secrets=[self.key],
        )
        check(reply, "企业微信群机器人")
        return reply.text


class WecomAppChannel(Channel):
    """Personal messages through the application; the token is shared through the WecomApp row."""

    code = "wecom_app"
    label = "企业微信应用消息"
    limit_bytes = 2048

    def __init__(self, http: Http, app: WecomApp) -> None:
        self.http = http
        self.app = app

    @property
    def _secrets(self) -> list[str]:
        return [self.app.secret, self.app.access_token]

    def _fresh(self) -> bool:
        expires = self.app.token_expires_at
        return bool(self.app.access_token) and expires is not None and expires - TOKEN_MARGIN > timezone.now()

    def refresh_token(self, stale: str = "") -> None:
        """Fetch a token, unless another worker already replaced ``stale`` with a fresh one."""
        current = WecomApp.objects.filter(pk=self.app.pk).first()
        if current is not None and current.access_token and current.access_token != stale:
            self.app.access_token, self.app.token_expires_at = current.access_token, current.token_expires_at
            if self._fresh():
                return
        if not self.app.ready:
            raise SendError("企业微信应用未配置完整（企业 ID、AgentId、Secret）。", retry=False)
        reply = self.http.request(
            "GET",
            f"{_base()}/cgi-bin/gettoken",
            params={"corpid": self.app.corp_id, "corpsecret": self.app.secret},
            secrets=self._secrets,
        )
        body = check(reply, "企业微信 gettoken ")
        token = str(body.get("access_token", ""))
        if not token:
            raise SendError(f"企业微信 gettoken 未返回 access_token：{reply.text}", retry=True)
        expires = timezone.now() + datetime.timedelta(seconds=int(body.get("expires_in", 7200)))
        self.app.access_token, self.app.token_expires_at = token, expires
        # Shared by every worker; written only over the token this one found stale (or none).
        WecomApp.objects.filter(pk=self.app.pk).filter(
            Q(token_expires_at__isnull=True) | Q(token_expires_at__lte=expires)
        ).update(access_token=token, token_expires_at=expires)

    def prepare(self) -> None:
        if not self._fresh():
            self.refresh_token(self.app.access_token)

    def _post(self, message: Outgoing) -> Reply:
        return self.http.request(
            "POST",
            f"{_base()}/cgi-bin/message/send",
            params={"access_token": self.app.access_token},
            json_body={
                "touser": message.to,
                "msgtype": "markdown",
                "agentid": self.app.agent_id,
                "markdown": {"content": message.text},
                "enable_duplicate_check": 0,
            },
            headers={"X-Tracker-Message-Id": message.message_id},
            secrets=self._secrets,
        )

    def send(self, message: Outgoing) -> str:
        if not message.to:
            raise SendError("接收人未设置企业微信账号。", retry=False)
        reply = self._post(message)
        body = reply.json() or {}
        if body.get("errcode") in TOKEN_INVALID:
            # The token was revoked or expired early: fetch one and send again, once, in this try.
            self.refresh_token(self.app.access_token)
            reply = self._post(message)
            body = reply.json() or {}
        check(reply, "企业微信应用消息")
        invalid = str(body.get("invaliduser", "") or "")
        if invalid:
            raise SendError(f"企业微信账号无效或不在应用可见范围：{invalid}", retry=False, answer=reply.text)
        return reply.text
