"""The ledger printed by LibreOffice: landscape pages one wide, header on every page, Chinese legible.

The PDF's pages are kept as PNGs in var/artifacts/ledger/ so a person can look at them.
"""

from __future__ import annotations

import datetime
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from obligations.ledger import generate_ledger_file
from obligations.models import ProgressReport, Task
from tests import factories

from .conftest import MONTH, aware

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
ARTIFACTS = Path(settings.BASE_DIR) / "var" / "artifacts" / "ledger"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")

TEXTS = [
    "深化“放管服”改革，全面推行证明事项告知承诺制，编制公布告知承诺事项清单。",
    "推进政务服务“一网通办”，实现高频事项“掌上办、指尖办”，年底前网上可办率达到90%以上。",
    "建立健全重点项目“帮办代办”机制，为企业提供全流程免费代办服务。",
    "加快工程建设项目审批制度改革，审批时限压减至80个工作日以内。",
    "开展营商环境评价，对标先进地区查找短板，形成问题清单、任务清单、责任清单。",
]


def _run(args: list[str], timeout: int = 180) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=True)


def _page_text(pdf: Path, page: int) -> str:
    return _run(["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf), "-"]).stdout


def _page_size(pdf: Path, page: int) -> tuple[float, float]:
    info = _run(["pdfinfo", "-f", str(page), "-l", str(page), str(pdf)]).stdout
    match = re.search(rf"Page\s+{page} size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert match, info
    return float(match[1]), float(match[2])


def test_ledger_prints_well(ledger_world, tmp_path):
    if SOFFICE is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice (soffice) is required in CI: install libreoffice-calc-nogui")
        pytest.skip("LibreOffice is not installed")
    w = ledger_world
    units = [w.finance, w.data, w.housing]
    for index in range(45):
        task = factories.make_task(
            w.plan2,
            text=TEXTS[index % len(TEXTS)] * (1 + index % 3),
            lead=[units[index % 3]],
            responsible=[units[(index + 1) % 3]],
            deadline=datetime.date(2025, 1 + index % 12, 28),
            responsible_person="李四" if index % 4 == 0 else "",
        )
        if index % 2:
            ProgressReport.objects.create(
                task=task,
                unit=units[index % 3],
                period=MONTH,
                text="已完成阶段性目标，正在推进下一步工作。" * 2,
            )
    Task.objects.update(created_at=aware(datetime.date(2025, 1, 5)))
    export = generate_ledger_file(MONTH, {}, trigger="manual", user=w.supervisor)
    assert export.rows == 53

    workdir = tmp_path / "pdf"
    profile = tmp_path / "lo-profile"  # private profile: parallel runs do not clash
    _run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(workdir),
            export.file.path,
        ]
    )
    pdf = workdir / (Path(export.file.path).stem + ".pdf")
    assert pdf.is_file()
    pages = int(re.search(r"Pages:\s+(\d+)", _run(["pdfinfo", str(pdf)]).stdout)[1])
    assert pages >= 3  # the summary, then a ledger longer than one page

    # Page 1 is the summary (portrait); the ledger pages are A4 landscape, one page wide.
    width, height = _page_size(pdf, 1)
    assert width < height
    for page in range(2, pages + 1):
        width, height = _page_size(pdf, page)
        assert (round(width), round(height)) == (842, 595)
        text = _page_text(pdf, page)
        # Every ledger page starts with the header row, first to last column on the same page.
        assert all(header in text for header in ("序号", "任务内容", "红黄绿灯", "备注")), text[:500]
    summary = _page_text(pdf, 1)
    assert "督办任务进展台账汇总（2025年3月）" in summary and "合计" in summary
    assert "督办任务进展台账（2025年3月）" in _page_text(pdf, 2)
    assert "深化“放管服”改革" in _page_text(pdf, 2)

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()
    _run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "3", str(pdf), str(workdir / "page")])
    # pdftoppm pads page numbers to the document's page count (page-1 or page-01): rename plainly.
    for number, png in enumerate(sorted(workdir.glob("page-*.png")), start=1):
        shutil.copyfile(png, ARTIFACTS / f"ledger-page-{number}.png")
    shutil.copyfile(pdf, ARTIFACTS / "ledger.pdf")
    first = ARTIFACTS / "ledger-page-1.png"
    assert first.is_file() and first.stat().st_size > 10_000
    assert (ARTIFACTS / "ledger-page-2.png").stat().st_size > 20_000
