"""Helper programs get all of their input, however slowly they read it (a page image for Tesseract is
far larger than a pipe's buffer), and are killed on time-out or cancellation."""

from __future__ import annotations

import sys
import time

import pytest

from obligations.extract.records import ExtractionCancelled
from obligations.extract.subprocesses import TimedOut, run

# Reads nothing for a second (so the first half-second wait times out with most input unsent),
# then everything, and says how much it got.
SLOW_READER = "import sys, time; time.sleep(1); print(len(sys.stdin.buffer.read()))"


def test_a_slow_reader_gets_the_whole_input():
    data = b"x" * (4 * 1024 * 1024)
    completed = run([sys.executable, "-c", SLOW_READER], stdin=data, timeout=60, check_cancel=lambda: None)
    assert completed.returncode == 0
    assert completed.stdout.strip() == str(len(data)).encode()


def test_time_out_kills_the_helper():
    started = time.monotonic()
    with pytest.raises(TimedOut):
        run([sys.executable, "-c", "import time; time.sleep(60)"], timeout=1)
    assert time.monotonic() - started < 30


def test_cancellation_stops_the_helper():
    calls = []

    def cancel() -> None:
        calls.append(1)
        if len(calls) == 2:
            raise ExtractionCancelled

    with pytest.raises(ExtractionCancelled):
        run([sys.executable, "-c", "import time; time.sleep(60)"], timeout=60, check_cancel=cancel)
    assert len(calls) == 2
