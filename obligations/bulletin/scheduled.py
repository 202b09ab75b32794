"""The scheduled monthly bulletin: on the first of a month, last month's scores kept and its bulletin.

``monthly_bulletin`` is the django-q entry point (what the schedule 月度督查通报 names). It first
stores the month's 考核 scores, and any earlier month of its year not stored yet (once; the ledger
of the same morning reads them too), then writes the bulletin unless a scheduled one for that month exists, so a retried or caught-up schedule
never makes a second issue. Supervisors are told in-app in the transaction that marks it done.
"""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone

from ..dates import chinese_date, previous_month
from ..models import Bulletin, Notification
from ..roles import supervisors
from .bulletin_files import generate_bulletin_file
from .periods import MONTH, Period
from .spec import BulletinSpec
from .unit_scores import ensure_months


def monthly_bulletin(month: str | None = None, force: bool = False) -> str:
    """django-q entry point; ``month`` ("YYYY-MM") regenerates a given month, ``force`` even if made."""
    bulletin = run_monthly_bulletin(Period.parse(month).start if month else None, force=force)
    if bulletin is None:
        return "bulletin: already generated"
    return f"bulletin {bulletin.issue}: {bulletin.overdue} overdue, {bulletin.size} bytes"


def run_monthly_bulletin(month: datetime.date | None = None, force: bool = False) -> Bulletin | None:
    today = timezone.localdate()
    month = (month or previous_month(today)).replace(day=1)
    if month < today.replace(day=1):
        # The year's closed months not stored yet too (after an upgrade), so the dashboard's
        # year ranking never has to count them during a page request.
        ensure_months([datetime.date(month.year, number, 1) for number in range(1, month.month + 1)], today)
    done = Bulletin.objects.filter(
        period_kind=MONTH,
        period_start=month,
        filters={},
        trigger=Bulletin.Trigger.SCHEDULED,
        status=Bulletin.Status.DONE,
    )
    if done.exists() and not force:
        return None
    spec = BulletinSpec.build(Period(month, MONTH))
    return generate_bulletin_file(spec, Bulletin.Trigger.SCHEDULED, today=today, on_done=_notify_supervisors)


def _notify_supervisors(bulletin: Bulletin) -> None:
    title = f"{bulletin.period_start.year}年{bulletin.period_start.month}月督查通报（{bulletin.issue}）已生成"
    body = f"逾期未办结任务 {bulletin.overdue} 项，生成于{chinese_date(timezone.localdate())}。"
    url = reverse("bulletin_download", args=[bulletin.pk])
    Notification.objects.bulk_create(
        Notification(user=user, title=title, body=body, url=url) for user in supervisors()
    )
