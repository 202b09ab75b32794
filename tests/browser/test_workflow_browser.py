"""The product as its users meet it, in a real browser: a supervisor imports a seed gazette, fixes a
row and publishes; a liaison reports progress with a file and asks to close a task; the supervisor
approves; the dashboard's counts move. Screenshots of the main pages land in var/artifacts/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from obligations.devtools.demo import load_units
from obligations.models import CompletionRequest, Evidence, Plan, ProgressReport, Task, Unit

from ..factories import PASSWORD, make_leader, make_liaison, make_supervisor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "fixtures" / "plans" / "000_00f7338b1488e55e.txt"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def login(page, username: str) -> None:
    page.goto("/accounts/login/")
    assert "登录督办台账" in page.content()
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")


def light_count(page, light: str) -> int:
    return int(page.locator(f'[data-light="{light}"]').inner_text())


def test_import_publish_report_complete_approve(new_page, screenshots, tmp_path):
    load_units()
    supervisor = make_supervisor("duchashi_test")
    big_data = Unit.objects.get(jurisdiction="淄博市", name="市大数据局")
    liaison_user = make_liaison("dashuju_test", big_data)
    make_leader("lingdao_test")

    # --- The supervisor imports the gazette and reviews it. ---------------------------------
    boss = new_page()
    login(boss, supervisor.username)
    assert boss.url.endswith("/dashboard/")
    assert light_count(boss, "red") == 0
    with boss.expect_navigation():
        boss.click("text=方案导入")
    boss.set_input_files("#id_file", str(SEED))
    boss.click("text=上传并提取")
    boss.wait_for_url(re.compile(r"/imports/\d+/$"))
    assert "已导入“000_00f7338b1488e55e.txt”：3 个方案，33 项任务" in boss.content()
    boss.screenshot(path=str(screenshots / "import_review.png"), full_page=False)

    plan = Plan.objects.get(title="淄博市建立政务服务“好差评”制度工作方案")
    assert plan.status == "draft"
    first = plan.tasks.order_by("order").first()
    row = boss.locator(f"#row-{first.pk}")
    row.locator("textarea[name=responsible_units]").fill("市财政局、市行政审批服务局")
    row.locator("input[name=responsible_person]").fill("王五")
    with boss.expect_navigation():
        row.locator("text=保存").click()
    assert f"第 {first.order} 项已保存" in boss.content()
    first.refresh_from_db()
    assert first.responsible_person == "王五"
    assert {a.unit.name for a in first.assignments.filter(role="responsible")} == {
        "市财政局"
    }  # 审批局 leads already

    # Units the registry does not know are confirmed; then each plan is published.
    with boss.expect_navigation():
        boss.click("text=其余全部确认为新单位")
    assert "已确认" in boss.content()
    while boss.locator("button.publish").count():
        with boss.expect_navigation():
            boss.locator("button.publish").first.click()
        assert "已发布" in boss.content()
    assert set(Plan.objects.values_list("status", flat=True)) == {"published"}

    with boss.expect_navigation():
        boss.click("text=督办总览")
    red_before, done_before = light_count(boss, "red"), light_count(boss, "done")
    assert red_before > 0 and done_before == 0
    boss.screenshot(path=str(screenshots / "dashboard.png"), full_page=True)

    # --- The liaison reports progress with a file, then asks to close the task. ----------------
    liaison = new_page()
    login(liaison, "dashuju_test")
    assert liaison.url.endswith("/tasks/")
    assert "我的任务" in liaison.content()
    liaison.screenshot(path=str(screenshots / "liaison_home.png"), full_page=False)
    own = Task.objects.visible_to(liaison_user)  # its own unit's tasks and those of groups it belongs to
    assert liaison.locator("table.tasks tbody tr").count() == own.count() > 0
    task = own.filter(assignments__unit=big_data, deadline__isnull=False).order_by(
        "deadline", "plan_id", "order"
    )[0]
    liaison.locator(f'a[href="/tasks/{task.pk}/"]').first.click()
    liaison.wait_for_url(f"**/tasks/{task.pk}/")
    evidence = tmp_path / "会议纪要.pdf"
    evidence.write_bytes(PDF)
    liaison.fill("#panel-progress textarea[name=text]", "已完成平台对接，正在试运行。")
    liaison.set_input_files("#panel-progress input[type=file]", str(evidence))
    with liaison.expect_navigation():
        liaison.click("#panel-progress button[type=submit]")
    assert "进展情况已报送" in liaison.content()
    assert "已完成平台对接，正在试运行。" in liaison.locator("#timeline").inner_text()
    assert liaison.locator("#timeline a", has_text="会议纪要.pdf").count() == 1
    assert ProgressReport.objects.filter(task=task).count() == 1 and Evidence.objects.count() == 1

    liaison.click("#panel-completion summary")
    liaison.fill("#panel-completion textarea[name=summary]", "平台已上线运行，任务完成。")
    with liaison.expect_navigation():
        liaison.click("#panel-completion button[type=submit]")
    assert "办结申请已提交" in liaison.content()
    assert liaison.locator(".task-status").inner_text().startswith("办结待审核")
    liaison.screenshot(path=str(screenshots / "task_page.png"), full_page=True)

    # A phone-width view of the liaison's list stays usable.
    phone = new_page(width=390, height=844)
    login(phone, "dashuju_test")
    phone.screenshot(path=str(screenshots / "phone_task_list.png"), full_page=False)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, width  # no sideways scrolling on a phone

    # --- The supervisor approves; the dashboard moves. --------------------------------------
    with boss.expect_navigation():
        boss.click("text=待审核")
    assert "平台已上线运行，任务完成。" in boss.content()
    with boss.expect_navigation():
        boss.click("#completions button[value=approve]")
    assert "已审核通过" in boss.content()
    assert CompletionRequest.objects.get(task=task).status == "approved"
    with boss.expect_navigation():
        boss.click("text=督办总览")
    assert light_count(boss, "done") == done_before + 1
    assert light_count(boss, "red") == red_before - 1  # the seed's deadlines are long past

    liaison.reload()
    assert liaison.locator(".task-status").inner_text().startswith("已办结")
    assert "办结审核通过" in liaison.locator("#timeline").inner_text()


def test_two_liaisons_at_once(new_page, screenshots):
    """Two liaisons of different units report on one shared task at the same moment: a report is an
    append, so both are stored and neither is refused (no 409)."""
    from django.utils import timezone

    from ..factories import make_plan, make_task, make_unit

    a, b = make_unit("市财政局"), make_unit("市税务局")
    make_liaison("first_liaison", a)
    make_liaison("second_liaison", b)
    task = make_task(
        make_plan(), lead=[a], responsible=[b], deadline=timezone.localdate(), text="两家共同承担的任务"
    )
    first, second = new_page(), new_page(width=390, height=844)  # one at a desk, one on a phone
    for page, user in ((first, "first_liaison"), (second, "second_liaison")):
        login(page, user)
        page.goto(f"/tasks/{task.pk}/")
    first.fill("#panel-progress textarea[name=text]", "财政局的进展")
    second.fill("#panel-progress textarea[name=text]", "税务局写了很久的进展")
    answers: list[int] = []
    for page in (first, second):
        page.on("response", lambda r: r.request.method == "POST" and answers.append(r.status))
    submit = "document.querySelector('#panel-progress form').requestSubmit()"
    # Both forms go out before either answer has come back.
    with first.expect_navigation(), second.expect_navigation():
        first.evaluate(submit)
        second.evaluate(submit)
    assert sorted(answers) == [302, 302]  # neither refused
    for page in (first, second):
        assert "进展情况已报送" in page.content()
    second.reload()
    timeline = second.locator("#timeline").inner_text()
    assert "财政局的进展" in timeline and "税务局写了很久的进展" in timeline
    second.screenshot(path=str(screenshots / "two_liaisons_phone.png"), full_page=True)
    assert sorted(ProgressReport.objects.values_list("text", flat=True)) == [
        "税务局写了很久的进展",
        "财政局的进展",
    ]
    task.refresh_from_db()
    assert task.version == 1  # the task's own fields were never in the way


def test_concurrent_edits_of_the_same_fields_are_refused(new_page, screenshots):
    """Two supervisors change the same task from pages opened at the same time: the second save is
    refused in Chinese, with what was typed still in the form, and a deliberate retry works."""
    from django.utils import timezone

    from ..factories import make_plan, make_task, make_unit

    unit = make_unit("市财政局")
    make_supervisor("boss_one")
    make_supervisor("boss_two")
    task = make_task(make_plan(), lead=[unit], deadline=timezone.localdate(), text="原来的任务内容")
    one, two = new_page(), new_page()
    for page, user in ((one, "boss_one"), (two, "boss_two")):
        login(page, user)
        page.goto(f"/tasks/{task.pk}/")
        page.click("#panel-edit summary")
    one.fill("#panel-edit textarea[name=text]", "第一位督查员的修改")
    two.fill("#panel-edit textarea[name=text]", "第二位督查员写了很久的修改")
    with one.expect_navigation():
        one.click("#panel-edit button[type=submit]")
    with two.expect_navigation():
        two.click("#panel-edit button[type=submit]")
    assert "已被他人修改" in two.content()
    assert two.input_value("#panel-edit textarea[name=text]") == "第二位督查员写了很久的修改"
    two.screenshot(path=str(screenshots / "stale_save.png"), full_page=False)
    task.refresh_from_db()
    assert task.text == "第一位督查员的修改"
    with two.expect_navigation():
        two.click("#panel-edit button[type=submit]")
    assert "任务已修改" in two.content()
    task.refresh_from_db()
    assert task.text == "第二位督查员写了很久的修改"
