"""The ledger page: choose a month and filters, download the workbook, see earlier files."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods

from ..ledger import generate_ledger_file, ledger_response, visible_exports
from ..ledger.export_form import LedgerForm
from ..ledger.storage import describe_filters
from ..models import LedgerExport
from ..roles import capabilities

HISTORY_PAGE_SIZE = 20


def _require_ledger_user(request: HttpRequest) -> None:
    # Liaisons (and users without a role) get the same answer as for a page that does not exist.
    if not capabilities(request.user).export_ledgers:
        raise Http404


@login_required
@require_http_methods(["GET", "POST"])
def ledger_index(request: HttpRequest) -> HttpResponse:
    _require_ledger_user(request)
    form = LedgerForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            export = generate_ledger_file(
                form.cleaned_data["month"],
                form.filters(),
                trigger=LedgerExport.Trigger.MANUAL,
                user=request.user,
            )
        except Exception as exc:  # recorded on the export as failed; tell the user in one line
            messages.error(request, f"台账生成失败：{exc}")
        else:
            return ledger_response(export)
    page = Paginator(visible_exports(request.user), HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    for export in page:
        export.filters_text = describe_filters(export.filters) or "全部"
    status = 400 if request.method == "POST" and form.errors else 200
    return render(request, "obligations/ledger_index.html", {"form": form, "page": page}, status=status)


@login_required
def ledger_download(request: HttpRequest, pk: int) -> HttpResponse:
    _require_ledger_user(request)
    export = get_object_or_404(visible_exports(request.user), pk=pk, status=LedgerExport.Status.DONE)
    if not export.file or not export.file.storage.exists(export.file.name):
        raise Http404
    return ledger_response(export)
