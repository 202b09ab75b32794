"""The upload check accepts the new plan formats by their content, not their names."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from obligations.filetypes import IMPORT_EXTENSIONS, FileTypeError, check_upload

VARIANTS = Path(__file__).parent / "data" / "real" / "variants"


@pytest.mark.parametrize(
    "name",
    [
        "r01_lishan_2023.doc",
        "r01_lishan_2023.wps",
        "r06_huoshan_2025.xls",
        "r06_huoshan_2025.et",
        "r02_huaian_2022.ofd",
        "r03_guandu_2016.html",
        "r05_caidian_2023.mhtml",
    ],
)
def test_new_plan_formats_are_accepted(name: str) -> None:
    kind = check_upload(name, io.BytesIO((VARIANTS / name).read_bytes()), IMPORT_EXTENSIONS)
    assert kind.extension == name.rsplit(".", 1)[1]


@pytest.mark.parametrize(
    ("name", "source"),
    [
        ("plan.wps", "r06_huoshan_2025.xls"),  # a workbook renamed .wps
        ("plan.et", "r01_lishan_2023.doc"),
        ("plan.html", "r02_huaian_2022.ofd"),
        ("plan.mhtml", "r03_guandu_2016.html"),
        ("plan.ofd", "r01_lishan_2023.doc"),
    ],
)
def test_renamed_files_are_refused(name: str, source: str) -> None:
    with pytest.raises(FileTypeError):
        check_upload(name, io.BytesIO((VARIANTS / source).read_bytes()), IMPORT_EXTENSIONS)
