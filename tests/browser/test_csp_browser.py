"""The Content-Security-Policy in a real browser: the admin (its own scripts: autocomplete, inlines,
the side bar) and the dashboard's charts work with no violation reported."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from ..factories import PASSWORD, make_liaison, make_plan, make_supervisor, make_task, make_unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _watch(page) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda message: message.type in ("error", "warning") and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def test_admin_and_dashboard_run_under_the_policy(new_page):
    unit = make_unit("市财政局")
    supervisor = make_supervisor("duchashi_csp")
    make_liaison("caizheng_csp", unit)
    plan = make_plan()
    today = timezone.localdate()
    task = make_task(plan, lead=[unit], deadline=today - datetime.timedelta(days=4))
    make_task(plan, lead=[unit], deadline=today + datetime.timedelta(days=40))

    page = new_page()
    problems = _watch(page)
    page.goto("/admin/login/")
    page.fill("#id_username", supervisor.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    assert "script-src 'self'" in page.request.get("/admin/").headers["content-security-policy"]

    page.goto(f"/admin/obligations/task/{task.pk}/change/")
    # Admin JavaScript ran: the collapsible navigation sidebar toggle is wired by nav_sidebar.js.
    page.click("#toggle-nav-sidebar")
    assert page.locator("#main.shifted").count() == 0
    page.click("#toggle-nav-sidebar")
    assert page.locator("#main.shifted").count() == 1
    # The change form's hidden version travels with the form.
    assert page.locator("input[name=expected_version]").get_attribute("value") == str(task.version)

    page.goto("/dashboard/")
    bar = page.locator(".stack rect").first.bounding_box()
    assert bar is not None and bar["width"] > 0
    assert page.locator(".bar-fill").first.bounding_box()["width"] > 0
    assert [text for text in problems if "Content Security Policy" in text or "Refused" in text] == []
