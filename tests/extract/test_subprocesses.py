"""The helper-program runner: input of any size reaches a slow reader, time-outs and cancellation
kill the process group."""

from __future__ import annotations

import sys
import time

import pytest

from obligations.extract.subprocesses import TimedOut, run

# Reads nothing for a second (so the pipe fills and the first wait times out), then counts stdin.
SLOW_READER = [sys.executable, "-c", "import sys, time; time.sleep(1); print(len(sys.stdin.buffer.read()))"]


def test_large_input_reaches_a_reader_that_starts_late() -> None:
    payload = b"x" * 5_000_000  # far more than a pipe holds
    completed = run(SLOW_READER, stdin=payload, timeout=60)
    assert (completed.returncode, completed.stdout.strip()) == (0, b"5000000")


def test_time_limit_kills_the_program() -> None:
    started = time.monotonic()
    with pytest.raises(TimedOut):
        run([sys.executable, "-c", "import time; time.sleep(60)"], timeout=1)
    assert time.monotonic() - started < 30


def test_cancel_check_stops_the_program() -> None:
    class Cancelled(Exception):
        pass

    def cancel() -> None:
        raise Cancelled

    with pytest.raises(Cancelled):
        run([sys.executable, "-c", "import time; time.sleep(60)"], timeout=60, check_cancel=cancel)
