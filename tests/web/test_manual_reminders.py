"""催办: one click queues outbox rows for every liaison of the chosen units, recorded on the task."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from obligations.models import ChangeLog, Reminder
from obligations.reminders.manual import request_manual_reminder

from ..factories import make_liaison, make_task, make_unit

pytestmark = pytest.mark.django_db


def test_request_creates_pending_rows_per_liaison(world):
    second = make_liaison("liaison_a2", world.unit_a)
    rows = request_manual_reminder(
        world.task_b, [world.unit_a, world.unit_b], world.supervisor, message="请于周五前报送"
    )
    assert len(rows) == 3
    stored = Reminder.objects.filter(task=world.task_b).order_by("unit_id", "recipient_id")
    assert {(r.unit, r.recipient) for r in stored} == {
        (world.unit_a, world.liaison_a),
        (world.unit_a, second),
        (world.unit_b, world.liaison_b),
    }
    for row in stored:
        assert (row.kind, row.status, row.created_by) == ("manual", "pending", world.supervisor)
        assert row.stage.startswith("manual:")
        assert row.deadline == world.task_b.deadline
        assert row.message == "请于周五前报送"
        assert row.due_at <= timezone.now()
    assert len({row.stage for row in stored}) == 1
    log = ChangeLog.objects.get(task=world.task_b, action="task.remind")
    assert log.actor == world.supervisor and "请于周五前报送" in log.changes["reminder"][1]
    # A second 催办 is a new request: new rows, not swallowed by the outbox's uniqueness.
    again = request_manual_reminder(world.task_b, [world.unit_b], world.supervisor)
    assert len(again) == 1 and again[0].stage != stored[0].stage


def test_undated_task_uses_today_and_groups_reach_member_units(world):
    group = make_unit("各区县政府", is_group=True)
    member = make_unit("张店区政府")
    group.members.add(member)
    zhangdian = make_liaison("zhangdian", member)
    task = make_task(world.plan, responsible=[group])
    rows = request_manual_reminder(task, [group], world.supervisor)
    assert [(r.unit, r.recipient, r.deadline) for r in rows] == [(member, zhangdian, timezone.localdate())]


def test_unit_without_liaison_is_reported(world, as_user):
    lonely = make_unit("市统计局")
    task = make_task(world.plan, lead=[lonely], deadline=timezone.localdate())
    client = as_user(world.supervisor)
    response = client.post(reverse("task_remind", args=[task.pk]), {"units": [lonely.pk]})
    page = client.get(response["Location"]).content.decode()
    assert "尚未设置联络员" in page
    assert not Reminder.objects.exists()
    assert "未找到联络员" in page  # still on the timeline


def test_one_click_on_a_unit_reminds_its_overdue_tasks(world, as_user):
    day = timezone.localdate()
    late = make_task(world.plan, lead=[world.unit_b], deadline=day - datetime.timedelta(days=30))
    response = as_user(world.supervisor).post(reverse("unit_remind", args=[world.unit_b.pk]))
    assert response.status_code == 302
    reminded = set(Reminder.objects.values_list("task_id", flat=True))
    assert reminded == {world.task_b_only.pk, late.pk}  # task_b is due today: not overdue
    assert set(Reminder.objects.values_list("recipient", flat=True)) == {world.liaison_b.pk}
    assert ChangeLog.objects.filter(action="unit.remind").count() == 1


def test_task_page_button_and_timeline(world, as_user):
    client = as_user(world.supervisor)
    response = client.post(
        reverse("task_remind", args=[world.task_a.pk]), {"units": [world.unit_a.pk], "message": "抓紧办理"}
    )
    page = client.get(response["Location"]).content.decode()
    assert "已发出催办，共 1 位联络员将收到提醒" in page
    timeline = page[page.index('id="timeline"') :]
    assert "催办" in timeline and "抓紧办理" in timeline and "待发送" in timeline
    # Units not on the task cannot be chosen.
    response = client.post(reverse("task_remind", args=[world.task_a.pk]), {"units": [world.unit_b.pk]})
    assert response.status_code == 400
    assert Reminder.objects.count() == 1
