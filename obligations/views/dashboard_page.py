"""The overdue dashboard (督办总览): supervisors' home page, read-only for leaders."""

from __future__ import annotations

from collections import Counter

from django.core.paginator import Paginator
from django.db.models import Value
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ..bulletin.unit_scores import explain, year_to_date
from ..dashboard import tallied_counts
from ..dashboard.charts import bars, donut
from ..dashboard.counts import (
    RANKINGS,
    KnownCount,
    name_plans,
    overdue_tasks,
    plan_progress,
    total_counts,
    unit_ranking,
)
from ..dashboard.filter_bar import TaskFilterForm
from ..light_window import light_window
from ..models import CompletionRequest, ExtensionRequest, Task
from ..models.lights import LIGHT_ORDER, UNIT_PART_NOTE
from ..plans.unit_directory import label_units
from ..roles import capabilities, score_units_seen, visible_scope
from .common import overview_required

RANKING_PAGE = 10
OVERDUE_PAGE = 20


def ledger_export_filters(form: TaskFilterForm, day) -> dict:
    """The dashboard's plan/unit/light filters as the ledger form's fields, for "导出本月台账"."""
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    plan, unit, light = data.get("plan"), data.get("unit"), data.get("light")
    return {
        "month": f"{day:%Y-%m}",
        "plans": [plan.pk] if plan else [],
        "units": [unit.pk] if unit else [],
        "lights": [light] if light else [],
    }


def _scores(request: HttpRequest, form: TaskFilterForm, day) -> dict:
    """考核得分: last closed month and its year so far, stored once per month (two queries)."""
    month, year = year_to_date(day)
    seen = score_units_seen(request.user)
    unit = form.active.get("unit")
    if unit is not None:
        seen = {unit.pk} if seen is None or unit.pk in seen else set()
    month, year = month.only(seen), year.only(seen)
    page = Paginator(month.lines, RANKING_PAGE).get_page(request.GET.get("spage"))
    explain(page.object_list, month.rules[0])
    return {
        "score_month": month,
        "score_year": year,
        "score_year_lines": year.by_unit(),
        "score_page": page,
        "bulletin_period": f"{month.months[0]:%Y-%m}",
    }


@overview_required
def dashboard(request: HttpRequest) -> HttpResponse:
    day, cutoff = light_window()
    scope = visible_scope(request.user)
    form = TaskFilterForm.for_scope(request.GET, scope)
    tasks = form.apply(Task.objects.within(scope).published(), day, cutoff)
    rank = request.GET.get("rank") if request.GET.get("rank") in RANKINGS else "overdue"
    plans, units = _counted(tasks, form, scope.sees_all_published, day, cutoff, rank)
    counts = total_counts(plans)
    plan_page = Paginator(plans, RANKING_PAGE).get_page(request.GET.get("ppage"))
    name_plans(plan_page.object_list)
    overdue = Paginator(KnownCount(overdue_tasks(tasks, day, cutoff), counts.red), OVERDUE_PAGE)
    overdue_page = overdue.get_page(request.GET.get("page"))
    label_units(a.unit for task in overdue_page for a in task.assignments.all())
    context = {
        "form": form,
        "today": day,
        "cutoff": cutoff,
        "counts": counts,
        "donut": donut(counts),
        "unit_bars": bars(units),
        "rank": rank,
        "rankings": RANKINGS,
        "unit_page": Paginator(units, RANKING_PAGE).get_page(request.GET.get("upage")),
        "plan_page": plan_page,
        "overdue_page": overdue_page,
        "light_links": {str(light): form.query_string(light=str(light)) for light in LIGHT_ORDER},
    }
    context["ledger_export"] = ledger_export_filters(form, day)
    context["unit_part_note"] = UNIT_PART_NOTE
    context.update(_scores(request, form, day))
    if capabilities(request.user).supervise:
        context.update(_pending_requests())
    return render(request, "obligations/dashboard.html", context)


def _counted(tasks, form: TaskFilterForm, sees_all_published: bool, day, cutoff, rank: str):
    """The per-plan counts and the unit ranking: from the light tallies when the page shows every
    published task (at most filtered by light), from the tasks themselves otherwise."""
    if sees_all_published and set(form.active) <= {"light"}:
        anchor = tallied_counts.current_anchor(day, cutoff)
        if anchor is not None:
            light = form.active.get("light")
            return (
                tallied_counts.plan_progress(anchor, day, cutoff, light),
                tallied_counts.unit_ranking(anchor, day, cutoff, light, rank),
            )
    plans = plan_progress(tasks, day, cutoff)
    units = unit_ranking(tasks, day, cutoff, rank, all_published=not form.active and sees_all_published)
    return plans, units


def _pending_requests() -> dict[str, int]:
    """Completions and extensions awaiting a decision, in one query (pending ones are few)."""
    pending = (
        CompletionRequest.objects.filter(status=CompletionRequest.Status.PENDING)
        .order_by()
        .annotate(kind=Value("completion"))
        .values_list("kind")
        .union(
            ExtensionRequest.objects.filter(status=ExtensionRequest.Status.PENDING)
            .order_by()
            .annotate(kind=Value("extension"))
            .values_list("kind"),
            all=True,
        )
    )
    kinds = Counter(kind for (kind,) in pending)
    return {"pending_completions": kinds["completion"], "pending_extensions": kinds["extension"]}
