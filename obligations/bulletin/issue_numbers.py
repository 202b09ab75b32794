"""第N期: bulletin issue numbers, counted per year of issue, one per period and set of filters.

The same period and filters keep their number (a retried schedule, a revised 下一步要求); anything
else takes the next free number of the year. Two unique constraints make concurrent generators
agree: the second to insert a number or a period retries and finds the first one's.
"""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.db.models import Max

from ..models import BulletinIssue
from .spec import BulletinSpec

ATTEMPTS = 5


def issue_for(spec: BulletinSpec, issued: datetime.date) -> BulletinIssue:
    key = {
        "year": issued.year,
        "period_kind": spec.period.kind,
        "period_start": spec.period.start,
        "filters_key": spec.key,
    }
    for _ in range(ATTEMPTS):
        existing = BulletinIssue.objects.filter(**key).first()
        if existing is not None:
            return existing
        last = BulletinIssue.objects.filter(year=issued.year).aggregate(last=Max("number"))["last"] or 0
        try:
            with transaction.atomic():
                return BulletinIssue.objects.create(number=last + 1, **key)
        except IntegrityError:
            continue  # someone took that number or this period meanwhile: look again
    raise RuntimeError("无法分配通报期号，请稍后重试。")
