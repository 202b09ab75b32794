"""python manage.py export_ledger --month YYYY-MM [--place 辖区 ...] [--plan ID ...] [--unit NAME ...] [--light ...] -o FILE"""

from __future__ import annotations

import shutil
from pathlib import Path

from django.core.management.base import CommandError, CommandParser

from ...ledger import LedgerFilterError, generate_ledger_file, parse_month
from ...ledger.filters import LIGHTS, PAPERS
from ...models import LedgerExport, Plan
from ...plans.unit_directory import units_named
from ...security.ids import parse_id
from ..one_line_errors import OneLineErrorCommand, bad_argument


class Command(OneLineErrorCommand):
    help = "导出某月的进展台账（Excel），可按所属辖区、工作方案、单位、灯色筛选；同时记入台账导出记录。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", help="月份，如 2025-03（必填）")
        parser.add_argument(
            "--place", action="append", default=[], metavar="辖区", help="工作方案的所属辖区，可多次"
        )
        parser.add_argument("--plan", action="append", default=[], metavar="ID", help="工作方案编号，可多次")
        parser.add_argument(
            "--unit", action="append", default=[], metavar="NAME", help="单位名称或别名，可多次"
        )
        parser.add_argument(
            "--light",
            action="append",
            default=[],
            metavar="LIGHT",
            help=f"灯色（{'|'.join(LIGHTS)}），可多次",
        )
        parser.add_argument("--paper", default="A4", help=f"纸张（{'|'.join(PAPERS)}），默认 A4")
        parser.add_argument("-o", "--output", help="输出文件路径（.xlsx，必填）")

    def handle(self, *args: object, **options: object) -> None:
        if not options["month"]:
            raise bad_argument("请用 --month YYYY-MM 指定月份。")
        if not options["output"]:
            raise bad_argument("请用 -o FILE 指定输出文件。")
        output = Path(options["output"])
        if output.suffix.lower() != ".xlsx":
            raise bad_argument(f"输出文件应以 .xlsx 结尾：{output}")
        if not output.parent.is_dir():
            raise bad_argument(f"输出目录不存在：{output.parent}")
        try:
            month = parse_month(options["month"])
        except LedgerFilterError as exc:
            raise bad_argument(str(exc)) from None
        filters = {
            "places": self._places(options["place"]),
            "plans": self._plans(options["plan"]),
            "units": self._units(options["unit"]),
            "lights": options["light"],
            "paper": options["paper"].upper(),
        }
        try:
            export = generate_ledger_file(month, filters, trigger=LedgerExport.Trigger.COMMAND)
        except LedgerFilterError as exc:
            raise bad_argument(str(exc)) from None
        except Exception as exc:  # recorded on the export as failed
            raise CommandError(f"导出失败：{exc}") from exc
        shutil.copyfile(export.file.path, output)
        self.stdout.write(
            f"已导出{export.month.year}年{export.month.month}月进展台账：{export.rows} 项任务，"
            f"写入 {output}（导出记录 #{export.pk}）"
        )

    @staticmethod
    def _places(values: list[str]) -> list[str]:
        places = [value.strip() for value in values]
        known = set(Plan.objects.filter(jurisdiction__in=places).values_list("jurisdiction", flat=True))
        missing = [place for place in places if place not in known]
        if missing:
            raise bad_argument(f"没有所属辖区为“{missing[0]}”的工作方案。")
        return places

    @staticmethod
    def _plans(values: list[str]) -> list[int]:
        ids = []
        for value in values:
            plan_id = parse_id(value)  # ASCII digits within the id range ("²", "٣", 10**20 refused)
            if plan_id is None:
                raise bad_argument(f"工作方案编号应为数字：{value}")
            ids.append(plan_id)
        missing = set(ids) - set(Plan.objects.filter(pk__in=ids).values_list("pk", flat=True))
        if missing:
            raise bad_argument(f"工作方案不存在：{'、'.join(map(str, sorted(missing)))}")
        return ids

    @staticmethod
    def _units(names: list[str]) -> list[int]:
        ids: list[int] = []
        for name in names:
            found = units_named(name)
            if not found:
                raise bad_argument(f"未找到单位：{name.strip()}")
            ids.extend(sorted(found))
        return ids
