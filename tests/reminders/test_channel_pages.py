"""The channel settings pages: secrets saved sealed and shown masked, 发送测试消息 showing the vendor's
answer, and delivery states per recipient and channel on the task page and the 催办 list."""

from __future__ import annotations

import datetime
import html

import pytest
from django.urls import reverse

from obligations.devtools.mock_vendors import MockVendors
from obligations.models import ChangeLog, Contact, Delivery, Robot, SmsGateway, UnitChannels, WecomApp
from obligations.reminders import generate, send_due
from obligations.reminders.manual import remind_tasks

from .conftest import MONDAY, at

KEY = "5f2e9c1a-7b3d-4e8f-a6c2-1d0e9b8a7c6f"


@pytest.fixture
def vendors(settings):
    with MockVendors() as mock:
        settings.WECOM_BASE_URL = mock.url
        settings.DINGTALK_BASE_URL = mock.url
        settings.SITE_URL = "https://duban.example.gov.cn"
        mock.state.wecom_keys = {KEY}
        yield mock


def test_unit_robot_is_saved_sealed_masked_and_tested_with_the_vendors_answer(client, scene, vendors):
    client.force_login(scene.supervisor)
    url = reverse("channel_unit", args=[scene.unit_a.pk])
    response = client.post(
        url,
        {
            "wecom_app": "on",
            "wecom_key": f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={KEY}",
            "wecom_enabled": "on",
            "wecom_mention": "on",
        },
    )
    assert response.status_code == 302
    robot = Robot.objects.get(unit=scene.unit_a)
    assert (robot.kind, robot.key, robot.enabled) == ("wecom", KEY, True)
    assert UnitChannels.objects.get(unit=scene.unit_a).wecom_app is True
    page = client.get(url).content.decode()
    assert KEY not in page and f"已保存：●●●●●●●●{KEY[-4:]}" in page
    log = ChangeLog.objects.get(action="channels.unit")
    assert "更换 Webhook" in log.summary and KEY not in str(log.summary) + str(log.changes)

    # An empty input keeps the saved key; another unit cannot take the same robot.
    client.post(url, {"wecom_enabled": "on"})
    assert Robot.objects.get(unit=scene.unit_a).key == KEY
    taken = client.post(
        reverse("channel_unit", args=[scene.unit_b.pk]), {"wecom_key": KEY, "wecom_enabled": "on"}
    )
    assert taken.status_code == 400 and "该机器人已由市财政局使用" in taken.content.decode()

    answer = client.post(
        reverse("channel_robot_test", args=[scene.unit_a.pk]), {"kind": "wecom"}, follow=True
    )
    assert '发送成功。对方应答：{"errcode": 0, "errmsg": "ok"}' in html.unescape(answer.content.decode())
    [request] = vendors.of("/cgi-bin/webhook/send")
    assert request.query == {"key": KEY}
    assert request.body["markdown"]["content"].startswith(
        "【督办台账】测试消息：市财政局的企业微信群机器人配置正确"
    )

    vendors.state.wecom_keys = set()
    refused = client.post(
        reverse("channel_robot_test", args=[scene.unit_a.pk]), {"kind": "wecom"}, follow=True
    )
    assert "发送失败：企业微信群机器人返回 93000：invalid webhook url" in refused.content.decode()


def test_app_and_sms_settings_keep_secrets_write_only(client, scene, vendors):
    client.force_login(scene.supervisor)
    response = client.post(
        reverse("channel_app_save"),
        {
            "app-enabled": "on",
            "app-corp_id": "wwcorp",
            "app-agent_id": "1000002",
            "app-new_secret": "app-secret-0123456789",
        },
    )
    assert response.status_code == 302
    assert WecomApp.current().secret == "app-secret-0123456789"
    page = client.get(reverse("channel_settings")).content.decode()
    assert "app-secret-0123456789" not in page and "●●●●●●●●6789" in page
    # The application's test message goes through gettoken and message/send.
    result = client.post(
        reverse("channel_test", args=["wecom_app"]), {"app_test-to": "ZhangSan"}, follow=True
    )
    assert "发送成功" in result.content.decode()
    assert [r.path for r in vendors.requests] == ["/cgi-bin/gettoken", "/cgi-bin/message/send"]

    bad = client.post(
        reverse("channel_sms_save"),
        {
            "sms-enabled": "on",
            "sms-url": f"{vendors.url}/sms/send",
            "sms-method": "post_json",
            "sms-params": "{oops",
            "sms-headers": "{}",
            "sms-max_chars": "140",
        },
    )
    assert bad.status_code == 400 and "不是合法的 JSON" in bad.content.decode()
    unknown = client.post(
        reverse("channel_sms_save"),
        {
            "sms-enabled": "on",
            "sms-url": f"{vendors.url}/sms/send",
            "sms-method": "post_json",
            "sms-params": '{"to": "{phone}"}',
            "sms-headers": "{}",
            "sms-max_chars": "140",
        },
    )
    assert "未知的占位符：phone" in unknown.content.decode()
    client.post(
        reverse("channel_sms_save"),
        {
            "sms-enabled": "on",
            "sms-url": f"{vendors.url}/sms/send",
            "sms-method": "post_json",
            "sms-params": '{"mobile": "{mobile}", "content": "{text}", "key": "{secret}"}',
            "sms-headers": "{}",
            "sms-new_secret": "sms-credential-xyz",
            "sms-signature": "【督办台账】",
            "sms-max_chars": "140",
        },
    )
    assert SmsGateway.current().secret == "sms-credential-xyz"
    result = client.post(reverse("channel_test", args=["sms"]), {"sms_test-to": "13800001111"}, follow=True)
    assert "发送成功" in result.content.decode() and "sms-credential-xyz" not in result.content.decode()
    assert vendors.of("/sms/send")[0].body["key"] == "sms-credential-xyz"


def test_people_page_saves_contacts_with_checks(client, scene, vendors):
    client.force_login(scene.supervisor)
    page = client.get(reverse("channel_people"))
    assert "liaison_a" in page.content.decode()
    prefix = f"c{scene.liaison_a.pk}"
    client.post(
        reverse("channel_person", args=[scene.liaison_a.pk]),
        {f"{prefix}-wecom_userid": "ZhangSan", f"{prefix}-mobile": "+86 138-0000-1111"},
    )
    assert Contact.objects.get(user=scene.liaison_a).mobile == "13800001111"
    refused = client.post(
        reverse("channel_person", args=[scene.liaison_a.pk]),
        {f"{prefix}-wecom_userid": "张三", f"{prefix}-mobile": "12345"},
        follow=True,
    )
    assert "手机号应为 11 位数字" in refused.content.decode()
    assert Contact.objects.get(user=scene.liaison_a).wecom_userid == "ZhangSan"


def test_task_page_and_manual_list_show_each_channels_state(client, scene, vendors, settings):
    settings.REMINDER_RETRY_BASE_SECONDS = 60
    app = WecomApp.current()
    app.enabled, app.corp_id, app.agent_id, app.secret = True, "wwcorp", 1, vendors.state.corp_secret
    app.save()
    vendors.state.wecom_users = {"ZhangSan"}
    UnitChannels.objects.create(unit=scene.unit_a, wecom_app=True)
    UnitChannels.objects.create(unit=scene.unit_b, wecom_app=True)
    Contact.objects.create(user=scene.liaison_a, wecom_userid="ZhangSan")
    Contact.objects.create(user=scene.liaison_b, wecom_userid="NoSuchUser")
    Robot.objects.create(unit=scene.unit_a, kind="wecom", key=KEY)
    task = scene.task(datetime.date(2025, 3, 4), scene.unit_a, scene.unit_b)
    generate(MONDAY, at(MONDAY))
    vendors.fail_next("/cgi-bin/webhook/send", (502, "bad gateway"))
    send_due(at(MONDAY, 9, 1))
    client.force_login(scene.supervisor)
    page = client.get(reverse("task_detail", args=[task.pk])).content.decode()
    section = page[page.index('id="deliveries"') :]
    assert "企业微信群" in section and "钉钉群" in section and "短信" in section
    assert '<td class="delivery delivery-sent">已发送</td>' in section
    assert (
        "发送失败" in section
        and "企业微信应用消息返回 81013：user &amp; party &amp; tag all invalid" in section
    )
    assert "重试中" in section and "HTTP 502：bad gateway" in section

    remind_tasks([(task, [scene.unit_a])], scene.supervisor, "请今日报送")
    listing = client.get(reverse("manual_reminders")).content.decode()
    assert "请今日报送" in listing and "待发送" in listing
    # The robot's for the unit, and the liaison's one 企业微信 application message for the request.
    planned = Delivery.objects.filter(stage__startswith="manual:")
    assert sorted((item.channel, item.robot_id is None) for item in planned) == [
        ("wecom_app", True),
        ("wecom_robot", False),
    ]
