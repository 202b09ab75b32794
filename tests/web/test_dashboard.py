"""The overdue dashboard: counts by light, rankings, progress, filters, and a bounded query count."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from obligations.dashboard.counts import light_counts, name_plans, plan_progress, total_counts, unit_ranking
from obligations.holidays import get_calendar
from obligations.light_window import yellow_cutoff
from obligations.models import ReminderPolicy, Task
from obligations.models.lights import Light, light_of

from ..factories import make_liaison, make_plan, make_task, make_unit

pytestmark = pytest.mark.django_db


def window():
    day = timezone.localdate()
    return day, yellow_cutoff(day, get_calendar())


def close(task: Task) -> None:
    Task.objects.filter(pk=task.pk).update(status=Task.Status.DONE, completed_at=timezone.now())


def card(page: str, light: str) -> int:
    return int(re.search(rf'data-light="{light}">(\d+)<', page).group(1))


@pytest.fixture
def scene(world):
    """world plus a second plan: a known mix of lights over three units."""
    day, cutoff = window()
    unit_c = make_unit("市税务局")
    plan2 = make_plan("第二个方案", number="测政办发〔2026〕2号")
    tasks = {
        "red_c": make_task(plan2, lead=[unit_c], deadline=day - datetime.timedelta(days=10), text="税务逾期"),
        "red_ac": make_task(
            plan2, lead=[world.unit_a], responsible=[unit_c], deadline=day - datetime.timedelta(days=1)
        ),
        "done_c": make_task(plan2, lead=[unit_c], deadline=day - datetime.timedelta(days=20)),
        "ongoing_c": make_task(plan2, lead=[unit_c], deadline_kind=Task.DeadlineKind.ONGOING),
        "green_c": make_task(plan2, lead=[unit_c], deadline=cutoff + datetime.timedelta(days=1)),
    }
    close(tasks["done_c"])
    world.unit_c, world.plan2, world.extra = unit_c, plan2, tasks
    return world


def expected(tasks) -> dict[str, int]:
    day, cutoff = window()
    result = {str(light): 0 for light in Light}
    for task in tasks:
        task.refresh_from_db()
        result[str(light_of(task, day, cutoff))] += 1
    return result


def test_light_counts_match_the_python_rule(scene):
    day, cutoff = window()
    published = Task.objects.filter(plan__status="published")
    counts = light_counts(published, day, cutoff)
    want = expected(list(published))
    assert {str(light): value for light, value in counts.items()} == want
    # The scene has every light, so the test would notice a light counted as another.
    assert want == {"red": 3, "yellow": 1, "green": 2, "done": 1, "ongoing": 1}
    assert counts.total == 8


def test_unit_ranking_and_plan_progress(scene):
    day, cutoff = window()
    published = Task.objects.filter(plan__status="published")
    ranking = unit_ranking(published, day, cutoff)
    by_name = {row.name: row for row in ranking}
    assert [row.name for row in ranking][:1] == ["市税务局"]  # two overdue tasks
    c = by_name["市税务局"].counts
    assert (c.total, c.red, c.yellow, c.done) == (5, 2, 0, 1)
    assert by_name["市税务局"].rate == 0.2
    b = by_name["市大数据局"].counts
    assert (b.total, b.red, b.yellow) == (2, 1, 1)
    by_rate = unit_ranking(published, day, cutoff, order="rate")
    assert by_rate[0].rate == 0.0
    progress = plan_progress(published, day, cutoff)
    shown = progress[:10]  # rows are built (and named) for the page shown
    name_plans(shown)
    plans = {row.name: row for row in shown}
    assert plans["第二个方案"].number == "测政办发〔2026〕2号"
    # The page's totals are the sum of the per-plan counts, and agree with a direct count.
    assert total_counts(progress) == light_counts(published, day, cutoff)
    assert plans["第二个方案"].counts.total == 5 and plans["第二个方案"].counts.red == 2
    assert plans["测试工作方案"].counts.total == 3 and plans["测试工作方案"].counts.red == 1


def test_dashboard_page(scene, as_user):
    client = as_user(scene.supervisor)
    assert client.get(reverse("home"))["Location"] == reverse("dashboard")
    page = client.get(reverse("dashboard")).content.decode()
    assert (
        card(page, "red"),
        card(page, "yellow"),
        card(page, "green"),
        card(page, "done"),
        card(page, "ongoing"),
    ) == (
        3,
        1,
        2,
        1,
        1,
    )
    overdue = page[page.index('id="overdue"') : page.index('id="units"')]
    # Longest overdue first, with its owners and days overdue.
    assert overdue.index("税务逾期") < overdue.index(scene.task_b_only.text)
    assert "逾期 10 天" in overdue and "市税务局（牵头）" in overdue
    assert "<svg" in page and "arc-red" in page  # the chart is drawn on the server
    assert scene.draft_task.text not in page  # drafts do not count


def test_dashboard_filters(scene, as_user):
    client = as_user(scene.supervisor)
    page = client.get(reverse("dashboard"), {"plan": scene.plan2.pk}).content.decode()
    assert (card(page, "red"), card(page, "done")) == (2, 1)
    page = client.get(reverse("dashboard"), {"unit": scene.unit_a.pk}).content.decode()
    assert (card(page, "red"), card(page, "yellow"), card(page, "green")) == (1, 1, 1)
    page = client.get(reverse("dashboard"), {"light": "red"}).content.decode()
    assert (card(page, "red"), card(page, "green")) == (3, 0)
    page = client.get(reverse("dashboard"), {"q": "税务"}).content.decode()
    assert card(page, "red") == 1
    day = timezone.localdate()
    page = client.get(
        reverse("dashboard"),
        {"deadline_from": (day - datetime.timedelta(days=5)).isoformat(), "deadline_to": day.isoformat()},
    ).content.decode()
    assert (card(page, "red"), card(page, "yellow")) == (2, 1)


def test_counts_follow_the_yellow_window_policy(scene):
    policy = ReminderPolicy.current()
    policy.yellow_window_days = 60
    policy.save()
    day, cutoff = window()
    counts = light_counts(Task.objects.filter(plan__status="published"), day, cutoff)
    assert counts.green == 0 and counts.yellow == 3


def test_leader_sees_a_read_only_dashboard_of_their_units(scene, as_user):
    client = as_user(scene.leader_a)
    assert client.get(reverse("home"))["Location"] == reverse("dashboard")
    page = client.get(reverse("dashboard")).content.decode()
    # leader_a belongs to 市财政局: task_a (green), task_b (yellow), red_ac (red).
    assert (card(page, "red"), card(page, "yellow"), card(page, "green")) == (1, 1, 1)
    assert "催办" not in page and "待审核" not in page
    assert client.post(reverse("unit_remind", args=[scene.unit_c.pk])).status_code == 403


def test_liaison_has_no_dashboard(world, as_user):
    assert as_user(world.liaison_a).get(reverse("dashboard")).status_code == 403


def _grow(world, plans: int, tasks_per_plan: int, units: int) -> None:
    day = timezone.localdate()
    extra_units = [make_unit(f"扩展单位{i}") for i in range(units)]
    for index, unit in enumerate(extra_units):
        make_liaison(f"extra_liaison_{index}", unit)
    for p in range(plans):
        plan = make_plan(f"扩展方案{p}")
        for t in range(tasks_per_plan):
            unit = extra_units[(p + t) % len(extra_units)]
            task = make_task(
                plan,
                lead=[unit, world.unit_a] if t % 2 else [unit, world.unit_b],
                responsible=[extra_units[(p + t + 1) % len(extra_units)]] if len(extra_units) > 1 else [],
                deadline=day + datetime.timedelta(days=(t % 7) * 9 - 30),
            )
            if t % 5 == 0:
                close(task)


def _count(client, url, params=None) -> int:
    client.get(url, params)  # warm caches (calendar, policy row) the same way at each size
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "who,url_name,params",
    [
        ("supervisor", "dashboard", None),
        ("supervisor", "dashboard", {"unit": "B", "light": "red", "q": "测试"}),
        ("leader_a", "dashboard", None),
        ("supervisor", "task_list", None),
        ("liaison_a", "task_list", None),
        ("liaison_a", "task_list", {"light": "red"}),
    ],
)
def test_query_count_does_not_grow_with_data(world, as_user, who, url_name, params):
    user = getattr(world, who)
    if params and params.get("unit") == "B":
        params = {**params, "unit": world.unit_b.pk}
    # Every list on the page has rows at both sizes (an empty page legitimately skips a query).
    make_task(world.plan, lead=[world.unit_a], deadline=timezone.localdate() - datetime.timedelta(days=2))
    client = as_user(user)
    url = reverse(url_name)
    small = _count(client, url, params)
    _grow(world, plans=4, tasks_per_plan=15, units=6)
    large = _count(client, url, params)
    assert Task.objects.count() > 60
    assert small == large, (small, large)
    assert large <= 20


def test_task_page_query_count_does_not_grow_with_history(world, as_user):
    from obligations import workflow as workflows
    from obligations.reminders.manual import request_manual_reminder

    client = as_user(world.supervisor)
    url = reverse("task_detail", args=[world.task_b.pk])
    task = world.task_b
    workflows.report_progress(task, user=world.liaison_a, unit=world.unit_a, text="一")
    # One 催办 from the start: its delivery states (提醒送达) cost a fixed two queries, however many.
    request_manual_reminder(task, [world.unit_a], world.supervisor)
    small = _count(client, url)
    for n in range(6):
        task.refresh_from_db()
        workflows.report_progress(task, user=world.liaison_b, unit=world.unit_b, text=f"进展{n}")
        request_manual_reminder(task, [world.unit_a, world.unit_b], world.supervisor)
    task.refresh_from_db()
    workflows.submit_completion(  # by the lead unit: the only one that asks to close the task
        task, user=world.liaison_b, unit=world.unit_b, summary="完成", version=task.version
    )
    large = _count(client, url)
    assert large <= small + 3  # the pending request adds its own panel; history adds nothing
    assert large <= 30


def test_names_with_markup_are_escaped_everywhere(world, as_user):
    plan = make_plan('<script>alert("plan")</script>方案')
    unit = make_unit('<img src=x onerror=alert("unit")>局')
    make_task(
        plan, lead=[unit], deadline=timezone.localdate() - datetime.timedelta(days=3), text="<b>粗体</b>任务"
    )
    for url in (reverse("dashboard"), reverse("task_list")):
        page = as_user(world.supervisor).get(url).content.decode()
        assert "<script>alert" not in page and "<img src=x" not in page and "<b>粗体" not in page
        assert "&lt;script&gt;alert(&quot;plan&quot;)&lt;/script&gt;方案" in page  # the filter's options too
        assert "&lt;img src=x onerror=alert(&quot;unit&quot;)&gt;局" in page


def test_unit_ranking_fast_path_agrees_with_the_general_one(scene):
    """The unfiltered supervisor's ranking takes totals from the assignment index; same numbers."""
    day, cutoff = window()
    # A draft plan's assignments must not count, nor tasks without units.
    make_task(scene.draft_plan, lead=[scene.unit_c], deadline=day - datetime.timedelta(days=2))
    make_task(scene.plan2, deadline=day - datetime.timedelta(days=2))
    tasks = Task.objects.published()
    general = unit_ranking(tasks, day, cutoff)
    fast = unit_ranking(tasks, day, cutoff, all_published=True)
    assert [(r.pk, r.name, r.counts) for r in fast] == [(r.pk, r.name, r.counts) for r in general]
    assert {r.name: r.counts.total for r in fast}["市税务局"] == 5


def test_ledger_download_from_the_dashboard_keeps_its_filters(scene, as_user):
    """The dashboard's 导出本月进展台账 posts its plan/unit/light filters to the ledger page."""
    import io

    import openpyxl
    from lxml import html

    client = as_user(scene.supervisor)
    page = client.get(reverse("dashboard"), {"plan": scene.plan2.pk, "light": "red"}).content.decode()
    form = html.fromstring(page).get_element_by_id("ledger-export")
    assert form.get("action") == reverse("ledger_index")
    fields = [(field.get("name"), field.get("value")) for field in form.iter("input")]
    assert ("plans", str(scene.plan2.pk)) in fields and ("lights", "red") in fields
    assert ("month", f"{timezone.localdate():%Y-%m}") in fields
    assert not any(name == "units" for name, _ in fields)

    response = client.post(reverse("ledger_index"), dict(fields))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    ledger = workbook.worksheets[1]
    texts = [row[2] for row in ledger.iter_rows(min_row=3, values_only=True)]
    red_in_plan2 = [scene.extra["red_c"].text, scene.extra["red_ac"].text]
    assert sorted(texts) == sorted(red_in_plan2)


def test_filter_selects_show_the_choice_and_follow_renamed_plans(scene, as_user):
    client = as_user(scene.supervisor)

    def plan_options(params: dict) -> list[tuple[str, bool, str]]:
        page = client.get(reverse("dashboard"), params).content.decode()
        select = re.search(r'<select name="plan"[^>]*>(.*?)</select>', page, re.S).group(1)
        return re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select)

    first = plan_options({})
    assert [selected for _, selected, _ in first] == [""] * len(first)  # 全部方案 by default
    chosen = plan_options({"plan": scene.plan2.pk})
    assert [value for value, selected, _ in chosen if selected] == [str(scene.plan2.pk)]
    assert [(v, label) for v, _, label in chosen] == [(v, label) for v, _, label in first]
    scene.plan2.title = "改名后的方案"
    scene.plan2.save(update_fields=["title"])
    renamed = dict((value, label) for value, _, label in plan_options({"plan": scene.plan2.pk}))
    assert renamed[str(scene.plan2.pk)] == "改名后的方案（测政办发〔2026〕2号）"
    assert plan_options({})[0] == ("", "", "全部方案")
