"""Run a helper program (LibreOffice, Tesseract) with a time limit, in its own process group, so a
time-out or a cancellation kills it and everything it started."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
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
    # Input goes through an unlinked temporary file, not a pipe: communicate() with a time-out stops
    # feeding a pipe after its first time-out (CPython only registers stdin for writing when given the
    # input again, and refuses it again), so a helper reading a large stdin slowly waited forever.
    with tempfile.TemporaryFile() if stdin is not None else contextlib.nullcontext() as source:
        if source is not None:
            source.write(stdin)
            source.seek(0)
        try:
            process = subprocess.Popen(
                command,
                stdin=source if source is not None else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=env,
                cwd=cwd,
                start_new_session=True,  # its own process group: killpg reaches its children too
            )
        except FileNotFoundError as exc:
            raise ExtractionError(missing) from exc
    waited = 0.0
    try:
        while True:
            step = min(0.5, max(0.05, timeout - waited))
            try:
                out, err = process.communicate(timeout=step)
                return subprocess.CompletedProcess(command, process.returncode, out, err)
            except subprocess.TimeoutExpired:
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
