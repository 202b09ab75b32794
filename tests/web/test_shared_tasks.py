"""Shared tasks the way a 督查室 works them: each unit's own part (本单位进展), only the lead unit (or a
supervisor) asks to close the whole task, the decision shows every unit's state, and per-unit
state counts in the dashboard's ranking, the ledger and the reminders."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from obligations import workflow as workflows
from obligations.dashboard.counts import unit_ranking
from obligations.ledger import LedgerFilters, LedgerQuery, Summary
from obligations.light_window import light_window
from obligations.models import Assignment, ChangeLog, CompletionRequest, Reminder, Task
from obligations.reminders.outbox import cancel_stale
from obligations.reminders.sweep import generate
from obligations.roles import task_rights
from obligations.workflow.unit_state import unit_parts

from ..factories import make_liaison, make_plan, make_task, make_unit

pytestmark = pytest.mark.django_db


def part(task: Task, unit) -> Assignment:
    return Assignment.objects.select_related("task", "unit").get(task=task, unit=unit)


@pytest.fixture
def shared(world):
    """A task led by 市大数据局 (unit_b) with 市财政局 (unit_a) and 市税务局 co-operating, overdue."""
    w = world
    w.unit_c = make_unit("市税务局")
    w.liaison_c = make_liaison("liaison_c", w.unit_c)
    w.task = make_task(
        w.plan,
        lead=[w.unit_b],
        responsible=[w.unit_a, w.unit_c],
        deadline=timezone.localdate() - datetime.timedelta(days=10),
        text="三家共同承担的逾期任务",
    )
    return w


def test_only_the_lead_unit_or_a_supervisor_asks_to_close(shared, as_user):
    w = shared
    url = reverse("task_complete", args=[w.task.pk])
    response = as_user(w.liaison_a).post(url, {"version": 1, "summary": "财政局想关掉整个任务"})
    assert response.status_code == 403
    assert "只有牵头单位的联络员可以申请办结" in response.content.decode()
    with pytest.raises(workflows.WorkflowError, match="只有牵头单位可以申请办结"):
        workflows.submit_completion(w.task, user=w.liaison_a, unit=w.unit_a, summary="x", version=1)
    assert not CompletionRequest.objects.exists()
    # A supervisor asks in the lead unit's name (e.g. from its paper report).
    response = as_user(w.supervisor).post(url, {"version": 1, "summary": "牵头单位书面报送已完成"})
    assert response.status_code == 302
    request = CompletionRequest.objects.get()
    assert (request.unit, request.submitted_by) == (w.unit_b, w.supervisor)


def test_without_a_lead_unit_the_first_listed_answers(world):
    task = make_task(world.plan, responsible=[world.unit_a, world.unit_b], deadline=timezone.localdate())
    assert task_rights(world.liaison_a, task).request_completion
    assert not task_rights(world.liaison_b, task).request_completion
    assert task_rights(world.liaison_b, task).report


def test_a_member_of_a_lead_group_may_ask(world):
    group = make_unit("各区县政府", is_group=True)
    member = make_unit("张店区政府")
    group.members.add(member)
    liaison = make_liaison("zhangdian", member)
    task = make_task(world.plan, lead=[group], responsible=[world.unit_a], deadline=timezone.localdate())
    rights = task_rights(liaison, task)
    assert rights.request_completion and rights.unit == member and rights.assignment.unit == group
    request = workflows.submit_completion(task, user=liaison, unit=member, summary="本区已完成", version=1)
    assert request.unit == member


def test_a_unit_marks_its_part_done_and_undoes_it_before_the_task_closes(shared, as_user):
    w = shared
    client = as_user(w.liaison_a)
    url = reverse("task_part", args=[w.task.pk])
    response = client.post(url, {"version": 1, "done": "1", "note": "本单位负责的系统已上线"})
    assert response.status_code == 302
    mine = part(w.task, w.unit_a)
    assert (mine.status, mine.done_by, mine.version) == ("done", w.liaison_a, 2)
    assert mine.done_at is not None
    log = ChangeLog.objects.filter(task=w.task, action="unit.part").latest("pk")
    assert log.actor == w.liaison_a and log.changes["unit_state"] == ["未开始", "本单位已完成"]
    assert log.changes["note"] == [None, "本单位负责的系统已上线"]
    page = client.get(reverse("task_detail", args=[w.task.pk])).content.decode()
    assert "撤销本单位已完成" in page and "本单位已完成" in page[page.index('id="units"') :]
    # The task itself is still open and untouched.
    assert Task.objects.get(pk=w.task.pk).version == 1
    response = client.post(url, {"version": 2, "done": "0", "note": "发现遗漏，撤销"})
    assert response.status_code == 302
    mine.refresh_from_db()
    assert (mine.status, mine.done_at, mine.done_by) == ("in_progress", None, None)
    assert "撤销本单位已完成" in ChangeLog.objects.filter(action="unit.part").latest("pk").summary
    # Once the task is closed, a part can no longer change.
    client.post(url, {"version": 3, "done": "1"})
    request = workflows.submit_completion(w.task, user=w.liaison_b, unit=w.unit_b, summary="完成", version=1)
    workflows.decide_completion(request, user=w.supervisor, approve=True, comment="", version=2)
    response = client.post(url, {"version": 4, "done": "0"})
    assert response.status_code in (400, 403)
    assert part(w.task, w.unit_a).status == "done"


def test_approval_completes_every_part_and_says_which(shared):
    w = shared
    a = part(w.task, w.unit_a)
    workflows.set_part_done(a, user=w.liaison_a, done=True, version=1)
    request = workflows.submit_completion(
        w.task, user=w.liaison_b, unit=w.unit_b, summary="全部完成", version=1
    )
    workflows.decide_completion(request, user=w.supervisor, approve=True, comment="", version=2)
    parts = {p.unit: p for p in Assignment.objects.filter(task=w.task)}
    assert {p.status for p in parts.values()} == {"done"}
    assert parts[w.unit_a].done_by == w.liaison_a  # its own time and author are kept
    assert parts[w.unit_b].done_by == parts[w.unit_c].done_by == w.supervisor
    log = ChangeLog.objects.get(task=w.task, action="completion.decide")
    assert log.changes["units_done"] == [None, "市大数据局、市税务局"]


def test_decision_shows_the_leads_request_with_every_units_state(shared, as_user):
    w = shared
    workflows.report_progress(w.task, user=w.liaison_c, unit=w.unit_c, text="税务局正在推进")
    workflows.set_part_done(part(w.task, w.unit_a), user=w.liaison_a, done=True, version=1, note="已完成")
    workflows.submit_completion(
        w.task, user=w.liaison_b, unit=w.unit_b, summary="牵头单位申请办结", version=1
    )
    for url in (reverse("review_queue"), reverse("task_detail", args=[w.task.pk])):
        page = as_user(w.supervisor).get(url).content.decode()
        section = page[page.index("牵头单位申请办结") :]
        table = section[section.index('class="grid unit-parts') : section.index("</table>")]
        rows = {name: table.index(f'data-unit="{name}"') for name in ("市大数据局", "市财政局", "市税务局")}
        assert rows["市大数据局"] < rows["市财政局"] < rows["市税务局"]  # the lead first
        assert "牵头" in table and "本单位已完成" in table and "推进中" in table and "未开始" in table
        assert "税务局正在推进" in table
    queue = as_user(w.supervisor).get(reverse("review_queue")).content.decode()
    assert "1 个配合单位尚未标记本单位已完成" in queue  # 市税务局; the lead asks


def test_unit_parts_reads_a_group_members_report_onto_the_groups_part(world):
    group = make_unit("各区县政府", is_group=True)
    member = make_unit("张店区政府")
    group.members.add(member)
    liaison = make_liaison("zhangdian", member)
    task = make_task(world.plan, lead=[world.unit_a], responsible=[group], deadline=timezone.localdate())
    workflows.report_progress(task, user=liaison, unit=member, text="张店区已完成摸排")
    parts = {p.unit.name: p for p in unit_parts([task.pk])[task.pk]}
    assert parts["各区县政府"].last_report_text == "张店区已完成摸排"
    assert parts["各区县政府"].last_report_unit == "张店区政府"
    assert parts["各区县政府"].status == "in_progress"
    assert parts["市财政局"].answers and not parts["各区县政府"].answers


def test_editing_units_keeps_the_parts_of_units_that_stay(shared):
    w = shared
    workflows.set_part_done(part(w.task, w.unit_a), user=w.liaison_a, done=True, version=1)
    workflows.edit_task(
        w.task,
        user=w.supervisor,
        version=1,
        values={},
        lead=["市财政局"],  # 市财政局 now leads, 市大数据局 co-operates, 市税务局 is taken off
        responsible=["市大数据局"],
    )
    parts = {p.unit.name: p for p in Assignment.objects.filter(task=w.task).select_related("unit")}
    assert set(parts) == {"市财政局", "市大数据局"}
    assert (parts["市财政局"].role, parts["市财政局"].status) == ("lead", "done")


def test_ranking_counts_a_finished_part_as_done_for_its_unit_only(shared):
    w = shared
    day, cutoff = light_window()
    published = Task.objects.published()
    before = {row.name: row.counts for row in unit_ranking(published, day, cutoff)}
    workflows.set_part_done(part(w.task, w.unit_a), user=w.liaison_a, done=True, version=1)
    for fast in (False, True):
        after = {row.name: row.counts for row in unit_ranking(published, day, cutoff, all_published=fast)}
        assert (after["市财政局"].red, after["市财政局"].done) == (
            before["市财政局"].red - 1,
            before["市财政局"].done + 1,
        )
        assert after["市财政局"].total == before["市财政局"].total
        # The task is still red for the lead and the other co-operating unit.
        assert (after["市大数据局"].red, after["市税务局"].red) == (before["市大数据局"].red, 1)
    page_note = "某单位已标记“本单位已完成”的，该任务计入该单位的已办结"
    from django.test import Client

    client = Client()
    client.force_login(w.supervisor)
    assert page_note in client.get(reverse("dashboard")).content.decode()


def test_ranking_counts_parts_done_on_green_and_undated_tasks(world):
    day, cutoff = light_window()
    green = make_task(
        world.plan,
        lead=[world.unit_b],
        responsible=[world.unit_a],
        deadline=day + datetime.timedelta(days=60),
    )
    undated = make_task(world.plan, lead=[world.unit_b], responsible=[world.unit_a])
    for task in (green, undated):
        workflows.set_part_done(part(task, world.unit_a), user=world.liaison_a, done=True, version=1)
    general = {row.pk: row.counts for row in unit_ranking(Task.objects.published(), day, cutoff)}
    fast = {
        row.pk: row.counts for row in unit_ranking(Task.objects.published(), day, cutoff, all_published=True)
    }
    assert general == fast
    assert general[world.unit_a.pk].done == 2


def test_ledger_summary_counts_each_units_part_as_of_the_month(shared):
    w = shared
    workflows.set_part_done(part(w.task, w.unit_a), user=w.liaison_a, done=True, version=1)
    today = timezone.localdate()
    query = LedgerQuery(LedgerFilters.build(today.replace(day=1), {}), day=today)
    summary = Summary(query.unit_ids)
    rows = {row.values[2]: row for row in query.rows(summary)}
    by_name = {counts.name: counts for counts in summary.unit_rows()}
    assert (by_name["市财政局"].done, by_name["市税务局"].overdue) == (1, 1)
    assert by_name["市大数据局"].overdue >= 1
    assert rows["三家共同承担的逾期任务"].values[-1] == "本单位已完成：市财政局"
    # Last month's ledger does not know of a part finished this month.
    Task.objects.filter(pk=w.task.pk).update(created_at=timezone.now() - datetime.timedelta(days=70))
    w.plan.published_at = timezone.now() - datetime.timedelta(days=70)
    w.plan.save()
    last = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    query = LedgerQuery(LedgerFilters.build(last, {}), day=today)
    summary = Summary(query.unit_ids)
    rows = {row.values[2]: row for row in query.rows(summary)}
    assert "本单位已完成" not in (rows["三家共同承担的逾期任务"].values[-1] or "")


def test_reminders_spare_a_co_unit_whose_part_is_done_but_not_the_lead(shared):
    w = shared
    from obligations.holidays import get_calendar

    # The first working days after the deadline, when the policy reminds daily.
    first, second = (get_calendar().add_workdays(w.task.deadline, n) for n in (1, 2))
    generate(first)
    units = set(Reminder.objects.filter(task=w.task, kind="overdue").values_list("unit__name", flat=True))
    assert units == {"市大数据局", "市财政局", "市税务局"}
    workflows.set_part_done(part(w.task, w.unit_a), user=w.liaison_a, done=True, version=1)
    workflows.set_part_done(part(w.task, w.unit_b), user=w.liaison_b, done=True, version=1)
    assert cancel_stale() == 1  # 市财政局's pending reminder; the lead answers for the task still
    cancelled = Reminder.objects.get(task=w.task, unit=w.unit_a)
    assert (cancelled.status, cancelled.last_error) == ("cancelled", "本单位已完成承担的部分。")
    Reminder.objects.all().delete()
    generate(second)
    units = set(Reminder.objects.filter(task=w.task, kind="overdue").values_list("unit__name", flat=True))
    assert units == {"市大数据局", "市税务局"}


def test_liaison_list_tells_its_own_finished_part(shared, as_user):
    w = shared
    workflows.set_part_done(part(w.task, w.unit_a), user=w.liaison_a, done=True, version=1)
    page = as_user(w.liaison_a).get(reverse("task_list")).content.decode()
    row = page[page.index("三家共同承担的逾期任务") :]
    row = row[: row.index("</tr>")]
    assert "本单位已完成" in row
    other = as_user(w.liaison_c).get(reverse("task_list")).content.decode()
    row = other[other.index("三家共同承担的逾期任务") :]
    assert "本单位已完成" not in row[: row.index("</tr>")]


def test_backfill_marks_closed_tasks_parts_done(transactional_db):
    """The migration's backfill, run on rows as they were before it: done tasks' parts done at the
    task's completion, a unit that reported on an open task in progress."""
    from tests.migrating import migrate_to

    before = [("obligations", "0009_reminder_channels")]
    after = [("obligations", "0010_shared_task_progress")]
    executor = migrate_to(before)
    old = executor.loader.project_state(before).apps
    Unit = old.get_model("obligations", "Unit")
    Plan = old.get_model("obligations", "Plan")
    OldTask = old.get_model("obligations", "Task")
    OldAssignment = old.get_model("obligations", "Assignment")
    Report = old.get_model("obligations", "ProgressReport")
    a, b = (
        Unit.objects.create(name="甲局", jurisdiction="测试市"),
        Unit.objects.create(name="乙局", jurisdiction="测试市"),
    )
    plan = Plan.objects.create(title="回填方案", status="published", published_at=timezone.now())
    closed_at = timezone.now() - datetime.timedelta(days=3)
    done = OldTask.objects.create(plan=plan, order=1, text="已办结", status="done", completed_at=closed_at)
    open_ = OldTask.objects.create(plan=plan, order=2, text="推进中", status="in_progress")
    for task in (done, open_):
        OldAssignment.objects.create(task=task, unit=a, role="lead", position=0)
        OldAssignment.objects.create(task=task, unit=b, role="responsible", position=0)
    Report.objects.create(task=open_, unit=b, period=timezone.localdate().replace(day=1), text="乙局进展")
    migrate_to(after)
    migrate_to()
    states = {
        (row.task.text, row.unit.name): (row.status, row.done_at)
        for row in Assignment.objects.select_related("task", "unit")
    }
    assert states[("已办结", "甲局")] == ("done", closed_at) == states[("已办结", "乙局")]
    assert states[("推进中", "甲局")] == ("not_started", None)
    assert states[("推进中", "乙局")] == ("in_progress", None)


def test_stale_part_form_after_a_colleague_acted_keeps_the_note(world, as_user):
    colleague = make_liaison("liaison_a2", world.unit_a)
    workflows.set_part_done(part(world.task_b, world.unit_a), user=colleague, done=True, version=1)
    response = as_user(world.liaison_a).post(
        reverse("task_part", args=[world.task_b.pk]), {"version": 1, "done": "1", "note": "我也完成了"}
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "我也完成了" in page and "本单位的办理状态已被他人" in page


def test_plan_of_another_unit_is_still_a_404(world, as_user):
    outsider = make_liaison("outsider", make_unit("市商务局"))
    task = make_task(make_plan("别人的方案"), lead=[world.unit_a])
    assert (
        as_user(outsider).post(reverse("task_part", args=[task.pk]), {"version": 1, "done": "1"}).status_code
        == 404
    )
