"""What a ledger covers: the month and the filters (places, plans, units, lights, paper), validated once.

The same object comes from the web form, the command line and the schedule, and is kept as JSON
on LedgerExport.filters so the history says exactly what each file holds.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from ..dates import month_end, month_label
from ..models.lights import Light

PAPERS = {"A4": "A4 横向", "A3": "A3 横向"}
LIGHTS = [str(light) for light in Light]
_MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")
PLACE_LENGTH = 50  # Plan.jurisdiction's length


class LedgerFilterError(ValueError):
    """Bad month or filters; the message is one line of Chinese for the user."""


def parse_month(text: str) -> datetime.date:
    """'2025-03' -> 2025-03-01."""
    match = _MONTH_RE.match((text or "").strip())
    if not match:
        raise LedgerFilterError(f"月份格式应为 YYYY-MM，如 2025-03：{text!r}")
    year, month = int(match[1]), int(match[2])
    if not 1 <= month <= 12 or not 1949 <= year <= 2100:
        raise LedgerFilterError(f"月份无效：{text}")
    return datetime.date(year, month, 1)


def _places(values) -> tuple[str, ...]:
    if isinstance(values, str) or not all(isinstance(value, str) for value in values):
        raise LedgerFilterError("所属辖区须以名称列表指定。")
    places = {value.strip() for value in values}
    if "" in places:
        raise LedgerFilterError("所属辖区不能为空。")
    long = [place for place in places if len(place) > PLACE_LENGTH]
    if long:
        raise LedgerFilterError(f"所属辖区名称过长（不超过 {PLACE_LENGTH} 字）：{long[0][:20]}…")
    return tuple(sorted(places))


@dataclass(frozen=True)
class LedgerFilters:
    month: datetime.date
    places: tuple[str, ...] = ()  # the plans' jurisdictions (所属辖区): one city's ledger in a province
    plans: tuple[int, ...] = ()
    units: tuple[int, ...] = ()
    lights: tuple[str, ...] = ()
    paper: str = "A4"

    @classmethod
    def build(cls, month: datetime.date, filters: dict | None = None) -> LedgerFilters:
        """Validate a month and a filters dict
        ({"places": [辖区], "plans": [id], "units": [id], "lights": [...], "paper"})."""
        filters = dict(filters or {})
        unknown = set(filters) - {"places", "plans", "units", "lights", "paper"}
        if unknown:
            raise LedgerFilterError(f"未知的筛选条件：{'、'.join(sorted(unknown))}")
        try:
            plans = tuple(sorted({int(pk) for pk in filters.get("plans") or ()}))
            units = tuple(sorted({int(pk) for pk in filters.get("units") or ()}))
        except (TypeError, ValueError) as exc:
            raise LedgerFilterError("工作方案和单位须以编号指定。") from exc
        places = _places(filters.get("places") or ())
        lights = tuple(light for light in LIGHTS if light in set(filters.get("lights") or ()))
        bad = set(filters.get("lights") or ()) - set(LIGHTS)
        if bad:
            raise LedgerFilterError(
                f"未知的灯色：{'、'.join(sorted(map(str, bad)))}（可选 {'、'.join(LIGHTS)}）"
            )
        paper = filters.get("paper") or "A4"
        if paper not in PAPERS:
            raise LedgerFilterError(f"纸张只能是 {'、'.join(PAPERS)}：{paper}")
        if not isinstance(month, datetime.date):
            raise LedgerFilterError("月份无效。")
        return cls(
            month=month.replace(day=1), places=places, plans=plans, units=units, lights=lights, paper=paper
        )

    def to_json(self) -> dict:
        """What LedgerExport.filters stores (the month has its own column)."""
        data: dict = {"paper": self.paper}
        if self.places:
            data["places"] = list(self.places)
        if self.plans:
            data["plans"] = list(self.plans)
        if self.units:
            data["units"] = list(self.units)
        if self.lights:
            data["lights"] = list(self.lights)
        return data

    @property
    def last_day(self) -> datetime.date:
        return month_end(self.month)

    def as_of(self, today: datetime.date) -> datetime.date:
        """The day the lights are judged on: the month's last day, or today within the month.

        A past month's ledger shows how things stood when that month closed, so a ledger generated
        again later (or by the schedule on the 1st) reads the same as one made on the 31st.
        """
        if self.month > today:
            raise LedgerFilterError(f"不能导出未来月份（{month_label(self.month)}）的台账。")
        return min(self.last_day, today)
