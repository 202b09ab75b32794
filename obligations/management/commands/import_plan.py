from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ...extract import ExtractionError
from ...filetypes import IMPORT_EXTENSIONS
from ...plans.importing import import_path


class Command(BaseCommand):
    help = (
        "导入工作方案文件（"
        + "/".join(f".{ext}" for ext in IMPORT_EXTENSIONS)
        + "，PDF 含扫描件），提取任务并保存；同一文件重复导入不做任何更改。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--publish", action="store_true", help="导入后直接发布（默认存为待审核草稿）")
        parser.add_argument("--year", type=int, help="方案年度（正文未写明年份时用于推断时限）")
        parser.add_argument("--jurisdiction", help="所属辖区，如“张店区”（默认从正文识别）")
        parser.add_argument("--user", help="记为导入人的用户名")

    def handle(self, *args: object, **options: object) -> None:
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"用户不存在：{options['user']}", returncode=2)
        try:
            outcome = import_path(
                options["file"],
                user=user,
                publish=options["publish"],
                year=options["year"],
                jurisdiction=options["jurisdiction"],
            )
        except ExtractionError as exc:
            raise CommandError(str(exc), returncode=2) from None
        if not outcome.created:
            self.stdout.write(f"该文件已导入过（SHA-256 {outcome.source.sha256[:12]}…），未做任何更改。")
            return
        for plan in outcome.plans:
            self.stdout.write(
                f"已导入《{plan.title}》{('（' + plan.number + '）') if plan.number else ''}："
                f"{plan.tasks.count()} 项任务，状态：{plan.get_status_display()}"
            )
        if outcome.new_units:
            self.stdout.write(f"新建单位 {len(outcome.new_units)} 个（待确认）。")
