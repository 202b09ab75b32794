"""The supervisor's policy page and each user's notifications (scoped, CSRF-protected)."""

from __future__ import annotations

import datetime

from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_q.models import Schedule

from obligations.models import ChangeLog, Notification, ReminderPolicy

from .. import factories

VALID = {
    "due_soon_offsets": "7，3、1",
    "overdue_daily_days": "5",
    "overdue_weekly": "on",
    "escalate_after_days": "4",
    "monthly_report_day": "20",
    "yellow_window_days": "5",
    "sweep_time": "09:05",
    "max_send_attempts": "4",
}


def login(client: Client, user) -> Client:
    client.force_login(user)
    return client


def test_policy_page_is_for_supervisors_only(client, scene):
    url = reverse("reminder_policy")
    assert client.get(url).status_code == 302  # to the login page
    assert login(client, scene.liaison_a).get(url).status_code == 403
    leader = factories.make_leader("leader_p", scene.unit_a)
    assert login(client, leader).post(url, VALID).status_code == 403
    assert ReminderPolicy.current().due_soon_offsets == [5, 3, 1]
    page = login(client, scene.supervisor).get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "提醒规则" in html and 'value="5,3,1"' in html and "每日提醒扫描" in html


def test_supervisor_saves_the_policy_with_a_trace_and_a_new_schedule(client, scene):
    response = login(client, scene.supervisor).post(reverse("reminder_policy"), VALID)
    assert response.status_code == 302
    policy = ReminderPolicy.current()
    assert policy.due_soon_offsets == [7, 3, 1]
    assert (policy.escalate_after_days, policy.monthly_report_day, policy.max_send_attempts) == (4, 20, 4)
    assert policy.sweep_time == datetime.time(9, 5)
    assert policy.updated_by == scene.supervisor
    log = ChangeLog.objects.get(action="reminder_policy")
    assert log.actor == scene.supervisor
    assert log.changes["due_soon_offsets"] == [[5, 3, 1], [7, 3, 1]]
    assert log.changes["sweep_time"] == ["08:30", "09:05"]
    assert Schedule.objects.get(name="每日提醒扫描").cron == "5 9 * * *"
    assert "提醒规则已保存" in client.get(reverse("reminder_policy")).content.decode()


def test_invalid_policy_is_explained_in_chinese(client, scene):
    bad = {
        **VALID,
        "due_soon_offsets": "5,三",
        "monthly_report_day": "31",
        "escalate_after_days": "0",
        "sweep_time": "25:00",
    }
    response = login(client, scene.supervisor).post(reverse("reminder_policy"), bad)
    assert response.status_code == 400
    html = response.content.decode()
    assert "请输入用逗号分隔的非负整数，如 5,3,1。" in html
    assert "月度进展报送提醒日应在 1 到 28 之间。" in html
    assert "逾期上报督查员（工作日）应在 1 到 60 之间。" in html
    assert "时间格式应为 时:分，如 08:30。" in html
    assert ReminderPolicy.current().monthly_report_day == 25
    assert not ChangeLog.objects.exists()
    response = client.post(reverse("reminder_policy"), {**VALID, "due_soon_offsets": "90"})
    assert "到期前提醒天数不能超过 60 个工作日。" in response.content.decode()


def _notify(user, title: str, url: str = "/tasks/1/", read: bool = False) -> Notification:
    return Notification.objects.create(
        user=user, title=title, body="已逾期", url=url, read_at=timezone.now() if read else None
    )


def test_notifications_are_listed_for_their_owner_only(client, scene):
    mine = _notify(scene.liaison_a, "【逾期提醒】我的任务")
    _notify(scene.liaison_a, "【到期提醒】已读的", read=True)
    _notify(scene.liaison_b, "【逾期提醒】别人的任务")
    html = login(client, scene.liaison_a).get(reverse("notification_list")).content.decode()
    assert "我的任务" in html and "已读的" in html and "别人的任务" not in html
    assert '<span class="badge" title="未读通知">1</span>' in html
    unread = client.get(reverse("notification_list"), {"unread": "1"}).content.decode()
    assert "我的任务" in unread and "已读的" not in unread
    assert mine.title in unread


def test_opening_marks_read_and_follows_the_link(client, scene):
    task = scene.task(datetime.date(2025, 3, 4))
    note = _notify(scene.liaison_a, "【逾期提醒】打开", url=reverse("task_detail", args=[task.pk]))
    response = login(client, scene.liaison_a).post(reverse("notification_open", args=[note.pk]))
    assert response.status_code == 302 and response["Location"] == f"/tasks/{task.pk}/"
    note.refresh_from_db()
    assert note.read_at is not None
    assert "badge" not in client.get(reverse("notification_list")).content.decode()


def test_foreign_links_are_not_followed(client, scene):
    note = _notify(scene.liaison_a, "外链", url="https://evil.example.com/")
    response = login(client, scene.liaison_a).post(reverse("notification_open", args=[note.pk]))
    assert response["Location"] == reverse("notification_list")


def test_other_peoples_notifications_are_404(client, scene):
    theirs = _notify(scene.liaison_b, "别人的")
    login(client, scene.liaison_a)
    assert client.post(reverse("notification_open", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("notification_read", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_one_and_mark_all_read(client, scene):
    first = _notify(scene.liaison_a, "一")
    _notify(scene.liaison_a, "二")
    _notify(scene.liaison_a, "三")
    other = _notify(scene.liaison_b, "别人的")
    login(client, scene.liaison_a)
    assert client.get(reverse("notification_read", args=[first.pk])).status_code == 405
    client.post(reverse("notification_read", args=[first.pk]))
    assert Notification.objects.filter(user=scene.liaison_a, read_at__isnull=True).count() == 2
    response = client.post(reverse("notification_read_all"), follow=True)
    assert "已将 2 条通知标为已读。" in response.content.decode()
    assert not Notification.objects.filter(user=scene.liaison_a, read_at__isnull=True).exists()
    other.refresh_from_db()
    assert other.read_at is None


def test_marking_read_needs_the_csrf_token(scene):
    note = _notify(scene.liaison_a, "一")
    client = Client(enforce_csrf_checks=True)
    client.force_login(scene.liaison_a)
    assert client.post(reverse("notification_read_all")).status_code == 403
    assert client.post(reverse("notification_open", args=[note.pk])).status_code == 403
    note.refresh_from_db()
    assert note.read_at is None


def test_nav_shows_the_unread_badge_and_policy_link_by_role(client, scene):
    _notify(scene.supervisor, "一")
    _notify(scene.supervisor, "二")
    html = login(client, scene.supervisor).get(reverse("task_list")).content.decode()
    assert '<span class="badge" title="未读通知">2</span>' in html
    assert reverse("reminder_policy") in html
    html = login(client, scene.liaison_a).get(reverse("task_list")).content.decode()
    assert "badge" not in html and reverse("reminder_policy") not in html
