"""The chat and SMS channels against loopback vendors that answer as documented: the exact requests
made, token refresh, signatures, rate limits kept by spacing, retries, failures with the vendor's
words, messages fitted to the limits, secrets sealed and never logged."""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import logging
import threading
from unittest import mock

import pytest
from django.core import mail
from django.db import connection

from obligations.devtools.mock_vendors import MockVendors
from obligations.models import (
    Contact,
    Delivery,
    DigestEmail,
    Reminder,
    Robot,
    SmsGateway,
    Task,
    UnitChannels,
    WecomApp,
)
from obligations.reminders import generate, outbox, send_due
from obligations.reminders.channel_text import Limit, fit, utf8_len
from obligations.reminders.manual import remind_tasks

from .. import factories
from .conftest import MONDAY, at

ROBOT_KEY = "0a1b2c3d-robot-key-4e5f"
DING_TOKEN = "ding-access-token-abcdef"
DING_SECRET = "SECdingsecret0123456789"
SMS_SECRET = "sms-api-key-987654"


@pytest.fixture
def vendors(settings):
    with MockVendors() as mock:
        settings.WECOM_BASE_URL = mock.url
        settings.DINGTALK_BASE_URL = mock.url
        settings.SITE_URL = "https://duban.example.gov.cn"
        settings.CHANNEL_READ_TIMEOUT = 1
        settings.REMINDER_RETRY_BASE_SECONDS = 60
        mock.state.wecom_keys = {ROBOT_KEY}
        mock.state.dingtalk = {DING_TOKEN: DING_SECRET}
        yield mock


def app_on(vendors) -> WecomApp:
    app = WecomApp.current()
    app.enabled, app.corp_id, app.agent_id, app.secret = (
        True,
        vendors.state.corp_id,
        1000002,
        vendors.state.corp_secret,
    )
    app.save()
    return app


def sms_on(vendors, **fields) -> SmsGateway:
    gateway = SmsGateway.current()
    gateway.enabled = True
    gateway.url = f"{vendors.url}/sms/send"
    gateway.params = (
        '{"apiKey": "{secret}", "mobile": "{mobile}", "content": "{text}", "ref": "{message_id}"}'
    )
    gateway.secret = SMS_SECRET
    gateway.success_json_path, gateway.success_json_value = "code", "0"
    for name, value in fields.items():
        setattr(gateway, name, value)
    gateway.save()
    return gateway


def contact(user, userid="", mobile="") -> None:
    Contact.objects.update_or_create(user=user, defaults={"wecom_userid": userid, "mobile": mobile})


def channels_for(unit, *, wecom_app=False, sms=False) -> None:
    UnitChannels.objects.update_or_create(unit=unit, defaults={"wecom_app": wecom_app, "sms": sms})


def remind(task, unit, by, message="", when=None):
    """A 催办 made on the web at ``when`` (the tests' clock runs in 2025)."""
    rows = remind_tasks([(task, [unit])], by, message)
    Reminder.objects.filter(pk__in=[r.pk for r in rows]).update(due_at=when)
    Delivery.objects.filter(due_at__gt=when).update(due_at=when)
    return rows


def robot(unit, kind=Robot.Kind.WECOM, key=ROBOT_KEY, secret="") -> Robot:
    return Robot.objects.create(unit=unit, kind=kind, key=key, secret=secret)


def test_wecom_robot_gets_the_units_digest_with_mentions(scene, vendors):
    contact(scene.liaison_a, userid="LiSi")
    robot(scene.unit_a)
    overdue = scene.task(datetime.date(2025, 2, 26), text="落实[减税]降费<@all>政策")
    soon = scene.task(datetime.date(2025, 3, 5))
    stats = generate(MONDAY, at(MONDAY))
    assert stats.deliveries == 1
    generate(MONDAY, at(MONDAY, 10))  # a second sweep plans nothing twice
    assert Delivery.objects.count() == 1
    sent = send_due(at(MONDAY, 9, 1))
    assert sent.channel_sent == 1

    [request] = vendors.of("/cgi-bin/webhook/send")
    assert (request.method, request.query) == ("POST", {"key": ROBOT_KEY})
    assert set(request.body) == {"msgtype", "markdown"} and request.body["msgtype"] == "markdown"
    content = request.body["markdown"]["content"]
    assert content.startswith("**【督办提醒】市财政局 2025年3月3日：2 项任务需要关注**")
    assert "请 <@LiSi> 及时办理" in content
    # Task text cannot inject markdown or mentions: brackets become full-width.
    assert "落实［减税］降费＜@all＞政策" in content and "<@all>" not in content
    for task in (overdue, soon):
        assert f"(https://duban.example.gov.cn/tasks/{task.pk}/)" in content
    assert content.endswith(f"[查看全部](https://duban.example.gov.cn/tasks/?unit={scene.unit_a.pk})")
    delivery = Delivery.objects.get()
    assert request.message_id == f"<tracker-delivery-{delivery.pk}@duban.example.gov.cn>"
    assert (delivery.status, delivery.attempts, delivery.channel) == ("sent", 1, "wecom_robot")
    assert delivery.answer == '{"errcode": 0, "errmsg": "ok"}'
    send_due(at(MONDAY, 16))
    assert len(vendors.of("/cgi-bin/webhook/send")) == 1


def test_wecom_app_token_is_cached_refreshed_on_expiry_and_messages_are_personal(scene, vendors):
    app_on(vendors)
    channels_for(scene.unit_a, wecom_app=True)
    contact(scene.liaison_a, userid="ZhangSan")
    contact(scene.liaison_b, userid="WangWu")  # unit B has the channel off: no message
    scene.task(datetime.date(2025, 3, 4), scene.unit_a, scene.unit_b)
    generate(MONDAY, at(MONDAY))
    assert list(Delivery.objects.values_list("channel", "recipient_id")) == [
        ("wecom_app", scene.liaison_a.pk)
    ]
    send_due(at(MONDAY, 9, 1))

    [token_call] = vendors.of("/cgi-bin/gettoken")
    assert token_call.query == {"corpid": "wwcorp", "corpsecret": vendors.state.corp_secret}
    [message] = vendors.of("/cgi-bin/message/send")
    token = WecomApp.current().access_token
    assert message.query == {"access_token": token}
    assert message.body["touser"] == "ZhangSan" and message.body["agentid"] == 1000002
    assert message.body["msgtype"] == "markdown"
    assert message.body["markdown"]["content"].startswith("**【督办提醒】2025年3月3日：1 项任务需要您关注**")
    # The token is sealed at rest.
    with connection.cursor() as cursor:
        cursor.execute("SELECT access_token, secret FROM obligations_wecomapp")
        raw_token, raw_secret = cursor.fetchone()
    assert token not in raw_token and vendors.state.corp_secret not in raw_secret

    # A 催办 later: the cached token is used; then the vendor expires it early: refreshed, resent once.
    remind(
        scene.task(datetime.date(2025, 3, 20)), scene.unit_a, scene.supervisor, "请今日报送", at(MONDAY, 14)
    )
    send_due(at(MONDAY, 14))
    assert len(vendors.of("/cgi-bin/gettoken")) == 1 and len(vendors.of("/cgi-bin/message/send")) == 2
    vendors.expire_tokens()
    remind(scene.task(datetime.date(2025, 3, 21)), scene.unit_a, scene.supervisor, when=at(MONDAY, 15))
    send_due(at(MONDAY, 15))
    calls = [(r.path, (r.answer or {}).get("errcode")) for r in vendors.requests[3:]]
    assert calls == [
        ("/cgi-bin/message/send", 42001),
        ("/cgi-bin/gettoken", 0),
        ("/cgi-bin/message/send", 0),
    ]
    assert set(Delivery.objects.values_list("status", "attempts")) == {("sent", 1)}


def test_dingtalk_robot_signs_each_request_and_mentions_by_mobile(scene, vendors):
    contact(scene.liaison_a, mobile="13800001111")
    robot(scene.unit_a, Robot.Kind.DINGTALK, key=DING_TOKEN, secret=DING_SECRET)
    scene.task(datetime.date(2025, 3, 4))
    generate(MONDAY, at(MONDAY))
    send_due(at(MONDAY, 9, 1))
    [request] = vendors.of("/robot/send")
    assert set(request.query) == {"access_token", "timestamp", "sign"}
    assert request.query["access_token"] == DING_TOKEN
    stamp = request.query["timestamp"]
    expected = base64.b64encode(
        hmac.new(DING_SECRET.encode(), f"{stamp}\n{DING_SECRET}".encode(), hashlib.sha256).digest()
    ).decode()
    assert request.query["sign"] == expected
    assert request.body["at"] == {"atMobiles": ["13800001111"], "isAtAll": False}
    assert request.body["markdown"]["title"] == "督办提醒"
    assert "@13800001111" in request.body["markdown"]["text"]
    assert Delivery.objects.get().status == "sent"


def test_a_wrong_signature_fails_at_once_with_the_vendors_words(scene, vendors):
    robot(scene.unit_a, Robot.Kind.DINGTALK, key=DING_TOKEN, secret="SECwrongsecret000000")
    scene.task(datetime.date(2025, 3, 4))
    generate(MONDAY, at(MONDAY))
    stats = send_due(at(MONDAY, 9, 1))
    delivery = Delivery.objects.get()
    assert stats.channel_failed == 1
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 1, None)
    assert delivery.last_error == "钉钉返回 310000：sign not match"
    assert "SECwrongsecret" not in delivery.last_error + delivery.answer


def test_a_bad_webhook_key_fails_at_once(scene, vendors):
    robot(scene.unit_a, key="not-a-known-key-000")
    scene.task(datetime.date(2025, 3, 4))
    generate(MONDAY, at(MONDAY))
    send_due(at(MONDAY, 9, 1))
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.last_error) == (
        "failed",
        "企业微信群机器人返回 93000：invalid webhook url",
    )


def test_timeouts_and_5xx_are_retried_with_backoff_then_fail_after_the_policys_tries(scene, vendors, policy):
    policy.max_send_attempts = 3
    policy.save()
    robot(scene.unit_a)
    scene.task(datetime.date(2025, 3, 4))
    generate(MONDAY, at(MONDAY))
    path = "/cgi-bin/webhook/send"
    vendors.fail_next(path, ("sleep", 1.5), (502, {"error": "bad gateway"}), (503, "<html>维护中</html>"))
    first = at(MONDAY, 9, 1)
    assert send_due(first).channel_retrying == 1
    delivery = Delivery.objects.get()
    assert delivery.status == "pending" and delivery.attempts == 1
    assert delivery.last_error.startswith("请求超时")
    assert delivery.next_attempt_at == first + datetime.timedelta(seconds=60)
    assert send_due(first + datetime.timedelta(seconds=30)).channel_retrying == 0  # not yet
    second = first + datetime.timedelta(seconds=61)
    assert send_due(second).channel_retrying == 1
    delivery.refresh_from_db()
    assert delivery.last_error == 'HTTP 502：{"error": "bad gateway"}'
    assert delivery.next_attempt_at == second + datetime.timedelta(seconds=120)
    assert send_due(second + datetime.timedelta(seconds=121)).channel_failed == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 3)
    assert delivery.last_error == "HTTP 503：<html>维护中</html>"
    assert len(vendors.of(path)) == 3


def test_a_vendors_rate_limit_answer_is_retried_after_the_throttle_and_holds_the_robot(scene, vendors):
    robot(scene.unit_a, Robot.Kind.DINGTALK, key=DING_TOKEN, secret=DING_SECRET)
    scene.task(datetime.date(2025, 3, 4))
    generate(MONDAY, at(MONDAY))
    vendors.fail_next("/robot/send", (200, {"errcode": 130101, "errmsg": "send too fast"}))
    start = at(MONDAY, 9, 1)
    send_due(start)
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert delivery.next_attempt_at == start + datetime.timedelta(minutes=10)
    held = Robot.objects.get().next_send_at
    assert held >= start + datetime.timedelta(minutes=10) - datetime.timedelta(seconds=5)
    send_due(start + datetime.timedelta(minutes=11))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 2)


def test_robot_messages_are_spaced_to_the_robots_rate_never_failed(scene, vendors, settings):
    settings.ROBOT_MESSAGES_PER_MINUTE = 20  # one every 3 s
    robot(scene.unit_a)
    tasks = [scene.task(datetime.date(2025, 3, 20 + n)) for n in range(3)]
    for task in tasks:  # three separate 催办 requests to the same unit
        remind(task, scene.unit_a, scene.supervisor, when=at(MONDAY, 14))
    assert Delivery.objects.filter(robot__isnull=False).count() == 3
    stats = send_due(at(MONDAY, 14, 0))
    assert (stats.channel_sent, stats.channel_deferred, stats.channel_failed) == (1, 2, 0)
    waiting = Delivery.objects.filter(status="pending")
    assert set(waiting.values_list("attempts", flat=True)) == {0}  # deferred, not tried
    slot = Robot.objects.get().next_send_at
    assert set(waiting.values_list("next_attempt_at", flat=True)) == {slot}
    send_due(slot + datetime.timedelta(seconds=1))
    send_due(slot + datetime.timedelta(seconds=5))
    assert list(Delivery.objects.values_list("status", "attempts").distinct()) == [("sent", 1)]
    assert len(vendors.of("/cgi-bin/webhook/send")) == 3


def test_sms_sends_counts_only_through_the_configured_template(scene, vendors):
    sms_on(vendors)
    channels_for(scene.unit_a, sms=True)
    contact(scene.liaison_a, mobile="13900002222")
    scene.task(datetime.date(2025, 2, 26), text="涉密的任务内容不应出现在短信里")
    scene.task(datetime.date(2025, 3, 4))
    scene.task(datetime.date(2025, 3, 5))
    generate(MONDAY, at(MONDAY))
    send_due(at(MONDAY, 9, 1))
    [request] = vendors.of("/sms/send")
    delivery = Delivery.objects.get(channel="sms")
    assert request.method == "POST" and request.headers["content-type"] == "application/json"
    assert request.body == {
        "apiKey": SMS_SECRET,
        "mobile": "13900002222",
        "content": "【督办台账】liaison_a：您有任务逾期未办结1项、即将到期2项，请及时办理。详见 https://duban.example.gov.cn/notifications/",
        "ref": f"<tracker-delivery-{delivery.pk}@duban.example.gov.cn>",
    }
    assert delivery.status == "sent" and delivery.answer == '{"code": 0, "msg": "success"}'


def test_sms_gateway_refusal_by_the_success_rule_fails_with_its_answer(scene, vendors):
    sms_on(vendors, method=SmsGateway.Method.POST_FORM, max_chars=70)
    vendors.state.sms_answer = {"code": 1001, "msg": "余额不足"}
    channels_for(scene.unit_a, sms=True)
    contact(scene.liaison_a, mobile="13900002222")
    scene.task(datetime.date(2025, 3, 4))
    generate(MONDAY, at(MONDAY))
    send_due(at(MONDAY, 9, 1))
    [request] = vendors.of("/sms/send")
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    text = request.body["content"]
    # Too long for 70 characters with the name: the courtesies go, the counts and the link stay.
    assert (
        text
        == "【督办台账】您有任务即将到期1项，请及时办理。详见 https://duban.example.gov.cn/notifications/"
    )
    assert len(text) <= 70
    delivery = Delivery.objects.get()
    assert delivery.status == "failed"
    assert delivery.last_error == '短信网关未确认发送：{"code": 1001, "msg": "余额不足"}'


def test_a_long_digest_is_shortened_with_a_link_never_cut_inside_a_character(scene, vendors):
    app_on(vendors)
    channels_for(scene.unit_a, wecom_app=True)
    contact(scene.liaison_a, userid="ZhangSan")
    for n in range(40):
        scene.task(
            datetime.date(2025, 3, 4), text=f"第{n}项：推进“放管服”改革，优化营商环境，落实各项政策措施"
        )
    generate(MONDAY, at(MONDAY))
    send_due(at(MONDAY, 9, 1))
    [message] = vendors.of("/cgi-bin/message/send")
    content = message.body["markdown"]["content"]
    assert utf8_len(content) <= 2048
    listed = content.count("](https://duban.example.gov.cn/tasks/")
    assert 0 < listed < 40
    assert content.endswith(
        f"……另有 {40 - listed} 项未列出，[查看全部](https://duban.example.gov.cn/notifications/)"
    )
    assert Delivery.objects.get().status == "sent"


def test_fit_cuts_at_character_boundaries_for_byte_and_character_limits():
    head = ["标题" * 50]
    tail = lambda n: f"另有{n}项" if n else "完"  # noqa: E731
    for size in range(10, 120):
        by_bytes = fit(head, [("节", ["项目一", "项目二"])], tail, Limit(size, utf8_len))
        assert utf8_len(by_bytes) <= size, size
        by_bytes.encode("utf-8").decode("utf-8")  # whole characters only
        assert "\ufffd" not in by_bytes
        by_chars = fit(head, [("节", ["项目一"])], tail, Limit(size, len))
        assert len(by_chars) <= size


def test_secrets_are_sealed_at_rest_masked_and_never_logged(scene, vendors, caplog, settings):
    settings.WECOM_BASE_URL = "http://127.0.0.1:9"  # nothing listens: the error names the URL
    robot(scene.unit_a)
    scene.task(datetime.date(2025, 3, 4))
    generate(MONDAY, at(MONDAY))
    with caplog.at_level(logging.DEBUG):
        send_due(at(MONDAY, 9, 1))
    delivery = Delivery.objects.get()
    assert delivery.status == "pending" and delivery.last_error.startswith("无法连接")
    assert "key=***" in delivery.last_error
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert ROBOT_KEY not in logged and ROBOT_KEY not in delivery.last_error
    with connection.cursor() as cursor:
        cursor.execute("SELECT key FROM obligations_robot")
        [raw] = cursor.fetchone()
    assert raw.startswith("gAAAA") and ROBOT_KEY not in raw
    assert Robot.objects.get().key == ROBOT_KEY


def test_manual_reminder_reaches_every_channel_once(scene, vendors):
    app_on(vendors)
    sms_on(vendors)
    channels_for(scene.unit_a, wecom_app=True, sms=True)
    contact(scene.liaison_a, userid="ZhangSan", mobile="13800001111")
    robot(scene.unit_a)
    robot(scene.unit_a, Robot.Kind.DINGTALK, key=DING_TOKEN, secret=DING_SECRET)
    task = scene.task(datetime.date(2025, 3, 20), text="推进政务服务“一网通办”")
    remind(task, scene.unit_a, scene.supervisor, "请于本周五前报送进展", at(MONDAY, 14))
    assert sorted(Delivery.objects.values_list("channel", flat=True)) == [
        "dingtalk",
        "sms",
        "wecom_app",
        "wecom_robot",
    ]
    send_due(at(MONDAY, 14, 1))
    send_due(at(MONDAY, 14, 2))
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
    by_path = {
        path: vendors.of(path)
        for path in ("/cgi-bin/message/send", "/cgi-bin/webhook/send", "/robot/send", "/sms/send")
    }
    assert all(len(requests) == 1 for requests in by_path.values())
    robot_text = by_path["/cgi-bin/webhook/send"][0].body["markdown"]["content"]
    assert robot_text.startswith("**【催办】supervisor于2025年3月3日催办 1 项任务**")
    assert "催办意见：请于本周五前报送进展" in robot_text
    assert (
        by_path["/sms/send"][0]
        .body["content"]
        .startswith("【督办台账】liaison_a：督查室催办：您有任务被催办1项")
    )


def test_a_request_of_several_tasks_is_one_message_per_person_and_channel(scene, vendors):
    """Like its e-mail, a 催办 of a unit's tasks reaches each person once per channel, listing them all;
    the task page shows that one message's state on every task it carries."""
    from obligations.reminders.delivery_status import COLUMNS, states_for

    app_on(vendors)
    sms_on(vendors)
    channels_for(scene.unit_a, wecom_app=True, sms=True)
    contact(scene.liaison_a, userid="ZhangSan", mobile="13800001111")
    first = scene.task(datetime.date(2025, 3, 20), text="推进政务服务“一网通办”")
    second = scene.task(datetime.date(2025, 3, 21), text="清理规范证明事项")
    made = remind_tasks([(first, [scene.unit_a]), (second, [scene.unit_a])], scene.supervisor, "尽快报送")
    Reminder.objects.filter(pk__in=[r.pk for r in made]).update(due_at=at(MONDAY, 14))
    Delivery.objects.update(due_at=at(MONDAY, 14))
    assert sorted(Delivery.objects.values_list("channel", flat=True)) == ["sms", "wecom_app"]
    send_due(at(MONDAY, 14, 1))
    [app] = vendors.of("/cgi-bin/message/send")
    [sms] = vendors.of("/sms/send")
    app_text = str(app.body)
    assert "一网通办" in app_text and "清理规范证明事项" in app_text
    assert "催办2项" in sms.body["content"]
    rows = list(Reminder.objects.filter(pk__in=[r.pk for r in made]).select_related("recipient"))
    assert len(rows) == 2
    states = states_for(rows)
    columns = [code for code, _ in COLUMNS]
    for row in rows:
        assert states[row.pk][columns.index("wecom_app")].text == "已发送"
        assert states[row.pk][columns.index("sms")].text == "已发送"
        assert states[row.pk][columns.index("in_app")].text == "已发送"  # one notice for the request


def test_done_tasks_are_left_out_and_a_message_with_nothing_left_is_cancelled(scene, vendors):
    robot(scene.unit_a)
    robot(scene.unit_b, key="second-robot-key")
    vendors.state.wecom_keys.add("second-robot-key")
    done = scene.task(datetime.date(2025, 3, 4), scene.unit_a, text="已办结的任务")
    open_task = scene.task(datetime.date(2025, 3, 5), scene.unit_a, text="仍在办理的任务")
    only_b = scene.task(datetime.date(2025, 3, 5), scene.unit_b)
    generate(MONDAY, at(MONDAY))
    Task.objects.filter(pk__in=[done.pk, only_b.pk]).update(
        status=Task.Status.DONE, completed_at=at(MONDAY, 8)
    )
    stats = send_due(at(MONDAY, 9, 1))
    assert (stats.channel_sent, stats.channel_cancelled) == (1, 1)
    [request] = vendors.of("/cgi-bin/webhook/send")
    content = request.body["markdown"]["content"]
    assert "仍在办理的任务" in content and "已办结的任务" not in content
    assert f"/tasks/{open_task.pk}/" in content
    cancelled = Delivery.objects.get(unit=scene.unit_b)
    assert (cancelled.status, cancelled.attempts, cancelled.last_error) == (
        "cancelled",
        0,
        "提醒均已取消或任务已办结，无需发送。",
    )


@pytest.mark.django_db(transaction=True)
def test_concurrent_senders_send_each_channel_message_once(scene, vendors):
    app_on(vendors)
    sms_on(vendors)
    users = [scene.liaison_a, scene.liaison_b]
    for n in range(6):
        unit = factories.make_unit(f"并发测试局{n}")
        users.append(factories.make_liaison(f"concurrent_{n}", unit))
        scene.task(datetime.date(2025, 3, 4), unit)
        robot(unit, key=f"robot-key-{n:04d}")
        vendors.state.wecom_keys.add(f"robot-key-{n:04d}")
    for n, user in enumerate(users):
        contact(user, userid=f"user{n}", mobile=f"1380000{n:04d}")
        for membership in user.memberships.all():
            channels_for(membership.unit, wecom_app=True, sms=True)
    scene.task(datetime.date(2025, 3, 4), scene.unit_a, scene.unit_b)
    generate(MONDAY, at(MONDAY))
    planned = Delivery.objects.count()
    assert planned == 2 * len(users) + 6
    barrier = threading.Barrier(3)
    errors = []

    def send():
        try:
            barrier.wait(timeout=10)
            send_due(at(MONDAY, 9, 1))
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(3)]
    # On PostgreSQL each sender runs its e-mail, personal chat/SMS and robot lanes side by side,
    # each group on a connection of its own; SQLite runs them in turn.
    with mock.patch.object(outbox, "side_by_side", wraps=outbox.side_by_side) as beside:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert errors == []
    groups = 3 if connection.vendor == "postgresql" else 1
    assert [len(call.args) for call in beside.call_args_list] == [groups] * 3
    assert set(Delivery.objects.values_list("status", "attempts")) == {("sent", 1)}
    assert len(vendors.delivered) == planned
    assert sorted(vendors.accepted.values()) == [1] * planned
    assert set(DigestEmail.objects.values_list("status", "attempts")) == {("sent", 1)}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(user.email for user in users)


def test_switching_the_application_off_cancels_its_waiting_messages(scene, vendors):
    app_on(vendors)
    channels_for(scene.unit_a, wecom_app=True)
    contact(scene.liaison_a, userid="ZhangSan")
    scene.task(datetime.date(2025, 3, 4))
    generate(MONDAY, at(MONDAY))
    WecomApp.objects.filter(pk=1).update(enabled=False)
    send_due(at(MONDAY, 9, 1))
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("cancelled", 0, "该渠道已停用。")
    assert vendors.requests == []
