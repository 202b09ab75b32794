"""The written workbook, read back with openpyxl: values, types, fills, layout and print settings."""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from decimal import Decimal

import openpyxl
import pytest

from obligations.ledger import HEADERS
from obligations.ledger.workbook import DATE_FORMAT, LEDGER_WIDTHS, LIGHT_STYLES, text_lines

from .conftest import MONTH, TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(build):
    rows, workbook, data = build()
    return rows, workbook, data


def cell_row(ws, text):
    for row in ws.iter_rows(min_row=3):
        if row[2].value == text:
            return row
    raise AssertionError(f"no row for {text!r}")


def test_sheets_title_and_header(ledger):
    rows, wb, _ = ledger
    assert rows == 8
    assert wb.sheetnames == ["汇总", "进展台账"]
    ws = wb["进展台账"]
    assert ws["A1"].value == "督办任务进展台账（2025年3月）"
    assert [str(r) for r in ws.merged_cells.ranges] == ["A1:K1"]
    assert ws["A1"].alignment.horizontal == "center"
    assert ws["A1"].font.b is True
    assert tuple(c.value for c in ws[2]) == HEADERS
    assert all(c.fill.fgColor.rgb == "FFD9D9D9" for c in ws[2])
    assert ws.max_row == 2 + rows


def test_values_and_types(ledger, ledger_world):
    _, wb, _ = ledger
    ws = wb["进展台账"]
    row = cell_row(ws, ledger_world.overdue.text)
    number, source, _text, lead, responsible, person, deadline, progress, status, light, remarks = row
    assert number.value == 1 and number.data_type == "n"
    assert source.value == "关于印发示范区优化营商环境工作方案的通知（示政办字〔2025〕3号）"
    assert lead.value == "区政府办公室（区大数据局）"
    assert responsible.value == "区财政局、区住房城乡建设局"
    assert person.value == "张三"
    # A real Excel date, shown the Chinese way.
    assert deadline.is_date and deadline.value == datetime.datetime(2025, 3, 15)
    assert deadline.number_format == DATE_FORMAT
    # Each reporting unit's latest report, headed by its name (no cell starts with "-" then).
    assert progress.value == (
        "区政府办公室（区大数据局）：已完成系统对接，正在测试。\n区财政局：-已上线80%事项，剩余事项3月底前完成。"
    )
    assert status.value == "推进中"
    assert light.value == "红灯（逾期）"
    assert remarks.value is None
    ongoing = cell_row(ws, ledger_world.ongoing.text)
    assert ongoing[6].value == "长期坚持" and ongoing[6].data_type == "s"
    # Every data cell has a border and wraps, the empty ones too.
    for cell in row:
        assert cell.border.left.style == "thin" and cell.border.bottom.style == "thin"
        assert cell.alignment.wrap_text is True
        assert cell.font.name == "宋体"


@pytest.mark.parametrize(
    ("attr", "light"),
    [
        ("overdue", "red"),
        ("due_soon", "yellow"),
        ("on_track", "green"),
        ("done", "done"),
        ("ongoing", "ongoing"),
    ],
)
def test_light_cells_are_filled(ledger, ledger_world, attr, light):
    _, wb, _ = ledger
    cell = cell_row(wb["进展台账"], getattr(ledger_world, attr).text)[9]
    fill, ink = LIGHT_STYLES[light]
    assert cell.fill.fill_type == "solid"
    assert cell.fill.fgColor.rgb == fill
    assert cell.font.color.rgb == ink


def test_print_ready(ledger):
    _, wb, _ = ledger
    for name, orientation in (("进展台账", "landscape"), ("汇总", "portrait")):
        ws = wb[name]
        assert ws.freeze_panes == "A3"
        assert ws.page_setup.orientation == orientation
        assert int(ws.page_setup.paperSize) == 9  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage is True
        assert int(ws.page_setup.fitToWidth) == 1
        assert int(ws.page_setup.fitToHeight) == 0
        assert ws.print_title_rows in ("2:2", "$2:$2")
        assert "&P" in ws.oddFooter.center.text and "&N" in ws.oddFooter.center.text
        assert ws.oddHeader.right.text == "统计截至：2025年3月31日"
        assert ws.print_options.horizontalCentered is True
    ledger_ws = wb["进展台账"]
    assert ledger_ws.auto_filter.ref == "A2:K10"
    for index, header in enumerate(HEADERS, start=1):
        letter = openpyxl.utils.get_column_letter(index)
        assert ledger_ws.column_dimensions[letter].width == LEDGER_WIDTHS[header]


def test_a3_paper(build):
    _, wb, _ = build({"paper": "A3"})
    assert int(wb["进展台账"].page_setup.paperSize) == 8


def test_row_heights_fit_the_longest_cell(ledger, ledger_world):
    _, wb, _ = ledger
    ws = wb["进展台账"]
    row = cell_row(ws, ledger_world.overdue.text)[0].row
    # 任务来源 is the longest cell here: 61 half-width columns in a column holding 17.
    assert text_lines(ws.cell(row, 2).value, LEDGER_WIDTHS["任务来源"] - 1) == 4
    assert ws.row_dimensions[row].height == 4 * 13.5 + 5
    assert ws.row_dimensions[1].height == 36


def test_text_lines_estimate():
    assert text_lines("一二三四五", 10) == 1
    assert text_lines("一二三四五六", 10) == 2
    assert text_lines("abcdefghijk", 10) == 2
    assert text_lines("一\n二\n三", 10) == 3


def test_summary_sheet(ledger, ledger_world):
    from obligations.bulletin.unit_scores import month_table

    _, wb, _ = ledger
    ws = wb["汇总"]
    assert ws["A1"].value == "督办任务进展台账汇总（2025年3月）"
    assert tuple(c.value for c in ws[2]) == (
        "序号", "单位", "任务数", "已办结", "推进中", "逾期", "办结率", "考核得分",
    )  # fmt: skip
    body = [tuple(c.value for c in row) for row in ws.iter_rows(min_row=3, max_row=6)]
    assert body[0][:7] == (1, "区住房城乡建设局", 5, 0, 4, 1, 0)
    # The score column is the unit's 考核 score for the month (as the scores page shows it).
    scores = month_table(MONTH, TODAY).by_unit()
    assert body[0][7] == float(scores[ledger_world.housing.pk].score)
    assert body[3][7] is None  # 合计 has no score
    assert ws.cell(3, 8).number_format == "0.00"
    assert body[2][:6] == (3, "区政府办公室（区大数据局）", 3, 1, 1, 1)
    assert body[2][6] == pytest.approx(0.3333)
    assert body[3][1:6] == ("合计", 8, 1, 6, 1)
    assert ws.cell(6, 7).number_format == "0.0%"
    assert ws.cell(6, 2).font.b is True
    assert ws.cell(7, 1).value.startswith("说明：统计截至2025年3月31日。")


def test_summary_note_names_the_filters(build, ledger_world):
    _, wb, _ = build({"units": [ledger_world.finance.pk], "lights": ["red"]})
    note = wb["汇总"].cell(wb["汇总"].max_row, 1).value
    assert "筛选条件：单位：区财政局；灯色：红灯（逾期）" in note
    assert [c.value for c in wb["汇总"][3]][:3] == [1, "区财政局", 1]  # only the chosen unit


def test_chinese_is_written_as_utf8_not_entities(ledger):
    """openpyxl's lxml writer would write 任 as &#20219;: the ledger uses the stdlib writer."""
    from obligations.ledger.engine import writes_plain_utf8

    assert writes_plain_utf8()
    assert openpyxl.LXML is False
    _, _, data = ledger
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read("xl/worksheets/sheet2.xml")
    assert "任务内容".encode() in sheet
    assert "区财政局、区住房城乡建设局".encode() in sheet
    assert not re.search(rb"&#\d+;", sheet)


def test_empty_ledger_is_still_a_ledger(build):
    rows, wb, _ = build({"lights": ["yellow"], "units": []})
    assert rows == 1
    rows, wb, _ = build({"plans": [10**9]})
    assert rows == 0
    ws = wb["进展台账"]
    assert tuple(c.value for c in ws[2]) == HEADERS
    assert ws.auto_filter.ref == "A2:K2"
    assert wb["汇总"].cell(3, 2).value == "合计"


def test_row_height_counts_line_breaks_in_short_text():
    from obligations.ledger.workbook import MIN_ROW_HEIGHT, row_height

    capacities = [(0, 20)]
    assert row_height(["短文本"], capacities) == MIN_ROW_HEIGHT
    assert row_height(["一\n二\n三"], capacities) == 3 * 13.5 + 5
    assert row_height(["长" * 25], capacities) == 3 * 13.5 + 5


ODD_VALUES = [
    ("普通文本", 1, 0.1234, datetime.date(2025, 3, 15)),
    (" 前有空格", 2**40, 1.0, datetime.date(1900, 2, 1)),
    ("   ", 0, -2.5, None),
    ("<a href='x'>&amp; \"引号\"</a>", None, None, ""),
    ("两行\n文本 ", 7, 3.0, datetime.date(2026, 12, 31)),
]


def _sheet_xml(monkeypatch, as_xml: bool) -> dict[str, bytes]:
    from obligations.ledger.rows import LedgerRow, Summary
    from obligations.ledger.workbook import LedgerMeta, _TemplateSheet, write_workbook

    monkeypatch.setattr(_TemplateSheet, "rows_as_xml", as_xml)
    rows = []
    for number, (text, count, ratio, day) in enumerate(ODD_VALUES, start=1):
        values = [number, text, text * 30, count, ratio, "", day, text, "推进中", "红灯（逾期）", None]
        rows.append(LedgerRow(values, "red" if number % 2 else "green", ()))
    buffer = io.BytesIO()
    meta = LedgerMeta(title="督办任务进展台账（2025年3月）", as_of=datetime.date(2025, 3, 31))
    write_workbook(buffer, rows, Summary(), meta)
    with zipfile.ZipFile(buffer) as archive:
        return {name: archive.read(name) for name in archive.namelist() if name.startswith("xl/worksheets/")}


def test_rows_written_as_xml_are_the_bytes_openpyxl_writes(monkeypatch):
    """The ledger formats its rows' XML itself (openpyxl's serialiser was most of an export's time):
    every sheet must come out byte for byte as openpyxl writes the same styled cells."""
    ours = _sheet_xml(monkeypatch, as_xml=True)
    theirs = _sheet_xml(monkeypatch, as_xml=False)
    assert sorted(ours) == ["xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"]
    assert b'xml:space="preserve"' in ours["xl/worksheets/sheet2.xml"]
    assert b"&lt;a href='x'&gt;&amp;amp;" in ours["xl/worksheets/sheet2.xml"]
    for name in ours:
        assert ours[name] == theirs[name], name


@pytest.mark.parametrize("value", [True, Decimal("1.5"), datetime.datetime(2025, 3, 1, tzinfo=datetime.UTC)])
def test_a_cell_value_of_another_type_is_refused(value):
    from obligations.ledger.workbook import _row_xml, _template, _TemplateSheet

    ws = _TemplateSheet(parent=openpyxl.Workbook(write_only=True), title="进展台账")
    with pytest.raises(TypeError, match="不支持"):
        _row_xml(3, [value], [_template(ws, 1)], None, ws.parent.epoch)
