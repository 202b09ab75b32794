"""The deadline grammar, in one place: a phrase -> a date, "ongoing", a recurrence, or nothing.

Two entry points:

* ``parse_deadline(phrase, ctx)`` reads a phrase in a deadline *position* (a 完成时限 clause, a
  时限 column, "…负责；2018年9月底完成"): anything that reads as a time limit counts, including
  "长期", "每月5日前", "5个工作日内" (counted from the notice's issue date on China's calendar).
* ``find_text_deadline(text, ctx)`` looks for the completion date inside a task's own text
  ("8月底前依托…；9月底前完成…"): stricter, because task text also holds start dates, policy
  periods, processing limits and years that are part of names; when several dates qualify the
  final (latest) one wins. A date range there ("2019年1月1日至12月31日") counts by its end (the
  team's rule), unless it is a title's period ("行动计划（2018—2020年）").

A date the calendar does not have ("2018年11月31日") is reported in ``issue`` and mapped to the
month's last day, never silently and never by raising.
"""

from __future__ import annotations

import calendar as _calendar
import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import cn2an
from dateutil.relativedelta import relativedelta
from dateutil.rrule import rrulestr

from ..workdays import DEFAULT_CALENDAR, WorkdayCalendar
from .festivals import NAMES as _FESTIVALS
from .festivals import UNDATED, holiday_date
from .text import fold

_S = r"\s*"
_NUM = r"(?:[0-9]{1,2}|[一二三四五六七八九十两〇○零]{1,3})"
_YEAR = r"(?:(?:19|20)[0-9]{2}|[一二][〇○零一二三四五六七八九]{3})"
_CN_DIGITS = str.maketrans("〇○零一二三四五六七八九", "00012345678" + "9")

_FEST = "|".join(_FESTIVALS)

# One date expression. Alternatives with a year come first so the year is never left behind.
_EXPR = re.compile(
    rf"""
    (?P<numeric>(?P<ny>(?:19|20)[0-9]{{2}})[./-](?P<nm>[0-9]{{1,2}})(?:[./-](?P<nd>[0-9]{{1,2}}))?(?![0-9.]))
  | (?:(?P<year>{_YEAR}){_S}年{_S}|(?P<rel>今年|本年度?|当年|明年|次年|下一年){_S})?
    (?:
        (?P<month>{_NUM}){_S}月{_S}(?:(?P<day>{_NUM}){_S}[日号]|(?P<xun>上旬|中旬|下旬)|(?P<mend>底|末|份|终))?
      | (?P<half>上半年|下半年)
      | (?P<quarter>(?:第{_S})?[一二三四1-4]){_S}季度?{_S}(?P<qend>末|底)?
      | (?P<whole>全年)
    )
  | (?:(?P<yy>{_YEAR}){_S}年|(?P<rel2>今年|本年|当年|明年|次年|下一年)){_S}(?:年{_S})?(?P<yend>底|末|内)
  | (?<![0-9一二三四五六七八九十两〇○零年])年{_S}(?P<yend2>底|末|内)
  | (?:(?P<fy>{_YEAR}){_S}年{_S}|(?P<frel>今年|明年|次年){_S})?
    (?:(?P<fest>{_FEST}){_S}(?=前|以前|之前)|(?P<midyear>年中)(?={_S}(?:前|以前|之前|[，,。；;、]|$)))
  | (?P<bare>{_YEAR}){_S}年
    """,
    re.X,
)
# "2026年秋收前": a year, then a named point in time the grammar does not know.
_UNKNOWN_POINT = re.compile(rf"{_S}(?P<name>[\u4e00-\u9fff]{{1,6}}?)(?:前|以前|之前)")
_MONTH_DAY = re.compile(r"^(?P<m>\d{1,2})[./](?P<d>\d{1,2})\s*(?:前|以前|之前)?$")  # "6.30前" in a 时限 cell
_MODIFIER = re.compile(r"[\u4e00-\u9fff]{1,4}的")
_MAY_HOLD_DATE = re.compile(r"[年月季]|(?:19|20)\d\d[./-]|" + "|".join(_FESTIVALS))
_SUFFIX = re.compile(rf"{_S}(?:前|以前|之前)")
_START_AFTER = re.compile(rf"{_S}(?:起|开始|以来|之后|以后|后(?!完成)|为止)")
_RANGE_AFTER = re.compile(rf"{_S}(?:[—–\-~～至到]|起{_S}?(?:至|到|持续))")

_RECURRING = [
    (re.compile(rf"每{_S}月(?:的)?{_S}(?P<d>{_NUM}){_S}[日号]"), "FREQ=MONTHLY;BYMONTHDAY={d}"),
    (
        re.compile(rf"每{_S}季度?{_S}(?:结束后|末后|后|第一个月|首月){_S}(?P<d>{_NUM}){_S}[日号天]"),
        "FREQ=YEARLY;BYMONTH=1,4,7,10;BYMONTHDAY={d}",
    ),
    (
        re.compile(rf"每{_S}年{_S}(?P<m>{_NUM}){_S}月{_S}(?P<d>{_NUM}){_S}[日号]"),
        "FREQ=YEARLY;BYMONTH={m};BYMONTHDAY={d}",
    ),
    (
        re.compile(rf"每{_S}年{_S}(?P<m>{_NUM}){_S}月(?:{_S}(?:底|末|份))?"),
        "FREQ=YEARLY;BYMONTH={m};BYMONTHDAY=-1",
    ),
    (re.compile(rf"每{_S}年{_S}(?:年{_S})?(?:底|末)"), "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=31"),
    (re.compile(rf"每{_S}半{_S}年"), "FREQ=YEARLY;BYMONTH=6,12;BYMONTHDAY=-1"),
    (re.compile(rf"每{_S}(?:个{_S})?季(?:度)?"), "FREQ=YEARLY;BYMONTH=3,6,9,12;BYMONTHDAY=-1"),
    (re.compile(rf"每{_S}(?:个{_S})?月"), "FREQ=MONTHLY;BYMONTHDAY=-1"),
    (re.compile(rf"每{_S}(?:周|星期){_S}(?P<w>[一二三四五六日天])?"), "FREQ=WEEKLY;BYDAY={w}"),
    (re.compile(rf"(?:按|逐){_S}季(?:度)?"), "FREQ=YEARLY;BYMONTH=3,6,9,12;BYMONTHDAY=-1"),
    (re.compile(rf"(?:按|逐){_S}半{_S}年"), "FREQ=YEARLY;BYMONTH=6,12;BYMONTHDAY=-1"),
    (re.compile(rf"(?:按|逐){_S}月"), "FREQ=MONTHLY;BYMONTHDAY=-1"),
    (re.compile(rf"(?:按|逐){_S}(?:周|星期)"), "FREQ=WEEKLY"),
]
_WEEKDAYS = {"一": "MO", "二": "TU", "三": "WE", "四": "TH", "五": "FR", "六": "SA", "日": "SU", "天": "SU"}
_TEXT_RECURRING = re.compile(
    rf"每{_S}(?:月|季度?|半年|年){_S}(?:{_NUM}{_S}月{_S})?(?:{_NUM}{_S}[日号]|底|末)"
)
_ONGOING = re.compile(
    r"^(?:长期|持续|常态|常年|经常|长效|定期|逐年|逐步|每年|年年|动态|不定期|日常|全年|随时|按年度?|即日起)"
)
_WORKDAYS = re.compile(rf"(?P<n>[0-9]{{1,3}}|[一二三四五六七八九十两百]{{1,4}}){_S}个?{_S}工作日")
_DAYS = re.compile(
    rf"(?P<n>[0-9]{{1,3}}|[一二三四五六七八九十两百]{{1,4}}){_S}(?:个{_S})?(?:自然日|日|天)(?:{_S}内|{_S}以内)"
)
_MONTHS = re.compile(rf"(?P<n>[0-9]{{1,2}}|[一二三四五六七八九十两]{{1,3}}){_S}个{_S}月(?:{_S}内|{_S}以内)")
_ANCHORED = re.compile(
    rf"(?:印发|下发|发布|出台|收到|接到)(?:本(?:通知|方案|意见))?(?:之日)?{_S}(?:起|后){_S}"
)

# "…，长期坚持。" closing an item: the item has no end date.
_TEXT_ONGOING = re.compile(r"[，,；;]\s*(?P<raw>长期坚持|长期推进|长期开展|长期执行)\s*[。；;]?\s*$")

# Words before a bare "2021年" that make it a target year ("力争2021年实现…").
_TARGET_LEAD = re.compile(r"(?:力争|争取|确保|到|计划|预计|实现|于|在)\s*$")
_DENY_LEAD = re.compile(r"(?:自|从|至|截至|截止|截止到|延长至|延至|有效期|期限|[—–\-~～])\s*$")
_BARE_DENY_NEXT = set("度版以起开的内间期来中初前后至到第全上下之底末终")
_CLAUSE_START = set("。；;！？!?\n：:")
# A date range inside task text ("2019年1月1日至12月31日", "2020—2025年"): the team's rule is that its
# end is the task's deadline. What joins the two ends, and a bare start year before an end.
_RANGE_LINK = re.compile(rf"{_S}(?:起{_S})?(?:[—–\-~～]+|至|到){_S}")
_RANGE_START_YEAR = re.compile(rf"(?:19|20)[0-9]{{2}}{_S}年?{_S}(?:起{_S})?(?:[—–\-~～]+|至|到){_S}$")
# A range of whole years alone in brackets, "…行动计划（2018—2020年）": a title's period, not the
# task's; a bracketed range of months or days ("专项整治（2019年3月至6月）") is the task's own.
_YEARS_ONLY = re.compile(r"[0-9\s年—–\-~～至到起]+")
_RANGE_MODIFIER = re.compile(r"\s*[\u4e00-\u9fff]{0,4}的")  # "2016—2020年的数据"
_BRACKET_BEFORE = re.compile(r"[（(]\s*$")
_BRACKET_AFTER = re.compile(r"\s*[）)]")


@dataclass(frozen=True)
class DeadlineContext:
    """What a phrase needs to become a date: the plan's year and issue date, and the calendar."""

    year: int | None = None
    issued: date | None = None
    calendar: WorkdayCalendar = DEFAULT_CALENDAR
    year_from_body: bool = False  # the year was read from a date in the text, not from the header


@dataclass
class Deadline:
    raw: str
    kind: str = "none"  # date | ongoing | recurring | none
    date: date | None = None
    recurrence: str | None = None
    issue: str | None = None
    flags: list[str] = field(default_factory=list)
    start: int = 0
    end: int = 0

    @property
    def value(self) -> str | None:
        """The contract's ``deadline``: ISO date, "ongoing" or None."""
        if self.date is not None:
            return self.date.isoformat()
        if self.kind in ("ongoing", "recurring"):
            return "ongoing"
        return None


def to_int(token: str) -> int:
    token = token.strip()
    if token.isdigit():
        return int(token)
    if len(token) == 4 and all(char in "〇○零一二三四五六七八九" for char in token):
        return int(token.translate(_CN_DIGITS))
    return int(cn2an.cn2an(token.replace("两", "二"), "smart"))


def _month_end(year: int, month: int) -> date:
    return date(year, month, _calendar.monthrange(year, month)[1])


@dataclass
class _Found:
    start: int
    end: int
    raw: str
    date: date | None
    explicit_year: int | None
    issue: str | None = None
    flags: list[str] = field(default_factory=list)
    kind: str = ""  # numeric, day, month, xun, half, quarter, whole, yend, bare, month_only
    has_suffix: bool = False
    rolled: str | None = None  # the flag added when a yearless date before the issue date moved on a year


def _resolve(match: re.Match[str], text: str, year: int | None, ctx: DeadlineContext) -> _Found | None:
    """Turn one expression match into a date (or an issue), given the year to assume."""
    groups = match.groupdict()
    end = match.end()
    suffix = _SUFFIX.match(text, end)
    if suffix:
        end = suffix.end()
    found = _Found(match.start(), end, text[match.start() : end], None, None, has_suffix=bool(suffix))
    explicit = groups.get("ny") or groups.get("year") or groups.get("yy") or groups.get("bare")
    if explicit:
        found.explicit_year = to_int(explicit)
    relative = groups.get("rel") or groups.get("rel2")
    if relative and ctx.year:
        found.explicit_year = ctx.year + (1 if relative in ("明年", "次年", "下一年") else 0)
    y = found.explicit_year or year
    try:
        if groups["numeric"]:
            found.kind = "numeric"
            month, day = int(groups["nm"]), int(groups["nd"]) if groups["nd"] else None
            return _finish(found, y, month, day, ctx)
        if groups["month"]:
            month = to_int(groups["month"])
            if groups["day"]:
                found.kind = "day"
                return _finish(found, y, month, to_int(groups["day"]), ctx)
            if groups["xun"]:
                found.kind = "xun"
                day = {"上旬": 10, "中旬": 20}.get(groups["xun"])
                return _finish(found, y, month, day, ctx)
            found.kind = "month" if groups["mend"] else "month_only"
            if not groups["mend"] and suffix:
                found.flags.append(f"“{found.raw.strip()}”按该月月末计算，请核对")
            return _finish(found, y, month, None, ctx)
        if groups["half"]:
            found.kind = "half"
            return _finish(found, y, 6 if groups["half"] == "上半年" else 12, None, ctx)
        if groups["quarter"]:
            found.kind = "quarter"
            quarter = to_int(groups["quarter"].replace("第", "").strip())
            if not 1 <= quarter <= 4:
                return None
            return _finish(found, y, quarter * 3, None, ctx)
        if groups["whole"] or groups["yend"] or groups["yend2"]:
            found.kind = "yend"
            return _finish(found, y, 12, 31, ctx)
        if groups["fest"] or groups["midyear"]:
            found.kind = "festival"
            relative = groups.get("frel")
            if groups.get("fy"):
                found.explicit_year = to_int(groups["fy"])
            elif relative and ctx.year:
                found.explicit_year = ctx.year + (0 if relative == "今年" else 1)
            if groups["midyear"]:
                return _finish(found, found.explicit_year or year, 6, 30, ctx)
            return _festival(found, groups["fest"], year, ctx)
        if groups["bare"]:
            found.kind = "bare"
            unknown = _UNKNOWN_POINT.match(text, match.end())
            if unknown and not text[match.end() : unknown.end()].lstrip().startswith(("底", "末", "内")):
                found.end = unknown.end()
                found.raw = text[found.start : found.end]
                found.has_suffix = True
                found.issue = f"{found.raw.strip()}：“{unknown.group('name')}”不是可识别的日期，请核对"
                return found
            return _finish(found, y, 12, 31, ctx)
    except (ValueError, KeyError):
        return None
    return None


def _finish(found: _Found, year: int | None, month: int, day: int | None, ctx: DeadlineContext) -> _Found:
    if year is None:
        found.issue = f"{found.raw.strip()}：未写年份，且无法从方案推断年份"
        return found
    if not 1 <= month <= 12:
        found.issue = f"{found.raw.strip()}：月份无效（{month}月），请核对"
        return found
    last = _calendar.monthrange(year, month)[1]
    if day is None:
        result = date(year, month, last)
    elif 1 <= day <= last:
        result = date(year, month, day)
    elif day > last and day <= 31:
        result = date(year, month, last)
        found.issue = (
            f"{found.raw.strip()}：日期无效（{month}月只有{last}天），"
            f"已按月末 {result.isoformat()} 处理，请核对"
        )
    else:
        found.issue = f"{found.raw.strip()}：日期无效（{day}日），请核对"
        return found
    if found.explicit_year is None and ctx.year_from_body and year == ctx.year:
        found.flags.append(
            f"“{found.raw.strip()}”未写年份，方案无标题和日期，按正文所写的 {year} 年计算，请核对"
        )
    if found.explicit_year is None and ctx.issued is not None and result < ctx.issued - timedelta(days=90):
        result += relativedelta(years=1)
        found.rolled = f"“{found.raw.strip()}”未写年份，早于印发日期，按次年 {result.year} 年计算"
        found.flags.append(found.rolled)
    found.date = result
    return found


def _festival(found: _Found, name: str, year: int | None, ctx: DeadlineContext) -> _Found:
    """The day before a holiday ("春节前" -> 除夕). Without a year written, the first such holiday
    after the notice was issued; with only the plan's year known, that year's, flagged for review."""
    raw = found.raw.strip()
    if name in UNDATED:
        found.issue = f"{raw}：{name}起始时间因地区和年份而异，无法确定具体日期，请核对"
        return found
    if found.explicit_year is not None:
        day = holiday_date(name, found.explicit_year)
    elif ctx.issued is not None:
        day = holiday_date(name, ctx.issued.year)
        if day is not None and day - timedelta(days=1) < ctx.issued:
            day = holiday_date(name, ctx.issued.year + 1)
    elif year is not None:
        day = holiday_date(name, year)
        found.flags.append(f"“{raw}”未写年份，按{year}年{name}计算，请核对")
    else:
        found.issue = f"{raw}：未写年份，且无法从方案推断年份"
        return found
    if day is None:
        found.issue = f"{raw}：无法推算该年份的{name}日期，请核对"
        return found
    found.date = day - timedelta(days=1)
    return found


def _expressions(text: str, ctx: DeadlineContext) -> list[_Found]:
    """All date expressions in order, a year written earlier carrying over to later ones."""
    found: list[_Found] = []
    if not _MAY_HOLD_DATE.search(text):
        return found
    year = ctx.year
    for match in _EXPR.finditer(text):
        item = _resolve(match, text, year, ctx)
        if item is None:
            continue
        if item.explicit_year is not None:
            year = item.explicit_year
        found.append(item)
    return found


def _latest(candidates: list[_Found]) -> _Found:
    best = candidates[0]
    for item in candidates[1:]:
        if item.date is None:
            continue
        if best.date is None or item.date >= best.date:
            best = item
    return best


def _to_deadline(item: _Found, offset: int = 0) -> Deadline:
    kind = "date" if item.date is not None else "none"
    return Deadline(
        raw=item.raw.strip(),
        kind=kind,
        date=item.date,
        issue=item.issue,
        flags=list(item.flags),
        start=item.start + offset,
        end=item.end + offset,
    )


def _recurring(text: str, ctx: DeadlineContext) -> Deadline | None:
    for pattern, template in _RECURRING:
        match = pattern.search(text)
        if not match:
            continue
        values = {}
        for key, token in match.groupdict().items():
            if key == "w":
                values[key] = _WEEKDAYS.get(token or "一", "MO")
            elif token:
                values[key] = str(to_int(token))
        try:
            rule = template.format(**values)
        except KeyError:
            continue
        if rule.endswith("BYDAY=MO") and not match.groupdict().get("w"):
            rule = "FREQ=WEEKLY"
        first = _first_occurrence(rule, ctx)
        raw = text[match.start() : match.end()].strip()
        deadline = Deadline(
            raw=raw, kind="recurring", date=first, recurrence=rule, start=match.start(), end=match.end()
        )
        if first is None:
            deadline.flags.append("周期性任务：缺少印发日期，无法推算首个截止日")
        return deadline
    return None


def _first_occurrence(rule: str, ctx: DeadlineContext) -> date | None:
    from datetime import datetime

    start = ctx.issued or (date(ctx.year, 1, 1) if ctx.year else None)
    if start is None:
        return None
    try:
        parsed = rrulestr(rule, dtstart=datetime(start.year, start.month, start.day))
        after = parsed.after(datetime(start.year, start.month, start.day), inc=True)
    except (ValueError, TypeError):
        return None
    return after.date() if after else None


def _counted(text: str, ctx: DeadlineContext) -> Deadline | None:
    """ "5个工作日内" / "10日内" / "3个月内", counted from the issue date."""
    for pattern, unit in ((_WORKDAYS, "workdays"), (_DAYS, "days"), (_MONTHS, "months")):
        match = pattern.search(text)
        if not match:
            continue
        count = to_int(match.group("n"))
        raw = text[match.start() : match.end()].strip()
        deadline = Deadline(raw=raw, start=match.start(), end=match.end())
        if ctx.issued is None:
            deadline.issue = f"{raw}：缺少印发日期，无法推算截止日"
            return deadline
        if unit == "workdays":
            deadline.date = ctx.calendar.add_workdays(ctx.issued, count)
            if ctx.calendar.is_estimated(deadline.date.year):
                deadline.flags.append(f"{deadline.date.year}年节假日安排未收录，工作日按周一至周五估算")
        elif unit == "days":
            deadline.date = ctx.issued + timedelta(days=count)
        else:
            deadline.date = ctx.issued + relativedelta(months=count)
        deadline.kind = "date"
        deadline.flags.append(f"“{raw}”自印发日期 {ctx.issued.isoformat()} 起算")
        return deadline
    return None


def parse_deadline(phrase: str, ctx: DeadlineContext | None = None) -> Deadline | None:
    """Read a phrase that stands in a deadline position. None for an empty phrase."""
    ctx = ctx or DeadlineContext()
    text = fold(phrase).strip().strip("。；;，,：:")
    if not text:
        return None
    recurring = _recurring(text, ctx)
    if recurring is not None:
        recurring.raw = text
        return recurring
    short = _MONTH_DAY.match(text)
    if short and ctx.year:
        month, day = int(short.group("m")), int(short.group("d"))
        item = _finish(_Found(0, len(text), text, None, None, kind="day"), ctx.year, month, day, ctx)
        return _to_deadline(item)
    found = _expressions(text, ctx)
    ends = [
        item for item in found if not _START_AFTER.match(text, item.end) or _RANGE_AFTER.match(text, item.end)
    ]
    if ends:
        best = _latest(ends)
        deadline = _to_deadline(best)
        deadline.raw = text
        return deadline
    counted = _counted(text, ctx)
    if counted is not None:
        counted.raw = text
        return counted
    if _ONGOING.match(text) or found:
        return Deadline(raw=text, kind="ongoing")
    return Deadline(raw=text, issue=f"{text}：未能识别为日期，请核对")


def _inside_book_title(text: str, index: int) -> bool:
    return text.rfind("《", 0, index) > text.rfind("》", 0, index)


def _text_candidate(item: _Found, text: str) -> bool:
    """Whether a date written inside task text reads as a completion date."""
    before = text[: item.start]
    if _DENY_LEAD.search(before) or _inside_book_title(text, item.start):
        return False
    if _START_AFTER.match(text, item.end) or re.match(rf"{_S}[—–\-~～至到]", text[item.end :]):
        return False
    if _MODIFIER.match(text, item.end):
        return False  # "对2020年底前建成的项目…": the date describes something, it is not a deadline
    if item.kind == "bare":
        after = text[item.end : item.end + 3].lstrip()
        # "2021年全面推广…" sets a target year; "2021年全年…" / "2021年全省…" describe a period or a place.
        if not after or (after[0] in _BARE_DENY_NEXT and not after.startswith("全面")):
            return False
        prev = before.rstrip()
        if _TARGET_LEAD.search(before):
            return True
        if not prev or prev[-1] in _CLAUSE_START:
            return True
        return prev[-1] in "，," and after[0] not in "，,"
    if item.has_suffix:
        return True
    if item.kind in ("month", "xun", "half", "quarter", "yend"):
        return item.kind != "month" or not item.raw.rstrip().endswith("份")
    return bool(re.search(r"(?:到|力争|争取|确保)\s*$", before))


def _ranges(items: list[_Found], text: str) -> list[_Found]:
    """Date ranges in text, each as one expression from its start to its end, dated by its end."""
    ranges: list[_Found] = []
    for index, item in enumerate(items):
        previous = items[index - 1] if index else None
        end = replace(item, flags=list(item.flags))
        if previous is not None and _RANGE_LINK.fullmatch(text, previous.end, item.start):
            start = previous.start
            if end.rolled and previous.date is not None and end.date is not None:
                # "2019年1月1日至12月31日": the end's year is the start's, not one after the issue date.
                end.flags.remove(end.rolled)
                end.date -= relativedelta(years=1)
                if end.date < previous.date:
                    end.date += relativedelta(years=1)
        elif year := _RANGE_START_YEAR.search(text, 0, item.start):
            start = year.start()
        else:
            continue
        ranges.append(replace(end, start=start, raw=text[start : item.end]))
    return ranges


def _range_candidate(item: _Found, text: str) -> bool:
    """A range in task text is the task's period, so its end is the deadline; unless it is the
    period of something named ("《…（2018—2020年）》", "行动计划（2018—2020年）") or describes
    something ("2016—2020年的数据"); a bracketed range of months or days is the task's own period."""
    if _inside_book_title(text, item.start) or _RANGE_MODIFIER.match(text, item.end):
        return False
    bracketed = _BRACKET_BEFORE.search(text, 0, item.start) and _BRACKET_AFTER.match(text, item.end)
    return not (bracketed and _YEARS_ONLY.fullmatch(item.raw))


def find_text_deadline(text: str, ctx: DeadlineContext | None = None) -> Deadline | None:
    """The final completion date written inside a task's text, or None. A date range counts by its end."""
    ctx = ctx or DeadlineContext()
    folded = fold(text)
    items = _expressions(folded, ctx)
    candidates = [item for item in items if _text_candidate(item, folded)]
    candidates += [item for item in _ranges(items, folded) if _range_candidate(item, folded)]
    candidates.sort(key=lambda item: item.start)
    dated = [item for item in candidates if item.date is not None or item.issue]
    if dated:
        return _to_deadline(_latest(dated))
    anchored = _ANCHORED.search(folded)
    if anchored:
        counted = _counted(folded[anchored.end() : anchored.end() + 12], ctx)
        if counted is not None:
            counted.start += anchored.end()
            counted.end += anchored.end()
            return counted
    recurring = _TEXT_RECURRING.search(folded)
    if recurring:
        return _recurring(folded[recurring.start() : recurring.end()], ctx)
    ongoing = _TEXT_ONGOING.search(folded)
    if ongoing:
        raw = ongoing.group("raw")
        return Deadline(raw=raw, kind="ongoing", start=ongoing.start("raw"), end=ongoing.end("raw"))
    return None
