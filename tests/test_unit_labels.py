"""Unit labels (名称（辖区） where another unit bears the same name) are the same whether they are
looked up by id (a page's few units) or read from the whole directory (a province's ranking)."""

from __future__ import annotations

import pytest

from obligations.plans import unit_directory
from obligations.plans.unit_directory import unit_labels
from tests.factories import make_unit

pytestmark = pytest.mark.django_db


def test_labels_by_id_and_from_the_whole_directory_agree(monkeypatch):
    units = [make_unit(f"交通运输局{n % 7}", jurisdiction=f"{n % 3}区") for n in range(21)]
    units += [make_unit("独有的局", jurisdiction="某县"), make_unit("数据局", jurisdiction="")]
    make_unit("数据局", jurisdiction="邻市")  # a namesake outside the asked ids still counts
    asked = [unit.pk for unit in units]
    by_id = unit_labels(asked)
    monkeypatch.setattr(unit_directory, "_ALL_UNITS_ABOVE", 0)
    assert unit_labels(asked) == by_id
    assert by_id[units[0].pk] == "交通运输局0（0区）"
    assert by_id[units[-2].pk] == "独有的局"
    assert by_id[units[-1].pk] == "数据局"  # no jurisdiction to add
    assert set(by_id) == set(asked)
