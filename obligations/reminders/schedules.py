"""The background schedules, declared once and installed idempotently.

``SCHEDULES`` is the single list; ``install_schedules()`` writes it into django-q's Schedule table
keyed by name (update_or_create), from ``python manage.py setup_schedules`` and after ``migrate``
(post_migrate), never at import time, so restarts and any number of web workers create nothing
twice. Cron expressions are read in settings.TIME_ZONE (Asia/Shanghai) by django-q; with
Q_CLUSTER["catch_up"] off, a schedule missed during downtime runs once, not once per missed slot.

To add a job, append a ScheduleSpec and run ``python manage.py setup_schedules`` (``migrate`` does it too).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone
from django_q.models import Schedule

from ..models import ReminderPolicy

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScheduleSpec:
    """One schedule. Give ``cron`` (a string, or a callable reading e.g. the policy) or ``minutes``."""

    name: str
    func: str
    cron: str | Callable[[], str] | None = None
    minutes: int | Callable[[], int] | None = None
    kwargs: dict = field(default_factory=dict)
    kwargs_factory: Callable[[], dict] | None = None  # kwargs read from settings at install time

    def fields(self) -> dict:
        if self.cron is not None:
            cron = self.cron() if callable(self.cron) else self.cron
            timing = {"schedule_type": Schedule.CRON, "cron": cron, "minutes": None}
        elif self.minutes is not None:
            minutes = self.minutes() if callable(self.minutes) else self.minutes
            timing = {"schedule_type": Schedule.MINUTES, "minutes": max(1, int(minutes)), "cron": None}
        else:
            raise ValueError(f"schedule {self.name!r} needs cron or minutes")
        kwargs = self.kwargs_factory() if self.kwargs_factory else self.kwargs
        return {
            "func": self.func,
            "kwargs": repr(kwargs) if kwargs else None,
            "repeats": -1,
            **timing,
        }


def backup_cron() -> str:
    """Nightly at TRACKER_BACKUP_TIME ("HH:MM", Asia/Shanghai), when the office is empty."""
    hour, _, minute = settings.TRACKER_BACKUP_TIME.partition(":")
    return f"{int(minute or 0)} {int(hour)} * * *"


def sweep_cron() -> str:
    """Every day at the policy's sweep time; the sweep itself skips non-working days (调休 aware)."""
    at = ReminderPolicy.current().sweep_time
    return f"{at.minute} {at.hour} * * *"


SCHEDULES: list[ScheduleSpec] = [
    ScheduleSpec("每日提醒扫描", "obligations.reminders.jobs.daily_sweep", cron=sweep_cron),
    ScheduleSpec(
        "提醒发送",
        "obligations.reminders.jobs.send_reminders",
        minutes=lambda: settings.REMINDER_SEND_EVERY_MINUTES,
    ),
    # 06:00 on the 1st: last month's ledger, ready before the office opens.
    ScheduleSpec("月度进展台账", "obligations.ledger.monthly.monthly_ledger", cron="0 6 1 * *"),
    # A row proving a scheduler fired and a worker ran, read by /healthz (obligations.ops.heartbeat).
    ScheduleSpec("集群心跳", "obligations.ops.heartbeat.beat", minutes=1),
    # Database + MEDIA_ROOT into TRACKER_BACKUP_DIR, then the retention rule (obligations.ops.backups).
    ScheduleSpec(
        "每日备份",
        "obligations.ops.backups.nightly_backup",
        cron=backup_cron,
        kwargs_factory=lambda: {"q_options": {"timeout": settings.TRACKER_BACKUP_TIMEOUT_SECONDS}},
    ),
    # 06:10 on the 1st: last month's 考核 scores kept, and its 督查通报 (after the ledger, which reads the scores too).
    ScheduleSpec("月度督查通报", "obligations.bulletin.scheduled.monthly_bulletin", cron="10 6 1 * *"),
    # The dashboard's light tallies recounted on the new day (and when their deltas grew), so reading
    # them corrects only a day or two of deadlines (obligations.dashboard.tallied_counts).
    ScheduleSpec("灯色计数更新", "obligations.dashboard.tallied_counts.refresh", cron="2 * * * *"),
]

_TIMING = ("schedule_type", "cron", "minutes")


def _first_run(spec_fields: dict):
    probe = Schedule(**spec_fields)
    if probe.schedule_type == Schedule.CRON:
        return probe.calculate_next_run()
    return timezone.now()


def install_schedules(using: str = DEFAULT_DB_ALIAS, specs: list[ScheduleSpec] | None = None) -> list[str]:
    """Create or update each schedule by name; returns "name: created|updated|unchanged" lines.

    The next run is only recomputed when the timing changed, so re-running this (every deploy)
    does not postpone a frequent schedule or re-fire a daily one.
    """
    report = []
    with transaction.atomic(using=using):
        _lock(using)
        for spec in specs if specs is not None else SCHEDULES:
            wanted = spec.fields()
            rows = list(Schedule.objects.using(using).filter(name=spec.name).order_by("pk"))
            for extra in rows[1:]:  # heal duplicates someone made by hand
                extra.delete()
            current = rows[0] if rows else None
            if current is None:
                Schedule.objects.using(using).create(name=spec.name, next_run=_first_run(wanted), **wanted)
                report.append(f"{spec.name}: created")
                continue
            changed = {k: v for k, v in wanted.items() if getattr(current, k) != v}
            if not changed:
                report.append(f"{spec.name}: unchanged")
                continue
            if any(key in changed for key in _TIMING):
                changed["next_run"] = _first_run(wanted)
            Schedule.objects.using(using).filter(pk=current.pk).update(**changed)
            report.append(f"{spec.name}: updated")
    return report


def _lock(using: str) -> None:
    """Serialise concurrent installs (two deploy hooks at once) so the name stays unique."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [0x7D0C5C])
    # SQLite: the project opens transactions with BEGIN IMMEDIATE, which already serialises writers.


def schedules_table_ready(using: str = DEFAULT_DB_ALIAS) -> bool:
    return Schedule._meta.db_table in connections[using].introspection.table_names()
