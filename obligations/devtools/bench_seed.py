"""Seeding throughput: synthetic tasks written per second with bulk inserts."""

from __future__ import annotations

import time

from django.db import connection

from .benchmarks import BenchContext
from .synthetic import seed

TITLE = "合成数据写入（seed_synthetic）"


def run(ctx: BenchContext) -> dict:
    started = time.perf_counter()
    summary = seed(ctx.tasks, ctx.units)
    seconds = time.perf_counter() - started
    ctx.shared["seed"] = summary
    return {
        "figures": {
            "tasks": summary.tasks,
            "units": summary.units,
            "assignments": summary.assignments,
            "reports": summary.reports,
            "seconds": round(seconds, 2),
            "tasks_per_second": round(summary.tasks / seconds) if seconds else None,
            "database": connection.vendor,
        },
        # 100,000 tasks within a minute; a province's 1,000,000 within three (tallies counted included).
        "targets": {"seconds": ["<=", 60 if ctx.tasks <= 100_000 else 180]},
    }
