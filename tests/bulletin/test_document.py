"""The bulletin read back with python-docx: sections, numbers that match the database, the 公文
page set-up, fonts, table header repetition and unsplittable rows, and the footers' page fields."""

from __future__ import annotations

import datetime
import io
import zipfile

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Length, Pt

from obligations.bulletin.bulletin_files import generate_bulletin_file
from obligations.bulletin.contents import gather
from obligations.bulletin.periods import Period
from obligations.bulletin.spec import BulletinSpec
from obligations.bulletin.writer import SECTIONS, Masthead, write_bulletin
from obligations.models import Bulletin, BulletinIssue

from .conftest import MONTH, TODAY

pytestmark = pytest.mark.django_db

NEXT_STEPS = "（一）限期整改。逾期任务须在4月底前办结。\n请各单位高度重视。"


def _build(spec: BulletinSpec, number: int = 3) -> tuple[Document, bytes]:
    content = gather(spec, TODAY)
    buffer = io.BytesIO()
    write_bulletin(buffer, content, Masthead(2025, number, "示范区人民政府督查室", TODAY), NEXT_STEPS)
    data = buffer.getvalue()
    return Document(io.BytesIO(data)), data


def _texts(document) -> list[str]:
    return [para.text for para in document.paragraphs]


def _table_text(table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def test_sections_and_numbers_match_the_database(score_world):
    document, _ = _build(BulletinSpec.build(Period(MONTH)))
    texts = _texts(document)
    assert texts[0] == "督查通报" and texts[1] == "2025年第3期"
    assert texts[2] == "示范区人民政府督查室\t2025年4月10日"
    assert "关于2025年3月督办任务推进情况的通报" in texts
    headings = [text for text in texts if text in SECTIONS]
    assert headings == list(SECTIONS)
    body = "\n".join(texts)
    # 8 tasks; done by 3-31: T1, T2 (T7 only on 4-02); overdue on 3-31: T3, T4, T6, T8.
    assert "纳入本期通报范围的督办任务共8项，已办结2项，逾期未办结4项。" in body
    assert (
        "2025年3月到期任务6项，其中按期完成1项、逾期完成1项、逾期未完成3项，"
        "截至2025年3月31日尚未到期（含当日到期）1项；按期完成率20.0%" in body
    )
    # February: only T3 was due (2-20) and it is still open: 0 of 1 on time.
    assert "较上期上升20.0个百分点（上期2025年2月为0.0%）" in body
    assert "本期没有到期任务全部按期完成且无逾期任务的单位。" in body
    assert "截至2025年3月31日，逾期未办结任务4项，涉及2个单位。" in body
    assert "2025年3月没有批准延期的任务。" in body  # T8's extension came on 4-05
    overdue, scores = document.tables
    rows = _table_text(overdue)
    assert rows[0] == ["序号", "任务内容", "牵头单位", "完成时限", "逾期天数", "最新进展"]
    # Longest overdue first; T8 keeps its March deadline (extended only in April); days are calendar days.
    assert [(r[2], r[3], r[4]) for r in rows[1:]] == [
        ("区住房城乡建设局", "2025.02.20", "39天"),
        ("各区县政府", "2025.03.05", "26天"),
        ("区财政局", "2025.03.12", "19天"),
        ("区住房城乡建设局", "2025.03.25", "6天"),
    ]
    assert rows[1][1] == "任务T3：推进重点工作落实" and rows[1][5] == "正在推进（3月20日报送）"
    assert rows[4][5] == "本期未报送进展"  # T4's March report came on 4-02
    ranking = _table_text(scores)
    assert ranking[0][:5] == ["名次", "单位", "得分", "加分", "扣分"]
    assert [r[:5] for r in ranking[1:]] == [
        ["1", "区财政局", "95.20", "1.00", "5.80"],
        ["2", "区住房城乡建设局", "93.00", "0.00", "7.00"],
    ]
    assert "逾期25个工作日，−2.50分" in ranking[2][5]
    # The supervisor's 下一步要求: a （一） line starts with a 楷体 heading.
    steps = next(p for p in document.paragraphs if p.text.startswith("（一）限期整改"))
    assert steps.runs[0].text == "（一）限期整改。"
    assert steps.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == "楷体_GB2312"
    assert texts[-2:] == ["示范区人民政府督查室", "2025年4月10日"]


def test_units_with_everything_on_time_are_named(score_world):
    from obligations.models import Task
    from tests import factories

    from .conftest import aware

    data = factories.make_unit("区大数据局")
    task = factories.make_task(
        score_world.plan,
        lead=[data],
        deadline=datetime.date(2025, 3, 20),
        status=Task.Status.DONE,
        completed_at=aware(datetime.date(2025, 3, 18)),
    )
    Task.objects.filter(pk=task.pk).update(created_at=aware(datetime.date(2025, 1, 5)))
    body = "\n".join(_texts(_build(BulletinSpec.build(Period(MONTH)))[0]))
    assert "区大数据局（按期完成1项），本期到期任务全部按期完成，且无逾期未办结任务，予以通报表扬。" in body


def test_filters_limit_tasks_and_units(score_world):
    w = score_world
    document, _ = _build(BulletinSpec.build(Period(MONTH), {"units": [w.b.pk]}))
    body = "\n".join(_texts(document))
    assert "本期通报范围：单位：区住房城乡建设局。" in body
    # B's tasks: T2 (late), T3, T4 (overdue).
    assert "纳入本期通报范围的督办任务共3项，已办结1项，逾期未办结2项。" in body
    ranking = _table_text(document.tables[1])
    assert [r[1] for r in ranking[1:]] == ["区住房城乡建设局"]
    assert ranking[1][0] == "2"  # its place among all units is kept


def test_page_setup_fonts_tables_and_page_numbers(score_world):
    document, data = _build(BulletinSpec.build(Period(MONTH)))
    section = document.sections[0]

    def mm(*lengths) -> tuple[float, ...]:  # lengths are stored in twips: compare to 0.1 mm
        return tuple(round(Length(length).mm, 1) for length in lengths)

    assert mm(section.page_width, section.page_height) == (210, 297)
    assert mm(section.top_margin, section.bottom_margin, section.left_margin, section.right_margin) == (
        37,
        35,
        28,
        26,
    )
    assert mm(section.page_width - section.left_margin - section.right_margin) == (156,)
    assert mm(section.page_height - section.top_margin - section.bottom_margin) == (225,)
    normal = document.styles["Normal"]
    assert normal.font.size == Pt(16)
    assert normal.paragraph_format.line_spacing == Pt(28.95)
    assert normal.element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312"

    def face(text: str) -> tuple[str, float]:
        para = next(p for p in document.paragraphs if p.text == text)
        run = para.runs[0]
        return run._element.rPr.rFonts.get(qn("w:eastAsia")), run.font.size.pt

    assert face("关于2025年3月督办任务推进情况的通报") == ("方正小标宋简体", 22)
    assert face("一、总体情况") == ("黑体", 16)
    assert face("（一）各单位逾期情况") == ("楷体_GB2312", 16)
    assert face("各有关单位：") == ("仿宋_GB2312", 16)
    for table in document.tables:
        rows = table.rows
        assert rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
        assert all(row._tr.trPr.find(qn("w:cantSplit")) is not None for row in rows)
        assert all(row._tr.trPr.find(qn("w:tblHeader")) is None for row in rows[1:])
    # Odd and even footers: “— PAGE —”, right on odd pages and left on even ones.
    assert document.settings.odd_and_even_pages_header_footer
    odd, even = section.footer.paragraphs[0], section.even_page_footer.paragraphs[0]
    for para, side in ((odd, "RIGHT"), (even, "LEFT")):
        assert para.alignment.name == side
        xml = para._p.xml
        assert "PAGE" in "".join(t.text for t in para._p.iter(qn("w:instrText")))
        assert xml.count('w:fldCharType="begin"') == 1 and xml.count('w:fldCharType="end"') == 1
        assert para.text.startswith("— ") and para.text.endswith(" —")
        assert para.runs[0].font.size == Pt(14)
    assert odd.paragraph_format.right_indent == Pt(14) and even.paragraph_format.left_indent == Pt(14)
    # The font table names a fallback for each 公文 font.
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        fonts = archive.read("word/fontTable.xml").decode()
        media = [name for name in archive.namelist() if name.startswith("word/media/")]
    assert 'w:name="方正小标宋简体"' in fonts and '<w:altName w:val="华文中宋"/>' in fonts
    assert 'w:name="仿宋_GB2312"' in fonts and '<w:altName w:val="仿宋"/>' in fonts
    assert len(media) == 1 and media[0].endswith(".png")  # the chart


def test_generated_file_is_kept_numbered_per_year_and_reused(score_world, settings):
    w = score_world
    spec = BulletinSpec.build(Period(MONTH))
    first = generate_bulletin_file(spec, Bulletin.Trigger.MANUAL, user=w.supervisor, today=TODAY)
    again = generate_bulletin_file(spec, Bulletin.Trigger.MANUAL, user=w.supervisor, today=TODAY)
    quarter = generate_bulletin_file(
        BulletinSpec.build(Period.parse("2025-Q1")), Bulletin.Trigger.MANUAL, user=w.supervisor, today=TODAY
    )
    next_year = generate_bulletin_file(spec, Bulletin.Trigger.MANUAL, today=datetime.date(2026, 1, 5))
    assert (first.issue.year, first.issue.number) == (2025, 1)
    assert again.issue_id == first.issue_id  # the same bulletin made again keeps its number
    assert (quarter.issue.year, quarter.issue.number) == (2025, 2)
    assert (next_year.issue.year, next_year.issue.number) == (2026, 1)
    assert BulletinIssue.objects.count() == 3
    assert first.status == Bulletin.Status.DONE and first.created_by == w.supervisor
    document = Document(first.file.path)
    assert document.paragraphs[1].text == "2025年第1期"
    assert first.overdue == 4 and first.size == first.file.size
    quarter_text = "\n".join(p.text for p in Document(quarter.file.path).paragraphs)
    assert "关于2025年第一季度督办任务推进情况的通报" in quarter_text
