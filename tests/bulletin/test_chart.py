"""The bulletin's chart: a font that really has the Chinese glyphs of its labels, and a warning
(not a crash) where the machine has none."""

from __future__ import annotations

import io
import logging

import pytest
from matplotlib import font_manager
from matplotlib.ft2font import FT2Font
from PIL import Image

from obligations.bulletin import overdue_chart
from obligations.bulletin.overdue_chart import ChartUnit, cjk_font, render

LABELS = "逾期任务数按期完成率（项%）区住房城乡建设局本期没有"


@pytest.fixture
def fresh_font_lookup():
    cjk_font.cache_clear()
    yield
    cjk_font.cache_clear()


def test_the_chart_font_draws_every_label_character(fresh_font_lookup):
    font = cjk_font()
    assert font is not None, "fonts-wqy-microhei (.ci/system-deps.sh) should be found"
    face = FT2Font(font.get_file())
    missing = [char for char in LABELS if face.get_char_index(ord(char)) == 0]
    assert missing == []


def test_the_chart_is_a_png_of_the_declared_size(fresh_font_lookup):
    data = render([ChartUnit("区住房城乡建设局", 11, 0.25), ChartUnit("区财政局", 3, None)])
    image = Image.open(io.BytesIO(data))
    width_cm = image.width / overdue_chart.DPI * 2.54
    assert image.format == "PNG" and round(width_cm, 1) == overdue_chart.WIDTH_CM
    # Red bars are drawn: the bar colour is among the image's pixels.
    assert (0xC0, 0x00, 0x00) in {pixel[:3] for _, pixel in image.convert("RGB").getcolors(1 << 20)}


@pytest.mark.filterwarnings("ignore:Glyph .* missing from font")  # what the warning is about
def test_without_a_chinese_font_it_warns_and_still_draws(fresh_font_lookup, monkeypatch, caplog):
    monkeypatch.setattr(overdue_chart, "CJK_FONTS", ("No Such Font Family",))
    monkeypatch.setattr(overdue_chart, "_fc_match", lambda family: None)
    monkeypatch.setattr(font_manager, "findSystemFonts", lambda *args, **kwargs: [])
    with caplog.at_level(logging.WARNING, logger=overdue_chart.__name__):
        assert cjk_font() is None
        data = render([ChartUnit("区财政局", 2, 0.5)])
    assert "fonts-wqy-microhei" in caplog.text
    assert data.startswith(b"\x89PNG")
