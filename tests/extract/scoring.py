"""Compare extracted tasks with the hand-annotated gold (tests/extract/data/gold_seeds.jsonl).

The matching and the figures live in obligations/devtools/scoring.py (``bench extract`` uses them
too); this module loads the seed gold."""

from __future__ import annotations

import json
from pathlib import Path

from obligations.devtools.scoring import PREFIX, Scores, norm_text, norm_units, score_all, score_document

DATA = Path(__file__).parent / "data"

__all__ = ["PREFIX", "Scores", "load_gold", "norm_text", "norm_units", "score_all", "score_document"]


def load_gold() -> list[dict]:
    rows = [
        json.loads(line)
        for line in (DATA / "gold_seeds.jsonl").read_text(encoding="utf-8").splitlines()
        if line
    ]
    # A documented correction of a gold row would go in data/gold_adjustments.json as
    # [{"row": index, "set": {field: value}, "reason": "..."}]; none has been needed.
    adjustments = DATA / "gold_adjustments.json"
    if adjustments.exists():
        for entry in json.loads(adjustments.read_text(encoding="utf-8")):
            rows[entry["row"]].update(entry["set"])
    return rows
