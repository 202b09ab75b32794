"""Run a helper program (LibreOffice, Tesseract) with a time limit, in its own process group, so a
time-out or a cancellation kills it and everything it started."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Callable

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
    waited = 0.0
    pending = stdin
    try:
        while True:
            step = min(0.5, max(0.05, timeout - waited))
            try:
                out, err = process.communicate(input=pending, timeout=step)
                return subprocess.CompletedProcess(command, process.returncode, out, err)
            except subprocess.TimeoutExpired:
                pending = None  # communicate() keeps feeding stdin across calls
                waited += step
                if check_cancel is not None:
                    check_cancel()
                if waited >= timeout:
                    raise TimedOut from None
    except BaseException:
        _kill(process)
        raise


def _kill(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired, ValueError, OSError):
        process.communicate(timeout=5)
