"""Run the web server and a qcluster together; Ctrl-C, SIGTERM or SIGHUP stops both.

With DEBUG on (the demo) the web server is Django's runserver; with DEBUG off it is gunicorn
(tracker/gunicorn_conf.py): Django's development server never serves a production setting.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from ...ops.children import Child

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Command(BaseCommand):
    help = (
        "同时启动网站和后台任务进程（qcluster），按 Ctrl-C（或 SIGTERM、SIGHUP）一并停止。"
        "DEBUG 开启时网站用 runserver，关闭时用 gunicorn。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--workers", type=int, help="gunicorn 进程数（DEBUG 关闭时；默认按 CPU 数）")

    def handle(self, *args: object, **options: object) -> None:
        manage = str(Path(settings.BASE_DIR) / "manage.py")
        addrport = str(options["addrport"])
        if settings.DEBUG:
            web = Child("runserver", [sys.executable, manage, "runserver", addrport], True, 10)
        else:
            command = [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "python:tracker.gunicorn_conf",
                "--bind",
                addrport,
            ]
            if options["workers"]:
                command += ["--workers", str(options["workers"])]
            web = Child("gunicorn", [*command, "tracker.wsgi"], False, 40)
        cluster = Child("qcluster", [sys.executable, manage, "qcluster"], False, 60)

        received: list[int] = []
        for signum in STOP_SIGNALS:
            signal.signal(signum, lambda signum, frame: received.append(signum))
        children = [cluster.start(), web.start()]
        self._say(f"网站（{web.name}）：http://{addrport}/  后台任务进程 PID {cluster.pid}。按 Ctrl-C 停止。")
        failed = None
        while not received:
            failed = next((child for child in children if not child.running()), None)
            if failed is not None:
                break
            time.sleep(0.2)
        # Each in the way it stops cleanly (the web server first: no new requests), then wait for both.
        for child in (web, cluster):
            child.terminate()
        for child in (web, cluster):
            child.wait_gone()
        if failed is not None:
            self._say(
                f"{failed.name} 意外退出（状态 {failed.proc.returncode}），已停止全部进程。", error=True
            )
            sys.exit(1)
        self._say("已停止网站和后台任务进程。")

    def _say(self, message: str, error: bool = False) -> None:
        # After a hang-up the terminal is gone; stopping cleanly matters more than saying so.
        with contextlib.suppress(OSError):
            (self.stderr if error else self.stdout).write(message)
