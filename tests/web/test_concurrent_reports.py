"""Many units reporting on one shared task at once, against a live server on loopback: 20 liaisons
of 20 units × 5 reports each, all threads released together. Every report is stored exactly once
and none is refused (a report is an append, never a 409). Bounded: 100 requests with a deadline."""

from __future__ import annotations

from collections import Counter

import pytest

from obligations.devtools.report_storm import report_text, storm
from obligations.models import Assignment, ChangeLog, ProgressReport, Task

from ..factories import make_liaison, make_plan, make_task, make_unit

pytestmark = pytest.mark.django_db(transaction=True)

LIAISONS = 20
REPORTS_EACH = 5
DEADLINE_SECONDS = 120


def test_twenty_liaisons_report_on_one_shared_task_at_once(live_server):
    units = [make_unit(f"并发测试局{index:02d}") for index in range(LIAISONS)]
    users = [make_liaison(f"concurrent_{index:02d}", unit) for index, unit in enumerate(units)]
    task = make_task(make_plan(), lead=units[:1], responsible=units[1:], text="二十个单位共同承担的任务")
    result = storm(live_server.url, task.pk, users, REPORTS_EACH, DEADLINE_SECONDS)
    assert result.finished, "the run did not finish in time"
    outcomes = result.outcomes

    statuses = Counter(status for _, _, status in outcomes)
    assert len(outcomes) == LIAISONS * REPORTS_EACH
    assert statuses == {302: LIAISONS * REPORTS_EACH}, statuses  # not one 409 (nor anything else)
    texts = Counter(ProgressReport.objects.filter(task=task).values_list("text", flat=True))
    expected = {report_text(i, n) for i in range(LIAISONS) for n in range(REPORTS_EACH)}
    assert set(texts) == expected and set(texts.values()) == {1}  # every report stored once
    for index, unit in enumerate(units):
        assert (
            ProgressReport.objects.filter(task=task, unit=unit, author=users[index]).count() == REPORTS_EACH
        )
    # The task's own fields were never touched by reports; every unit's part is under way.
    task.refresh_from_db()
    assert (task.status, task.version) == (Task.Status.IN_PROGRESS, 1)
    assert set(Assignment.objects.filter(task=task).values_list("status", flat=True)) == {"in_progress"}
    logs = ChangeLog.objects.filter(task=task, action="task.report")
    assert logs.count() == LIAISONS * REPORTS_EACH
    # The status moved once, by exactly one of the racing reports.
    assert sum(1 for changes in logs.values_list("changes", flat=True) if "status" in changes) == 1
