"""The supervisor's queue of pending decisions: completion requests and extension requests."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ..forms import DecisionForm
from ..models import CompletionRequest, ExtensionRequest
from ..plans.unit_directory import label_units
from ..workflow.unit_state import unit_parts
from .common import supervisor_required

LIMIT = 100


@supervisor_required
def review_queue(request: HttpRequest) -> HttpResponse:
    completions = list(
        CompletionRequest.objects.filter(status=CompletionRequest.Status.PENDING)
        .select_related("task__plan", "unit", "submitted_by")
        .prefetch_related("evidence")
        .order_by("submitted_at")[:LIMIT]
    )
    extensions = list(
        ExtensionRequest.objects.filter(status=ExtensionRequest.Status.PENDING)
        .select_related("task__plan", "unit", "requested_by")
        .order_by("created_at")[:LIMIT]
    )
    for item in completions + extensions:
        item.form = DecisionForm(
            initial={"version": item.task.version}, auto_id=f"id_{type(item).__name__}{item.pk}_%s"
        )
    # The lead unit's request, with every unit's own state beside it.
    parts = unit_parts([item.task_id for item in completions])
    label_units(
        [part.unit for rows in parts.values() for part in rows]
        + [item.unit for item in completions + extensions if item.unit]
    )
    for item in completions:
        item.parts = parts[item.task_id]
        item.open_parts = [part for part in item.parts if not part.answers and part.status != "done"]
    return render(
        request,
        "obligations/review_queue.html",
        {"completions": completions, "extensions": extensions, "limit": LIMIT},
    )
