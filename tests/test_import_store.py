"""Storing an extraction: plans per notice, units matched by name or alias, deadlines mapped, one transaction."""

from __future__ import annotations

import datetime

import pytest

from obligations.extract import ExtractedTask, ExtractionResult, Notice
from obligations.models import Assignment, ChangeLog, Plan, SourceDocument, Task, Unit, UnitAlias
from obligations.plans.importing import store_extraction, task_fields
from obligations.plans.unit_directory import UnitDirectory

pytestmark = pytest.mark.django_db


def sample_result() -> ExtractionResult:
    return ExtractionResult(
        source_name="plan.txt",
        jurisdiction="市中区",
        notices=[
            Notice(title="无任务的通知", number="市中政字〔2021〕4号"),
            Notice(
                title="深化放管服改革重点任务分工方案",
                number="市中政办发〔2021〕5号",
                issued="2021-05-09",
                issuer="市中区人民政府办公室",
                year=2021,
                tasks=[
                    ExtractedTask(
                        section=["一、持续深化简政放权"],
                        number="1.",
                        text="规范行政许可事项管理。",
                        lead_units=["区政府办公室(区大数据局)", "区 司法局"],
                        responsible_units=["区政府相关部门"],
                        deadline_raw="2021年底前",
                        deadline="2021-12-31",
                        deadline_kind="date",
                    ),
                    ExtractedTask(
                        section=["一、持续深化简政放权"],
                        number="2.",
                        text="长期坚持的工作。",
                        responsible_units=["区大数据局", "区司法局"],
                        deadline_raw="长期坚持",
                        deadline="ongoing",
                        deadline_kind="ongoing",
                    ),
                    ExtractedTask(
                        section=[],
                        number=None,
                        text="日期不存在的任务。",
                        responsible_units=["区财政局"],
                        deadline_raw="2018年11月31日",
                        deadline=None,
                        deadline_issue="2018年11月31日: 11月只有30天",
                        deadline_kind="none",
                    ),
                ],
            ),
        ],
    )


def store(result: ExtractionResult, publish: bool = False):
    source = SourceDocument.objects.create(original_name="plan.txt", sha256="b" * 64, size=10)
    return store_extraction(result, source, jurisdiction="市中区", publish=publish)


def test_plans_tasks_and_assignments_are_stored():
    office = Unit.objects.create(jurisdiction="市中区", name="区政府办公室（区大数据局）")
    UnitAlias.objects.create(unit=office, name="区大数据局")
    plans, new_units = store(sample_result())
    assert len(plans) == 1  # the notice without tasks is not a plan
    plan = plans[0]
    assert (plan.title, plan.number, plan.issued, plan.year) == (
        "深化放管服改革重点任务分工方案",
        "市中政办发〔2021〕5号",
        datetime.date(2021, 5, 9),
        2021,
    )
    assert plan.status == Plan.Status.DRAFT and plan.published_at is None
    first, second, third = plan.tasks.order_by("order")
    # Half-width brackets and PDF spaces do not create duplicate units; the alias finds the office.
    assert [(a.unit.name, a.role) for a in first.assignments.order_by("role", "position")] == [
        ("区政府办公室（区大数据局）", "lead"),
        ("区司法局", "lead"),
        ("区政府相关部门", "responsible"),
    ]
    assert list(second.assignments.values_list("unit__name", flat=True).order_by("position")) == [
        "区政府办公室（区大数据局）",
        "区司法局",
    ]
    assert first.deadline == datetime.date(2021, 12, 31) and first.deadline_kind == "date"
    assert second.deadline is None and second.deadline_kind == "ongoing"
    assert third.deadline is None and third.deadline_kind == "none"
    assert third.needs_review and "11月只有30天" in third.review_note
    assert {u.name for u in new_units} == {"区政府相关部门", "区司法局", "区财政局"}
    assert all(not u.confirmed for u in new_units)
    assert Unit.objects.get(name="区政府相关部门").is_group
    assert ChangeLog.objects.filter(action="plan.import", plan=plan).exists()


def test_publish_flag_publishes():
    plans, _ = store(sample_result(), publish=True)
    assert plans[0].status == Plan.Status.PUBLISHED and plans[0].published_at is not None


def test_unit_directory_is_scoped_to_jurisdiction():
    Unit.objects.create(jurisdiction="张店区", name="区财政局")
    directory = UnitDirectory("市中区")
    unit = directory.resolve("区 财政局")
    assert unit.jurisdiction == "市中区"
    assert directory.resolve("区财政局") == unit
    assert Unit.objects.filter(name="区财政局").count() == 2


def test_task_fields_keep_model_invariants():
    fields = task_fields(
        ExtractedTask(section=[], number=None, text="x", deadline="2021-06-30", deadline_kind="none")
    )
    assert fields["deadline_kind"] == "date"
    fields = task_fields(
        ExtractedTask(section=[], number=None, text="x", deadline=None, deadline_kind="date")
    )
    assert fields["deadline_kind"] == "none"
    recurring = ExtractedTask(
        section=[],
        number=None,
        text="每月5日前报送",
        deadline="2021-06-05",
        deadline_kind="recurring",
        recurrence="FREQ=MONTHLY;BYMONTHDAY=5",
    )
    fields = task_fields(recurring)
    assert fields["deadline_kind"] == "recurring" and fields["recurrence"] == "FREQ=MONTHLY;BYMONTHDAY=5"
    Task.objects.create(plan=Plan.objects.create(title="p"), order=1, **fields)


def test_assignment_rows_count():
    store(sample_result())
    assert Assignment.objects.count() == 6
