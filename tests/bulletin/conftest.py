"""A small month of work whose scores and bulletin figures are worked out by hand.

March 2025, judged on 10 April 2025 (so March is closed). Default rules: base 100, +1 per task
completed on time (cap 10), −2 per task overdue at the month's end, −0.1 per overdue working day in
the month, −0.5 per missed monthly report, −1 per returned completion request (cap 30). March 2025
has no holidays: 21 working days (3–7, 10–14, 17–21, 24–28, 31).

Unit A (区财政局): T1 due 3-10 done 3-08 (on time); T2 (with B) due 3-14 done 3-20 (late); T5 due
4-30, open, no March report; T7 due 3-31, open (due on the last day: not yet overdue), done 4-02;
T8 due 3-12, extended on 4-05 to 5-31 (in March its deadline was 3-12: overdue 13 working days,
3-13..3-31), no report; a completion request on T5 returned on 3-18.
  on time 1 (+1.00); overdue 1 (−2.00), 13 working days (−1.30); missed reports T5, T7, T8
  (−1.50); returned 1 (−1.00). Score 100 + 1 − 5.80 = 95.20.
Unit B (区住建局): T2 (responsible, done late); T3 due 2-20, open, reported in March; T4 due 3-25,
open, reported only on 4-02 (too late).
  overdue T3, T4 (−4.00); working days 21 + 4 (3-26, 27, 28, 31) = 25 (−2.50); missed T4 (−0.50).
  Score 100 − 7.00 = 93.00.
Group 各区县政府: T6 due 3-05, open (overdue, but a group gets no score).

Bulletin figures for March: due T1, T2, T4, T6, T7, T8 = 6; on time 1 (T1), late 1 (T2), overdue
3 (T4, T6, T8), pending 1 (T7); on-time rate 1/5 = 20.0%. Overdue on 3-31: T3, T4, T6, T8 = 4.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone

from obligations.models import CompletionRequest, ExtensionRequest, ProgressReport, Task
from tests import factories

MONTH = datetime.date(2025, 3, 1)
TODAY = datetime.date(2025, 4, 10)


def aware(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@dataclass
class ScoreWorld:
    a: object
    b: object
    group: object
    plan: object
    tasks: dict
    supervisor: object


@pytest.fixture
def score_world(db) -> ScoreWorld:
    a = factories.make_unit("区财政局")
    b = factories.make_unit("区住房城乡建设局")
    group = factories.make_unit("各区县政府", is_group=True)
    supervisor = factories.make_supervisor("score_supervisor")
    plan = factories.make_plan("示范区重点任务分工方案", number="示政办字〔2025〕1号")
    plan.published_at = aware(datetime.date(2025, 1, 5))
    plan.issued = datetime.date(2025, 1, 5)
    plan.save()
    d = datetime.date
    done = Task.Status.DONE
    specs = {
        "T1": dict(lead=[a], deadline=d(2025, 3, 10), status=done, completed_at=aware(d(2025, 3, 8))),
        "T2": dict(
            lead=[a],
            responsible=[b],
            deadline=d(2025, 3, 14),
            status=done,
            completed_at=aware(d(2025, 3, 20)),
        ),
        "T3": dict(lead=[b], deadline=d(2025, 2, 20), status=Task.Status.IN_PROGRESS),
        "T4": dict(lead=[b], deadline=d(2025, 3, 25)),
        "T5": dict(lead=[a], deadline=d(2025, 4, 30)),
        "T6": dict(lead=[group], deadline=d(2025, 3, 5)),
        "T7": dict(lead=[a], deadline=d(2025, 3, 31), status=done, completed_at=aware(d(2025, 4, 2))),
        "T8": dict(lead=[a], deadline=d(2025, 5, 31), original_deadline=d(2025, 3, 12)),
    }
    tasks = {}
    for name, spec in specs.items():
        task = factories.make_task(plan, text=f"任务{name}：推进重点工作落实", **spec)
        Task.objects.filter(pk=task.pk).update(created_at=aware(d(2025, 1, 5)))
        tasks[name] = task
    ExtensionRequest.objects.create(
        task=tasks["T8"],
        unit=a,
        current_deadline=d(2025, 3, 12),
        requested_deadline=d(2025, 5, 31),
        reason="项目审批延迟",
        status=ExtensionRequest.Status.APPROVED,
        decided_at=aware(d(2025, 4, 5)),
    )
    CompletionRequest.objects.create(
        task=tasks["T5"], unit=a, summary="已完成", status="returned", decided_at=aware(d(2025, 3, 18))
    )
    on_time = ProgressReport.objects.create(task=tasks["T3"], unit=b, period=MONTH, text="正在推进")
    ProgressReport.objects.filter(pk=on_time.pk).update(created_at=aware(d(2025, 3, 20)))
    late = ProgressReport.objects.create(task=tasks["T4"], unit=b, period=MONTH, text="补报三月进展")
    ProgressReport.objects.filter(pk=late.pk).update(created_at=aware(d(2025, 4, 2)))
    for task in tasks.values():
        task.refresh_from_db()
    return ScoreWorld(a, b, group, plan, tasks, supervisor)
