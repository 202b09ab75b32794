"""The unit filter at province scale: it lists the first units by name only, 查找单位 narrows the
list by name or jurisdiction, the chosen unit stays listed and filters as before, labels of names
several units bear keep their jurisdiction, and the page's counts and queries do not change."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from obligations.dashboard import filter_bar
from obligations.models import Unit
from obligations.roles import visible_scope
from tests.factories import make_plan, make_supervisor, make_task, make_unit

pytestmark = pytest.mark.django_db


def _listed(page: str) -> list[tuple[str, str]]:
    select = re.search(r'<select name="unit".*?</select>', page, re.S).group(0)
    return re.findall(r'<option value="(\d+)"[^>]*>([^<]*)</option>', select)


def _red(page: str) -> int:
    return int(re.search(r'data-light="red">(\d+)<', page).group(1))


@pytest.fixture
def units(monkeypatch):
    """Five units, one task each (all overdue); 区交通运输局 is the name of two of them."""
    monkeypatch.setattr(filter_bar, "UNIT_OPTIONS", 3)
    plan = make_plan()
    made = [
        make_unit("区交通运输局", jurisdiction="张店区"),
        make_unit("区交通运输局", jurisdiction="淄川区"),
        make_unit("市发展改革委", jurisdiction="淄博市"),
        make_unit("市教育局", jurisdiction="淄博市"),
        make_unit("市财政局", jurisdiction="淄博市"),
    ]
    for n, unit in enumerate(made):
        make_task(plan, lead=[unit], deadline=datetime.date(2020, 1, 1), text=f"任务{n}")
    return made


def test_the_first_units_are_listed_with_a_way_to_find_the_rest(units, client):
    client.force_login(make_supervisor())
    page = client.get(reverse("dashboard")).content.decode()
    by_name = list(Unit.objects.order_by("name", "pk"))  # the database's collation decides
    assert [pk for pk, _ in _listed(page)] == [str(unit.pk) for unit in by_name[:3]]
    assert 'name="unit_find"' in page and "仅列出按名称排序的前 3 个单位" in page
    # 查找单位 narrows by name or jurisdiction, and filters no task: every red task is still counted.
    found = client.get(reverse("dashboard"), {"unit_find": "淄博市 局"}).content.decode()
    assert _listed(found) == [(str(unit.pk), unit.name) for unit in by_name if unit in units[3:]]
    assert "仅列出" not in found
    assert _red(found) == _red(page) == 5
    listed = client.get(reverse("task_list"), {"unit_find": "张店"}).content.decode()
    # The name is shared with a unit left out of the list: it still carries its jurisdiction.
    assert _listed(listed) == [(str(units[0].pk), "区交通运输局（张店区）")]


def test_a_unit_outside_the_list_still_filters_and_stays_chosen(units, client):
    client.force_login(make_supervisor())
    by_name = list(Unit.objects.order_by("name", "pk"))
    last = [unit for unit in by_name if "交通" not in unit.name][-1]
    assert by_name.index(last) >= 3  # not among the three listed
    page = client.get(reverse("task_list"), {"unit": last.pk, "unit_find": "交通"}).content.decode()
    assert [pk for pk, _ in _listed(page)] == [str(last.pk), str(units[0].pk), str(units[1].pk)]
    assert f'<option value="{last.pk}" selected>' in page
    assert f"任务{units.index(last)}" in page and "任务0" not in page
    scope = visible_scope(make_supervisor("other"))
    form = filter_bar.TaskFilterForm.for_scope({"unit_find": "交通", "light": "red"}, scope)
    assert form.query_string(page=2) == "unit_find=%E4%BA%A4%E9%80%9A&light=red&page=2"
    assert set(form.active) == {"light"}


def test_a_long_unit_list_costs_no_extra_query(units, client, monkeypatch):
    """The bench compares query counts at 300 and 3,000 units: a list cut short must not add one."""
    client.force_login(make_supervisor())
    client.get(reverse("dashboard"))
    counts = {}
    for listed in (3, 300):
        monkeypatch.setattr(filter_bar, "UNIT_OPTIONS", listed)
        with CaptureQueriesContext(connection) as queries:
            page = client.get(reverse("dashboard")).content.decode()
        counts[listed] = len(queries)
        assert ("仅列出按名称排序" in page) is (listed == 3)
    assert counts[3] == counts[300]
