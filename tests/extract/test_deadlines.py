"""The deadline grammar: every form, ugly spacing, Chinese numerals, invalid dates, recurrences."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from dateutil.rrule import rrulestr

from obligations.extract.deadlines import DeadlineContext, find_text_deadline, parse_deadline
from obligations.workdays import WorkdayCalendar

CTX = DeadlineContext(year=2020, issued=date(2020, 8, 7))


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("2018年9月30日", "2018-09-30"),
        ("2018.9.30", "2018-09-30"),
        ("2018-09-30", "2018-09-30"),
        ("2018/9/30", "2018-09-30"),
        ("2018年9月底前", "2018-09-30"),
        ("2018年9月底", "2018-09-30"),
        ("2018年9月末", "2018-09-30"),
        ("2018年9月份", "2018-09-30"),
        ("8 月底前", "2020-08-31"),
        ("2021 年 6 月底 前", "2021-06-30"),
        ("２０２１年６月底前", "2021-06-30"),
        ("2021年6月上旬", "2021-06-10"),
        ("2021年6月中旬", "2021-06-20"),
        ("2021年2月下旬", "2021-02-28"),
        ("一季度末", "2021-03-31"),  # plan issued in August 2020: next year's first quarter
        ("第三季度", "2020-09-30"),
        ("三季度末", "2020-09-30"),
        ("2021年第四季度", "2021-12-31"),
        ("上半年", "2020-06-30"),
        ("2021年上半年", "2021-06-30"),
        ("下半年", "2020-12-31"),
        ("年底前", "2020-12-31"),
        ("2021年年底前", "2021-12-31"),
        ("2021 年底", "2021-12-31"),
        ("2019年年底以前", "2019-12-31"),
        ("年内", "2020-12-31"),
        ("全年", "2020-12-31"),
        ("年末", "2020-12-31"),
        ("2021年", "2021-12-31"),
        ("二〇二一年十二月底", "2021-12-31"),
        ("二〇二一年五月十七日", "2021-05-17"),
        ("十二月底前", "2020-12-31"),
        ("2018年12月底前完成", "2018-12-31"),
        ("10月31日前", "2020-10-31"),
        ("2021年起持续到2023年底", "2023-12-31"),
        ("2021年—2023年", "2023-12-31"),
        ("2021-2023年", "2023-12-31"),
        ("2019年2月29日", "2019-02-28"),
    ],
)
def test_dates(phrase: str, expected: str) -> None:
    deadline = parse_deadline(phrase, CTX)
    assert deadline is not None
    assert deadline.kind == "date"
    assert deadline.value == expected


@pytest.mark.parametrize(
    "phrase", ["长期", "长期坚持", "持续推进", "持续开展", "常态化推进", "每年", "2021年起", "长期 坚持"]
)
def test_ongoing(phrase: str) -> None:
    deadline = parse_deadline(phrase, CTX)
    assert deadline is not None
    assert (deadline.kind, deadline.value) == ("ongoing", "ongoing")


@pytest.mark.parametrize(
    ("phrase", "rule", "first"),
    [
        ("每月5日前报送", "FREQ=MONTHLY;BYMONTHDAY=5", "2020-09-05"),
        ("每月底", "FREQ=MONTHLY;BYMONTHDAY=-1", "2020-08-31"),
        ("每季度末", "FREQ=YEARLY;BYMONTH=3,6,9,12;BYMONTHDAY=-1", "2020-09-30"),
        ("每季度结束后10日内", "FREQ=YEARLY;BYMONTH=1,4,7,10;BYMONTHDAY=10", "2020-10-10"),
        ("每年12月底前", "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=-1", "2020-12-31"),
        ("每年6月30日", "FREQ=YEARLY;BYMONTH=6;BYMONTHDAY=30", "2021-06-30"),
        ("每半年", "FREQ=YEARLY;BYMONTH=6,12;BYMONTHDAY=-1", "2020-12-31"),
        ("每周五", "FREQ=WEEKLY;BYDAY=FR", "2020-08-07"),
    ],
)
def test_recurring(phrase: str, rule: str, first: str) -> None:
    deadline = parse_deadline(phrase, CTX)
    assert deadline is not None
    assert deadline.kind == "recurring"
    assert deadline.recurrence == rule
    assert deadline.value == first
    parsed = rrulestr(deadline.recurrence, dtstart=datetime(2020, 8, 7))
    assert parsed.after(datetime(2020, 8, 7), inc=True).date().isoformat() == first


def test_working_days_follow_chinas_calendar() -> None:
    # Issued Monday 2020-09-28: 29, 30 September, then the National Day/Mid-Autumn holiday
    # (1-8 October), then Friday 9, 调休 Saturday 10 and Monday 12 October.
    ctx = DeadlineContext(year=2020, issued=date(2020, 9, 28))
    deadline = parse_deadline("5个工作日内", ctx)
    assert deadline is not None
    assert deadline.value == "2020-10-12"
    assert any("自印发日期" in flag for flag in deadline.flags)


def test_working_days_honour_the_override_table() -> None:
    calendar = WorkdayCalendar(overrides={date(2020, 8, 10): False})  # a local holiday on Monday
    ctx = DeadlineContext(year=2020, issued=date(2020, 8, 7), calendar=calendar)
    assert parse_deadline("1个工作日内", ctx).value == "2020-08-11"  # type: ignore[union-attr]


def test_calendar_days_and_months() -> None:
    assert parse_deadline("10日内", CTX).value == "2020-08-17"  # type: ignore[union-attr]
    assert parse_deadline("3个月内", CTX).value == "2020-11-07"  # type: ignore[union-attr]


def test_working_days_without_issue_date_are_flagged_not_guessed() -> None:
    deadline = parse_deadline("5个工作日内", DeadlineContext(year=2020))
    assert deadline is not None
    assert deadline.value is None
    assert "印发日期" in (deadline.issue or "")


def test_invalid_day_is_flagged_and_mapped_to_month_end() -> None:
    deadline = parse_deadline("2018年11月31日", CTX)
    assert deadline is not None
    assert deadline.value == "2018-11-30"
    assert deadline.issue is not None
    assert "2018年11月31日" in deadline.issue
    assert "11月只有30天" in deadline.issue


def test_invalid_month_is_flagged_without_a_date() -> None:
    deadline = parse_deadline("2018年13月5日", CTX)
    assert deadline is not None
    assert deadline.value is None
    assert "月份无效" in (deadline.issue or "")


def test_unreadable_phrase_is_kept_and_flagged() -> None:
    deadline = parse_deadline("按上级要求", CTX)
    assert deadline is not None
    assert deadline.kind == "none"
    assert deadline.raw == "按上级要求"
    assert deadline.issue


def test_year_is_inferred_from_the_plan_and_rolls_forward_when_long_past() -> None:
    ctx = DeadlineContext(year=2020, issued=date(2020, 11, 20))
    assert parse_deadline("12月底前", ctx).value == "2020-12-31"  # type: ignore[union-attr]
    rolled = parse_deadline("3月底前", ctx)
    assert rolled is not None
    assert rolled.value == "2021-03-31"
    assert rolled.flags


def test_month_before_is_read_as_month_end_and_flagged() -> None:
    deadline = parse_deadline("9月前", CTX)
    assert deadline is not None
    assert deadline.value == "2020-09-30"
    assert deadline.flags


@pytest.mark.parametrize(
    ("text", "raw", "expected"),
    [
        ("8月底前,完成省、市两级对接;9月底前,完成省、市、区县三级对接。", "9月底前", "2020-09-30"),
        ("力争2020年累计挂牌企业突破700家,2025年挂牌企业突破1000家。", "2025年", "2025-12-31"),
        ("打造互联网医院。2021 年,推进区人民医院预约诊疗平台建设。", "2021 年", "2021-12-31"),
        ("到 2021 年底,初步构建路长制管理运行机制。", "2021 年底", "2021-12-31"),
        ("2018年年底以前60%以上实现,2019年年底以前80%以上实现。", "2019年年底以前", "2019-12-31"),
        ("2021年4月底前推出清单,6月底前实现落地,12月底前基本实现。", "12月底前", "2021-12-31"),
        (
            "使用业务专网的各部门应于9月30日前完成互联互通,10月31日前完成国家级对接。",
            "10月31日前",
            "2020-10-31",
        ),
        ("自本通知印发之日起10个工作日内报送方案。", "10个工作日", "2020-08-21"),
        ("压减办理时间，2021年全面推广无纸化单证备案。", "2021年", "2021-12-31"),
        # A date range in the text: its end is the deadline (the team's rule).
        (
            "加大稳岗支持力度。2019年1月1日至12月31日，对面临暂时性生产经营困难的参保企业返还失业保险费。",
            "2019年1月1日至12月31日",
            "2019-12-31",
        ),
        (
            "2019年1月1日至2020年12月31日，对就业困难人员给予生活费补贴。",
            "2019年1月1日至2020年12月31日",
            "2020-12-31",
        ),
        ("2020—2025年根据企业融资情况给予奖励。", "2020—2025年", "2025-12-31"),
        ("自2021年3月起至2021年9月，开展专项整治。", "2021年3月起至2021年9月", "2021-09-30"),
        ("9月底前完成摸底，2021年10月—12月集中整改。", "2021年10月—12月", "2021-12-31"),
        # In brackets a range of months is the task's own period (a range of whole years is a title's).
        ("开展燃气安全专项整治（2021年3月至6月）。", "2021年3月至6月", "2021-06-30"),
    ],
)
def test_completion_date_found_in_task_text(text: str, raw: str, expected: str) -> None:
    deadline = find_text_deadline(text, CTX)
    assert deadline is not None
    assert (deadline.raw, deadline.value) == (raw, expected)


@pytest.mark.parametrize(
    "text",
    [
        "延长免除房屋租赁费至2025年。补贴政策延长至2028年。",  # policy periods
        "自2020年起,在规模以上企业推行。",  # a start, not an end
        "根据2021年纳税信用评价结果实施分类服务。",  # a year inside a noun phrase
        "扎实开展 2020 年版负面清单落实工作。",
        "建立 2021 年 优化营商环境重点任务清单。",
        "(2019-2021年)专账资金管理。",
        "扩大覆盖范围,2021年,中央、省、市适当扩大直达资金范围。",
        "按规定时间于5个工作日内准确录入系统。",  # a processing limit
        "自认定公布之日起5年内在区级检查中实行免检。",
        "将情况纳入年终政务服务综合评价。",
        "落实《数字山东 2021 行动方案》。",
        "齐鲁股权每年对服务我市情况进行总结。",  # recurring in prose without a date: no deadline
        "持续推进政务服务标准化。",  # "持续推进" only counts in a deadline position
        "对2020年底前建成的项目开展验收。",  # the date describes the projects
        "修订出台2020年版鼓励外商投资产业目录。",  # an edition
        # A range that is a title's period, or describes something, is not the task's.
        "落实《职业技能提升行动方案（2019—2021年）》。",
        "实施乡村振兴战略规划（2018—2022年）。",
        "汇总2016—2020年的统计数据。",
    ],
)
def test_not_a_completion_date(text: str) -> None:
    assert find_text_deadline(text, CTX) is None


def test_recurring_obligation_in_text() -> None:
    deadline = find_text_deadline("各单位每月5日前报送上月工作进展。", CTX)
    assert deadline is not None
    assert deadline.kind == "recurring"
    assert deadline.recurrence == "FREQ=MONTHLY;BYMONTHDAY=5"


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("今年年底前", "2020-12-31"),
        ("今年底", "2020-12-31"),
        ("明年6月底前", "2021-06-30"),
        ("6.30前", "2020-06-30"),
        ("12/31", "2020-12-31"),
    ],
)
def test_relative_years_and_short_dates_in_a_deadline_position(phrase: str, expected: str) -> None:
    ctx = DeadlineContext(year=2020, issued=date(2020, 3, 1))
    assert parse_deadline(phrase, ctx).value == expected  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("phrase", "rule"),
    [
        ("按月报送", "FREQ=MONTHLY;BYMONTHDAY=-1"),
        ("按季度通报", "FREQ=YEARLY;BYMONTH=3,6,9,12;BYMONTHDAY=-1"),
    ],
)
def test_by_period_is_recurring(phrase: str, rule: str) -> None:
    deadline = parse_deadline(phrase, CTX)
    assert deadline is not None
    assert (deadline.kind, deadline.recurrence) == ("recurring", rule)
