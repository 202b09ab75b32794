"""Which nightly backups to keep: the newest of each of the last N days that have one, and the
newest of each of the last M months that have one. Framework-free, so it is tested on plain dates."""

from __future__ import annotations

import datetime
from collections.abc import Iterable


def kept(stamps: Iterable[datetime.datetime], daily: int, monthly: int) -> set[datetime.datetime]:
    """The stamps to keep (every other nightly backup may be deleted)."""
    newest_first = sorted(set(stamps), reverse=True)
    keep: set[datetime.datetime] = set()
    days: set[datetime.date] = set()
    months: set[tuple[int, int]] = set()
    for stamp in newest_first:
        day = stamp.date()
        if day not in days and len(days) < daily:
            days.add(day)
            keep.add(stamp)
        month = (stamp.year, stamp.month)
        if month not in months and len(months) < monthly:
            months.add(month)
            keep.add(stamp)
    return keep
