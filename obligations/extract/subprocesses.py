"""Run a helper program (LibreOffice, Tesseract) with a time limit, in its own process group, so a
time-out or a cancellation kills it and everything it started."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

from .records import ExtractionError


class TimedOut(Exception):
    """The helper ran past its time limit (it has been killed)."""


def run(
    command: list[str],
    *,
    timeout: float,
    stdin: bytes | None = None,
    env: dict[str, str] | None = None,
    cwd: str | None = None,
    check_cancel: Callable[[], None] | None = None,
    missing: str = "缺少外部组件，无法处理该文件。",
) -> subprocess.CompletedProcess[bytes]:
    """Run ``command``; kill its whole process group on time-out or when ``check_cancel`` raises.

    ``check_cancel`` is called about every half second while the helper runs.
    """
    try:
        process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=cwd,
            start_new_session=True,  # its own process group: killpg reaches its children too
        )
    except FileNotFoundError as exc:
        raise ExtractionError(missing) from exc
    # communicate() runs in a thread with no time limit: retrying communicate(timeout=…) after a
    # TimeoutExpired stops feeding stdin on CPython 3.11 (it re-registers stdin only when input is
    # passed again, which it then refuses), so a large image piped to Tesseract on a busy machine
    # would hang. The caller's thread keeps the clock and the cancel check, and kills on either.
    result: dict[str, tuple[bytes, bytes]] = {}
    failure: list[BaseException] = []

    def talk() -> None:
        try:
            result["output"] = process.communicate(input=stdin)
        except BaseException as exc:  # reported to the caller's thread
            failure.append(exc)

    talker = threading.Thread(target=talk, name=f"run-{Path(command[0]).name}", daemon=True)
    talker.start()
    waited = 0.0
    try:
        while True:
            step = min(0.5, max(0.05, timeout - waited))
            talker.join(step)
            if not talker.is_alive():
                if failure:
                    raise failure[0]
                out, err = result["output"]
                return subprocess.CompletedProcess(command, process.returncode, out, err)
            waited += step
            if check_cancel is not None:
                check_cancel()
            if waited >= timeout:
                raise TimedOut
    except BaseException:
        _kill(process)
        talker.join(10)
        raise


def _kill(process: subprocess.Popen[bytes]) -> None:
    # The talker thread reaps the process; killing the group ends its pipes, so communicate returns.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
