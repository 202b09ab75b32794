"""Tables copied out of a web page one cell per line: a run of column names ("序号" / "主要工作任务" /
"责任单位" / "完成时限", each on its own line, sometimes closed by " |"), then the cells of each row in
the same order. Rebuilt into table blocks so the table reader sees rows again.

A row starts at its number when the table has a 序号 column (the next number in sequence), else every
``width`` lines make a row. Rows with fewer cells than columns (an empty cell leaves no line) are
spread over the columns by what each cell looks like: a deadline, a unit list, a person's name.
"""

from __future__ import annotations

import re

from .blocks import Block
from .deadlines import parse_deadline
from .labels import find_label
from .tables import header_role
from .text import fold, squash
from .units import looks_like_unit

_CELL_EDGE = re.compile(r"^\s*[|｜]\s*|\s*[|｜]\s*$")
_ROW_NUMBER = re.compile(r"^\d{1,3}$")
_PERSON = re.compile(r"^[\u4e00-\u9fff]{2,4}(?:[、，,][\u4e00-\u9fff]{2,4})*$")
_MAX_COLUMNS = 12
_TASK_ROLES = {"text", "category"}
_ASSIGN_ROLES = {"lead", "responsible", "deadline", "person"}


def _cell(text: str) -> str:
    return _CELL_EDGE.sub("", text).strip()


def _header_roles(blocks: list[Block], start: int) -> list[str] | None:
    """Column roles of a header run starting at ``start`` (one column name per line), or None."""
    roles: list[str] = []
    for block in blocks[start : start + _MAX_COLUMNS]:
        if block.is_table or len(block.text) > 30:
            break
        name = squash(fold(_cell(block.text)))
        role = header_role(name) if 0 < len(name) <= 14 else None
        if role is None:
            break
        roles.append(role)
    kinds = set(roles)
    if len(roles) >= 3 and kinds & _TASK_ROLES and kinds & _ASSIGN_ROLES:
        return roles
    return None


def _fits(role: str, text: str) -> bool:
    if role == "number":
        return bool(_ROW_NUMBER.match(text))
    if role == "deadline":
        parsed = parse_deadline(text)
        return parsed is not None and parsed.kind != "none" and len(squash(text)) <= 30
    if role in ("lead", "responsible"):
        return all(looks_like_unit(part) for part in re.split(r"[、，,；;]", text) if part)
    if role == "person":
        return bool(_PERSON.match(squash(text))) and not looks_like_unit(text)
    return True


def _spread(cells: list[str], roles: list[str]) -> list[str]:
    """Cells of a row placed under their columns; a missing cell leaves its column empty."""
    if len(cells) >= len(roles):
        return cells[: len(roles)]
    row = [""] * len(roles)
    position = 0
    for column, role in enumerate(roles):
        if position >= len(cells):
            break
        remaining_cells = len(cells) - position
        remaining_columns = len(roles) - column
        if _fits(role, cells[position]) or remaining_cells >= remaining_columns:
            row[column] = cells[position]
            position += 1
    return row


def _rows(blocks: list[Block], start: int, roles: list[str]) -> tuple[list[list[str]], int]:
    """Rows after the header, and the index of the first block that is not part of the table."""
    numbered = roles[0] == "number"
    rows: list[list[str]] = []
    current: list[str] = []
    expected = 1
    index = start
    while index < len(blocks):
        block = blocks[index]
        if block.is_table:
            break
        text = _cell(block.text)
        starts_row = numbered and _ROW_NUMBER.match(text) and int(text) == expected
        if numbered and not current and not starts_row:
            break  # the table ended
        if starts_row and current:
            rows.append(current)
            current = []
        if starts_row:
            expected += 1
        label = find_label(text)
        if current and label is not None and label.style not in ("ar_space", "ar_dot") and not starts_row:
            break  # "二、…": the text goes on after the table
        if len(current) >= len(roles):
            break
        current.append(text)
        index += 1
        if not numbered and len(current) == len(roles):
            rows.append(current)
            current = []
    if current:
        if numbered and len(current) > 1:
            rows.append(current)
        else:
            index -= len(current)
    return [_spread(cells, roles) for cells in rows], index


def rebuild_cell_tables(blocks: list[Block]) -> list[Block]:
    """Paragraph runs that are tables written one cell per line become table blocks."""
    out: list[Block] = []
    index = 0
    while index < len(blocks):
        block = blocks[index]
        roles = None if block.is_table else _header_roles(blocks, index)
        if roles is None:
            out.append(block)
            index += 1
            continue
        header = [_cell(item.text) for item in blocks[index : index + len(roles)]]
        rows, end = _rows(blocks, index + len(roles), roles)
        if not rows:
            out.append(block)
            index += 1
            continue
        out.append(Block(rows=[header, *rows], line=block.line))  # type: ignore[list-item]
        index = end
    return out
