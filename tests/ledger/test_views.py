"""The ledger page: who may use it, the streamed download, and the history with checked downloads."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.http import FileResponse
from django.urls import reverse

from obligations.ledger import generate_ledger_file
from obligations.models import LedgerExport, Plan
from tests import factories

from .conftest import MONTH

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def supervisor_client(client, ledger_world):
    client.force_login(ledger_world.supervisor)
    return client


def test_page_shows_form_and_history(supervisor_client, ledger_world):
    generate_ledger_file(MONTH, {"lights": ["red"]}, trigger="scheduled")
    response = supervisor_client.get(reverse("ledger_index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "月度进展台账" in html
    assert 'name="month"' in html and 'type="month"' in html
    assert ledger_world.plan.title in html  # plan choices
    assert "区财政局" in html  # unit choices
    assert "灯色：红灯（逾期）" in html  # the history says which filters
    assert "定时生成" in html and "系统" in html
    export = LedgerExport.objects.get()
    assert reverse("ledger_download", args=[export.pk]) in html
    assert f'href="{reverse("ledger_index")}"' in html  # the nav link


def test_post_streams_the_workbook_and_records_it(supervisor_client, ledger_world):
    response = supervisor_client.post(
        reverse("ledger_index"),
        {"month": "2025-03", "units": [ledger_world.finance.pk], "lights": ["red", "green"], "paper": "A4"},
    )
    assert response.status_code == 200
    assert isinstance(response, FileResponse) and response.streaming
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    assert "filename*=utf-8''2025" in response["Content-Disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(body(response)))
    texts = [row[2] for row in wb["进展台账"].iter_rows(min_row=3, values_only=True)]
    assert texts == [ledger_world.overdue.text, ledger_world.done_later.text, ledger_world.extended.text]
    export = LedgerExport.objects.get()
    assert export.trigger == "manual" and export.created_by == ledger_world.supervisor
    assert export.filters == {"paper": "A4", "units": [ledger_world.finance.pk], "lights": ["red", "green"]}
    assert export.rows == 3


@pytest.mark.parametrize("month", ["2025-13", "abc", "2099-01"])
def test_bad_month_is_a_form_error(supervisor_client, month):
    response = supervisor_client.post(reverse("ledger_index"), {"month": month, "paper": "A4"})
    assert response.status_code == 400
    assert "月份" in response.content.decode()
    assert not LedgerExport.objects.exists()


def test_failure_is_shown_and_recorded(supervisor_client, monkeypatch):
    from obligations.ledger import storage

    def broken(*args, **kwargs):
        raise RuntimeError("写入失败")

    monkeypatch.setattr(storage, "write_workbook", broken)
    response = supervisor_client.post(reverse("ledger_index"), {"month": "2025-03", "paper": "A4"})
    assert response.status_code == 200
    assert "台账生成失败：写入失败" in response.content.decode()
    assert LedgerExport.objects.get().status == "failed"


def test_download_from_history(supervisor_client):
    export = generate_ledger_file(MONTH, {}, trigger="scheduled")
    response = supervisor_client.get(reverse("ledger_download", args=[export.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    data = body(response)
    assert len(data) == export.size
    assert openpyxl.load_workbook(io.BytesIO(data)).sheetnames == ["汇总", "进展台账"]


def test_failed_or_missing_file_is_404(supervisor_client):
    export = generate_ledger_file(MONTH, {}, trigger="scheduled")
    LedgerExport.objects.filter(pk=export.pk).update(status="failed")
    assert supervisor_client.get(reverse("ledger_download", args=[export.pk])).status_code == 404
    LedgerExport.objects.filter(pk=export.pk).update(status="done")
    export.file.delete(save=False)
    assert supervisor_client.get(reverse("ledger_download", args=[export.pk])).status_code == 404


def test_liaison_gets_404_everywhere(client, ledger_world):
    liaison = factories.make_liaison("finance_liaison", ledger_world.finance)
    export = generate_ledger_file(MONTH, {}, trigger="scheduled")
    client.force_login(liaison)
    assert client.get(reverse("ledger_index")).status_code == 404
    assert client.post(reverse("ledger_index"), {"month": "2025-03", "paper": "A4"}).status_code == 404
    assert client.get(reverse("ledger_download", args=[export.pk])).status_code == 404
    assert not LedgerExport.objects.filter(trigger="manual").exists()
    assert reverse("ledger_index") not in client.get(reverse("task_list")).content.decode()


def test_unit_leader_exports_own_units_and_cannot_download_others(client, ledger_world):
    leader = factories.make_leader("data_leader", ledger_world.data)
    scheduled = generate_ledger_file(MONTH, {}, trigger="scheduled")
    client.force_login(leader)
    page = client.get(reverse("ledger_index"))
    assert page.status_code == 200
    assert reverse("ledger_download", args=[scheduled.pk]) not in page.content.decode()
    assert client.get(reverse("ledger_download", args=[scheduled.pk])).status_code == 404

    response = client.post(reverse("ledger_index"), {"month": "2025-03", "paper": "A4"})
    assert response.status_code == 200
    texts = {
        row[2]
        for row in openpyxl.load_workbook(io.BytesIO(body(response)))["进展台账"].iter_rows(
            min_row=3, values_only=True
        )
    }
    assert texts == {ledger_world.overdue.text, ledger_world.done.text, ledger_world.done_later.text}
    own = LedgerExport.objects.get(created_by=leader)
    assert client.get(reverse("ledger_download", args=[own.pk])).status_code == 200
    # A unit leader may only choose their own units.
    refused = client.post(
        reverse("ledger_index"), {"month": "2025-03", "paper": "A4", "units": [ledger_world.finance.pk]}
    )
    assert refused.status_code == 400


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("ledger_index"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_post_needs_csrf(ledger_world):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(ledger_world.supervisor)
    assert strict.post(reverse("ledger_index"), {"month": "2025-03", "paper": "A4"}).status_code == 403


def test_form_offers_the_published_plans_places(supervisor_client, ledger_world):
    Plan.objects.filter(pk=ledger_world.plan.pk).update(jurisdiction="示范市")
    Plan.objects.filter(pk=ledger_world.plan2.pk).update(jurisdiction="邻市")
    draft = factories.make_plan("草稿方案", status=Plan.Status.DRAFT)
    Plan.objects.filter(pk=draft.pk).update(jurisdiction="草稿市")
    html = supervisor_client.get(reverse("ledger_index")).content.decode()
    assert '<option value="示范市">示范市</option>' in html and '<option value="邻市">邻市</option>' in html
    assert "草稿市" not in html  # only published plans' places
    response = supervisor_client.post(
        reverse("ledger_index"), {"month": "2025-03", "places": ["邻市"], "paper": "A4"}
    )
    assert response.status_code == 200 and isinstance(response, FileResponse)
    assert LedgerExport.objects.get().filters == {"paper": "A4", "places": ["邻市"]}
    assert LedgerExport.objects.get().rows == 3
    refused = supervisor_client.post(
        reverse("ledger_index"), {"month": "2025-03", "places": ["草稿市"], "paper": "A4"}
    )
    assert refused.status_code == 400 and not isinstance(refused, FileResponse)
    assert "草稿市" in refused.content.decode() and LedgerExport.objects.count() == 1
