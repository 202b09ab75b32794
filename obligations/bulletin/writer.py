"""Writing the 督查通报 as a .docx in 公文 format (gongwen.py), from what contents.py gathered.

Masthead (红头: 督查通报, 第N期, issuer and date over a red rule), title, 主送, then the sections:
一、总体情况 二、进展较好的单位 三、逾期未完成任务 (chart and table) 四、延期办理情况 五、考核得分
六、下一步要求 (the supervisor's text), and the issuer and date at the end.
"""

from __future__ import annotations

import datetime
import io
import re
from dataclasses import dataclass
from typing import IO

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt

from ..dates import chinese_date
from ..models.lights import OVERDUE_DAYS_NOTE
from . import gongwen as gw
from .contents import BulletinContent
from .overdue_chart import ChartUnit, render
from .tallies import Tally

SECTIONS = (
    "一、总体情况",
    "二、进展较好的单位",
    "三、逾期未完成任务",
    "四、延期办理情况",
    "五、考核得分",
    "六、下一步要求",
)
# A line of the 下一步要求 that starts with （一）… is a 二级标题 up to its first 。
_SUBHEADING = re.compile(r"^(（[一二三四五六七八九十]+）[^。]*。?)(.*)$")
TEXT_CHARS = 60  # task text in the tables is cut to this many characters


@dataclass(frozen=True)
class Masthead:
    year: int
    number: int
    issuer: str
    issued: datetime.date


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _cut(text: str, limit: int = TEXT_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _date(day: datetime.date | None) -> str:
    return "" if day is None else f"{day.year}.{day.month:02d}.{day.day:02d}"


def overview_text(content: BulletinContent) -> list[str]:
    """The 总体情况 paragraphs: the period's due tasks and how they stand, and the change."""
    total, previous, period = content.total, content.previous, content.period
    as_of = chinese_date(content.as_of)
    first = (
        f"截至{as_of}，纳入本期通报范围的督办任务共{total.count}项，已办结{total.done}项，"
        f"逾期未办结{total.overdue}项。"
    )
    if total.due:
        second = (
            f"{period.label}到期任务{total.due}项，其中按期完成{total.on_time}项、逾期完成{total.late}项、"
            f"逾期未完成{total.overdue_due}项"
        )
        if total.pending:
            second += f"，截至{as_of}尚未到期（含当日到期）{total.pending}项"
        second += f"；按期完成率{_percent(total.on_time_rate)}"
        second += _change(total, previous, content) + "。"
    else:
        second = f"{period.label}没有到期任务。"
    return [first, second]


def _change(total: Tally, previous: Tally, content: BulletinContent) -> str:
    label = content.period.previous().label
    if total.on_time_rate is None:
        return ""
    if previous.on_time_rate is None:
        return f"（上期{label}没有到期任务，无法比较）"
    points = (total.on_time_rate - previous.on_time_rate) * 100
    was = f"上期{label}为{_percent(previous.on_time_rate)}"
    if abs(points) < 0.05:
        return f"，与上期持平（{was}）"
    word = "上升" if points > 0 else "下降"
    return f"，较上期{word}{abs(points):.1f}个百分点（{was}）"


def good_units_text(content: BulletinContent) -> str:
    if not content.good_units:
        return "本期没有到期任务全部按期完成且无逾期任务的单位。"
    names = "、".join(f"{row.name}（按期完成{row.tally.on_time}项）" for row in content.good_units)
    return f"{names}，本期到期任务全部按期完成，且无逾期未办结任务，予以通报表扬。"


def write_bulletin(
    dest: str | IO[bytes], content: BulletinContent, masthead: Masthead, next_steps: str
) -> None:
    document = Document()
    gw.set_up_document(document)
    core = document.core_properties
    core.title = f"督查通报（{masthead.year}年第{masthead.number}期）"
    core.author = masthead.issuer
    core.language = "zh-CN"
    _masthead(document, masthead)
    gw.paragraph(document)
    gw.title(document, f"关于{content.period.label}督办任务推进情况的通报")
    gw.paragraph(document)
    gw.paragraph(document, "各有关单位：", indent=False)
    intro = f"现将{content.period.label}督办任务推进情况通报如下。"
    if content.scope_text:
        intro += f"本期通报范围：{content.scope_text}。"
    gw.paragraph(document, intro)

    gw.heading(document, SECTIONS[0], 1)
    for text in overview_text(content):
        gw.paragraph(document, text)

    gw.heading(document, SECTIONS[1], 1)
    gw.paragraph(document, good_units_text(content))

    gw.heading(document, SECTIONS[2], 1)
    _overdue(document, content)

    gw.heading(document, SECTIONS[3], 1)
    _extensions(document, content)

    gw.heading(document, SECTIONS[4], 1)
    _scores(document, content)

    gw.heading(document, SECTIONS[5], 1)
    _next_steps(document, next_steps)

    _signature(document, masthead)
    document.save(dest)


def _width(text: str) -> float:
    """Width in characters: Chinese one, digits and Latin letters half."""
    return sum(0.5 if character.isascii() else 1 for character in text)


def _signature(document, masthead: Masthead) -> None:
    """署名 and 成文日期 two lines under the text: the date 右空四字, the issuer centred over it.

    The last paragraph of text, the blank lines and the issuer keep with what follows, so the
    signature never stands alone on a page (GB/T 9704 7.3.5.5).
    """
    document.paragraphs[-1].paragraph_format.keep_with_next = True
    for _ in range(2):
        gw.paragraph(document).paragraph_format.keep_with_next = True
    date = chinese_date(masthead.issued)
    shift = max(0.0, (_width(date) - _width(masthead.issuer)) / 2)
    for text, chars in ((masthead.issuer, 4 + shift), (date, 4)):
        para = gw.paragraph(document, text, indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
        para.paragraph_format.right_indent = Pt(gw.SIZE_BODY.pt * chars)
        para.paragraph_format.keep_with_next = text == masthead.issuer


def _masthead(document, masthead: Masthead) -> None:
    gw.paragraph(
        document,
        "督查通报",
        face=gw.XIAOBIAOSONG,
        size=gw.SIZE_MASTHEAD,
        indent=False,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        colour=gw.RED,
    ).paragraph_format.line_spacing = Pt(60)
    gw.paragraph(
        document, f"{masthead.year}年第{masthead.number}期", indent=False, align=WD_ALIGN_PARAGRAPH.CENTER
    )
    line = gw.paragraph(document, masthead.issuer, indent=False, align=WD_ALIGN_PARAGRAPH.LEFT)
    gw.right_tab(line)
    gw.run(line, "\t" + chinese_date(masthead.issued))
    gw.red_rule(line)


def _overdue(document, content: BulletinContent) -> None:
    count = content.overdue_count
    if not count:
        gw.paragraph(document, f"截至{chinese_date(content.as_of)}，没有逾期未办结的任务。")
        return
    late_units = [row for row in content.units if row.tally.overdue]
    gw.paragraph(
        document,
        f"截至{chinese_date(content.as_of)}，逾期未办结任务{count}项，涉及{len(late_units)}个单位。"
        "逾期任务较多的单位及其按期完成率见下图。",
    )
    gw.heading(document, "（一）各单位逾期情况", 2)
    chart = render(
        [ChartUnit(row.name, row.tally.overdue, row.tally.on_time_rate) for row in content.chart_units]
    )
    para = document.add_paragraph()
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    para.paragraph_format.line_spacing_rule = 0  # single: an exact line would crop the picture
    gw.off_grid(para)
    para.add_run().add_picture(io.BytesIO(chart), width=Mm(150))
    caption = gw.paragraph(
        document,
        f"图  逾期任务数与按期完成率（逾期任务最多的{len(content.chart_units)}个单位）",
        size=gw.SIZE_CAPTION,
        indent=False,
        align=WD_ALIGN_PARAGRAPH.CENTER,
    )
    caption.paragraph_format.keep_together = True
    gw.heading(document, "（二）逾期任务清单", 2)
    shown = len(content.overdue)
    note = f"{OVERDUE_DAYS_NOTE}，截至{chinese_date(content.as_of)}。"
    if shown < count:
        note = f"下表列出逾期时间最长的{shown}项（共{count}项，全部逾期任务见本月进展台账）。" + note
    gw.paragraph(document, note)
    gw.table(
        document,
        ["序号", "任务内容", "牵头单位", "完成时限", "逾期天数", "最新进展"],
        [12, 47, 25, 24, 16, 32],
        [
            [
                str(row.number),
                _cut(row.text),
                row.lead,
                _date(row.deadline),
                f"{row.days}天",
                _cut(row.progress, 40),
            ]
            for row in content.overdue
        ],
        centred={0, 3, 4},
    )


def _extensions(document, content: BulletinContent) -> None:
    count = content.extension_count
    if not count:
        gw.paragraph(document, f"{content.period.label}没有批准延期的任务。")
        return
    text = f"{content.period.label}共批准延期任务{count}项"
    if len(content.extensions) < count:
        text += f"，下表列出最早批准的{len(content.extensions)}项"
    gw.paragraph(document, text + "。延期后仍须按新时限办结，不得再次拖延。")
    gw.table(
        document,
        ["序号", "任务内容", "申请单位", "原时限", "延期至", "批准日期"],
        [13, 50, 25, 22, 24, 22],
        [
            [str(row.number), _cut(row.text), row.unit, _date(row.old), _date(row.new), _date(row.decided)]
            for row in content.extensions
        ],
        centred={0, 3, 4, 5},
    )


def _scores(document, content: BulletinContent) -> None:
    table = content.scores
    if table is None or not table.lines:
        gw.paragraph(document, "本期没有参加考核的单位。")
        return
    versions = "；".join(rules.label for rules in table.rules)
    rules = table.rules[-1]
    what = "各月得分的平均" if len(table.months) > 1 else "当月得分"
    gw.paragraph(
        document,
        f"按照督办考核规则（{versions}），以{rules.base_score:g}分为基础分，按期办结加分，逾期、未按月报送进展、"
        f"办结申请被退回扣分，得出{table.label}各单位考核得分（{what}）如下。"
        + ("本月尚未结束，得分截至生成之日，仅供参考。" if table.live else ""),
    )
    gw.table(
        document,
        ["名次", "单位", "得分", "加分", "扣分", "加减分事项"],
        [13, 36, 17, 15, 15, 60],
        [
            [
                str(line.rank),
                line.name,
                f"{line.score:.2f}",
                f"{line.bonus:.2f}",
                f"{line.deduction:.2f}",
                line.breakdown,
            ]
            for line in table.lines
        ],
        centred={0, 2, 3, 4},
    )


def _next_steps(document, text: str) -> None:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    for line in lines or ["请各单位对照本通报，抓紧推进逾期任务，按时报送进展。"]:
        match = _SUBHEADING.match(line)
        if match:
            para = gw.paragraph(document)
            gw.run(para, match[1], gw.KAITI)
            if match[2]:
                gw.run(para, match[2])
        else:
            gw.paragraph(document, line)
