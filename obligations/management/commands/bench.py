"""python manage.py bench: measure the product on a throw-away database, print a table, write JSON."""

from __future__ import annotations

import json
import operator
import os
import platform
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from ...devtools.benchmarks import SECTIONS, BenchContext, load_section

_OPERATORS = {"<=": operator.le, ">=": operator.ge, "<": operator.lt, ">": operator.gt}


class Command(BaseCommand):
    help = "性能基准：在临时数据库中生成合成数据并测量各环节，输出表格和 JSON。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tasks", type=int, default=100_000)
        parser.add_argument("--units", type=int, default=300)
        parser.add_argument("--json", type=Path, help="把结果写入该 JSON 文件")
        parser.add_argument("--only", help=f"只运行这些部分（逗号分隔）：{','.join(SECTIONS)}")
        parser.add_argument(
            "--skip-send",
            action="store_true",
            help="reminders 部分只测扫描，不测发送（百万任务的发送要一百多万条提醒）",
        )
        parser.add_argument(
            "--baseline",
            type=Path,
            help="另一次运行写出的 JSON（如 10 万任务）：表格加一列“增长”，即本次数值 ÷ 该次数值",
        )

    def handle(self, *args: object, **options: object) -> None:
        only = [name.strip() for name in (options["only"] or "").split(",") if name.strip()]
        unknown = set(only) - set(SECTIONS)
        if unknown:
            raise CommandError(f"未知的基准部分：{', '.join(sorted(unknown))}", returncode=2)
        names = [name for name in SECTIONS if not only or name in only]
        if only and "seed" not in names and any(name != "extract" for name in names):
            names.insert(0, "seed")  # the database sections need data

        baseline = _read_baseline(options["baseline"]) if options["baseline"] else None
        ctx = BenchContext(tasks=options["tasks"], units=options["units"], options=options)
        results: dict[str, dict] = {}
        old_name = self._create_bench_db()
        try:
            for name in names:
                section = load_section(name)
                self.stderr.write(f"… {section.TITLE}")
                started = time.perf_counter()
                result = section.run(ctx)
                result.setdefault("wall_seconds", round(time.perf_counter() - started, 2))
                result["title"] = section.TITLE
                result["checks"] = _check_targets(result)
                if baseline is not None:
                    result["growth"] = growth(
                        result.get("figures", {}), baseline.get(name, {}).get("figures", {})
                    )
                results[name] = result
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)

        self._print_table(results)
        if options["json"]:
            payload = {
                "_meta": {
                    "tasks": ctx.tasks,
                    "units": ctx.units,
                    "database": connection.vendor,
                    "python": platform.python_version(),
                    "machine": platform.machine(),
                    "cpus": os.cpu_count(),
                    "at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                    "baseline_tasks": baseline["_meta"].get("tasks") if baseline else None,
                },
                **results,
            }
            options["json"].write_text(
                json.dumps(payload, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
            )
            self.stdout.write(f"已写入 {options['json']}")

    def _create_bench_db(self) -> str:
        old_name = connection.settings_dict["NAME"]
        test_settings = connection.settings_dict.setdefault("TEST", {})
        if connection.vendor == "sqlite":
            test_settings["NAME"] = str(Path(settings.VAR_DIR) / "bench.sqlite3")
        else:
            test_settings["NAME"] = f"bench_{old_name}"
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        return old_name

    def _print_table(self, results: dict[str, dict]) -> None:
        rows = [("部分", "指标", "数值", "目标", "增长")]
        for name, result in results.items():
            targets = result.get("targets", {})
            if result.get("skipped"):
                rows.append((name, "skipped", result["skipped"], "", ""))
                continue
            grown = result.get("growth", {})
            for key, value in result.get("figures", {}).items():
                target = targets.get(key)
                rows.append(
                    (
                        name,
                        key,
                        _fmt(value),
                        f"{target[0]} {target[1]}" if target else "",
                        f"×{_fmt(grown[key])}" if key in grown else "",
                    )
                )
            if "ratio" in result:
                rows.append((name, "ratio", _fmt(result["ratio"]), "", ""))
        widths = [max(_width(row[i]) for row in rows) for i in range(5)]
        for row in rows:
            self.stdout.write(
                "  ".join(cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row))
            )


def _read_baseline(path: Path) -> dict:
    try:
        baseline = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise CommandError(f"无法读取基线文件 {path}：{error}", returncode=2) from error
    if not isinstance(baseline, dict) or "_meta" not in baseline:
        raise CommandError(f"{path} 不是 bench 写出的 JSON", returncode=2)
    return baseline


def growth(figures: dict, baseline: dict) -> dict[str, float]:
    """How each numeric figure grew from the baseline run: this value ÷ that one (booleans, text and
    zeros have no ratio)."""
    ratios = {}
    for key, value in figures.items():
        before = baseline.get(key)
        numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (value, before))
        if numeric and before:
            ratios[key] = round(value / before, 2)
    return ratios


def _check_targets(result: dict) -> dict[str, bool]:
    checks = {}
    figures = result.get("figures", {})
    for key, (op, bound) in result.get("targets", {}).items():
        value = figures.get(key, result.get(key))
        if isinstance(value, int | float):
            checks[key] = _OPERATORS[op](value, bound)
    return checks


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".")
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _width(text: str) -> int:
    # CJK characters take two columns in a terminal.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
