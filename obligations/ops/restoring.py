"""Restoring a backup archive: everything is checked before anything is changed.

1. the archive is unpacked into a staging folder beside MEDIA_ROOT and checked against its
   manifest (ops.archive: hashes, sizes, nothing missing or extra);
2. it must match this installation: same database vendor, and no migration this code does not
   know (a backup from a newer version needs that version);
3. the database is replaced in one step (ops.db_copy) and its row counts compared with the
   manifest's;
4. MEDIA_ROOT is made the backup's: its files are put back, and files the backup does not have
   are moved aside (into media-removed-<time> beside MEDIA_ROOT), never deleted.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from . import db_copy
from .archive import MEDIA_PREFIX, BackupError, Manifest, sha256_file, unpack
from .backups import media_files

VENDOR_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


@dataclass(frozen=True)
class RestoreResult:
    manifest: Manifest
    tables: int
    rows: int
    files_restored: int
    files_unchanged: int
    files_moved_aside: int
    moved_to: Path | None
    older_schema: bool  # the backup predates migrations this code has: run migrate next


def check_compatible(manifest: Manifest) -> bool:
    """Raise BackupError unless this installation can take the backup; True when the backup's
    schema is older than the code's (migrate afterwards)."""
    theirs = manifest.database.get("vendor")
    if theirs != connection.vendor:
        raise BackupError(
            f"备份来自 {VENDOR_NAMES.get(theirs, theirs)} 数据库，当前是 "
            f"{VENDOR_NAMES.get(connection.vendor, connection.vendor)}，不能恢复到这里。"
        )
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    applied = {(app, name) for app, name in manifest.migrations}
    unknown = sorted(applied - known)
    if unknown:
        app, name = unknown[0]
        raise BackupError(
            f"备份来自更新的版本（含本程序没有的数据库迁移 {app}.{name}），请用生成该备份的版本恢复。"
        )
    return bool(known - applied)


def _restore_media(manifest: Manifest, staged_media: Path, moved_to: Path) -> tuple[int, int, int]:
    root = Path(settings.MEDIA_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    wanted = {item["path"]: item["sha256"] for item in manifest.media}
    moved = 0
    for path, relative in media_files(root):
        if relative not in wanted:
            target = moved_to / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(path, target)
            moved += 1
    restored = unchanged = 0
    for relative, sha in wanted.items():
        target = root / relative
        if target.is_file() and not target.is_symlink() and sha256_file(target) == sha:
            unchanged += 1
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_symlink() or target.exists():
            target.unlink()
        shutil.move(staged_media / relative, target)
        restored += 1
    return restored, unchanged, moved


def restore(archive: Path) -> RestoreResult:
    """Replace the database and MEDIA_ROOT with the backup's; BackupError (one line) if it cannot."""
    media_root = Path(settings.MEDIA_ROOT)
    staging_parent = media_root.parent
    staging_parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=staging_parent, prefix=".restore-") as work:
        staging = Path(work)
        manifest = unpack(archive, staging)
        older = check_compatible(manifest)
        db_copy.load(staging / manifest.database["member"])
        counts = db_copy.row_counts()
        expected = {name: int(rows) for name, rows in manifest.database["tables"].items()}
        differing = sorted(name for name in expected if counts.get(name) != expected[name])
        if differing:
            raise BackupError(f"恢复后的数据与备份清单不符（表 {differing[0]}），请检查数据库后重试。")
        moved_to = staging_parent / f"media-removed-{timezone.localtime():%Y%m%d-%H%M%S}"
        restored, unchanged, moved = _restore_media(manifest, staging / MEDIA_PREFIX.rstrip("/"), moved_to)
    return RestoreResult(
        manifest=manifest,
        tables=len(counts),
        rows=sum(counts.values()),
        files_restored=restored,
        files_unchanged=unchanged,
        files_moved_aside=moved,
        moved_to=moved_to if moved else None,
        older_schema=older,
    )
