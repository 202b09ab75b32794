"""Deadlines named by a holiday or a season ("春节前", "国庆节前", "年中", "汛期前"): the holiday's
date in a given year. Lunar holidays come from the lunar calendar (lunardate, 1900–2099).

Periods whose start depends on the place (汛期: April in the south, June in the north) have no date
here; the deadline grammar reports them for review instead of guessing.
"""

from __future__ import annotations

from datetime import date

from lunardate import LunarDate

# name -> (calendar, month, day)
_HOLIDAYS: dict[str, tuple[str, int, int]] = {
    "元旦": ("solar", 1, 1),
    "春节": ("lunar", 1, 1),
    "元宵": ("lunar", 1, 15),
    "元宵节": ("lunar", 1, 15),
    "五一": ("solar", 5, 1),
    "劳动节": ("solar", 5, 1),
    "七一": ("solar", 7, 1),
    "端午": ("lunar", 5, 5),
    "端午节": ("lunar", 5, 5),
    "中秋": ("lunar", 8, 15),
    "中秋节": ("lunar", 8, 15),
    "国庆": ("solar", 10, 1),
    "国庆节": ("solar", 10, 1),
}
# Names whose date depends on the region or on a decision taken elsewhere.
UNDATED = ("主汛期", "汛期", "雨季", "供暖季", "采暖季")
# The regex alternatives the deadline grammar uses, longest first.
NAMES = tuple(sorted([*_HOLIDAYS, *UNDATED], key=len, reverse=True))


def holiday_date(name: str, year: int) -> date | None:
    """The holiday's (first) day in ``year``; None for an unknown name or a year out of range."""
    found = _HOLIDAYS.get(name)
    if found is None:
        return None
    calendar, month, day = found
    if calendar == "solar":
        return date(year, month, day)
    try:
        return LunarDate(year, month, day).to_solar_date()
    except ValueError:
        return None
