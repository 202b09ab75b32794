"""Many units reporting on one shared task at once, against a live server on loopback: 20 liaisons
of 20 units × 5 reports each, all threads released together. Every report is stored exactly once
and none is refused (a report is an append, never a 409). Bounded: 100 requests with a deadline."""

from __future__ import annotations

import http.client
import re
import threading
import time
from collections import Counter
from urllib.parse import urlencode, urlsplit

import pytest
from django.test import Client

from obligations.models import Assignment, ChangeLog, ProgressReport, Task

from ..factories import make_liaison, make_plan, make_task, make_unit

pytestmark = pytest.mark.django_db(transaction=True)

LIAISONS = 20
REPORTS_EACH = 5
DEADLINE_SECONDS = 120
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Session:
    """One liaison's browser, as plain HTTP on loopback: a session cookie and a CSRF token."""

    def __init__(self, server: str, user) -> None:
        client = Client()
        client.force_login(user)  # a real session row; its cookie is what a browser would send
        self.cookies = {"sessionid": client.cookies["sessionid"].value}
        parts = urlsplit(server)
        self.host, self.port = parts.hostname, parts.port

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, str, dict]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        data = None
        if body is not None:
            data = urlencode(body).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=data, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            for header in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
            return response.status, text, dict(response.headers)
        finally:
            connection.close()


def test_twenty_liaisons_report_on_one_shared_task_at_once(live_server):
    units = [make_unit(f"并发测试局{index:02d}") for index in range(LIAISONS)]
    users = [make_liaison(f"concurrent_{index:02d}", unit) for index, unit in enumerate(units)]
    task = make_task(make_plan(), lead=units[:1], responsible=units[1:], text="二十个单位共同承担的任务")
    path = f"/tasks/{task.pk}/"
    sessions = [Session(live_server.url, user) for user in users]
    tokens = []
    for session in sessions:  # every liaison opens the task page first, as they would
        status, page, _ = session.request("GET", path)
        assert status == 200
        tokens.append(_CSRF.search(page).group(1))

    start = threading.Barrier(LIAISONS)
    outcomes: list[tuple[int, int, int]] = []  # (liaison, report, HTTP status)
    lock = threading.Lock()

    def liaison(index: int) -> None:
        start.wait(timeout=30)
        for number in range(REPORTS_EACH):
            status, _, _ = sessions[index].request(
                "POST",
                f"/tasks/{task.pk}/report/",
                {"csrfmiddlewaretoken": tokens[index], "text": f"单位{index:02d}第{number + 1}次进展"},
            )
            with lock:
                outcomes.append((index, number, status))

    threads = [threading.Thread(target=liaison, args=(index,), daemon=True) for index in range(LIAISONS)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(1.0, DEADLINE_SECONDS - (time.monotonic() - began)))
    assert not any(thread.is_alive() for thread in threads), "the run did not finish in time"

    statuses = Counter(status for _, _, status in outcomes)
    assert len(outcomes) == LIAISONS * REPORTS_EACH
    assert statuses == {302: LIAISONS * REPORTS_EACH}, statuses  # not one 409 (nor anything else)
    texts = Counter(ProgressReport.objects.filter(task=task).values_list("text", flat=True))
    expected = {f"单位{i:02d}第{n + 1}次进展" for i in range(LIAISONS) for n in range(REPORTS_EACH)}
    assert set(texts) == expected and set(texts.values()) == {1}  # every report stored once
    for index, unit in enumerate(units):
        assert (
            ProgressReport.objects.filter(task=task, unit=unit, author=users[index]).count() == REPORTS_EACH
        )
    # The task's own fields were never touched by reports; every unit's part is under way.
    task.refresh_from_db()
    assert (task.status, task.version) == (Task.Status.IN_PROGRESS, 1)
    assert set(Assignment.objects.filter(task=task).values_list("status", flat=True)) == {"in_progress"}
    logs = ChangeLog.objects.filter(task=task, action="task.report")
    assert logs.count() == LIAISONS * REPORTS_EACH
    # The status moved once, by exactly one of the racing reports.
    assert sum(1 for changes in logs.values_list("changes", flat=True) if "status" in changes) == 1
