"""Task tables (Word tables, spreadsheets, tab/pipe tables in text): find the header row by its
names, then read one task per row. ``read_task_rows`` is reusable by code outside the engine."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache

from openpyxl.utils.datetime import from_excel

from .blocks import Block, cell_text
from .clauses import parse_clause_body
from .deadlines import Deadline, parse_deadline
from .records import ExtractedTask
from .text import compact_cjk, fold, squash, strip_markup
from .units import looks_like_unit, split_units

# Header names by role; a cell matches a name exactly or ends with it ("主要牵头单位").
HEADER_NAMES: dict[str, tuple[str, ...]] = {
    "number": ("序号", "编号", "序", "No", "NO", "no", "任务项", "项次"),
    "category": (
        "重点任务",
        "主要任务",
        "任务类别",
        "类别",
        "领域",
        "重点领域",
        "工作类别",
        "项目",
        "改革事项",
        "改革举措",
        "目标任务",
        "重点工作",
        "指标",
        "指标名称",
    ),
    "text": (
        "工作任务",
        "任务内容",
        "具体措施",
        "工作措施",
        "具体任务",
        "工作内容",
        "主要内容",
        "具体内容",
        "工作举措",
        "任务",
        "措施",
        "内容",
        "主要措施",
        "具体工作",
        "任务事项",
        "工作事项",
        "事项",
        "任务名称",
        "工作要求",
        "目标要求",
        "工作目标",
        "具体要求",
        "任务描述",
        "重点任务内容",
    ),
    "lead": ("牵头单位", "牵头部门", "主责单位", "主责部门", "主办单位", "牵头责任单位", "牵头处室", "牵头"),
    "responsible": (
        "责任单位",
        "责任部门",
        "配合单位",
        "配合部门",
        "协办单位",
        "参与单位",
        "协同单位",
        "协作单位",
        "承办单位",
        "实施主体",
        "责任主体",
        "落实单位",
        "实施单位",
        "配合",
        "协办",
        "负责单位",
        "负责部门",
        "指导部门",
        "指导单位",
    ),
    "person": ("责任人", "负责人", "责任领导", "分管领导", "牵头领导"),
    "deadline": (
        "完成时限",
        "完成时间",
        "时间节点",
        "时限",
        "截止时间",
        "完成期限",
        "办结时限",
        "时限要求",
        "进度安排",
        "时间安排",
        "时间要求",
        "截止日期",
    ),
    "source": ("任务来源", "文件来源", "来源", "政策依据", "文件名称"),
}
_LOOKUP = {name: role for role, names in HEADER_NAMES.items() for name in names}
_EXCEL_SERIALS = (36526, 54789)  # 2000-01-01 .. 2049-12-31 as Excel day numbers
_ANNOTATION = re.compile(r"[（(][^（）()]*[)）]")
_LEAD_RULE_IN_HEADER = re.compile(r"(?:第一|首)位|排名第一|列第一")
_SOURCE = re.compile(r"^(?P<title>.+?)\s*[（(](?P<number>[^（）()]*〔?\d{4}〕?[^（）()]*号)[)）]\s*$")


@dataclass
class TableHeader:
    row: int  # index of the (last) header row
    roles: dict[int, str]  # column -> role
    lead_first: bool = False

    def columns(self, role: str) -> list[int]:
        return [column for column, name in sorted(self.roles.items()) if name == role]


@dataclass
class TaskRow:
    """One task as a table row gives it."""

    row: int
    number: str | None
    text: str
    category: str | None = None
    lead: list[str] = field(default_factory=list)
    responsible: list[str] = field(default_factory=list)
    person: str | None = None
    deadline_cell: object = None  # str, or date from a spreadsheet cell
    source: str | None = None
    band: str | None = None  # the full-width row above it ("一、城市更新")


# "工作任务及要求", "责任单位及责任人": a known name that starts the header (4+ characters).
_PREFIX_NAME = re.compile(
    "(?:" + "|".join(sorted((re.escape(n) for n in _LOOKUP if len(n) >= 4), key=len, reverse=True)) + ")"
)
_SUFFIX_NAME = re.compile(
    "(?:" + "|".join(sorted((re.escape(n) for n in _LOOKUP if len(n) >= 2), key=len, reverse=True)) + ")$"
)


def _role(cell: object) -> tuple[str | None, bool]:
    if cell is None or not isinstance(cell, str):
        return None, False
    return _role_of(cell)


@lru_cache(maxsize=4096)
def _role_of(cell: str) -> tuple[str | None, bool]:
    name = squash(strip_markup(fold(cell)))
    lead_first = bool(_LEAD_RULE_IN_HEADER.search(name))
    name = _ANNOTATION.sub("", name).strip("*：:")
    if not name or len(name) > 14:
        return None, lead_first
    if name in _LOOKUP:
        return _LOOKUP[name], lead_first
    suffix = _SUFFIX_NAME.search(name) or _PREFIX_NAME.match(name)
    return (_LOOKUP[suffix.group()] if suffix else None), lead_first


def header_role(name: str) -> str | None:
    """The column a header cell names (number, category, text, lead, responsible, person, deadline,
    source), or None."""
    return _role_of(name)[0]


def find_header(rows: list[list[object]], search: int = 30) -> TableHeader | None:
    """The header row: names a task column and at least one of unit/deadline columns."""
    for index, row in enumerate(rows[:search]):
        roles: dict[int, str] = {}
        lead_first = False
        for column, cell in enumerate(row):
            role, rule = _role(cell)
            lead_first = lead_first or rule
            if role:
                roles[column] = role
        kinds = set(roles.values())
        if not (kinds & {"text", "category"}) or not (kinds & {"lead", "responsible", "deadline", "person"}):
            continue
        header = TableHeader(index, _settle_text_roles(roles), lead_first)
        _merge_subheader(rows, header)
        return header
    return None


def _settle_text_roles(roles: dict[int, str]) -> dict[int, str]:
    """With one text-like column it is the task; with several, the first is a category."""
    texts = [column for column, role in sorted(roles.items()) if role in ("text", "category")]
    if len(texts) == 1:
        roles[texts[0]] = "text"
    elif texts:
        real = [column for column in texts if roles[column] == "text"]
        if not real:
            real = [texts[-1]]
        for column in texts:
            roles[column] = "text" if column in real else "category"
        if all(roles[column] == "text" for column in texts):
            roles[texts[0]] = "category"
    return roles


def _merge_subheader(rows: list[list[object]], header: TableHeader) -> None:
    """A two-row header ("责任单位" over "牵头单位 | 配合单位") refines the roles from the row below."""
    if header.row + 1 >= len(rows):
        return
    below = rows[header.row + 1]
    refined = {}
    for column, cell in enumerate(below):
        role, _ = _role(cell)
        if role:
            refined[column] = role
    if not refined:
        return
    text_columns = header.columns("text")
    if any(
        squash(cell_text(below[column]))
        for column in text_columns
        if column < len(below) and column not in refined
    ):
        return
    header.roles.update(refined)
    header.row += 1


def _cell_units_text(cell: object) -> str:
    """A unit cell as one list: names on separate lines or apart by spaces become a 、 list,
    spaces inside a name ("区 行政审批服务局") go."""
    lines = [line.strip() for line in re.split(r"[\r\n]+", fold(cell_text(cell))) if line.strip()]
    pieces = []
    for line in lines:
        words = line.split()
        if len(words) > 1 and all(len(word) >= 3 and looks_like_unit(word) for word in words):
            pieces.extend(words)
        else:
            pieces.append(line)
    if len(pieces) > 1 and all(looks_like_unit(piece) or piece[-1:] in "、，,；;" for piece in pieces):
        return "、".join(piece.rstrip("、，,；;") for piece in pieces)
    return compact_cjk("".join(pieces) if len(lines) > 1 else " ".join(pieces))


def _units(cell: object) -> tuple[list[str], list[str], str | None]:
    """Lead and responsible units written in one cell ("A牵头，B配合" or a plain list)."""
    text = _cell_units_text(cell)
    if not text:
        return [], [], None
    if re.search(r"牵头|配合|参与|协办|责任单位|牵头单位", text):
        clause, _ = parse_clause_body(text)
        if clause.has_units:
            return clause.lead, clause.responsible, clause.person
    return [], split_units(text), None


def read_task_rows(rows: list[list[object]], header: TableHeader | None = None) -> list[TaskRow]:
    """Task rows of a table (header found by names when not given). Rows without a unit and a
    deadline, repeated header rows and empty rows are left out."""
    header = header or find_header(rows)
    if header is None:
        return []
    result: list[TaskRow] = []
    band: str | None = None  # a full-width row ("一、城市更新") heads the rows below it
    for index in range(header.row + 1, len(rows)):
        row = rows[index]

        def cells(role: str, row: list[object] = row) -> list[object]:
            return [row[column] for column in header.columns(role) if column < len(row)]

        filled = {compact_cjk(cell_text(cell)) for cell in row if cell_text(cell)}
        if len(filled) == 1 and sum(1 for cell in row if cell_text(cell)) > 1:
            band = filled.pop()
            continue
        texts = [compact_cjk(strip_markup(fold(cell_text(cell)))) for cell in cells("text")]
        text = "；".join(part for part in texts if part)
        if not text or _is_header_again(row, header):
            continue
        task = TaskRow(row=index, number=None, text=text)
        numbers = [cell_text(cell) for cell in cells("number") if cell_text(cell)]
        task.number = numbers[0] if numbers else None
        categories = [compact_cjk(cell_text(cell)) for cell in cells("category") if cell_text(cell)]
        task.category = categories[0] if categories else band
        task.band = band
        for cell in cells("lead"):
            lead, responsible, _ = _units(cell)
            task.lead.extend(name for name in [*lead, *responsible] if name not in task.lead)
        for cell in cells("responsible"):
            lead, responsible, person = _units(cell)
            task.lead.extend(name for name in lead if name not in task.lead)
            task.responsible.extend(name for name in responsible if name not in task.responsible)
            task.person = task.person or person
        persons = [squash(cell_text(cell)) for cell in cells("person") if cell_text(cell)]
        task.person = task.person or (persons[0] if persons else None)
        deadlines = [cell for cell in cells("deadline") if cell_text(cell)]
        task.deadline_cell = deadlines[-1] if deadlines else None
        sources = [compact_cjk(cell_text(cell)) for cell in cells("source") if cell_text(cell)]
        task.source = sources[0] if sources else None
        if not (task.lead or task.responsible or task.deadline_cell or task.person):
            continue
        result.append(task)
    return result


def _is_header_again(row: list[object], header: TableHeader) -> bool:
    hits = sum(
        1 for column, role in header.roles.items() if column < len(row) and _role(row[column])[0] == role
    )
    return hits >= max(2, len(header.roles) - 1)


def split_source(source: str) -> tuple[str, str | None]:
    """ "plan title（文号）" -> (title, 文号)."""
    match = _SOURCE.match(source.strip())
    if not match:
        return source.strip(), None
    number = squash(match.group("number"))
    number = re.sub(r"[\[［(（【]((?:19|20)\d{2})[\]］)）】]", r"〔\1〕", number)
    return match.group("title").strip(), number


def deadline_from_cell(cell: object, rules_ctx: object) -> Deadline | None:
    """A spreadsheet date cell is a date; text goes through the deadline grammar."""
    if cell is None:
        return None
    if isinstance(cell, datetime):
        cell = cell.date()
    if isinstance(cell, date):
        return Deadline(raw=cell.isoformat(), kind="date", date=cell)
    if isinstance(cell, int | float) and _EXCEL_SERIALS[0] <= cell <= _EXCEL_SERIALS[1]:
        day = from_excel(cell)  # a date typed into a cell not formatted as a date
        day = day.date() if isinstance(day, datetime) else day
        return Deadline(raw=day.isoformat(), kind="date", date=day)
    return parse_deadline(cell_text(cell), rules_ctx)  # type: ignore[arg-type]


def table_tasks(block: Block, section: list[str], rules: object) -> list[ExtractedTask]:
    """Tasks from a table inside a notice (Word table, tab or pipe table in text)."""
    from .tasks import TaskRules, fill_task

    assert isinstance(rules, TaskRules)
    rows = block.rows or []
    header = find_header(rows)
    if header is None:
        return []
    lead_first = rules.lead_first or header.lead_first
    local = TaskRules(rules.ctx, lead_first=lead_first)
    tasks = []
    for row in read_task_rows(rows, header):
        headings = [row.band, row.category]
        task = ExtractedTask(
            section=[
                *section,
                *(
                    name
                    for index, name in enumerate(headings)
                    if name and name != row.text and name not in headings[:index]
                ),
            ],
            number=row.number,
            text=row.text,
        )
        fill_task(
            task,
            row.lead,
            row.responsible,
            row.person,
            None,
            local,
            deadline_from_cell(row.deadline_cell, rules.ctx),
        )
        tasks.append(task)
    return tasks
