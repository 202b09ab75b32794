"""POST-only actions on a task: report, ask to close or extend, decide, remind, edit.

Each view checks who may act, validates the form and calls obligations.workflow; on any
refusal the task page is shown again with the user's input kept and the reason in Chinese.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from .. import workflow
from ..forms import (
    CompletionForm,
    DecisionForm,
    ExtensionForm,
    PartForm,
    ProgressForm,
    ReminderForm,
    TaskEditForm,
    UnitReminderForm,
    task_form,
)
from ..light_window import light_window
from ..models import CompletionRequest, ExtensionRequest, Task, Unit
from ..models.lights import Light
from ..plans.unit_directory import label_units
from ..reminders.manual import recipients, remind_unit, request_manual_reminder
from ..roles import TaskRights, capabilities, task_rights
from ..security.body_limits import accepts_body
from ..security.invalid_input import InvalidInput
from .common import safe_next, safe_next_get, supervisor_required, visible_task
from .task_pages import render_task_page

UNIT_REMIND_LISTED = 50  # overdue tasks listed on the confirmation page (all are reminded)


def _task_url(task: Task, anchor: str = "") -> str:
    return reverse("task_detail", args=[task.pk]) + (f"#{anchor}" if anchor else "")


def _liaison_task(request: HttpRequest, pk: int) -> tuple[Task, TaskRights]:
    """The task and what the liaison may do on it; 404 when invisible, 403 when read-only."""
    task = visible_task(request, pk)
    if (
        not capabilities(request.user).report
        or not Task.objects.editable_by(request.user).filter(pk=task.pk).exists()
    ):
        raise PermissionDenied("只有承办单位的联络员可以填报。")
    rights = task_rights(request.user, task)
    if not rights.report or rights.unit is None:
        raise PermissionDenied("只有承办单位的联络员可以填报。")
    return task, rights


def _refused(
    request: HttpRequest, task: Task, name: str, form, error: workflow.WorkflowError
) -> HttpResponse:
    task.refresh_from_db()
    stale = isinstance(error, workflow.Stale)
    messages.error(request, str(error))
    return render_task_page(request, task, {name: form}, status=409 if stale else 400, stale=stale)


def _invalid(request: HttpRequest, task: Task, name: str, form) -> HttpResponse:
    messages.error(request, "提交的内容有误，请按提示修改后重新提交。")
    return render_task_page(request, task, {name: form}, status=400)


@accepts_body("evidence")
@login_required
@require_POST
def report_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """A report is an append: no version, so units reporting at the same moment never collide."""
    task, rights = _liaison_task(request, pk)
    form = task_form("progress", ProgressForm, request.POST, request.FILES)
    if not form.is_valid():
        return _invalid(request, task, "progress", form)
    try:
        workflow.report_progress(
            task,
            user=request.user,
            unit=rights.unit,
            assignment=rights.assignment,
            text=form.cleaned_data["text"],
            files=form.cleaned_data["files"],
        )
    except workflow.WorkflowError as exc:
        return _refused(request, task, "progress", form, exc)
    messages.success(request, "进展情况已报送。")
    return redirect(_task_url(task, "timeline"))


@login_required
@require_POST
def mark_part(request: HttpRequest, pk: int) -> HttpResponse:
    """本单位已完成, or its undo, on the liaison's own part of the task."""
    task, rights = _liaison_task(request, pk)
    form = task_form("part", PartForm, request.POST)
    if not form.is_valid():
        return _invalid(request, task, "part", form)
    try:
        workflow.set_part_done(
            rights.assignment,
            user=request.user,
            done=form.marks_done,
            version=form.cleaned_data["version"],
            note=form.cleaned_data["note"],
        )
    except workflow.WorkflowError as exc:
        return _refused(request, task, "part", form, exc)
    if form.marks_done:
        text = f"已标记{rights.assignment.unit.name}承担的部分已完成。"
        if not rights.answers:
            text += "整项任务的办结由牵头单位申请、督查员审核。"
    else:
        text = "已撤销本单位已完成。"
    messages.success(request, text)
    return redirect(_task_url(task, "units"))


def _completion_unit(request: HttpRequest, task: Task):
    """Who asks for 办结: the lead unit's liaison, or a supervisor in the lead unit's name.
    Anyone else is refused (403), with what they may do instead."""
    rights = task_rights(request.user, task)
    if rights.on_behalf:
        leads = task.answering_assignments()
        if not leads:
            raise PermissionDenied("该任务没有承办单位，无法申请办结。")
        return leads[0].unit
    task, rights = _liaison_task(request, task.pk)
    if not rights.request_completion:
        raise PermissionDenied(
            "只有牵头单位的联络员可以申请办结整项任务；配合单位完成本单位承担的部分后，请点击“本单位已完成”。"
        )
    return rights.unit


@accepts_body("evidence")
@login_required
@require_POST
def submit_completion(request: HttpRequest, pk: int) -> HttpResponse:
    task = visible_task(request, pk)
    unit = _completion_unit(request, task)
    form = task_form("completion", CompletionForm, request.POST, request.FILES)
    if not form.is_valid():
        return _invalid(request, task, "completion", form)
    try:
        workflow.submit_completion(
            task,
            user=request.user,
            unit=unit,
            summary=form.cleaned_data["summary"],
            version=form.cleaned_data["version"],
            files=form.cleaned_data["files"],
        )
    except workflow.WorkflowError as exc:
        return _refused(request, task, "completion", form, exc)
    messages.success(request, "办结申请已提交，等待督查员审核。")
    return redirect(_task_url(task, "timeline"))


@login_required
@require_POST
def request_extension(request: HttpRequest, pk: int) -> HttpResponse:
    task, rights = _liaison_task(request, pk)
    form = task_form("extension", ExtensionForm, request.POST, task=task)
    if not form.is_valid():
        return _invalid(request, task, "extension", form)
    try:
        workflow.request_extension(
            task,
            user=request.user,
            unit=rights.unit,
            new_deadline=form.cleaned_data["new_deadline"],
            reason=form.cleaned_data["reason"],
            version=form.cleaned_data["version"],
        )
    except workflow.WorkflowError as exc:
        return _refused(request, task, "extension", form, exc)
    messages.success(request, "延期申请已提交，等待督查员审核。")
    return redirect(_task_url(task, "timeline"))


@supervisor_required
@require_POST
def decide_completion(request: HttpRequest, pk: int) -> HttpResponse:
    completion = get_object_or_404(CompletionRequest.objects.select_related("task__plan", "unit"), pk=pk)
    task = completion.task
    form = task_form("decide_completion", DecisionForm, request.POST)
    if not form.is_valid():
        return _invalid(request, task, "decide_completion", form)
    try:
        workflow.decide_completion(
            completion,
            user=request.user,
            approve=form.approve,
            comment=form.cleaned_data["comment"],
            version=form.cleaned_data["version"],
        )
    except workflow.WorkflowError as exc:
        return _refused(request, task, "decide_completion", form, exc)
    messages.success(request, "已审核通过，任务办结。" if form.approve else "已退回办结申请。")
    return HttpResponseRedirect(safe_next(request) or _task_url(task, "timeline"))


@supervisor_required
@require_POST
def decide_extension(request: HttpRequest, pk: int) -> HttpResponse:
    extension = get_object_or_404(ExtensionRequest.objects.select_related("task__plan", "unit"), pk=pk)
    task = extension.task
    form = task_form("decide_extension", DecisionForm, request.POST)
    if not form.is_valid():
        return _invalid(request, task, "decide_extension", form)
    try:
        workflow.decide_extension(
            extension,
            user=request.user,
            approve=form.approve,
            comment=form.cleaned_data["comment"],
            version=form.cleaned_data["version"],
        )
    except workflow.WorkflowError as exc:
        return _refused(request, task, "decide_extension", form, exc)
    messages.success(
        request,
        f"已批准延期至 {extension.requested_deadline:%Y年%m月%d日}。" if form.approve else "已驳回延期申请。",
    )
    return HttpResponseRedirect(safe_next(request) or _task_url(task, "timeline"))


@supervisor_required
@require_POST
def edit_task(request: HttpRequest, pk: int) -> HttpResponse:
    task = visible_task(request, pk)
    form = task_form("edit", TaskEditForm, request.POST)
    if not form.is_valid():
        return _invalid(request, task, "edit", form)
    try:
        changes = form.save(task, request.user)
    except workflow.WorkflowError as exc:
        return _refused(request, task, "edit", form, exc)
    messages.success(request, "任务已修改。" if changes else "没有需要保存的修改。")
    return redirect(_task_url(task, "timeline"))


@supervisor_required
@require_POST
def remind_task(request: HttpRequest, pk: int) -> HttpResponse:
    task = visible_task(request, pk)
    form = task_form("remind", ReminderForm, request.POST, units=task.assigned_units())
    if not form.is_valid():
        return _invalid(request, task, "remind", form)
    reminders = request_manual_reminder(
        task, form.cleaned_data["units"], request.user, message=form.cleaned_data["message"]
    )
    if reminders:
        messages.success(request, f"已发出催办，共 {len(reminders)} 位联络员将收到提醒。")
    else:
        messages.warning(request, "所选单位尚未设置联络员，催办未能发出；请先在管理后台为其添加联络员。")
    return redirect(_task_url(task, "timeline"))


def _overdue_of(request: HttpRequest, unit: Unit) -> list[Task]:
    day, cutoff = light_window()
    return list(
        Task.objects.visible_to(request.user)
        .published()
        .of_units([unit.pk])
        .of_light(Light.RED, day, cutoff)
        .select_related("plan")
        .order_by("deadline", "pk")
    )


@supervisor_required
@require_http_methods(["GET", "POST"])
def remind_unit_overdue(request: HttpRequest, pk: int) -> HttpResponse:
    """催办 of all of a unit's overdue tasks: a confirmation page (tasks, who will hear, an optional
    note), then one notice per liaison listing the tasks."""
    unit = get_object_or_404(Unit, pk=pk)
    label_units([unit])
    back = safe_next(request) or safe_next_get(request) or reverse("dashboard")
    tasks = _overdue_of(request, unit)
    if request.method == "GET":
        day, _ = light_window()
        return render(
            request,
            "obligations/unit_remind.html",
            {
                "unit": unit,
                "tasks": tasks[:UNIT_REMIND_LISTED],
                "task_count": len(tasks),
                "more": max(len(tasks) - UNIT_REMIND_LISTED, 0),
                "recipients": recipients(unit),
                "form": UnitReminderForm(),
                "next": back,
                "today": day,
            },
        )
    form = UnitReminderForm(request.POST)
    if not form.is_valid():
        raise InvalidInput("催办说明有误：" + "；".join(form.errors.get("message", [])))
    if not tasks:
        messages.info(request, f"{unit.name}目前没有逾期任务，无需催办。")
    else:
        reminders = remind_unit(unit, tasks, request.user, message=form.cleaned_data["message"])
        people = len({reminder.recipient_id for reminder in reminders})
        if reminders:
            messages.success(
                request,
                f"已对{unit.name}的 {len(tasks)} 项逾期任务发出催办：{people} 位联络员各收到一条通知（含全部 {len(tasks)} 项任务）。",
            )
        else:
            messages.warning(request, f"{unit.name}尚未设置联络员，催办未能发出。")
    return HttpResponseRedirect(back)
