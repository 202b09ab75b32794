"""Normalise what the readers produced, once: widths folded, markdown/HTML emphasis and list
bullets dropped, the spaces PDF layout leaves inside Chinese text removed, web-page chrome dropped. Later stages rely on it."""

from __future__ import annotations

from .blocks import Block
from .cell_lines import rebuild_cell_tables
from .chrome import drop_chrome
from .flat_tables import unflatten_tables
from .flattened import split_flattened
from .text import compact_cjk, fold, strip_markup

_BULLETS = ("- ", "* ", "• ", "+ ", "· ")


def clean(text: str) -> str:
    """Paragraph text for matching: markup and bullets gone, widths folded, CJK spacing repaired."""
    text = strip_markup(fold(text)).strip()
    if text[:2] in _BULLETS:
        text = text[2:].strip()
    return compact_cjk(text)


def normalise_blocks(blocks: list[Block]) -> list[Block]:
    """Paragraph text cleaned and empty paragraphs dropped; tables pass through untouched, and
    tables flattened into lines (one row per line, or one cell per line) are rebuilt first; a plan
    that lost its line breaks is cut back into paragraphs at its labels."""
    out = []
    for block in unflatten_tables(rebuild_cell_tables(drop_chrome(blocks))):
        if block.is_table:
            out.append(block)
            continue
        text = clean(block.text)
        if text:
            block.text = text
            out.append(block)
    return split_flattened(out)
