"""Shared tasks and the walk-through's fixes in a real browser, at desk and phone widths: a
co-operating unit finishes its part, the lead asks to close, the supervisor sees every unit's state
and approves; 催办 of a unit with a confirmation and one notice per person; the import review's
mappings and publish button; labels on a phone; one form's label never points at another's input.
Screenshots land in var/artifacts/screenshots/."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from obligations.models import Assignment, ChangeLog, CompletionRequest, Notification, Task, UnitAlias
from obligations.reminders.outbox import send_due

from ..factories import make_liaison, make_plan, make_supervisor, make_task, make_unit
from .test_workflow_browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def test_co_unit_finishes_its_part_lead_asks_supervisor_approves(new_page, screenshots):
    lead, finance, tax = make_unit("市大数据局"), make_unit("市财政局"), make_unit("市税务局")
    make_liaison("dashuju_b", lead)
    make_liaison("caizheng_b", finance)
    make_liaison("shuiwu_b", tax)
    make_supervisor("duchashi_b")
    task = make_task(
        make_plan("测试市优化营商环境方案"),
        lead=[lead],
        responsible=[finance, tax],
        deadline=timezone.localdate() + datetime.timedelta(days=20),
        text="建设“无证明城市”，公布取消证明事项清单。",
    )

    # The co-operating unit, on a phone: it cannot close the whole task, it finishes its part.
    co = new_page(**PHONE)
    login(co, "caizheng_b")
    co.goto(f"/tasks/{task.pk}/")
    assert co.locator("#panel-completion").count() == 0
    assert "办结申请由牵头单位（市大数据局）提出" in co.locator(".completion-by-lead").inner_text()
    co.click("#panel-part summary")
    co.fill("#panel-part textarea[name=note]", "财政领域11项证明事项已全部取消。")
    with co.expect_navigation():
        co.click("#panel-part button[type=submit]")
    assert "已标记市财政局承担的部分已完成" in co.content()
    row = co.locator('#units tr[data-unit="市财政局"]')
    assert "本单位已完成" in row.inner_text()
    co.screenshot(path=str(screenshots / "co_unit_part_done_phone.png"), full_page=True)
    width = co.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 10, width
    # Marked too early: it is undone (the task is still open), then marked again.
    co.click("#panel-part summary")
    with co.expect_navigation():
        co.click("#panel-part button[type=submit]")
    assert "已撤销本单位已完成" in co.content()
    assert "本单位已完成" not in co.locator('#units tr[data-unit="市财政局"] .part-state').inner_text()
    co.click("#panel-part summary")
    with co.expect_navigation():
        co.click("#panel-part button[type=submit]")
    assert "本单位已完成" in co.locator('#units tr[data-unit="市财政局"] .part-state').inner_text()
    actions = ChangeLog.objects.filter(task=task, action="unit.part")  # who and when, each time
    assert actions.count() == 3, list(actions.values_list("action", flat=True))

    # The lead sees each unit's state, is told who has not finished, and asks to close.
    boss_unit = new_page()
    login(boss_unit, "dashuju_b")
    boss_unit.goto(f"/tasks/{task.pk}/")
    boss_unit.click("#panel-completion summary")
    assert (
        "以下配合单位尚未标记本单位已完成：市税务局（未开始）"
        in boss_unit.locator(".open-parts").inner_text()
    )
    boss_unit.fill("#panel-completion textarea[name=summary]", "清单已公布，核验系统运行正常。")
    with boss_unit.expect_navigation():
        boss_unit.click("#panel-completion button[type=submit]")
    assert "办结申请已提交" in boss_unit.content()

    # The supervisor's decision page: the lead's request with every unit's state beside it.
    supervisor = new_page()
    login(supervisor, "duchashi_b")
    with supervisor.expect_navigation():
        supervisor.click("text=待审核")
    item = supervisor.locator("#completions .queue-item").first
    assert "清单已公布，核验系统运行正常。" in item.inner_text()
    states = {
        name: item.locator(f'tr[data-unit="{name}"] .part-state').inner_text()
        for name in ("市大数据局", "市财政局", "市税务局")
    }
    assert states["市财政局"].startswith("本单位已完成") and states["市税务局"].startswith("未开始")
    assert "1 个配合单位尚未标记本单位已完成" in item.inner_text()
    supervisor.screenshot(path=str(screenshots / "decision_with_unit_states.png"), full_page=True)
    with supervisor.expect_navigation():
        item.locator("button[value=approve]").click()
    assert "已审核通过" in supervisor.content()
    assert CompletionRequest.objects.get(task=task).status == "approved"
    assert Task.objects.get(pk=task.pk).status == Task.Status.DONE
    assert set(Assignment.objects.filter(task=task).values_list("status", flat=True)) == {"done"}

    co.reload()
    assert co.locator(".task-status").inner_text().startswith("已办结")
    assert co.locator("#panel-part").count() == 0  # nothing to undo once the task is closed


def test_a_unit_is_reminded_after_a_confirmation_once_per_person(new_page, screenshots, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    unit = make_unit("市大数据局")
    make_liaison("dashuju_r", unit)
    make_supervisor("duchashi_r")
    plan = make_plan()
    day = timezone.localdate()
    for days in (3, 10, 30, 45, 60, 90):
        make_task(plan, lead=[unit], deadline=day - datetime.timedelta(days=days), text=f"逾期{days}天的任务")
    boss = new_page()
    login(boss, "duchashi_r")
    with boss.expect_navigation():
        boss.locator("#units a.remind-unit").first.click()
    assert "将对市大数据局的 6 项逾期任务发出催办" in boss.locator("#confirm").inner_text()
    assert Notification.objects.count() == 0  # the click only asked
    boss.fill("#confirm textarea[name=message]", "请于本周五前报送整改情况。")
    boss.screenshot(path=str(screenshots / "unit_remind_confirm.png"), full_page=True)
    with boss.expect_navigation():
        boss.click("#confirm button[type=submit]")
    assert boss.url.endswith("/dashboard/")
    assert "1 位联络员各收到一条通知" in boss.content()
    send_due()  # the sender (a qcluster runs it every minute)
    liaison = new_page(**PHONE)
    login(liaison, "dashuju_r")
    liaison.goto("/notifications/")
    notices = liaison.locator(".notifications li")
    assert notices.count() == 1
    assert (
        "6 项任务" in notices.first.inner_text()
        and "请于本周五前报送整改情况。" in notices.first.inner_text()
    )
    liaison.screenshot(path=str(screenshots / "one_notice_phone.png"), full_page=True)


def test_import_review_mappings_publish_button_and_alias_undo(new_page, screenshots, tmp_path):
    for name in ("市司法局", "市交通运输局", "市大数据局"):
        make_unit(name, jurisdiction="测试市")
    make_supervisor("duchashi_i")
    plan_file = tmp_path / "跨层级.txt"
    plan_file.write_text(
        "测试市人民政府办公室关于印发测试工作方案的通知\n测政办发〔2026〕9号\n一、重点任务\n"
        "1.推进法治政府建设。（责任单位：区司法局；完成时限：2026年12月底前）\n"
        "2.落实交通强国试点。（责任单位：交通运输部；完成时限：2026年12月底前）\n"
        "3.建设数据平台，提供统一数据服务，实现跨部门数据共享和业务协同。"
        "（责任单位：市大数据中心；责任人：王建国；完成时限：2026年12月底前）\n",
        encoding="utf-8",
    )
    page = new_page()
    login(page, "duchashi_i")
    page.goto("/imports/")
    page.set_input_files("#id_file", str(plan_file))
    page.fill("#id_jurisdiction", "测试市")
    with page.expect_navigation():
        page.click("text=上传并提取")
    publish = page.locator("button.publish")
    assert publish.is_disabled()
    assert "尚有 3 个单位待确认或映射" in page.locator(".publish-blocked").inner_text()
    units = page.locator("#units")
    suggestions = units.locator("button.suggestion").all_inner_texts()
    assert "→ 市大数据局" in suggestions
    assert not any("市司法局" in text or "市交通运输局" in text for text in suggestions)
    # The 责任人 box is wide enough for a name, and the task text is not squeezed into 3 lines.
    person = page.locator(".review-table td.col-person input").first.bounding_box()
    assert person["width"] >= 90
    # Nothing of the row is cut off at the card's right edge on a desk screen (保存 / 拆分 / 详情).
    card = page.locator(".plan-review").first.bounding_box()
    actions = page.locator(".review-table td.col-actions").first.bounding_box()
    assert actions["x"] + actions["width"] <= card["x"] + card["width"], (actions, card)
    page.screenshot(path=str(screenshots / "import_review_units.png"), full_page=True)

    row = units.locator("tr", has_text="区司法局")
    row.locator("input[name=target]").fill("市司法局")
    with page.expect_navigation():
        row.locator("button", has_text="映射").click()
    assert "不是同一层级的单位，未映射" in page.content()
    row = page.locator("#units tr", has_text="区司法局")
    row.locator("input[name=target]").fill("市司法局")
    row.locator("input[name=cross_level]").check()
    with page.expect_navigation():
        row.locator("button", has_text="映射").click()
    assert "已将“区司法局”映射为“市司法局”" in page.content()
    with page.expect_navigation():
        page.click("text=其余全部确认为新单位")
    assert page.locator("button.publish").is_enabled()

    with page.expect_navigation():
        page.click("text=已记住的单位映射")
    alias = UnitAlias.objects.get(name="区司法局")
    alias_row = page.locator(f"#alias-{alias.pk}")
    assert "跨层级" in alias_row.inner_text() and "市司法局（测试市）" in alias_row.inner_text()
    page.screenshot(path=str(screenshots / "alias_list.png"), full_page=True)
    with page.expect_navigation():
        alias_row.locator("button", has_text="撤销").click()
    assert "已撤销映射" in page.content()
    assert not UnitAlias.objects.filter(name="区司法局").exists()


def test_phone_rows_are_labelled_and_labels_find_their_own_inputs(new_page, screenshots):
    unit, other = make_unit("市财政局"), make_unit("市税务局")
    make_liaison("caizheng_p", unit)
    plan = make_plan()
    day = timezone.localdate()
    task = make_task(plan, lead=[unit], responsible=[other], deadline=day - datetime.timedelta(days=2))
    make_task(plan, lead=[unit], deadline=day + datetime.timedelta(days=30))
    phone = new_page(**PHONE)
    login(phone, "caizheng_p")
    cells = phone.locator("table.tasks tbody tr").first.locator("td")
    labels = [
        cells.nth(index).evaluate("cell => getComputedStyle(cell, '::before').content")
        for index in range(cells.count())
    ]
    assert labels == ['"灯"', '"任务内容"', '"承办单位"', '"完成时限"', '"剩余/逾期"', '"状态"']
    phone.screenshot(path=str(screenshots / "phone_task_rows_labelled.png"), full_page=True)
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 10

    desk = new_page()
    login(desk, "caizheng_p")
    desk.goto(f"/tasks/{task.pk}/")
    desk.click("#panel-completion summary")
    # The 申请办结 form's 佐证材料 label opens its own file input, not the progress report's.
    with desk.expect_file_chooser() as chooser:
        desk.locator("#panel-completion label", has_text="佐证材料").click()
    assert chooser.value.element.get_attribute("id") == "id_completion_files"
    ids = desk.evaluate("[...document.querySelectorAll('[id]')].map(e => e.id)")
    assert len(ids) == len(set(ids))
    desk.screenshot(path=str(screenshots / "task_page_shared.png"), full_page=True)


def test_extension_labels_timeline_jurisdictions_and_subtitle(new_page, screenshots):
    """A liaison on a phone asks for more time, the supervisor approves; the task page then labels
    当前时限 / 原定时限 / 时限原文, its 办理记录 holds only this task's events, units that share a name
    show their jurisdiction, and the dashboard's subtitle has no stray "；"."""
    from obligations import workflow as workflows
    from obligations.plans import review

    towns = [make_unit("区交通运输局", jurisdiction=place) for place in ("张店区", "淄川区", "博山区")]
    finance = make_unit("市财政局")
    make_liaison("jiaotong_e", towns[0])
    boss = make_supervisor("duchashi_e")
    plan = make_plan("含多项任务的方案", status="draft")
    day = timezone.localdate()
    task = make_task(
        plan, lead=[towns[0]], responsible=[finance], deadline=day + datetime.timedelta(days=5), text="本任务"
    )
    other = make_task(plan, lead=[towns[1]], deadline=day, text="别的任务")
    Task.objects.filter(pk=task.pk).update(deadline_raw="本月底前")
    stranger = make_unit("市统计局", confirmed=False)
    review.confirm_unit(stranger, user=boss)  # a plan-wide event about a unit not on this task
    workflows.edit_task(other, user=boss, version=1, values={"responsible_person": "别人"})
    review.publish_plan(plan, user=boss)

    liaison = new_page(**PHONE)
    login(liaison, "jiaotong_e")
    liaison.goto(f"/tasks/{task.pk}/")
    liaison.click("#panel-extension summary")
    wanted = day + datetime.timedelta(days=45)
    liaison.fill("#id_extension_new_deadline", wanted.isoformat())
    liaison.fill("#id_extension_reason", "需与市财政局协调资金。")
    with liaison.expect_navigation():
        liaison.click("#panel-extension button[type=submit]")
    assert "延期申请已提交" in liaison.content()

    desk = new_page()
    login(desk, "duchashi_e")
    desk.goto("/reviews/")
    item = desk.locator("#extensions .queue-item").first
    assert "区交通运输局（张店区）" in item.inner_text()
    with desk.expect_navigation():
        item.locator("button[value=approve]").click()

    liaison.goto(f"/tasks/{task.pk}/")
    facts = liaison.locator("dl.facts")
    assert (
        liaison.locator("dd.current-deadline")
        .inner_text()
        .startswith(f"{wanted.year}年{wanted.month}月{wanted.day}日")
    )
    assert "已批准延期" in liaison.locator("dd.current-deadline").inner_text()
    original = day + datetime.timedelta(days=5)
    assert (
        liaison.locator("dd.original-deadline").inner_text()
        == f"{original.year}年{original.month}月{original.day}日"
    )
    assert liaison.locator("dd.deadline-raw").inner_text().startswith("本月底前")
    assert "原文：" not in facts.inner_text() and "区交通运输局（张店区）" in facts.inner_text()
    timeline = liaison.locator("#timeline").inner_text()
    assert "发布《含多项任务的方案》" in timeline and "延期" in timeline
    assert "市统计局" not in timeline and "别人" not in timeline
    liaison.screenshot(path=str(screenshots / "extended_task_phone.png"), full_page=True)
    assert liaison.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 10

    desk.goto("/dashboard/")
    subtitle = desk.locator("p.subtitle").inner_text()
    assert "今天" in subtitle and "；" not in subtitle
    options = desk.locator("option", has_text="区交通运输局").all_inner_texts()
    assert sorted(options) == ["区交通运输局（博山区）", "区交通运输局（张店区）", "区交通运输局（淄川区）"]
    desk.screenshot(path=str(screenshots / "dashboard_subtitle.png"), full_page=False)
