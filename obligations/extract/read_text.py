"""Plain text / markdown -> blocks: one paragraph per line, markdown headings, pipe and tab tables."""

from __future__ import annotations

import re

from .blocks import Block

_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s*(.*?)\s*#*\s*$")
_PIPE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_TAB = "\t"


def _pipe_cells(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|"):
        line = line[:-1]
    return [cell.strip() for cell in line.split("|")]


def text_blocks(text: str) -> list[Block]:
    """Split decoded text into paragraph and table blocks."""
    blocks: list[Block] = []
    table: list[list[object]] = []
    table_kind = ""
    table_line = 0
    pending_tab: tuple[int, str] | None = None  # a lone tab line becomes a paragraph

    def flush_table() -> None:
        nonlocal table, table_kind, pending_tab
        if pending_tab is not None:
            number, content = pending_tab
            blocks.append(Block(text=re.sub(r"\t+", " ", content).strip(), line=number))
            pending_tab = None
        if table:
            blocks.append(Block(rows=table, line=table_line))
        table = []
        table_kind = ""

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        stripped = line.strip()
        if not stripped:
            if table_kind == "tab" or pending_tab is not None:
                flush_table()
            continue
        if stripped.startswith("|") and stripped.count("|") >= 2:
            if table_kind != "pipe":
                flush_table()
                table_kind, table_line = "pipe", number
            if not _PIPE_SEPARATOR.match(stripped):
                table.append(list(_pipe_cells(stripped)))
            continue
        if _TAB in stripped:
            if table_kind == "tab":
                table.append([cell.strip() for cell in line.split(_TAB)])
                continue
            if pending_tab is not None:
                first_number, first = pending_tab
                pending_tab = None
                flush_table()
                table_kind, table_line = "tab", first_number
                table = [
                    [cell.strip() for cell in first.split(_TAB)],
                    [cell.strip() for cell in line.split(_TAB)],
                ]
                continue
            flush_table()
            pending_tab = (number, line)
            continue
        flush_table()
        heading = _MD_HEADING.match(line)
        if heading:
            content = heading.group(2).strip()
            if content:
                blocks.append(Block(text=content, heading=len(heading.group(1)), line=number))
            continue
        blocks.append(Block(text=stripped, line=number))
    flush_table()
    return blocks
