"""What the walk-through tripped on, fixed: the task timeline shows only the task's events, no
one-click mapping across government levels and a page of remembered mappings, jurisdictions where
names repeat, deadline labels after an extension, the import review's layout and publish button,
催办 of a unit with a confirmation and one notice per person, unique form ids, phone labels, the
dashboard's subtitle."""

from __future__ import annotations

import datetime
import re
from collections import Counter

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from obligations import workflow as workflows
from obligations.models import ChangeLog, Notification, Plan, Reminder, SourceDocument, Task, Unit, UnitAlias
from obligations.plans import review
from obligations.plans.unit_directory import UnitDirectory
from obligations.reminders.outbox import send_due

from ..factories import make_liaison, make_plan, make_task, make_unit
from .conftest import upload

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return response.content.decode()


def section(page: str, marker: str, end: str = "</section>") -> str:
    start = page.index(marker)
    return page[start : page.index(end, start)]


# --- The task's 办理记录 ------------------------------------------------------------------------------


def test_timeline_shows_only_this_tasks_events(world, as_user):
    plan = make_plan("含多项任务的方案", status="draft")
    other_unit = make_unit("市统计局", confirmed=False)
    mine = make_task(plan, lead=[world.unit_a], text="本任务")
    other = make_task(plan, lead=[other_unit], text="别的任务")
    third = make_task(plan, lead=[world.unit_a], text="被删掉的条目")
    review.confirm_unit(other_unit, user=world.supervisor)  # a unit not on this task
    review.drop_tasks([third], user=world.supervisor)  # another row's review edit
    workflows.edit_task(other, user=world.supervisor, version=1, values={"responsible_person": "别人"})
    workflows.edit_task(mine, user=world.supervisor, version=1, values={"responsible_person": "王五"})
    review.publish_plan(plan, user=world.supervisor)
    page = text_of(as_user(world.supervisor).get(reverse("task_detail", args=[mine.pk])))
    timeline = section(page, 'id="timeline"')
    assert "王五" in timeline and "发布《含多项任务的方案》" in timeline
    assert "市统计局" not in timeline and "被删掉的条目" not in timeline and "别人" not in timeline
    assert ChangeLog.objects.filter(plan=plan, task__isnull=True).count() >= 3  # all still recorded


# --- Unit mappings --------------------------------------------------------------------------------------


@pytest.fixture
def cross_level_import(world, as_user):
    """A city's registered units, and a plan naming 区司法局 and 交通运输部 (other levels)."""
    for name in ("市司法局", "市交通运输局"):  # 市大数据局 is the world's
        make_unit(name, jurisdiction="测试市")
    text = (
        "测试市人民政府办公室关于印发测试工作方案的通知\n测政办发〔2026〕9号\n"
        "一、重点任务\n"
        "1.推进法治政府建设。（责任单位：区司法局；完成时限：2026年12月底前）\n"
        "2.落实交通强国试点。（责任单位：交通运输部；完成时限：2026年12月底前）\n"
        "3.建设数据平台。（责任单位：市大数据中心；完成时限：2026年12月底前）\n"
    )
    client = as_user(world.supervisor)
    response = client.post(
        reverse("import_list"),
        {"file": upload("cross.txt", text.encode()), "jurisdiction": "测试市", "year": "2026"},
    )
    assert response.status_code == 302, text_of(response)
    source = SourceDocument.objects.get(original_name="cross.txt")
    return client, source


def test_no_one_click_mapping_across_levels(cross_level_import):
    client, source = cross_level_import
    page = text_of(client.get(reverse("import_review", args=[source.pk])))
    units = section(page, 'id="units"')
    buttons = re.findall(r'class="small suggestion">→ ([^<]+)<', units)
    assert "市司法局" not in buttons and "市交通运输局" not in buttons
    assert "市大数据局" in buttons  # 市大数据中心 → 市大数据局: the same level, still offered


def test_typed_cross_level_mapping_needs_a_confirmation_and_is_listed_for_undo(cross_level_import, world):
    client, source = cross_level_import
    district = Unit.objects.get(name="区司法局", confirmed=False)
    url = reverse("unit_map", args=[district.pk])
    response = client.post(url, {"source": source.pk, "target": "市司法局"}, follow=True)
    assert "不是同一层级的单位，未映射" in text_of(response)
    assert Unit.objects.filter(pk=district.pk, confirmed=False).exists()
    assert not UnitAlias.objects.filter(name="区司法局").exists()
    client.post(url, {"source": source.pk, "target": "市司法局", "cross_level": "1"})
    alias = UnitAlias.objects.get(name="区司法局")
    assert (alias.unit.name, alias.created_by) == ("市司法局", world.supervisor)
    page = text_of(client.get(reverse("alias_list")))
    row = section(page, f'id="alias-{alias.pk}"', "</tr>")
    assert "区司法局" in row and "市司法局（测试市）" in row and "跨层级" in row and "区县级 → 市级" in row
    response = client.post(reverse("alias_undo", args=[alias.pk]), follow=True)
    assert "已撤销映射" in text_of(response)
    assert not UnitAlias.objects.filter(pk=alias.pk).exists()
    assert ChangeLog.objects.filter(action="alias.undo", actor=world.supervisor).exists()
    # A later import no longer reads the spelling as the city's bureau.
    assert UnitDirectory("测试市").find("区司法局") is None


# --- Jurisdictions where names repeat -------------------------------------------------------------------


def test_units_sharing_a_name_show_their_jurisdiction(world, as_user):
    towns = [make_unit("区交通运输局", jurisdiction=place) for place in ("张店区", "淄川区", "博山区")]
    task = make_task(world.plan, lead=towns[:1], responsible=[world.unit_a], deadline=timezone.localdate())
    client = as_user(world.supervisor)
    page = text_of(client.get(reverse("dashboard")))
    options = re.findall(r"<option[^>]*>(区交通运输局[^<]*)</option>", page)
    assert sorted(options) == ["区交通运输局（博山区）", "区交通运输局（张店区）", "区交通运输局（淄川区）"]
    ledger = text_of(client.get(reverse("ledger_index")))
    assert "区交通运输局（淄川区）" in ledger
    detail = text_of(client.get(reverse("task_detail", args=[task.pk])))
    assert "区交通运输局（张店区）" in section(detail, '<dl class="facts">', "</dl>")
    assert "区交通运输局（张店区）" in section(detail, 'id="panel-remind"', "</details>")
    listing = text_of(client.get(reverse("task_list")))
    assert "区交通运输局（张店区）" in listing
    # A name no other unit bears is shown as it is.
    assert "市财政局（测试市）" not in detail


# --- Deadlines after an extension ----------------------------------------------------------------------


def test_deadline_labels_after_an_extension(world, as_user):
    task = world.task_a
    Task.objects.filter(pk=task.pk).update(deadline_raw="2026年底前")
    original = task.deadline
    new = original + datetime.timedelta(days=40)
    request = workflows.request_extension(
        task, user=world.liaison_a, unit=world.unit_a, new_deadline=new, reason="需协调", version=1
    )
    workflows.decide_extension(request, user=world.supervisor, approve=True, comment="", version=2)
    facts = section(
        text_of(as_user(world.liaison_a).get(reverse("task_detail", args=[task.pk]))),
        '<dl class="facts">',
        "</dl>",
    )

    def label(name: str) -> str:
        match = re.search(rf"<dt>{name}</dt><dd[^>]*>(.*?)</dd>", facts)
        return re.sub(r"<[^>]+>", "", match.group(1)) if match else ""

    assert label("当前时限") == f"{new.year}年{new.month}月{new.day}日（已批准延期）"
    assert label("原定时限") == f"{original.year}年{original.month}月{original.day}日"
    assert label("时限原文").startswith("2026年底前")
    assert "<dt>完成时限</dt>" not in facts and "原文：" not in facts


# --- Import review ---------------------------------------------------------------------------------------


def test_review_layout_and_publish_waits_for_units(cross_level_import, world):
    client, source = cross_level_import
    page = text_of(client.get(reverse("import_review", args=[source.pk])))
    plan = source.plans.get()
    head = section(page, f'id="plan-{plan.pk}"', "</table>")
    button = re.search(r"<button[^>]*publish[^>]*>", head).group(0)
    assert "disabled" in button
    assert "尚有 3 个单位待确认或映射" in head
    assert world.supervisor and plan.tasks.count() == 3
    first = plan.tasks.order_by("order").first()
    row = section(page, f'id="row-{first.pk}"', "</tr>")
    order_cell = re.search(r'<td class="col-order"[^>]*>(.*?)</td>', row).group(1)
    assert order_cell.strip() == "1"  # the # column shows the row's number only
    assert 'class="col-person"' in row
    rows = int(re.search(r'name="text"[^>]*rows="(\d+)"', row).group(1))
    assert rows >= 3
    # A long text gets a box that shows it whole.
    Task.objects.filter(pk=first.pk).update(text="很长的任务内容" * 40)
    page = text_of(client.get(reverse("import_review", args=[source.pk])))
    row = section(page, f'id="row-{first.pk}"', "</tr>")
    assert int(re.search(r'name="text"[^>]*rows="(\d+)"', row).group(1)) >= 10
    client.post(reverse("units_confirm_all", args=[source.pk]))
    page = text_of(client.get(reverse("import_review", args=[source.pk])))
    button = re.search(r"<button[^>]*publish[^>]*>", section(page, f'id="plan-{plan.pk}"', "</table>")).group(
        0
    )
    assert "disabled" not in button
    client.post(reverse("plan_publish", args=[plan.pk]))
    assert Plan.objects.get(pk=plan.pk).status == "published"


# --- 催办 of a unit ----------------------------------------------------------------------------------------


def test_unit_reminder_is_confirmed_with_a_note_and_one_notice_per_person(world, as_user, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    day = timezone.localdate()
    second = make_liaison("liaison_b2", world.unit_b)
    late = [
        make_task(
            world.plan, lead=[world.unit_b], deadline=day - datetime.timedelta(days=n), text=f"逾期任务{n}"
        )
        for n in (5, 9, 20, 40, 60)
    ]
    client = as_user(world.supervisor)
    dashboard = text_of(client.get(reverse("dashboard")))
    assert f'href="{reverse("unit_remind", args=[world.unit_b.pk])}?next=' in dashboard
    url = reverse("unit_remind", args=[world.unit_b.pk])
    page = text_of(client.get(url, {"next": "/dashboard/"}))  # the confirmation step: nothing sent yet
    assert not Reminder.objects.exists()
    assert (
        '将对<strong>市大数据局</strong>的 <strong class="task-count">6</strong> 项逾期任务发出催办' in page
    )
    assert "各收到一条" in page and "liaison_b2" in page and 'name="message"' in page
    response = client.post(url, {"message": "请于本周五前报送整改情况", "next": "/dashboard/"})
    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    assert Reminder.objects.count() == 12  # a row per task and person, for the record
    send_due()
    notices = Notification.objects.filter(title__startswith="【催办】")
    assert Counter(notices.values_list("user__username", flat=True)) == {"liaison_b": 1, "liaison_b2": 1}
    notice = notices.get(user=second)
    assert "6 项任务" in notice.title and "请于本周五前报送整改情况" in notice.body
    assert notice.url == reverse("task_list") + f"?unit={world.unit_b.pk}"
    assert len(mail.outbox) == 2
    message = mail.outbox[0]
    assert "6 项任务" in message.subject
    for task in [*late, world.task_b_only]:
        assert task.text in message.body
    assert set(Reminder.objects.values_list("status", flat=True)) == {"sent"}
    log = ChangeLog.objects.get(action="unit.remind")
    assert "6 项逾期任务" in log.summary and "2 位联络员各收到一条通知" in log.summary


# --- Ids, phones, the dashboard's subtitle -------------------------------------------------------------


def test_every_id_on_the_task_page_is_unique(world, as_user):
    page = text_of(as_user(world.liaison_b).get(reverse("task_detail", args=[world.task_b.pk])))
    ids = Counter(re.findall(r'\sid="([^"]+)"', page))
    assert [name for name, count in ids.items() if count > 1] == []
    assert 'id="id_progress_files"' in page and 'id="id_completion_files"' in page
    assert '<label for="id_completion_files">' in page
    supervisor_page = text_of(as_user(world.supervisor).get(reverse("task_detail", args=[world.task_b.pk])))
    ids = Counter(re.findall(r'\sid="([^"]+)"', supervisor_page))
    assert [name for name, count in ids.items() if count > 1] == []


def test_each_cell_of_a_liaisons_task_row_is_labelled(world, as_user):
    page = text_of(as_user(world.liaison_a).get(reverse("task_list")))
    body = section(page, "<tbody>", "</tbody>")
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        cells = re.findall(r"<td([^>]*)>", row)
        assert cells and all("data-label=" in cell for cell in cells)
    labels = re.findall(r'data-label="([^"]+)"', body)
    assert set(labels) == {"灯", "任务内容", "承办单位", "完成时限", "剩余/逾期", "状态"}


def test_dashboard_subtitle_has_no_stray_separator(world, as_user):
    for user in (world.supervisor, world.leader_a):
        page = text_of(as_user(user).get(reverse("dashboard")))
        subtitle = re.search(r'<p class="muted subtitle">(.*?)</p>', page).group(1)
        text = re.sub(r"<[^>]+>", "|", subtitle)
        assert "；" not in text and not text.rstrip("|").endswith(("；", "、", "，"))
        assert "今天" in text and "逾期天数按自然日计算" in text
