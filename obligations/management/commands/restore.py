"""python manage.py restore FILE [--noinput]: put a backup back (database and MEDIA_ROOT)."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ...ops.archive import BackupError
from ...ops.restoring import restore


class Command(BaseCommand):
    help = "从备份文件恢复数据库和附件。恢复前请停止网站和后台任务进程；当前数据将被备份中的数据替换。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="manage.py backup 生成的 .tar.gz 文件")
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive")

    def handle(self, *args: object, **options: object) -> None:
        archive: Path = options["file"]
        if options["interactive"]:
            if not sys.stdin.isatty():
                raise CommandError("恢复会替换当前全部数据：请在终端中确认，或加 --noinput。", returncode=2)
            answer = input(f"将用 {archive.name} 替换当前数据库和附件，输入 yes 确认：")
            if answer.strip().lower() != "yes":
                raise CommandError("已取消，未做任何改动。", returncode=2)
        try:
            result = restore(archive)
        except BackupError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        self.stdout.write(
            f"已恢复 {archive.name}（备份于 {result.manifest.created_at}）：{result.tables} 张表 {result.rows} 行；"
            f"附件恢复 {result.files_restored} 个，未变 {result.files_unchanged} 个。"
        )
        if result.moved_to:
            self.stdout.write(f"备份中没有的 {result.files_moved_aside} 个附件已移到 {result.moved_to}。")
        if result.older_schema:
            self.stdout.write("备份来自较早的版本：请接着运行 python manage.py migrate 和 setup_schedules。")
