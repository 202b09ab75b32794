"""Background imports, job by job: which uploads go to the background, the job's life (queued,
running, done, failed, cancelled), its file under MEDIA_ROOT, a dead worker's job failing with a
retry, and the progress page and its JSON. The job runs here in the test process, exactly as a
qcluster worker calls it (tests/web/test_import_cluster.py runs real clusters).

Transactional: a running job's heartbeat thread writes through its own database connection.
"""

from __future__ import annotations

import datetime
import re
import threading
import time
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from django_q.models import OrmQ

from obligations.extract import ExtractionCancelled
from obligations.filetypes import IMPORT_EXTENSIONS
from obligations.models import ChangeLog, ImportJob, Plan, SourceDocument, Task
from obligations.plans import import_jobs
from obligations.plans.import_jobs import ENTRY_POINT, run_import_job

from .conftest import upload

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[1]
SMALL = Path(__file__).parent / "data" / "small_plan.txt"
LEGACY_DOC = ROOT / "extract" / "data" / "real" / "variants" / "r01_lishan_2023.doc"
SCAN = ROOT / "extract" / "data" / "plan_scanned.pdf"
VARIANTS = ROOT / "extract" / "data" / "real" / "variants"
TEXT_PDF = ROOT / "extract" / "data" / "plan_text_layer.pdf"


def post(client, path: Path, name: str | None = None):
    return client.post(reverse("import_list"), {"file": upload(name or path.name, path.read_bytes())})


def job_of(response) -> ImportJob:
    match = re.fullmatch(r"/imports/jobs/(\d+)/", response["Location"])
    assert match, response["Location"]
    return ImportJob.objects.get(pk=int(match.group(1)))


def queued_funcs() -> list[tuple[str, tuple]]:
    return [(q.task["func"], tuple(q.task["args"])) for q in OrmQ.objects.all()]


def test_small_text_files_still_finish_within_the_request(world, as_user, libreoffice):
    client = as_user(world.supervisor)
    for path in (SMALL, TEXT_PDF):
        response = post(client, path)
        assert re.fullmatch(r"/imports/\d+/", response["Location"]), (path.name, response["Location"])
    assert not ImportJob.objects.exists() and not OrmQ.objects.exists()
    assert SourceDocument.objects.count() == 2


def test_the_upload_form_takes_every_format_the_engine_reads(world, as_user, libreoffice):
    client = as_user(world.supervisor)
    form = client.get(reverse("import_list")).content.decode()
    assert f'accept="{",".join(f".{ext}" for ext in IMPORT_EXTENSIONS)}"' in form
    # Read directly (OFD's text layer, a saved web page): imported within the request.
    for name in ("r02_huaian_2022.ofd", "r03_guandu_2016.html", "r05_caidian_2023.mhtml"):
        response = post(client, VARIANTS / name)
        assert re.fullmatch(r"/imports/\d+/", response["Location"]), (name, response["Location"])
        assert SourceDocument.objects.filter(original_name=name).get().plans.get().tasks.exists()
    # Converted by LibreOffice first: background jobs (the .et holds the .xls's very bytes, so it
    # joins that job).
    wps, xls, et = (
        job_of(post(client, VARIANTS / name))
        for name in ("r01_lishan_2023.wps", "r06_huoshan_2025.xls", "r06_huoshan_2025.et")
    )
    assert (wps.state, xls.state, wps.original_name, et) == ("queued", "queued", "r01_lishan_2023.wps", xls)
    assert SourceDocument.objects.count() == 3 and ImportJob.objects.count() == 2
    # Checked by its bytes as before: a web page renamed to .ofd is refused, nothing written.
    renamed = post(client, VARIANTS / "r03_guandu_2016.html", name="方案.ofd")
    assert renamed.status_code == 400
    assert "文件“方案.ofd”的内容不是有效的OFD 版式文件" in renamed.content.decode()
    assert SourceDocument.objects.count() == 3 and ImportJob.objects.count() == 2


def test_a_legacy_file_goes_to_the_background_and_ends_on_the_review(world, as_user, libreoffice, settings):
    client = as_user(world.supervisor)
    response = post(client, LEGACY_DOC, name="立山区方案.doc")
    job = job_of(response)
    # Queued, the upload kept under MEDIA_ROOT under a name of our own, the worker's task queued.
    assert (job.state, job.stage, job.original_name, job.created_by) == (
        "queued",
        "",
        "立山区方案.doc",
        world.supervisor,
    )
    stored = Path(job.file.path)
    assert stored.is_relative_to(Path(settings.MEDIA_ROOT) / "import_jobs")
    assert stored.suffix == ".doc" and "立山区" not in stored.name
    assert stored.read_bytes() == LEGACY_DOC.read_bytes()
    assert queued_funcs() == [(ENTRY_POINT, (job.pk,))]
    assert not SourceDocument.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "排队中" in page and "立山区方案.doc" in page and 'http-equiv="refresh"' in page

    summary = run_import_job(job.pk)

    job.refresh_from_db()
    assert (job.state, job.stage, job.attempts, job.error) == ("done", "store", 1, "")
    assert summary == f"import job {job.pk}: 6 tasks"
    assert job.source.original_name == "立山区方案.doc" and not job.duplicate
    assert job.source.plans.get().status == Plan.Status.DRAFT
    assert Task.objects.filter(plan__source=job.source).count() == 6
    assert not job.file and not stored.exists()  # the source keeps its own copy
    assert Path(job.source.file.path).read_bytes() == LEGACY_DOC.read_bytes()
    # The progress page now leads to the review, with the same message an inline import gives.
    done = client.get(reverse("import_job", args=[job.pk]))
    assert done["Location"] == reverse("import_review", args=[job.source.pk])
    assert "已导入“立山区方案.doc”：1 个方案，6 项任务" in client.get(done["Location"]).content.decode()
    # A second delivery of the same django-q task does nothing.
    assert run_import_job(job.pk) == f"import job {job.pk}: not queued, nothing done"
    assert SourceDocument.objects.count() == 1


def test_a_small_scan_is_sent_to_the_background_when_ocr_would_start(world, as_user, tesseract, monkeypatch):
    client = as_user(world.supervisor)
    job = job_of(post(client, SCAN))
    assert job.state == "queued" and not SourceDocument.objects.exists()
    stages = []
    original = import_jobs._Run.progress

    def spy(run, stage, done, total):
        stages.append((stage, done, total))
        return original(run, stage, done, total)

    monkeypatch.setattr(import_jobs._Run, "progress", spy)
    run_import_job(job.pk)
    job.refresh_from_db()
    assert job.state == "done"
    assert ("ocr", 0, 1) in stages and ("ocr", 1, 1) in stages and stages[-1] == ("store", 0, 1)
    assert all(task.needs_review for task in Task.objects.filter(plan__source=job.source))


def test_files_above_the_inline_threshold_go_to_the_background(world, as_user, settings):
    settings.TRACKER_IMPORT_INLINE_BYTES = 100
    client = as_user(world.supervisor)
    job = job_of(post(client, SMALL))
    run_import_job(job.pk)
    job.refresh_from_db()
    assert job.state == "done" and job.source.plans.get().tasks.count() == 4
    # The same bytes again: recognised at once, no second job.
    again = post(client, SMALL, name="再传一次.txt")
    assert again["Location"] == reverse("import_review", args=[job.source.pk])
    assert ImportJob.objects.count() == 1


def test_the_same_file_uploaded_while_its_job_runs_joins_that_job(world, as_user, settings):
    settings.TRACKER_IMPORT_INLINE_BYTES = 100
    client = as_user(world.supervisor)
    first = job_of(post(client, SMALL))
    second = post(client, SMALL, name="copy.txt")
    assert job_of(second) == first
    assert "该文件正在后台导入" in client.get(second["Location"]).content.decode()
    assert ImportJob.objects.count() == 1 and OrmQ.objects.count() == 1


def test_bad_input_in_the_background_fails_in_chinese_and_stores_nothing(world, as_user, settings):
    settings.TRACKER_IMPORT_INLINE_BYTES = 10
    client = as_user(world.supervisor)
    response = client.post(
        reverse("import_list"), {"file": upload("空方案.txt", "普通的一段话，没有任何任务。".encode())}
    )
    job = job_of(response)
    stored = Path(job.file.path)
    run_import_job(job.pk)
    job.refresh_from_db()
    assert job.state == "failed" and not job.retryable
    assert job.error == "未在“空方案.txt”中识别到任何带责任单位或完成时限的任务。"
    assert not stored.exists() and not SourceDocument.objects.exists()
    page = client.get(reverse("import_job", args=[job.pk])).content.decode()
    assert job.error in page and "重试" not in page and 'http-equiv="refresh"' not in page


def test_cancelling_a_queued_job(world, as_user, settings):
    settings.TRACKER_IMPORT_INLINE_BYTES = 100
    client = as_user(world.supervisor)
    job = job_of(post(client, SMALL))
    stored = Path(job.file.path)
    response = client.post(reverse("import_job_cancel", args=[job.pk]))
    assert response["Location"] == reverse("import_job", args=[job.pk])
    job.refresh_from_db()
    assert job.state == "cancelled" and not job.file and not stored.exists()
    assert ChangeLog.objects.filter(action="import.cancel", actor=world.supervisor).count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "已取消导入“small_plan.txt”" in page and "没有保存任何内容" in page
    # The worker's delivery arrives later and finds nothing to do.
    assert run_import_job(job.pk).endswith("not queued, nothing done")
    assert not SourceDocument.objects.exists()
    # Cancelling twice is refused politely.
    client.post(reverse("import_job_cancel", args=[job.pk]))
    assert "无需再取消" in client.get(reverse("import_job", args=[job.pk])).content.decode()


def test_cancelling_a_running_job_stops_it_before_anything_is_written(world, as_user, libreoffice):
    """The worker in a thread here; the cancel arrives while LibreOffice converts."""
    client = as_user(world.supervisor)
    job = job_of(post(client, LEGACY_DOC))
    worker = threading.Thread(target=run_import_job, args=(job.pk,))
    worker.start()
    try:
        deadline = time.monotonic() + 60
        while not ImportJob.objects.filter(pk=job.pk, state="running", stage="convert").exists():
            assert time.monotonic() < deadline, "the job never reached the conversion"
            time.sleep(0.02)
        client.post(reverse("import_job_cancel", args=[job.pk]))
        status = client.get(reverse("import_job_status", args=[job.pk])).json()
        assert status["text"].startswith("正在取消") or status["state"] == "cancelled"
    finally:
        worker.join(timeout=120)
    job.refresh_from_db()
    assert job.state == "cancelled" and not job.file
    assert not SourceDocument.objects.exists() and not Plan.objects.filter(source__isnull=False).exists()


def test_a_job_whose_worker_died_fails_and_can_be_retried(world, as_user, settings):
    settings.TRACKER_IMPORT_INLINE_BYTES = 100
    client = as_user(world.supervisor)
    job = job_of(post(client, SMALL))
    # A worker claimed it and then went silent (kill -9): its heartbeat is older than the limit.
    silent = timezone.now() - datetime.timedelta(seconds=settings.TRACKER_IMPORT_STALE_SECONDS + 1)
    ImportJob.objects.filter(pk=job.pk).update(
        state="running",
        stage="ocr",
        done=2,
        total=9,
        claim_token="dead",
        attempts=1,
        started_at=silent,
        heartbeat_at=silent,
    )
    status = client.get(reverse("import_job_status", args=[job.pk])).json()
    assert status["state"] == "failed" and status["finished"]
    assert status["error"].startswith(
        f"后台处理进程意外中止（超过 {settings.TRACKER_IMPORT_STALE_SECONDS} 秒没有响应）"
    )
    page = client.get(reverse("import_job", args=[job.pk])).content.decode()
    assert "后台处理进程意外中止" in page and ">重试</button>" in page and ">放弃此导入</button>" in page
    # The upload is still there: retry queues the job again.
    OrmQ.objects.all().delete()
    client.post(reverse("import_job_retry", args=[job.pk]))
    job.refresh_from_db()
    assert (job.state, job.stage, job.error, job.claim_token) == ("queued", "", "", "")
    assert queued_funcs() == [(ENTRY_POINT, (job.pk,))]
    assert ChangeLog.objects.filter(action="import.retry").count() == 1
    run_import_job(job.pk)
    job.refresh_from_db()
    assert job.state == "done" and job.attempts == 2
    # Retrying a finished job is refused.
    client.post(reverse("import_job_retry", args=[job.pk]))
    assert job.source.plans.count() == 1 and ImportJob.objects.get(pk=job.pk).state == "done"


def test_giving_up_a_failed_job_removes_its_file(world, as_user, settings):
    settings.TRACKER_IMPORT_INLINE_BYTES = 100
    client = as_user(world.supervisor)
    job = job_of(post(client, SMALL))
    stored = Path(job.file.path)
    ImportJob.objects.filter(pk=job.pk).update(state="failed", retryable=True, error="后台处理进程意外中止")
    client.post(reverse("import_job_cancel", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == "cancelled" and not stored.exists()
    assert "放弃失败的后台导入" in ChangeLog.objects.get(action="import.cancel").summary


def test_a_run_given_up_for_dead_writes_nothing_after_its_job_was_retried(world, settings):
    settings.TRACKER_IMPORT_INLINE_BYTES = 100
    job = import_jobs.queue_import(SMALL.read_bytes(), "plan.txt", user=world.supervisor)
    ImportJob.objects.filter(pk=job.pk).update(
        state="running", claim_token="old-run", heartbeat_at=timezone.now()
    )
    old_run = import_jobs._Run(ImportJob.objects.get(pk=job.pk), "old-run")
    # Meanwhile the job was declared dead and retried: the old run's next report stops it.
    ImportJob.objects.filter(pk=job.pk).update(state="queued", claim_token="")
    with pytest.raises(ExtractionCancelled):
        old_run.progress("extract", 0, 1)
    assert not old_run.finish(ImportJob.State.CANCELLED)
    assert ImportJob.objects.get(pk=job.pk).state == "queued" and ImportJob.objects.get(pk=job.pk).file


def test_progress_json_and_page_say_the_stage_and_page(world, as_user):
    client = as_user(world.supervisor)
    job = ImportJob.objects.create(
        original_name="扫描件.pdf",
        size=1000,
        sha256="d" * 64,
        created_by=world.supervisor,
        state="running",
        stage="ocr",
        done=2,
        total=5,
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),
    )
    status = client.get(reverse("import_job_status", args=[job.pk]))
    assert status["Content-Type"] == "application/json"
    assert status.json() == {
        "state": "running",
        "state_label": "处理中",
        "stage": "ocr",
        "text": "文字识别（OCR）：第 3 / 5 页",
        "done": 2,
        "total": 5,
        "finished": False,
        "error": "",
        "url": f"/imports/jobs/{job.pk}/",
    }
    page = client.get(reverse("import_job", args=[job.pk])).content.decode()
    assert '<progress class="job-bar" data-job-field="bar" max="5" value="2">40%</progress>' in page
    assert f'data-job-status="/imports/jobs/{job.pk}/status/"' in page
    assert "obligations/import_progress.js" in page and ">取消</button>" in page
    # Without JavaScript the page refreshes itself while the job runs.
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in page
    # The import page lists it beside the upload form.
    listing = client.get(reverse("import_list")).content.decode()
    assert "后台导入" in listing and "文字识别（OCR）：第 3 / 5 页" in listing
