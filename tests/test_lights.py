"""The light's one definition: the stylesheet follows it, and the database and Python agree on it."""

from __future__ import annotations

import datetime
import re
from collections import Counter
from pathlib import Path

import pytest
from django.utils import timezone

from obligations.ledger.workbook import LIGHT_STYLES
from obligations.models import Task
from obligations.models.lights import LIGHT_ORDER, OVERDUE_DAYS_NOTE, Light, days_late, days_overdue, light_of
from obligations.templatetags.tracker import days_text, light_class, light_name

from .factories import make_plan, make_task, make_unit

CSS = (Path(__file__).resolve().parents[1] / "obligations" / "static" / "obligations" / "app.css").read_text()
# Classes the templates build from a light's value: its dot, the count cards, donut arcs and bars.
PREFIXES = ("light", "lc", "arc", "seg")


def _rules() -> dict[str, str]:
    """Selector -> declarations of every simple one-class rule in app.css."""
    return {selector: body for selector, body in re.findall(r"\.([a-z-]+)\s*\{([^}]*)\}", CSS)}


def test_the_stylesheet_colours_each_light_as_defined():
    declared = dict(re.findall(r"--light-([a-z]+)\s*:\s*(#[0-9a-fA-F]{6})", CSS))
    assert declared == {light.value: light.colour for light in Light}
    rules = _rules()
    for light in Light:
        assert light.css == f"light-{light.value}"
        for prefix in PREFIXES:
            assert f"var(--light-{light.value})" in rules.get(f"{prefix}-{light.value}", ""), (prefix, light)
    # No colour rule for a light that does not exist (the other classes are parts of the cards).
    parts = {"card", "cards", "cell", "text", "value", "label", "total", "pending"}
    styled = {m for prefix in PREFIXES for m in re.findall(rf"\.{prefix}-([a-z]+)\b", CSS)}
    assert styled - parts == {light.value for light in Light}


def test_every_light_is_shown_the_same_way_everywhere():
    assert list(LIGHT_ORDER) == [Light.RED, Light.YELLOW, Light.GREEN, Light.ONGOING, Light.DONE]
    assert {light: LIGHT_STYLES[light] for light in Light} == {
        light: (light.fill, light.ink) for light in Light
    }
    for light in Light:
        assert re.fullmatch(r"FF[0-9A-F]{6}", light.fill) and re.fullmatch(r"FF[0-9A-F]{6}", light.ink)
        assert light_name(light.value) == light.short and light_class(light.value) == light.css
    assert [light.short for light in LIGHT_ORDER] == ["红灯", "黄灯", "绿灯", "长期/无时限", "已办结"]
    assert light_name("purple") == "" and light_class("purple") == ""


@pytest.mark.django_db
def test_database_filter_and_python_agree_on_every_task():
    day = datetime.date(2025, 3, 3)
    cutoff = datetime.date(2025, 3, 10)
    unit = make_unit()
    plan = make_plan()
    deadlines = [None, day - datetime.timedelta(days=1), day, cutoff, cutoff + datetime.timedelta(days=1)]
    for deadline in deadlines:
        make_task(plan, lead=[unit], deadline=deadline)
        make_task(plan, lead=[unit], deadline=deadline, status="done", completed_at=timezone.now())
    make_task(plan, lead=[unit], deadline_kind="ongoing")
    make_task(plan, lead=[unit], deadline=day, deadline_kind="recurring")
    annotated = {task.pk: task.light for task in Task.objects.with_light(day, cutoff)}
    assert annotated == {task.pk: str(light_of(task, day, cutoff)) for task in Task.objects.all()}
    by_filter = {}
    for light in Light:
        for pk in Task.objects.of_light(light, day, cutoff).values_list("pk", flat=True):
            assert pk not in by_filter, "the lights must partition the tasks"
            by_filter[pk] = str(light)
    assert by_filter == annotated
    # Done wins over any date; yellow runs from the day itself up to and including the cutoff.
    assert Counter(annotated.values()) == {"done": 5, "yellow": 3, "ongoing": 2, "red": 1, "green": 1}


def test_overdue_days_are_calendar_days():
    class Open:
        status = "in_progress"
        deadline = datetime.date(2025, 2, 26)  # a Wednesday; 3月3日 is the next Monday

    monday = datetime.date(2025, 3, 3)
    assert days_late(Open.deadline, monday) == 5
    assert days_overdue(Open, monday) == 5
    assert days_text(Open, monday) == "逾期 5 天"
    assert days_late(Open.deadline, Open.deadline) == 0
    Open.status = "done"
    assert days_overdue(Open, monday) == 0 and days_text(Open, monday) == ""
    assert OVERDUE_DAYS_NOTE == "逾期天数按自然日计算"
