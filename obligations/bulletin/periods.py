"""The period a bulletin covers: a month ("2025-03") or a quarter ("2025-Q1"), parsed and named once."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from ..dates import month_end

MONTH = "month"
QUARTER = "quarter"
KINDS = {MONTH: "月度", QUARTER: "季度"}
QUARTER_NAMES = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}
_MONTH_RE = re.compile(r"^([0-9]{4})-([0-9]{1,2})$")
_QUARTER_RE = re.compile(r"^([0-9]{4})-Q([1-4])$", re.IGNORECASE)


class PeriodError(ValueError):
    """A period that cannot be read; the message is one line of Chinese for the user."""


@dataclass(frozen=True, order=True)
class Period:
    start: datetime.date  # the first day
    kind: str = MONTH

    @classmethod
    def parse(cls, text: str) -> Period:
        """'2025-03' (a month) or '2025-Q1' (a quarter)."""
        text = (text or "").strip()
        if match := _MONTH_RE.match(text):
            year, month = int(match[1]), int(match[2])
            if 1 <= month <= 12 and 1949 <= year <= 2100:
                return cls(datetime.date(year, month, 1), MONTH)
        elif match := _QUARTER_RE.match(text):
            year, quarter = int(match[1]), int(match[2])
            if 1949 <= year <= 2100:
                return cls(datetime.date(year, quarter * 3 - 2, 1), QUARTER)
        raise PeriodError(
            f"期间格式应为 YYYY-MM（月度）或 YYYY-Qn（季度），如 2025-03、2025-Q1：{text[:20]!r}"
        )

    @classmethod
    def month_of(cls, day: datetime.date) -> Period:
        return cls(day.replace(day=1), MONTH)

    @classmethod
    def quarter_of(cls, day: datetime.date) -> Period:
        return cls(datetime.date(day.year, (day.month - 1) // 3 * 3 + 1, 1), QUARTER)

    @property
    def key(self) -> str:
        if self.kind == QUARTER:
            return f"{self.start.year}-Q{self.quarter}"
        return f"{self.start:%Y-%m}"

    @property
    def quarter(self) -> int:
        return (self.start.month - 1) // 3 + 1

    @property
    def months(self) -> list[datetime.date]:
        """The first days of the months in the period."""
        count = 3 if self.kind == QUARTER else 1
        return [self.start.replace(month=self.start.month + index) for index in range(count)]

    @property
    def end(self) -> datetime.date:
        """The last day."""
        return month_end(self.months[-1])

    @property
    def label(self) -> str:
        """2025年3月, 2025年第一季度."""
        if self.kind == QUARTER:
            return f"{self.start.year}年{QUARTER_NAMES[self.quarter]}"
        return f"{self.start.year}年{self.start.month}月"

    @property
    def short_label(self) -> str:
        """3月, 第一季度: within a sentence that already names the year."""
        return QUARTER_NAMES[self.quarter] if self.kind == QUARTER else f"{self.start.month}月"

    def previous(self) -> Period:
        back = 3 if self.kind == QUARTER else 1
        year, month = self.start.year, self.start.month - back
        if month < 1:
            year, month = year - 1, month + 12
        return Period(datetime.date(year, month, 1), self.kind)

    def as_of(self, today: datetime.date) -> datetime.date:
        """The day the period is judged on: its last day, or today while it runs."""
        if self.start > today:
            raise PeriodError(f"不能生成未来期间（{self.label}）的通报。")
        return min(self.end, today)

    def closed(self, today: datetime.date) -> bool:
        return self.end < today


def recent_periods(today: datetime.date, months: int = 24, quarters: int = 8) -> list[Period]:
    """The periods a supervisor may choose: the last ``months`` months and ``quarters`` quarters."""
    found: list[Period] = []
    period = Period.month_of(today)
    for _ in range(months):
        found.append(period)
        period = period.previous()
    period = Period.quarter_of(today)
    for _ in range(quarters):
        found.append(period)
        period = period.previous()
    return found
