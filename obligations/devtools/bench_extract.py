"""Extraction throughput: the five seed gazettes (fixtures/plans), extracted a few times on one core.

``run(options)`` returns the figures; ``options`` is a dict (or an object with an ``options`` dict,
as the bench command's context is) and may set ``extract_rounds`` and ``plans_dir``.
"""

from __future__ import annotations

import time
from pathlib import Path

from ..extract import extract_bytes

TITLE = "方案提取（extract）"
TARGET_MB_PER_S = 1.0
PLANS = Path(__file__).resolve().parents[2] / "fixtures" / "plans"


def run(options: dict | object | None = None) -> dict:
    settings = options if isinstance(options, dict) else getattr(options, "options", None) or {}
    rounds = max(1, int(settings.get("extract_rounds") or 5))
    plans = Path(settings.get("plans_dir") or PLANS)
    files = [(path.name, path.read_bytes()) for path in sorted(plans.glob("*.txt"))]
    if not files:
        return {"figures": {}, "skipped": f"no plans in {plans}"}
    for name, data in files:  # warm-up: imports and compiled patterns are not throughput
        extract_bytes(data, name)
    tasks = 0
    started = time.perf_counter()
    for _ in range(rounds):
        tasks = sum(extract_bytes(data, name).task_count for name, data in files)
    seconds = time.perf_counter() - started
    total = sum(len(data) for _, data in files) * rounds
    figures = {
        "files": len(files),
        "rounds": rounds,
        "bytes": total,
        "seconds": round(seconds, 3),
        "mb_per_s": round(total / seconds / 1_048_576, 2),  # MiB/s
        "tasks": tasks,
        "target_mb_per_s": TARGET_MB_PER_S,
    }
    return {**figures, "figures": figures, "targets": {"mb_per_s": [">=", TARGET_MB_PER_S]}}
