"""The scheduled monthly ledger: on the first of a month, the ledger of the month that just ended.

Runs from django-q (obligations.reminders.jobs.monthly_ledger). A run that already produced that month's
scheduled ledger does nothing, so a retried or caught-up schedule never leaves two copies; each
run is recorded as a LedgerExport (trigger "scheduled"), and supervisors get an in-app notice in
the same transaction that marks the export done.
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from ..models import LedgerExport, Notification
from ..roles import SUPERVISOR_GROUP
from .cells import chinese_date
from .storage import generate_ledger_file


def previous_month(day: datetime.date) -> datetime.date:
    first = day.replace(day=1)
    return (first - datetime.timedelta(days=1)).replace(day=1)


def run_monthly_ledger(month: datetime.date | None = None, force: bool = False) -> LedgerExport | None:
    """Generate the month's scheduled ledger (default: last month); None when it already exists."""
    month = (month or previous_month(timezone.localdate())).replace(day=1)
    done = LedgerExport.objects.filter(
        month=month, trigger=LedgerExport.Trigger.SCHEDULED, status=LedgerExport.Status.DONE
    )
    if done.exists() and not force:
        return None
    # "Done" and "supervisors told" commit together: a worker that dies in between leaves neither,
    # and the retried schedule makes the ledger and the notices again.
    return generate_ledger_file(
        month, {}, trigger=LedgerExport.Trigger.SCHEDULED, on_done=_notify_supervisors
    )


def _notify_supervisors(export: LedgerExport) -> None:
    users = get_user_model().objects.filter(groups__name=SUPERVISOR_GROUP, is_active=True).distinct()
    title = f"{export.month:%Y年%m月}进展台账已生成"
    body = f"共 {export.rows} 项任务，生成于{chinese_date(timezone.localdate())}。"
    url = reverse("ledger_download", args=[export.pk])
    Notification.objects.bulk_create(
        Notification(user=user, title=title, body=body, url=url) for user in users
    )
