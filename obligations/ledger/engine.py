"""openpyxl, loaded so that it writes plain UTF-8.

openpyxl chooses its XML writer once, when first imported: with lxml installed (python-docx brings
it) it uses lxml's incremental writer, which writes every Chinese character as a numeric entity
(&#20219; for 任, 8 bytes instead of 3) and makes ledgers larger. tracker/settings.py sets
OPENPYXL_LXML=False before anything imports openpyxl; this module does the same for code that
runs without the settings, and a system check (ledger.W001) reports a process where openpyxl was
imported too early to obey.
"""

from __future__ import annotations

import os
import sys

if "openpyxl" not in sys.modules:
    os.environ["OPENPYXL_LXML"] = "False"

import openpyxl


def writes_plain_utf8() -> bool:
    """True when openpyxl uses the stdlib XML writer (UTF-8 text, no character entities)."""
    return not openpyxl.LXML
