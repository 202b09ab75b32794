"""System check: openpyxl must write ledgers with its stdlib XML writer (plain UTF-8)."""

from __future__ import annotations

import os
import sys

from django.core.checks import Warning, register


@register("ledger")
def openpyxl_writes_utf8(app_configs=None, **kwargs) -> list[Warning]:
    openpyxl = sys.modules.get("openpyxl")
    if os.environ.get("OPENPYXL_LXML") == "False" and (openpyxl is None or not openpyxl.LXML):
        return []
    return [
        Warning(
            "openpyxl 使用 lxml 写入，台账中的汉字将被写成数字实体，文件变大。",
            hint="在导入 openpyxl 之前设置环境变量 OPENPYXL_LXML=False（tracker/settings.py 已设置）。",
            id="ledger.W001",
        )
    ]
