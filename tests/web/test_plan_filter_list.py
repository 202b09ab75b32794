"""The plan filter at province scale: it lists the newest plans only, 查找方案 narrows the list by
title or 文号, the chosen plan stays listed and filters as before, and the page's counts do not
depend on 查找方案."""

from __future__ import annotations

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from obligations.dashboard import filter_bar
from obligations.roles import visible_scope
from tests.factories import make_plan, make_supervisor, make_task, make_unit

pytestmark = pytest.mark.django_db


def _listed(page: str) -> list[str]:
    select = re.search(r'<select name="plan".*?</select>', page, re.S).group(0)
    return re.findall(r'<option value="(\d+)"', select)


@pytest.fixture
def plans(monkeypatch):
    monkeypatch.setattr(filter_bar, "PLAN_OPTIONS", 3)
    unit = make_unit("市发展改革委")
    day = datetime.date(2026, 1, 1)
    made = []
    for n in range(5):
        title = "营商环境方案" if n % 2 else "数字政府方案"
        plan = make_plan(f"{title}{n}", number=f"市政办〔2026〕{n + 1}号", issued=day + datetime.timedelta(n))
        make_task(plan, lead=[unit], deadline=datetime.date(2020, 1, 1), text=f"任务{n}")
        made.append(plan)
    return made


def test_the_newest_plans_are_listed_with_a_way_to_find_the_rest(plans, client):
    client.force_login(make_supervisor())
    page = client.get(reverse("dashboard")).content.decode()
    assert _listed(page) == [str(p.pk) for p in reversed(plans)][:3]
    assert 'name="plan_find"' in page and "仅列出最新的 3 个方案" in page
    # 查找方案 narrows by title or 文号, and filters no task: every red task is still counted.
    found = client.get(reverse("dashboard"), {"plan_find": "营商"}).content.decode()
    assert _listed(found) == [str(plans[3].pk), str(plans[1].pk)]
    assert "仅列出" not in found
    assert _listed(client.get(reverse("task_list"), {"plan_find": "〔2026〕1号"}).content.decode()) == [
        str(plans[0].pk)
    ]
    assert _red(found) == _red(page) == 5


def _red(page: str) -> int:
    return int(re.search(r'data-light="red">(\d+)<', page).group(1))


def test_a_plan_outside_the_list_still_filters_and_stays_chosen(plans, client):
    client.force_login(make_supervisor())
    oldest = plans[0]
    page = client.get(reverse("task_list"), {"plan": oldest.pk}).content.decode()
    assert _listed(page)[0] == str(oldest.pk)
    assert f'<option value="{oldest.pk}" selected>' in page
    assert "任务0" in page and "任务4" not in page
    # Pagination and light links keep 查找方案.
    scope = visible_scope(get_user_model().objects.get(username="supervisor"))
    form = filter_bar.TaskFilterForm.for_scope({"plan_find": "营商", "light": "red"}, scope)
    assert form.query_string(page=2) == "plan_find=%E8%90%A5%E5%95%86&light=red&page=2"
    assert set(form.active) == {"light"}
