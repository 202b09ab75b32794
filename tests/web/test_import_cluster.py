"""Background imports in a real qcluster on the test database: a legacy Word file shows its stage on
the import's page and then leads to the review; a scan is cancelled while Tesseract reads it and
nothing is written; a cluster killed -9 mid-job leaves a job that the page shows as failed (stale
heartbeat) with a retry button, and a new cluster finishes it."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import close_old_connections
from django.urls import reverse

from obligations.models import ChangeLog, ImportJob, SourceDocument, Task

from ..reminders.cluster import Cluster, cluster_env, wait_for
from .conftest import upload

pytestmark = [pytest.mark.cluster, pytest.mark.django_db(transaction=True)]

DATA = Path(__file__).resolve().parents[1] / "extract" / "data"
LEGACY_DOC = DATA / "real" / "variants" / "r01_lishan_2023.doc"
SCAN_5_PAGES = DATA / "scan_seed_pages.pdf"
SCAN_1_PAGE = DATA / "plan_scanned.pdf"
# Tesseract needs seconds a page, minutes when the machine is crowded: generous deadlines.
OCR_WAIT = 300


@pytest.fixture
def start_cluster(tmp_path):
    started: list[Cluster] = []

    def start() -> Cluster:
        mail = tmp_path / "mail"
        mail.mkdir(exist_ok=True)
        env = cluster_env(
            mail,
            MEDIA_ROOT=str(settings.MEDIA_ROOT),  # this test's uploads folder
            TRACKER_IMPORT_HEARTBEAT_SECONDS="1",
            TRACKER_OCR_PAGE_TIMEOUT=str(OCR_WAIT),  # a crowded machine is no reason to fail a page
        )
        cluster = Cluster(env, tmp_path / f"qcluster-{len(started)}.log").start()
        started.append(cluster)
        return cluster

    try:
        yield start
    finally:
        for cluster in started:
            cluster.stop()
        close_old_connections()


def upload_file(client, path: Path) -> ImportJob:
    response = client.post(reverse("import_list"), {"file": upload(path.name, path.read_bytes())})
    assert response.status_code == 302 and response["Location"].startswith("/imports/jobs/"), response
    return ImportJob.objects.get(pk=int(response["Location"].split("/")[-2]))


def poll(predicate, what: str, timeout: float):
    """wait_for without a live cluster (the one that ran the job was just killed)."""
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)
    return value


def page_of(client, job: ImportJob):
    return client.get(reverse("import_job", args=[job.pk]))


def test_a_legacy_file_shows_its_stage_then_the_review(world, as_user, start_cluster, libreoffice):
    client = as_user(world.supervisor)
    cluster = start_cluster()
    job = upload_file(client, LEGACY_DOC)
    seen: list[str] = []

    def converting() -> bool:
        page = page_of(client, job)
        assert page.status_code == 200, "finished before its conversion was seen"
        text = page.content.decode()
        seen.extend(label for label in ("排队中", "处理中") if label in text and label not in seen)
        return "格式转换（LibreOffice）" in text

    wait_for(converting, "the page showing the conversion", cluster)
    assert "处理中" in seen

    def review() -> str | None:
        response = page_of(client, job)
        return response["Location"] if response.status_code == 302 else None

    location = wait_for(review, "the job leading to the review", cluster, timeout=OCR_WAIT)
    # The job is done first; its copy of the upload is dropped right after.
    wait_for(lambda: upload_dropped(job), "the job's copy of the upload dropped", cluster)
    job.refresh_from_db()
    assert job.state == "done" and location == reverse("import_review", args=[job.source.pk])
    page = client.get(location).content.decode()
    assert "已导入“r01_lishan_2023.doc”：1 个方案，6 项任务" in page
    assert Task.objects.filter(plan__source=job.source).count() == 6
    assert not job.file and job.attempts == 1


def upload_dropped(job: ImportJob, stored: Path | None = None) -> bool:
    """The job's copy of the upload is gone: the field cleared and (if given) the file deleted."""
    cleared = not ImportJob.objects.filter(pk=job.pk).exclude(file="").exists()
    return cleared and (stored is None or not stored.exists())


def test_cancel_while_tesseract_reads_a_scan(world, as_user, start_cluster, tesseract):
    client = as_user(world.supervisor)
    cluster = start_cluster()
    job = upload_file(client, SCAN_5_PAGES)
    stored = Path(job.file.path)
    wait_for(
        lambda: "文字识别（OCR）：第 1 / 5 页" in page_of(client, job).content.decode(),
        "OCR of page 1 of 5",
        cluster,
        timeout=OCR_WAIT,
    )
    client.post(reverse("import_job_cancel", args=[job.pk]))
    wait_for(
        lambda: (
            ImportJob.objects.filter(pk=job.pk, state="cancelled").exists() and upload_dropped(job, stored)
        ),
        "the job cancelled and its copy of the upload dropped",
        cluster,
    )
    job.refresh_from_db()
    assert job.stage == "ocr" and job.done < 5  # stopped mid-way, not after the last page
    assert (
        not SourceDocument.objects.exists() and not Task.objects.filter(plan__source__isnull=False).exists()
    )
    assert not stored.exists() and not job.file
    assert ChangeLog.objects.filter(action="import.cancel").count() == 1
    page = page_of(client, job).content.decode()
    assert "已取消" in page and "没有保存任何内容" in page and 'http-equiv="refresh"' not in page


def test_a_cluster_killed_mid_job_leaves_a_failed_job_that_a_retry_finishes(
    world, as_user, start_cluster, tesseract, settings
):
    settings.TRACKER_IMPORT_STALE_SECONDS = 4  # the web side's judgement; the cluster beats every second
    client = as_user(world.supervisor)
    first = start_cluster()
    job = upload_file(client, SCAN_1_PAGE)
    wait_for(
        lambda: ImportJob.objects.filter(pk=job.pk, stage="ocr").exists(),
        "OCR started",
        first,
        timeout=OCR_WAIT,
    )
    first.kill9()
    stored = Path(job.file.path)

    def failed_page() -> str | None:
        text = page_of(client, job).content.decode()
        return text if "失败" in text else None

    page = poll(failed_page, "the page showing the dead job as failed", timeout=30)
    job.refresh_from_db()
    assert (job.finished_at - job.heartbeat_at).total_seconds() >= 4  # judged by the stale heartbeat
    assert "后台处理进程意外中止（超过 4 秒没有响应）" in page and ">重试</button>" in page
    assert stored.exists() and not SourceDocument.objects.exists()

    client.post(reverse("import_job_retry", args=[job.pk]))
    second = start_cluster()
    location = wait_for(
        lambda: page_of(client, job).get("Location"),
        "the retried job leading to the review",
        second,
        timeout=OCR_WAIT,
    )
    wait_for(lambda: upload_dropped(job, stored), "the job's copy of the upload dropped", second)
    job.refresh_from_db()
    assert (job.state, job.attempts) == ("done", 2)
    assert location == reverse("import_review", args=[job.source.pk])
    assert Task.objects.filter(plan__source=job.source).count() >= 1
    assert not stored.exists()
