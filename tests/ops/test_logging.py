"""Each log line once; a refused request (403, 404) is one line without a traceback; the calendar's
missing-year warning at most once a day per process."""

from __future__ import annotations

import datetime
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from obligations import workdays
from obligations.workdays import PACKAGE_YEARS, WorkdayCalendar

from .. import factories
from ..reminders.cluster import database_url

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import django
django.setup()
from django.contrib.auth import get_user_model
from django.test import Client
client = Client()
client.force_login(get_user_model().objects.get(username="log_liaison"))
assert client.get("/settings/reminders/").status_code == 403
assert client.get("/tasks/999999/").status_code == 404
assert client.get("/no/such/page/").status_code == 404
"""


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("debug", ["true", "false"])
def test_refused_requests_log_one_line_each_without_traceback(tmp_path, debug, collected_static):
    factories.make_liaison("log_liaison", factories.make_unit())
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(
        DJANGO_SETTINGS_MODULE="tracker.settings",
        DEBUG=debug,
        SECRET_KEY="logging-test-key-" + "x" * 40,
        ALLOWED_HOSTS="testserver",
        SECURE_SSL_REDIRECT="false",
        DATABASE_URL=database_url(),
        TRACKER_VAR_DIR=str(tmp_path),
        STATIC_ROOT=str(collected_static),
    )
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if "django.request" in line]
    assert "Traceback" not in result.stderr, result.stderr
    assert len(lines) == 3, result.stderr
    assert sum("Forbidden (Permission denied): /settings/reminders/" in line for line in lines) == 1
    assert sum("Not Found: /tasks/999999/" in line for line in lines) == 1
    assert sum("Not Found: /no/such/page/" in line for line in lines) == 1


def test_a_server_error_keeps_its_traceback():
    from obligations.ops.log_filters import ClientErrorsBrief

    def record(status: int) -> logging.LogRecord:
        try:
            raise ValueError("boom")
        except ValueError:
            entry = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "x", (), sys.exc_info())
        entry.status_code = status
        return entry

    brief = ClientErrorsBrief()
    server, client = record(500), record(403)
    assert brief.filter(server) and server.exc_info is not None
    assert brief.filter(client) and client.exc_info is None


def test_the_missing_year_warning_comes_once_a_day(caplog, monkeypatch):
    year = PACKAGE_YEARS.stop
    day = [datetime.date(2026, 12, 1)]
    monkeypatch.setattr(workdays, "_today", lambda: day[0])

    def warnings_after_a_minute_of_calendars() -> int:
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="obligations.workdays"):
            for _ in range(5):  # holidays.get_calendar() builds a new calendar every minute
                calendar = WorkdayCalendar()
                calendar.is_workday(datetime.date(year, 3, 2))
                calendar.is_workday(datetime.date(year, 3, 3))
        return sum(f"{year}年节假日安排未收录" in r.getMessage() for r in caplog.records)

    assert warnings_after_a_minute_of_calendars() == 1
    assert warnings_after_a_minute_of_calendars() == 0
    day[0] += datetime.timedelta(days=1)
    assert warnings_after_a_minute_of_calendars() == 1
