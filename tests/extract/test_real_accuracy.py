"""Accuracy on real published plans the engine was not written against (issue 14), with floors.

Goals: task F1 >= 0.95, units (lead and responsible lists both right) >= 0.93, deadlines >= 0.95;
scans OCR'd from rendered seed pages F1 >= 0.90.

The dev set (real/dev: 13 page excerpts and 7 whole plans, 316 tasks) is what the engine is
developed against. The held-out set (real/heldout: 5 whole plans, 103 tasks) was chosen and
annotated before the extractor ran on it; it is scored once, when the engine work of this round is
done, and is not tuned against.
"""

from __future__ import annotations

import pytest

from obligations.benchmarks import extract_accuracy
from obligations.benchmarks.scoring import Scores

GOALS = {"f1": 0.95, "units": 0.93, "deadlines": 0.95}
HELD_OUT_FLOORS = {"f1": 0.90, "units": 0.93, "deadlines": 0.95}


def scored(name: str) -> dict:
    scores, _ = extract_accuracy.evaluate(name)
    assert isinstance(scores, Scores)
    figures = extract_accuracy.figures(scores)
    print(name, figures)
    return figures


# Measured on the enlarged dev set before any engine change for it (below the goals).
DEV_FLOORS = {"f1": 0.72, "units": 0.60, "deadlines": 0.98}


def test_real_dev_plans() -> None:
    figures = scored("real_dev")
    assert figures["gold"] == 316
    for key, floor in DEV_FLOORS.items():
        assert figures[key] >= floor, (key, figures)


@pytest.mark.skip(reason="held-out set frozen: scored once the engine work of this round is done")
def test_real_held_out_plans() -> None:
    figures = scored("real_heldout")
    assert figures["gold"] == 103
    for key, floor in HELD_OUT_FLOORS.items():
        assert figures[key] >= floor, (key, figures)


def test_format_variants_of_real_plans(libreoffice: None) -> None:
    figures = scored("variants")
    assert figures["gold"] == 27
    for key, floor in GOALS.items():
        assert figures[key] >= floor, (key, figures)


@pytest.mark.slow
def test_scanned_seed_pages_read_by_ocr(tesseract: None) -> None:
    figures = scored("scan")
    assert figures["gold"] == 16
    assert figures["f1"] >= 0.90, figures
