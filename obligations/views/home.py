from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from ..roles import role_of


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each role to its own start page."""
    if role_of(request.user) is None:
        return redirect("task_list")
    return redirect("task_list")
