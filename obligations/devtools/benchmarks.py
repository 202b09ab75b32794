"""Benchmark sections for ``manage.py bench``. Each section module has TITLE and run(ctx) -> dict.

A section returns {"figures": {...}} and, where it has them, "baseline" (measured in the same run),
"ratio" and "targets" ({figure: [operator, value]}) that the command checks and reports.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from types import ModuleType

# Order matters: "seed" fills the benchmark database the later sections read.
SECTIONS = ["seed", "dashboard", "reminders", "ledger", "reports", "bulletin", "load", "extract"]


@dataclass
class BenchContext:
    tasks: int
    units: int
    options: dict = field(default_factory=dict)
    shared: dict = field(default_factory=dict)  # what one section leaves for the next (e.g. seed summary)


def load_section(name: str) -> ModuleType:
    return importlib.import_module(f"{__package__}.bench_{name}")
