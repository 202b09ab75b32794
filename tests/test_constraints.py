"""The database itself refuses data that breaks a domain rule."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from obligations.models import (
    Assignment,
    CompletionRequest,
    DigestEmail,
    ExtensionRequest,
    Plan,
    ProgressReport,
    Reminder,
    ReminderPolicy,
    SourceDocument,
    Task,
    Unit,
    UnitAlias,
)

from .factories import make_liaison, make_plan, make_task, make_unit

pytestmark = pytest.mark.django_db


def refused(callable_, *args, **kwargs) -> bool:
    try:
        with transaction.atomic():
            callable_(*args, **kwargs)
    except IntegrityError:
        return True
    return False


def test_unit_name_unique_within_jurisdiction_only():
    make_unit("区财政局", jurisdiction="张店区")
    assert refused(Unit.objects.create, jurisdiction="张店区", name="区财政局")
    other = Unit.objects.create(jurisdiction="周村区", name="区财政局")
    assert other.pk


def test_alias_unique_within_jurisdiction_and_copies_it():
    unit = make_unit("区政府办公室（区大数据局）", jurisdiction="市中区")
    alias = UnitAlias.objects.create(unit=unit, name="区大数据局")
    assert alias.jurisdiction == "市中区"
    other = make_unit("区发改局", jurisdiction="市中区")
    assert refused(UnitAlias.objects.create, unit=other, name="区大数据局")


def test_empty_names_refused():
    assert refused(Unit.objects.create, jurisdiction="x", name="")


def test_task_deadline_must_match_its_kind():
    plan = make_plan()
    assert refused(Task.objects.create, plan=plan, order=1, text="t", deadline_kind="date", deadline=None)
    assert refused(
        Task.objects.create,
        plan=plan,
        order=1,
        text="t",
        deadline_kind="none",
        deadline=datetime.date(2021, 1, 1),
    )
    ongoing = Task.objects.create(plan=plan, order=1, text="t", deadline_kind="ongoing")
    assert ongoing.deadline is None


def test_task_done_iff_completed_at():
    plan = make_plan()
    assert refused(Task.objects.create, plan=plan, order=1, text="t", status="done")
    assert refused(Task.objects.create, plan=plan, order=1, text="t", completed_at=timezone.now())
    done = Task.objects.create(plan=plan, order=1, text="t", status="done", completed_at=timezone.now())
    assert done.status == "done"


def test_task_order_unique_in_plan_and_version_positive():
    plan = make_plan()
    make_task(plan, order=1)
    assert refused(Task.objects.create, plan=plan, order=1, text="again")
    assert refused(Task.objects.create, plan=plan, order=2, text="v", version=0)


def test_one_role_per_unit_per_task():
    unit = make_unit()
    task = make_task(make_plan(), lead=[unit])
    assert refused(Assignment.objects.create, task=task, unit=unit, role=Assignment.Role.RESPONSIBLE)


def test_extension_must_move_deadline_later_and_one_pending():
    unit = make_unit()
    task = make_task(make_plan(), lead=[unit], deadline=datetime.date(2026, 6, 30))
    fields = {"task": task, "unit": unit, "current_deadline": task.deadline, "reason": "原因"}
    assert refused(ExtensionRequest.objects.create, requested_deadline=datetime.date(2026, 6, 1), **fields)
    ExtensionRequest.objects.create(requested_deadline=datetime.date(2026, 7, 31), **fields)
    assert refused(ExtensionRequest.objects.create, requested_deadline=datetime.date(2026, 8, 31), **fields)
    assert refused(
        ExtensionRequest.objects.create,
        task=task,
        unit=unit,
        current_deadline=None,
        requested_deadline=datetime.date(2026, 8, 31),
        reason="",
    )


def test_one_pending_completion_per_task():
    unit = make_unit()
    task = make_task(make_plan(), lead=[unit])
    CompletionRequest.objects.create(task=task, unit=unit, summary="已完成")
    assert refused(CompletionRequest.objects.create, task=task, unit=unit, summary="再次提交")
    assert refused(CompletionRequest.objects.create, task=task, unit=unit, summary="x", status="approved")


def test_reminder_outbox_row_is_unique():
    unit = make_unit()
    user = make_liaison("l1", unit)
    task = make_task(make_plan(), lead=[unit], deadline=datetime.date(2026, 6, 30))
    fields = {
        "task": task,
        "unit": unit,
        "kind": Reminder.Kind.DUE_SOON,
        "stage": "T-3",
        "deadline": task.deadline,
        "recipient": user,
        "due_at": timezone.now(),
    }
    Reminder.objects.create(**fields)
    assert refused(Reminder.objects.create, **fields)
    # A new deadline (approved extension) is a new reminder.
    Reminder.objects.create(**{**fields, "deadline": datetime.date(2026, 7, 31)})
    assert refused(Reminder.objects.create, **{**fields, "stage": "T-1", "status": "sent"})


def test_one_digest_per_recipient_per_day():
    user = make_liaison("l2", make_unit())
    DigestEmail.objects.create(recipient=user, day=datetime.date(2026, 11, 23))
    assert refused(DigestEmail.objects.create, recipient=user, day=datetime.date(2026, 11, 23))


def test_reminder_policy_is_a_singleton():
    assert ReminderPolicy.current().pk == 1
    assert refused(ReminderPolicy.objects.create, pk=2)


def test_report_period_is_first_of_month():
    unit = make_unit()
    task = make_task(make_plan(), lead=[unit])
    assert refused(
        ProgressReport.objects.create, task=task, unit=unit, period=datetime.date(2026, 11, 5), text="x"
    )
    ProgressReport.objects.create(task=task, unit=unit, period=datetime.date(2026, 11, 1), text="x")


def test_published_plan_needs_publish_time_and_sane_year():
    assert refused(Plan.objects.create, title="t", status="published")
    assert refused(Plan.objects.create, title="t", year=3021)


def test_source_sha256_is_hex_and_unique():
    assert refused(SourceDocument.objects.create, original_name="a", sha256="not-a-hash", size=1)
    SourceDocument.objects.create(original_name="a", sha256="a" * 64, size=1)
    assert refused(SourceDocument.objects.create, original_name="b", sha256="a" * 64, size=1)
