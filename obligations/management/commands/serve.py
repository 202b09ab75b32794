"""Run the web server and a qcluster together; Ctrl-C stops both."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "同时启动网站（runserver）和后台任务进程（qcluster），按 Ctrl-C 一并停止。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args: object, **options: object) -> None:
        manage = str(Path(settings.BASE_DIR) / "manage.py")
        # The qcluster gets its own session so the terminal's Ctrl-C reaches only the web server;
        # we then stop the cluster by signalling its main process alone (signalling its whole
        # process group makes django-q2 hang).
        cluster = subprocess.Popen([sys.executable, manage, "qcluster"], start_new_session=True)
        web = subprocess.Popen([sys.executable, manage, "runserver", options["addrport"]])
        self.stdout.write(
            f"网站：http://{options['addrport']}/  后台任务进程 PID {cluster.pid}。按 Ctrl-C 停止。"
        )
        try:
            web.wait()
        except KeyboardInterrupt:
            web.send_signal(signal.SIGINT)
            web.wait()
        finally:
            if cluster.poll() is None:
                cluster.send_signal(signal.SIGTERM)
                try:
                    cluster.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    cluster.kill()
            self.stdout.write("已停止网站和后台任务进程。")
