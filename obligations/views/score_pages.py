"""考核得分 (the ranking of units, with each score's breakdown) and 考核规则 (the supervisor's rules)."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ..bulletin.periods import Period, PeriodError
from ..bulletin.score_rules import RuleBook, save_version, values_of
from ..bulletin.score_rules_form import ScoringRulesForm
from ..bulletin.unit_scores import average_table, month_table
from ..dates import today
from ..models import ScoringRules
from ..roles import capabilities, score_units_seen
from .common import supervisor_required


def _choices(day: datetime.date) -> list[tuple[str, str]]:
    """Months of this and last year, the quarters, and the years: what the ranking can show."""
    choices = []
    period = Period.month_of(day)
    for _ in range(24):
        choices.append(
            (period.key, period.label + ("（本月，截至今日）" if period == Period.month_of(day) else ""))
        )
        period = period.previous()
    quarter = Period.quarter_of(day)
    for _ in range(8):
        choices.append((quarter.key, quarter.label))
        quarter = quarter.previous()
    choices += [(str(year), f"{year}年全年") for year in (day.year, day.year - 1)]
    return choices


def _table(key: str, day: datetime.date):
    if key.isascii() and key.isdigit() and len(key) == 4:
        year = int(key)
        months = [datetime.date(year, number, 1) for number in range(1, 13)]
        return average_table(f"{year}年", months, day)
    period = Period.parse(key)
    if period.kind == "quarter":
        return average_table(period.label, period.months, day)
    return month_table(period.start, day)


@login_required
def score_ranking(request: HttpRequest) -> HttpResponse:
    if not capabilities(request.user).view_scores:
        raise Http404
    day = today()
    choices = _choices(day)
    key = request.GET.get("period") or Period.month_of(day).previous().key
    if key not in dict(choices):
        key = Period.month_of(day).previous().key
    try:
        table = _table(key, day)
    except PeriodError as exc:  # pragma: no cover - choices are checked above
        raise Http404 from exc
    table = table.only(score_units_seen(request.user))
    context = {"table": table, "choices": choices, "chosen": key}
    return render(request, "obligations/score_ranking.html", context)


@supervisor_required
@require_http_methods(["GET", "POST"])
def scoring_rules(request: HttpRequest) -> HttpResponse:
    book = RuleBook.load()
    current = book.for_month(today())
    form = ScoringRulesForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        rules = save_version(
            {name: data[name] for name in ScoringRules.POINT_FIELDS},
            data["valid_from"],
            request.user,
            data["note"],
        )
        messages.success(
            request,
            f"考核规则第{rules.pk}版已保存，自{rules.valid_from.year}年{rules.valid_from.month}月起施行。",
        )
        return redirect("scoring_rules")
    context = {
        "form": form,
        "current": current,
        "current_values": values_of(current),
        "versions": ScoringRules.objects.select_related("created_by").order_by("-valid_from", "-pk")[:50],
        "fields": [
            (name, ScoringRules._meta.get_field(name).verbose_name) for name in ScoringRules.POINT_FIELDS
        ],
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "obligations/scoring_rules.html", context, status=status)
