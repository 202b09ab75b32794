"""A small month of work for ledger tests: two plans, units in both roles, reports, an extension."""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass

import pytest
from django.utils import timezone

from obligations.models import ExtensionRequest, ProgressReport, Task
from tests import factories

MONTH = datetime.date(2025, 3, 1)
# Judged as if today were in April 2025, so March is a closed month.
TODAY = datetime.date(2025, 4, 10)


def aware(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@dataclass
class LedgerWorld:
    finance: object
    data: object
    housing: object
    plan: object
    plan2: object
    overdue: Task
    due_soon: Task
    on_track: Task
    done: Task
    done_later: Task
    ongoing: Task
    injected: Task
    extended: Task
    supervisor: object


def _month_start(day: datetime.date) -> datetime.datetime:
    return aware(day, 0)


@pytest.fixture
def ledger_world(db) -> LedgerWorld:
    finance = factories.make_unit("区财政局")
    data = factories.make_unit("区政府办公室（区大数据局）")
    housing = factories.make_unit("区住房城乡建设局")
    supervisor = factories.make_supervisor("ledger_supervisor")
    plan = factories.make_plan("关于印发示范区优化营商环境工作方案的通知", number="示政办字〔2025〕3号")
    plan2 = factories.make_plan("示范区城市更新三年行动计划", number="")
    old = _month_start(datetime.date(2025, 1, 5))
    for p in (plan, plan2):
        p.published_at = old
        p.issued = datetime.date(2025, 1, 5) if p is plan else datetime.date(2025, 2, 1)
        p.save()

    def task(p, **kw):
        t = factories.make_task(p, **kw)
        Task.objects.filter(pk=t.pk).update(created_at=old)
        t.refresh_from_db()
        return t

    overdue = task(
        plan,
        text="推进政务服务“一网通办”，实现高频事项全程网办。",
        lead=[data],
        responsible=[finance, housing],
        deadline=datetime.date(2025, 3, 15),
        deadline_raw="2025年3月15日前",
        responsible_person="张三",
        status=Task.Status.IN_PROGRESS,
    )
    due_soon = task(
        plan, text="完成财政资金直达系统升级。", lead=[finance], deadline=datetime.date(2025, 4, 2)
    )
    on_track = task(
        plan, text="制定老旧小区改造年度计划。", lead=[housing], deadline=datetime.date(2025, 9, 30)
    )
    done = task(
        plan,
        text="印发营商环境评价实施细则。",
        lead=[data],
        deadline=datetime.date(2025, 3, 31),
        status=Task.Status.DONE,
        completed_at=aware(datetime.date(2025, 3, 20)),
    )
    done_later = task(
        plan,
        text="建成企业开办“一窗通”平台。",
        lead=[data],
        responsible=[finance],
        deadline=datetime.date(2025, 6, 30),
        status=Task.Status.DONE,
        completed_at=aware(datetime.date(2025, 4, 3)),
    )
    ongoing = task(
        plan2,
        text="持续开展城市体检。",
        lead=[housing],
        deadline_kind=Task.DeadlineKind.ONGOING,
        deadline_raw="长期坚持",
    )
    injected = task(
        plan2,
        text='=HYPERLINK("http://evil.example/","点我")',
        lead=[housing],
        responsible_person="@张三",
        deadline=datetime.date(2025, 12, 31),
    )
    extended = task(
        plan2,
        text="完成棚户区改造项目征收。",
        lead=[housing],
        responsible=[finance],
        deadline=datetime.date(2025, 5, 31),
        original_deadline=datetime.date(2025, 2, 28),
    )
    ExtensionRequest.objects.create(
        task=extended,
        unit=housing,
        current_deadline=datetime.date(2025, 2, 28),
        requested_deadline=datetime.date(2025, 5, 31),
        reason="征收进度受阻",
        status=ExtensionRequest.Status.APPROVED,
        decided_at=aware(datetime.date(2025, 2, 20)),
    )
    # Reports: two in March for one task (the later wins), one in February (ignored).
    r1 = ProgressReport.objects.create(
        task=overdue, unit=data, period=MONTH, text="已完成系统对接，正在测试。"
    )
    r2 = ProgressReport.objects.create(
        task=overdue, unit=finance, period=MONTH, text="-已上线80%事项，剩余事项3月底前完成。"
    )
    ProgressReport.objects.filter(pk=r1.pk).update(created_at=aware(datetime.date(2025, 3, 10)))
    ProgressReport.objects.filter(pk=r2.pk).update(created_at=aware(datetime.date(2025, 3, 25)))
    feb = ProgressReport.objects.create(
        task=on_track, unit=housing, period=datetime.date(2025, 2, 1), text="二月进展"
    )
    ProgressReport.objects.filter(pk=feb.pk).update(created_at=aware(datetime.date(2025, 2, 25)))
    # Not in the ledger: a draft plan, and a plan published after March.
    draft = factories.make_plan("草稿方案", status="draft")
    factories.make_task(draft, lead=[finance], deadline=datetime.date(2025, 3, 31))
    later = factories.make_plan("四月方案")
    later.published_at = aware(datetime.date(2025, 4, 2))
    later.save()
    factories.make_task(later, lead=[finance], deadline=datetime.date(2025, 3, 31))
    return LedgerWorld(
        finance,
        data,
        housing,
        plan,
        plan2,
        overdue,
        due_soon,
        on_track,
        done,
        done_later,
        ongoing,
        injected,
        extended,
        supervisor,
    )


@pytest.fixture
def build(ledger_world):
    """Build a ledger in memory and open it with openpyxl."""
    import openpyxl

    from obligations.ledger import LedgerFilters, build_ledger

    def _build(filters: dict | None = None, *, user=None, month=MONTH, day=TODAY):
        buffer = io.BytesIO()
        rows = build_ledger(buffer, LedgerFilters.build(month, filters), user=user, day=day)
        buffer.seek(0)
        data = buffer.getvalue()
        return rows, openpyxl.load_workbook(io.BytesIO(data)), data

    return _build
