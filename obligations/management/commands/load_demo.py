from django.core.management.base import BaseCommand, CommandParser

from ...devtools.demo import import_seed_plans, load_accounts, load_units


class Command(BaseCommand):
    help = "载入演示数据：单位、演示账号和五份种子公报中的工作方案（可重复执行）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-plans", action="store_true", help="只载入单位和账号")

    def handle(self, *args: object, **options: object) -> None:
        self.stdout.write(f"单位：{load_units()} 个")
        for account in load_accounts():
            self.stdout.write(f"账号：{account.username} / {account.password}（{account.group}）")
        if options["no_plans"]:
            return
        for path, outcome in import_seed_plans():
            if isinstance(outcome, str):
                self.stderr.write(f"{path.name}：导入失败：{outcome}")
            elif outcome.created:
                tasks = sum(plan.tasks.count() for plan in outcome.plans)
                self.stdout.write(f"{path.name}：{len(outcome.plans)} 个方案，{tasks} 项任务")
            else:
                self.stdout.write(f"{path.name}：已导入过，跳过")
