"""Many liaisons reporting on one shared task at once, as plain HTTP against a running server on
loopback: each liaison opens the task page (session cookie, CSRF token), all are released together,
and each posts its reports one after another. Used by the stress test and by ``bench``."""

from __future__ import annotations

import http.client
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from django.test import Client

_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Session:
    """One liaison's browser: a session cookie and whatever cookies the server sets."""

    def __init__(self, server: str, user) -> None:
        client = Client()
        client.force_login(user)  # a real session row; its cookie is what a browser would send
        self.cookies = {"sessionid": client.cookies["sessionid"].value}
        parts = urlsplit(server)
        self.host, self.port = parts.hostname, parts.port

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, str]:
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
            return response.status, text
        finally:
            connection.close()


@dataclass
class StormResult:
    outcomes: list[tuple[int, int, int]]  # (liaison, report number, HTTP status)
    seconds: float  # from the release of all liaisons to the last answer
    finished: bool  # every liaison done before the deadline

    @property
    def statuses(self) -> Counter:
        return Counter(status for _, _, status in self.outcomes)


def report_text(liaison: int, number: int) -> str:
    return f"单位{liaison:02d}第{number + 1}次进展"


def storm(server: str, task_id: int, users: list, reports_each: int, deadline: float = 120) -> StormResult:
    """Every user (a liaison of a unit on the task) posts ``reports_each`` progress reports at once."""
    sessions = [Session(server, user) for user in users]
    tokens = []
    for session in sessions:  # every liaison opens the task page first, as they would
        status, page = session.request("GET", f"/tasks/{task_id}/")
        match = _CSRF.search(page) if status == 200 else None
        if match is None:
            raise RuntimeError(f"任务页面打开失败（HTTP {status}）")
        tokens.append(match.group(1))

    start = threading.Barrier(len(users))
    outcomes: list[tuple[int, int, int]] = []
    lock = threading.Lock()

    def liaison(index: int) -> None:
        start.wait(timeout=30)
        for number in range(reports_each):
            status, _ = sessions[index].request(
                "POST",
                f"/tasks/{task_id}/report/",
                {"csrfmiddlewaretoken": tokens[index], "text": report_text(index, number)},
            )
            with lock:
                outcomes.append((index, number, status))

    threads = [threading.Thread(target=liaison, args=(index,), daemon=True) for index in range(len(users))]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(1.0, deadline - (time.monotonic() - began)))
    seconds = time.monotonic() - began
    return StormResult(outcomes, round(seconds, 2), not any(thread.is_alive() for thread in threads))
