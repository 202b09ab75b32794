"""Compare extracted tasks with hand-annotated gold rows (the schema of shared/gold/SCHEMA.md):
match by the start of the text, then compare the unit lists and the deadline. Used by the tests and
by ``bench extract``."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

PREFIX = 10  # characters of normalised text that identify a task within one document

_DROP = re.compile(r"[\s*#]+")


def norm_text(text: str | None) -> str:
    """Text for matching: width-folded, no whitespace or markdown emphasis."""
    return _DROP.sub("", unicodedata.normalize("NFKC", text or ""))


def norm_units(units: list[str]) -> list[str]:
    """Unit lists compare after removing spaces and folding bracket width (as the brief says)."""
    return [re.sub(r"\s+", "", unit).replace("(", "（").replace(")", "）") for unit in units]


@dataclass
class Scores:
    gold: int = 0
    extracted: int = 0
    matched: int = 0
    lead_ok: int = 0
    responsible_ok: int = 0
    units_ok: int = 0  # lead and responsible lists both right
    deadline_ok: int = 0
    misses: list[dict] = field(default_factory=list)
    extras: list[dict] = field(default_factory=list)
    wrong: list[tuple[str, dict, dict]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.matched / self.extracted if self.extracted else 0.0

    @property
    def recall(self) -> float:
        return self.matched / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def pct(self, value: int) -> float:
        return 100.0 * value / self.matched if self.matched else 0.0

    def line(self, name: str) -> str:
        return (
            f"{name:<28} gold {self.gold:>3}  found {self.extracted:>3}"
            f"  P {self.precision:.3f}  R {self.recall:.3f}  F1 {self.f1:.3f}"
            f"  lead {self.pct(self.lead_ok):5.1f}%  resp {self.pct(self.responsible_ok):5.1f}%"
            f"  deadline {self.pct(self.deadline_ok):5.1f}%"
        )

    def add(self, other: Scores) -> None:
        for name in ("gold", "extracted", "matched", "lead_ok", "responsible_ok", "units_ok", "deadline_ok"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.misses += other.misses
        self.extras += other.extras
        self.wrong += other.wrong


def score_document(gold_rows: list[dict], extracted: list[dict]) -> Scores:
    """Match in document order by normalised text prefix, then compare fields."""
    scores = Scores(gold=len(gold_rows), extracted=len(extracted))
    pool: dict[str, list[dict]] = defaultdict(list)
    for task in extracted:
        pool[norm_text(task["text"])[:PREFIX]].append(task)
    for row in gold_rows:
        key = norm_text(row["text_start"])[:PREFIX]
        if not pool.get(key):
            scores.misses.append(row)
            continue
        task = pool[key].pop(0)
        scores.matched += 1
        checks = {
            "lead": norm_units(row["lead_units"]) == norm_units(task["lead_units"]),
            "responsible": norm_units(row["responsible_units"]) == norm_units(task["responsible_units"]),
            "deadline": row["deadline"] == task["deadline"],
        }
        scores.lead_ok += checks["lead"]
        scores.responsible_ok += checks["responsible"]
        scores.deadline_ok += checks["deadline"]
        scores.units_ok += checks["lead"] and checks["responsible"]
        for name, ok in checks.items():
            if not ok:
                scores.wrong.append((name, row, task))
    scores.extras = [task for tasks in pool.values() for task in tasks]
    return scores


def score_all(results: dict[str, list[dict]], gold: list[dict]) -> tuple[Scores, dict[str, Scores]]:
    """``results`` maps a document name to its extracted tasks (dicts, as to_dict() gives)."""
    by_doc: dict[str, list[dict]] = defaultdict(list)
    for row in gold:
        by_doc[row["doc"]].append(row)
    total = Scores()
    per_doc = {}
    for doc in sorted(set(by_doc) | set(results)):
        scores = score_document(by_doc.get(doc, []), results.get(doc, []))
        per_doc[doc] = scores
        total.add(scores)
    return total, per_doc
