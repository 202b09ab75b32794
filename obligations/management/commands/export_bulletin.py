"""python manage.py export_bulletin --period YYYY-MM|YYYY-Qn [--plan ID ...] [--unit NAME ...] -o FILE.docx"""

from __future__ import annotations

import shutil
from pathlib import Path

from django.core.management.base import CommandError, CommandParser

from ...bulletin.bulletin_files import generate_bulletin_file
from ...bulletin.spec import BulletinSpec, BulletinSpecError
from ...models import Bulletin
from ..one_line_errors import OneLineErrorCommand, bad_argument
from .export_ledger import Command as LedgerCommand


class Command(OneLineErrorCommand):
    help = "生成某月或某季度的督查通报（Word），可按工作方案、单位筛选；同时记入通报记录并编期号。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", help="期间：月份如 2025-03，季度如 2025-Q1（必填）")
        parser.add_argument("--plan", action="append", default=[], metavar="ID", help="工作方案编号，可多次")
        parser.add_argument(
            "--unit", action="append", default=[], metavar="NAME", help="单位名称或别名，可多次"
        )
        parser.add_argument("-o", "--output", help="输出文件路径（.docx，必填）")

    def handle(self, *args: object, **options: object) -> None:
        if not options["period"]:
            raise bad_argument("请用 --period YYYY-MM 或 YYYY-Qn 指定期间。")
        if not options["output"]:
            raise bad_argument("请用 -o FILE 指定输出文件。")
        output = Path(options["output"])
        if output.suffix.lower() != ".docx":
            raise bad_argument(f"输出文件应以 .docx 结尾：{output}")
        if not output.parent.is_dir():
            raise bad_argument(f"输出目录不存在：{output.parent}")
        filters = {
            "plans": LedgerCommand._plans(options["plan"]),
            "units": LedgerCommand._units(options["unit"]),
        }
        try:
            spec = BulletinSpec.build(options["period"], filters)
            bulletin = generate_bulletin_file(spec, Bulletin.Trigger.COMMAND)
        except BulletinSpecError as exc:
            raise bad_argument(str(exc)) from None
        except Exception as exc:  # recorded on the bulletin as failed
            raise CommandError(f"生成失败：{exc}") from exc
        shutil.copyfile(bulletin.file.path, output)
        self.stdout.write(
            f"已生成{spec.period.label}督查通报（{bulletin.issue}）：逾期未办结任务 {bulletin.overdue} 项，"
            f"写入 {output}（通报记录 #{bulletin.pk}）"
        )
