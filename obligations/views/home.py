from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from ..roles import LEADER, SUPERVISOR, role_of


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Supervisors and leaders start on the dashboard, liaisons on their own tasks."""
    if role_of(request.user) in (SUPERVISOR, LEADER):
        return redirect("dashboard")
    return redirect("task_list")
