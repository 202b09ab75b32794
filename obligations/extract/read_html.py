"""Web pages saved from a gazette site (.html/.htm, or .mhtml/.mht) -> blocks of the main text.

Navigation, menus, footers, scripts and forms are dropped (by tag, by class/id, and any block that
is mostly links); what is left is walked in document order: block elements end a paragraph, <br>
ends a line, data tables become table blocks (layout tables, which old sites nest, are read as
text). Page chrome that survives in the text (发布时间…浏览次数, 字体【大 中 小】) is dropped later
with the other web-copy lines (chrome.py).
"""

from __future__ import annotations

import email
import email.policy
import re

from lxml import etree, html

from .blocks import Block, Document
from .decode import decode_text
from .records import ExtractionError

_SKIP = {
    "script",
    "style",
    "noscript",
    "nav",
    "header",
    "footer",
    "form",
    "iframe",
    "select",
    "button",
    "svg",
    "template",
    "head",
    "object",
    "embed",
}
_BLOCK = {
    "p",
    "div",
    "section",
    "article",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "table",
    "blockquote",
    "pre",
    "dd",
    "dt",
    "dl",
    "center",
    "main",
    "aside",
    "figure",
    "figcaption",
    "hr",
    "title",
}
_CHROME_NAME = re.compile(
    r"(?:^|[-_\s])(?:nav|navbar|menu|footer|foot|header|head|top|bottom|breadcrumb|crumb|share|bshare|toolbar|"
    r"sidebar|side|links?|friend|copyright|banner|search|login|qrcode|ewm|print|close|related|pager|pagination)"
    r"(?:$|[-_\s\d])",
    re.I,
)
_HEADING = {"h1": 1, "h2": 2, "h3": 3}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", re.I)


def _decode(data: bytes) -> str:
    declared = _META_CHARSET.search(data[:4096])
    if declared:
        name = declared.group(1).decode("ascii", "replace").lower()
        if name in ("gb2312", "gbk"):
            name = "gb18030"
        try:
            return data.decode(name)
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_text(data)


def _link_heavy(element: etree._Element) -> bool:
    text = "".join(element.itertext()).strip()
    if len(text) < 2:
        return False
    links = element.xpath(".//a")
    if len(links) < 3:
        return False
    linked = sum(len("".join(link.itertext()).strip()) for link in links)
    return linked > 0.6 * len(text) and "。" not in text


def _prune(root: etree._Element) -> None:
    for element in list(root.iter()):
        if not isinstance(element.tag, str):
            element.drop_tree() if element.getparent() is not None else None
            continue
        if element.getparent() is None:
            continue
        tag = element.tag.lower()
        names = f"{element.get('class', '')} {element.get('id', '')}"
        if (
            tag in _SKIP
            or (tag != "body" and _CHROME_NAME.search(names))
            or (tag in ("ul", "ol", "div", "table", "p", "td", "span") and _link_heavy(element))
        ):
            element.drop_tree()


def _data_table(table: etree._Element) -> bool:
    if table.xpath(".//table"):
        return False  # a layout table around other tables
    rows = table.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr")
    wide = [row for row in rows if len(row.xpath("./td|./th")) >= 2]
    return len(rows) >= 2 and len(wide) >= 0.6 * len(rows)


def _table_rows(table: etree._Element) -> list[list[object]]:
    rows: list[list[object]] = []
    spans: dict[int, tuple[int, str]] = {}  # column -> (rows left, text) for rowspan cells
    for row in table.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr"):
        cells: list[object] = []
        column = 0
        for cell in row.xpath("./td|./th"):
            while column in spans:
                left, text = spans[column]
                cells.append(text)
                spans[column] = (left - 1, text)
                if left - 1 <= 0:
                    del spans[column]
                column += 1
            text = "\n".join(line.strip() for line in _cell_text(cell).splitlines() if line.strip())
            colspan = max(
                1,
                min(20, int(cell.get("colspan", "1") or 1) if str(cell.get("colspan", "1")).isdigit() else 1),
            )
            rowspan = int(cell.get("rowspan", "1")) if str(cell.get("rowspan", "1")).isdigit() else 1
            for _ in range(colspan):
                cells.append(text)
                if rowspan > 1:
                    spans[column] = (rowspan - 1, text)
                column += 1
        while column in spans:
            left, text = spans[column]
            cells.append(text)
            spans[column] = (left - 1, text)
            if left - 1 <= 0:
                del spans[column]
            column += 1
        if any(str(cell).strip() for cell in cells):
            rows.append(cells)
    return rows


def _cell_text(cell: etree._Element) -> str:
    parts: list[str] = []
    for node in cell.iter():
        if node is not cell and isinstance(node.tag, str) and node.tag.lower() in ("br", "p", "div"):
            parts.append("\n")
        if node.text and isinstance(node.tag, str):
            parts.append(node.text)
        if node is not cell and node.tail:
            parts.append(node.tail)
    return "".join(parts)


class _Walker:
    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.line: list[str] = []
        self.heading = 0

    def flush(self) -> None:
        text = re.sub(r"[ \t\r\f\v\u00a0]+", " ", "".join(self.line)).strip()
        if text:
            self.blocks.append(Block(text=text, heading=self.heading, line=len(self.blocks) + 1))
        self.line = []
        self.heading = 0

    def walk(self, element: etree._Element) -> None:
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        if tag == "table" and _data_table(element):
            self.flush()
            rows = _table_rows(element)
            if rows:
                self.blocks.append(Block(rows=rows, line=len(self.blocks) + 1))
            return
        if tag == "br":
            self.flush()
        elif tag in _BLOCK or tag in ("td", "th"):
            self.flush()
            self.heading = _HEADING.get(tag, 0) if tag in _HEADING else 0
        if element.text and tag:
            self.line.append(element.text)
        for child in element:
            if isinstance(child.tag, str):
                self.walk(child)
            if child.tail:
                self.line.append(child.tail)
        if tag in _BLOCK or tag in ("td", "th"):
            self.flush()


def page_blocks(markup: str) -> list[Block]:
    """Blocks of a page's main text."""
    try:
        root = html.document_fromstring(markup)
    except (etree.ParserError, ValueError) as exc:
        raise ExtractionError("网页文件无法解析，可能已损坏。") from exc
    _prune(root)
    body = root.find("body")
    walker = _Walker()
    walker.walk(body if body is not None else root)
    walker.flush()
    return walker.blocks


def html_document(data: bytes) -> Document:
    blocks = page_blocks(_decode(data))
    if not blocks:
        raise ExtractionError("网页中没有找到正文内容。")
    return Document(blocks=blocks, kind="html")


def mhtml_document(data: bytes) -> Document:
    """The first text/html part of a saved web archive (quoted-printable or base64, any charset)."""
    message = email.message_from_bytes(data, policy=email.policy.compat32)
    for part in message.walk():
        if part.get_content_type() != "text/html":
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        charset = part.get_content_charset()
        if charset:
            charset = "gb18030" if charset.lower() in ("gb2312", "gbk") else charset
            try:
                return html_document_text(payload.decode(charset))
            except (LookupError, UnicodeDecodeError):
                pass
        return html_document(payload)
    raise ExtractionError("MHTML 文件中没有网页正文，可能已损坏。")


def html_document_text(markup: str) -> Document:
    blocks = page_blocks(markup)
    if not blocks:
        raise ExtractionError("网页中没有找到正文内容。")
    return Document(blocks=blocks, kind="html")
