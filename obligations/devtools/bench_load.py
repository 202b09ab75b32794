"""Load through the production server: gunicorn (tracker/gunicorn_conf.py, 4 sync workers) on the
bench database, driven over HTTP by devtools/load.py at stepped offered rates.

Each profile (a liaison's task list, the supervisor dashboard, a progress report POST with one
evidence file, and a mix of the three) is offered at increasing rates, 10 s a step, open loop:
requests are due on a fixed schedule and latency counts from when each was due, so a server that
falls behind shows it. A step is sustained when p95 ≤ 500 ms, nothing failed and at least 90 % of
the offered rate was served; the highest sustained step is the profile's rate. The load generator
runs on the same two cores as the server, as a proxy would.
"""

from __future__ import annotations

import itertools
import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import close_old_connections, connection
from django.db.models import Count

from ..holidays import clear_calendar_cache
from ..models import Membership, Task
from ..roles import SUPERVISOR_GROUP
from .bench_dashboard import _settle_statistics
from .benchmarks import BenchContext
from .load import Outcome, Recorder, Session, Targets, evidence_pdf, offered_load, percentile

TITLE = "生产服务器负载（gunicorn 4 进程，load）"
WORKERS = 4
STEP_SECONDS = 10
# A step's p95 needs enough samples to mean something: at 1 req/s, 10 s would make p95 the maximum.
MIN_STEP_REQUESTS = 20
P95_LIMIT_MS = 500
RATES = [1, 2, 4, 6, 8, 12, 16, 24, 32, 48]
PASSWORD = "Bench#load-" + secrets.token_hex(4)
MIX = [("liaison_list", 0.6), ("dashboard", 0.15), ("report", 0.25)]


def database_url() -> str:
    conf = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{conf['NAME']}"
    user, password = quote(conf.get("USER") or "", safe=""), quote(conf.get("PASSWORD") or "", safe="")
    return f"postgres://{user}:{password}@{conf.get('HOST') or '127.0.0.1'}:{conf.get('PORT') or 5432}/{conf['NAME']}"


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _accounts() -> tuple[str, str, list[int]]:
    """A supervisor and the liaison of the unit with the most tasks (the heaviest list), both able to
    log in, and that unit's open tasks for the report POSTs."""
    users = get_user_model()
    supervisor, _ = users.objects.get_or_create(username="bench_load_supervisor", defaults={"is_staff": True})
    supervisor.set_password(PASSWORD)
    supervisor.save()
    supervisor.groups.add(Group.objects.get(name=SUPERVISOR_GROUP))
    membership = (
        Membership.objects.filter(user__username__startswith="syn")
        .annotate(tasks=Count("unit__assignments"))
        .order_by("-tasks")
        .select_related("user")
        .first()
    )
    liaison = membership.user
    liaison.set_password(PASSWORD)
    liaison.save()
    tasks = list(Task.objects.editable_by(liaison).open().published().values_list("pk", flat=True)[:400])
    return supervisor.username, liaison.username, tasks


class Server:
    """gunicorn on the bench database, with its own collected static files and media folder."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.port = _free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.env = {key: value for key, value in os.environ.items() if key not in {"DJANGO_SETTINGS_MODULE"}}
        self.env.update(
            DJANGO_SETTINGS_MODULE="tracker.settings",
            DEBUG="false",
            SECRET_KEY="bench-" + secrets.token_urlsafe(40),
            ALLOWED_HOSTS="127.0.0.1",
            SECURE_SSL_REDIRECT="false",
            SESSION_COOKIE_SECURE="false",
            CSRF_COOKIE_SECURE="false",
            DATABASE_URL=database_url(),
            TRACKER_VAR_DIR=str(work / "var"),
            STATIC_ROOT=str(work / "static"),
            MEDIA_ROOT=str(work / "media"),
            CONN_MAX_AGE="60",
            WEB_CONCURRENCY=str(WORKERS),
            GUNICORN_ACCESS_LOG=str(work / "access.log"),
            LOG_LEVEL="WARNING",
        )
        self.env.pop("REDIS_URL", None)
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        manage = str(Path(settings.BASE_DIR) / "manage.py")
        subprocess.run(
            [sys.executable, manage, "collectstatic", "--noinput", "-v0"],
            env=self.env,
            check=True,
            timeout=600,
        )
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "python:tracker.gunicorn_conf",
            "--bind",
            self.address,
        ]
        with (self.work / "gunicorn.log").open("ab") as log:
            self.proc = subprocess.Popen(
                [*command, "tracker.wsgi"], cwd=settings.BASE_DIR, env=self.env, stdout=log, stderr=log
            )
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://{self.address}/healthz", timeout=5)
                return
            except urllib.error.HTTPError:
                return  # 503 (no qcluster in a bench) still means it answers
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError(
                        "gunicorn did not start; see " + str(self.work / "gunicorn.log")
                    ) from None
                time.sleep(0.2)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Clients:
    """Logged-in sessions (one per client thread) and the report tasks with their versions."""

    def __init__(self, targets: Targets, supervisor: str, liaison: str, tasks: list[int]) -> None:
        self.targets = targets
        self.recorder = Recorder()
        self.names = {"supervisor": supervisor, "liaison": liaison}
        self.local = threading.local()
        versions = dict(Task.objects.filter(pk__in=tasks).values_list("pk", "version"))
        self.tasks = [[pk, versions[pk]] for pk in tasks]
        self.free = list(range(len(self.tasks)))
        self.lock = threading.Lock()
        self.counter = itertools.count()
        # One login per role (not measured); every client thread browses with a copy of its cookies.
        self.cookies: dict[str, dict[str, str]] = {}
        for role, username in self.names.items():
            session = Session(targets, Recorder())
            if not session.login(username, PASSWORD):
                raise RuntimeError(f"bench login failed for {username}")
            self.cookies[role] = session.cookies

    def session(self, role: str) -> Session:
        sessions = getattr(self.local, "sessions", None)
        if sessions is None:
            sessions = self.local.sessions = {}
        if role not in sessions:
            sessions[role] = Session(self.targets, self.recorder)
            sessions[role].cookies = dict(self.cookies[role])
        return sessions[role]

    def liaison_list(self) -> Outcome | None:
        session = self.session("liaison")
        session.get("liaison_list", "/tasks/")
        return session.last

    def dashboard(self) -> Outcome | None:
        session = self.session("supervisor")
        session.get("dashboard", "/dashboard/")
        return session.last

    def report(self) -> Outcome | None:
        session = self.session("liaison")
        with self.lock:
            slot = self.free.pop(random.randrange(len(self.free)))  # noqa: S311  (load, not secrets)
        task_id, version = self.tasks[slot]
        marker = f"bench-{next(self.counter)}"
        response = session.post(
            "report",
            f"/tasks/{task_id}/report/",
            {"version": str(version), "text": f"负载测试进展 {marker}"},
            {"files": (f"佐证-{marker}.pdf", evidence_pdf(marker))},
        )
        if response is not None and response.status == 302:
            self.tasks[slot][1] = version + 1
        else:
            close_old_connections()
            self.tasks[slot][1] = Task.objects.get(pk=task_id).version
        with self.lock:
            self.free.append(slot)
        return session.last

    def mixed(self) -> Outcome | None:
        draw = random.random()  # noqa: S311
        for name, share in MIX:
            if draw < share:
                return getattr(self, name)()
            draw -= share
        return self.liaison_list()


@dataclass
class Step:
    rate: float
    served_rps: float
    p50_ms: float | None
    p95_ms: float | None
    errors: int
    failures: dict[str, int]  # what went wrong, by HTTP status or exception name

    @property
    def sustained(self) -> bool:
        return (
            self.errors == 0
            and self.p95_ms is not None
            and self.p95_ms <= P95_LIMIT_MS
            and self.served_rps >= 0.9 * self.rate
        )


def _step(clients: Clients, operation: Callable[[], Outcome | None], rate: float) -> Step:
    before = len(clients.recorder.outcomes)
    started = time.monotonic()
    seconds = max(STEP_SECONDS, MIN_STEP_REQUESTS / rate)
    latencies = offered_load(lambda due: operation(), rate=rate, seconds=seconds)
    elapsed = time.monotonic() - started
    failures = Counter(
        str(o.status) if o.status is not None else o.error
        for o in clients.recorder.outcomes[before:]
        if o.status not in (200, 302)
    )
    return Step(
        rate=rate,
        served_rps=round(len(latencies) / elapsed, 2),
        p50_ms=round(percentile(latencies, 0.50) * 1000, 1) if latencies else None,
        p95_ms=round(percentile(latencies, 0.95) * 1000, 1) if latencies else None,
        errors=sum(failures.values()),
        failures=dict(failures),
    )


def _warm(operation: Callable[[], Outcome | None]) -> None:
    """Warm every worker (imports, connections, caches) before measuring. Requests sent one after
    another may all land on the same idle worker, leaving another's first (slow) request to the
    measured steps; WORKERS requests at once each hold a different sync worker."""
    for _ in range(3):
        threads = [threading.Thread(target=operation) for _ in range(WORKERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


def _profile(clients: Clients, operation: Callable[[], Outcome | None]) -> tuple[Step | None, list[Step]]:
    """Step the offered rate up until a step is not sustained, then try once between the last good
    step (or nothing) and the failed one; returns the best sustained step and every step run."""
    _warm(operation)
    steps: list[Step] = []
    best: Step | None = None
    for rate in RATES:
        step = _step(clients, operation, rate)
        steps.append(step)
        if not step.sustained:
            low = best.rate if best else 0
            if rate - low > 2 or best is None:  # between the last good step (or 0) and this one
                middle = _step(clients, operation, round((low + rate) / 2, 1))
                steps.append(middle)
                if middle.sustained:
                    best = middle
            break
        best = step
    return best, steps


def run(ctx: BenchContext) -> dict:
    _settle_statistics()
    clear_calendar_cache()
    supervisor, liaison, tasks = _accounts()
    work = Path(tempfile.mkdtemp(prefix="bench-load-"))
    server = Server(work)
    figures: dict[str, object] = {"database": connection.vendor, "workers": WORKERS, "cpus": os.cpu_count()}
    detail: dict[str, list[dict]] = {}
    try:
        server.start()
        clients = Clients(Targets([server.address]), supervisor, liaison, tasks)
        figures["liaison_tasks"] = Task.objects.visible_to(
            get_user_model().objects.get(username=liaison)
        ).count()
        for name in ("liaison_list", "dashboard", "report", "mixed"):
            best, steps = _profile(clients, getattr(clients, name))
            detail[name] = [{**step.__dict__, "sustained": step.sustained} for step in steps]
            # No step sustained: the gentlest one's figures say by how much the goal is missed.
            shown = best or min(steps, key=lambda step: step.rate)
            figures[f"{name}_sustained"] = best is not None
            figures[f"{name}_rps"] = shown.served_rps
            figures[f"{name}_p50_ms"] = shown.p50_ms
            figures[f"{name}_p95_ms"] = shown.p95_ms
        figures["load_average"] = round(os.getloadavg()[0], 2)
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    return {
        "figures": figures,
        "steps": detail,
        "targets": {"mixed_p95_ms": ["<=", P95_LIMIT_MS], "mixed_rps": [">=", 1]},
    }
