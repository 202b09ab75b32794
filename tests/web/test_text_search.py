"""The filter bar's text search: a word without cased letters is matched as written (no case folding
on the database), and the answer is the same as the case-insensitive match for every word."""

from __future__ import annotations

import random

import pytest
from django.db.models import Q

from obligations.dashboard.filter_bar import text_contains
from obligations.models import Task
from tests.factories import make_plan, make_task

pytestmark = pytest.mark.django_db

PIECES = [
    "推进",
    "改革",
    "OA",
    "oa",
    "Oa",
    "平台",
    "5G",
    "5g",
    "％",
    "_",
    "%",
    "\\",
    "Ⅻ",
    "ⅻ",
    "政务",
    "服务",
]


def _sql(condition: Q) -> str:
    return str(Task.objects.filter(condition).query)


def test_uncased_words_skip_case_folding():
    for word in ("推进", "2026", "％"):
        assert _sql(text_contains(word)) == _sql(Q(text__contains=word))
    for word in ("oa", "OA平台", "Ⅻ"):
        assert _sql(text_contains(word)) == _sql(Q(text__icontains=word))


def test_every_word_matches_as_the_case_insensitive_search():
    rng = random.Random(20261202)
    plan = make_plan()
    for order in range(1, 121):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 6)))
        make_task(plan, order=order, text=text)
    words = [*PIECES, "推进改革", "OA平台", "oa平台", "5G政务", "进改", "服", "%_", "_推", "\\%"]
    for word in words:
        fast = set(Task.objects.filter(text_contains(word)).values_list("pk", flat=True))
        plain = set(Task.objects.filter(text__icontains=word).values_list("pk", flat=True))
        assert fast == plain, word
    # Mixed case is still ignored for Latin letters, and Chinese matches only itself.
    both = set(Task.objects.filter(text_contains("Oa")).values_list("text", flat=True))
    assert any("OA" in text for text in both) and any("oa" in text for text in both)
    assert all(
        "推进" in text for text in Task.objects.filter(text_contains("推进")).values_list("text", flat=True)
    )
