"""read -> normalise -> notices -> outline -> tasks (clauses, units, deadlines)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from ..workdays import DEFAULT_CALENDAR, WorkdayCalendar
from .blocks import Document
from .deadlines import DeadlineContext
from .normalise import normalise_blocks
from .notices import NoticeSpan, find_jurisdiction, split_notices
from .outline import Item, TableItem, repair, walk
from .progress import EXTRACTING, Progress, report
from .records import ExtractionCancelled, ExtractionError, ExtractionResult, Notice
from .safety import check_size
from .sniff import detect_kind
from .tables import table_tasks
from .tasks import TaskRules, build_tasks

logger = logging.getLogger(__name__)


def extract_file(
    path: str | os.PathLike[str],
    *,
    year: int | None = None,
    max_bytes: int | None = None,
    calendar: WorkdayCalendar | None = None,
    progress: Progress | None = None,
    ocr: bool = True,
) -> ExtractionResult:
    """Extract a plan file from disk; the size is checked before the file is read."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ExtractionError(f"无法读取文件：{path}（{exc.strerror or exc}）") from exc
    if not path.is_file():
        raise ExtractionError(f"不是文件：{path}")
    check_size(size, max_bytes)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ExtractionError(f"无法读取文件：{path}（{exc.strerror or exc}）") from exc
    return extract_bytes(
        data, path.name, year=year, max_bytes=max_bytes, calendar=calendar, progress=progress, ocr=ocr
    )


def extract_bytes(
    data: bytes,
    filename: str,
    *,
    year: int | None = None,
    max_bytes: int | None = None,
    calendar: WorkdayCalendar | None = None,
    progress: Progress | None = None,
    ocr: bool = True,
) -> ExtractionResult:
    """Extract the notices and tasks of one file's content. Bad input raises ExtractionError only;
    ``progress(stage, done, total)`` hears about slow stages and may raise ExtractionCancelled."""
    check_size(len(data), max_bytes)
    try:
        return _extract(data, filename, year, calendar or DEFAULT_CALENDAR, progress, ocr)
    except (ExtractionError, ExtractionCancelled):
        raise
    except (MemoryError, RecursionError) as exc:
        raise ExtractionError("文件过于复杂，无法处理。") from exc
    except Exception as exc:  # a reader library choking on a malformed file
        logger.exception("extraction of %s failed", filename)
        raise ExtractionError(f"文件无法解析（{type(exc).__name__}），可能已损坏或格式不受支持。") from exc


def _extract(
    data: bytes,
    filename: str,
    year: int | None,
    calendar: WorkdayCalendar,
    progress: Progress | None,
    ocr: bool,
) -> ExtractionResult:
    from .readers import read_document

    kind = detect_kind(data, filename)
    document: Document = read_document(data, kind, progress=progress, ocr=ocr)
    report(progress, EXTRACTING, 0, 1)
    result = ExtractionResult(source_name=Path(filename).name, warnings=list(document.warnings))
    if document.kind == "xlsx":
        from .read_xlsx import ledger_notices, xlsx_jurisdiction

        result.notices = ledger_notices(document, year=year, calendar=calendar)
        result.jurisdiction = xlsx_jurisdiction(result.notices)
        return result
    document.blocks = normalise_blocks(document.blocks)
    spans = split_notices(document.blocks, year=year)
    result.jurisdiction = find_jurisdiction(document.blocks, spans)
    for span in spans:
        notice = _notice_tasks(span, calendar, document)
        result.notices.append(notice)
    report(progress, EXTRACTING, 1, 1)
    if result.task_count == 0:
        result.warnings.append("未识别到带责任单位或完成时限的任务。")
    return result


def _notice_tasks(span: NoticeSpan, calendar: WorkdayCalendar, document: Document) -> Notice:
    notice = Notice(
        title=span.title or "",
        number=span.number,
        issued=span.issued.isoformat() if span.issued else None,
        issuer=span.issuer,
        year=span.year,
    )
    rules = TaskRules(
        DeadlineContext(
            year=span.year, issued=span.issued, calendar=calendar, year_from_body=span.year_from_body
        ),
        lead_bold=span.lead_bold,
    )
    paged = document.kind in PAGED
    for item in walk(repair(span.body, trust_headings=document.kind == "docx")):
        line = _first_line(item)
        rules.lead_first = span.lead_first and line >= span.lead_first_line
        if isinstance(item, Item):
            tasks = build_tasks(item, rules)
        else:
            tasks = table_tasks(item.block, item.section, rules)
        for task in tasks:
            if paged:
                task.page = line or None
            if line in document.ocr_pages:
                task.review_flags.append(f"第 {line} 页为扫描件，本条由文字识别（OCR）得到，请对照原件核对")
        notice.tasks.extend(tasks)
    return notice


PAGED = ("pdf", "ofd")  # readers whose Block.line is a page number


def _first_line(item: Item | TableItem) -> int:
    if isinstance(item, TableItem):
        return item.block.line
    return item.paras[0].line if item.paras else 0
