"""manage.py backup / restore on the suite's database (SQLite or PostgreSQL): back up, wipe rows and
files, restore, and find every table's row count and every file's SHA-256 as they were; a damaged
or mismatched archive is refused with one line before anything changes."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from obligations import workflow
from obligations.ledger import generate_ledger_file
from obligations.models import BackupRun, Evidence, ProgressReport, SourceDocument, Task, Unit
from obligations.ops import db_copy
from obligations.plans.importing import import_path

from ..reminders.cluster import database_url
from ..web.conftest import PDF_BYTES, PNG_BYTES

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]


def media_hashes() -> dict[str, str]:
    root = Path(settings.MEDIA_ROOT)
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def filled(world):
    """The world plus what a running office has on disk: an imported plan, two reports with
    evidence, and a ledger file."""
    import_path(ROOT / "fixtures" / "plans" / "000_00f7338b1488e55e.txt", user=world.supervisor, publish=True)
    for n, (name, data) in enumerate([("照片.png", PNG_BYTES), ("会议纪要.pdf", PDF_BYTES + b"%1")]):
        workflow.report_progress(
            world.task_a,
            user=world.liaison_a,
            unit=world.unit_a,
            text=f"第{n + 1}次进展",
            files=[SimpleUploadedFile(name, data)],
        )
    generate_ledger_file(timezone.localdate().replace(day=1), {}, "manual", user=world.supervisor)
    assert Evidence.objects.count() == 2 and SourceDocument.objects.count() == 1
    assert len(media_hashes()) == 4  # the plan, two evidence files, the ledger
    return world


def backup() -> Path:
    out = StringIO()
    call_command("backup", stdout=out)
    return Path(settings.TRACKER_BACKUP_DIR) / BackupRun.objects.latest("started_at").file_name


def test_backup_wipe_restore_gives_back_every_row_and_file(filled):
    counts = db_copy.row_counts()
    files = media_hashes()
    archive = backup()
    assert archive.is_file() and oct(archive.stat().st_mode & 0o777) == "0o600"
    assert sum(counts.values()) > 100

    # Wipe: every table's rows, every file (and a stray file the backup never saw).
    call_command("flush", "--noinput")
    root = Path(settings.MEDIA_ROOT)
    for path in root.rglob("*"):
        if path.is_file():
            path.unlink()
    (root / "evidence").mkdir(exist_ok=True)
    (root / "evidence" / "stray.pdf").write_bytes(b"not from the backup")
    assert Task.objects.count() == 0 and db_copy.row_counts() != counts

    out = StringIO()
    call_command("restore", str(archive), "--noinput", stdout=out)
    assert db_copy.row_counts() == counts
    assert media_hashes() == files
    moved = list(root.parent.glob("media-removed-*/evidence/stray.pdf"))
    assert len(moved) == 1 and moved[0].read_bytes() == b"not from the backup"
    assert "附件恢复 4 个" in out.getvalue()

    # The restored site works: a liaison downloads the restored evidence, new rows get fresh ids.
    world = filled
    evidence = Evidence.objects.filter(task=world.task_a).order_by("pk").first()
    client = Client()
    client.force_login(world.liaison_a)
    response = client.get(reverse("evidence_download", args=[evidence.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PNG_BYTES
    newest = Unit.objects.order_by("-pk").first().pk
    assert Unit.objects.create(jurisdiction="测试市", name="恢复后新建的单位").pk > newest
    assert ProgressReport.objects.count() == 2


def test_restore_keeps_unchanged_files_and_puts_back_changed_ones(filled):
    archive = backup()
    files = media_hashes()
    evidence = Evidence.objects.order_by("pk").first()
    Path(evidence.file.path).write_bytes(b"overwritten")
    call_command("restore", str(archive), "--noinput", stdout=(out := StringIO()))
    assert media_hashes() == files
    assert "附件恢复 1 个，未变 3 个" in out.getvalue()


def _rewrite(archive: Path, dest: Path, change) -> Path:
    """Copy an archive member by member, letting ``change(members)`` edit {name: bytes}."""
    members: dict[str, bytes] = {}
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar:
            members[member.name] = tar.extractfile(member).read()
    change(members)
    with tarfile.open(dest, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return dest


def _manifest(change):
    def edit(members: dict[str, bytes]) -> None:
        manifest = json.loads(members["manifest.json"])
        change(manifest)
        members["manifest.json"] = json.dumps(manifest).encode()

    return edit


def _tamper(members: dict[str, bytes]) -> None:
    name = next(name for name in members if name.startswith("media/evidence/"))
    members[name] = members[name] + b"x"


BAD_ARCHIVES = {
    "tampered file": (_tamper, "校验值与清单不符"),
    "missing file": (
        lambda m: m.pop(next(n for n in m if n.startswith("media/imports/"))),
        "缺少 media/imports/",
    ),
    "extra file": (lambda m: m.update({"media/evidence/extra.pdf": b"x"}), "清单以外的文件"),
    "unsafe path": (lambda m: m.update({"../escape.txt": b"x"}), "不安全的路径"),
    "no manifest": (lambda m: m.pop("manifest.json"), "读不到清单"),
    "other vendor": (
        _manifest(
            lambda d: d["database"].update(vendor="postgresql" if db_copy.vendor() == "sqlite" else "sqlite")
        ),
        "不能恢复到这里",
    ),
    "newer version": (
        _manifest(lambda d: d["migrations"].append(["obligations", "9999_from_the_future"])),
        "更新的版本",
    ),
}


@pytest.mark.parametrize("kind", list(BAD_ARCHIVES))
def test_a_damaged_or_mismatched_archive_changes_nothing(filled, tmp_path, kind):
    change, message = BAD_ARCHIVES[kind]
    archive = backup()
    bad = _rewrite(archive, tmp_path / "bad.tar.gz", change)
    Task.objects.filter(pk=filled.task_a.pk).update(text="备份之后的修改")
    counts, files = db_copy.row_counts(), media_hashes()
    with pytest.raises(CommandError, match=message):
        call_command("restore", str(bad), "--noinput", stdout=StringIO())
    assert db_copy.row_counts() == counts and media_hashes() == files
    assert Task.objects.get(pk=filled.task_a.pk).text == "备份之后的修改"
    assert not (tmp_path.parent / "escape.txt").exists()


def test_the_command_line_says_one_line_and_exits_2(filled, tmp_path):
    archive = backup()
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(DEBUG="true", DATABASE_URL=database_url(), MEDIA_ROOT=str(settings.MEDIA_ROOT))
    counts = db_copy.row_counts()
    for path in (truncated, tmp_path / "missing.tar.gz"):
        result = subprocess.run(
            [sys.executable, "manage.py", "restore", str(path), "--noinput"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 2, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
        assert "备份文件" in lines[0]
    assert db_copy.row_counts() == counts
