"""seed_synthetic fills the database with realistic, consistent data."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Count

from obligations.devtools.synthetic import _unit_names, load_corpus
from obligations.models import Assignment, Membership, Plan, ProgressReport, Task, Unit

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_seed_synthetic_command_creates_what_it_says():
    out = StringIO()
    call_command("seed_synthetic", "--tasks", "1234", "--units", "40", stdout=out)
    assert "1234 项任务" in out.getvalue()
    assert Task.objects.count() == 1234
    assert Plan.objects.count() == 13  # 100 tasks per plan
    assert Unit.objects.count() == 40
    assert Membership.objects.count() == 40
    # Every task has at least one unit; orders are unique per plan (constraint) and start at 1.
    assert not Task.objects.annotate(n=Count("assignments")).filter(n=0).exists()
    assert set(Task.objects.filter(order=1).values_list("plan", flat=True)) == set(
        Plan.objects.values_list("pk", flat=True)
    )
    # A realistic mix: past and future deadlines, some done, some ongoing, texts from the seeds.
    from django.utils import timezone

    today = timezone.localdate()
    assert (
        Task.objects.filter(deadline__lt=today).exists() and Task.objects.filter(deadline__gt=today).exists()
    )
    done = Task.objects.filter(status="done")
    assert 0.2 < done.count() / 1234 < 0.4
    assert not done.filter(completed_at__isnull=True).exists()
    assert Task.objects.filter(deadline_kind="ongoing", deadline__isnull=True).exists()
    corpus_texts = set(load_corpus()["texts"])
    assert set(Task.objects.values_list("text", flat=True)[:50]) <= corpus_texts
    assert ProgressReport.objects.count() > 300
    assert (
        Assignment.objects.filter(role="lead").exists()
        and Assignment.objects.filter(role="responsible").exists()
    )
    # Section paths are stored as real JSON lists.
    assert Task.objects.first().section_path == ["二、重点任务"]


def test_corpus_is_drawn_from_the_seed_gazettes():
    corpus = load_corpus()
    seeds = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "fixtures" / "plans").glob("*.txt"))
    flat = seeds.replace("\n", "").replace(" ", "")
    sample = corpus["texts"][:20]
    assert sum(text[:12].replace(" ", "") in flat for text in sample) >= 15
    assert len(corpus["units"]) > 100


def test_bench_writes_json_on_a_throwaway_database(tmp_path):
    env = {
        **os.environ,
        "DEBUG": "true",
        "TRACKER_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "tracker.settings",
    }
    env.pop("DATABASE_URL", None)
    out = tmp_path / "bench.json"
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "bench",
            "--tasks",
            "500",
            "--units",
            "20",
            "--only",
            "seed,reports",
            "--json",
            str(out),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["seed"]["figures"]["tasks"] == 500
    assert data["seed"]["checks"] == {"seconds": True}
    assert data["_meta"]["tasks"] == 500
    # 20 liaisons × 5 reports on one shared task at once, over HTTP: all stored, none refused.
    reports = data["reports"]["figures"]
    assert (reports["requests"], reports["answered_302"], reports["refused_409"]) == (100, 100, 0)
    assert data["reports"]["checks"] == {"refused_409": True, "reports_stored": True}
    assert "tasks_per_second" in result.stdout
    # The working database was not touched: the benchmark used its own.
    count = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django;django.setup();from obligations.models import Task;print(Task.objects.count())",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert count.stdout.strip() == "0"
    assert not (tmp_path / "bench.sqlite3").exists()


def test_province_scale_unit_names_are_distinct():
    """3,000 units (a province) need more names than the two-syllable townships give: the generator
    must go on to longer names, not loop for ever."""
    names = _unit_names(load_corpus(), 3000, random.Random(7))
    assert len(names) == 3000
    assert len(set(names)) == 3000
    assert any(len(name) > len("东西镇人民政府") for name in names)


@pytest.mark.django_db
def test_a_province_seed_spreads_its_plans_over_cities(monkeypatch):
    """Beyond CITY_TASKS tasks the plans come in cities' blocks, so the bench can export one city's
    ledger out of a province's tasks (the ledger's place filter)."""
    from obligations.devtools import bench_ledger, synthetic
    from obligations.ledger import LedgerFilters, LedgerQuery

    monkeypatch.setattr(synthetic, "CITY_TASKS", 500)
    call_command("seed_synthetic", "--tasks", "1234", "--units", "40", stdout=StringIO())
    per_city = dict(
        Task.objects.order_by()
        .values_list("plan__jurisdiction")
        .annotate(n=Count("*"))
        .values_list("plan__jurisdiction", "n")
    )
    assert per_city == {"示范市": 500, "示范2市": 500, "示范3市": 234}
    assert set(Plan.objects.filter(jurisdiction="示范2市").values_list("issuer", flat=True)) == {
        "示范2市人民政府办公室"
    }
    assert bench_ledger._city_filters() == {"places": ["示范市"]}
    from obligations.dates import today

    month = today().replace(day=1)
    rows = list(LedgerQuery(LedgerFilters.build(month, {"places": ["示范2市"]})).rows())
    assert len(rows) == 500
