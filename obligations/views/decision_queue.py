"""The supervisor's queue of pending decisions: completion requests and extension requests."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ..forms import DecisionForm
from ..models import CompletionRequest, ExtensionRequest
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
    return render(
        request,
        "obligations/review_queue.html",
        {"completions": completions, "extensions": extensions, "limit": LIMIT},
    )
