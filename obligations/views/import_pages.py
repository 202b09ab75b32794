"""Import review (导入审核): upload a plan, correct what the engine extracted, map units, publish.
(Background imports have their progress page in import_progress.py.)"""

from __future__ import annotations

import datetime
import difflib
from collections import Counter

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from ..extract import ExtractionError
from ..extract.unit_levels import level_label, same_level
from ..forms import ImportForm, RowSelectionForm, SplitForm, TaskEditForm, UnitReviewForm
from ..models import Assignment, ImportJob, Plan, SourceDocument, Task, Unit
from ..plans import review
from ..plans.import_jobs import expire_stale, submit_import
from ..plans.unit_directory import find_registered
from ..security.body_limits import accepts_body
from ..security.invalid_input import InvalidInput
from ..workflow import WorkflowError
from .common import supervisor_required


def _review_url(source_id: int, anchor: str = "") -> str:
    return reverse("import_review", args=[source_id]) + (f"#{anchor}" if anchor else "")


def announce_import(request: HttpRequest, source: SourceDocument, created: bool) -> None:
    """The message shown on top of the review page after an upload, inline or from the background."""
    if created:
        plans = source.plans.count()
        tasks = Task.objects.filter(plan__source=source).count()
        messages.success(
            request,
            f"已导入“{source.original_name}”：{plans} 个方案，{tasks} 项任务。"
            "请核对后发布，发布前联络员看不到这些任务。",
        )
        return
    uploader = source.uploaded_by
    who = (uploader.get_full_name() or uploader.get_username()) if uploader else "他人"
    messages.info(
        request,
        f"该文件此前已导入（{timezone.localtime(source.uploaded_at):%Y年%m月%d日 %H:%M}，{who}，"
        f"原文件名“{source.original_name}”），没有重复导入；以下是该文件的审核页面。",
    )


def _recent_jobs():
    """Background imports worth showing beside the upload form: those still going, failed ones
    awaiting a retry, and what ended otherwise in the last week."""
    week_ago = timezone.now() - datetime.timedelta(days=7)
    return (
        ImportJob.objects.exclude(state=ImportJob.State.DONE)
        .filter(
            Q(state__in=ImportJob.ACTIVE)
            | Q(state=ImportJob.State.FAILED, retryable=True)
            | Q(created_at__gte=week_ago)
        )
        .select_related("created_by")
        .order_by("-created_at")[:20]
    )


@accepts_body("import")
@supervisor_required
def import_list(request: HttpRequest) -> HttpResponse:
    form = ImportForm()
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                submitted = submit_import(
                    upload.read(),
                    upload.name,
                    user=request.user,
                    year=form.cleaned_data["year"],
                    jurisdiction=form.cleaned_data["jurisdiction"] or None,
                )
            except ExtractionError as exc:
                form.add_error("file", str(exc))
            else:
                if submitted.job is not None:
                    if submitted.already_queued:
                        messages.info(request, "该文件正在后台导入，以下是它的进度；没有重复导入。")
                    return redirect("import_job", submitted.job.pk)
                outcome = submitted.outcome
                announce_import(request, outcome.source, outcome.created)
                return redirect(_review_url(outcome.source.pk))
    expire_stale()
    sources = SourceDocument.objects.select_related("uploaded_by").annotate(
        plan_count=Count("plans", distinct=True),
        draft_count=Count("plans", filter=Q(plans__status=Plan.Status.DRAFT), distinct=True),
        task_count=Count("plans__tasks"),
    )
    page = Paginator(sources.order_by("-uploaded_at"), 20).get_page(request.GET.get("page"))
    return render(
        request,
        "obligations/import_list.html",
        {"form": form, "page": page, "jobs": _recent_jobs()},
        status=400 if form.is_bound and form.errors else 200,
    )


# Characters a line of the review table's boxes holds (at its font size and column widths).
TEXT_LINE_CHARS = 26
UNIT_LINE_CHARS = 10


def _rows_for(text: str, per_line: int, least: int, most: int) -> int:
    """Lines a box needs to show ``text`` whole (its own line breaks counted), within bounds."""
    lines = sum(max(1, -(-len(part) // per_line)) for part in (text or "").split("\n"))
    return max(least, min(most, lines))


def _row_form(task: Task, data=None) -> TaskEditForm:
    form = TaskEditForm(
        data, initial=None if data else TaskEditForm.initial_for(task), auto_id=f"id_t{task.pk}_%s"
    )
    for field in form.fields.values():
        field.widget.attrs["form"] = f"rowform-{task.pk}"
    # Boxes sized to their content: the whole task text and every unit visible without scrolling.
    values = {name: form[name].value() or "" for name in ("text", "lead_units", "responsible_units")}
    form.fields["text"].widget.attrs["rows"] = _rows_for(values["text"], TEXT_LINE_CHARS, 3, 16)
    for name in ("lead_units", "responsible_units"):
        form.fields[name].widget.attrs["rows"] = _rows_for(values[name], UNIT_LINE_CHARS, 2, 10)
    return form


def _suggestions(unit: Unit, registered: dict[str, str]) -> list[str]:
    """Registered units the unknown name probably means (same words, or containing it in brackets),
    offered as one-click mappings: never one of another government level (区司法局 is not 市司法局).
    ``registered`` maps each registered unit's label to its name; labels are returned."""
    names: dict[str, list[str]] = {}
    for label, name in registered.items():
        if same_level(unit.name, name):
            names.setdefault(name, []).append(label)
    contains = [name for name in names if unit.name in name or name in unit.name]
    close = difflib.get_close_matches(unit.name, list(names), n=3, cutoff=0.6)
    chosen = list(dict.fromkeys(contains + close))[:4]
    return [label for name in chosen for label in names[name]][:4]


def render_review(
    request: HttpRequest,
    source: SourceDocument,
    bound: dict[int, TaskEditForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    bound = bound or {}
    assignments = Prefetch(
        "assignments", queryset=Assignment.objects.select_related("unit").order_by("role", "position")
    )
    plans = list(
        source.plans.prefetch_related(
            Prefetch("tasks", queryset=Task.objects.order_by("order").prefetch_related(assignments))
        )
    )
    rows = []
    for plan in plans:
        plan_rows = [(task, bound.get(task.pk) or _row_form(task)) for task in plan.tasks.all()]
        rows.append((plan, plan_rows, sum(1 for task, _ in plan_rows if task.needs_review)))
    pending_units = list(review.unconfirmed_units(plans).annotate(uses=Count("assignments")))
    # Each draft's own unconfirmed units: its 发布 waits for them (review.publish_plan says so too).
    blocked = dict(
        Assignment.objects.filter(task__plan__in=plans, unit__confirmed=False)
        .order_by()
        .values("task__plan_id")
        .annotate(units=Count("unit", distinct=True))
        .values_list("task__plan_id", "units")
    )
    for plan in plans:
        plan.pending_units = blocked.get(plan.pk, 0)
    registered_units = Unit.objects.filter(confirmed=True, is_active=True)
    jurisdictions = {unit.jurisdiction for unit in pending_units} or {source.jurisdiction}
    registered_rows = list(
        registered_units.filter(jurisdiction__in=jurisdictions)
        .order_by("name")
        .values_list("name", "jurisdiction")
    ) or list(registered_units.order_by("name").values_list("name", "jurisdiction")[:1000])
    # A name several units bear is offered with its jurisdiction (find_registered reads it back).
    counts = Counter(name for name, _ in registered_rows)
    registered = {
        (f"{name}（{place}）" if counts[name] > 1 and place else name): name
        for name, place in registered_rows
    }
    for unit in pending_units:
        unit.suggestions = _suggestions(unit, registered)
    return render(
        request,
        "obligations/import_review.html",
        {
            "source": source,
            "rows": rows,
            "pending_units": pending_units,
            "registered": registered,
            "has_drafts": any(plan.status == Plan.Status.DRAFT for plan in plans),
            "warnings": (source.extraction or {}).get("warnings", []),
        },
        status=status,
    )


@supervisor_required
def import_review(request: HttpRequest, pk: int) -> HttpResponse:
    return render_review(request, get_object_or_404(SourceDocument, pk=pk))


@supervisor_required
@require_POST
def review_row_save(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_object_or_404(Task.objects.select_related("plan__source"), pk=pk)
    source = task.plan.source
    form = _row_form(task, request.POST)
    if form.is_valid():
        try:
            changes = form.save(task, request.user)
        except WorkflowError as exc:
            messages.error(request, f"第 {task.order} 项：{exc}")
            task.refresh_from_db()
            data = form.data.copy()
            data["version"] = str(task.version)
            form.data = data
            return render_review(request, source, {task.pk: form}, status=409)
        messages.success(
            request, f"第 {task.order} 项已保存。" if changes else f"第 {task.order} 项没有修改。"
        )
        return redirect(
            _review_url(source.pk, f"row-{task.pk}") if source else reverse("task_detail", args=[task.pk])
        )
    messages.error(request, f"第 {task.order} 项有误，请按提示修改。")
    return render_review(request, source, {task.pk: form}, status=400)


def _form_errors(form) -> str:
    return "；".join(str(error) for errors in form.errors.values() for error in errors)


def _selected_tasks(source: SourceDocument, ids: list[int]) -> list[Task]:
    return list(
        Task.objects.filter(pk__in=ids, plan__source=source)
        .select_related("plan")
        .order_by("plan_id", "order")
    )


@supervisor_required
@require_POST
def review_rows(request: HttpRequest, pk: int) -> HttpResponse:
    """Merge or drop the ticked rows."""
    source = get_object_or_404(SourceDocument, pk=pk)
    form = RowSelectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"操作未执行：{_form_errors(form)}")
        return render_review(request, source, status=400)
    tasks = _selected_tasks(source, form.cleaned_data["selected"])
    try:
        if form.cleaned_data["action"] == "merge":
            kept = review.merge_tasks(tasks, user=request.user)
            messages.success(request, f"已将 {len(tasks)} 项合并为第 {kept.order} 项。")
            return redirect(_review_url(source.pk, f"row-{kept.pk}"))
        count = review.drop_tasks(tasks, user=request.user)
        messages.success(request, f"已删除 {count} 项。")
    except WorkflowError as exc:
        messages.error(request, str(exc))
    return redirect(_review_url(source.pk))


@supervisor_required
def review_split(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_object_or_404(Task.objects.select_related("plan__source"), pk=pk)
    form = SplitForm(request.POST or None, initial={"parts": task.text})
    if request.method == "POST" and form.is_valid():
        try:
            parts = review.split_task(task, form.cleaned_data["parts"], user=request.user)
        except WorkflowError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"已拆分为 {len(parts)} 项。")
            return redirect(_review_url(task.plan.source_id, f"row-{task.pk}"))
    return render(
        request,
        "obligations/review_split.html",
        {"task": task, "form": form},
        status=400 if form.is_bound and form.errors else 200,
    )


def _unit_review(request: HttpRequest, pk: int) -> tuple[Unit, SourceDocument, UnitReviewForm]:
    """The unconfirmed unit, the import it is reviewed in and the checked form (400 when forged)."""
    unit = get_object_or_404(Unit, pk=pk, confirmed=False)
    form = UnitReviewForm(request.POST)
    if not form.is_valid():
        raise InvalidInput(f"请求无效：{_form_errors(form)}")
    return unit, get_object_or_404(SourceDocument, pk=form.cleaned_data["source"]), form


@supervisor_required
@require_POST
def unit_map(request: HttpRequest, pk: int) -> HttpResponse:
    unit, source, form = _unit_review(request, pk)
    name = form.cleaned_data["target"].strip()
    target = find_registered(name, unit.jurisdiction)
    if target is None:
        messages.error(request, f"未找到名为“{name}”的已登记单位，请从列表中选择。")
        return redirect(_review_url(source.pk, "units"))
    if not same_level(unit.name, target.name) and not form.cleaned_data["cross_level"]:
        messages.error(
            request,
            f"“{unit.name}”（{level_label(unit.name)}）与“{target.label_with_place}”（{level_label(target.name)}）"
            "不是同一层级的单位，未映射。映射会被记住，今后导入时这一写法都将识别为该单位；"
            "如确属同一单位，请勾选“确认跨层级映射”后再提交。",
        )
        return redirect(_review_url(source.pk, "units"))
    try:
        review.map_unit(unit, target, user=request.user)
    except WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"已将“{unit.name}”映射为“{target.name}”，以后导入时将自动识别。")
    return redirect(_review_url(source.pk, "units"))


@supervisor_required
@require_POST
def unit_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    unit, source, _form = _unit_review(request, pk)
    review.confirm_unit(unit, user=request.user)
    messages.success(request, f"已确认“{unit.name}”为新单位。")
    return redirect(_review_url(source.pk, "units"))


@supervisor_required
@require_POST
def units_confirm_all(request: HttpRequest, pk: int) -> HttpResponse:
    source = get_object_or_404(SourceDocument, pk=pk)
    units = list(review.unconfirmed_units(source.plans.all()))
    for unit in units:
        review.confirm_unit(unit, user=request.user)
    if units:
        messages.success(request, f"已确认 {len(units)} 个新单位：" + "、".join(unit.name for unit in units))
    else:
        messages.info(request, "没有待确认的单位。")
    return redirect(_review_url(source.pk, "units"))


@supervisor_required
@require_POST
def plan_publish(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(Plan, pk=pk)
    try:
        review.publish_plan(plan, user=request.user)
    except WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"《{plan.title}》已发布，承办单位的联络员现在可以看到这些任务。")
    if plan.source_id:
        return redirect(_review_url(plan.source_id))
    return redirect("task_list")


@supervisor_required
@require_POST
def import_discard(request: HttpRequest, pk: int) -> HttpResponse:
    source = get_object_or_404(SourceDocument, pk=pk)
    try:
        name = review.discard_source(source, user=request.user)
    except WorkflowError as exc:
        messages.error(request, str(exc))
        return redirect(_review_url(source.pk))
    messages.success(request, f"已删除导入文件“{name}”及其未发布的任务。")
    return redirect("import_list")
