"""Running a real ``manage.py qcluster`` against the test database, and reading what it mailed."""

from __future__ import annotations

import contextlib
import datetime
import email
import email.policy
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

MANAGE = str(Path(settings.BASE_DIR) / "manage.py")


def database_url() -> str:
    """The URL of the database this test runs on (pytest-django's test database)."""
    conf = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{conf['NAME']}"
    user = quote(conf.get("USER") or "", safe="")
    password = quote(conf.get("PASSWORD") or "", safe="")
    host = conf.get("HOST") or "127.0.0.1"
    port = conf.get("PORT") or 5432
    return f"postgres://{user}:{password}@{host}:{port}/{conf['NAME']}"


def cluster_env(mail_dir: Path, **extra: str) -> dict[str, str]:
    drop = {"DATABASE_URL", "REDIS_URL", "EMAIL_BACKEND", "EMAIL_FILE_PATH", "DJANGO_SETTINGS_MODULE"}
    env = {key: value for key, value in os.environ.items() if key not in drop}
    env.update(
        DJANGO_SETTINGS_MODULE="tracker.settings",
        DEBUG="true",
        DATABASE_URL=database_url(),
        EMAIL_BACKEND="file",
        EMAIL_FILE_PATH=str(mail_dir),
        SITE_URL="https://duban.example.gov.cn",
        # django-q calls its scheduler once 30 s of guard cycles have passed; a 30 s cycle makes
        # that the first cycle, so schedules that are due fire as soon as the cluster is up.
        Q_GUARD_CYCLE="30",
        Q_POLL="0.2",
        Q_WORKERS="2",
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


class Cluster:
    """One qcluster process in its own session (so we can signal exactly it and its children)."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env = env
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None

    def start(self) -> Cluster:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, MANAGE, "qcluster"],
            cwd=settings.BASE_DIR,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        return self

    def log(self, tail: int = 4000) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-tail:]

    def stop(self) -> None:
        """SIGTERM to the main process only (signalling the group makes django-q2 hang)."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=30)
        if not self._group_gone(timeout=5):
            self._kill_group()  # stragglers only

    def kill9(self) -> None:
        """A crash: SIGKILL to the cluster and every process it started, at once."""
        if self.proc is not None:
            self._kill_group()

    def _kill_group(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)
        self._group_gone(timeout=10)

    def _group_gone(self, timeout: float) -> bool:
        """Wait until no process of the group is left (orphaned children are reaped by init)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                os.killpg(self.proc.pid, 0)
            except ProcessLookupError:
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)


def kill9(*clusters: Cluster) -> None:
    """A crash of several machines at once: SIGKILL to every group first, then wait for them."""
    for cluster in clusters:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(cluster.proc.pid, signal.SIGKILL)
    for cluster in clusters:
        cluster.kill9()


def wait_for(predicate: Callable[[], object], what: str, cluster: Cluster, timeout: float = 90) -> object:
    deadline = time.monotonic() + timeout
    while True:
        close_old_connections()
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}; cluster log:\n{cluster.log()}")
        if cluster.proc is not None and cluster.proc.poll() is not None:
            raise AssertionError(
                f"qcluster exited ({cluster.proc.returncode}) waiting for {what}:\n{cluster.log()}"
            )
        time.sleep(0.1)


def wait_until(moment: datetime.datetime) -> None:
    """Wait until the clock has passed ``moment`` (e.g. a claim's expiry read from the database)."""
    while (left := (moment - timezone.now()).total_seconds()) >= 0:
        time.sleep(min(left + 0.05, 0.5))


_SEPARATOR = re.compile(rb"^-{79}$", re.MULTILINE)


def read_mails(mail_dir: Path) -> list[EmailMessage]:
    """Messages the file backend wrote (each session's file holds messages split by 79 dashes)."""
    messages = []
    for path in sorted(mail_dir.glob("*.log")):
        for chunk in _SEPARATOR.split(path.read_bytes()):
            if chunk.strip():
                messages.append(email.message_from_bytes(chunk.strip() + b"\n", policy=email.policy.default))
    return messages


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_server_path() -> str | None:
    return shutil.which("redis-server")
