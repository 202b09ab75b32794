"""The scheduled monthly ledger: on the first of a month, the ledger of the month that just ended.

``monthly_ledger`` is the django-q entry point (what the schedule 月度进展台账 names). A run that
already produced that month's scheduled ledger does nothing, so a retried or caught-up schedule never leaves two copies; each
run is recorded as a LedgerExport (trigger "scheduled"), and supervisors get an in-app notice in
the same transaction that marks the export done.
"""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone

from ..dates import chinese_date, previous_month
from ..models import LedgerExport, Notification
from ..roles import supervisors
from .filters import parse_month
from .storage import generate_ledger_file


def monthly_ledger(month: str | None = None, force: bool = False) -> str:
    """django-q entry point: the ledger of the month that just ended, kept with its history; returns
    the one-line summary django-q keeps as the result.

    ``month`` ("YYYY-MM") regenerates a given month; ``force`` writes it again even if it exists.
    """
    export = run_monthly_ledger(parse_month(month) if month else None, force=force)
    if export is None:
        return "ledger: already generated"
    return f"ledger {export.month:%Y-%m}: {export.rows} rows, {export.size} bytes"


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
    users = supervisors()
    title = f"{export.month:%Y年%m月}进展台账已生成"
    body = f"共 {export.rows} 项任务，生成于{chinese_date(timezone.localdate())}。"
    url = reverse("ledger_download", args=[export.pk])
    Notification.objects.bulk_create(
        Notification(user=user, title=title, body=body, url=url) for user in users
    )
