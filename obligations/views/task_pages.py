"""Task lists (a liaison's home) and the task page with every action the viewer may take."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case, F, IntegerField, Prefetch, Value, When
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ..dashboard.filter_bar import TaskFilterForm
from ..forms import CompletionForm, DecisionForm, ExtensionForm, ProgressForm, ReminderForm, TaskEditForm
from ..light_window import light_window
from ..models import Assignment, CompletionRequest, ExtensionRequest, Membership, Reminder, Task
from ..models.lights import light_of
from ..reminders.delivery_status import COLUMNS as DELIVERY_COLUMNS
from ..reminders.delivery_status import states_for
from ..roles import acting_unit, capabilities, visible_scope
from ..workflow.timeline import task_timeline
from .common import visible_task

PAGE_SIZE = 30


def urgency_order(queryset):
    """Most urgent first: open tasks by deadline (overdue first), undated ones after, done last."""
    return queryset.order_by(
        Case(When(status=Task.Status.DONE, then=Value(1)), default=Value(0), output_field=IntegerField()),
        F("deadline").asc(nulls_last=True),
        "plan_id",
        "order",
    )


@login_required
def task_list(request: HttpRequest) -> HttpResponse:
    day, cutoff = light_window()
    can = capabilities(request.user)
    form = TaskFilterForm.for_published(request.GET)
    visible = visible_scope(request.user)
    scope = Task.objects.within(visible)
    # Drafts are listed only on request, and only to those who review them.
    if not can.supervise or request.GET.get("drafts") != "1":
        scope = scope.published()
    queryset = urgency_order(
        form.apply(scope, day, cutoff)
        # Plans are fetched for the page in a second query: a join here can mislead SQLite's planner.
        .prefetch_related("plan")
        .prefetch_related(Prefetch("assignments", queryset=Assignment.objects.select_related("unit")))
        .with_light(day, cutoff)
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    # A liaison's own units are highlighted in the list.
    own_units = visible.unit_ids if can.report else frozenset()
    return render(
        request,
        "obligations/task_list.html",
        {
            "page": page,
            "today": day,
            "form": form,
            "own_units": own_units,
            "title": "我的任务" if can.report else "任务列表",
        },
    )


def render_task_page(
    request: HttpRequest,
    task: Task,
    bound: dict[str, Form] | None = None,
    *,
    status: int = 200,
    stale: bool = False,
) -> HttpResponse:
    """The task page; ``bound`` holds a submitted form to show again with its errors and input."""
    bound = bound or {}
    day, cutoff = light_window()
    can = capabilities(request.user)
    assignments = list(task.assignments.select_related("unit").order_by("role", "position"))
    unit = acting_unit(request.user, task) if can.report else None
    pending_completion = (
        task.completion_requests.filter(status=CompletionRequest.Status.PENDING)
        .select_related("unit")
        .first()
    )
    pending_extension = (
        task.extension_requests.filter(status=ExtensionRequest.Status.PENDING).select_related("unit").first()
    )
    open_task = task.status != Task.Status.DONE
    version = {"version": task.version}
    forms: dict[str, Form] = {}
    if unit is not None and open_task:
        forms["progress"] = bound.get("progress") or ProgressForm(initial=version)
        if pending_completion is None:
            forms["completion"] = bound.get("completion") or CompletionForm(initial=version)
        if task.deadline and pending_extension is None:
            forms["extension"] = bound.get("extension") or ExtensionForm(initial=version, task=task)
    if can.supervise:
        if pending_completion is not None:
            forms["decide_completion"] = bound.get("decide_completion") or DecisionForm(initial=version)
        if pending_extension is not None:
            forms["decide_extension"] = bound.get("decide_extension") or DecisionForm(initial=version)
        if open_task and task.plan.is_published:
            forms["remind"] = bound.get("remind") or ReminderForm(units=task.assigned_units())
        task._prefetched_objects_cache = {"assignments": assignments}
        forms["edit"] = bound.get("edit") or TaskEditForm(initial=TaskEditForm.initial_for(task))
    # A refused submission is always shown again, even if the task changed so much (closed,
    # say) that the form would not be offered now: what the user typed must not vanish.
    for name, form in bound.items():
        forms.setdefault(name, form)
    # A stale form keeps the user's input but must carry the current version for a deliberate retry.
    for form in bound.values():
        if form.is_bound and "version" in form.fields:
            data = form.data.copy()
            data["version"] = str(task.version)
            form.data = data
    deliveries = []
    if can.supervise:
        sent = list(
            Reminder.objects.filter(task=task)
            .select_related("unit", "recipient")
            .order_by("-created_at", "-pk")[:50]
        )
        states = states_for(sent)
        deliveries = [(row, states[row.pk]) for row in sent]
    liaisons = Membership.objects.filter(
        unit__in=[a.unit for a in assignments], role=Membership.Role.LIAISON
    ).select_related("user", "unit")
    return render(
        request,
        "obligations/task_detail.html",
        {
            "task": task,
            "today": day,
            "light": light_of(task, day, cutoff),
            "lead": [a.unit for a in assignments if a.role == Assignment.Role.LEAD],
            "responsible": [a.unit for a in assignments if a.role == Assignment.Role.RESPONSIBLE],
            "acting_unit": unit,
            "forms": forms,
            "pending_completion": pending_completion,
            "pending_extension": pending_extension,
            "timeline": task_timeline(task),
            "liaisons": liaisons if can.supervise else [],
            "stale": stale,
            "deliveries": deliveries,
            "delivery_columns": [label for _, label in DELIVERY_COLUMNS],
            "open_panel": next(iter(bound), ""),
        },
        status=status,
    )


@login_required
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render_task_page(request, visible_task(request, pk))
