"""Accuracy of the extraction engine on documents it was not written against (issue 14).

Sets (data under tests/extract/data, gold annotated by hand):

* ``real_dev`` — real published plans used while developing the engine (real/dev, gold_dev.jsonl)
* ``real_heldout`` — real plans kept aside and not looked at while tuning (real/heldout)
* ``variants`` — the dev plans' text as .doc/.wps/.xls/.et/.html/.mhtml/.ofd (real/variants)
* ``scan`` — seed gazette pages rendered to an image-only PDF and read by OCR (scan_seed_pages.pdf)
* ``seeds`` — the five seed gazettes (fixtures/plans) against their gold (gold_seeds.jsonl), the
  engine's first acceptance bar

Each set reports task F1, unit accuracy (lead and responsible lists both right, over matched tasks)
and deadline accuracy, with the seconds it took.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from ..extract import ExtractionError, extract_file
from .scoring import Scores, score_all

DATA = Path(__file__).resolve().parents[2] / "tests" / "extract" / "data"
REAL = DATA / "real"
SCAN = DATA / "scan_seed_pages.pdf"
SCAN_PLAN = "淄博市建立政务服务“好差评”制度工作方案"  # the seed notice on the scanned pages
TARGETS = {"f1": 0.95, "units": 0.93, "deadlines": 0.95}
SCAN_TARGETS = {"f1": 0.90}
SEED_TARGETS = {"f1": 0.98, "units": 0.97, "deadlines": 0.98}
SEED_PLANS = Path(__file__).resolve().parents[2] / "fixtures" / "plans"
SETS = ("seeds", "real_dev", "real_heldout", "variants", "scan")
REAL_SUFFIXES = (".txt", ".html")  # the shapes the real plans were published in


def _gold(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _documents(name: str) -> tuple[list[Path], list[dict]]:
    """The files of a set and their gold rows (``doc`` = file name)."""
    if name in ("real_dev", "real_heldout"):
        split = name.removeprefix("real_")
        files = sorted(path for path in (REAL / split).iterdir() if path.suffix in REAL_SUFFIXES)
        return files, _gold(REAL / f"gold_{split}.jsonl")
    if name == "variants":
        files = sorted((REAL / "variants").glob("*"))
        source = _gold(REAL / "gold_dev.jsonl")
        gold = [
            {**row, "doc": path.name}
            for path in files
            for row in source
            if Path(row["doc"]).stem == path.stem
        ]
        return files, gold
    if name == "seeds":
        return sorted(SEED_PLANS.glob("*.txt")), _gold(DATA / "gold_seeds.jsonl")
    if name == "scan":
        seed = _gold(DATA / "gold_seeds.jsonl")
        return [SCAN], [{**row, "doc": SCAN.name} for row in seed if row["plan_title"] == SCAN_PLAN]
    raise ValueError(name)


def evaluate(name: str) -> tuple[Scores, float]:
    """Extract every file of a set and score it against its gold; (scores, seconds)."""
    files, gold = _documents(name)
    results: dict[str, list[dict]] = {}
    started = time.perf_counter()
    for path in files:
        try:
            extracted = extract_file(path).to_dict()
        except ExtractionError:
            results[path.name] = []
            continue
        results[path.name] = [task for notice in extracted["notices"] for task in notice["tasks"]]
    seconds = time.perf_counter() - started
    total, _ = score_all(results, gold)
    return total, seconds


def figures(scores: Scores) -> dict[str, float | int]:
    matched = scores.matched or 1
    return {
        "gold": scores.gold,
        "found": scores.extracted,
        "precision": round(scores.precision, 3),
        "recall": round(scores.recall, 3),
        "f1": round(scores.f1, 3),
        "units": round(scores.units_ok / matched, 3),
        "deadlines": round(scores.deadline_ok / matched, 3),
    }


def needs(name: str) -> str | None:
    """What a set needs that this machine lacks, or None."""
    if name == "variants":
        from ..extract.convert import soffice

        return None if soffice() else "LibreOffice"
    if name == "scan":
        from ..extract.read_ocr import available

        return None if available() else "Tesseract chi_sim"
    return None
