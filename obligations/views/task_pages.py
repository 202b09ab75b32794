"""Task lists (a liaison's home) and the task page with every action the viewer may take."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case, F, IntegerField, Prefetch, Value, When
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ..dashboard import tallied_counts
from ..dashboard.counts import CountGiven
from ..dashboard.filter_bar import TaskFilterForm
from ..forms import (
    CompletionForm,
    DecisionForm,
    ExtensionForm,
    PartForm,
    ProgressForm,
    ReminderForm,
    TaskEditForm,
    task_form,
)
from ..light_window import light_window
from ..models import Assignment, CompletionRequest, ExtensionRequest, Membership, Reminder, Task
from ..models.lights import UNIT_PART_NOTE, light_of
from ..plans.unit_directory import label_units
from ..reminders.delivery_status import COLUMNS as DELIVERY_COLUMNS
from ..reminders.delivery_status import states_for
from ..roles import capabilities, task_rights, visible_scope
from ..workflow.timeline import task_timeline
from ..workflow.unit_state import unit_parts
from .common import visible_task

PAGE_SIZE = 30


def urgency_order(queryset):
    """Most urgent first: open tasks by deadline (overdue first), undated ones after, done last.
    On PostgreSQL the index task_urgency (migration 0019) holds exactly this order: change both."""
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
    visible = visible_scope(request.user)
    form = TaskFilterForm.for_scope(request.GET, visible)
    scope = Task.objects.within(visible)
    # Drafts are listed only on request, and only to those who review them.
    drafts = can.supervise and request.GET.get("drafts") == "1"
    if not drafts:
        scope = scope.published()
    queryset = urgency_order(
        form.apply(scope, day, cutoff)
        # Plans are fetched for the page in a second query: a join here can mislead SQLite's planner.
        .prefetch_related("plan")
        .prefetch_related(Prefetch("assignments", queryset=Assignment.objects.select_related("unit")))
        .with_light(day, cutoff)
    )
    known = None if drafts else _tallied_count(form, visible.sees_all_published, day, cutoff)
    listed = queryset if known is None else CountGiven(queryset, known)
    page = Paginator(listed, PAGE_SIZE).get_page(request.GET.get("page"))
    label_units(a.unit for task in page for a in task.assignments.all())
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


def _tallied_count(form: TaskFilterForm, sees_all_published: bool, day, cutoff) -> int | None:
    """How many tasks the list holds, from the light tallies when it shows every published task (at
    most filtered by light), as the dashboard counts them; None when the tasks must be counted."""
    if not sees_all_published or not set(form.active) <= {"light"}:
        return None
    anchor = tallied_counts.current_anchor(day, cutoff)
    if anchor is None:
        return None
    totals = tallied_counts.light_totals(anchor, day, cutoff)
    light = form.active.get("light")
    return getattr(totals, light) if light else totals.total


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
    rights = task_rights(request.user, task)
    parts = unit_parts([task.pk])[task.pk]
    label_units([part.unit for part in parts])
    assignments = [part.assignment for part in parts]
    own = next(
        (part for part in parts if rights.assignment and part.assignment.pk == rights.assignment.pk), None
    )
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

    def offer(name: str, form_class: type[Form], initial: dict | None = None, **kwargs) -> None:
        forms[name] = bound.get(name) or task_form(name, form_class, initial=initial, **kwargs)

    if rights.report and open_task:
        offer("progress", ProgressForm)
        if own is not None:
            offer(
                "part",
                PartForm,
                {"version": own.assignment.version, "done": "0" if own.assignment.is_done else "1"},
            )
        if rights.request_completion and pending_completion is None:
            offer("completion", CompletionForm, version)
        if task.deadline and pending_extension is None:
            offer("extension", ExtensionForm, version, task=task)
    if can.supervise:
        if pending_completion is not None:
            offer("decide_completion", DecisionForm, version)
        if pending_extension is not None:
            offer("decide_extension", DecisionForm, version)
        if open_task and task.plan.is_published:
            offer("remind", ReminderForm, units=task.assigned_units())
            if rights.on_behalf and pending_completion is None and parts:
                offer("completion", CompletionForm, version)
        task._prefetched_objects_cache = {"assignments": assignments}
        offer("edit", TaskEditForm, TaskEditForm.initial_for(task))
    # A refused submission is always shown again, even if the task changed so much (closed,
    # say) that the form would not be offered now: what the user typed must not vanish.
    for name, form in bound.items():
        forms.setdefault(name, form)
    # A stale form keeps the user's input but must carry the current version for a deliberate retry:
    # the task's, or for 本单位已完成 the unit's own state's.
    for name, form in bound.items():
        if form.is_bound and "version" in form.fields:
            data = form.data.copy()
            current = own.assignment.version if name == "part" and own is not None else task.version
            data["version"] = str(current)
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
    leads = [part for part in parts if part.answers]
    return render(
        request,
        "obligations/task_detail.html",
        {
            "task": task,
            "today": day,
            "light": light_of(task, day, cutoff),
            "lead": [a.unit for a in assignments if a.role == Assignment.Role.LEAD],
            "responsible": [a.unit for a in assignments if a.role == Assignment.Role.RESPONSIBLE],
            "parts": parts,
            "own_part": own,
            "lead_names": "、".join(part.unit.label for part in leads),
            "open_parts": [part for part in parts if not part.answers and part.status != "done"],
            "rights": rights,
            "acting_unit": rights.unit,
            "forms": forms,
            "pending_completion": pending_completion,
            "pending_extension": pending_extension,
            "timeline": task_timeline(task),
            "liaisons": liaisons if can.supervise else [],
            "stale": stale,
            "deliveries": deliveries,
            "delivery_columns": [label for _, label in DELIVERY_COLUMNS],
            "open_panel": next(iter(bound), ""),
            "unit_part_note": UNIT_PART_NOTE,
        },
        status=status,
    )


@login_required
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render_task_page(request, visible_task(request, pk))
