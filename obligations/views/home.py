from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from ..roles import capabilities


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Supervisors and leaders start on the dashboard, liaisons on their own tasks."""
    if capabilities(request.user).overview:
        return redirect("dashboard")
    return redirect("task_list")
