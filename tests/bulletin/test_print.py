"""The bulletin printed by LibreOffice: A4 pages, page numbers “— n —” alternating sides, the overdue
table's header on every page it runs over, Chinese legible. The pages are kept as PNGs in
var/artifacts/bulletin/ so a person can look at them."""

from __future__ import annotations

import datetime
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from obligations.bulletin.bulletin_files import generate_bulletin_file
from obligations.bulletin.periods import Period
from obligations.bulletin.spec import BulletinSpec
from obligations.models import Bulletin, ProgressReport, Task
from tests import factories

from .conftest import MONTH, TODAY, aware

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
ARTIFACTS = Path(settings.BASE_DIR) / "var" / "artifacts" / "bulletin"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
TEXTS = [
    "深化“放管服”改革，全面推行证明事项告知承诺制，编制公布告知承诺事项清单。",
    "推进政务服务“一网通办”，实现高频事项“掌上办、指尖办”，年底前网上可办率达到90%以上。",
    "加快工程建设项目审批制度改革，审批时限压减至80个工作日以内。",
]


def _run(args: list[str], timeout: int = 180) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=True)


def _page_text(pdf: Path, page: int) -> str:
    return _run(["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf), "-"]).stdout


def _region(pdf: Path, page: int, x: int) -> str:
    """Text in the bottom 80 pt of a page, in the half starting at ``x`` (points)."""
    crop = ["-x", str(x), "-y", "762", "-W", "297", "-H", "80"]
    return _run(["pdftotext", "-f", str(page), "-l", str(page), *crop, str(pdf), "-"]).stdout


def _compact(text: str) -> str:
    """pdftotext spaces Chinese from digits (2025 年): compare without white space."""
    return re.sub(r"\s+", "", text)


def test_bulletin_prints_well(score_world, tmp_path):
    if SOFFICE is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice (soffice) is required in CI: install libreoffice-writer-nogui")
        pytest.skip("LibreOffice is not installed")
    w = score_world
    units = [
        w.a,
        w.b,
        factories.make_unit("区政府办公室（区大数据局）"),
        factories.make_unit("区市场监督管理局"),
    ]
    for index in range(36):
        task = factories.make_task(
            w.plan,
            text=TEXTS[index % len(TEXTS)],
            lead=[units[index % len(units)]],
            deadline=datetime.date(2025, 1, 5) + datetime.timedelta(days=index * 2),
            status=Task.Status.IN_PROGRESS,
        )
        Task.objects.filter(pk=task.pk).update(created_at=aware(datetime.date(2025, 1, 5)))
        if index % 3 == 0:
            ProgressReport.objects.create(
                task=task, unit=units[index % len(units)], period=MONTH, text="已完成方案制定，正在组织实施。"
            )
    bulletin = generate_bulletin_file(
        BulletinSpec.build(Period(MONTH)), Bulletin.Trigger.MANUAL, user=w.supervisor, today=TODAY
    )
    workdir = tmp_path / "pdf"
    profile = tmp_path / "lo-profile"
    _run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(workdir),
            bulletin.file.path,
        ]
    )
    pdf = workdir / (Path(bulletin.file.path).stem + ".pdf")
    info = _run(["pdfinfo", str(pdf)]).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info)[1])
    assert pages >= 4
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info), info
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*"):
        old.unlink()
    _run(["pdftoppm", "-png", "-r", "70", str(pdf), str(workdir / "page")])
    for number, png in enumerate(sorted(workdir.glob("page-*.png")), start=1):
        shutil.copyfile(png, ARTIFACTS / f"bulletin-page-{number}.png")
    shutil.copyfile(pdf, ARTIFACTS / "bulletin.pdf")
    shutil.copyfile(bulletin.file.path, ARTIFACTS / "bulletin.docx")
    assert (ARTIFACTS / "bulletin-page-1.png").stat().st_size > 10_000

    first = _compact(_page_text(pdf, 1))
    assert "督查通报" in first and "2025年第1期" in first
    assert "关于2025年3月督办任务推进情况的通报" in first and "一、总体情况" in first
    full = _compact(_run(["pdftotext", "-layout", str(pdf), "-"]).stdout)
    for heading in (
        "二、进展较好的单位",
        "三、逾期未完成任务",
        "四、延期办理情况",
        "五、考核得分",
        "六、下一步要求",
    ):
        assert heading in full
    table_pages = [page for page in range(1, pages + 1) if "最新进展" in _page_text(pdf, page)]
    assert len(table_pages) >= 2, "the overdue table should run over pages, its header repeated"
    for page in range(1, pages + 1):
        text = _page_text(pdf, page)
        number = re.search(r"—\s*(\d+)\s*—\s*$", text.rstrip())
        assert number and int(number[1]) == page, (page, text[-200:])
        # Odd page numbers stand at the right, even ones at the left (the page's bottom strip, halved).
        right = _compact(_region(pdf, page, 298))
        left = _compact(_region(pdf, page, 0))
        assert (f"—{page}—" in right, f"—{page}—" in left) == ((True, False) if page % 2 else (False, True))
