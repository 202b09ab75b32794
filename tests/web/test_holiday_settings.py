"""节假日设置: supervisors keep the holiday table; a coming year without a known schedule is a
banner there (and on 提醒规则) until its schedule is entered and the year marked complete."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from obligations.holidays import clear_calendar_cache, get_calendar
from obligations.models import ChangeLog, HolidayOverride, HolidayYear
from obligations.views import holiday_pages, reminder_policy
from obligations.workdays import PACKAGE_YEARS

pytestmark = pytest.mark.django_db
LAST_KNOWN = PACKAGE_YEARS.stop - 1
MISSING = PACKAGE_YEARS.stop  # the first year chinese-calendar does not know


@pytest.fixture
def december(monkeypatch):
    """1 December of the last year the package knows: the next 90 days reach into a missing year."""
    day = datetime.date(LAST_KNOWN, 12, 1)
    monkeypatch.setattr(holiday_pages, "today", lambda: day)
    monkeypatch.setattr(reminder_policy, "today", lambda: day)
    return day


def banner(response) -> str | None:
    html = response.content.decode()
    if 'id="missing-years"' not in html:
        return None
    start = html.index('id="missing-years"')
    return html[start : html.index("</div>", start)]


def test_the_missing_year_is_a_banner_until_its_schedule_is_entered(world, as_user, december):
    client = as_user(world.supervisor)
    page = client.get(reverse("holiday_settings"))
    assert page.status_code == 200
    assert f"{MISSING}年的节假日安排尚未收录" in banner(page)
    assert "尚未收录" in client.get(reverse("reminder_policy")).content.decode()

    new_year = datetime.date(MISSING, 1, 1)
    response = client.post(
        reverse("holiday_settings"), {"date": new_year.isoformat(), "kind": "holiday", "name": "元旦"}
    )
    assert response.status_code == 302
    entry = HolidayOverride.objects.get(date=new_year)
    assert (entry.is_workday, entry.name) == (False, "元旦")
    clear_calendar_cache()
    assert not get_calendar().is_workday(new_year)
    log = ChangeLog.objects.get(action="holiday.set")
    assert log.actor == world.supervisor and "元旦" in log.summary

    response = client.post(
        reverse("holiday_year"), {"year": str(MISSING), "complete": "on", "note": "国办通知"}
    )
    assert response.status_code == 302
    assert HolidayYear.objects.get(year=MISSING).note == "国办通知"
    page = client.get(reverse("holiday_settings"))
    assert banner(page) is None
    assert "尚未收录" not in client.get(reverse("reminder_policy")).content.decode()

    client.post(reverse("holiday_year"), {"year": str(MISSING)})  # unticked: not complete after all
    assert not HolidayYear.objects.exists()
    assert banner(client.get(reverse("holiday_settings"))) is not None
    assert ChangeLog.objects.filter(action="holiday.year").count() == 2


def test_a_day_is_changed_in_place_and_deleted(world, as_user):
    client = as_user(world.supervisor)
    day = datetime.date(LAST_KNOWN, 10, 11)
    client.post(reverse("holiday_settings"), {"date": day.isoformat(), "kind": "workday", "name": "国庆调休"})
    client.post(reverse("holiday_settings"), {"date": day.isoformat(), "kind": "holiday", "name": "改为放假"})
    entry = HolidayOverride.objects.get()
    assert (entry.date, entry.is_workday, entry.name) == (day, False, "改为放假")
    changed = ChangeLog.objects.filter(action="holiday.set").order_by("pk").last()
    assert changed.changes == {"is_workday": [True, False], "name": ["国庆调休", "改为放假"]}
    assert client.post(reverse("holiday_delete", args=[entry.pk])).status_code == 302
    assert not HolidayOverride.objects.exists()
    assert ChangeLog.objects.filter(action="holiday.delete").count() == 1
    assert client.post(reverse("holiday_delete", args=[entry.pk])).status_code == 404


def test_bad_input_is_shown_again_in_chinese_and_nothing_is_saved(world, as_user):
    client = as_user(world.supervisor)
    response = client.post(
        reverse("holiday_settings"), {"date": "2027-02-30", "kind": "holiday", "name": "x"}
    )
    assert response.status_code == 400
    assert "日期格式不正确" in response.content.decode()
    response = client.post(reverse("holiday_year"), {"year": "27", "complete": "on"})
    assert response.status_code == 400 and "2000–2100" in response.content.decode()
    assert not HolidayOverride.objects.exists() and not HolidayYear.objects.exists()
    assert not ChangeLog.objects.exists()


def test_only_supervisors_see_the_page_and_its_link(world, as_user):
    assert as_user(world.liaison_a).get(reverse("holiday_settings")).status_code == 403
    assert as_user(world.leader_a).get(reverse("holiday_settings")).status_code == 403
    assert reverse("holiday_settings") in as_user(world.supervisor).get(reverse("task_list")).content.decode()
    assert (
        reverse("holiday_settings") not in as_user(world.liaison_a).get(reverse("task_list")).content.decode()
    )
