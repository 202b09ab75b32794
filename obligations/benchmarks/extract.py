"""Extraction throughput over the seed gazettes (filled in by the extraction engine)."""

from __future__ import annotations

from . import BenchContext

TITLE = "方案提取（extract）"


def run(ctx: BenchContext) -> dict:
    return {"figures": {}, "skipped": "extraction engine not merged yet"}
