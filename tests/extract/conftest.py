"""Engine tests run without Django; make the project importable however pytest is started.

Tests that need LibreOffice or Tesseract take the ``libreoffice`` / ``tesseract`` fixture
(tests/conftest.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
