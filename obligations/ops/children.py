"""The child processes of ``manage.py serve``: start each in its own session, and stop each the way
it stops cleanly, then make sure nothing of it is left.

- runserver: its autoreloader runs the server in a second process; signalling only the first
  leaves the second answering (with PPID 1). Its whole process group gets SIGTERM.
- gunicorn: SIGTERM to the master, which lets its workers finish their requests.
- qcluster: SIGTERM to the main process only: django-q2 hangs when its whole group is signalled.

After the grace period, whatever is left of the group is killed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from dataclasses import dataclass, field


@dataclass
class Child:
    name: str
    command: list[str]
    signal_group: bool  # True: SIGTERM to the whole group; False: to the main process only
    grace_seconds: float
    env: dict[str, str] | None = None
    proc: subprocess.Popen | None = field(default=None, init=False)

    def start(self) -> Child:
        # Its own session: the terminal's Ctrl-C or hang-up reaches serve alone, which stops the
        # children in order, each the right way.
        self.proc = subprocess.Popen(self.command, env=self.env, start_new_session=True)
        return self

    @property
    def pid(self) -> int:
        return self.proc.pid

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def terminate(self) -> None:
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            if self.signal_group:
                os.killpg(self.proc.pid, signal.SIGTERM)
            elif self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)

    def wait_gone(self) -> None:
        """Wait for the main process, then for the rest of its group; SIGKILL what outstays the grace."""
        if self.proc is None:
            return
        deadline = time.monotonic() + self.grace_seconds
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        while _group_alive(self.proc.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _group_alive(self.proc.pid) or self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
