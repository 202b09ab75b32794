"""The workflow services: state changes, optimistic locking and the audit trail (留痕)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from obligations import workflow as workflows
from obligations.models import (
    ChangeLog,
    CompletionRequest,
    Evidence,
    ExtensionRequest,
    ProgressReport,
    Task,
    Unit,
)

from ..factories import make_task, make_unit
from .conftest import PDF_BYTES, upload

pytestmark = pytest.mark.django_db


def fresh(task: Task) -> Task:
    return Task.objects.get(pk=task.pk)


def last_log(task: Task) -> ChangeLog:
    return ChangeLog.objects.filter(task=task).order_by("-id").first()


def test_progress_report_moves_task_and_unit_on_and_is_recorded(world):
    task = world.task_a
    report = workflows.report_progress(
        task,
        user=world.liaison_a,
        unit=world.unit_a,
        text="  已完成方案起草。 ",
        files=[upload("会议纪要.pdf", PDF_BYTES)],
    )
    assert report.text == "已完成方案起草。"
    assert report.period == timezone.localdate().replace(day=1)
    task = fresh(task)
    # An append: the task's version (its fields' lock) stays; the states only move forward.
    assert (task.status, task.version) == (Task.Status.IN_PROGRESS, 1)
    assert task.assignments.get(unit=world.unit_a).status == "in_progress"
    log = last_log(task)
    assert log.actor == world.liaison_a
    assert log.action == "task.report"
    assert log.changes["status"] == ["未开始", "推进中"]
    assert log.changes["unit_state"] == ["未开始", "推进中"]
    assert log.changes["progress"] == [None, "已完成方案起草。"]
    assert log.changes["evidence"] == [None, "会议纪要.pdf"]
    evidence = Evidence.objects.get(report=report)
    assert evidence.original_name == "会议纪要.pdf"
    assert evidence.content_type == "application/pdf"
    assert evidence.file.read() == PDF_BYTES
    assert "会议纪要" not in evidence.file.name  # stored under a random name
    # A second report moves nothing and records only itself.
    workflows.report_progress(task, user=world.liaison_a, unit=world.unit_a, text="第二次")
    assert set(last_log(task).changes) == {"progress"}


def test_reports_of_two_units_never_conflict(world):
    """Two liaisons who opened the task at the same time: both reports (and their files) are stored."""
    task = world.task_b
    seen_by_a, seen_by_b = Task.objects.get(pk=task.pk), Task.objects.get(pk=task.pk)
    workflows.report_progress(seen_by_a, user=world.liaison_a, unit=world.unit_a, text="财政局进展")
    workflows.report_progress(
        seen_by_b,
        user=world.liaison_b,
        unit=world.unit_b,
        text="大数据局进展",
        files=[upload("a.pdf", PDF_BYTES)],
    )
    assert sorted(ProgressReport.objects.filter(task=task).values_list("text", flat=True)) == [
        "大数据局进展",
        "财政局进展",
    ]
    assert Evidence.objects.count() == 1
    assert fresh(task).version == 1
    assert set(task.assignments.values_list("status", flat=True)) == {"in_progress"}


def test_a_closed_task_takes_no_report(world):
    task = world.task_a
    request = workflows.submit_completion(
        task, user=world.liaison_a, unit=world.unit_a, summary="完成", version=1
    )
    workflows.decide_completion(request, user=world.supervisor, approve=True, comment="", version=2)
    with pytest.raises(workflows.WorkflowError, match="已办结"):
        workflows.report_progress(task, user=world.liaison_a, unit=world.unit_a, text="晚了")
    assert not ProgressReport.objects.exists()


def test_completion_submit_approve(world):
    task = world.task_a
    request = workflows.submit_completion(
        task, user=world.liaison_a, unit=world.unit_a, summary="全部完成", version=1
    )
    assert fresh(task).status == Task.Status.PENDING_REVIEW
    with pytest.raises(workflows.WorkflowError, match="待审核的办结申请"):
        workflows.submit_completion(
            fresh(task), user=world.liaison_a, unit=world.unit_a, summary="再次", version=2
        )
    workflows.decide_completion(request, user=world.supervisor, approve=True, comment="", version=2)
    task = fresh(task)
    assert task.status == Task.Status.DONE
    assert task.completed_at is not None
    request.refresh_from_db()
    assert (request.status, request.decided_by) == (CompletionRequest.Status.APPROVED, world.supervisor)
    log = last_log(task)
    assert (log.action, log.actor, log.changes["status"]) == (
        "completion.decide",
        world.supervisor,
        ["办结待审核", "已办结"],
    )
    # A second decision on the same request (double click, second supervisor) is refused.
    with pytest.raises(workflows.WorkflowError, match="已被处理"):
        workflows.decide_completion(request, user=world.supervisor, approve=False, comment="x", version=3)


def test_completion_return_needs_a_comment_and_reopens_the_task(world):
    task = world.task_a
    request = workflows.submit_completion(
        task, user=world.liaison_a, unit=world.unit_a, summary="完成", version=1
    )
    with pytest.raises(workflows.WorkflowError, match="退回意见"):
        workflows.decide_completion(request, user=world.supervisor, approve=False, comment=" ", version=2)
    workflows.decide_completion(
        request, user=world.supervisor, approve=False, comment="请补充佐证材料", version=2
    )
    task = fresh(task)
    assert task.status == Task.Status.IN_PROGRESS
    assert task.completed_at is None
    request.refresh_from_db()
    assert request.status == CompletionRequest.Status.RETURNED
    assert request.decision_comment == "请补充佐证材料"
    # Returned: the unit may submit again.
    workflows.submit_completion(
        task, user=world.liaison_a, unit=world.unit_a, summary="已补充", version=task.version
    )


def test_extension_rules_and_approval_keeps_original_deadline(world):
    task = world.task_a
    old = task.deadline
    with pytest.raises(workflows.WorkflowError, match="必须晚于当前时限"):
        workflows.request_extension(
            task, user=world.liaison_a, unit=world.unit_a, new_deadline=old, reason="忙", version=1
        )
    new = old + datetime.timedelta(days=45)
    request = workflows.request_extension(
        task, user=world.liaison_a, unit=world.unit_a, new_deadline=new, reason="资金未到位", version=1
    )
    assert fresh(task).deadline == old  # nothing changes until approved
    with pytest.raises(workflows.WorkflowError, match="待审核的延期申请"):
        workflows.request_extension(
            fresh(task), user=world.liaison_a, unit=world.unit_a, new_deadline=new, reason="再次", version=2
        )
    workflows.decide_extension(request, user=world.supervisor, approve=True, comment="同意", version=2)
    task = fresh(task)
    assert (task.deadline, task.original_deadline) == (new, old)
    assert last_log(task).changes["deadline"] == [old.isoformat(), new.isoformat()]
    # A second extension keeps the very first original deadline.
    newer = new + datetime.timedelta(days=10)
    second = workflows.request_extension(
        task,
        user=world.liaison_a,
        unit=world.unit_a,
        new_deadline=newer,
        reason="仍需时间",
        version=task.version,
    )
    workflows.decide_extension(
        second, user=world.supervisor, approve=True, comment="", version=fresh(task).version
    )
    task = fresh(task)
    assert (task.deadline, task.original_deadline) == (newer, old)


def test_extension_rejection_needs_a_reason_and_keeps_the_deadline(world):
    task = world.task_a
    request = workflows.request_extension(
        task,
        user=world.liaison_a,
        unit=world.unit_a,
        new_deadline=task.deadline + datetime.timedelta(days=5),
        reason="原因",
        version=1,
    )
    with pytest.raises(workflows.WorkflowError, match="驳回理由"):
        workflows.decide_extension(request, user=world.supervisor, approve=False, comment="", version=2)
    workflows.decide_extension(request, user=world.supervisor, approve=False, comment="理由不充分", version=2)
    request.refresh_from_db()
    assert request.status == ExtensionRequest.Status.REJECTED
    assert fresh(task).deadline == world.task_a.deadline
    assert fresh(task).original_deadline is None


def test_extension_needs_a_dated_task(world):
    task = make_task(world.plan, lead=[world.unit_a], deadline_kind=Task.DeadlineKind.ONGOING)
    with pytest.raises(workflows.WorkflowError, match="没有具体完成时限"):
        workflows.request_extension(
            task,
            user=world.liaison_a,
            unit=world.unit_a,
            new_deadline=timezone.localdate(),
            reason="x",
            version=1,
        )


def test_edit_task_records_old_and_new_values_and_units(world):
    task = world.task_a
    old_text, old_deadline = task.text, task.deadline
    new_deadline = task.deadline + datetime.timedelta(days=1)
    changes = workflows.edit_task(
        task,
        user=world.supervisor,
        version=1,
        values={
            "text": "新的任务内容",
            "deadline": new_deadline,
            "deadline_kind": "date",
            "responsible_person": "王五",
        },
        lead="市大数据局、新单位甲",
        responsible="",
    )
    assert changes["text"] == [old_text, "新的任务内容"]
    assert changes["deadline"] == [old_deadline.isoformat(), new_deadline.isoformat()]
    assert changes["lead_units"] == ["市财政局", "市大数据局、新单位甲"]
    task = fresh(task)
    assert task.version == 2
    assert [a.unit.name for a in task.assignments.order_by("position")] == ["市大数据局", "新单位甲"]
    assert Unit.objects.get(name="新单位甲").confirmed is False
    assert last_log(task).changes == changes
    # Saving the same values again changes nothing and writes nothing.
    count = ChangeLog.objects.count()
    assert workflows.edit_task(task, user=world.supervisor, version=2, values={"text": "新的任务内容"}) == {}
    assert ChangeLog.objects.count() == count
    # A stale edit is refused even when it would change nothing.
    with pytest.raises(workflows.StaleTask):
        workflows.edit_task(task, user=world.supervisor, version=1, values={"text": "新的任务内容"})


def test_group_member_reports_as_its_own_unit(world):
    group = make_unit("各区县政府", is_group=True)
    member = make_unit("张店区政府")
    group.members.add(member)
    from ..factories import make_liaison

    liaison = make_liaison("zhangdian", member)
    task = make_task(world.plan, responsible=[group], deadline=timezone.localdate())
    from obligations.roles import acting_unit

    unit = acting_unit(liaison, task)
    report = workflows.report_progress(task, user=liaison, unit=unit, text="本区已完成")
    assert report.unit == member
