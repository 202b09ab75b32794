"""Accuracy on real published plans the engine was not written against (issue 14), with floors.

Goals: task F1 >= 0.95, units (lead and responsible lists both right) >= 0.93, deadlines >= 0.95;
scans OCR'd from rendered seed pages F1 >= 0.90.

The dev set (real/dev: 13 page excerpts and 7 whole plans, 316 tasks) is what the engine is
developed against; it meets the goals. The held-out set (real/heldout: 5 whole plans, 103 tasks)
was chosen and annotated before the extractor ran on it and scored once, unseen, after the previous
round's engine work (commit dec2057): F1 0.995, units 0.843, deadlines 0.961. Its misses were then
fixed with general rules (issue 14, second round): a joiner right after "等" adds another party
("A、B等和各省级人民政府" -> "B等", "各省级人民政府"); a body named by its own word after its name
(共青团中央, 民盟中央, 市委党组, 军分区) is a unit; a date range in a task's text has its end as the
deadline (the team's decision; the one seed gold row with such a range, "2020—2025年", was brought in
line). Scored again: F1 1.000, units 1.000, deadlines 1.000 -- a figure that is no longer unseen, since
these misses were looked at. Both sets are now held to the goals.
"""

from __future__ import annotations

import pytest

from obligations.devtools import extract_accuracy
from obligations.devtools.scoring import Scores

GOALS = {"f1": 0.95, "units": 0.93, "deadlines": 0.95}


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
    for key, floor in GOALS.items():
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
