"""A bounded load generator that drives the site through its real HTTP servers, as people would.

Used by the scale-out fault test (tests/scale/test_scale_out.py) and by ``bench``'s load section.
Standard library only (http.client in threads): one ``Session`` per simulated person, with its own
cookies and CSRF token; each request goes to the next web instance in turn, like a load balancer
without sticky sessions (sessions live in the database, so any instance serves anyone).

What counts as a failure is exact, because the fault test asserts on it:

- a connection *refused* means the request never reached a server (its instance is down): like a
  proxy, the session marks the instance down for a moment and sends the request to another one;
- anything else going wrong once the connection is open (reset, closed without a response,
  timeout) is a request that was *in flight*: it is recorded as failed, with its instance and its
  start and end times, and never retried (a POST may or may not have been stored);
- a response is recorded with its status, whatever it is; the caller judges it.

Everything stops by itself: closed-loop scenarios (``run_people``) at a deadline, open-loop ones
(``offered_load``) after their fixed number of requests.
"""

from __future__ import annotations

import hashlib
import http.client
import itertools
import re
import secrets
import statistics
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode

PDF_HEAD = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n"
_VERSION = re.compile(rb'name="version" value="(\d+)"')
_DOWN_SECONDS = 1.0


@dataclass(frozen=True)
class Outcome:
    """One request: what, where, when (time.monotonic()), and how it ended."""

    kind: str
    method: str
    path: str
    target: str
    status: int | None  # None: failed in flight (no complete response)
    error: str  # the exception's name when status is None
    started: float
    ended: float
    refused: int = 0  # instances that refused the connection before one took it

    @property
    def seconds(self) -> float:
        return self.ended - self.started


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


class Recorder:
    """Collects outcomes from every thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.outcomes: list[Outcome] = []

    def add(self, outcome: Outcome) -> None:
        with self._lock:
            self.outcomes.append(outcome)

    def failures(self) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if outcome.status is None]


class Targets:
    """The web instances ("127.0.0.1:8001"), taken in turn, skipping one that just refused."""

    def __init__(self, addresses: Iterable[str]) -> None:
        self.addresses = list(addresses)
        self._turn = itertools.count()
        self._down_until: dict[str, float] = {}
        self._lock = threading.Lock()
        self.in_flight: dict[str, int] = dict.fromkeys(self.addresses, 0)  # connected, not yet answered

    def begin(self, address: str) -> None:
        with self._lock:
            self.in_flight[address] += 1

    def end(self, address: str) -> None:
        with self._lock:
            self.in_flight[address] -= 1

    def pick(self) -> str:
        with self._lock:
            now = time.monotonic()
            for _ in range(len(self.addresses)):
                address = self.addresses[next(self._turn) % len(self.addresses)]
                if self._down_until.get(address, 0.0) <= now:
                    return address
            return self.addresses[next(self._turn) % len(self.addresses)]  # all down: keep trying

    def mark_down(self, address: str) -> None:
        with self._lock:
            self._down_until[address] = time.monotonic() + _DOWN_SECONDS


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    """A multipart/form-data body and its content type."""
    boundary = "----duban-load-" + secrets.token_hex(12)
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for name, (filename, data) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        )
        parts.append(head.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Session:
    """One person's browser: cookies (session, CSRF) and requests over the targets."""

    def __init__(
        self, targets: Targets, recorder: Recorder, *, timeout: float = 120.0, refuse_limit: int = 400
    ):
        self.targets = targets
        self.recorder = recorder
        self.timeout = timeout
        self.refuse_limit = refuse_limit  # ~20 s of refusals in a row: every instance is down
        self.cookies: dict[str, str] = {}
        self.last: Outcome | None = None

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Host": "127.0.0.1", "User-Agent": "duban-load/1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if "csrftoken" in self.cookies:
            headers["X-CSRFToken"] = self.cookies["csrftoken"]
        headers.update(extra or {})
        return headers

    def _keep_cookies(self, message: http.client.HTTPMessage) -> None:
        for header in message.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    def request(
        self,
        kind: str,
        method: str,
        path: str,
        body: bytes | None = None,
        content_type: str | None = None,
    ) -> Response | None:
        """Send one request (to another instance while one refuses); None when it failed in flight.
        Its outcome is recorded, and kept as ``self.last``."""
        extra = {"Content-Type": content_type} if content_type else {}
        refused = 0
        while True:
            target = self.targets.pick()
            host, _, port = target.rpartition(":")
            connection = http.client.HTTPConnection(host, int(port), timeout=self.timeout)
            attempt = time.monotonic()
            try:
                connection.connect()
            except ConnectionRefusedError:
                connection.close()
                self.targets.mark_down(target)
                refused += 1
                if refused >= self.refuse_limit:
                    self._record(kind, method, path, target, None, "ConnectionRefusedError", attempt, refused)
                    return None
                time.sleep(0.05)
                continue
            self.targets.begin(target)
            try:
                connection.request(method, path, body=body, headers=self._headers(extra))
                raw = connection.getresponse()
                data = raw.read()
            except (OSError, http.client.HTTPException) as exc:
                self._record(kind, method, path, target, None, type(exc).__name__, attempt, refused)
                return None
            finally:
                connection.close()
                self.targets.end(target)
            self._keep_cookies(raw.msg)
            self._record(kind, method, path, target, raw.status, "", attempt, refused)
            return Response(raw.status, raw.msg, data)

    def _record(self, kind, method, path, target, status, error, started, refused) -> None:
        self.last = Outcome(kind, method, path, target, status, error, started, time.monotonic(), refused)
        self.recorder.add(self.last)

    def get(self, kind: str, path: str) -> Response | None:
        return self.request(kind, "GET", path)

    def post(
        self,
        kind: str,
        path: str,
        fields: dict[str, str | list[str]],
        files: dict[str, tuple[str, bytes]] | None = None,
    ) -> Response | None:
        if files:
            flat = {name: str(value) for name, value in fields.items()}
            body, content_type = multipart(flat, files)
        else:
            body, content_type = urlencode(fields, doseq=True).encode(), "application/x-www-form-urlencoded"
        return self.request(kind, "POST", path, body, content_type)

    def login(self, username: str, password: str) -> bool:
        """GET the login page (CSRF cookie), POST the credentials; True when signed in."""
        for _ in range(5):  # a login lost in flight is simply tried again
            if self.get("login_page", "/accounts/login/") is None:
                continue
            response = self.post("login", "/accounts/login/", {"username": username, "password": password})
            if response is not None:
                return response.status == 302 and "sessionid" in self.cookies
        return False


def task_version(page: bytes) -> int | None:
    match = _VERSION.search(page)
    return int(match.group(1)) if match else None


def evidence_pdf(marker: str) -> bytes:
    """A small valid-looking PDF whose bytes are unique to ``marker``."""
    return PDF_HEAD + f"%{marker}\n".encode() + b"%%EOF\n"


@dataclass(frozen=True)
class Report:
    """A progress report a liaison sent: acknowledged (302) or left uncertain (failed in flight)."""

    marker: str
    task_id: int
    username: str
    sha256: str


def report_progress(session: Session, task_id: int, marker: str, username: str, version: int | None = None):
    """GET the task page for its version (unless given), POST a report with one evidence file.
    Returns (report, response of the POST or None, the version after an acknowledged report)."""
    if version is None:
        page = session.get("task_page", f"/tasks/{task_id}/")
        if page is None or page.status != 200:
            return None, None, None
        version = task_version(page.body)
    data = evidence_pdf(marker)
    report = Report(marker, task_id, username, hashlib.sha256(data).hexdigest())
    response = session.post(
        "report",
        f"/tasks/{task_id}/report/",
        {"version": str(version), "text": f"压力测试进展 {marker}"},
        {"files": (f"佐证-{marker}.pdf", data)},
    )
    after = version + 1 if response is not None and response.status == 302 else None
    return report, response, after


# --- Closed loop: people working until a deadline ----------------------------------------------------


@dataclass
class Person:
    username: str
    password: str
    role: str  # "liaison" or "supervisor"
    tasks: list[int] = field(default_factory=list)  # liaisons: tasks they report on, in turn
    remind: list[tuple[int, int]] = field(default_factory=list)  # supervisors: (task, unit) to 催办
    ledger_every: int = 4  # supervisors: a ledger export every N rounds


@dataclass
class PeopleResult:
    recorder: Recorder
    acknowledged: list[Report] = field(default_factory=list)
    uncertain: list[Report] = field(default_factory=list)  # report POSTs that failed in flight
    reminds_acknowledged: int = 0
    reminds_uncertain: int = 0
    ledgers: int = 0  # ledger workbooks received whole (a zip)
    logins_failed: list[str] = field(default_factory=list)


def run_people(
    targets: Targets,
    people: list[Person],
    *,
    seconds: float,
    run_id: str,
    month: str,
    on_tick: Callable[[PeopleResult], None] | None = None,
) -> PeopleResult:
    """Everyone works at once, back to back, until ``seconds`` have passed (each finishes the request
    in hand). ``on_tick`` is called about every 0.2 s from the calling thread (e.g. to kill servers)."""
    result = PeopleResult(Recorder())
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def liaison(person: Person, session: Session) -> None:
        for seq in itertools.count():
            if time.monotonic() >= deadline:
                return
            session.get("liaison_list", "/tasks/")
            task_id = person.tasks[seq % len(person.tasks)]
            marker = f"{run_id}-{person.username}-{seq}"
            report, response, _ = report_progress(session, task_id, marker, person.username)
            if report is None:
                continue
            with lock:
                if response is None:
                    result.uncertain.append(report)
                elif response.status == 302:
                    result.acknowledged.append(report)

    def supervisor(person: Person, session: Session) -> None:
        for seq in itertools.count():
            if time.monotonic() >= deadline:
                return
            session.get("dashboard", "/dashboard/")
            if seq % person.ledger_every == 0:
                response = session.post("ledger", "/ledgers/", {"month": month, "paper": "A4"})
                if response is not None and response.status == 200 and response.body[:2] == b"PK":
                    with lock:
                        result.ledgers += 1
            if person.remind:
                task_id, unit_id = person.remind[seq % len(person.remind)]
                response = session.post("remind", f"/tasks/{task_id}/remind/", {"units": [str(unit_id)]})
                with lock:
                    if response is None:
                        result.reminds_uncertain += 1
                    elif response.status == 302:
                        result.reminds_acknowledged += 1

    def work(person: Person) -> None:
        session = Session(targets, result.recorder)
        if not session.login(person.username, person.password):
            with lock:
                result.logins_failed.append(person.username)
            return
        (liaison if person.role == "liaison" else supervisor)(person, session)

    threads = [threading.Thread(target=work, args=(person,), daemon=True) for person in people]
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        if on_tick is not None:
            on_tick(result)
        for thread in threads:
            thread.join(timeout=0.2 / len(threads))
    return result


# --- Open loop: a fixed offered rate -----------------------------------------------------------------


def offered_load(
    operation: Callable[[float], Outcome | None],
    *,
    rate: float,
    seconds: float,
    clients: int = 32,
) -> list[float]:
    """Start ``operation(due)`` ``rate`` times a second for ``seconds`` (a fixed number of requests,
    so it stops by itself) from a pool of client threads; each is due at its own slot of the
    schedule, and latency counts from there, so a server falling behind shows as latency rather than
    as a slower schedule. Returns each operation's latency in seconds (None outcomes excluded)."""
    total = max(1, round(rate * seconds))
    start = time.monotonic() + 0.2
    slots = itertools.count()
    lock = threading.Lock()
    latencies: list[float] = []

    def client() -> None:
        while True:
            with lock:
                index = next(slots)
            if index >= total:
                return
            due = start + index / rate
            pause = due - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            outcome = operation(due)
            if outcome is not None and outcome.status is not None:
                with lock:
                    latencies.append(outcome.ended - due)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]
