"""Excel (.xlsx) task lists -> notices and tasks (openpyxl, read-only).

Each sheet is a table; the header row is found by its names (not necessarily row 1), merged
cells are filled from their top-left cell, date cells stay dates. Rows sharing a 任务来源
("plan title（文号）", as our monthly ledger writes it) form one notice; sheets without a
recognisable header (a 汇总 sheet) are not task lists.
"""

from __future__ import annotations

import io
import re
import zipfile

from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries

from ..workdays import WorkdayCalendar
from .blocks import Block, Document, cell_text
from .deadlines import DeadlineContext
from .notices import jurisdiction_from
from .records import ExtractedTask, ExtractionError, Notice
from .tables import deadline_from_cell, find_header, read_task_rows, split_source
from .tasks import TaskRules, fill_task
from .text import compact_cjk

MAX_ROWS = 100_000
MAX_COLUMNS = 60
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"')
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")


def _merged_ranges(data: bytes, sheet_path: str | None) -> list[tuple[int, int, int, int]]:
    """Merged ranges (min_col, min_row, max_col, max_row), read straight from the sheet XML,
    because read-only worksheets do not expose them."""
    if not sheet_path:
        return []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        try:
            xml = archive.read(sheet_path.lstrip("/"))
        except KeyError:
            return []
    ranges = []
    for match in _MERGE.finditer(xml):
        min_col, min_row, max_col, max_row = range_boundaries(match.group(1).decode())
        ranges.append((min_col, min_row, max_col, max_row))
    return ranges


# Spreadsheets written against formula injection (OWASP) put an apostrophe before text starting
# with one of these; the apostrophe is an escape, not part of the text.
_FORMULA_TRIGGERS = tuple("=+-@\t\r＝＋－＠")


def _unescape(value: object) -> object:
    if (
        isinstance(value, str)
        and value.startswith("'")
        and value[1:2]
        and value[1:].startswith(_FORMULA_TRIGGERS)
    ):
        return value[1:]
    return value


def _sheet_rows(sheet: object) -> list[list[object]]:
    rows: list[list[object]] = []
    empty_run = 0
    for row in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS):  # type: ignore[attr-defined]
        values = [_unescape(value) for value in row]
        if any(value not in (None, "") for value in values):
            empty_run = 0
        else:
            empty_run += 1
            if empty_run > 500:
                break
        rows.append(values)
        if len(rows) >= MAX_ROWS:
            break
    while rows and not any(value not in (None, "") for value in rows[-1]):
        rows.pop()
    return rows


def _fill_merged(rows: list[list[object]], ranges: list[tuple[int, int, int, int]]) -> None:
    for min_col, min_row, max_col, max_row in ranges:
        if min_row - 1 >= len(rows):
            continue
        top = rows[min_row - 1]
        value = top[min_col - 1] if min_col - 1 < len(top) else None
        for row_index in range(min_row - 1, min(max_row, len(rows))):
            row = rows[row_index]
            for col_index in range(min_col - 1, min(max_col, MAX_COLUMNS)):
                while len(row) <= col_index:
                    row.append(None)
                if row[col_index] in (None, ""):
                    row[col_index] = value


def xlsx_document(data: bytes) -> Document:
    """One table block per sheet, merged cells filled."""
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    blocks = []
    try:
        for sheet in workbook.worksheets:
            rows = _sheet_rows(sheet)
            _fill_merged(rows, _merged_ranges(data, getattr(sheet, "_worksheet_path", None)))
            blocks.append(Block(rows=rows, sheet=sheet.title))
    finally:
        workbook.close()
    return Document(blocks=blocks, kind="xlsx")


def _title_above(rows: list[list[object]], header_row: int) -> str | None:
    """A title row above the header ("2021年重点任务台账"): one distinct non-empty text."""
    for row in rows[:header_row]:
        values = {compact_cjk(cell_text(value)) for value in row if cell_text(value)}
        if len(values) == 1:
            return values.pop()
    return None


def ledger_notices(document: Document, *, year: int | None, calendar: WorkdayCalendar) -> list[Notice]:
    """Task sheets -> notices (one per 任务来源, or one per sheet without that column)."""
    notices: dict[tuple[str, str | None], Notice] = {}
    found_header = False
    for block in document.blocks:
        rows = block.rows or []
        header = find_header(rows)
        if header is None:
            continue
        found_header = True
        sheet_title = _title_above(rows, header.row) or block.sheet or ""
        for row in read_task_rows(rows, header):
            title, number = split_source(row.source) if row.source else (sheet_title, None)
            key = (title, number)
            notice = notices.get(key)
            if notice is None:
                notice = Notice(title=title, number=number, year=_year(title, number, year))
                notices[key] = notice
            rules = TaskRules(
                DeadlineContext(year=notice.year, calendar=calendar), lead_first=header.lead_first
            )
            task = ExtractedTask(
                section=[row.category] if row.category and row.category != row.text else [],
                number=row.number,
                text=row.text,
            )
            fill_task(
                task,
                row.lead,
                row.responsible,
                row.person,
                None,
                rules,
                deadline_from_cell(row.deadline_cell, rules.ctx),
            )
            notice.tasks.append(task)
    if not found_header:
        raise ExtractionError(
            "表格中没有找到任务表头（如“序号”“工作任务”“责任单位”“完成时限”），无法识别任务。"
        )
    return list(notices.values())


def _year(title: str, number: str | None, fallback: int | None) -> int | None:
    if number:
        match = re.search(r"〔(\d{4})〕", number)
        if match:
            return int(match.group(1))
    match = _YEAR.search(title or "")
    return int(match.group(1)) if match else fallback


def xlsx_jurisdiction(notices: list[Notice]) -> str | None:
    for notice in notices:
        if "政府" in (notice.title or ""):
            found = jurisdiction_from(notice.title)
            if found:
                return found
    return None
