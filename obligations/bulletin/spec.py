"""What a bulletin covers: the period and the filters (plans, units), validated once.

The same object comes from the web form, the command line and the schedule, and is kept as JSON on
Bulletin.filters; ``key`` identifies the filters for issue numbering.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass

from ..models import Plan, Unit
from .periods import Period, PeriodError


class BulletinSpecError(ValueError):
    """Bad period or filters; the message is one line of Chinese for the user."""


@dataclass(frozen=True)
class BulletinSpec:
    period: Period
    plans: tuple[int, ...] = ()
    units: tuple[int, ...] = ()

    @classmethod
    def build(cls, period: Period | str, filters: dict | None = None) -> BulletinSpec:
        if not isinstance(period, Period):
            try:
                period = Period.parse(period)
            except PeriodError as exc:
                raise BulletinSpecError(str(exc)) from None
        filters = dict(filters or {})
        unknown = set(filters) - {"plans", "units"}
        if unknown:
            raise BulletinSpecError(f"未知的筛选条件：{'、'.join(sorted(map(str, unknown)))}")
        try:
            plans = tuple(sorted({int(pk) for pk in filters.get("plans") or ()}))
            units = tuple(sorted({int(pk) for pk in filters.get("units") or ()}))
        except (TypeError, ValueError) as exc:
            raise BulletinSpecError("工作方案和单位须以编号指定。") from exc
        return cls(period=period, plans=plans, units=units)

    def check(self, today: datetime.date) -> None:
        try:
            self.period.as_of(today)
        except PeriodError as exc:
            raise BulletinSpecError(str(exc)) from None

    def to_json(self) -> dict:
        data: dict = {}
        if self.plans:
            data["plans"] = list(self.plans)
        if self.units:
            data["units"] = list(self.units)
        return data

    @property
    def key(self) -> str:
        return json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"))

    def describe(self) -> str:
        """The filters in words: “工作方案：…；单位：区财政局、区大数据局”, or "" for everything."""
        return describe_filters(self.to_json())


def describe_filters(filters: dict) -> str:
    parts = []
    if filters.get("plans"):
        titles = Plan.objects.filter(pk__in=filters["plans"]).order_by("pk").values_list("title", flat=True)
        parts.append("工作方案：" + "、".join(titles))
    if filters.get("units"):
        names = Unit.objects.filter(pk__in=filters["units"]).order_by("name").values_list("name", flat=True)
        parts.append("单位：" + "、".join(names))
    return "；".join(parts)
