"""The month's 督查通报 over the seeded tasks: time and peak memory, in a fresh Python process.

Measured like the ledger: the process's peak resident size during the work minus its size just
before (VmHWM reset through /proc/self/clear_refs), so what numpy, matplotlib and lxml allocate
counts too. The figures: the whole bulletin (counts, scores counted live for the month under way,
chart, Word file and its record), and the month's scores alone. Best of REPEATS runs.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

from .bench_ledger import _status_kb
from .benchmarks import BenchContext

TITLE = "督查通报（bulletin）"
REPEATS = 2


def _fresh(kind: str, folder: str) -> dict:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from obligations.devtools.bench_bulletin import child_main; child_main()",
            kind,
            folder,
            str(connection.settings_dict["NAME"]),
        ],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=1800,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bulletin bench child {kind} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def child_main() -> None:
    kind, folder, db_name = sys.argv[1:4]
    import django

    django.setup()
    settings.DATABASES["default"]["NAME"] = db_name
    from django.test import override_settings
    from django.utils import timezone

    from ..bulletin.bulletin_files import generate_bulletin_file
    from ..bulletin.periods import Period
    from ..bulletin.spec import BulletinSpec
    from ..bulletin.unit_scores import month_table

    today = timezone.localdate()
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")
    before = _status_kb("VmRSS")
    started, started_cpu = time.perf_counter(), time.process_time()
    if kind == "bulletin":
        with override_settings(MEDIA_ROOT=folder):
            bulletin = generate_bulletin_file(BulletinSpec.build(Period.month_of(today)), "command")
        result = {"size": bulletin.size, "overdue": bulletin.overdue}
    else:
        table = month_table(today.replace(day=1), today)
        result = {"units": len(table.lines)}
    result["seconds"] = round(time.perf_counter() - started, 2)
    # The machine is shared: CPU time says what the work costs when wall time swings with the load.
    result["cpu_seconds"] = round(time.process_time() - started_cpu, 2)
    result["peak_mb"] = round((_status_kb("VmHWM") - before) / 1024, 1)
    print(json.dumps(result))


def run(ctx: BenchContext) -> dict:
    with tempfile.TemporaryDirectory(prefix="bulletin-bench-") as folder:
        bulletins = [_fresh("bulletin", folder) for _ in range(REPEATS)]
        scores = [_fresh("scores", folder) for _ in range(REPEATS)]
    best = min(bulletins, key=lambda result: result["seconds"])
    best_scores = min(scores, key=lambda result: result["seconds"])
    return {
        "figures": {
            "month": f"{timezone.localdate():%Y-%m}",
            "bulletin_seconds": best["seconds"],
            "bulletin_seconds_all": [result["seconds"] for result in bulletins],
            "bulletin_cpu_seconds": best["cpu_seconds"],
            "bulletin_peak_mb": max(result["peak_mb"] for result in bulletins),
            "bulletin_size_kb": round(best["size"] / 1024, 1),
            "overdue_tasks": best["overdue"],
            "table_rows": settings.BULLETIN_TABLE_ROWS,
            "scores_seconds": best_scores["seconds"],
            "scores_cpu_seconds": best_scores["cpu_seconds"],
            "scores_peak_mb": max(result["peak_mb"] for result in scores),
            "scored_units": best_scores["units"],
            "database": connection.vendor,
            "load_average": round(os.getloadavg()[0], 2),
        },
        "targets": {"bulletin_seconds": ["<=", 10], "bulletin_peak_mb": ["<=", 200]},
    }
