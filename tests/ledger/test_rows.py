"""The ledger's rows: values, lights as of the month, units per role, reports, remarks, filters, queries."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from obligations.ledger import LedgerFilterError, LedgerFilters, LedgerQuery, Summary
from obligations.ledger.rows import HEADERS
from obligations.models import Plan, ProgressReport, Task
from tests import factories

from .conftest import MONTH, TODAY, aware

COL = {header: index for index, header in enumerate(HEADERS)}


def rows_of(filters=None, *, month=MONTH, day=TODAY, scope=None, summary=None, chunk_size=2000):
    query = LedgerQuery(LedgerFilters.build(month, filters), scope=scope, day=day)
    return list(query.rows(summary, chunk_size=chunk_size))


def by_text(rows):
    return {row.values[COL["任务内容"]]: row for row in rows}


def test_rows_hold_the_published_tasks_in_plan_order(ledger_world):
    rows = rows_of()
    texts = [row.values[COL["任务内容"]] for row in rows]
    assert texts == [
        ledger_world.overdue.text,
        ledger_world.due_soon.text,
        ledger_world.on_track.text,
        ledger_world.done.text,
        ledger_world.done_later.text,
        ledger_world.ongoing.text,
        "'" + ledger_world.injected.text,
        ledger_world.extended.text,
    ]  # no draft plan, no plan published after March
    assert [row.values[COL["序号"]] for row in rows] == list(range(1, 9))


def test_row_values(ledger_world):
    row = by_text(rows_of())[ledger_world.overdue.text]
    values = dict(zip(HEADERS, row.values, strict=True))
    assert values["任务来源"] == "关于印发示范区优化营商环境工作方案的通知（示政办字〔2025〕3号）"
    assert values["牵头单位"] == "区政府办公室（区大数据局）"
    assert values["责任单位"] == "区财政局、区住房城乡建设局"
    assert values["责任人"] == "张三"
    assert values["完成时限"] == datetime.date(2025, 3, 15)
    # Each unit's latest March report, in the task's unit order (lead first), headed by its name.
    assert values["进展情况"] == (
        "区政府办公室（区大数据局）：已完成系统对接，正在测试。\n区财政局：-已上线80%事项，剩余事项3月底前完成。"
    )
    assert values["状态"] == "推进中"
    assert values["红黄绿灯"] == "红灯（逾期）"
    assert row.light == "red"


def test_plan_without_number_is_cited_by_title(ledger_world):
    row = by_text(rows_of())[ledger_world.ongoing.text]
    assert row.values[COL["任务来源"]] == "示范区城市更新三年行动计划"
    assert row.values[COL["完成时限"]] == "长期坚持"
    assert row.values[COL["红黄绿灯"]] == "长期/无时限"


def test_lights_are_judged_at_the_end_of_a_past_month(ledger_world):
    rows = by_text(rows_of())
    # 2 April is within five working days of 31 March: yellow then, though red by 10 April.
    assert rows[ledger_world.due_soon.text].light == "yellow"
    assert rows[ledger_world.on_track.text].light == "green"
    assert rows[ledger_world.done.text].light == "done"
    assert rows[ledger_world.done.text].values[COL["状态"]] == "已办结"
    # Completed on 3 April: still in progress when March closed.
    later = rows[ledger_world.done_later.text]
    assert later.light == "green"
    assert later.values[COL["状态"]] == "推进中"
    assert "办结" not in later.values[COL["备注"]]


def test_current_month_is_judged_today(ledger_world):
    rows = by_text(rows_of(month=datetime.date(2025, 4, 1), day=TODAY))
    assert rows[ledger_world.due_soon.text].light == "red"  # 2 April < 10 April
    assert rows[ledger_world.done_later.text].light == "done"
    assert rows[ledger_world.done_later.text].values[COL["状态"]] == "已办结"


def test_future_month_is_refused(ledger_world):
    with pytest.raises(LedgerFilterError, match="未来月份"):
        rows_of(month=datetime.date(2025, 5, 1), day=TODAY)


def test_only_the_months_reports_count(ledger_world):
    rows = by_text(rows_of())
    assert rows[ledger_world.on_track.text].values[COL["进展情况"]] == ""  # its report is February's
    feb = by_text(rows_of(month=datetime.date(2025, 2, 1)))
    assert feb[ledger_world.on_track.text].values[COL["进展情况"]] == "二月进展"


def test_remarks_tell_extensions_and_completion(ledger_world):
    rows = by_text(rows_of())
    assert (
        rows[ledger_world.extended.text].values[COL["备注"]] == "原定时限2025年2月28日，延期至2025年5月31日"
    )
    assert rows[ledger_world.done.text].values[COL["备注"]] == "2025年3月20日办结"


def test_extension_approved_after_the_month_is_not_yet_in_force(ledger_world):
    from obligations.models import ExtensionRequest

    task = ledger_world.on_track
    ExtensionRequest.objects.create(
        task=task,
        unit=ledger_world.housing,
        current_deadline=datetime.date(2025, 3, 20),
        requested_deadline=datetime.date(2025, 9, 30),
        reason="资金未到位",
        status=ExtensionRequest.Status.APPROVED,
        decided_at=aware(datetime.date(2025, 4, 5)),
    )
    Task.objects.filter(pk=task.pk).update(original_deadline=datetime.date(2025, 3, 20))
    row = by_text(rows_of())[task.text]
    assert row.values[COL["完成时限"]] == datetime.date(2025, 3, 20)
    assert row.light == "red"
    assert row.values[COL["备注"]] == ""


def test_filters_by_plan_unit_and_light(ledger_world):
    w = ledger_world
    assert {r.values[COL["任务内容"]] for r in rows_of({"plans": [w.plan2.pk]})} == {
        w.ongoing.text,
        "'" + w.injected.text,
        w.extended.text,
    }
    finance = {r.values[COL["任务内容"]] for r in rows_of({"units": [w.finance.pk]})}
    assert finance == {w.overdue.text, w.due_soon.text, w.done_later.text, w.extended.text}
    red_or_done = rows_of({"lights": ["red", "done"]})
    assert [r.light for r in red_or_done] == ["red", "done"]
    assert [r.values[COL["序号"]] for r in red_or_done] == [1, 2]


def test_filters_by_the_plans_place(ledger_world):
    """A province's system holds every city's plans; a city's 督查室 exports its own ledger."""
    w = ledger_world
    Plan.objects.filter(pk=w.plan.pk).update(jurisdiction="示范市")
    Plan.objects.filter(pk=w.plan2.pk).update(jurisdiction="邻市")
    texts = {r.values[COL["任务内容"]] for r in rows_of({"places": ["邻市"]})}
    assert texts == {w.ongoing.text, "'" + w.injected.text, w.extended.text}
    assert len(rows_of({"places": ["示范市", " 邻市 "]})) == len(rows_of()) == 8
    assert rows_of({"places": ["别的市"]}) == []
    assert LedgerFilters.build(MONTH, {"places": ["邻市", "示范市"]}).to_json()["places"] == [
        "示范市",
        "邻市",
    ]


def test_unit_filter_includes_the_groups_a_unit_belongs_to(ledger_world):
    w = ledger_world
    group = factories.make_unit("区直各部门", is_group=True)
    group.members.add(w.finance)
    task = factories.make_task(
        w.plan2, text="各部门梳理权责清单。", lead=[group], deadline=datetime.date(2025, 6, 30)
    )
    Task.objects.filter(pk=task.pk).update(created_at=aware(datetime.date(2025, 1, 5)))
    texts = {r.values[COL["任务内容"]] for r in rows_of({"units": [w.finance.pk]})}
    assert task.text in texts
    assert task.text not in {r.values[COL["任务内容"]] for r in rows_of({"units": [w.data.pk]})}


def test_bad_filters_are_refused(ledger_world):
    with pytest.raises(LedgerFilterError, match="灯色"):
        LedgerFilters.build(MONTH, {"lights": ["blue"]})
    with pytest.raises(LedgerFilterError, match="纸张"):
        LedgerFilters.build(MONTH, {"paper": "B5"})
    with pytest.raises(LedgerFilterError, match="未知的筛选条件"):
        LedgerFilters.build(MONTH, {"colour": "red"})
    with pytest.raises(LedgerFilterError, match="编号"):
        LedgerFilters.build(MONTH, {"plans": ["abc"]})
    with pytest.raises(LedgerFilterError, match="所属辖区不能为空"):
        LedgerFilters.build(MONTH, {"places": [" "]})
    with pytest.raises(LedgerFilterError, match="名称列表"):
        LedgerFilters.build(MONTH, {"places": "示范市"})
    with pytest.raises(LedgerFilterError, match="过长"):
        LedgerFilters.build(MONTH, {"places": ["市" * 51]})


def test_scope_limits_rows_to_what_a_user_sees(ledger_world):
    leader = factories.make_leader("data_leader", ledger_world.data)
    texts = {r.values[COL["任务内容"]] for r in rows_of(scope=Task.objects.visible_to(leader))}
    assert texts == {ledger_world.overdue.text, ledger_world.done.text, ledger_world.done_later.text}


def test_summary_counts_per_unit_and_tasks_once_in_total(ledger_world):
    summary = Summary()
    rows_of(summary=summary)
    counts = {c.name: (c.tasks, c.done, c.in_progress, c.overdue) for c in summary.unit_rows()}
    assert counts == {
        "区住房城乡建设局": (5, 0, 4, 1),
        "区财政局": (4, 0, 3, 1),
        "区政府办公室（区大数据局）": (3, 1, 1, 1),
    }
    total = summary.total
    assert (total.tasks, total.done, total.in_progress, total.overdue) == (8, 1, 6, 1)
    assert total.completion_rate == pytest.approx(1 / 8)
    assert summary.unit_rows()[0].name == "区住房城乡建设局"  # most tasks first


def test_queries_do_not_grow_with_rows(ledger_world):
    """One query for the tasks, three per chunk (units, reports, extensions), and each plan's label
    and unit's name fetched once: never a query per row."""
    w = ledger_world
    for index in range(32):
        task = factories.make_task(
            w.plan, lead=[w.finance], responsible=[w.data], deadline=datetime.date(2025, 5, 1)
        )
        ProgressReport.objects.create(task=task, unit=w.finance, period=MONTH, text=f"进展{index}")
    Task.objects.update(created_at=aware(datetime.date(2025, 1, 5)))
    query = LedgerQuery(LedgerFilters.build(MONTH, {}), day=TODAY)
    with CaptureQueriesContext(connection) as captured:
        rows = list(query.rows(chunk_size=5))
    assert len(rows) == 40
    chunks = 8

    def from_table(table: str) -> int:
        return sum(1 for q in captured.captured_queries if f'FROM "obligations_{table}"' in q["sql"])

    assert from_table("task") == 1
    assert from_table("assignment") == chunks
    assert from_table("progressreport") == chunks
    assert from_table("extensionrequest") == chunks
    assert from_table("plan") == 2  # two plans
    assert from_table("unit") == 1  # all three units appear in the first chunk
    assert len(captured.captured_queries) == 1 + 3 * chunks + 3


def test_summary_tells_apart_units_sharing_a_name(ledger_world):
    w = ledger_world
    other = factories.make_unit("区财政局", jurisdiction="邻区")
    task = factories.make_task(
        w.plan2, text="邻区财政任务。", lead=[other], deadline=datetime.date(2025, 6, 30)
    )
    Task.objects.filter(pk=task.pk).update(created_at=aware(datetime.date(2025, 1, 5)))
    summary = Summary()
    rows = rows_of(summary=summary)
    names = [c.name for c in summary.unit_rows()]
    assert "区财政局（测试市）" in names and "区财政局（邻区）" in names
    assert "区住房城乡建设局" in names  # unique names stay as they are
    # The ledger's own unit columns keep the plain name (as plans write it, and for import).
    assert by_text(rows)[task.text].values[COL["牵头单位"]] == "区财政局"
