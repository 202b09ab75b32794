"""A background import's progress page (server-rendered; a small static script polls the JSON status,
and a plain meta refresh does the same without JavaScript), its cancel and retry buttons. A finished
job leads to the import's review page, exactly as an upload finished within the request does."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from ..models import ImportJob
from ..plans.import_jobs import cancel_job, expire_stale, retry_job
from ..workflow import WorkflowError
from .common import supervisor_required
from .import_pages import announce_import

REFRESH_SECONDS = 2  # the meta refresh without JavaScript; the script polls every second
QUEUED_HINT_SECONDS = 30  # after this long in the queue the page asks whether the qcluster runs


def _job(pk: int) -> ImportJob:
    expire_stale()
    return get_object_or_404(ImportJob.objects.select_related("created_by", "source"), pk=pk)


@supervisor_required
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(pk)
    if job.state == ImportJob.State.DONE and job.source is not None:
        if job.cancel_requested:
            messages.info(request, "取消请求到达时导入已经完成，结果如下；如不需要，可在本页删除。")
        announce_import(request, job.source, created=not job.duplicate)
        return redirect("import_review", job.source.pk)
    return render(
        request,
        "obligations/import_job.html",
        {
            "job": job,
            "refresh_seconds": REFRESH_SECONDS,
            "queued_long": job.state == ImportJob.State.QUEUED
            and job.waited().total_seconds() > QUEUED_HINT_SECONDS,
        },
    )


@supervisor_required
def import_job_status(request: HttpRequest, pk: int) -> JsonResponse:
    job = _job(pk)
    return JsonResponse(
        {
            "state": job.state,
            "state_label": job.get_state_display(),
            "stage": job.stage,
            "text": job.progress_text(),
            "done": job.done,
            "total": job.total,
            "finished": not job.is_active,
            "error": job.error,
            "url": reverse("import_job", args=[job.pk]),
        },
        json_dumps_params={"ensure_ascii": False},
    )


@supervisor_required
@require_POST
def import_job_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(pk)
    try:
        messages.success(request, cancel_job(job, user=request.user))
    except WorkflowError as exc:
        messages.error(request, str(exc))
    return redirect("import_job", job.pk)


@supervisor_required
@require_POST
def import_job_retry(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(pk)
    try:
        retry_job(job, user=request.user)
    except WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"已重新提交“{job.original_name}”的后台导入。")
    return redirect("import_job", job.pk)
