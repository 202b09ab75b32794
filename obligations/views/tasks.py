from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from ..holidays import get_calendar
from ..models import Assignment
from ..roles import visible_tasks
from ..status import light_expression, light_of, today, yellow_cutoff

PAGE_SIZE = 50


@login_required
def task_list(request: HttpRequest) -> HttpResponse:
    day = today()
    cutoff = yellow_cutoff(day, get_calendar())
    queryset = (
        visible_tasks(request.user)
        .select_related("plan")
        .prefetch_related(Prefetch("assignments", queryset=Assignment.objects.select_related("unit")))
        .annotate(light=light_expression(day, cutoff))
        .order_by("deadline", "plan_id", "order")
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "obligations/task_list.html", {"page": page, "today": day})


@login_required
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    # Scoped lookup: a task outside the user's units is indistinguishable from a missing one.
    task = get_object_or_404(visible_tasks(request.user).select_related("plan"), pk=pk)
    day = today()
    light = light_of(task, day, yellow_cutoff(day, get_calendar()))
    assignments = task.assignments.select_related("unit").order_by("role", "position")
    return render(
        request,
        "obligations/task_detail.html",
        {
            "task": task,
            "light": light,
            "assignments": assignments,
            "changes": task.changes.select_related("actor")[:50],
        },
    )
