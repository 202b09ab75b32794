"""The bulletin's one chart: overdue tasks (bars) and on-time rate (points) by unit, as a PNG.

matplotlib with its Agg backend (no display, no browser, nothing fetched). Chinese labels need a
font with CJK glyphs: the first of CJK_FONTS that fontconfig or matplotlib knows (Debian's
fonts-wqy-microhei on the servers and CI), else any installed font covering Chinese; without one
the labels would be empty boxes, so that is logged as a warning.
"""

from __future__ import annotations

import functools
import io
import logging
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager
from matplotlib.figure import Figure

log = logging.getLogger(__name__)

CJK_FONTS = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Source Han Sans SC", "SimHei", "Microsoft YaHei")
BAR_COLOUR = "#c00000"
RATE_COLOUR = "#1f4e79"
WIDTH_CM, HEIGHT_CM = 15.0, 8.5
DPI = 200


@dataclass(frozen=True)
class ChartUnit:
    name: str
    overdue: int
    rate: float | None  # on-time rate, 0..1, None when nothing was due


def _fc_match(family: str) -> str | None:
    """The file fontconfig picks for a family, if it really is that family."""
    if shutil.which("fc-match") is None:
        return None
    try:
        done = subprocess.run(
            ["fc-match", "-f", "%{family}\n%{file}", f"{family}:lang=zh-cn"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    families, _, path = done.stdout.partition("\n")
    return path if family.lower() in families.lower() and Path(path).is_file() else None


@functools.cache
def cjk_font() -> font_manager.FontProperties | None:
    """A font that draws Chinese, found once per process (None, with a warning, if there is none)."""
    for family in CJK_FONTS:
        path = _fc_match(family)
        if path is None:
            try:
                path = font_manager.findfont(
                    font_manager.FontProperties(family=family), fallback_to_default=False
                )
            except ValueError:
                continue
        font_manager.fontManager.addfont(path)
        return font_manager.FontProperties(fname=path)
    for path in font_manager.findSystemFonts():
        if Path(path).name.lower().startswith(("wqy", "noto sans cjk", "notosanscjk", "droidsansfallback")):
            font_manager.fontManager.addfont(path)
            return font_manager.FontProperties(fname=path)
    log.warning(
        "没有找到含汉字的字体（%s），督查通报图表中的汉字将无法显示；请安装 fonts-wqy-microhei。",
        "、".join(CJK_FONTS),
    )
    return None


def _short(name: str, limit: int = 10) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def render(units: list[ChartUnit]) -> bytes:
    """The chart as PNG bytes (an empty chart says so rather than failing); the document captions it."""
    font = cjk_font()
    text = {"fontproperties": font} if font is not None else {}
    figure = Figure(figsize=(WIDTH_CM / 2.54, HEIGHT_CM / 2.54), dpi=DPI)
    axes = figure.add_subplot()
    if not units:
        axes.text(0.5, 0.5, "本期没有逾期任务", ha="center", va="center", fontsize=12, **text)
        axes.set_axis_off()
    else:
        positions = list(range(len(units)))
        bars = axes.bar(
            positions, [unit.overdue for unit in units], color=BAR_COLOUR, width=0.6, label="逾期任务数"
        )
        axes.bar_label(bars, fontsize=7)
        axes.set_ylabel("逾期任务数（项）", fontsize=9, **text)
        axes.set_xticks(
            positions, [_short(unit.name) for unit in units], rotation=45, ha="right", fontsize=7, **text
        )
        axes.set_ylim(0, max(unit.overdue for unit in units) * 1.2 + 1)
        rates = axes.twinx()
        rated = [(index, unit.rate * 100) for index, unit in enumerate(units) if unit.rate is not None]
        if rated:
            rates.plot(
                [index for index, _ in rated],
                [value for _, value in rated],
                linestyle="none",
                marker="o",
                color=RATE_COLOUR,
                label="按期完成率",
            )
        rates.set_ylim(0, 105)
        rates.set_ylabel("按期完成率（%）", fontsize=9, **text)
        handles = [bars, *rates.get_lines()]
        legend_font = font_manager.FontProperties(fname=font.get_file(), size=8) if font is not None else None
        axes.legend(
            handles,
            [handle.get_label() for handle in handles],
            loc="lower right",
            bbox_to_anchor=(1.0, 1.0),
            ncol=2,
            frameon=False,
            prop=legend_font,
        )
        for side in ("top",):
            axes.spines[side].set_visible(False)
            rates.spines[side].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()
