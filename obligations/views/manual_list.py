"""催办记录 (supervisors): every 催办 with each recipient's state on each channel."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ..models import Reminder
from ..reminders.delivery_status import COLUMNS, states_for
from .common import supervisor_required

PAGE_SIZE = 50


@supervisor_required
def manual_reminders(request: HttpRequest) -> HttpResponse:
    rows = (
        Reminder.objects.filter(kind=Reminder.Kind.MANUAL)
        .select_related("task", "unit", "recipient", "created_by")
        .order_by("-created_at", "pk")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    states = states_for(list(page))
    return render(
        request,
        "obligations/manual_list.html",
        {
            "page": page,
            "rows": [(row, states[row.pk]) for row in page],
            "columns": [label for _, label in COLUMNS],
        },
    )
