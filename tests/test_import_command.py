"""import_plan on real files: stores plans once, recognises a second import, refuses bad input cleanly."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from obligations.models import Assignment, ChangeLog, Plan, SourceDocument, Task, Unit

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "fixtures" / "plans" / "000_00f7338b1488e55e.txt"

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (SourceDocument, Plan, Task, Assignment, Unit, ChangeLog))


def test_import_twice_changes_nothing_the_second_time(tmp_path):
    copy = tmp_path / "gazette.txt"
    shutil.copy(SEED, copy)
    out = StringIO()
    call_command("import_plan", str(copy), stdout=out)
    first = counts()
    assert first[1] == 3  # three notices in this gazette carry tasks
    assert first[2] == 33
    assert "淄博市建立政务服务“好差评”制度工作方案" in out.getvalue()
    assert set(Plan.objects.values_list("status", flat=True)) == {"draft"}

    # Same bytes under another name: recognised by SHA-256, nothing written.
    renamed = tmp_path / "again.txt"
    shutil.copy(SEED, renamed)
    out = StringIO()
    call_command("import_plan", str(renamed), "--publish", stdout=out)
    assert "已导入过" in out.getvalue()
    assert counts() == first
    assert set(Plan.objects.values_list("status", flat=True)) == {"draft"}


def test_publish_and_units_matched_by_alias(tmp_path):
    unit = Unit.objects.create(jurisdiction="淄博市", name="淄博市行政审批服务局")
    unit.aliases.create(name="市行政审批服务局")
    call_command("import_plan", str(SEED), "--publish", stdout=StringIO())
    assert set(Plan.objects.values_list("status", flat=True)) == {"published"}
    assert not Unit.objects.filter(jurisdiction="淄博市", name="市行政审批服务局").exists()
    assert Assignment.objects.filter(unit=unit).count() >= 10
    plan = Plan.objects.get(number="淄政办发〔2020〕7号")
    assert plan.issued.isoformat() == "2020-08-07" and plan.jurisdiction == "淄博市"
    assert plan.source.sha256 and Path(plan.source.file.path).read_bytes() == SEED.read_bytes()


def test_bad_input_raises_command_error_with_status_2(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(CommandError) as excinfo:
        call_command("import_plan", str(empty))
    assert excinfo.value.returncode == 2
    assert counts() == (0, 0, 0, 0, 0, 0)


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory):
    """A migrated, empty SQLite database for command-line runs (bad input writes nothing to it)."""
    var = tmp_path_factory.mktemp("cli-var")
    env = {**os.environ, "DEBUG": "true", "TRACKER_VAR_DIR": str(var)}
    env.pop("DATABASE_URL", None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=300
    )
    return env


@pytest.mark.parametrize(
    ("name", "payload"),
    [
        ("empty.txt", b""),
        ("junk.bin", bytes(range(256)) * 64),
        ("broken.docx", b"PK\x03\x04" + b"\x00" * 40),
        ("notes.txt", "今天天气很好，没有任何任务。\n".encode()),
    ],
)
def test_command_line_bad_input_is_one_line_and_status_2(tmp_path, name, payload):
    env = {**os.environ, "DEBUG": "true", "TRACKER_VAR_DIR": str(tmp_path / "var")}
    env.pop("DATABASE_URL", None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=300
    )
    bad = tmp_path / name
    bad.write_bytes(payload)
    result = subprocess.run(
        [sys.executable, "manage.py", "import_plan", str(bad)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    check = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django;django.setup();from obligations.models import *;"
            "print(SourceDocument.objects.count(), Plan.objects.count(), Task.objects.count(), Unit.objects.count())",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert check.stdout.split() == ["0", "0", "0", "0"]
