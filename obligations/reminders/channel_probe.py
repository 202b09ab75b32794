"""The settings pages' 发送测试消息: one message through a channel, at once and outside the outbox,
and the vendor's answer to show (secrets scrubbed by the HTTP client)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from ..models import Robot, SmsGateway, WecomApp
from .channels.base import Outgoing, SendError
from .channels.dingtalk import DingtalkRobotChannel
from .channels.http_client import Http
from .channels.sms import SmsChannel
from .channels.wecom import WecomAppChannel, WecomRobotChannel


@dataclass
class ProbeResult:
    ok: bool
    message: str  # what the page says, the vendor's answer included


def _text(where: str) -> str:
    moment = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    return f"【督办台账】测试消息：{where}配置正确，可以收到督办提醒。（{moment}）\n{settings.SITE_URL}/"


def _run(channel, message: Outgoing) -> ProbeResult:
    try:
        channel.prepare()
        answer = channel.send(message)
    except SendError as exc:
        return ProbeResult(False, f"发送失败：{exc}")
    return ProbeResult(True, f"发送成功。对方应答：{answer}")


def probe_robot(robot: Robot) -> ProbeResult:
    http = Http()
    try:
        if robot.kind == Robot.Kind.WECOM:
            channel = WecomRobotChannel(http, robot.key)
        else:
            channel = DingtalkRobotChannel(http, robot.key, robot.secret)
        text = _text(f"{robot.unit.name}的{robot.get_kind_display()}")
        return _run(channel, Outgoing(to="", text=text, title="测试消息"))
    finally:
        http.close()


def probe_app(to: str) -> ProbeResult:
    http = Http()
    try:
        app = WecomApp.current()
        if not (app.corp_id and app.agent_id and app.secret):
            return ProbeResult(False, "发送失败：请先填写企业 ID、AgentId 和 Secret 并保存。")
        return _run(WecomAppChannel(http, app), Outgoing(to=to, text=_text("企业微信应用消息")))
    finally:
        http.close()


def probe_sms(to: str) -> ProbeResult:
    http = Http()
    try:
        gateway = SmsGateway.current()
        text = f"{gateway.signature}测试短信：短信网关配置正确。"
        return _run(SmsChannel(http, gateway), Outgoing(to=to, text=text, message_id="test"))
    finally:
        http.close()
