import datetime

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ...reminders import run_daily_sweep, send_due


class Command(BaseCommand):
    help = "立即运行一次提醒扫描（默认今天），并发送到期提醒；同一天重复运行不会重复提醒。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--day", help="扫描日期 YYYY-MM-DD，默认今天")
        parser.add_argument("--force", action="store_true", help="当天已扫描或非工作日也运行")
        parser.add_argument("--no-send", action="store_true", help="只生成提醒，不发送")

    def handle(self, *args: object, **options: object) -> None:
        day = None
        if options["day"]:
            try:
                day = datetime.date.fromisoformat(options["day"])
            except ValueError as exc:
                raise CommandError(f"日期格式应为 YYYY-MM-DD：{options['day']}", returncode=2) from exc
        self.stdout.write(f"扫描：{run_daily_sweep(day, force=options['force'])}")
        if not options["no_send"]:
            self.stdout.write(f"发送：{send_due()}")
