"""A digest read by the database (digest_rows.summarise: counts and ranks in SQL, only the listed rows
read) must tell exactly what the plain rule tells from every live row read in full: the same
sections, counts, first row, notice and chat/SMS texts, for every owner, on random rows of every
shape (stale ones among them). And the SQL form of ``stale_reason`` must agree with it row by row."""

from __future__ import annotations

import datetime
import random
from collections import defaultdict

import pytest
from django.utils import timezone

from obligations.models import Plan, Reminder, Task
from obligations.reminders import channel_text, messages
from obligations.reminders.digest_rows import summarise
from obligations.reminders.lines import live_q, load_lines, stale_reason, stale_rows
from obligations.reminders.pass_labels import PassLabels
from obligations.reminders.policy import WorkdayCounter
from obligations.workdays import WorkdayCalendar

from .. import factories

TODAY = datetime.date(2025, 3, 3)
KINDS = ["overdue", "escalation", "due_soon", "report_due"]


def counter() -> WorkdayCounter:
    return WorkdayCounter(
        WorkdayCalendar(), TODAY - datetime.timedelta(days=400), TODAY + datetime.timedelta(days=400)
    )


def random_day(rng: random.Random, rows: int) -> None:
    """Rows for a few people and units over few tasks (ties on deadline are common); some tasks are
    done, some plans not published, some deadlines moved or gone, some people deactivated."""
    plans = [
        factories.make_plan(f"方案{n}", status=status)
        for n, status in enumerate([Plan.Status.PUBLISHED] * 3 + [Plan.Status.DRAFT, Plan.Status.ARCHIVED])
    ]
    units = [factories.make_unit(f"单位{n}") for n in range(4)]
    people = [factories.make_user(f"p{n}", is_active=n != 3) for n in range(5)]
    tasks = []
    for n in range(rng.randint(3, 40)):
        deadline = None if rng.random() < 0.1 else TODAY + datetime.timedelta(days=rng.randint(-5, 5))
        done = {"status": Task.Status.DONE, "completed_at": timezone.now()} if rng.random() < 0.1 else {}
        tasks.append(
            factories.make_task(
                rng.choice(plans), deadline=deadline, text=f"第{n}项任务" + "内容" * n, **done
            )
        )
    due_at = timezone.make_aware(datetime.datetime.combine(TODAY, datetime.time(8, 30)))
    Reminder.objects.bulk_create(
        Reminder(
            task=task,
            unit=rng.choice(units),
            kind=kind,
            stage=str(n),
            # Mostly the task's own deadline; sometimes another (moved since, or a report month).
            deadline=task.deadline
            if task.deadline and rng.random() < 0.85
            else TODAY + datetime.timedelta(days=rng.randint(-5, 5)),
            recipient=rng.choice(people),
            due_at=due_at,
        )
        for n, (task, kind) in enumerate((rng.choice(tasks), rng.choice(KINDS)) for _ in range(rows))
    )


@pytest.mark.django_db
@pytest.mark.parametrize("seed", range(6))
def test_the_sql_rule_is_stale_reason(seed):
    random_day(random.Random(seed), 300)
    lines = load_lines(Reminder.objects.all(), PassLabels())
    by_reason = defaultdict(list)
    for line in lines:
        by_reason[stale_reason(line)].append(line.pk)
    live = by_reason.pop("", [])
    assert sorted(Reminder.objects.filter(live_q()).values_list("pk", flat=True)) == live
    assert stale_rows(Reminder.objects.all()) == dict(by_reason)
    assert len(by_reason) >= 3  # the random day has stale rows of several kinds


def plain(owner: str) -> dict[int, list[messages.Line]]:
    """Every live row, read in full, by owner: the rule summarise must equal."""
    found = defaultdict(list)
    for line in load_lines(Reminder.objects.all(), PassLabels()):
        if not stale_reason(line):
            found[getattr(line, owner)].append(line)
    return dict(found)


@pytest.mark.django_db
@pytest.mark.parametrize("listed", [2, 5, messages.MAX_ITEMS_PER_SECTION])
@pytest.mark.parametrize("seed", range(8))
def test_a_digest_read_by_the_database_tells_what_every_row_tells(seed, listed, monkeypatch):
    monkeypatch.setattr(messages, "MAX_ITEMS_PER_SECTION", listed)
    random_day(random.Random(seed), random.Random(seed).randint(20, 500))
    work = counter()
    limit = channel_text.Limit(size=4000, measure=len)
    for owner in ["recipient_id", "unit_id"]:
        expected = plain(owner)
        labels = PassLabels()
        told = summarise(Reminder.objects.all(), owner, labels)
        assert set(told) == set(expected)
        for owner_id, rows in expected.items():
            digest = told[owner_id]
            # Only the listed tasks' rows were read.
            assert len({(line.kind, line.task_id) for line in digest}) <= listed * len(KINDS)
            assert messages.task_counts(digest) == messages.task_counts(rows)
            assert messages.first_pk(digest) == rows[0].pk
            memo = messages.SectionMemo(labels.texts)
            assert messages.sections_for(digest, TODAY, work, memo) == messages.sections_for(
                rows, TODAY, work
            )
            assert channel_text.sms_counts(digest) == channel_text.sms_counts(rows)
            if owner == "recipient_id":  # a person's day: also the in-app notice
                assert messages.digest_notification_row(digest, TODAY, work, memo) == (
                    messages.digest_notification_row(rows, TODAY, work)
                )
                assert channel_text.personal_digest(digest, TODAY, work, limit, memo) == (
                    channel_text.personal_digest(rows, TODAY, work, limit)
                )
            else:
                assert channel_text.robot_digest("单位", owner_id, digest, TODAY, work, limit, "", memo) == (
                    channel_text.robot_digest("单位", owner_id, rows, TODAY, work, limit)
                )
