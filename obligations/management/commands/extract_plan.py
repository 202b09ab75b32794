"""python manage.py extract_plan FILE [--year YYYY] [--max-bytes N] [--no-ocr]: print the extraction as JSON."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ...extract import ExtractionError, extract_file
from ...filetypes import IMPORT_EXTENSIONS


class Command(BaseCommand):
    help = (
        "从工作方案文件（"
        + "/".join(f".{ext}" for ext in IMPORT_EXTENSIONS)
        + "，PDF 含扫描件）提取通知与任务，以 JSON 输出到标准输出。"
    )
    requires_system_checks = ()  # reads a file; needs no database, URLs or models

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="方案文件路径")
        parser.add_argument("--year", type=int, help="方案年度（正文未写明年份时用于推断时限）")
        parser.add_argument(
            "--max-bytes", type=int, dest="max_bytes", help="文件大小上限（字节），默认 50 MB"
        )
        parser.add_argument(
            "--no-ocr", action="store_false", dest="ocr", help="不对扫描件进行文字识别（OCR），直接拒绝"
        )

    def handle(self, *args: object, **options: object) -> None:
        try:
            result = extract_file(
                options["file"], year=options["year"], max_bytes=options["max_bytes"], ocr=options["ocr"]
            )
        except ExtractionError as exc:
            message = " ".join(str(exc).split()) or "无法提取该文件。"
            raise CommandError(message, returncode=2) from None
        self.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
