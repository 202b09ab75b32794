"""The known 500s on crafted ids: out-of-range, negative, non-numeric ids are a 400 with a Chinese
message and change nothing (SQLite raised OverflowError, PostgreSQL DataError)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from obligations.models import ChangeLog, ExtensionRequest, Reminder, Task, Unit
from obligations.security.ids import MAX_ID, clean_ids, parse_id

pytestmark = pytest.mark.django_db

HOSTILE_IDS = [
    "99999999999999999999",
    str(MAX_ID + 1),
    "-1",
    "0",
    "1e5",
    "abc",
    "１２",  # full-width digits
    "٣",  # an Arabic-Indic digit that int() would accept
    "1\x00",
    "9" * 5000,
]


@pytest.mark.parametrize("value", HOSTILE_IDS)
def test_parse_id_refuses_what_a_browser_never_sends(value):
    assert parse_id(value) is None
    with pytest.raises(ValidationError) as caught:
        clean_ids(["1", value])
    assert "不是有效的编号" in caught.value.messages[0]


def test_parse_id_accepts_plain_ids():
    assert parse_id("42") == 42 and parse_id(" 7 ") == 7 and parse_id(str(MAX_ID)) == MAX_ID
    assert clean_ids(["3", "1", "3"]) == [3, 1]


@pytest.mark.parametrize("value", HOSTILE_IDS)
def test_remind_units(world, as_user, value):
    response = as_user(world.supervisor).post(
        reverse("task_remind", args=[world.task_a.pk]), {"units": [str(world.unit_a.pk), value]}
    )
    assert response.status_code == 400
    assert "不是有效的编号" in response.content.decode()
    assert not Reminder.objects.exists()


@pytest.mark.parametrize("value", HOSTILE_IDS)
def test_ledger_units_and_plans(world, as_user, value):
    client = as_user(world.supervisor)
    for field in ("units", "plans"):
        response = client.post(reverse("ledger_index"), {"month": "2026-01", "paper": "A4", field: [value]})
        assert response.status_code == 400, field
        assert "不是有效的编号" in response.content.decode()


@pytest.mark.parametrize("value", HOSTILE_IDS)
def test_import_review_selected(world, as_user, value):
    from obligations.models import SourceDocument

    source = SourceDocument.objects.create(original_name="方案.txt", sha256="b" * 64, size=3)
    world.draft_plan.source = source
    world.draft_plan.save()
    response = as_user(world.supervisor).post(
        reverse("review_rows", args=[source.pk]), {"action": "drop", "selected": [world.draft_task.pk, value]}
    )
    assert response.status_code == 400
    assert "不是有效的编号" in response.content.decode()
    assert Task.objects.filter(pk=world.draft_task.pk).exists()
    assert not ChangeLog.objects.exists()


@pytest.mark.parametrize("view", ["unit_map", "unit_confirm"])
@pytest.mark.parametrize("value", HOSTILE_IDS)
def test_unit_review_source(world, as_user, view, value):
    unit = Unit.objects.create(jurisdiction="测试市", name="新单位", confirmed=False)
    response = as_user(world.supervisor).post(
        reverse(view, args=[unit.pk]), {"source": value, "target": "市财政局"}
    )
    assert response.status_code == 400
    unit.refresh_from_db()
    assert not unit.confirmed and not ChangeLog.objects.exists()


def test_a_forged_version_is_a_400_not_a_stale_409(world, as_user):
    # A progress report is an append and carries no version; an edit of the task's fields does.
    response = as_user(world.liaison_a).post(
        reverse("task_extend", args=[world.task_a.pk]),
        {"version": "99999999999999999999", "new_deadline": "2099-01-01", "reason": "需协调"},
    )
    assert response.status_code == 400
    assert "页面版本号无效" in response.content.decode()
    assert not ExtensionRequest.objects.exists()
