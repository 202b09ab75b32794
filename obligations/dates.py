"""Dates as the tracker reads and writes them: today (in settings.TIME_ZONE, Asia/Shanghai), month
arithmetic, and dates in Chinese (2025年3月31日)."""

from __future__ import annotations

import calendar
import datetime

from django.utils import timezone


def today() -> datetime.date:
    return timezone.localdate()


def chinese_date(value: datetime.date) -> str:
    """2025年3月31日: how dates read in e-mails, remarks and titles."""
    return f"{value.year}年{value.month}月{value.day}日"


def month_label(month: datetime.date) -> str:
    """2025年3月."""
    return f"{month.year}年{month.month}月"


def month_end(day: datetime.date) -> datetime.date:
    """The last day of ``day``'s month."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def previous_month(day: datetime.date) -> datetime.date:
    """The first day of the month before ``day``'s."""
    first = day.replace(day=1)
    return (first - datetime.timedelta(days=1)).replace(day=1)
