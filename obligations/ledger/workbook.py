"""Writing the ledger workbook: openpyxl in write-only mode, laid out like a careful clerk's ledger.

Two sheets: 汇总 (per unit counts and totals) first, then 进展台账 (one row per task). Both have a
title centred over the columns, a frozen header, landscape paper fitted to one page wide, the
header row repeated on every printed page and page numbers in the footer; the ledger also has an
autofilter. Rows stream to openpyxl's temporary sheet files as they come, so memory stays flat.
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO
from xml.sax.saxutils import escape
from zipfile import ZIP_DEFLATED, ZipFile

from openpyxl.cell.cell import Cell
from openpyxl.compat import safe_string
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.page import PageMargins
from openpyxl.writer.excel import ExcelWriter

from ..dates import chinese_date
from ..models.lights import UNIT_PART_NOTE, Light
from .cells import safe_text
from .engine import openpyxl
from .rows import HEADERS, LedgerRow, Summary, UnitCounts

# Column widths are in Excel's character units; a Chinese character takes about two. The ledger's
# widths add up to a sheet that prints at roughly 85% on A4 landscape and full size on A3.
LEDGER_WIDTHS = {
    "序号": 5,
    "任务来源": 18,
    "任务内容": 42,
    "牵头单位": 13,
    "责任单位": 15,
    "责任人": 8,
    "完成时限": 13,
    "进展情况": 32,
    "状态": 8,
    "红黄绿灯": 10,
    "备注": 16,
}
CENTRED = {"序号", "责任人", "完成时限", "状态", "红黄绿灯"}
SUMMARY_HEADERS = ("序号", "单位", "任务数", "已办结", "推进中", "逾期", "办结率", "考核得分")
SUMMARY_WIDTHS = (6, 34, 10, 10, 10, 10, 10, 10)
DATE_FORMAT = 'yyyy"年"m"月"d"日"'
_SUMMARY_FORMATS = {7: "0.0%", 8: "0.00"}  # 办结率, 考核得分
PAPER_SIZES = {"A4": 9, "A3": 8}  # OOXML paperSize codes
# Row heights: Excel and LibreOffice do not reliably grow rows to fit wrapped text when a file is
# opened, so each row gets a height for its longest cell, estimated from the column widths.
LINE_HEIGHT = 13.5  # points per line of 10pt text (Excel: 宋体 10pt)
ROW_PADDING = 5.0
MIN_ROW_HEIGHT = 22.0
# Deflate level for the .xlsx archive (zlib's default is 6): see the ledger bench for the trade.
COMPRESS_LEVEL = 6

_THIN = Side(style="thin", color="FF000000")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
TITLE_FONT = Font(name="宋体", size=18, bold=True)
HEADER_FONT = Font(name="黑体", size=11)
BODY_FONT = Font(name="宋体", size=10)
TOTAL_FONT = Font(name="宋体", size=10, bold=True)
HEADER_FILL = PatternFill("solid", fgColor="FFD9D9D9")
# (fill, ink) of each light's cell, from the lights' one definition.
LIGHT_STYLES = {light: (light.fill, light.ink) for light in Light}
_DATA_TYPES = {
    str: "s",
    int: "n",
    float: "n",
    datetime.date: "d",
    datetime.datetime: "d",
    type(None): "n",
}


@dataclass(frozen=True)
class LedgerMeta:
    title: str  # e.g. 示范市督办任务进展台账（2025年3月）
    as_of: datetime.date
    paper: str = "A4"
    filters_text: str = ""  # the filters in words, for the summary's note


class _TemplateSheet(WriteOnlyWorksheet):
    """A write-only sheet whose rows reuse one pre-styled cell per column.

    openpyxl's own append() makes a new Cell for every styled value and serialises each through
    ElementTree, element by element; that cost more than everything else a 100,000-row ledger
    does. Here every cell of a row is styled from its column's template, so a row's XML is
    formatted in one go (``_row_xml``) and handed to openpyxl's stream inside its sheetData,
    exactly as openpyxl would have written it (tests/ledger/test_workbook.py compares the bytes).
    Values must be str (already made safe), int, float, date or None. With lxml's writer (which
    the settings avoid) the rows go through openpyxl's own serialiser.
    """

    # Rows formatted here (stdlib writer), or through openpyxl's serialiser (lxml's writer).
    rows_as_xml = not openpyxl.LXML
    _templates: list[Cell] | None = None
    _row_count = 0  # rows appended so far (all through append_styled)

    def append_styled(self, values: list, templates: list[Cell], height: float | None = None) -> None:
        row_idx = self._row_count + 1
        if not self.rows_as_xml:
            self._append_through_openpyxl(values, templates, row_idx, height)
        else:
            self._get_writer()
            if self._rows is None:
                self._rows = self._write_xml_rows()
                next(self._rows)
            self._rows.send(_row_xml(row_idx, values, templates, height, self.parent.epoch))
        self._row_count = row_idx

    def _write_xml_rows(self):
        """Like WriteOnlyWorksheet._write_rows, but each row arrives as its finished XML."""
        try:
            xf = self._writer.xf.send(True)
        except StopIteration:
            self._already_saved()
        with xf.element("sheetData"):
            write = xf._file  # the stdlib writer's output (et_xmlfile's _IncrementalFileWriter)
            try:
                while True:
                    write((yield))
            except GeneratorExit:
                pass
        self._writer.xf.send(None)

    def _append_through_openpyxl(
        self, values: list, templates: list[Cell], row_idx: int, height: float | None
    ) -> None:
        if height is not None:
            # The sheet writer reads a row's attributes from row_dimensions as the row is written;
            # a plain dict, dropped straight after, keeps memory flat (no object kept per row).
            self.row_dimensions[row_idx] = {"ht": f"{height:g}", "customHeight": "1"}
        self._templates = templates
        try:
            self.append(values)
        finally:
            self._templates = None
            if height is not None:
                del self.row_dimensions[row_idx]

    def _values_to_row(self, values, row_idx):
        templates = self._templates
        if templates is None:
            yield from super()._values_to_row(values, row_idx)
            return
        for cell, value in zip(templates, values, strict=True):
            cell._value = value
            cell.data_type = _DATA_TYPES[type(value)]
            cell.row = row_idx
            yield cell


def _row_xml(row: int, values: list, templates: list[Cell], height: float | None, epoch) -> str:
    """One row as openpyxl's stdlib writer writes styled cells: strings inline, dates as serial
    numbers, empty cells kept for their borders."""
    size = "" if height is None else f' ht="{height:g}" customHeight="1"'
    parts = [f'<row r="{row}"{size}>']
    for template, value in zip(templates, values, strict=True):
        head = f'<c r="{template.column_letter}{row}" s="{template.style_id}"'
        kind = value.__class__
        if kind is str:
            if not value:
                parts.append(f'{head} t="inlineStr" />')
                continue
            stripped = value.strip()
            space = ' xml:space="preserve"' if stripped and stripped != value else ""
            parts.append(f'{head} t="inlineStr"><is><t{space}>{escape(value)}</t></is></c>')
        elif value is None:
            parts.append(f'{head} t="n" />')
        elif kind is int or kind is float:
            parts.append(f'{head} t="n"><v>{safe_string(value)}</v></c>')
        elif kind is datetime.date or (kind is datetime.datetime and value.tzinfo is None):
            parts.append(f'{head} t="n"><v>{safe_string(to_excel(value, epoch))}</v></c>')
        else:  # what the template path's _DATA_TYPES refuses too
            raise TypeError(f"进展台账单元格不支持该类型的值：{kind.__name__}")
    parts.append("</row>")
    return "".join(parts)


def text_lines(text: str, capacity: int) -> int:
    """Lines a wrapped text needs in a column holding ``capacity`` half-width characters.

    Display width is estimated from the UTF-8 length (in C, not a Python loop over characters):
    a CJK character is 3 bytes and two columns wide, an ASCII one 1 byte and one column.
    """
    if "\n" in text:
        return sum(text_lines(part, capacity) for part in text.split("\n"))
    width = (len(text.encode()) + len(text)) // 2
    return max(1, -(-width // capacity))


def row_height(values: list, capacities: list[tuple[int, int]]) -> float:
    lines = 1
    for index, capacity in capacities:
        value = values[index]
        # A text of at most capacity/2 characters fits on one line unless it breaks lines itself.
        if value.__class__ is str and (len(value) > capacity // 2 or "\n" in value):
            needed = text_lines(value, capacity)
            if needed > lines:
                lines = needed
    return max(MIN_ROW_HEIGHT, lines * LINE_HEIGHT + ROW_PADDING)


def _capacities(widths: Iterable[int]) -> list[tuple[int, int]]:
    # One character's width of padding; the rest holds text.
    return [(index, max(1, int(width) - 1)) for index, width in enumerate(widths)]


class _TemplateCell(Cell):
    """A cell whose style is fixed once made, so its style id is looked up once, not per row."""

    __slots__ = ("_fixed_style_id",)

    def freeze(self) -> _TemplateCell:
        self._fixed_style_id = Cell.style_id.fget(self)
        return self

    @property
    def style_id(self) -> int:
        return self._fixed_style_id

    @property
    def has_style(self) -> bool:
        return True


def _template(
    ws,
    column: int,
    *,
    font=BODY_FONT,
    horizontal="left",
    fill=None,
    number_format=None,
    border=BORDER,
    vertical="center",
) -> Cell:
    cell = _TemplateCell(ws, row=1, column=column)
    cell.font = font
    cell.border = border
    cell.alignment = Alignment(horizontal=horizontal, vertical=vertical, wrap_text=True)
    if fill is not None:
        cell.fill = fill
    if number_format:
        cell.number_format = number_format
    return cell.freeze()


def _add_sheet(wb, title: str) -> _TemplateSheet:
    ws = _TemplateSheet(parent=wb, title=title)
    wb._add_sheet(ws)
    return ws


def _prepare(ws: _TemplateSheet, widths: Iterable[int], meta: LedgerMeta, *, landscape: bool) -> int:
    """Everything openpyxl writes before the first row: widths, frozen panes, page set-up."""
    widths = list(widths)
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A3"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = PAPER_SIZES[meta.paper]
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages tall as needed
    ws.print_options.horizontalCentered = True
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.7, bottom=0.7, header=0.3, footer=0.3)
    ws.print_title_rows = "2:2"
    ws.oddHeader.right.text = f"统计截至：{chinese_date(meta.as_of)}"
    ws.oddHeader.right.size = 9
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.oddFooter.center.size = 9
    return len(widths)


def _title_and_header(ws: _TemplateSheet, title: str, headers: Iterable[str]) -> None:
    headers = list(headers)
    last = get_column_letter(len(headers))
    title_cells = [_template(ws, 1, font=TITLE_FONT, horizontal="center", border=Border())]
    ws.append_styled([safe_text(title)], title_cells, 36)
    ws.merged_cells.add(f"A1:{last}1")
    header_cells = [
        _template(ws, index, font=HEADER_FONT, horizontal="center", fill=HEADER_FILL)
        for index in range(1, len(headers) + 1)
    ]
    ws.append_styled(list(headers), header_cells, 24)


def _ledger_templates(ws: _TemplateSheet) -> dict[str, list[Cell]]:
    """One list of column templates per light; only the light column differs between them."""
    base = [
        _template(
            ws,
            index,
            horizontal="center" if header in CENTRED else "left",
            number_format=DATE_FORMAT if header == "完成时限" else None,
        )
        for index, header in enumerate(HEADERS, start=1)
    ]
    light_column = HEADERS.index("红黄绿灯")
    by_light = {}
    for light, (fill, ink) in LIGHT_STYLES.items():
        cells = list(base)
        cells[light_column] = _template(
            ws,
            light_column + 1,
            font=Font(name="宋体", size=10, bold=True, color=ink),
            horizontal="center",
            fill=PatternFill("solid", fgColor=fill),
        )
        by_light[str(light)] = cells
    return by_light


def write_workbook(
    dest: str | IO[bytes], rows: Iterable[LedgerRow], summary: Summary, meta: LedgerMeta
) -> int:
    """Write the ledger to ``dest`` (a path or a binary file); return the number of task rows.

    ``rows`` must feed ``summary`` as it goes (LedgerQuery.rows does): the summary sheet comes first
    in the workbook but is written last, when the counts are complete.
    """
    wb = openpyxl.Workbook(write_only=True)
    wb.properties.creator = "督办台账"
    wb.properties.title = meta.title
    summary_ws = _add_sheet(wb, "汇总")
    ledger_ws = _add_sheet(wb, "进展台账")
    _prepare(summary_ws, SUMMARY_WIDTHS, meta, landscape=False)
    _prepare(ledger_ws, (LEDGER_WIDTHS[header] for header in HEADERS), meta, landscape=True)

    try:
        _title_and_header(ledger_ws, meta.title, HEADERS)
        templates = _ledger_templates(ledger_ws)
        capacities = _capacities(LEDGER_WIDTHS[header] for header in HEADERS)
        count = 0
        for row in rows:
            ledger_ws.append_styled(row.values, templates[row.light], row_height(row.values, capacities))
            count += 1
        ledger_ws.auto_filter.ref = f"A2:{get_column_letter(len(HEADERS))}{count + 2}"

        _write_summary(summary_ws, summary, meta)
        archive = ZipFile(dest, "w", ZIP_DEFLATED, allowZip64=True, compresslevel=COMPRESS_LEVEL)
        wb.properties.modified = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
        ExcelWriter(wb, archive).save()
    except BaseException:
        for ws in (summary_ws, ledger_ws):
            _discard(ws)
        raise
    return count


def _discard(ws: _TemplateSheet) -> None:
    """Close a sheet abandoned mid-write and remove its temporary file (openpyxl would otherwise
    keep it until the process exits: a worker's failed ledgers would pile up)."""
    with contextlib.suppress(OSError, ValueError):
        if ws._rows is not None:
            ws._rows.close()
        if ws._writer is not None:
            ws._writer.close()
            ws._writer.cleanup()


def _write_summary(ws: _TemplateSheet, summary: Summary, meta: LedgerMeta) -> None:
    _title_and_header(ws, meta.title.replace("进展台账", "进展台账汇总", 1), SUMMARY_HEADERS)
    aligns = ("center", "left", "center", "center", "center", "center", "center", "center")
    body = [
        _template(ws, index, horizontal=align, number_format=_SUMMARY_FORMATS.get(index))
        for index, align in enumerate(aligns, start=1)
    ]
    total = [
        _template(ws, index, font=TOTAL_FONT, horizontal=align, number_format=_SUMMARY_FORMATS.get(index))
        for index, align in enumerate(aligns, start=1)
    ]

    def values(number: int | str, counts: UnitCounts) -> list:
        return [
            number,
            safe_text(counts.name),
            counts.tasks,
            counts.done,
            counts.in_progress,
            counts.overdue,
            round(counts.completion_rate, 4),
            None if counts.score is None else float(counts.score),
        ]

    capacities = _capacities(SUMMARY_WIDTHS)
    for number, counts in enumerate(summary.unit_rows(), start=1):
        row = values(number, counts)
        ws.append_styled(row, body, row_height(row, capacities))
    ws.append_styled(values("", summary.total), total, MIN_ROW_HEIGHT)

    note = (
        f"说明：统计截至{chinese_date(meta.as_of)}。{UNIT_PART_NOTE}；"
        "“合计”按任务计；推进中含未开始、推进中和办结待审核的未逾期任务。"
        "考核得分为该单位当月得分（按全部已发布任务计算，本月截至统计日）；泛指单位组不参加考核。"
    )
    if meta.filters_text:
        note += f"筛选条件：{meta.filters_text}。"
    note_cell = [_template(ws, 1, border=Border(), vertical="top")]
    row = len(summary.units) + 4
    note = safe_text(note)
    ws.append_styled([note], note_cell, text_lines(note, sum(SUMMARY_WIDTHS) - 2) * LINE_HEIGHT + ROW_PADDING)
    ws.merged_cells.add(f"A{row}:{get_column_letter(len(SUMMARY_HEADERS))}{row}")
