"""A digest's sections: grouped without sorting every row, and with the texts of only the tasks they
list read, they must equal the sections of the plain rule (every row sorted by deadline, task and
unit, then grouped) on random rows of every shape."""

from __future__ import annotations

import datetime
import random

import pytest

from obligations.reminders import messages
from obligations.reminders.messages import MAX_ITEMS_PER_SECTION, SECTION_ORDER, Item, Line, Section
from obligations.reminders.policy import WorkdayCounter
from obligations.workdays import WorkdayCalendar

TODAY = datetime.date(2025, 3, 3)
KINDS = ["overdue", "escalation", "due_soon", "report_due"]


def counter() -> WorkdayCounter:
    return WorkdayCounter(
        WorkdayCalendar(), TODAY - datetime.timedelta(days=400), TODAY + datetime.timedelta(days=400)
    )


def text_of(task_id: int) -> str:
    return f"第{task_id}项任务 " + "很长的内容" * (task_id % 40)


def random_rows(rng: random.Random, count: int, *, with_texts: bool) -> list[Line]:
    """Rows of a day in pk order: few tasks and units so that ties on deadline, task and unit are
    common; a task may be reminded for several units and kinds, and twice for one unit."""
    tasks = rng.randint(1, 160)
    rows = []
    for pk in range(1, count + 1):
        task_id = rng.randint(1, tasks)
        kind = rng.choice(KINDS)
        deadline = TODAY + datetime.timedelta(days=rng.randint(-6, 6))
        unit_id = rng.randint(1, 5)
        rows.append(
            Line(
                pk=pk * 3,
                kind=kind,
                stage=rng.choice(["", "1", "2"]),
                deadline=deadline,
                message="",
                attempts=0,
                task_id=task_id,
                task_text=text_of(task_id) if with_texts else None,
                task_deadline=deadline,
                task_status="in_progress",
                task_kind="date",
                plan_status="published",
                plan_title=f"方案{task_id % 7}",
                plan_number="",
                unit_id=unit_id,
                unit_name=f"单位{unit_id}",
                recipient_id=1,
                recipient_email="a@example.cn",
                recipient_active=True,
                recipient_name="联络员",
                author_name=None,
            )
        )
    return rows


def plain_sections(rows: list[Line], today: datetime.date, work: WorkdayCounter) -> list[Section]:
    """The rule as first written: sort every row, group by kind and task in that order, list the
    first MAX_ITEMS_PER_SECTION tasks of each kind and count the rest."""
    grouped: dict[str, dict[int, list[Line]]] = {}
    for row in sorted(rows, key=lambda r: (r.deadline, r.task_id, r.unit_id)):
        grouped.setdefault(row.kind, {}).setdefault(row.task_id, []).append(row)
    sections: list[Section] = []
    for kind in SECTION_ORDER:
        tasks = list(grouped.get(kind, {}).values())
        if not tasks:
            continue
        items = [
            Item(
                task_id=rows_[0].task_id,
                text=messages.short(text_of(rows_[0].task_id), 120),
                plan=rows_[0].plan_label,
                units=list(dict.fromkeys(row.unit_name for row in rows_)),
                detail=messages.detail(rows_[0], today, work),
                url=messages.task_url(rows_[0].task_id),
            )
            for rows_ in tasks[:MAX_ITEMS_PER_SECTION]
        ]
        sections.append(
            Section(
                kind=kind,
                number=messages.CHINESE_NUMBERS[len(sections)],
                title=messages.SECTION_TITLES[kind],
                items=items,
                more=len(tasks) - len(items),
            )
        )
    return sections


@pytest.mark.parametrize("seed", range(40))
def test_sections_equal_the_plain_rule_on_random_rows(seed):
    rng = random.Random(seed)
    rows = random_rows(rng, rng.choice([1, 5, 60, 400, 1500]), with_texts=True)
    work = counter()

    assert messages.sections_for(rows, TODAY, work) == plain_sections(rows, TODAY, work)


@pytest.mark.parametrize("seed", range(20))
def test_a_digest_reads_the_texts_of_the_tasks_it_lists_only(seed):
    rng = random.Random(1000 + seed)
    rows = random_rows(rng, rng.choice([30, 800, 2000]), with_texts=False)
    asked: list[set[int]] = []

    def texts(ids):
        asked.append(set(ids))
        return {task_id: text_of(task_id) for task_id in ids}

    work = counter()
    memo = messages.SectionMemo(texts)
    sections = messages.sections_for(rows, TODAY, work, memo)

    assert sections == plain_sections(rows, TODAY, work)
    listed = {item.task_id for section in sections for item in section.items}
    assert asked == [listed]  # one read, of the listed tasks alone
    assert all(len(section.items) <= MAX_ITEMS_PER_SECTION for section in sections)
    # Told again (the in-app notice, each chat channel), the sections come from the memo.
    assert messages.sections_for(list(rows), TODAY, work, memo) is sections
    assert len(asked) == 1


def test_a_notice_of_one_task_reads_as_that_task():
    rows = random_rows(random.Random(7), 1, with_texts=False)
    memo = messages.SectionMemo(lambda ids: {task_id: text_of(task_id) for task_id in ids})

    user, title, body, url, key = messages.digest_notification_row(rows, TODAY, counter(), memo)

    row = rows[0]
    assert title == f"【{row.kind_label}】{messages.short(text_of(row.task_id), 40)}"
    assert (user, key, url) == (row.recipient_id, row.pk, messages.task_path(row.task_id))
    assert body.startswith("单位")
