"""Export → import: a ledger read back by the extraction engine gives the same tasks.

The engine's .xlsx table reader reads it; the apostrophe that keeps "=…" from being a formula is
taken as an escape on the way back in.
"""

from __future__ import annotations

import datetime

import pytest

from obligations.ledger import generate_ledger_file
from obligations.models import Plan, Task
from obligations.plans.importing import import_document

from .conftest import MONTH

pytestmark = pytest.mark.django_db


def _task_facts(task: Task) -> dict:
    assignments = list(task.assignments.select_related("unit").order_by("role", "position"))
    return {
        "text": task.text,
        "lead": [a.unit.name for a in assignments if a.role == "lead"],
        "responsible": [a.unit.name for a in assignments if a.role == "responsible"],
        "person": task.responsible_person,
        "deadline": task.deadline if task.deadline_kind == Task.DeadlineKind.DATE else None,
        "deadline_kind": task.deadline_kind,
        "deadline_raw": task.deadline_raw if task.deadline_kind != Task.DeadlineKind.DATE else "",
    }


def _plan_facts(plan: Plan) -> tuple:
    return (plan.title, plan.number, [_task_facts(task) for task in plan.tasks.order_by("order")])


def test_exported_ledger_imports_as_the_same_tasks(ledger_world):
    # The task whose text and person were quoted against formula injection comes back verbatim too.
    originals = [_plan_facts(ledger_world.plan), _plan_facts(ledger_world.plan2)]
    export = generate_ledger_file(MONTH, {}, trigger="manual", user=ledger_world.supervisor)
    with export.file.open("rb") as handle:
        data = handle.read()

    outcome = import_document(data, "ledger.xlsx", user=ledger_world.supervisor, jurisdiction="测试市")
    assert outcome.created
    drafts = sorted(outcome.plans, key=lambda plan: plan.notice_index)
    assert all(plan.status == Plan.Status.DRAFT for plan in drafts)
    assert [_plan_facts(plan) for plan in drafts] == originals
    assert outcome.new_units == []  # every unit matched the registered ones
    assert originals[0][2][0]["deadline"] == datetime.date(2025, 3, 15)
    injected = [task for task in originals[1][2] if task["text"].startswith("=HYPERLINK")]
    assert [task["person"] for task in injected] == ["@张三"]
