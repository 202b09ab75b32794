"""Developer tool: make the format variants of the real plans and the scanned seed pages (not run by
the tests; its outputs are committed). Needs LibreOffice Writer/Calc, poppler-utils and the
fonts-wqy-microhei font (all in .ci/system-deps.sh).

    .venv/bin/python tests/extract/data/real/make_variants.py

The OFD writer here is for test fixtures only: it writes the minimal package GB/T 33190 describes
(OFD.xml -> Document.xml -> Pages/Page_N/Content.xml with positioned TextObject/TextCode).
"""

from __future__ import annotations

import io
import quopri
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import docx
import openpyxl
from docx.oxml.ns import qn
from PIL import Image

HERE = Path(__file__).parent
OUT = HERE / "variants"
SEED = HERE.parents[3] / "fixtures" / "plans" / "000_00f7338b1488e55e.txt"
FONT = "WenQuanYi Micro Hei"


def lines(name: str) -> list[str]:
    return [
        line.strip()
        for line in (HERE / "dev" / name).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def soffice(source: Path, target: str, outdir: Path) -> Path:
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                "soffice",
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--convert-to",
                target,
                "--outdir",
                str(outdir),
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
    return outdir / f"{source.stem}.{target.split(':')[0]}"


def word_document(paragraphs: list[str]) -> docx.Document:
    document = docx.Document()
    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    for text in paragraphs:
        document.add_paragraph(text)
    return document


def make_doc(work: Path) -> None:
    source = work / "r01_lishan_2023.docx"
    word_document(lines("r01_lishan_2023.txt")).save(source)
    result = soffice(source, "doc:MS Word 97", work)
    shutil.copy(result, OUT / "r01_lishan_2023.doc")
    shutil.copy(result, OUT / "r01_lishan_2023.wps")


def make_xls(work: Path) -> None:
    cells = lines("r06_huoshan_2025.txt")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append([cells[0]])
    values = [cell.rstrip("|").strip() for cell in cells[1:]]
    for start in range(0, len(values), 5):
        sheet.append(values[start : start + 5])
    source = work / "r06_huoshan_2025.xlsx"
    workbook.save(source)
    result = soffice(source, "xls:MS Excel 97", work)
    shutil.copy(result, OUT / "r06_huoshan_2025.xls")
    shutil.copy(result, OUT / "r06_huoshan_2025.et")


PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title}</title>
<script>var _hmt = _hmt || [];</script><style>.nav a {{ color: #333 }}</style></head>
<body>
<div class="header"><div class="top-links"><a href="/">设为首页</a> | <a href="#">加入收藏</a> | <a href="#">无障碍浏览</a></div></div>
<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li><li><a href="/zcwj/">政策文件</a></li><li><a href="/hd/">互动交流</a></li></ul></div>
<div class="location">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; 政策文件</div>
<div class="article">
<h1>{title}</h1>
<div class="info">发布时间：{date} 信息来源：区政府办公室 浏览次数：1287 字体大小：【<a href="#">大</a> <a href="#">中</a> <a href="#">小</a>】</div>
<div class="content" id="zoom">
{body}
</div>
<div class="tools"><a href="#">分享</a> <a href="javascript:window.print()">打印</a> <a href="javascript:window.close()">关闭窗口</a></div>
</div>
<div class="footer"><p>主办单位：区人民政府办公室 技术支持：区大数据中心</p><p>备案号：滇ICP备00000000号</p></div>
</body></html>
"""


def make_html() -> None:
    body = "\n".join(f"<p>{escape(text)}</p>" for text in lines("r03_guandu_2016.txt"))
    page = PAGE.format(title="官渡区稳增长促发展若干政策措施", date="2016-12-06", body=body)
    (OUT / "r03_guandu_2016.html").write_text(page, encoding="utf-8")


def make_mhtml() -> None:
    body = "\n".join(f"<p>{escape(text)}</p>" for text in lines("r05_caidian_2023.txt"))
    page = PAGE.format(
        title="区人民政府办公室关于印发主要目标任务责任分解方案的通知", date="2023-01-05", body=body
    )
    encoded = quopri.encodestring(page.encode("utf-8")).decode("ascii")
    message = (
        "From: <Saved by Blink>\r\nSnapshot-Content-Location: https://www.caidian.gov.cn/\r\n"
        "Subject: =?utf-8?Q?caidian?=\r\nDate: Thu, 5 Jan 2023 10:00:00 +0800\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/related;\r\n\ttype="text/html";\r\n\tboundary="----MultipartBoundary--x"\r\n\r\n'
        "------MultipartBoundary--x\r\nContent-Type: text/html\r\nContent-ID: <frame-1@mhtml.blink>\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\nContent-Location: https://www.caidian.gov.cn/\r\n\r\n"
        f"{encoded}\r\n------MultipartBoundary--x--\r\n"
    )
    (OUT / "r05_caidian_2023.mhtml").write_bytes(message.encode("ascii"))


NS = 'xmlns:ofd="http://www.ofdspec.org/2016"'


def ofd(paragraphs: list[str], path: Path, size: float = 4.2, per_line: int = 38, per_page: int = 34) -> None:
    """Lay the paragraphs out on A4 pages, one TextObject per line, first lines indented."""
    laid: list[tuple[float, str]] = []  # (indent mm, text)
    for text in paragraphs:
        first, rest = text[: per_line - 2], text[per_line - 2 :]
        laid.append((2 * size, first))
        while rest:
            laid.append((0.0, rest[:per_line]))
            rest = rest[per_line:]
    pages = [laid[start : start + per_page] for start in range(0, len(laid), per_page)]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "OFD.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD {NS} Version="1.0" DocType="OFD"><ofd:DocBody>'
            "<ofd:DocInfo><ofd:DocID>r02</ofd:DocID></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot>"
            "</ofd:DocBody></ofd:OFD>",
        )
        refs = "".join(
            f'<ofd:Page ID="{index + 1}" BaseLoc="Pages/Page_{index}/Content.xml"/>'
            for index in range(len(pages))
        )
        archive.writestr(
            "Doc_0/Document.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document {NS}><ofd:CommonData><ofd:MaxUnitID>999</ofd:MaxUnitID>'
            "<ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea></ofd:CommonData>"
            f"<ofd:Pages>{refs}</ofd:Pages></ofd:Document>",
        )
        for index, page in enumerate(pages):
            objects = []
            for row, (indent, text) in enumerate(page):
                x, y = 25.0 + indent, 30.0 + row * 7.0
                objects.append(
                    f'<ofd:TextObject ID="{index * 100 + row + 10}" Boundary="{x:.1f} {y:.1f} {size * len(text):.1f} {size * 1.2:.1f}" '
                    f'Font="1" Size="{size}"><ofd:TextCode X="0" Y="{size:.1f}">{escape(text)}</ofd:TextCode></ofd:TextObject>'
                )
            archive.writestr(
                f"Doc_0/Pages/Page_{index}/Content.xml",
                f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page {NS}><ofd:Content><ofd:Layer ID="{index + 2}">'
                + "".join(objects)
                + "</ofd:Layer></ofd:Content></ofd:Page>",
            )
    path.write_bytes(buffer.getvalue())


def make_scan(work: Path) -> None:
    text = SEED.read_text(encoding="utf-8").splitlines()[146:286]
    paragraphs = [line.strip().lstrip("#").strip() for line in text if line.strip()]
    source = work / "scan_source.docx"
    word_document(paragraphs).save(source)
    pdf = soffice(source, "pdf", work)
    subprocess.run(["pdftoppm", "-r", "150", "-gray", "-png", str(pdf), str(work / "page")], check=True)
    images = [Image.open(path).convert("L") for path in sorted(work.glob("page-*.png"))]
    images[0].save(
        HERE.parent / "scan_seed_pages.pdf", save_all=True, append_images=images[1:], resolution=150
    )


def main() -> None:
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        make_doc(work)
        make_xls(work)
        make_html()
        make_mhtml()
        ofd(lines("r02_huaian_2022.txt"), OUT / "r02_huaian_2022.ofd")
        make_scan(work)


if __name__ == "__main__":
    main()
