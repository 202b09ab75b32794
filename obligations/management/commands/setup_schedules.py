from django.core.management.base import BaseCommand

from ...reminders.schedules import install_schedules


class Command(BaseCommand):
    help = "安装或更新后台定时任务（每日提醒扫描、提醒发送等），可重复执行，不会重复创建。"

    def handle(self, *args: object, **options: object) -> None:
        for line in install_schedules():
            self.stdout.write(line)
