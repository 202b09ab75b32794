"""python manage.py backup [--label pre-upgrade]: one archive of the database and MEDIA_ROOT."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from ...models import BackupRun
from ...ops.archive import BackupError
from ...ops.backups import create_backup, record_backup


class Command(BaseCommand):
    help = "备份数据库和附件（佐证材料、导入文件、台账）到 TRACKER_BACKUP_DIR，附带校验清单。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--label",
            default="manual",
            help="写进文件名的标签，如 pre-upgrade（只有每日定时备份 nightly 会按保留规则删除）",
        )

    def handle(self, *args: object, **options: object) -> None:
        started = timezone.now()
        try:
            result = create_backup(str(options["label"]))
        except BackupError as exc:
            record_backup(BackupRun.Trigger.COMMAND, started, None, str(exc))
            raise CommandError(str(exc), returncode=2) from exc
        record_backup(BackupRun.Trigger.COMMAND, started, result)
        self.stdout.write(
            f"已备份到 {result.path}（{result.size / 1048576:.1f} MB；{result.tables} 张表 "
            f"{result.rows} 行，附件 {result.media_files} 个）。"
        )
