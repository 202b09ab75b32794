"""Remembered unit mappings (单位映射): what the import review taught the unit directory, for
supervisors to see and undo."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from ..extract.unit_levels import level_label, same_level
from ..models import UnitAlias
from ..plans import review
from ..workflow import WorkflowError
from .common import supervisor_required

PAGE_SIZE = 50


@supervisor_required
def alias_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    aliases = UnitAlias.objects.select_related("unit", "created_by").order_by("-created_at", "-pk")
    if query:
        aliases = aliases.filter(Q(name__contains=query) | Q(unit__name__contains=query))
    page = Paginator(aliases, PAGE_SIZE).get_page(request.GET.get("page"))
    for alias in page:
        alias.cross_level = not same_level(alias.name, alias.unit.name)
        alias.levels = f"{level_label(alias.name)} → {level_label(alias.unit.name)}"
    return render(request, "obligations/alias_list.html", {"page": page, "q": query})


@supervisor_required
@require_POST
def alias_undo(request: HttpRequest, pk: int) -> HttpResponse:
    alias = get_object_or_404(UnitAlias.objects.select_related("unit"), pk=pk)
    try:
        name = review.forget_alias(alias, user=request.user)
    except WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"已撤销映射“{name}”→“{alias.unit.label_with_place}”：今后导入不再自动识别这一写法；"
            "已映射的任务保持不变，如有错误请在任务页修改承办单位。",
        )
    return redirect("alias_list")
