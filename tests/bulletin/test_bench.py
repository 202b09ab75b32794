"""The bench's bulletin section runs end to end on a small throw-away database and reports its figures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.slow


def test_bulletin_bench_section(tmp_path):
    env = {
        **os.environ,
        "DEBUG": "true",
        "TRACKER_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "tracker.settings",
    }
    env.pop("DATABASE_URL", None)
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "bench",
            "--tasks",
            "300",
            "--units",
            "20",
            "--only",
            "bulletin",
            "--json",
            str(out),
        ],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(out.read_text(encoding="utf-8"))["bulletin"]["figures"]
    # seed_synthetic makes about 35 % of its tasks overdue (dated, open, a deadline in the past year).
    assert 30 <= figures["overdue_tasks"] <= 130
    assert figures["bulletin_size_kb"] > 20  # a real document with its chart
    assert 0 < figures["bulletin_seconds"] < 60 and figures["bulletin_peak_mb"] > 0
    assert 1 <= figures["scored_units"] <= 20
