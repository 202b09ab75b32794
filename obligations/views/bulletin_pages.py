"""The bulletin page: choose a period and filters, edit the 下一步要求, download the Word file; history."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods

from ..bulletin.bulletin_files import bulletin_response, generate_bulletin_file, remember, visible_bulletins
from ..bulletin.bulletin_form import BulletinForm
from ..bulletin.periods import Period
from ..bulletin.spec import BulletinSpec, describe_filters
from ..models import Bulletin
from ..roles import capabilities

HISTORY_PAGE_SIZE = 20


def _require_reader(request: HttpRequest) -> None:
    # Liaisons (and users without a role) get the same answer as for a page that does not exist.
    if not capabilities(request.user).read_bulletins:
        raise Http404


def _prefill(request: HttpRequest) -> dict:
    """The dashboard's link carries its period and filters as GET parameters."""
    initial: dict = {}
    if request.GET.get("period"):
        initial["period"] = request.GET["period"]
    for name in ("plans", "units"):
        values = [value for value in request.GET.getlist(name) if value.isascii() and value.isdigit()]
        if values:
            initial[name] = values[:50]
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def bulletin_index(request: HttpRequest) -> HttpResponse:
    _require_reader(request)
    can = capabilities(request.user)
    if request.method == "POST" and not can.issue_bulletins:
        raise PermissionDenied("仅督查员可以生成督查通报。")
    form = BulletinForm(request.POST or None, initial=_prefill(request)) if can.issue_bulletins else None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            bulletin = generate_bulletin_file(
                BulletinSpec.build(data["period"], form.filters()),
                Bulletin.Trigger.MANUAL,
                user=request.user,
                issuer=data["issuer"],
                next_steps=data["next_steps"],
            )
        except Exception as exc:  # recorded on the bulletin as failed; tell the user in one line
            messages.error(request, f"通报生成失败：{exc}")
        else:
            remember(data["issuer"], data["next_steps"], request.user)
            return bulletin_response(bulletin)
    page = Paginator(visible_bulletins(request.user), HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    for bulletin in page:
        bulletin.period_label = Period(bulletin.period_start, bulletin.period_kind).label
        bulletin.filters_text = describe_filters(bulletin.filters) or "全部"
    status = 400 if request.method == "POST" and form.errors else 200
    return render(request, "obligations/bulletin_index.html", {"form": form, "page": page}, status=status)


@login_required
def bulletin_download(request: HttpRequest, pk: int) -> HttpResponse:
    _require_reader(request)
    bulletin = get_object_or_404(visible_bulletins(request.user), pk=pk, status=Bulletin.Status.DONE)
    if not bulletin.file or not bulletin.file.storage.exists(bulletin.file.name):
        raise Http404
    return bulletin_response(bulletin)
