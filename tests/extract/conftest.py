"""Engine tests run without Django; make the project importable however pytest is started.

Tests that need LibreOffice or Tesseract take the ``libreoffice`` / ``tesseract`` fixture: they are
skipped on a developer machine without the program and fail in CI (CI=true), where
.ci/system-deps.sh installs them.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _require(found: bool, what: str) -> None:
    if found:
        return
    if _in_ci():
        pytest.fail(f"CI 环境缺少 {what}（请运行 .ci/system-deps.sh）")
    pytest.skip(f"{what} not installed")


@pytest.fixture(scope="session")
def libreoffice() -> None:
    from obligations.extract.convert import soffice

    _require(soffice() is not None, "LibreOffice (libreoffice-writer-nogui, libreoffice-calc-nogui)")


@pytest.fixture(scope="session")
def tesseract() -> None:
    from obligations.extract.read_ocr import available

    _require(available(), "Tesseract with chi_sim (tesseract-ocr, tesseract-ocr-chi-sim)")
