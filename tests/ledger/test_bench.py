"""The bench's ledger section runs end to end on a small throw-away database and reports its figures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.slow


def test_ledger_bench_section(tmp_path):
    # Its own SQLite files in tmp_path: the working database is never touched.
    env = {
        **os.environ,
        "DEBUG": "true",
        "TRACKER_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "tracker.settings",
    }
    env.pop("DATABASE_URL", None)
    out = tmp_path / "bench.json"
    root = Path(settings.BASE_DIR)
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
            "ledger",
            "--json",
            str(out),
        ],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    ledger = json.loads(out.read_text(encoding="utf-8"))["ledger"]
    figures = ledger["figures"]
    assert figures["rows"] == 300
    assert len(figures["ours_seconds_all"]) == len(figures["floor_seconds_all"]) == 3
    for name in ("ours", "floor", "import_export", "xlsxwriter"):
        assert figures[f"{name}_seconds"] > 0
        assert figures[f"{name}_size_mb"] > 0
    assert figures["plain_utf8_writer"] is True
    # The lxml writer's entities make the same cells larger than the UTF-8 floor.
    assert figures["floor_lxml_size_mb"] > figures["floor_size_mb"]
    assert ledger["ratio"] == pytest.approx(figures["ours_seconds"] / figures["floor_seconds"], rel=0.01)
    assert set(ledger["checks"]) == {"ratio", "vs_import_export", "ours_peak_mb"}
