"""Monthly ledger export over the seeded tasks, against a floor and what a Django team would use.

Measured in one run, each in its own forked process so one's memory cannot hide another's:
- ours: generate_ledger_file for the current month (query, styling, file, history record);
- floor: a bare openpyxl write-only dump of the very same cell values, no styles (ratio = ours / floor);
- django-import-export: a ModelResource over the same queryset, exported as XLSX (bench-only dependency);
- XlsxWriter writing the same cells (shared strings), for time and file size as a reference;
- the floor again in a fresh interpreter with openpyxl's lxml writer, to show what writing Chinese
  as numeric entities would cost in size.
Peak memory is the process's peak resident size during the export minus its size before it
(VmHWM after resetting it through /proc/self/clear_refs), so it includes C allocations too.
"""

from __future__ import annotations

import contextlib
import datetime
import multiprocessing
import os
import pickle
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

from django.db import connections
from django.test import override_settings

from . import BenchContext

TITLE = "进展台账导出（ledger）"
MB = 1024 * 1024


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _measured(function, *args) -> dict:
    """Run ``function(*args) -> dict`` in a forked child; add seconds and peak memory (MB)."""

    def child(conn) -> None:
        try:
            with contextlib.suppress(OSError):  # reset the peak to the current size (Linux)
                Path("/proc/self/clear_refs").write_text("5")
            before = _status_kb("VmRSS")
            started = time.perf_counter()
            result = function(*args)
            result["seconds"] = round(time.perf_counter() - started, 2)
            result["peak_mb"] = round((_status_kb("VmHWM") - before) / 1024, 1)
            conn.send(result)
        except BaseException:
            conn.send({"error": traceback.format_exc()})
        finally:
            conn.close()
            os._exit(0)

    connections.close_all()  # the child opens its own connection
    ctx = multiprocessing.get_context("fork")
    parent_end, child_end = ctx.Pipe(duplex=False)
    process = ctx.Process(target=child, args=(child_end,))
    process.start()
    child_end.close()
    result = parent_end.recv()
    process.join()
    if "error" in result:
        raise RuntimeError(result["error"])
    return result


def _ours(month: datetime.date, media: str) -> dict:
    from ..ledger import generate_ledger_file

    with override_settings(MEDIA_ROOT=media):
        export = generate_ledger_file(month, {}, trigger="command")
        return {"rows": export.rows, "size": export.size, "path": export.file.path}


def _cells(month: datetime.date) -> list[list]:
    from ..ledger import LedgerFilters, LedgerQuery

    return [row.values for row in LedgerQuery(LedgerFilters.build(month, {})).rows()]


def _floor(cells: list[list], path: str) -> dict:
    from ..ledger.engine import openpyxl
    from ..ledger.rows import HEADERS

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("进展台账")
    ws.append(list(HEADERS))
    for values in cells:
        ws.append(values)
    wb.save(path)
    return {"size": os.path.getsize(path)}


_LXML_FLOOR = """
import os, pickle, sys, time
os.environ["OPENPYXL_LXML"] = "True"
import openpyxl
cells = pickle.load(open(sys.argv[1], "rb"))
wb = openpyxl.Workbook(write_only=True)
ws = wb.create_sheet("进展台账")
for values in cells:
    ws.append(values)
wb.save(sys.argv[2])
print(int(openpyxl.LXML), os.path.getsize(sys.argv[2]))
"""


def _lxml_floor(cells: list[list], folder: str) -> dict:
    """The floor in a fresh interpreter whose openpyxl uses lxml (if installed)."""
    data = Path(folder, "cells.pickle")
    data.write_bytes(pickle.dumps(cells, protocol=pickle.HIGHEST_PROTOCOL))
    out = Path(folder, "floor-lxml.xlsx")
    done = subprocess.run(
        [sys.executable, "-c", _LXML_FLOOR, str(data), str(out)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "OPENPYXL_LXML": "True"},
    )
    lxml_used, size = done.stdout.split()
    data.unlink()
    return {"lxml": lxml_used == "1", "size": int(size)}


def _xlsxwriter(cells: list[list], path: str) -> dict:
    import xlsxwriter

    from ..ledger.rows import HEADERS

    wb = xlsxwriter.Workbook(path)
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
    return {"size": os.path.getsize(path)}


def _import_export(month: datetime.date, path: str) -> dict:
    """What a Django team would reach for: a ModelResource over the ledger's queryset, as XLSX."""
    from django.db.models import OuterRef, Prefetch, Subquery
    from import_export import fields, resources
    from import_export.formats.base_formats import XLSX

    from ..ledger import LedgerFilters, LedgerQuery
    from ..models import Assignment, ProgressReport, Task
    from ..status import Light, light_expression

    query = LedgerQuery(LedgerFilters.build(month, {}))
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
    Path(path).write_bytes(XLSX().export_data(dataset))
    return {"rows": len(dataset), "size": os.path.getsize(path)}


def run(ctx: BenchContext) -> dict:
    from ..ledger import writes_plain_utf8
    from ..status import today

    month = today().replace(day=1)
    with tempfile.TemporaryDirectory(prefix="ledger-bench-") as folder:
        ours = _measured(_ours, month, folder)
        cells = _cells(month)  # the same values ours wrote, for the floor and XlsxWriter
        floor = _measured(_floor, cells, str(Path(folder, "floor.xlsx")))
        xlsx_writer = _measured(_xlsxwriter, cells, str(Path(folder, "xlsxwriter.xlsx")))
        lxml_floor = _lxml_floor(cells, folder)
        del cells
        import_export = _measured(_import_export, month, str(Path(folder, "import-export.xlsx")))

    def mb(size: int) -> float:
        return round(size / MB, 2)

    ratio = round(ours["seconds"] / floor["seconds"], 3)
    return {
        "figures": {
            "rows": ours["rows"],
            "ours_seconds": ours["seconds"],
            "ours_peak_mb": ours["peak_mb"],
            "ours_size_mb": mb(ours["size"]),
            "floor_seconds": floor["seconds"],
            "floor_peak_mb": floor["peak_mb"],
            "floor_size_mb": mb(floor["size"]),
            "import_export_seconds": import_export["seconds"],
            "import_export_peak_mb": import_export["peak_mb"],
            "import_export_size_mb": mb(import_export["size"]),
            "xlsxwriter_seconds": xlsx_writer["seconds"],
            "xlsxwriter_peak_mb": xlsx_writer["peak_mb"],
            "xlsxwriter_size_mb": mb(xlsx_writer["size"]),
            "lxml_floor_size_mb": mb(lxml_floor["size"]) if lxml_floor["lxml"] else "lxml not installed",
            "vs_import_export": round(ours["seconds"] / import_export["seconds"], 3),
            "plain_utf8_writer": writes_plain_utf8(),
        },
        "baseline": {"name": "bare openpyxl write-only dump of the same cells", **floor},
        "ratio": ratio,
        "targets": {"ratio": ["<=", 1.3], "vs_import_export": ["<", 1.0], "ours_peak_mb": ["<=", 150]},
    }
