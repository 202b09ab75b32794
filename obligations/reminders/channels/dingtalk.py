"""钉钉 custom group robot (自定义机器人), per the vendor's 自定义机器人接入 and 加签 documents
(open.dingtalk.com/document/robots/custom-robot-access, .../customize-robot-security-settings):

- ``POST {base}/robot/send?access_token=TOKEN&timestamp=T&sign=S`` where T is the time in
  milliseconds (within an hour of the server's) and S = urlencode(base64(HmacSHA256(secret,
  f"{T}\\n{secret}"))) with the robot's SEC… secret;
- body ``{"msgtype": "markdown", "markdown": {"title", "text"}, "at": {"atMobiles": [...],
  "isAtAll": false}}``; a mentioned mobile must also appear as ``@138…`` in the text;
- at most 20 messages a minute per robot; beyond, errcode 130101 ("send too fast") and the robot is
  throttled for 10 minutes;
- errcode 310000 is a failed security check (sign not match, keywords not in content, ip not in
  whitelist), 300001 an unknown access token: neither gets better by retrying; -1 system busy does.

The vendor states no byte limit for markdown we could find; we keep messages to 4096 bytes of UTF-8,
the same as 企业微信's robot, and link to the full list beyond.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import time

from django.conf import settings

from .base import Channel, Outgoing, SendError
from .http_client import Http

TOO_FAST = {130101, 90030, 660026}
BUSY = {-1}
THROTTLED_FOR = datetime.timedelta(minutes=10)


def sign(secret: str, timestamp_ms: int) -> str:
    """base64(HmacSHA256(secret, "{timestamp}\\n{secret}")); requests url-encodes it as a parameter."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


class DingtalkRobotChannel(Channel):
    code = "dingtalk"
    label = "钉钉群机器人"
    limit_bytes = 4096

    def __init__(self, http: Http, token: str, secret: str) -> None:
        self.http = http
        self.token = token
        self.secret = secret

    def send(self, message: Outgoing) -> str:
        if not self.token:
            raise SendError("钉钉机器人未设置 access_token。", retry=False)
        params = {"access_token": self.token}
        secrets = [self.token, self.secret]
        if self.secret:
            timestamp = int(time.time() * 1000)
            signature = sign(self.secret, timestamp)
            params.update(timestamp=str(timestamp), sign=signature)
            secrets.append(signature)
        reply = self.http.request(
            "POST",
            f"{settings.DINGTALK_BASE_URL.rstrip('/')}/robot/send",
            params=params,
            json_body={
                "msgtype": "markdown",
                "markdown": {"title": message.title or "督办提醒", "text": message.text},
                "at": {"atMobiles": list(message.mentions), "isAtAll": False},
            },
            headers={"X-Tracker-Message-Id": message.message_id},
            secrets=secrets,
        )
        body = reply.json()
        if reply.status >= 400 or body is None:
            raise SendError(f"钉钉应答异常：HTTP {reply.status} {reply.text}", retry=False, answer=reply.text)
        code = body.get("errcode", 0)
        if code == 0:
            return reply.text
        text = f"钉钉返回 {code}：{body.get('errmsg', '')}"
        if code in TOO_FAST:
            raise SendError(text, retry=True, delay=THROTTLED_FOR, answer=reply.text)
        raise SendError(text, retry=code in BUSY, answer=reply.text)
