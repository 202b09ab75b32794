"""The acceptance bar: the engine against the hand-annotated gold for the five seed gazettes."""

from __future__ import annotations

from pathlib import Path

import pytest
from scoring import Scores, load_gold, score_all

from obligations.extract import extract_file

PLANS = Path(__file__).resolve().parents[2] / "fixtures" / "plans"


@pytest.fixture(scope="module")
def scores() -> Scores:
    gold = load_gold()
    results = {}
    for path in sorted(PLANS.glob("*.txt")):
        result = extract_file(path)
        results[path.name] = [task for notice in result.to_dict()["notices"] for task in notice["tasks"]]
    total, per_doc = score_all(results, gold)
    print()
    for doc, doc_scores in per_doc.items():
        print(doc_scores.line(doc))
    print(total.line("TOTAL"))
    for name, row, task in total.wrong:
        key = _FIELD[name]
        where = f"{row['doc'][:3]} {row['text_start'][:12]!r}"
        print(f"  wrong {name}: {where} gold={row[key]!r} got={task[key]!r}")
    for row in total.misses:
        print(f"  missed: {row['doc'][:3]} {row['number']} {row['text_start']!r}")
    for task in total.extras:
        print(f"  extra: {task['number']} {task['text'][:30]!r}")
    return total


_FIELD = {"lead": "lead_units", "responsible": "responsible_units", "deadline": "deadline"}


def test_all_five_seeds_are_scored(scores: Scores) -> None:
    assert scores.gold == 370


def test_task_f1(scores: Scores) -> None:
    assert scores.f1 >= 0.98


def test_lead_units(scores: Scores) -> None:
    assert scores.pct(scores.lead_ok) >= 97.0


def test_responsible_units(scores: Scores) -> None:
    assert scores.pct(scores.responsible_ok) >= 97.0


def test_deadlines(scores: Scores) -> None:
    assert scores.pct(scores.deadline_ok) >= 98.0
