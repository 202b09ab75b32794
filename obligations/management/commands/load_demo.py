from django.core.management.base import BaseCommand, CommandParser

from ...devtools.demo import (
    close_seed_history,
    import_seed_plans,
    last_months_ledger,
    load_accounts,
    load_today_plans,
    load_units,
)


class Command(BaseCommand):
    help = (
        "载入演示数据（可重复执行，已载入的不再改动）：单位、演示账号、五份种子公报（2018–2021 年的历史方案，"
        "按历史办结情况标记为已办结）、按今天日期生成的演示方案和上月进展台账。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-plans", action="store_true", help="只载入单位和账号")

    def handle(self, *args: object, **options: object) -> None:
        self.stdout.write(f"单位：{load_units()} 个")
        for account in load_accounts():
            self.stdout.write(f"账号：{account.username} / {account.password}（{account.group}）")
        if options["no_plans"]:
            return
        outcomes = import_seed_plans()
        for path, outcome in outcomes:
            if isinstance(outcome, str):
                self.stderr.write(f"{path.name}：导入失败：{outcome}")
            elif outcome.created:
                tasks = sum(plan.tasks.count() for plan in outcome.plans)
                self.stdout.write(f"{path.name}：{len(outcome.plans)} 个方案，{tasks} 项任务")
            else:
                self.stdout.write(f"{path.name}：已导入过，跳过")
        closed = close_seed_history(outcomes)
        if closed:
            self.stdout.write(f"种子公报为 2018–2021 年的历史方案：{closed} 项任务按历史办结情况标记为已办结")
        plans = load_today_plans()
        if plans:
            tasks = sum(plan.tasks.count() for plan in plans)
            self.stdout.write(f"演示方案：{len(plans)} 个，{tasks} 项任务（日期按今天生成）")
        else:
            self.stdout.write("演示方案：已载入过，跳过")
        export = last_months_ledger()
        if export is not None:
            self.stdout.write(f"上月进展台账：{export.month:%Y年%m月}，{export.rows} 行")
        else:
            self.stdout.write("上月进展台账：已生成过，跳过")
