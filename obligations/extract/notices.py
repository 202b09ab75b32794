"""A gazette -> notices: skip the table of contents, find each notice's header, title, 文号,
issuer, issue date and the attached plan (关于印发…的通知 + the plan itself).

Paragraph text arrives normalised (normalise.py); the helpers here expect that.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from .blocks import Block, cell_text
from .deadlines import to_int
from .labels import find_label
from .text import compact_cjk, squash

_DOCNO = re.compile(
    r"(?P<prefix>[\u4e00-\u9fff]{1,10}?(?:发|字|函|令|电|规|呈|复|办))\s*[〔\[［(（【]\s*(?P<year>(?:19|20)\d{2})\s*"
    r"[〕\]］)）】]\s*(?P<num>\d{1,4})\s*号"
)
_DATE_LINE = re.compile(
    r"^(?P<issuer>[^\d〇○]{0,40}?)\s*(?P<y>(?:19|20)\d{2}|[一二][〇○零一二三四五六七八九]{3})\s*年\s*"
    r"(?P<m>\d{1,2}|[一二三四五六七八九十]{1,3})\s*月\s*(?P<d>\d{1,2}|[一二三四五六七八九十]{1,3})\s*日$"
)
_ISSUER = re.compile(
    r"^[\u4e00-\u9fff（）()]{2,40}?(?:人民政府|政府|办公室|办公厅|委员会|管委会|管理委员会|局|委|办|厅|中心|公司)(?:文件)?$"
)
_DOC_TYPE = (
    r"(?:通知|意见|方案|办法|规定|要点|措施|通报|决定|通告|公告|批复|细则|规划|计划|纲要|报告|清单|规则|指引|函|令|"
    r"条例|规范|指南|安排|政策|目录|标准|制度|任务分工|分工)"
)
_TITLE_END = re.compile(
    rf"{_DOC_TYPE}(?:[（(](?:试行|暂行|修订|修订稿|草案|征求意见稿|\d{{4}}年?(?:修订)?)[)）])?$"
)
_ADDRESSEE = re.compile(r"(?:各|政府|部门|单位|委员会|管委会|办事处|街道)[^。]*[:：]$")
_ATTACHED = re.compile(r"(?:印发|转发|颁布)(?P<inner>.+?)的(?:通知|函)$")
_TOC_HEAD = re.compile(r"^(?:本期)?目\s*(?:录|次)$")
_TOC_ENTRY = re.compile(
    r"(?:[.·…─—_]{3,}|[.·…]{2,}\s*[(（]?\s*\d{1,3}\s*[)）]?$|[(（]\s*\d{1,3}\s*[)）]$|"
    r"(?:号|通知|意见|方案|办法|规定|要点|通报|通告|决定|措施)\s*[)）]?\s*[.·…]*\s*\d{1,3}$|^【.*】$|"
    r"^(?:[省市区县]|[省市区县]?政府)?(?:办公室|办公厅|部门)?文件$)"
)
_GAZETTE = re.compile(r"(?P<name>[\u4e00-\u9fff]{2,20}?)(?:人民)?政府\s*(?:公报|公\s*报)")
_ADMIN = re.compile(r"[\u4e00-\u9fff]{1,6}?(?:自治区|自治州|自治县|特别行政区|省|市|区|县|旗|州|盟)")
# 规范性文件登记号 such as ZDDR-2021-0020002, printed above some notices
_REGISTRATION = re.compile(r"^[A-Z]{2,}[-－]?\d{4}[-－]?\d{3,}$")
_TRAILING_DOCNO = re.compile(r"[（(]\s*([^（）()]*?\d{4}[^（）()]*?号)\s*[)）]\s*$")
_TITLE_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_BOLD_RULE = re.compile(r"(?:黑体|加粗|粗体)(?:字|字体)?(?:标注|显示|标示)?的?(?:单位|部门)?(?:为|是)牵头")
_LEAD_RULE = re.compile(
    r"(?:列|排|位)(?:在|于|居)?(?:第一|首)位(?:的|者)?(?:责任|配合)?(?:单位|部门)?(?:为|是)(?:牵头|主责)|"
    r"第一(?:个)?(?:责任)?(?:单位|部门)为牵头|排(?:名|序)第一的?(?:单位|部门)?为牵头|首位(?:单位|部门)?为牵头"
)


@dataclass
class NoticeSpan:
    """One notice as blocks, with what its header and signature say."""

    title: str | None = None
    number: str | None = None
    issuer: str | None = None
    issued: date | None = None
    year: int | None = None
    body: list[Block] = field(default_factory=list)
    lead_first: bool = False  # the notice says the first unit listed leads
    lead_first_line: int = 0  # ... from the block at this line on ("下同")
    lead_bold: bool = False  # the notice says units in bold lead (黑体字部门为牵头部门)
    year_from_body: bool = False  # no header gave the year: the first full date in the text did


def normalise_docno(match: re.Match[str]) -> str:
    return f"{squash(match.group('prefix'))}〔{match.group('year')}〕{int(match.group('num'))}号"


def docno_line(text: str) -> str | None:
    """A paragraph that is only a 文号 ("淄政办发〔2020〕7 号", "市中政办发 [2021] 4号")."""
    text = squash(text).strip("()（）")
    match = _DOCNO.fullmatch(text)
    return normalise_docno(match) if match else None


def date_line(text: str) -> tuple[date, str] | None:
    """A signature line: a date, optionally after the issuer's name. Returns (date, issuer)."""
    if len(text) > 60:
        return None
    match = _DATE_LINE.match(text)
    if not match:
        return None
    try:
        day = date(to_int(match.group("y")), to_int(match.group("m")), to_int(match.group("d")))
    except ValueError:
        return None
    return day, squash(match.group("issuer"))


def split_title_docno(text: str) -> tuple[str, str | None]:
    """ "关于…的通知（淄政办发〔2020〕7号）" -> (title, 文号); a title without one is returned as is."""
    match = _TRAILING_DOCNO.search(text)
    if not match:
        return text, None
    found = _DOCNO.search(squash(match.group(1)))
    return text[: match.start()].rstrip(), normalise_docno(found) if found else None


def title_like(text: str) -> bool:
    text, _ = split_title_docno(text)
    compact = squash(text)
    if not 4 <= len(compact) <= 150 or "。" in compact or compact.endswith((":", "：")):
        return False
    if find_label(text) or compact.startswith(("附件", "注：", "注:")) or "；" in compact:
        return False
    if not _TITLE_END.search(compact):
        return False
    return "关于" in compact or len(compact) <= 60


def issuer_line(text: str) -> str | None:
    compact = squash(text)
    if len(compact) > 40 or not _ISSUER.match(compact):
        return None
    return compact[:-2] if compact.endswith("文件") else compact


def _addressee(text: str) -> bool:
    compact = squash(text)
    return len(compact) < 200 and "。" not in compact and bool(_ADDRESSEE.search(compact))


def _toc_like(block: Block) -> bool:
    if block.is_table:
        return True
    text = block.text
    return bool(_TOC_ENTRY.search(text)) or (
        text.startswith(("(", "（")) and bool(_DOCNO.search(squash(text)))
    )


def skip_toc(blocks: list[Block]) -> int:
    """Index of the first block after the table of contents (0 when there is none)."""
    for index, block in enumerate(blocks[:80]):
        if block.is_table or not _TOC_HEAD.match(squash(block.text)):
            continue
        position = index + 1
        while position < len(blocks):
            here = _toc_like(blocks[position])
            following = position + 1 < len(blocks) and _toc_like(blocks[position + 1])
            if not here and not following:
                return position
            position += 1
        return position
    return 0


def jurisdiction_from(name: str) -> str | None:
    """The most specific admin division in a name: "淄博市周村区人民政府" -> "周村区"."""
    name = squash(name)
    for suffix in ("人民政府", "政府"):
        if suffix in name:
            name = name[: name.index(suffix)]
            break
    parts = _ADMIN.findall(name)
    return parts[-1] if parts else None


def find_jurisdiction(blocks: list[Block], notices: list[NoticeSpan]) -> str | None:
    for block in blocks[:40]:
        if block.is_table:
            continue
        match = _GAZETTE.search(squash(block.text))
        if match:
            found = jurisdiction_from(match.group("name") + "人民政府")
            if found:
                return found
    for notice in notices:
        if notice.issuer:
            found = jurisdiction_from(notice.issuer)
            if found:
                return found
    return None


def _text_of(block: Block) -> str:
    if block.is_table:
        return " ".join(cell_text(cell) for row in block.rows or [] for cell in row)
    return block.text


def _is_anchor(blocks: list[Block], index: int, after_signature: bool, current_inner: str | None) -> bool:
    block = blocks[index]
    if block.is_table or not title_like(block.text):
        return False
    title, own_number = split_title_docno(block.text)
    compact = squash(title)
    if current_inner and (current_inner in _bare(compact) or _bare(compact) in current_inner):
        return False  # the plan a 关于印发 notice carries, not a new notice
    if own_number:
        return True  # "关于…的通知（X政发〔2021〕3号）": a notice header with its 文号
    ahead = [b for b in blocks[index + 1 : index + 4] if not b.is_table]
    for other in ahead:
        if docno_line(other.text) or _addressee(other.text):
            return True
        if title_like(other.text):
            break
    behind = [b for b in blocks[max(0, index - 2) : index] if not b.is_table]
    if any(docno_line(other.text) for other in behind):
        return True
    head = compact.split("关于", 1)[0] if "关于" in compact else ""
    return after_signature and bool(head) and bool(issuer_line(head))


def _bare(text: str) -> str:
    return re.sub(r"[《》〈〉<>“”\"'‘’\s]", "", text)


def split_notices(blocks: list[Block], year: int | None = None) -> list[NoticeSpan]:
    """Find the notices of a gazette (or the one notice of a plain plan file)."""
    blocks[:] = _join_split_titles(blocks)
    start = skip_toc(blocks)
    anchors: list[int] = []
    inner: str | None = None
    after_signature = False
    for index in range(start, len(blocks)):
        block = blocks[index]
        if not block.is_table and date_line(block.text):
            after_signature = True
        if _is_anchor(blocks, index, after_signature, inner):
            anchors.append(index)
            attached = _ATTACHED.search(squash(block.text))
            inner = _bare(attached.group("inner")) if attached else None
            after_signature = False
    if not anchors:
        return [_single_notice(blocks[start:], year)]
    notices = []
    for position, anchor in enumerate(anchors):
        begin = _header_start(blocks, anchor, anchors[position - 1] if position else start)
        end = (
            _header_start(blocks, anchors[position + 1], anchor)
            if position + 1 < len(anchors)
            else len(blocks)
        )
        notices.append(_notice(blocks, begin, anchor, end, year))
    return notices


def _join_split_titles(blocks: list[Block]) -> list[Block]:
    """A title set over two lines ("关于印发…工作方案" / "的通知") becomes one paragraph."""
    out: list[Block] = []
    for block in blocks:
        previous = out[-1] if out else None
        if (
            previous is not None
            and not previous.is_table
            and not block.is_table
            and len(previous.text) <= 60
            and len(block.text) <= 40
            and "。" not in previous.text + block.text
            and not previous.text.endswith(("：", ":", "。"))
            and not find_label(block.text)
            and not title_like(previous.text)
            and not docno_line(block.text)
            and not date_line(block.text)
            and title_like(previous.text + block.text)
            and ("关于" in previous.text or not title_like(block.text))
        ):
            previous.text += block.text
            continue
        out.append(block)
    return out


def _header_start(blocks: list[Block], anchor: int, floor: int) -> int:
    begin = anchor
    while begin - 1 >= floor and begin > anchor - 3:
        previous = blocks[begin - 1]
        if previous.is_table:
            break
        if not (
            docno_line(previous.text)
            or issuer_line(previous.text)
            or _REGISTRATION.match(squash(previous.text))
        ):
            break
        begin -= 1
    return begin


def _notice(blocks: list[Block], begin: int, anchor: int, end: int, year: int | None) -> NoticeSpan:
    notice = NoticeSpan()
    title, notice.number = split_title_docno(blocks[anchor].text.strip())
    compact = squash(title)
    notice.title = title
    body_start = anchor + 1
    for index in range(begin, min(end, anchor + 4)):
        block = blocks[index]
        if block.is_table:
            continue
        number = docno_line(block.text)
        if number and not notice.number:
            notice.number = number
            body_start = max(body_start, index + 1)
        issuer = issuer_line(block.text)
        if issuer and index < anchor and not notice.issuer:
            notice.issuer = issuer
    if not notice.issuer and "关于" in compact:
        head = compact.split("关于", 1)[0]
        notice.issuer = issuer_line(head)
    signature = None
    for index in range(anchor + 1, end):
        block = blocks[index]
        if block.is_table:
            continue
        found = date_line(block.text)
        if found:
            notice.issued, signer = found
            signature = index
            if not notice.issuer and signer:
                notice.issuer = issuer_line(signer)
            if not notice.issuer and index > anchor + 1:
                notice.issuer = (
                    issuer_line(blocks[index - 1].text) if not blocks[index - 1].is_table else None
                )
            break
    attached = _ATTACHED.search(compact)
    if attached and re.search(r"》\s*[和、及与]\s*《", attached.group("inner")):
        attached = None  # "关于印发《A》和《B》的通知" carries two plans: keep the notice's own title
    if attached:
        wanted = _bare(attached.group("inner"))
        notice.title = compact_cjk(attached.group("inner").strip("《》"))
        search_from = (signature + 1) if signature is not None else body_start
        for index in range(search_from, end):
            block = blocks[index]
            if block.is_table or not title_like(block.text):
                continue
            candidate = _bare(squash(block.text))
            if wanted in candidate or (len(candidate) >= 6 and candidate in wanted):
                notice.title = block.text.strip()
                body_start = index + 1
                break
    notice.body = blocks[body_start:end]
    notice.year = _year_of(notice, year)
    _year_from_body(notice)
    notice.lead_first, notice.lead_first_line = _lead_rule(blocks[begin:end])
    notice.lead_bold = any(_BOLD_RULE.search(squash(_text_of(block))) for block in blocks[begin:end])
    return notice


def _single_notice(blocks: list[Block], year: int | None) -> NoticeSpan:
    notice = NoticeSpan()
    body_start = 0
    for index, block in enumerate(blocks[:15]):
        if block.is_table:
            continue
        if notice.number is None and docno_line(block.text):
            notice.number = docno_line(block.text)
            body_start = max(body_start, index + 1)
        elif notice.title is None and title_like(block.text):
            notice.title = block.text.strip()
            body_start = max(body_start, index + 1)
    for block in blocks:
        if not block.is_table and date_line(block.text):
            notice.issued = date_line(block.text)[0]  # type: ignore[index]
            break
    notice.body = blocks[body_start:]
    notice.year = _year_of(notice, year)
    _year_from_body(notice)
    notice.lead_first, notice.lead_first_line = _lead_rule(blocks)
    notice.lead_bold = any(_BOLD_RULE.search(squash(_text_of(block))) for block in blocks)
    return notice


def _lead_rule(blocks: list[Block]) -> tuple[bool, int]:
    """Whether the notice states that the first unit listed leads, and the line where it says so:
    the rule holds for the clauses from there on."""
    for block in blocks:
        if _LEAD_RULE.search(squash(_text_of(block))):
            return True, block.line
    return False, 0


_FULL_DATE = re.compile(r"((?:19|20)\d{2})\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日")
_BODY_YEAR_BLOCKS = 12


def _year_from_body(notice: NoticeSpan) -> None:
    """A plan kept without its header (no title, 文号 or signature date): the first full date its
    opening paragraphs write ("2020年9月11日，…电视电话会议…") gives the year of bare deadlines such as
    年底前; every date read that way is flagged for review."""
    if notice.year is not None:
        return
    for block in notice.body[:_BODY_YEAR_BLOCKS]:
        if block.is_table:
            continue
        match = _FULL_DATE.search(block.text)
        if match:
            notice.year = int(match.group(1))
            notice.year_from_body = True
            return


def _year_of(notice: NoticeSpan, fallback: int | None) -> int | None:
    if notice.issued:
        return notice.issued.year
    if notice.number:
        match = re.search(r"〔(\d{4})〕", notice.number)
        if match:
            return int(match.group(1))
    if notice.title:
        match = _TITLE_YEAR.search(notice.title)
        if match:
            return int(match.group(1))
    return fallback
