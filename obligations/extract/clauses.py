"""Assignment clauses: where they are in a paragraph and what they say.

Forms: "（责任单位：A、B）", "牵头单位：A；责任单位：B" lines, "（A牵头，B按职责分工负责）", "（A牵头负责）",
"（A、B分头负责）", "（A负责落实；2018年9月底前完成）", "（责任人：张三；责任单位：A）", 配合/协调/参与单位,
"（负责部门：A、B；适用范围：C）" (the scope is not a unit), "（A指导，B参与）" (the ministry that guides is named
as responsible, not as lead), "〔…〕" and half-width brackets, "完成时限：…" alone, a clause cut by a page break
(left unclosed), a note after a full stop inside the brackets.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from .deadlines import parse_deadline
from .text import bracket_positions, fold, squash, strip_markup
from .units import depth_at, looks_like_unit, split_top_level, split_units


def _loose(word: str) -> str:
    """A key as a pattern that tolerates PDF spaces between its characters ("责 任单位")."""
    return r"\s*".join(re.escape(char) for char in word)


_KEYS: dict[str, str] = {}
for _role, _words in {
    "lead": "牵头责任单位 牵头责任部门 牵头单位 牵头部门 主责单位 主责部门 主办单位 主办部门 牵头处室",
    "responsible": (
        "责任单位 责任部门 配合单位 配合部门 协调单位 协调部门 参与单位 参与部门 协办单位 协办部门 协同单位 "
        "协同部门 承办单位 实施单位 实施部门 落实单位 责任主体 联办单位 协作单位 责任处室 责任科室 负责单位 负责部门 "
        "指导单位 指导部门"
    ),
    "person": "责任人 责任领导 牵头领导 分管领导 负责人 牵头负责领导 牵头市领导 牵头区领导 牵头县领导 联系领导 包保领导",
    "deadline": (
        "完成时限 完成时间 完成期限 时间节点 时限要求 办结时限 截止时间 截止日期 时间安排 进度安排 时限"
    ),
    # Parts of a clause that qualify the task without naming who does it ("适用范围：浙江自贸试验区").
    "scope": "适用范围 实施范围 推广范围 适用对象 适用地区",
}.items():
    for _word in _words.split():
        _KEYS[_word] = _role

KEYS = frozenset(_KEYS)  # every clause key ("牵头单位", "完成时限", …)
_KEY_PATTERN = "|".join(_loose(word) for word in sorted(_KEYS, key=len, reverse=True))
_KEY_AT_START = re.compile(rf"^\s*(?P<key>{_KEY_PATTERN})\s*(?:[:：]|为)?\s*")
_KEY_LINE = re.compile(rf"(?:^|(?<=[。；;！？!?]))\s*(?P<key>{_KEY_PATTERN})\s*[:：]")
# The usual keys also start a clause right after the text, with no full stop before them.
_STRONG_KEYS = (
    "牵头单位 责任单位 牵头部门 责任部门 配合单位 配合部门 协办单位 主办单位 完成时限 完成时间 时间节点 "
    "负责单位 负责部门"
)
_KEY_ANYWHERE = re.compile(rf"(?P<key>{'|'.join(_loose(word) for word in _STRONG_KEYS.split())})\s*[:：]")
_LEAD_VERB = re.compile(r"牵\s*头(?!\s*(?:部\s*门|单\s*位|处\s*室|领\s*导))")
_RESP_VERB = re.compile(
    r"(?:按\s*(?:照\s*)?(?:部\s*门\s*)?(?:各\s*自\s*)?职\s*责\s*(?:分\s*工\s*)?负\s*责|分\s*工\s*负\s*责|分\s*头\s*负\s*责|"
    r"共\s*同\s*负\s*责|负\s*责\s*落\s*实|具\s*体\s*负\s*责|配\s*合|参\s*与|协\s*助|协\s*办|负\s*责|指\s*导)"
)
_DEADLINE_TAIL = re.compile(r"(?:完成|办结|落实到位|到位|实现)\s*$")
# "区发改局（牵头）、区财政局": a lead marked inside the list
_LEAD_MARK = re.compile(r"[（(]\s*牵\s*头\s*(?:单\s*位|部\s*门)?\s*[)）]")
# A key that starts a new part even without a separator before it ("牵头单位：A 配合单位：B").
_KEY_WITH_COLON = re.compile(rf"(?:{_KEY_PATTERN})\s*[:：]")
# After a bare unit list in brackets only the end of the item may follow.
_ITEM_END = re.compile(r"^[。；;，,.\s]*$|^[；;。]\s*[一二三四五六七八九十]+是")
_CLAUSE_SEPARATORS = frozenset("，,；;")
_WITH = re.compile(r"会\s*同")
# The document's own lead rule written inside a clause: "列第一位者为牵头单位，下同".
_LEAD_RULE_NOTE = re.compile(r"(?:第一|首)位.{0,8}?为?牵头|^下同$|^(?:下同|以下同)$")


@dataclass
class Clause:
    """One assignment clause; ``start``/``end`` cover it in the paragraph, brackets included."""

    start: int
    end: int
    lead: list[str] = field(default_factory=list)
    responsible: list[str] = field(default_factory=list)
    person: str | None = None
    deadline_raw: str | None = None
    keyed: bool = False  # opened with a key such as 责任单位：

    @property
    def has_units(self) -> bool:
        return bool(self.lead or self.responsible)

    @property
    def empty(self) -> bool:
        return not (self.has_units or self.person or self.deadline_raw)

    def absorb(self, other: Clause) -> None:
        """Fill what this clause lacks from a clause that follows it (a second clause line)."""
        if not self.lead:
            self.lead = other.lead
        if not self.responsible:
            self.responsible = other.responsible
        if other.person and other.person != self.person:
            self.person = f"{self.person}、{other.person}" if self.person else other.person
        self.deadline_raw = self.deadline_raw or other.deadline_raw


def starts_with_key(text: str) -> bool:
    """A paragraph that opens with a clause key ("责任单位：…", "完成时限 2018年…")."""
    return bool(_KEY_AT_START.match(text))


def _deadline_segment(segment: str) -> str | None:
    """The segment itself reads as a time limit ("2018年9月底前完成", "长期坚持")."""
    text = _DEADLINE_TAIL.sub("", segment.strip())
    if not text or looks_like_unit(text) or len(squash(text)) > 30:
        return None
    parsed = parse_deadline(text)
    if parsed is None or parsed.kind == "none":
        return None
    return segment.strip()


def _split_at_keys(chunk: str) -> list[str]:
    starts = [match.start() for match in _KEY_WITH_COLON.finditer(chunk) if match.start() > 0]
    if not starts:
        return [chunk]
    bounds = [0, *starts, len(chunk)]
    return [chunk[a:b] for a, b in itertools.pairwise(bounds)]


def _with_split(part: str) -> tuple[str, str] | None:
    """ "X会同Y负责": X leads, Y shares the work. Only at the top level, never inside brackets."""
    if "会" not in part or _KEY_AT_START.match(part):
        return None
    for match in _WITH.finditer(part):
        if depth_at(part, match.start()) == 0 and match.start() > 0:
            return part[: match.start()], part[match.end() :]
    return None


def _rule_note(segment: str) -> bool:
    return ("位" in segment or "同" in segment) and bool(_LEAD_RULE_NOTE.search(squash(segment)))


def _segments(part: str) -> list[tuple[str, str | None]]:
    """A clause part cut into (segment, forced role) pieces."""
    halves = _with_split(part)
    if halves is not None:
        lead, rest = halves
        return [(lead, "lead"), *[(piece, "responsible") for piece, _ in _segments(rest)]]
    return [
        (piece, None)
        for chunk in split_top_level(part, _CLAUSE_SEPARATORS)
        for piece in _split_at_keys(chunk)
    ]


def parse_clause_body(body: str) -> tuple[Clause, bool]:
    """Parse what is inside a clause. Returns the clause and whether every part made sense."""
    clause = Clause(0, 0)
    clean = True
    parts = split_top_level(fold(strip_markup(body)), frozenset("。"))
    role: str | None = None
    for index, part in enumerate(parts):
        if index and not _KEY_AT_START.match(part):
            continue  # a note after a full stop ("黑体字部门为牵头部门…"), not an assignment
        for segment, forced in _segments(part):
            if not segment.strip() or _rule_note(segment):
                continue  # "列第一位者为牵头单位，下同": the document's rule, read by notices.py
            if forced is not None:
                names = split_units(segment)
                target = clause.lead if forced == "lead" else clause.responsible
                good = [name for name in names if looks_like_unit(name)]
                clean = clean and len(good) == len(names) and bool(good)
                target.extend(name for name in good if name not in target)
                continue
            content = segment
            key = _KEY_AT_START.match(segment)
            if key:
                clause.keyed = True
                role = _KEYS[squash(key.group("key"))]
                content = segment[key.end() :]
            if not content.strip():
                continue
            if role == "deadline":
                clause.deadline_raw = content.strip()
                continue
            if role == "person":
                if key:
                    clause.person = squash(content)
                continue
            if role == "scope":
                continue  # "适用范围：…" says where, not who
            deadline = _deadline_segment(content)
            if deadline:
                clause.deadline_raw = deadline
                continue
            if _LEAD_MARK.search(content):
                for piece in split_top_level(content):
                    marked = bool(_LEAD_MARK.search(piece))
                    names = split_units(_LEAD_MARK.sub("", piece))
                    target = clause.lead if marked or role == "lead" else clause.responsible
                    clean = clean and all(looks_like_unit(name) for name in names)
                    target.extend(name for name in names if looks_like_unit(name) and name not in target)
                continue
            lead_verb = _LEAD_VERB.search(content)
            if lead_verb:
                names = split_units(content[: lead_verb.start()])
                target = clause.lead
            else:
                names = split_units(content)
                target = clause.lead if role == "lead" else clause.responsible
            good = [name for name in names if looks_like_unit(name)]
            if len(good) != len(names) or not good:
                clean = False
            target.extend(name for name in good if name not in target)
    return clause, clean


def _clause_like(body: str, at_item_end: bool = False) -> Clause | None:
    """A bracketed text that assigns work: keyed, or a unit list closed by a role verb, or (when it
    closes the item) a bare list of named units such as "（市发展改革委、市财政局）"."""
    squashed = squash(body)
    if not squashed:
        return None
    if _KEY_AT_START.match(body):
        clause, _ = parse_clause_body(body)
        return None if clause.empty else clause
    if not (_LEAD_VERB.search(body) or _RESP_VERB.search(body)) or len(squashed) > 300:
        return _bare_unit_list(body) if at_item_end and len(squashed) <= 150 else None
    clause, clean = parse_clause_body(body)
    if not clean or not clause.has_units:
        return None
    # A note after a full stop ("…负责落实。以下均需试点城市政府落实，不再列出") is not the clause's end.
    sentences = split_top_level(body, frozenset("。"))
    kept = [sentences[0], *(part for part in sentences[1:] if _KEY_AT_START.match(part))]
    pieces = split_top_level(kept[-1], _CLAUSE_SEPARATORS)
    while len(pieces) > 1 and (not pieces[-1].strip() or _rule_note(pieces[-1])):
        pieces.pop()  # "…负责，列第一位者为牵头单位，下同"
    last = pieces[-1]
    if not (
        _KEY_AT_START.match(last)
        or _LEAD_VERB.search(last)
        or _RESP_VERB.search(last)
        or _deadline_segment(last)
    ):
        return None
    return clause


def _bare_unit_list(body: str) -> Clause | None:
    clause, clean = parse_clause_body(body)
    names = clause.lead + clause.responsible
    if not clean or not names or clause.person:
        return None
    if not any(_named_unit(name) for name in names) or any(_note_word(name) for name in names):
        return None
    return clause


def _note_word(name: str) -> bool:
    return any(word in name for word in ("简称", "下同", "以下", "包括", "含", "即", "指"))


def _named_unit(name: str) -> bool:
    """A unit named by its office ("区财政局"), not only a group or a word that ends like one."""
    return looks_like_unit(name) and len(squash(name)) >= 3 and not name.startswith(("各", "有关", "相关"))


def _bracket_groups(text: str) -> tuple[list[tuple[int, int]], list[int]]:
    """Closed bracket groups (start, end-exclusive) and the positions left unclosed."""
    stack: list[int] = []
    groups: list[tuple[int, int]] = []
    for index, is_open in bracket_positions(text):
        if is_open:
            stack.append(index)
        elif stack:
            groups.append((stack.pop(), index + 1))
    groups.sort(key=lambda span: (span[0], -span[1]))
    return groups, stack


def find_clauses(text: str) -> list[Clause]:
    """All assignment clauses in one paragraph, in order."""
    found: list[Clause] = []
    taken: list[tuple[int, int]] = []

    def inside(start: int, end: int) -> bool:
        return any(a <= start and end <= b for a, b in taken)

    groups, unclosed = _bracket_groups(text)
    for start, end in groups:
        if inside(start, end):
            continue
        clause = _clause_like(text[start + 1 : end - 1], at_item_end=bool(_ITEM_END.match(text[end:])))
        if clause is not None:
            clause.start, clause.end = start, end
            found.append(clause)
            taken.append((start, end))
    if unclosed:
        start = unclosed[0] if len(unclosed) == 1 else unclosed[-1]
        body = text[start + 1 :]
        if not inside(start, len(text)) and (_KEY_AT_START.match(body) or _LEAD_VERB.search(body)):
            clause, _ = parse_clause_body(body)
            if not clause.empty:
                clause.start, clause.end = start, len(text)
                found.append(clause)
                taken.append((start, len(text)))
    key_starts: dict[int, re.Match[str]] = {}
    if "：" in text or ":" in text:  # key lines always have a colon
        key_starts = {match.start("key"): match for match in _KEY_LINE.finditer(text)}
        for match in _KEY_ANYWHERE.finditer(text):
            key_starts.setdefault(match.start("key"), match)
    for _, match in sorted(key_starts.items()):
        start = match.start("key")
        if inside(start, start + 1) or any(a <= start < b for a, b in groups):
            continue
        end = len(text)
        for clause in found:
            if clause.start > start:
                end = min(end, clause.start)
        clause, _ = parse_clause_body(text[start:end])
        if not clause.empty:
            clause.start, clause.end = start, end
            found.append(clause)
            taken.append((start, end))
    found.sort(key=lambda clause: clause.start)
    return _merge_adjacent(found, text)


def _merge_adjacent(clauses: list[Clause], text: str) -> list[Clause]:
    """Key lines that follow each other with nothing between them form one clause."""
    merged: list[Clause] = []
    for clause in clauses:
        if merged:
            gap = text[merged[-1].end : clause.start]
            if not squash(gap).strip("。；;，,、：:") and merged[-1].keyed and clause.keyed:
                previous = merged[-1]
                previous.absorb(clause)
                previous.end = clause.end
                continue
        merged.append(clause)
    return merged
