"""SMS through a configurable HTTP gateway (obligations.models.SmsGateway).

Each 政务短信平台 has its own request, so the request is described rather than coded: URL, method
(JSON body, form body or GET query), a JSON object of parameters and one of headers whose string
values may hold {mobile} {text} {secret} {message_id} {timestamp}, and a success rule: HTTP 2xx and,
when set, a JSON field equal to a value and/or a regular expression found in the answer.
Placeholders are replaced inside the parsed JSON strings, never spliced into raw text, so a message
cannot break the request's syntax. Timeouts, 5xx and 429 are retried; any other refusal fails
with the gateway's answer. ``{message_id}`` is stable per delivery so gateways that take a
client reference (外部流水号) can drop a resend.
"""

from __future__ import annotations

import json
import re
import time

from ...models import SmsGateway
from .base import Channel, Outgoing, SendError
from .http_client import Http

PLACEHOLDERS = ("mobile", "text", "secret", "message_id", "timestamp")
PLACEHOLDER = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")


class TemplateError(ValueError):
    pass


def parse_object(text: str, what: str) -> dict:
    try:
        value = json.loads(text or "{}")
    except ValueError as exc:
        raise TemplateError(f"{what}不是合法的 JSON：{exc}") from None
    if not isinstance(value, dict):
        raise TemplateError(f"{what}应为 JSON 对象（{{...}}）。")
    return value


def fill(template: object, values: dict[str, str]) -> object:
    """Replace placeholders inside the strings of a parsed JSON value."""
    if isinstance(template, str):
        return PLACEHOLDER.sub(lambda m: values[m.group(1)], template)
    if isinstance(template, dict):
        return {key: fill(value, values) for key, value in template.items()}
    if isinstance(template, list):
        return [fill(value, values) for value in template]
    return template


def dig(body: object, path: str) -> object:
    for part in path.split("."):
        if isinstance(body, dict) and part in body:
            body = body[part]
        elif isinstance(body, list) and part.isdigit() and int(part) < len(body):
            body = body[int(part)]
        else:
            return None
    return body


class SmsChannel(Channel):
    code = "sms"
    label = "短信"

    def __init__(self, http: Http, gateway: SmsGateway) -> None:
        self.http = http
        self.gateway = gateway
        self.limit_chars = max(20, gateway.max_chars)

    def send(self, message: Outgoing) -> str:
        gateway = self.gateway
        if not gateway.url:
            raise SendError("短信网关未配置地址。", retry=False)
        if not message.to:
            raise SendError("接收人未设置手机号。", retry=False)
        values = {
            "mobile": message.to,
            "text": message.text,
            "secret": gateway.secret,
            "message_id": message.message_id,
            "timestamp": str(int(time.time())),
        }
        try:
            params = fill(parse_object(gateway.params, "请求参数"), values)
            headers = {
                str(k): str(v) for k, v in fill(parse_object(gateway.headers, "请求头"), values).items()
            }
        except TemplateError as exc:
            raise SendError(str(exc), retry=False) from None
        headers.setdefault("X-Tracker-Message-Id", message.message_id)
        kwargs: dict = {"headers": headers, "secrets": [gateway.secret]}
        if gateway.method == SmsGateway.Method.GET:
            kwargs["params"] = {str(k): str(v) for k, v in params.items()}
        elif gateway.method == SmsGateway.Method.POST_FORM:
            kwargs["data"] = {str(k): str(v) for k, v in params.items()}
        else:
            kwargs["json_body"] = params
        reply = self.http.request(
            "GET" if gateway.method == SmsGateway.Method.GET else "POST", gateway.url, **kwargs
        )
        if not 200 <= reply.status < 300:
            raise SendError(f"短信网关拒绝：HTTP {reply.status} {reply.text}", retry=False, answer=reply.text)
        if gateway.success_json_path:
            found = dig(reply.json(), gateway.success_json_path)
            if found is None or str(found) != gateway.success_json_value:
                raise SendError(f"短信网关未确认发送：{reply.text}", retry=False, answer=reply.text)
        if gateway.success_regex and not re.search(gateway.success_regex, reply.text):
            raise SendError(f"短信网关未确认发送：{reply.text}", retry=False, answer=reply.text)
        return reply.text
