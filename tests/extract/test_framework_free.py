"""The engine must stay importable and usable without Django."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROGRAM = """
import importlib, pkgutil, sys
import obligations.extract as engine
for module in pkgutil.iter_modules(engine.__path__):
    importlib.import_module(f"obligations.extract.{module.name}")
result = engine.extract_file("fixtures/plans/000_00f7338b1488e55e.txt")
assert result.task_count > 0
loaded = sorted(name for name in sys.modules if name == "django" or name.startswith("django."))
print("DJANGO:" + ",".join(loaded))
"""


def test_engine_imports_and_runs_without_django() -> None:
    completed = subprocess.run(
        [sys.executable, "-c", PROGRAM], capture_output=True, text=True, cwd=ROOT, timeout=120, check=False
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "DJANGO:"
