"""Fixtures for the whole suite. Tests that need LibreOffice or Tesseract take the ``libreoffice`` /
``tesseract`` fixture: they are skipped on a developer machine without the program and fail in CI
(CI=true), where .ci/system-deps.sh installs them."""

from __future__ import annotations

import os

import pytest

from . import factories


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _require(found: bool, what: str) -> None:
    if found:
        return
    if _in_ci():
        pytest.fail(f"CI 环境缺少 {what}（请运行 .ci/system-deps.sh）")
    pytest.skip(f"{what} not installed")


@pytest.fixture(scope="session")
def libreoffice() -> None:
    from obligations.extract.convert import soffice

    _require(soffice() is not None, "LibreOffice (libreoffice-writer-nogui, libreoffice-calc-nogui)")


@pytest.fixture(scope="session")
def tesseract() -> None:
    from obligations.extract.read_ocr import available

    _require(available(), "Tesseract with chi_sim (tesseract-ocr, tesseract-ocr-chi-sim)")


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    """Uploaded and generated files go to a per-test folder, never into var/ (backups too)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LEDGER_DIR = tmp_path / "ledgers"
    settings.TRACKER_BACKUP_DIR = tmp_path / "backups"


@pytest.fixture(autouse=True)
def _fresh_warnings():
    """The holiday fallback warns once a day per process: each test starts as a fresh process."""
    from obligations.workdays import forget_warnings

    forget_warnings()


@pytest.fixture
def world(db):
    """Two units with a liaison each, a supervisor, a leader, and tasks for each unit."""
    import datetime

    from django.utils import timezone

    class World:
        pass

    w = World()
    w.unit_a = factories.make_unit("市财政局")
    w.unit_b = factories.make_unit("市大数据局")
    w.supervisor = factories.make_supervisor()
    w.liaison_a = factories.make_liaison("liaison_a", w.unit_a)
    w.liaison_b = factories.make_liaison("liaison_b", w.unit_b)
    w.leader_a = factories.make_leader("leader_a", w.unit_a)
    w.plan = factories.make_plan()
    today = timezone.localdate()
    w.task_a = factories.make_task(w.plan, lead=[w.unit_a], deadline=today + datetime.timedelta(days=30))
    w.task_b = factories.make_task(w.plan, lead=[w.unit_b], responsible=[w.unit_a], deadline=today)
    w.task_b_only = factories.make_task(w.plan, lead=[w.unit_b], deadline=today - datetime.timedelta(days=3))
    w.draft_plan = factories.make_plan("草稿方案", status="draft")
    w.draft_task = factories.make_task(w.draft_plan, lead=[w.unit_a])
    return w


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory):
    """A STATIC_ROOT filled by collectstatic, for processes started with DEBUG off (their manifest
    storage serves only collected files); made once per test session."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = tmp_path_factory.mktemp("static")
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="tracker.settings", DEBUG="false", SECRET_KEY="collectstatic-" + "k" * 40
    )
    env.update(STATIC_ROOT=str(root), TRACKER_VAR_DIR=str(tmp_path_factory.mktemp("var")))
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        check=True,
        timeout=300,
    )
    return root
