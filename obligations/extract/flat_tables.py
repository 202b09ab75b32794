"""Tables that lost their grid (PDF-to-text, copy-paste): a header line of column names apart by
spaces, then one line per row ("1 建立台账 区财政局 2021年6月底前"), wrapped cell text on lines
of its own. Rebuilt into table blocks before the text is normalised (the spaces are the grid)."""

from __future__ import annotations

import re

from .blocks import Block
from .deadlines import parse_deadline
from .labels import find_label
from .tables import header_role
from .units import looks_like_unit

_ROW_NUMBER = re.compile(r"^\d{1,3}$")
_UNIT_COLUMNS = {"lead", "responsible"}


def _header(text: str) -> list[str] | None:
    tokens = text.split()
    if not 3 <= len(tokens) <= 20 or len(text) > 120:
        return None
    roles = []
    for token in tokens:
        role = header_role(token)
        if role is None:
            return None
        roles.append(role)
    kinds = set(roles)
    if not kinds & {"text", "category"} or not kinds & {"lead", "responsible", "deadline"}:
        return None
    return roles  # type: ignore[return-value]


def _row(tokens: list[str], roles: list[str]) -> list[str]:
    """Spread a row's tokens over the columns: fixed columns from both ends, the text in between."""
    cells = [""] * len(roles)
    left, right = 0, len(roles) - 1
    if roles[0] == "number" and tokens and _ROW_NUMBER.match(tokens[0]):
        cells[0], tokens, left = tokens[0], tokens[1:], 1
    while right > left and tokens:
        role = roles[right]
        if role == "deadline":
            deadline = parse_deadline(tokens[-1])
            if deadline is None or deadline.kind == "none":
                break
            cells[right] = tokens.pop()
        elif role in _UNIT_COLUMNS or role == "person":
            taken = []
            while tokens and len(tokens) > 1 and (role == "person" or _unit_token(tokens[-1])):
                taken.insert(0, tokens.pop())
                if role == "person":
                    break
            cells[right] = "、".join(token.strip("、，,") for token in taken)
        else:
            break
        right -= 1
    text_columns = [index for index in range(left, right + 1) if roles[index] in ("text", "category")]
    target = text_columns[-1] if text_columns else left
    cells[target] = "".join(tokens)
    return cells


def _unit_token(token: str) -> bool:
    """A unit, or a list of units whose last name may continue on the next line."""
    pieces = [piece for piece in re.split(r"[、，,]", token) if piece]
    if len(pieces) > 1:
        return all(looks_like_unit(piece) for piece in pieces[:-1])
    return looks_like_unit(token.strip("、，,"))


def _incomplete_units(cell: str) -> bool:
    last = re.split(r"[、，,]", cell)[-1] if cell else ""
    return not cell or not looks_like_unit(last)


def unflatten_tables(blocks: list[Block]) -> list[Block]:
    out: list[Block] = []
    table: Block | None = None
    roles: list[str] = []
    for block in blocks:
        if block.is_table:
            table = None
            out.append(block)
            continue
        if table is None:
            found = _header(block.text)
            if found:
                roles = found
                table = Block(rows=[block.text.split()], line=block.line)
                out.append(table)
                continue
            out.append(block)
            continue
        tokens = block.text.split()
        if tokens and _ROW_NUMBER.match(tokens[0]) and roles[0] == "number":
            table.rows.append(_row(tokens, roles))  # type: ignore[union-attr]
        elif len(table.rows or []) > 1 and len(block.text) <= 30 and not find_label(block.text):
            last = table.rows[-1]  # type: ignore[index]
            text_column = max((i for i, role in enumerate(roles) if role == "text"), default=1)
            unit_column = next((i for i, role in enumerate(roles) if role in _UNIT_COLUMNS), None)
            fragment = block.text.replace(" ", "")
            unit_end = (
                unit_column is not None and looks_like_unit(fragment) and _incomplete_units(last[unit_column])
            )
            if unit_end:
                last[unit_column] = f"{last[unit_column]}{fragment}"
            else:
                last[text_column] = f"{last[text_column]}{fragment}"
        else:
            table = None
            out.append(block)
    return out
