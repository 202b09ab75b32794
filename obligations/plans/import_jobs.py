"""Plan imports in the background (django-q2), so that OCR or a LibreOffice conversion never holds a
web request.

``submit_import`` is what the upload page calls: a small file the engine reads directly is imported
within the request; a large one, or one whose reading turns out to need conversion or OCR (the
engine's progress callback says so before it starts), is kept under MEDIA_ROOT as an ImportJob and
queued. ``run_import_job`` (the django-q entry point) claims the job, runs the same
``import_document`` with a progress callback that records the stage and page and stops the engine
when the user has cancelled (ExtractionCancelled: nothing is written), and a heartbeat thread that
proves the worker is alive; ``expire_stale`` turns a job whose heartbeat went silent (its worker was
killed) into a failed one that can be retried.
"""

from __future__ import annotations

import datetime
import logging
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from ..extract import ExtractionCancelled, ExtractionError
from ..extract.progress import CONVERTING, OCR
from ..models import ImportJob, SourceDocument
from ..workflow import WorkflowError, audit
from .importing import ImportOutcome, import_document, sha256_of

logger = logging.getLogger(__name__)

ENTRY_POINT = "obligations.plans.import_jobs.run_import_job"
SLOW_STAGES = frozenset({CONVERTING, OCR})
INTERNAL_ERROR = "导入时发生内部错误，文件尚未导入。可点击“重试”重新处理；如仍失败，请联系系统管理员。"
QUEUE_ERROR = "无法提交后台任务（任务队列暂不可用），文件尚未导入。请稍后点击“重试”。"
State = ImportJob.State


def stale_error() -> str:
    return (
        f"后台处理进程意外中止（超过 {settings.TRACKER_IMPORT_STALE_SECONDS} 秒没有响应），"
        "文件尚未导入。可点击“重试”重新处理。"
    )


def timeout_error() -> str:
    minutes = settings.TRACKER_IMPORT_TIMEOUT_SECONDS / 60
    return f"处理超时（超过 {minutes:g} 分钟），文件尚未导入。文件可能过大或扫描页过多，可点击“重试”或拆分后再上传。"


# --- Submitting an upload ----------------------------------------------------------------------


class _SlowStage(ExtractionCancelled):
    """An import tried within the request reached conversion or OCR: it goes to the background."""


def _inline_only(stage: str, done: int, total: int) -> None:
    if stage in SLOW_STAGES:
        raise _SlowStage(stage)


@dataclass
class Submission:
    outcome: ImportOutcome | None = None  # imported (or recognised as imported) within the request
    job: ImportJob | None = None  # queued, or already being imported by an earlier upload
    already_queued: bool = False


def submit_import(
    data: bytes,
    filename: str,
    *,
    user=None,
    year: int | None = None,
    jurisdiction: str | None = None,
) -> Submission:
    """Import a small, directly readable file now; queue anything larger or slower. Raises
    ExtractionError (nothing written) when a file tried within the request is bad."""
    digest = sha256_of(data)
    expire_stale()
    running = ImportJob.objects.active().filter(sha256=digest).order_by("-created_at").first()
    if running is not None:
        return Submission(job=running, already_queued=True)
    if len(data) <= settings.TRACKER_IMPORT_INLINE_BYTES:
        try:
            outcome = import_document(
                data, filename, user=user, year=year, jurisdiction=jurisdiction, progress=_inline_only
            )
        except _SlowStage:
            pass
        else:
            return Submission(outcome=outcome)
    else:
        existing = SourceDocument.objects.filter(sha256=digest).first()
        if existing is not None:
            return Submission(
                outcome=ImportOutcome(existing, created=False, plans=list(existing.plans.all()))
            )
    job = queue_import(data, filename, user=user, year=year, jurisdiction=jurisdiction, digest=digest)
    return Submission(job=job)


def queue_import(
    data: bytes,
    filename: str,
    *,
    user=None,
    year: int | None = None,
    jurisdiction: str | None = None,
    digest: str | None = None,
) -> ImportJob:
    """Keep the file under MEDIA_ROOT as a queued ImportJob and hand it to the qcluster."""
    name = Path(filename).name[:255] or "未命名文件"
    job = ImportJob(
        original_name=name,
        size=len(data),
        sha256=digest or sha256_of(data),
        year=year,
        jurisdiction=(jurisdiction or "")[:50],
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    job.file.save(name, ContentFile(data), save=False)
    try:
        job.save()
    except BaseException:
        job.file.delete(save=False)
        raise
    transaction.on_commit(lambda: enqueue(job.pk))
    return job


def enqueue(job_id: int) -> None:
    """Put the job on django-q's queue; a broker that cannot be reached fails the job (retryable)."""
    from django_q.tasks import async_task

    try:
        task_id = async_task(
            ENTRY_POINT,
            job_id,
            task_name=f"plan-import-{job_id}",
            group="plan-import",
            timeout=settings.TRACKER_IMPORT_TIMEOUT_SECONDS,
        )
    except Exception:
        logger.exception("could not queue import job %s", job_id)
        ImportJob.objects.filter(pk=job_id, state=State.QUEUED).update(
            state=State.FAILED, error=QUEUE_ERROR, retryable=True, finished_at=timezone.now()
        )
        return
    ImportJob.objects.filter(pk=job_id).update(task_id=str(task_id)[:64])


# --- The job itself (django-q entry point) ------------------------------------------------------


def run_import_job(job_id: int) -> str:
    """Import a queued job's file. Returns a one-line summary for django-q's task result.

    A job that is not queued (cancelled before it started, already taken by another delivery of
    the same task, or finished) is left alone.
    """
    token = uuid.uuid4().hex
    now = timezone.now()
    claimed = ImportJob.objects.filter(pk=job_id, state=State.QUEUED).update(
        state=State.RUNNING,
        claim_token=token,
        started_at=now,
        heartbeat_at=now,
        stage=ImportJob.Stage.READ,
        done=0,
        total=0,
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return f"import job {job_id}: not queued, nothing done"
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    return _Run(job, token).execute()


class _Superseded(Exception):
    """This run no longer holds the job (declared dead and retried): it stops without writing."""


class _Heartbeat(threading.Thread):
    """Touches the job's heartbeat every few seconds while the run lives, whatever the engine is
    doing (a long extraction reports no progress); it dies with the process on kill -9."""

    def __init__(self, job_id: int, token: str) -> None:
        super().__init__(name=f"import-job-{job_id}-heartbeat", daemon=True)
        self.job_id, self.token = job_id, token
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.wait(settings.TRACKER_IMPORT_HEARTBEAT_SECONDS):
                ImportJob.objects.filter(pk=self.job_id, claim_token=self.token, state=State.RUNNING).update(
                    heartbeat_at=timezone.now()
                )
        except Exception:
            logger.exception("heartbeat of import job %s stopped", self.job_id)
        finally:
            connection.close()  # this thread's own connection

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=60)


class _Run:
    def __init__(self, job: ImportJob, token: str) -> None:
        self.job, self.token = job, token
        self.last: tuple[str, int, int] | None = None
        self.last_write = 0.0

    def mine(self):
        return ImportJob.objects.filter(pk=self.job.pk, claim_token=self.token, state=State.RUNNING)

    def progress(self, stage: str, done: int, total: int) -> None:
        """The engine's callback: record stage and page; stop if the user cancelled. Helpers call it
        every half second while they run, so unchanged reports are written once a second."""
        key = (stage, done, total)
        moment = time.monotonic()
        if key == self.last and moment - self.last_write < 1.0:
            return
        self.last, self.last_write = key, moment
        updated = (
            self.mine()
            .filter(cancel_requested=False)
            .update(stage=stage, done=done, total=total, heartbeat_at=timezone.now())
        )
        if not updated:
            raise ExtractionCancelled

    def finish(self, state: str, **fields) -> bool:
        updated = self.mine().update(state=state, finished_at=timezone.now(), **fields)
        if updated and (state != State.FAILED or not fields.get("retryable")):
            drop_file(self.job)
        return bool(updated)

    def execute(self) -> str:
        job = self.job
        heartbeat = _Heartbeat(job.pk, self.token)
        heartbeat.start()
        started = time.monotonic()
        try:
            try:
                with job.file.open("rb") as handle:
                    data = handle.read()
            except (OSError, ValueError):
                self.finish(State.FAILED, error="上传的文件已不在服务器上，请重新上传。", retryable=False)
                return f"import job {job.pk}: file missing"
            outcome = import_document(
                data,
                job.original_name,
                user=job.created_by,
                year=job.year,
                jurisdiction=job.jurisdiction or None,
                progress=self.progress,
            )
            if not self.finish(State.DONE, source=outcome.source, duplicate=not outcome.created):
                raise _Superseded
            return f"import job {job.pk}: {outcome.task_count} tasks" + (
                "" if outcome.created else " (known file)"
            )
        except _Superseded:
            return f"import job {job.pk}: superseded by a newer run"
        except ExtractionCancelled:
            if not self.finish(State.CANCELLED):
                return f"import job {job.pk}: superseded by a newer run"
            return f"import job {job.pk}: cancelled"
        except ExtractionError as exc:
            self.finish(State.FAILED, error=str(exc), retryable=False)
            return f"import job {job.pk}: refused"
        except Exception:
            logger.exception("import job %s failed", job.pk)
            self.finish(State.FAILED, error=INTERNAL_ERROR, retryable=True)
            return f"import job {job.pk}: internal error"
        except BaseException:
            # django-q's time limit (TimeoutException is a SystemExit), or the worker being stopped.
            timed_out = time.monotonic() - started >= settings.TRACKER_IMPORT_TIMEOUT_SECONDS - 5
            self.finish(State.FAILED, error=timeout_error() if timed_out else stale_error(), retryable=True)
            raise
        finally:
            heartbeat.stop()


def drop_file(job: ImportJob) -> None:
    """Remove the job's copy of the upload (the import stores its own) once it is no longer needed."""
    if job.file:
        job.file.delete(save=False)
        ImportJob.objects.filter(pk=job.pk).update(file="")


# --- What people do with jobs ------------------------------------------------------------------


def expire_stale() -> int:
    """Running jobs whose heartbeat has been silent too long lost their worker: failed (retryable),
    or cancelled when the user had asked for that. Called by the pages that show jobs."""
    now = timezone.now()
    cutoff = now - datetime.timedelta(seconds=settings.TRACKER_IMPORT_STALE_SECONDS)
    changed = 0
    for job in ImportJob.objects.filter(state=State.RUNNING, heartbeat_at__lt=cutoff):
        same = ImportJob.objects.filter(
            pk=job.pk, state=State.RUNNING, claim_token=job.claim_token, heartbeat_at__lt=cutoff
        )
        if job.cancel_requested:
            if same.update(state=State.CANCELLED, finished_at=now):
                drop_file(job)
                changed += 1
        else:
            changed += same.update(state=State.FAILED, error=stale_error(), retryable=True, finished_at=now)
    return changed


def cancel_job(job: ImportJob, *, user) -> str:
    """Cancel a queued job at once, ask a running one to stop, or give up a failed one. Returns the
    message for the user; raises WorkflowError when there is nothing to cancel."""
    now = timezone.now()
    name = job.original_name
    jobs = ImportJob.objects.filter(pk=job.pk)
    if jobs.filter(state=State.QUEUED).update(state=State.CANCELLED, cancel_requested=True, finished_at=now):
        drop_file(job)
        audit.record(user, "import.cancel", f"取消后台导入“{name}”（尚未开始）")
        return f"已取消导入“{name}”，没有保存任何内容。"
    if jobs.filter(state=State.RUNNING, cancel_requested=False).update(cancel_requested=True):
        audit.record(user, "import.cancel", f"取消后台导入“{name}”（处理中）")
        return f"正在取消导入“{name}”：当前步骤停下后即取消，不会保存任何内容。"
    if jobs.filter(state=State.FAILED, retryable=True).update(state=State.CANCELLED, retryable=False):
        drop_file(job)
        audit.record(user, "import.cancel", f"放弃失败的后台导入“{name}”")
        return f"已放弃导入“{name}”，上传的文件已删除。"
    raise WorkflowError("该导入已经结束或正在取消，无需再取消。")


def retry_job(job: ImportJob, *, user) -> None:
    """Queue a failed job again (its worker died, it timed out, or an internal error)."""
    if not job.file:
        raise WorkflowError("上传的文件已不在服务器上，无法重试，请重新上传。")
    queued = ImportJob.objects.filter(pk=job.pk, state=State.FAILED, retryable=True).update(
        state=State.QUEUED,
        stage=ImportJob.Stage.NONE,
        done=0,
        total=0,
        error="",
        retryable=False,
        cancel_requested=False,
        claim_token="",
        started_at=None,
        heartbeat_at=None,
        finished_at=None,
    )
    if not queued:
        raise WorkflowError("只有失败且可以重试的导入才能重试。")
    audit.record(user, "import.retry", f"重试后台导入“{job.original_name}”")
    transaction.on_commit(lambda: enqueue(job.pk))
