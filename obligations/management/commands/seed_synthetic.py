import time

from django.core.management.base import BaseCommand, CommandParser

from ...devtools.synthetic import seed


class Command(BaseCommand):
    help = "生成合成的工作方案与任务（文本与单位取自种子公报），用于性能测试。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tasks", type=int, default=10000)
        parser.add_argument("--units", type=int, default=300)
        parser.add_argument("--seed", type=int, default=20201, help="随机种子（相同种子生成相同数据）")

    def handle(self, *args: object, **options: object) -> None:
        started = time.perf_counter()
        summary = seed(options["tasks"], options["units"], seed_value=options["seed"])
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"已生成 {summary.plans} 个方案、{summary.tasks} 项任务、{summary.units} 个单位、"
            f"{summary.assignments} 条分工、{summary.reports} 条进展，用时 {elapsed:.1f} 秒。"
        )
