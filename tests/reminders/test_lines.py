"""Outbox rows as the senders read them: what a row shows comes from the pass's labels (read once per
pass), and every Line equals the one a plain join of all its tables gives."""

from __future__ import annotations

from django.db import connection
from django.db.models.functions import Substr
from django.test.utils import CaptureQueriesContext

from obligations.models import Reminder
from obligations.reminders import generate, messages
from obligations.reminders.lines import load_lines
from obligations.reminders.manual import remind_unit
from obligations.reminders.pass_labels import PassLabels

from .conftest import MONDAY, at, days

JOINED = [
    "pk",
    "kind",
    "stage",
    "deadline",
    "message",
    "attempts",
    "task_id",
    "text_head",
    "task__deadline",
    "task__status",
    "task__deadline_kind",
    "task__plan__status",
    "task__plan__title",
    "task__plan__number",
    "unit_id",
    "unit__name",
    "recipient_id",
    "recipient__email",
    "recipient__is_active",
    "recipient__first_name",
    "recipient__last_name",
    "recipient__username",
    "created_by__first_name",
    "created_by__last_name",
    "created_by__username",
    "due_at",
]


def joined_lines() -> list[messages.Line]:
    """Every row with everything it shows joined in, as the senders read rows before labels."""
    lines = []
    rows = (
        Reminder.objects.annotate(text_head=Substr("task__text", 1, 400)).order_by("pk").values_list(*JOINED)
    )
    for *head, first, last, username, a_first, a_last, a_username, due_at in rows:
        author = messages.person(a_first, a_last, a_username) if a_username else None
        lines.append(
            messages.Line(
                *head,
                recipient_name=messages.person(first, last, username),
                author_name=author,
                due_at=due_at,
            )
        )
    return lines


def a_day_of_rows(scene) -> None:
    scene.liaison_a.first_name, scene.liaison_a.last_name = "小", "王"
    scene.liaison_a.save()
    scene.supervisor.first_name = "督查"
    scene.supervisor.save()
    scene.plan.number = "示政办发〔2025〕1号"
    scene.plan.save()
    scene.task(MONDAY - days(3), scene.unit_a, text="逾期任务 " + "长" * 500)
    scene.task(MONDAY + days(1), scene.unit_a, scene.unit_b, text="明天到期的任务")
    generate(MONDAY, at(MONDAY))
    remind_unit(
        scene.unit_b,
        [scene.task(MONDAY + days(9), scene.unit_b, text="催办的任务")],
        scene.supervisor,
        "请尽快",
    )


def test_lines_equal_a_plain_join(scene):
    a_day_of_rows(scene)
    kinds = set(Reminder.objects.values_list("kind", flat=True))
    assert {"overdue", "due_soon", "manual"} <= kinds  # rows of every shape: people, authors, 文号

    lines = load_lines(Reminder.objects.all(), PassLabels(), with_due_at=True)

    assert lines == joined_lines()
    assert any(line.author_name == "督查" for line in lines)
    assert any(line.recipient_name == "小 王" for line in lines)
    assert max(len(line.task_text) for line in lines) == 400


def test_labels_are_read_once_per_pass(scene):
    a_day_of_rows(scene)
    labels = PassLabels()
    with CaptureQueriesContext(connection) as first:
        load_lines(Reminder.objects.all(), labels)
    with CaptureQueriesContext(connection) as again:
        again_lines = load_lines(Reminder.objects.all(), labels)

    assert len(first.captured_queries) == 5  # the rows, then texts, plans, units and people
    assert len(again.captured_queries) == 1  # the rows only
    assert [line.unit_name for line in again_lines] == [line.unit_name for line in joined_lines()]


def test_what_decides_sending_is_read_with_every_load(scene):
    a_day_of_rows(scene)
    labels = PassLabels()
    load_lines(Reminder.objects.all(), labels)
    scene.plan.status = "archived"
    scene.plan.save()
    scene.liaison_b.is_active = False
    scene.liaison_b.save()

    lines = load_lines(Reminder.objects.all(), labels, with_due_at=True)

    assert {line.plan_status for line in lines} == {"archived"}
    assert {line.recipient_active for line in lines if line.recipient_id == scene.liaison_b.pk} == {False}
    assert lines == joined_lines()
