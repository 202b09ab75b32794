"""A background import in a real browser with a real qcluster: upload a scan, watch the page count
the OCR'd pages without reloading (the static script polling the JSON status), land on the review;
and with JavaScript off, the meta refresh carries a legacy Word file's page to its review."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from obligations.models import ImportJob

from ..factories import make_supervisor
from ..web.test_import_cluster import OCR_WAIT, start_cluster  # noqa: F401  (start_cluster is a fixture)
from .test_workflow_browser import login

pytestmark = [pytest.mark.browser, pytest.mark.cluster, pytest.mark.django_db(transaction=True)]

DATA = Path(__file__).resolve().parents[1] / "extract" / "data"
SCAN_5_PAGES = DATA / "scan_seed_pages.pdf"
LEGACY_DOC = DATA / "real" / "variants" / "r01_lishan_2023.doc"
JOB_PAGE = re.compile(r"/imports/jobs/\d+/$")
REVIEW_PAGE = re.compile(r"/imports/\d+/$")


def upload(page, path: Path) -> None:
    page.goto("/imports/")
    page.set_input_files("#id_file", str(path))
    with page.expect_navigation():
        page.click("text=上传并提取")


def test_upload_a_scan_watch_the_pages_then_review(new_page, start_cluster, tesseract, screenshots):  # noqa: F811
    supervisor = make_supervisor("duchashi_bg")
    start_cluster()
    page = new_page()
    login(page, supervisor.username)
    upload(page, SCAN_5_PAGES)
    assert JOB_PAGE.search(page.url), page.url
    assert "scan_seed_pages.pdf" in page.content()
    loads: list[str] = []
    page.on("load", lambda: loads.append(page.url))

    # The script rewrites the page in place as the worker reads page 2 of 5.
    status = page.locator('[data-job-field="text"]')
    expect(status).to_have_text("文字识别（OCR）：第 2 / 5 页", timeout=OCR_WAIT * 1000)
    assert page.locator('[data-job-field="bar"]').evaluate("bar => [bar.value, bar.max]") == [1, 5]
    assert page.locator('[data-job-field="state"]').inner_text() == "处理中"
    assert loads == []  # no reload: the JSON poll did it
    page.screenshot(path=str(screenshots / "import_progress.png"))

    page.wait_for_url(REVIEW_PAGE, timeout=OCR_WAIT * 1000)
    assert "已导入“scan_seed_pages.pdf”：" in page.content()
    job = ImportJob.objects.get()
    assert job.state == "done" and page.url.endswith(f"/imports/{job.source_id}/")
    assert page.locator("tr.flagged").count() >= 1  # OCR'd rows are flagged for review


def test_without_javascript_the_page_refreshes_itself_to_the_review(
    browser,
    live_server,
    start_cluster,  # noqa: F811
    libreoffice,
):
    supervisor = make_supervisor("duchashi_nojs")
    start_cluster()
    context = browser.new_context(java_script_enabled=False, locale="zh-CN", base_url=live_server.url)
    context.set_default_timeout(20_000)
    try:
        page = context.new_page()
        login(page, supervisor.username)
        upload(page, LEGACY_DOC)
        assert JOB_PAGE.search(page.url), page.url
        assert page.locator('meta[http-equiv="refresh"]').count() == 1
        page.wait_for_url(REVIEW_PAGE, timeout=OCR_WAIT * 1000)
        assert "已导入“r01_lishan_2023.doc”：1 个方案，6 项任务" in page.content()
    finally:
        context.close()
