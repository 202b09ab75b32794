"""Monthly ledger export over the seeded tasks, against a floor and what a Django team would use.

Measured in one run, each export in a fresh Python process (so one's memory cannot hide in
another's, and none inherits the seeded data's heap):
- ours: generate_ledger_file for the current month (query, styling, file, history record), for one
  city when the seed spread its plans over several (province scale: one city's 100,000 of 1,000,000);
- floor: a bare openpyxl write-only dump of the very same cell values, no styles (ratio = ours / floor);
- django-import-export: a ModelResource over the same queryset, exported as XLSX (bench-only dependency);
- XlsxWriter writing the same cells (shared strings), for time and file size as a reference;
- the floor with openpyxl's lxml writer, to show what writing Chinese as numeric entities costs.
Ours and the floor run REPEATS times, interleaved, and the fastest of each counts: the machine is
shared, and a neighbour's burst should not decide the ratio. Peak memory is the process's peak
resident size during the export minus its size just before (VmHWM, reset via /proc/self/clear_refs),
so it includes what C code allocates too.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from django.conf import settings
from django.db import connection

from .benchmarks import BenchContext

TITLE = "进展台账导出（ledger）"
MB = 1024 * 1024
REPEATS = 3
FILTERS_ENV = "LEDGER_BENCH_FILTERS"


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _fresh(kind: str, folder: str, month: datetime.date, env: dict | None = None) -> dict:
    """Run one export in a new interpreter on the bench database; return its JSON result."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from obligations.devtools.bench_ledger import child_main; child_main()",
            kind,
            folder,
            month.isoformat(),
            str(connection.settings_dict["NAME"]),
        ],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=3600,
    )
    if done.returncode != 0:
        raise RuntimeError(f"ledger bench child {kind} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def child_main() -> None:
    """Entry point of a measuring process: set up Django on the bench database, measure, print JSON."""
    kind, folder, month_text, db_name = sys.argv[1:5]
    if os.environ.get("LEDGER_BENCH_LXML") == "1":
        # Import openpyxl before the settings can choose its stdlib writer: the lxml comparison.
        os.environ["OPENPYXL_LXML"] = "True"
        import openpyxl  # noqa: F401
    import django

    django.setup()
    settings.DATABASES["default"]["NAME"] = db_name
    month = datetime.date.fromisoformat(month_text)
    run, prepare = _KINDS[kind]
    argument = prepare(month) if prepare else month
    from ..ledger import engine  # noqa: F401  (import openpyxl before the baseline)

    with contextlib.suppress(OSError):  # reset the peak to the current size (Linux)
        Path("/proc/self/clear_refs").write_text("5")
    before = _status_kb("VmRSS")
    started = time.perf_counter()
    result = run(argument, folder)
    result["seconds"] = round(time.perf_counter() - started, 2)
    result["peak_mb"] = round((_status_kb("VmHWM") - before) / 1024, 1)
    print(json.dumps(result))


def _filters() -> dict:
    """The bench's filters: the first city's plans, when the seed made several cities."""
    return json.loads(os.environ.get(FILTERS_ENV) or "{}")


def _city_filters() -> dict:
    from ..models import Plan
    from .synthetic import JURISDICTION

    places = Plan.objects.order_by().values_list("jurisdiction", flat=True).distinct()
    return {"places": [JURISDICTION]} if len(places) > 1 and JURISDICTION in places else {}


def _ours(month: datetime.date, folder: str) -> dict:
    from django.test import override_settings

    from ..ledger import generate_ledger_file

    with override_settings(MEDIA_ROOT=folder):
        export = generate_ledger_file(month, _filters(), trigger="command")
        return {"rows": export.rows, "size": export.size, "path": export.file.path}


def _cells(month: datetime.date) -> list[list]:
    """The values our export writes, row by row, for the exports that start from plain cells."""
    from ..ledger import LedgerFilters, LedgerQuery

    return [row.values for row in LedgerQuery(LedgerFilters.build(month, _filters())).rows()]


def _floor(cells: list[list], folder: str) -> dict:
    from ..ledger.engine import openpyxl
    from ..ledger.rows import HEADERS

    path = Path(folder, f"floor-{'lxml' if openpyxl.LXML else 'utf8'}.xlsx")
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("进展台账")
    ws.append(list(HEADERS))
    for values in cells:
        ws.append(values)
    wb.save(path)
    return {"size": path.stat().st_size, "lxml": openpyxl.LXML}


def _xlsxwriter(cells: list[list], folder: str) -> dict:
    import xlsxwriter

    from ..ledger.rows import HEADERS

    path = Path(folder, "xlsxwriter.xlsx")
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("进展台账")
    date_format = wb.add_format({"num_format": 'yyyy"年"m"月"d"日"'})
    ws.write_row(0, 0, HEADERS)
    for index, values in enumerate(cells, start=1):
        for column, value in enumerate(values):
            if isinstance(value, datetime.date):
                ws.write_datetime(index, column, value, date_format)
            elif value is not None:
                ws.write(index, column, value)
    wb.close()
    return {"size": path.stat().st_size}


def _import_export(month: datetime.date, folder: str) -> dict:
    """What a Django team would reach for: a ModelResource over the ledger's queryset, as XLSX."""
    from django.db.models import OuterRef, Prefetch, Subquery
    from import_export import fields, resources
    from import_export.formats.base_formats import XLSX

    from ..ledger import LedgerFilters, LedgerQuery
    from ..models import Assignment, ProgressReport, Task
    from ..models.lights import Light, light_expression

    query = LedgerQuery(LedgerFilters.build(month, _filters()))
    latest = ProgressReport.objects.filter(task=OuterRef("pk"), period=month).order_by("-created_at", "-id")
    queryset = (
        query.queryset()
        .select_related("plan")
        .prefetch_related(Prefetch("assignments", queryset=Assignment.objects.select_related("unit")))
        .annotate(
            progress=Subquery(latest.values("text")[:1]), light=light_expression(query.day, query.cutoff)
        )
    )
    light_labels = dict(Light.choices)

    def units(task: Task, role: str) -> str:
        return "、".join(a.unit.name for a in task.assignments.all() if a.role == role)

    class LedgerResource(resources.ModelResource):
        order = fields.Field(attribute="order", column_name="序号")
        source = fields.Field(column_name="任务来源")
        text = fields.Field(attribute="text", column_name="任务内容")
        lead = fields.Field(column_name="牵头单位")
        responsible = fields.Field(column_name="责任单位")
        person = fields.Field(attribute="responsible_person", column_name="责任人")
        deadline = fields.Field(column_name="完成时限")
        progress = fields.Field(attribute="progress", column_name="进展情况")
        status = fields.Field(column_name="状态")
        light = fields.Field(column_name="红黄绿灯")
        remarks = fields.Field(attribute="review_note", column_name="备注")

        class Meta:
            model = Task
            # With prefetch_related, import-export pages through the queryset; its default pages
            # of 100 rows make the 100,000-row export quadratic (it did not finish in 18 minutes).
            chunk_size = 2000
            fields = (
                "order",
                "source",
                "text",
                "lead",
                "responsible",
                "person",
                "deadline",
                "progress",
                "status",
                "light",
                "remarks",
            )

        def dehydrate_source(self, task: Task) -> str:
            return task.plan.source_label

        def dehydrate_lead(self, task: Task) -> str:
            return units(task, "lead")

        def dehydrate_responsible(self, task: Task) -> str:
            return units(task, "responsible")

        def dehydrate_deadline(self, task: Task):
            return task.deadline if task.deadline_kind == "date" else task.deadline_raw

        def dehydrate_status(self, task: Task) -> str:
            return task.get_status_display()

        def dehydrate_light(self, task: Task) -> str:
            return light_labels[task.light]

    dataset = LedgerResource().export(queryset=queryset)
    path = Path(folder, "import-export.xlsx")
    path.write_bytes(XLSX().export_data(dataset))
    return {"rows": len(dataset), "size": path.stat().st_size}


_KINDS = {
    "ours": (_ours, None),
    "floor": (_floor, _cells),
    "floor_lxml": (_floor, _cells),
    "xlsxwriter": (_xlsxwriter, _cells),
    "import_export": (_import_export, None),
}


def _deflate9_size(path: str) -> int:
    """The size of the same workbook with deflate at its slowest, tightest level."""
    out = Path(path).with_suffix(".deflate9.xlsx")
    with (
        zipfile.ZipFile(path) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst,
    ):
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename), compresslevel=9)
    return out.stat().st_size


def run(ctx: BenchContext) -> dict:
    from ..dates import today
    from ..ledger import writes_plain_utf8

    month = today().replace(day=1)
    filters = _city_filters()
    city = {FILTERS_ENV: json.dumps(filters)}  # every child exports the same tasks
    with tempfile.TemporaryDirectory(prefix="ledger-bench-") as folder:
        ours_runs, floor_runs = [], []
        for _ in range(REPEATS):
            ours_runs.append(_fresh("ours", folder, month, city))
            floor_runs.append(_fresh("floor", folder, month, city))
        ours = min(ours_runs, key=lambda r: r["seconds"])
        floor = min(floor_runs, key=lambda r: r["seconds"])
        deflate9 = _deflate9_size(ours["path"])
        xlsx_writer = _fresh("xlsxwriter", folder, month, city)
        lxml_floor = _fresh("floor_lxml", folder, month, {**city, "LEDGER_BENCH_LXML": "1"})
        import_export = _fresh("import_export", folder, month, city)

    def mb(size: int) -> float:
        return round(size / MB, 2)

    return {
        "figures": {
            "rows": ours["rows"],
            "filters": filters or "全部",
            "ours_seconds": ours["seconds"],
            "ours_seconds_all": [r["seconds"] for r in ours_runs],
            "ours_peak_mb": max(r["peak_mb"] for r in ours_runs),
            "ours_size_mb": mb(ours["size"]),
            "ours_size_mb_at_deflate_9": mb(deflate9),
            "floor_seconds": floor["seconds"],
            "floor_seconds_all": [r["seconds"] for r in floor_runs],
            "floor_peak_mb": max(r["peak_mb"] for r in floor_runs),
            "floor_size_mb": mb(floor["size"]),
            "floor_lxml_size_mb": mb(lxml_floor["size"]) if lxml_floor["lxml"] else "lxml not installed",
            "import_export_seconds": import_export["seconds"],
            "import_export_peak_mb": import_export["peak_mb"],
            "import_export_size_mb": mb(import_export["size"]),
            "xlsxwriter_seconds": xlsx_writer["seconds"],
            "xlsxwriter_peak_mb": xlsx_writer["peak_mb"],
            "xlsxwriter_size_mb": mb(xlsx_writer["size"]),
            "vs_import_export": round(ours["seconds"] / import_export["seconds"], 3),
            "plain_utf8_writer": writes_plain_utf8(),
        },
        "baseline": {
            "name": "bare openpyxl write-only dump of the same cells (fastest of the runs)",
            **floor,
        },
        "ratio": round(ours["seconds"] / floor["seconds"], 3),
        "targets": {"ratio": ["<=", 1.3], "vs_import_export": ["<", 1.0], "ours_peak_mb": ["<=", 150]},
    }
