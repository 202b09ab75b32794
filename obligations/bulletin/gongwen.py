"""GB/T 9704-2012 (党政机关公文格式) for python-docx: page, fonts, paragraphs, tables, page numbers.

The figures used (the standard's 5.2, 7.3 and 7.5):
- A4 (210 × 297 mm); 天头 (top) 37 mm, 订口 (left) 28 mm, 版心 156 × 225 mm, hence right 26 mm and
  bottom 35 mm;
- 22 lines of 28 characters: a line is 225 mm / 22 = 28.95 pt, set as an exact line spacing;
- title 2号 (22 pt) 小标宋; body 3号 (16 pt) 仿宋; tables 五号 (10.5 pt); 一级标题 3号 黑体, 二级标题 3号 楷体; paragraphs
  indented two characters;
- page numbers 4号 (14 pt) 宋体 Arabic numerals between two 一字线 (“— 1 —”) below the 版心, their
  line about 7 mm under it; odd pages right with one character's space, even pages left with one:
  settings' evenAndOddHeaders and two footers, each with a PAGE field.
Font names are the ones 公文 templates use (方正小标宋简体, 仿宋_GB2312, 楷体_GB2312, 黑体, 宋体); the
font table names a fallback for each (w:altName: 华文中宋, 仿宋, 楷体…) with the GB2312 character
set, so Word and LibreOffice pick a sensible face where those fonts are missing. Latin letters and
digits use Times New Roman. Tables repeat their header row on every page (w:tblHeader) and never
split a row across pages (w:cantSplit).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.sax.saxutils import escape

from docx.enum.section import WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt, RGBColor
from lxml import etree

PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = Mm(37), Mm(35), Mm(28), Mm(26)
TYPE_AREA_WIDTH = Mm(156)
# The footer's bottom edge: a 14 pt line whose 一字线 sit about 7 mm below the 版心 (35 mm up).
FOOTER_DISTANCE = Mm(24)
HEADER_DISTANCE = Mm(15)
LINE = Pt(28.95)  # 225 mm / 22 lines

SIZE_TITLE = Pt(22)  # 2号
SIZE_BODY = Pt(16)  # 3号
SIZE_PAGE_NUMBER = Pt(14)  # 4号
SIZE_CAPTION = Pt(14)  # a figure's caption
SIZE_TABLE = Pt(10.5)  # 五号: tables are set smaller so six columns fit the 版心
SIZE_MASTHEAD = Pt(42)  # 初号, the red 督查通报 masthead
RED = RGBColor(0xE6, 0x00, 0x12)
LATIN = "Times New Roman"


@dataclass(frozen=True)
class Face:
    """A font as 公文 names it, with the face to use where it is missing."""

    name: str
    fallback: str
    pitch: str = "variable"


XIAOBIAOSONG = Face("方正小标宋简体", "华文中宋")
FANGSONG = Face("仿宋_GB2312", "仿宋")
KAITI = Face("楷体_GB2312", "楷体")
HEITI = Face("黑体", "SimHei")
SONGTI = Face("宋体", "SimSun")
FACES = (
    XIAOBIAOSONG,
    FANGSONG,
    KAITI,
    HEITI,
    SONGTI,
    Face("华文中宋", "宋体"),
    Face("仿宋", "FangSong"),
    Face("楷体", "KaiTi"),
)
_THEME_ATTRIBUTES = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")


def set_fonts(r_pr, face: Face, latin: str = LATIN) -> None:
    """East-Asian text in ``face``, Latin text in ``latin``; theme fonts (which would win) removed."""
    fonts = r_pr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        r_pr.insert(0, fonts)
    for attribute in _THEME_ATTRIBUTES:
        fonts.attrib.pop(qn(attribute), None)
    fonts.set(qn("w:eastAsia"), face.name)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:cs"), latin)
    fonts.set(qn("w:hint"), "eastAsia")


def style_run(run, face: Face, size: Pt, *, bold: bool = False, colour: RGBColor | None = None) -> None:
    run.font.size = size
    run.font.bold = bold
    if colour is not None:
        run.font.color.rgb = colour
    set_fonts(run._element.get_or_add_rPr(), face)


def set_up_document(document) -> None:
    """Page set-up, default fonts, the font table's fallbacks and odd/even page numbers."""
    section = document.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.top_margin, section.bottom_margin = MARGIN_TOP, MARGIN_BOTTOM
    section.left_margin, section.right_margin = MARGIN_LEFT, MARGIN_RIGHT
    section.header_distance, section.footer_distance = HEADER_DISTANCE, FOOTER_DISTANCE
    _line_grid(section)
    _defaults(document)
    _font_table(document)
    document.settings.odd_and_even_pages_header_footer = True
    _page_number(section.footer.paragraphs[0], odd=True)
    _page_number(section.even_page_footer.paragraphs[0], odd=False)


def _line_grid(section) -> None:
    """A line grid of 28.95 pt, so Word lays out 22 lines per page."""
    sect_pr = section._sectPr
    grid = sect_pr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        sect_pr.append(grid)
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(round(LINE.pt * 20)))


def _defaults(document) -> None:
    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    r_pr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_fonts(r_pr, FANGSONG)
    normal = document.styles["Normal"]
    normal.font.size = SIZE_BODY
    set_fonts(normal.element.get_or_add_rPr(), FANGSONG)
    lang = r_pr.find(qn("w:lang"))
    if lang is not None:
        lang.set(qn("w:eastAsia"), "zh-CN")
    body = normal.paragraph_format
    body.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    body.line_spacing = LINE
    body.space_before = body.space_after = Pt(0)
    body.widow_control = False


def _font_table(document) -> None:
    """Declare each 公文 font with its fallback (w:altName) and the GB2312 character set."""
    part = next(rel.target_part for rel in document.part.rels.values() if rel.reltype.endswith("/fontTable"))
    root = parse_xml(part.blob)
    known = {font.get(qn("w:name")) for font in root.findall(qn("w:font"))}
    for face in FACES:
        if face.name in known:
            continue
        root.append(
            parse_xml(
                f'<w:font {nsdecls("w")} w:name="{face.name}"><w:altName w:val="{face.fallback}"/>'
                '<w:charset w:val="86"/><w:family w:val="modern"/>'
                f'<w:pitch w:val="{face.pitch}"/></w:font>'
            )
        )
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


# The order WordprocessingML requires inside w:pPr (Word refuses a file that breaks it).
_PPR_ORDER = [
    "pStyle",
    "keepNext",
    "keepLines",
    "pageBreakBefore",
    "framePr",
    "widowControl",
    "numPr",
    "suppressLineNumbers",
    "pBdr",
    "shd",
    "tabs",
    "suppressAutoHyphens",
    "kinsoku",
    "wordWrap",
    "overflowPunct",
    "topLinePunct",
    "autoSpaceDE",
    "autoSpaceDN",
    "bidi",
    "adjustRightInd",
    "snapToGrid",
    "spacing",
    "ind",
    "contextualSpacing",
    "mirrorIndents",
    "suppressOverlap",
    "jc",
    "textDirection",
    "textAlignment",
    "textboxTightWrap",
    "outlineLvl",
    "divId",
    "cnfStyle",
    "rPr",
    "sectPr",
    "pPrChange",
]
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(text: str) -> str:
    """Text as XML may hold it: PDF extraction leaves form feeds and other control characters."""
    return _ILLEGAL.sub("", text or "")


def insert_ppr(para, element) -> None:
    """Put a paragraph property where the schema wants it among those already there."""
    p_pr = para._p.get_or_add_pPr()
    local = element.tag.rpartition("}")[2]
    later = set(_PPR_ORDER[_PPR_ORDER.index(local) + 1 :])
    for child in p_pr:
        if child.tag.rpartition("}")[2] in later:
            child.addprevious(element)
            return
    p_pr.append(element)


def off_grid(para) -> None:
    """Let a paragraph keep its own line height instead of snapping to the 28.95 pt line grid
    (pictures, page numbers)."""
    snap = OxmlElement("w:snapToGrid")
    snap.set(qn("w:val"), "0")
    insert_ppr(para, snap)


def _field_run(paragraph, kind: str, text: str = "") -> None:
    run = paragraph.add_run()
    if kind == "instr":
        element = OxmlElement("w:instrText")
        element.set(qn("xml:space"), "preserve")
        element.text = text
    else:
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
    run._element.append(element)
    style_run(run, SONGTI, SIZE_PAGE_NUMBER)


def _page_number(paragraph, *, odd: bool) -> None:
    """“— n —”: right with one character's space on odd pages, left with one on even pages."""
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT if odd else WD_ALIGN_PARAGRAPH.LEFT
    off_grid(paragraph)
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    fmt.first_line_indent = Pt(0)
    if odd:
        fmt.right_indent = SIZE_PAGE_NUMBER
    else:
        fmt.left_indent = SIZE_PAGE_NUMBER
    style_run(paragraph.add_run("— "), SONGTI, SIZE_PAGE_NUMBER)
    _field_run(paragraph, "begin")
    _field_run(paragraph, "instr", " PAGE ")
    _field_run(paragraph, "separate")
    style_run(paragraph.add_run("1"), SONGTI, SIZE_PAGE_NUMBER)
    _field_run(paragraph, "end")
    style_run(paragraph.add_run(" —"), SONGTI, SIZE_PAGE_NUMBER)


# --- Paragraphs --------------------------------------------------------------------------------------


def paragraph(
    document,
    text: str = "",
    *,
    face: Face = FANGSONG,
    size: Pt = SIZE_BODY,
    indent: bool = True,
    align=WD_ALIGN_PARAGRAPH.JUSTIFY,
    bold: bool = False,
    colour: RGBColor | None = None,
):
    para = document.add_paragraph()
    para.alignment = align
    para.paragraph_format.first_line_indent = Pt(size.pt * 2) if indent else Pt(0)
    if text:
        style_run(para.add_run(clean(text)), face, size, bold=bold, colour=colour)
    return para


def title(document, text: str):
    """The title: 2号 小标宋, centred (GB/T 9704 7.3.1)."""
    para = paragraph(
        document, text, face=XIAOBIAOSONG, size=SIZE_TITLE, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER
    )
    fmt = para.paragraph_format
    fmt.line_spacing = Pt(36)  # a 22 pt title needs more than the body's line
    return para


def heading(document, text: str, level: int):
    """一级标题 黑体 (“一、”), 二级标题 楷体 (“（一）”), both 3号 and indented two characters."""
    face = HEITI if level == 1 else KAITI
    para = paragraph(document, text, face=face)
    para.paragraph_format.keep_with_next = True
    return para


def run(para, text: str, face: Face = FANGSONG, size: Pt = SIZE_BODY, *, bold: bool = False):
    """Add text to a paragraph in another face (a 二级标题 followed by its text on one line)."""
    added = para.add_run(clean(text))
    style_run(added, face, size, bold=bold)
    return added


def red_rule(para) -> None:
    """The masthead's red separator: a bottom border as wide as the 版心."""
    rule = (
        f'<w:pBdr {nsdecls("w")}><w:bottom w:val="single" w:sz="18" w:space="4" w:color="E60012"/></w:pBdr>'
    )
    insert_ppr(para, parse_xml(rule))


def right_tab(para) -> None:
    """A right-aligned tab stop at the 版心's right edge (issuer left, date right on one line)."""
    para.paragraph_format.tab_stops.add_tab_stop(TYPE_AREA_WIDTH, alignment=WD_TAB_ALIGNMENT.RIGHT)


# --- Tables ------------------------------------------------------------------------------------------


def table(
    document,
    headers: list[str],
    widths_mm: list[float],
    rows: list[list[str]],
    *,
    centred: set[int] = frozenset(),
):
    """A bordered table as wide as the 版心: 黑体 header repeated on every page, rows kept whole.

    Written as XML in one piece: python-docx's cell API recomputes the whole grid for every row,
    which made a 300-row table take seconds.
    """
    widths = [round(Mm(width).twips) for width in widths_mm]
    borders = "".join(
        f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
        for side in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    parts = [
        f"<w:tbl {nsdecls('w')}><w:tblPr>"
        f'<w:tblW w:w="{sum(widths)}" w:type="dxa"/><w:jc w:val="center"/>'
        f"<w:tblBorders>{borders}</w:tblBorders>"
        '<w:tblLayout w:type="fixed"/>'
        # Cell padding of 1 mm each side (Word's default is 1.9 mm): narrow columns keep a date whole.
        '<w:tblCellMar><w:left w:w="57" w:type="dxa"/><w:right w:w="57" w:type="dxa"/></w:tblCellMar>'
        '<w:tblLook w:val="0000" w:firstRow="0" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" '
        'w:noHBand="0" w:noVBand="0"/>'
        "</w:tblPr><w:tblGrid>",
        *(f'<w:gridCol w:w="{width}"/>' for width in widths),
        "</w:tblGrid>",
    ]
    size = round(SIZE_TABLE.pt * 2)

    def row(values: list[str], header: bool) -> str:
        face = HEITI if header else FANGSONG
        fonts = (
            f'<w:rFonts w:ascii="{LATIN}" w:hAnsi="{LATIN}" w:eastAsia="{face.name}" w:cs="{LATIN}" '
            'w:hint="eastAsia"/>'
        )
        cells = []
        for index, (value, width) in enumerate(zip(values, widths, strict=True)):
            align = "center" if header or index in centred else "left"
            cells.append(
                f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/><w:vAlign w:val="center"/></w:tcPr>'
                '<w:p><w:pPr><w:snapToGrid w:val="0"/>'
                '<w:spacing w:before="40" w:after="40" w:line="240" w:lineRule="auto"/>'
                f'<w:ind w:firstLine="0"/><w:jc w:val="{align}"/></w:pPr>'
                f'<w:r><w:rPr>{fonts}<w:sz w:val="{size}"/><w:szCs w:val="{size}"/></w:rPr>'
                f'<w:t xml:space="preserve">{escape(clean(value))}</w:t></w:r></w:p></w:tc>'
            )
        mark = "<w:tblHeader/>" if header else ""
        return f"<w:tr><w:trPr><w:cantSplit/>{mark}</w:trPr>{''.join(cells)}</w:tr>"

    parts.append(row(headers, True))
    parts.extend(row(values, False) for values in rows)
    parts.append("</w:tbl>")
    element = parse_xml("".join(parts))
    body = document.element.body
    if body.sectPr is not None:
        body.sectPr.addprevious(element)
    else:
        body.append(element)
    return document.tables[-1]
