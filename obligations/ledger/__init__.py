"""Monthly progress ledgers (进展台账) as Excel workbooks.

One job per module: ``filters`` (month and filters), ``rows`` (the query and the rows, one pass),
``cells`` (safe cell text), ``workbook`` (layout and writing), ``storage`` (files, history,
downloads), ``engine`` (openpyxl with its UTF-8 writer), ``export_form`` (the web form), ``monthly`` (the
scheduled ledger and its django-q entry point), ``checks``.

The names below load on first use, so importing the package (e.g. for its system check) does not
import openpyxl.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "HEADERS": "rows",
    "LedgerQuery": "rows",
    "Summary": "rows",
    "LedgerFilterError": "filters",
    "LedgerFilters": "filters",
    "parse_month": "filters",
    "build_ledger": "storage",
    "generate_ledger_file": "storage",
    "ledger_response": "storage",
    "visible_exports": "storage",
    "writes_plain_utf8": "engine",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
