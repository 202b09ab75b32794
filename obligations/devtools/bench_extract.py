"""Extraction throughput: the five seed gazettes (fixtures/plans), extracted a few times on one core;
then accuracy (extract_accuracy.py): task F1, unit and deadline accuracy on the seed gazettes' gold,
on the dev and held-out real plans, their .doc/.wps/.xls/.et/.html/.mhtml/.ofd
variants (conversion time measured separately) and OCR'd seed pages (OCR time measured separately).

``run(options)`` returns the figures; ``options`` is a dict (or an object with an ``options`` dict,
as the bench command's context is) and may set ``extract_rounds``, ``plans_dir`` and
``extract_accuracy`` (False skips the accuracy sets).
"""

from __future__ import annotations

import time
from pathlib import Path

from ..extract import extract_bytes
from . import extract_accuracy

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
    targets: dict[str, list] = {"mb_per_s": [">=", TARGET_MB_PER_S]}
    skipped: dict[str, str] = {}
    if settings.get("extract_accuracy", True):
        for name in extract_accuracy.SETS:
            missing = extract_accuracy.needs(name)
            if missing:
                skipped[name] = f"{missing} not installed"
                continue
            scores, seconds = extract_accuracy.evaluate(name)
            for key, value in extract_accuracy.figures(scores).items():
                figures[f"{name}_{key}"] = value
            figures[f"{name}_seconds"] = round(seconds, 2)
            floors = {"scan": extract_accuracy.SCAN_TARGETS, "seeds": extract_accuracy.SEED_TARGETS}.get(
                name, extract_accuracy.TARGETS
            )
            for key, floor in floors.items():
                targets[f"{name}_{key}"] = [">=", floor]
    result = {**figures, "figures": figures, "targets": targets}
    if skipped:
        result["skipped_sets"] = skipped
    return result
