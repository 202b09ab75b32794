"""``manage.py serve`` stops every child, whichever way it is told to stop: Ctrl-C (SIGINT), SIGTERM
and a closed terminal (SIGHUP). The web server (runserver under DEBUG, gunicorn without) and the
qcluster with all their processes are gone afterwards and the port is closed; with a real cluster
up, /healthz says so first."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from obligations.reminders.schedules import install_schedules

from ..reminders.cluster import cluster_env, free_port
from ..reminders.test_cluster import fire_now
from .processes import cmdline, descendants, wait_all_gone

pytestmark = [pytest.mark.cluster, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
TOKEN = "serve-test-token"


def _health(port: int) -> dict | None:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/healthz", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310  (http on loopback)
            return json.loads(response.read())
    except urllib.error.HTTPError as error:  # 503 still carries the checks
        return json.loads(error.read())
    except OSError:
        return None


def _port_open(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        return True
    return False


# serve treats the three signals alike whatever its web server; gunicorn (DEBUG off) is stopped once.
CASES = [
    ("runserver", signal.SIGINT),
    ("runserver", signal.SIGTERM),
    ("runserver", signal.SIGHUP),
    ("gunicorn", signal.SIGTERM),
]


@pytest.mark.parametrize(("server", "signum"), CASES, ids=[f"{s}-{n.name}" for s, n in CASES])
def test_serve_stops_every_child(tmp_path, collected_static, server, signum):
    install_schedules()
    fire_now("集群心跳")
    port = free_port()
    env = cluster_env(tmp_path / "mail", TRACKER_HEALTH_TOKEN=TOKEN, TRACKER_VAR_DIR=str(tmp_path))
    command = [sys.executable, "manage.py", "serve", f"127.0.0.1:{port}"]
    if server == "gunicorn":
        env.update(
            DEBUG="false",
            SECRET_KEY="serve-test-" + "k" * 50,
            ALLOWED_HOSTS="127.0.0.1",
            SECURE_SSL_REDIRECT="false",
            STATIC_ROOT=str(collected_static),
        )
        command += ["--workers", "2"]
    log = (tmp_path / "serve.log").open("wb")
    serve = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 90
        body = None
        while time.monotonic() < deadline and serve.poll() is None:
            body = _health(port)
            if body and body["checks"]["qcluster"]["ok"]:
                break
            time.sleep(0.3)
        log_text = (tmp_path / "serve.log").read_text(errors="replace")[-3000:]
        assert body and body["status"] == "ok", (body, log_text)
        children = descendants(serve.pid)
        commands = " | ".join(children.values())
        assert "qcluster" in commands and server in commands, commands
        if server == "runserver":  # the autoreloader's parent and the server it runs
            assert sum("runserver" in c for c in children.values()) == 2, commands
        else:  # the master and its two workers
            assert sum("gunicorn" in c for c in children.values()) == 3, commands

        serve.send_signal(signum)
        serve.wait(timeout=120)
        left = wait_all_gone(children, timeout=15)
        assert left == [], [(pid, cmdline(pid)) for pid in left]
        assert not _port_open(port)
        assert serve.returncode == 0
        assert "已停止网站和后台任务进程" in (tmp_path / "serve.log").read_text(errors="replace")
    finally:
        for pid in [serve.pid, *descendants(serve.pid)]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        serve.wait(timeout=10)
        log.close()
