"""节假日设置: the supervisors' holiday table (days off and 调休 working days), the years it fully
describes, and a banner when a year in the coming months has no known schedule (working days then
fall back to Monday-Friday). Every change is recorded (留痕)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from ..dates import today
from ..holiday_forms import HolidayDayForm, HolidayYearForm
from ..holidays import LOOKAHEAD_DAYS, missing_years, package_years
from ..models import HolidayOverride, HolidayYear
from ..roles import capabilities
from ..security.invalid_input import InvalidInput
from ..workflow import audit


def _require_operator(request: HttpRequest) -> None:
    if not capabilities(request.user).operations:
        raise PermissionDenied("仅督查员可以维护节假日设置。")


def _label(is_workday: bool) -> str:
    return "调休上班" if is_workday else "放假"


@login_required
@require_http_methods(["GET", "POST"])
def holiday_settings(request: HttpRequest) -> HttpResponse:
    _require_operator(request)
    form = HolidayDayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        day = form.cleaned_data["date"]
        is_workday = form.cleaned_data["kind"] == "workday"
        name = form.cleaned_data["name"].strip()
        with transaction.atomic():
            entry = HolidayOverride.objects.select_for_update().filter(date=day).first()
            before = audit.snapshot(entry, ["is_workday", "name"]) if entry else {}
            if entry is None:
                entry = HolidayOverride.objects.create(date=day, is_workday=is_workday, name=name)
            else:
                entry.is_workday, entry.name = is_workday, name
                entry.save(update_fields=["is_workday", "name"])
            changes = audit.diff(before, audit.snapshot(entry, ["is_workday", "name"]))
            if changes:
                audit.record(
                    request.user,
                    "holiday.set",
                    f"节假日设置：{day:%Y-%m-%d} {_label(is_workday)} {name}",
                    changes=changes,
                )
        messages.success(request, f"已保存：{day:%Y年%m月%d日} {_label(is_workday)}。")
        return redirect("holiday_settings")
    current = today()
    years = sorted(
        {entry.year for entry in HolidayOverride.objects.dates("date", "year")}
        | set(HolidayYear.objects.values_list("year", flat=True))
        | set(range(current.year, current.year + 2)),
        reverse=True,
    )
    complete = {row.year: row for row in HolidayYear.objects.all()}
    first, last = package_years()
    context = {
        "form": form,
        "year_form": HolidayYearForm(initial={"year": current.year + 1, "complete": True}),
        "missing": missing_years(current),
        "lookahead_days": LOOKAHEAD_DAYS,
        "package_first": first,
        "package_last": last,
        "entries": HolidayOverride.objects.filter(date__year__gte=current.year - 1).order_by("date"),
        "years": [
            {"year": year, "package": first <= year <= last, "complete": complete.get(year)} for year in years
        ],
    }
    return render(request, "obligations/holiday_settings.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def holiday_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _require_operator(request)
    with transaction.atomic():
        entry = get_object_or_404(HolidayOverride.objects.select_for_update(), pk=pk)
        summary = f"节假日设置：删除 {entry.date:%Y-%m-%d} {_label(entry.is_workday)} {entry.name}"
        changes = {"date": [entry.date.isoformat(), None], "is_workday": [entry.is_workday, None]}
        entry.delete()
        audit.record(request.user, "holiday.delete", summary, changes=changes)
    messages.success(request, "已删除该日安排。")
    return redirect("holiday_settings")


@login_required
@require_POST
def holiday_year(request: HttpRequest) -> HttpResponse:
    _require_operator(request)
    form = HolidayYearForm(request.POST)
    if not form.is_valid():
        raise InvalidInput("；".join(error for errors in form.errors.values() for error in errors))
    year, complete, note = form.cleaned_data["year"], form.cleaned_data["complete"], form.cleaned_data["note"]
    with transaction.atomic():
        existing = HolidayYear.objects.select_for_update().filter(year=year).first()
        if complete and existing is None:
            HolidayYear.objects.create(year=year, note=note)
            audit.record(
                request.user,
                "holiday.year",
                f"节假日设置：{year}年安排已全部录入",
                changes={"complete": [False, True]},
            )
            messages.success(request, f"已标记 {year} 年节假日安排已全部录入。")
        elif not complete and existing is not None:
            existing.delete()
            audit.record(
                request.user,
                "holiday.year",
                f"节假日设置：取消 {year}年已全部录入",
                changes={"complete": [True, False]},
            )
            messages.success(request, f"已取消 {year} 年的“已全部录入”标记。")
        else:
            messages.info(request, "没有需要修改的内容。")
    return redirect("holiday_settings")
