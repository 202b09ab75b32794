"""The daily sweep: turn the policy and today's tasks into outbox rows, set-based and idempotent.

Candidate tasks are read in keyset-paginated batches (``REMINDER_SWEEP_BATCH``) of ids; the
day's steps and recipients are worked out once; each batch's rows are written by one
``INSERT ... SELECT ... ON CONFLICT DO NOTHING`` in the database (sweep_rows; the outbox's
unique constraint drops what an earlier or concurrent sweep already wrote). So a sweep costs a
fixed handful of queries per batch however many tasks or reminders a batch holds, and running it
twice, or two at once, creates each reminder exactly once.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from ..holidays import get_calendar
from ..models import ReminderPolicy, SweepRun, Task
from .delivery_plan import plan_digests
from .policy import PolicyValues, WorkdayCounter, report_stage
from .recipients import Directory
from .recurrence import refresh_recurring
from .sweep_rows import insert_batch, stage_rows, sweep_tables
from .sweep_workers import write_batches

logger = logging.getLogger(__name__)


@dataclass
class SweepStats:
    tasks: int = 0
    batches: int = 0
    created: int = 0
    occurrences: int = 0
    deliveries: int = 0  # chat and SMS digests planned
    connections: int = 1  # database connections that wrote the batches


def generate(
    day: datetime.date, now: datetime.datetime | None = None, *, batch_size: int | None = None
) -> SweepStats:
    """Write the reminders due on ``day`` into the outbox; returns what it did."""
    now = now or timezone.now()
    batch_size = batch_size or settings.REMINDER_SWEEP_BATCH
    policy = PolicyValues.from_model(ReminderPolicy.current())
    calendar = get_calendar()
    horizon = calendar.add_workdays(day, policy.horizon_workdays)
    report_step = report_stage(day, policy.monthly_report_day)

    # Dated tasks up to the due-soon horizon (everything overdue included); in the report window
    # also the ongoing and recurring ones, which are reminded to report progress.
    wanted = Q(deadline__isnull=False, deadline__lte=horizon)
    if report_step:
        wanted |= Q(deadline_kind__in=[Task.DeadlineKind.ONGOING, Task.DeadlineKind.RECURRING])
    # Tasks that may be reminded about: published and not done.
    candidates = Task.objects.published().open().filter(wanted)
    deadlines = sorted(
        candidates.filter(deadline__isnull=False).order_by().values_list("deadline", flat=True).distinct()
    )
    counter = WorkdayCounter(calendar, min([*deadlines[:1], day]), max(horizon, day))
    stages = stage_rows(deadlines, day, policy, counter)

    directory = Directory.load()

    def session():
        _roomier_sqlite_cache()
        return sweep_tables(stages, directory)

    def write(batch: list[int]) -> int:
        with transaction.atomic():
            _relaxed_commit()
            return insert_batch(batch, day, report_step, now)

    written = write_batches(
        _batches(candidates, batch_size), session, write, settings.REMINDER_SWEEP_CONNECTIONS
    )
    stats = SweepStats(
        tasks=written.tasks, batches=written.batches, created=written.created, connections=written.connections
    )
    # The day's rows are all in: plan their chat and SMS digests (idempotent, like the rows).
    with transaction.atomic():
        stats.deliveries = plan_digests(now)
    return stats


def _roomier_sqlite_cache() -> None:
    """A first sweep can write 100,000+ rows into a table with several indexes; SQLite's default
    2 MB page cache then spills constantly. 64 MB for this worker's connection keeps them hot."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -65536")


def _relaxed_commit() -> None:
    """PostgreSQL: don't wait for the disk at each batch's COMMIT. Safe here: the batches are
    idempotent, and the synchronous commit that marks the SweepRun done flushes the WAL, so a
    crash can only lose batches of a run that is not marked done, which is then run again."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")


def _batches(queryset: QuerySet[Task], size: int) -> Iterator[list[int]]:
    last = 0
    while True:
        batch = list(queryset.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:size])
        if not batch:
            return
        yield batch
        last = batch[-1]


# --- The daily run, with its lock and record ------------------------------------------------------


@dataclass
class SweepOutcome:
    day: datetime.date
    status: str  # done, skipped, busy (someone else holds it), already (done earlier)
    stats: SweepStats | None = None

    def __str__(self) -> str:
        if self.stats is None:
            return f"{self.day} {self.status}"
        return f"{self.day} {self.status}: " + ", ".join(f"{k}={v}" for k, v in asdict(self.stats).items())


def stale_before(now: datetime.datetime) -> datetime.datetime:
    return now - datetime.timedelta(seconds=settings.REMINDER_SWEEP_STALE_SECONDS)


MAX_SWEEP_ATTEMPTS = 3


def claim_day(day: datetime.date, now: datetime.datetime, token: str, *, force: bool = False) -> str | None:
    """Take the day's SweepRun for this worker; returns None or why another worker keeps it."""
    run, created = SweepRun.objects.get_or_create(
        day=day, defaults={"started_at": now, "claim_token": token, "status": SweepRun.Status.RUNNING}
    )
    if created:
        return None
    claimable = Q(status=SweepRun.Status.RUNNING, started_at__lt=stale_before(now)) | Q(
        status=SweepRun.Status.FAILED, attempts__lt=MAX_SWEEP_ATTEMPTS
    )
    if force:
        claimable = Q()
    claimed = (
        SweepRun.objects.filter(pk=run.pk)
        .filter(claimable)
        .update(
            status=SweepRun.Status.RUNNING,
            started_at=now,
            finished_at=None,
            claim_token=token,
            attempts=F("attempts") + 1,
            error="",
        )
    )
    if claimed:
        return None
    return "busy" if run.status == SweepRun.Status.RUNNING else "already"


def run_daily_sweep(
    day: datetime.date | None = None, *, force: bool = False, now: datetime.datetime | None = None
) -> SweepOutcome:
    """The scheduled job: recurring occurrences every day, reminders on working days only.

    ``force`` runs even if the day's sweep already finished or is running elsewhere (the outbox
    still keeps every reminder unique), and on a non-working day.
    """
    now = now or timezone.now()
    day = day or timezone.localdate(now)
    token = uuid.uuid4().hex
    held = claim_day(day, now, token, force=force)
    if held:
        logger.info("%s 的提醒扫描%s，跳过。", day, "正在进行" if held == "busy" else "已完成")
        return SweepOutcome(day, held)
    mine = SweepRun.objects.filter(day=day, claim_token=token)
    stats = SweepStats()
    try:
        stats.occurrences = refresh_recurring(day)
        if not force and not get_calendar().is_workday(day):
            mine.update(
                status=SweepRun.Status.SKIPPED,
                finished_at=timezone.now(),
                stats=asdict(stats),
                error="",
            )
            logger.info("%s 不是工作日，不发提醒。", day)
            return SweepOutcome(day, "skipped", stats)
        generated = generate(day, now)
        generated.occurrences = stats.occurrences
        stats = generated
    except Exception as exc:
        mine.update(status=SweepRun.Status.FAILED, finished_at=timezone.now(), error=repr(exc)[:2000])
        raise
    mine.update(status=SweepRun.Status.DONE, finished_at=timezone.now(), stats=asdict(stats))
    logger.info("%s 提醒扫描完成：%s", day, stats)
    return SweepOutcome(day, "done", stats)


def sweep_in_progress(now: datetime.datetime | None = None) -> bool:
    """Rows for today may still be coming, so digests wait and each recipient gets the whole day in
    one: a live sweep is writing rows, or today's sweep died half way (it stays "running" until the
    catch-up resumes it; sending its first half would leave the rest for tomorrow's digest)."""
    now = now or timezone.now()
    running = SweepRun.objects.filter(status=SweepRun.Status.RUNNING)
    return running.filter(Q(started_at__gte=stale_before(now)) | Q(day=timezone.localdate(now))).exists()


def catch_up(now: datetime.datetime | None = None) -> SweepOutcome | None:
    """Run today's sweep if it has not happened (cluster down at sweep time) or its worker died.

    Called by the frequent sender job, so a missed or interrupted sweep runs once, soon after the
    cluster is back, instead of never (or once per missed slot).
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    # Sweeps of earlier days that died are not replayed: today's sweep covers what still applies.
    SweepRun.objects.filter(
        status=SweepRun.Status.RUNNING, started_at__lt=stale_before(now), day__lt=today
    ).update(status=SweepRun.Status.FAILED, finished_at=now, error="扫描中断，由之后的扫描接续。")
    run = SweepRun.objects.filter(day=today).first()
    if run is None:
        sweep_time = ReminderPolicy.current().sweep_time
        if timezone.localtime(now).time() < sweep_time:
            return None
    elif not (
        (run.status == SweepRun.Status.RUNNING and run.started_at < stale_before(now))
        or (run.status == SweepRun.Status.FAILED and run.attempts < MAX_SWEEP_ATTEMPTS)
    ):
        return None
    return run_daily_sweep(today, now=now)
