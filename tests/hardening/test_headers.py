"""A strict Content-Security-Policy on every page (no inline script or style anywhere), and no
caching of pages that show task data, while static files keep theirs."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from obligations.models import Evidence, ProgressReport

from ..factories import make_task

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"
INLINE = re.compile(r"""<script(?![^>]*\bsrc=)|<style|\sstyle=|\son[a-z]+\s*=|javascript:""", re.IGNORECASE)


def _policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in header.split(";") if part.strip()}


def test_policy_is_strict(client):
    response = client.get(reverse("login"))
    policy = _policy(response)
    assert policy["default-src"] == "default-src 'none'"
    assert policy["script-src"] == "script-src 'self'"
    assert policy["style-src"] == "style-src 'self'"
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"
    assert policy["form-action"] == "form-action 'self'"
    assert "unsafe" not in response["Content-Security-Policy"]


def test_page_templates_have_no_inline_script_style_or_handlers():
    offenders = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        if "email" in path.parts:  # e-mails are not served pages; mail clients need inline style
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if INLINE.search(line):
                offenders.append(f"{path.relative_to(TEMPLATES)}:{number}: {line.strip()[:80]}")
    assert offenders == []


def test_dashboard_renders_its_charts_without_inline_style(world, as_user):
    today = timezone.localdate()
    make_task(world.plan, lead=[world.unit_a], deadline=today - datetime.timedelta(days=9))
    page = as_user(world.supervisor).get(reverse("dashboard")).content.decode()
    assert not INLINE.search(page)
    # The charts are still drawn: SVG rects with widths in percent of their bar.
    widths = [float(w) for w in re.findall(r'<rect class="seg seg-[a-z]+" x="[\d.]+" width="([\d.]+)"', page)]
    assert widths and abs(sum(widths) - 100) < 0.1
    assert re.search(r'<rect class="bar-fill" width="100.0"', page)


def test_admin_pages_carry_the_policy_and_no_inline_code(world, as_user):
    client = as_user(world.supervisor)
    for url in (
        reverse("admin:index"),
        reverse("admin:obligations_task_changelist"),
        reverse("admin:obligations_task_change", args=[world.task_a.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "script-src 'self'" in response["Content-Security-Policy"]
        assert not re.search(r"<script(?![^>]*\bsrc=)|\sstyle=|\son[a-z]+=", response.content.decode()), url


@pytest.mark.parametrize("name", ["task_list", "dashboard", "notification_list", "lockout_list"])
def test_signed_in_pages_are_not_cached(world, as_user, name):
    response = as_user(world.supervisor).get(reverse(name))
    assert response.status_code == 200
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-store", "private", "no-cache"} <= directives


def test_task_page_and_refusals_are_not_cached(world, as_user):
    client = as_user(world.liaison_a)
    assert "no-store" in client.get(reverse("task_detail", args=[world.task_a.pk]))["Cache-Control"]
    assert "no-store" in client.get(reverse("task_detail", args=[world.task_b_only.pk]))["Cache-Control"]


def test_evidence_download_keeps_its_own_sandbox_policy(world, as_user):
    report = ProgressReport.objects.create(
        task=world.task_a,
        unit=world.unit_a,
        author=world.liaison_a,
        period=timezone.localdate().replace(day=1),
        text="进展",
    )
    evidence = Evidence(
        task=world.task_a,
        report=report,
        original_name="a.pdf",
        content_type="application/pdf",
        size=4,
        sha256="0" * 64,
    )
    evidence.file.save("x", ContentFile(b"%PDF"), save=False)
    evidence.save()
    response = as_user(world.liaison_a).get(reverse("evidence_download", args=[evidence.pk]))
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert "no-store" in response["Cache-Control"]


def test_static_files_keep_their_caching(world, as_user):
    response = as_user(world.supervisor).get("/static/obligations/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
