"""The liaison's pages: the urgent-first list, the task page, forms, locking and escaping."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from obligations.models import ChangeLog, CompletionRequest, ExtensionRequest, ProgressReport, Reminder, Task

from ..factories import make_plan, make_task
from .conftest import PDF_BYTES, upload

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return response.content.decode()


def test_liaison_home_is_their_task_list_most_urgent_first(world, as_user):
    today = timezone.localdate()
    done = make_task(
        world.plan, lead=[world.unit_a], deadline=today - datetime.timedelta(days=9), text="已办完的任务"
    )
    Task.objects.filter(pk=done.pk).update(status=Task.Status.DONE, completed_at=timezone.now())
    make_task(
        world.plan, lead=[world.unit_a], deadline=today - datetime.timedelta(days=4), text="逾期四天的任务"
    )
    make_task(world.plan, lead=[world.unit_a], text="没有时限的任务")
    client = as_user(world.liaison_a)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse("task_list")
    page = text_of(client.get(reverse("task_list")))
    assert "我的任务" in page
    order = [
        page.index(text)
        for text in ("逾期四天的任务", world.task_b.text, world.task_a.text, "没有时限的任务", "已办完的任务")
    ]
    assert order == sorted(order)
    assert "逾期 4 天" in page
    assert "今天到期" in page  # task_b's deadline is today
    assert "剩 30 天" in page
    assert world.task_b_only.text not in page


def test_task_list_filters(world, as_user):
    client = as_user(world.supervisor)
    page = text_of(client.get(reverse("task_list"), {"light": "red"}))
    assert world.task_b_only.text in page and world.task_a.text not in page
    page = text_of(client.get(reverse("task_list"), {"unit": world.unit_a.pk}))
    assert world.task_a.text in page and world.task_b_only.text not in page
    page = text_of(client.get(reverse("task_list"), {"q": world.task_a.text}))
    assert world.task_a.text in page and world.task_b.text not in page
    today = timezone.localdate()
    page = text_of(
        client.get(
            reverse("task_list"), {"deadline_from": today.isoformat(), "deadline_to": today.isoformat()}
        )
    )
    assert world.task_b.text in page and world.task_a.text not in page
    response = client.get(reverse("task_list"), {"deadline_from": "2021-05-01", "deadline_to": "2021-04-01"})
    assert "截止日期不能早于开始日期" in text_of(response)
    response = client.get(reverse("task_list"), {"deadline_from": "2021-13-01"})
    assert "输入一个有效的日期" in text_of(response)  # Django's own message, in Chinese


def test_task_page_shows_everything_about_the_task(world, as_user):
    task = world.task_b
    task.section_path = ["二、重点任务", "（一）优化营商环境"]
    task.deadline_raw = "2021年6月底前"
    task.responsible_person = "张三"
    task.save()
    page = text_of(as_user(world.liaison_a).get(reverse("task_detail", args=[task.pk])))
    assert world.plan.title in page
    assert "二、重点任务 / （一）优化营商环境" in page
    assert "市大数据局" in page and "市财政局" in page  # lead and responsible units
    assert re.search(r"<dt>完成时限</dt><dd[^>]*>\d{4}年", page)
    assert '<dt>时限原文</dt><dd class="deadline-raw">2021年6月底前</dd>' in page
    assert "张三" in page
    # 市财政局 co-operates: it reports and finishes its own part; the lead asks to close the task.
    assert "报送进展情况" in page and "标记本单位已完成" in page and "申请延期" in page
    assert "提交办结申请" not in page
    assert "办结申请由牵头单位（市大数据局）提出" in page
    lead_page = text_of(as_user(world.liaison_b).get(reverse("task_detail", args=[task.pk])))
    assert "申请办结（整项任务）" in lead_page and "提交办结申请" in lead_page
    # The lead sees which co-operating units have not finished their part.
    assert "以下配合单位尚未标记本单位已完成：市财政局（未开始）" in lead_page


def test_html_in_task_text_is_shown_as_text(world, as_user):
    task = make_task(world.plan, lead=[world.unit_a], text='<script>alert("x")</script><b>加粗</b>')
    ProgressReport.objects.create(
        task=task,
        unit=world.unit_a,
        author=world.liaison_a,
        period=timezone.localdate().replace(day=1),
        text="<img src=x onerror=alert(1)>",
    )
    for url in (reverse("task_detail", args=[task.pk]), reverse("task_list")):
        page = text_of(as_user(world.liaison_a).get(url))
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    page = text_of(as_user(world.supervisor).get(reverse("task_detail", args=[task.pk])))
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_report_through_the_page(world, as_user):
    client = as_user(world.liaison_a)
    url = reverse("task_report", args=[world.task_a.pk])
    response = client.post(
        url, {"version": 1, "text": "已召开专题会议", "files": [upload("纪要.pdf", PDF_BYTES)]}
    )
    assert response.status_code == 302
    page = text_of(client.get(response["Location"]))
    assert "进展情况已报送" in page
    assert "已召开专题会议" in page
    assert "纪要.pdf" in page
    assert Task.objects.get(pk=world.task_a.pk).status == Task.Status.IN_PROGRESS


def test_form_errors_are_in_chinese_and_keep_the_input(world, as_user):
    client = as_user(world.liaison_a)
    response = client.post(reverse("task_report", args=[world.task_a.pk]), {"version": 1, "text": ""})
    assert response.status_code == 400
    assert "请填写进展情况" in text_of(response)
    response = client.post(
        reverse("task_report", args=[world.task_a.pk]),
        {"version": 1, "text": "保留我写的内容", "files": [upload("病毒.exe", b"MZ\x90\x00")]},
    )
    page = text_of(response)
    assert response.status_code == 400
    assert "不支持的文件类型" in page
    assert "保留我写的内容" in page
    response = client.post(
        reverse("task_report", args=[world.task_a.pk]),
        {"version": 1, "text": "x", "files": [upload("伪装.pdf", b"<html><script>alert(1)</script></html>")]},
    )
    assert "不是有效的PDF文件" in text_of(response)
    response = client.post(
        reverse("task_extend", args=[world.task_a.pk]),
        {"version": 1, "new_deadline": "2020-01-01", "reason": ""},
    )
    page = text_of(response)
    assert "申请延至的日期不能早于今天" in page and "请填写延期理由" in page
    assert not ProgressReport.objects.exists() and not ExtensionRequest.objects.exists()


def test_two_units_reporting_at_once_are_both_stored(world, as_user):
    """A report is an append: two units' liaisons who opened the page at the same time both save."""
    first, second = as_user(world.liaison_a), as_user(world.liaison_b)
    url = reverse("task_detail", args=[world.task_b.pk])  # both units work on task_b
    for client in (first, second):
        page = text_of(client.get(url))
        form = page[
            page.index('id="panel-progress"') : page.index("</details>", page.index('id="panel-progress"'))
        ]
        assert 'name="version"' not in form  # nothing to be stale about
    response = first.post(reverse("task_report", args=[world.task_b.pk]), {"text": "财政局的进展"})
    assert response.status_code == 302
    response = second.post(reverse("task_report", args=[world.task_b.pk]), {"text": "大数据局写了很久的进展"})
    assert response.status_code == 302
    assert sorted(ProgressReport.objects.values_list("unit__name", "text")) == [
        ("市大数据局", "大数据局写了很久的进展"),
        ("市财政局", "财政局的进展"),
    ]
    page = text_of(second.get(url))
    units = page[page.index('id="units"') : page.index("</section>", page.index('id="units"'))]
    assert "财政局的进展" in units and "大数据局写了很久的进展" in units  # each unit's latest report
    assert units.count("推进中") == 2


def test_same_unit_state_changed_twice_is_refused(world, as_user):
    """Edits of the same fields still meet the optimistic lock: two liaisons of one unit who both
    opened the page, one marks the unit's part done, the other's stale click is refused."""
    from ..factories import make_liaison

    colleague = make_liaison("liaison_a2", world.unit_a)
    first, second = as_user(world.liaison_a), as_user(colleague)
    url = reverse("task_detail", args=[world.task_b.pk])
    part_url = reverse("task_part", args=[world.task_b.pk])
    versions = []
    for client in (first, second):
        page = text_of(client.get(url))
        form = page[page.index('id="panel-part"') :]
        versions.append(re.search(r'name="version" value="(\d+)"', form).group(1))
    assert versions == ["1", "1"]
    assert first.post(part_url, {"version": "1", "done": "1", "note": "本单位部分已完成"}).status_code == 302
    response = second.post(part_url, {"version": "1", "done": "1", "note": "同事也点了"})
    page = text_of(response)
    assert response.status_code == 409
    assert "本单位的办理状态已被他人" in page
    assert "同事也点了" in page  # the input is kept
    assignment = world.task_b.assignments.get(unit=world.unit_a)
    assert (assignment.status, assignment.version, assignment.done_by) == ("done", 2, world.liaison_a)
    # The other unit's state was never in the way, and the task itself is untouched.
    assert world.task_b.assignments.get(unit=world.unit_b).status == "not_started"
    assert Task.objects.get(pk=world.task_b.pk).version == 1


def test_supervisor_edit_is_locked_too(world, as_user):
    client = as_user(world.supervisor)
    data = {
        "version": 1,
        "text": "改后的内容",
        "lead_units": "市财政局",
        "responsible_units": "",
        "responsible_person": "",
        "deadline": world.task_a.deadline.isoformat(),
        "deadline_kind": "date",
        "deadline_raw": "",
    }
    assert client.post(reverse("task_edit", args=[world.task_a.pk]), data).status_code == 302
    response = client.post(reverse("task_edit", args=[world.task_a.pk]), {**data, "text": "过时的修改"})
    assert response.status_code == 409
    assert "过时的修改" in text_of(response)
    assert Task.objects.get(pk=world.task_a.pk).text == "改后的内容"
    response = client.post(
        reverse("task_edit", args=[world.task_a.pk]), {**data, "version": 2, "deadline": ""}
    )
    assert response.status_code == 400
    assert "请填写完成时限" in text_of(response)


def test_timeline_shows_reports_decisions_reminders_and_changes(world, as_user):
    from obligations import workflow as workflows
    from obligations.reminders.manual import request_manual_reminder

    task = world.task_a
    workflows.report_progress(task, user=world.liaison_a, unit=world.unit_a, text="进展一")
    request = workflows.submit_completion(  # a report is an append: the version is still 1
        task, user=world.liaison_a, unit=world.unit_a, summary="完成了", version=1
    )
    workflows.decide_completion(request, user=world.supervisor, approve=False, comment="材料不全", version=2)
    request_manual_reminder(task, [world.unit_a], world.supervisor, message="请尽快补充")
    workflows.edit_task(task, user=world.supervisor, version=3, values={"responsible_person": "李四"})
    page = text_of(as_user(world.liaison_a).get(reverse("task_detail", args=[task.pk])))
    timeline = page[page.index('id="timeline"') :]
    for text in (
        "进展一",
        "申请办结",
        "完成了",
        "办结申请被退回",
        "材料不全",
        "催办",
        "请尽快补充",
        "李四",
        "责任人",
    ):
        assert text in timeline, text
    # Newest first: the edit, then the reminder, then the decision, the request and the report.
    positions = [timeline.index(t) for t in ("李四", "请尽快补充", "材料不全", "完成了", "进展一")]
    assert positions == sorted(positions)
    assert Reminder.objects.filter(task=task).count() == 1
    assert ChangeLog.objects.filter(task=task).count() == 5


def test_supervisor_decides_from_the_task_page(world, as_user):
    from obligations import workflow as workflows

    request = workflows.submit_completion(
        world.task_a, user=world.liaison_a, unit=world.unit_a, summary="完成", version=1
    )
    client = as_user(world.supervisor)
    page = text_of(client.get(reverse("task_detail", args=[world.task_a.pk])))
    assert "审核通过（办结）" in page
    response = client.post(
        reverse("completion_decide", args=[request.pk]), {"version": 2, "decision": "reject", "comment": ""}
    )
    assert response.status_code == 400
    assert "退回或驳回时请填写理由" in text_of(response)
    response = client.post(
        reverse("completion_decide", args=[request.pk]), {"version": 2, "decision": "approve", "comment": ""}
    )
    assert response.status_code == 302
    assert CompletionRequest.objects.get().status == CompletionRequest.Status.APPROVED
    page = text_of(client.get(reverse("task_detail", args=[world.task_a.pk])))
    assert "已办结" in page


def test_approved_extension_shows_original_deadline(world, as_user):
    from obligations import workflow as workflows

    new = world.task_a.deadline + datetime.timedelta(days=20)
    client = as_user(world.liaison_a)
    response = client.post(
        reverse("task_extend", args=[world.task_a.pk]),
        {"version": 1, "new_deadline": new.isoformat(), "reason": "需要协调"},
    )
    assert response.status_code == 302
    extension = ExtensionRequest.objects.get()
    workflows.decide_extension(extension, user=world.supervisor, approve=True, comment="", version=2)
    page = text_of(client.get(reverse("task_detail", args=[world.task_a.pk])))
    assert f'data-deadline="{new.isoformat()}"' in page
    assert "原定时限" in page
    assert (
        f"{world.task_a.deadline.year}年{world.task_a.deadline.month}月{world.task_a.deadline.day}日" in page
    )


def test_review_queue_lists_pending_requests(world, as_user):
    from obligations import workflow as workflows

    workflows.submit_completion(
        world.task_a, user=world.liaison_a, unit=world.unit_a, summary="完成甲", version=1
    )
    workflows.request_extension(
        world.task_b_only,
        user=world.liaison_b,
        unit=world.unit_b,
        new_deadline=timezone.localdate() + datetime.timedelta(days=9),
        reason="延期理由乙",
        version=1,
    )
    page = text_of(as_user(world.supervisor).get(reverse("review_queue")))
    assert "完成甲" in page and "延期理由乙" in page


def test_draft_tasks_listed_for_supervisor_only_on_request(world, as_user):
    make_plan("另一个草稿", status="draft")
    Task.objects.filter(pk=world.draft_task.pk).update(text="草稿中的任务")
    world.draft_task.text = "草稿中的任务"
    client = as_user(world.supervisor)
    assert world.draft_task.text not in text_of(client.get(reverse("task_list")))
    assert world.draft_task.text in text_of(client.get(reverse("task_list"), {"drafts": "1"}))
    assert world.draft_task.text not in text_of(
        as_user(world.liaison_a).get(reverse("task_list"), {"drafts": "1"})
    )


def test_timeline_shows_codes_by_their_chinese_labels(world, as_user):
    from obligations import workflow as workflows

    task = make_task(world.plan, lead=[world.unit_a], text="无时限的任务")
    workflows.edit_task(
        task,
        user=world.supervisor,
        version=1,
        values={
            "deadline": datetime.date(2031, 6, 30),
            "deadline_kind": "date",
            "deadline_raw": "2031年6月底前",
        },
    )
    timeline = text_of(as_user(world.liaison_a).get(reverse("task_detail", args=[task.pk])))
    timeline = timeline[timeline.index('id="timeline"') :]
    assert "时限类型" in timeline and "未明确" in timeline and "具体日期" in timeline
    assert "2031-06-30" in timeline and "2031年6月底前" in timeline


def test_text_typed_into_a_task_closed_meanwhile_is_kept(world, as_user):
    from obligations import workflow as workflows

    client = as_user(world.liaison_a)
    request = workflows.submit_completion(
        world.task_a, user=world.liaison_a, unit=world.unit_a, summary="完成", version=1
    )
    workflows.decide_completion(request, user=world.supervisor, approve=True, comment="", version=2)
    response = client.post(
        reverse("task_report", args=[world.task_a.pk]), {"version": 2, "text": "关闭前写下的进展"}
    )
    assert response.status_code == 400
    page = text_of(response)
    assert "该任务已办结" in page and "关闭前写下的进展" in page
