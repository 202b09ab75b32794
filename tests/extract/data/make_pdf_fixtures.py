"""Developer tool: regenerate plan_text_layer.pdf and plan_scanned.pdf (not run by the tests).

    .venv/bin/python tests/extract/data/make_pdf_fixtures.py

Needs LibreOffice Writer (apt-get install -y libreoffice-writer-nogui fonts-wqy-microhei).
The text PDF is a Word document converted by LibreOffice; the scanned one is a Pillow image
saved as PDF, so it has no text layer.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import docx
from docx.oxml.ns import qn
from docx.shared import Pt
from PIL import Image, ImageDraw, ImageFont

HERE = Path(__file__).parent
FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
FILLER = (
    "坚持问题导向和目标导向，聚焦企业和群众办事的难点堵点，逐项梳理办理流程，压减办理环节和申请材料，" * 3
)


def text_pdf() -> None:
    document = docx.Document()
    normal = document.styles["Normal"]
    normal.font.size = Pt(12)
    normal.font.name = "WenQuanYi Micro Hei"
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "WenQuanYi Micro Hei")

    section = document.sections[0]
    section.header.paragraphs[0].text = "兰山区人民政府公报"  # a running header on every page
    section.footer.paragraphs[0].text = "— 1 —"

    def para(text: str, centre: bool = False) -> None:
        paragraph = document.add_paragraph(text)
        if centre:
            paragraph.alignment = 1

    para("临沂市兰山区人民政府办公室", centre=True)
    para("关于印发兰山区2022年优化营商环境重点任务清单的通知", centre=True)
    para("兰政办发〔2022〕12号", centre=True)
    para("各街道办事处，区政府各部门：")
    para("《兰山区2022年优化营商环境重点任务清单》已经区政府同意，现印发给你们，请认真贯彻落实。")
    para("临沂市兰山区人民政府办公室")
    para("2022年3月15日")
    para("兰山区2022年优化营商环境重点任务清单", centre=True)
    para("一、提升政务服务效能")
    para(
        "（一）推进“一网通办”。全面梳理依申请政务服务事项，" + FILLER + "6月底前实现高频事项“全程网办”。"
        "（责任单位：区行政审批服务局、区大数据中心；完成时限：2022年12月底前）"
    )
    para(
        "（二）规范中介服务。清理规范行政审批中介服务事项。（区发展改革局牵头，区财政局、区市场监管局按职责分工负责）"
    )
    for number in range(1, 16):  # enough text for what follows to cross page breaks
        para(f"{number}．背景说明。" + FILLER)
    para("二、优化市场环境")
    para("（三）开展涉企收费专项检查。" + FILLER + "每季度末报送工作进展。（责任单位：区市场监管局）")
    para("（四）建立企业诉求快速响应机制。（区工商联牵头负责；完成时限：长期坚持）")
    para("三、任务分工表")
    table = document.add_table(rows=3, cols=4)
    table.style = "Table Grid"
    for row, values in enumerate(
        [
            ["序号", "工作任务", "责任单位", "完成时限"],
            ["1", "建设企业服务中心", "区商务局", "2022年9月30日"],
            ["2", "编制营商环境白皮书", "区发展改革局、区司法局", "2022年12月底前"],
        ]
    ):
        for column, value in enumerate(values):
            table.cell(row, column).text = value
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "plan_text_layer.docx"
        document.save(source)
        subprocess.run(
            [
                "soffice",
                "--headless",
                f"-env:UserInstallation=file://{folder}/lo",
                "--convert-to",
                "pdf",
                "--outdir",
                str(HERE),
                str(source),
            ],
            check=True,
            capture_output=True,
        )


def scanned_pdf() -> None:
    image = Image.new("L", (1240, 1754), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 40)
    for line, text in enumerate(["关于加强安全生产工作的通知", "一、开展隐患排查。（责任单位：区应急局）"]):
        draw.text((120, 200 + 80 * line), text, fill=0, font=font)
    image.save(HERE / "plan_scanned.pdf", "PDF", resolution=150)


if __name__ == "__main__":
    text_pdf()
    scanned_pdf()
