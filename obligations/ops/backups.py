"""Making backups (``manage.py backup`` and the nightly schedule 每日备份) and pruning old ones.

One archive holds the database copy and MEDIA_ROOT (evidence, imported plans, ledgers) with a
manifest of hashes (ops.archive). The database is copied first: files are only ever added under
MEDIA_ROOT with fresh names, so every file the copied database refers to is already there when the
files are read. Archives are written beside their final name and renamed when complete, readable by
the service account only, one at a time (a lock file: the ORM broker may hand a long job to a
second worker once Q_RETRY has passed).
"""

from __future__ import annotations

import datetime
import fcntl
import logging
import os
import re
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from ..models import BackupRun
from . import db_copy
from .archive import MEDIA_PREFIX, BackupBusy, Manifest, Writer
from .retention import kept

logger = logging.getLogger(__name__)

NIGHTLY = "nightly"
_NAME = re.compile(r"^duban-(\d{8}-\d{6})-([a-z0-9-]{1,40})\.tar\.gz$")
_LABEL = re.compile(r"[^a-z0-9-]+")


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    media_files: int
    tables: int
    rows: int


def backup_dir() -> Path:
    path = Path(settings.TRACKER_BACKUP_DIR)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def clean_label(label: str) -> str:
    return _LABEL.sub("-", label.lower()).strip("-")[:40] or "manual"


@contextmanager
def _exclusive(directory: Path) -> Iterator[None]:
    with (directory / ".lock").open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise BackupBusy("另一个备份正在进行，本次未执行。") from exc
        yield


def media_files(root: Path) -> list[tuple[Path, str]]:
    """Regular files under MEDIA_ROOT (symlinks are not followed), as (path, relative posix name).
    Files being written (ledgers' ``.part`` temporaries) are not part of any state worth keeping."""
    if not root.is_dir():
        return []
    found = []
    for directory, _subdirs, names in os.walk(root):
        for name in sorted(names):
            path = Path(directory) / name
            if path.is_symlink() or not path.is_file() or name.endswith(".part"):
                continue
            found.append((path, path.relative_to(root).as_posix()))
    return sorted(found, key=lambda item: item[1])


def create_backup(label: str = "manual") -> BackupResult:
    """Write one archive into TRACKER_BACKUP_DIR; raises BackupError with a one-line reason."""
    directory = backup_dir()
    label = clean_label(label)
    now = timezone.localtime()
    final = directory / f"duban-{now:%Y%m%d-%H%M%S}-{label}.tar.gz"
    if final.exists():
        final = directory / f"duban-{now:%Y%m%d-%H%M%S}-{label}-{secrets.token_hex(2)}.tar.gz"
    with _exclusive(directory), tempfile.TemporaryDirectory(dir=directory, prefix=".work-") as work:
        partial = Path(work) / final.name
        database_copy = Path(work) / db_copy.member_name()
        counts, migrations = db_copy.dump(database_copy)
        writer = Writer(partial)
        try:
            sha, size = writer.add_file(database_copy, database_copy.name)
            database_copy.unlink()
            media = []
            for path, relative in media_files(Path(settings.MEDIA_ROOT)):
                file_sha, file_size = writer.add_file(path, MEDIA_PREFIX + relative)
                media.append({"path": relative, "sha256": file_sha, "size": file_size})
            manifest = Manifest(
                created_at=now.isoformat(timespec="seconds"),
                label=label,
                database={
                    "vendor": db_copy.vendor(),
                    "member": database_copy.name,
                    "sha256": sha,
                    "size": size,
                    "tables": counts,
                },
                migrations=migrations,
                media=media,
            )
            writer.add_bytes(manifest.to_json(), "manifest.json")
        finally:
            writer.close()
        partial.chmod(0o600)
        os.replace(partial, final)
    return BackupResult(
        path=final,
        size=final.stat().st_size,
        media_files=len(media),
        tables=len(counts),
        rows=sum(counts.values()),
    )


def record_backup(
    trigger: str, started: datetime.datetime, result: BackupResult | None, error: str = ""
) -> None:
    BackupRun.objects.create(
        trigger=trigger,
        status=BackupRun.Status.DONE if result else BackupRun.Status.FAILED,
        started_at=started,
        finished_at=timezone.now(),
        file_name=result.path.name if result else "",
        size=result.size if result else 0,
        media_files=result.media_files if result else 0,
        database=db_copy.vendor(),
        error=error[:2000],
    )


def nightly_stamps(directory: Path) -> dict[datetime.datetime, Path]:
    found = {}
    for path in directory.glob("duban-*.tar.gz"):
        match = _NAME.match(path.name)
        if match and match.group(2) == NIGHTLY:
            found[datetime.datetime.strptime(match.group(1), "%Y%m%d-%H%M%S")] = path
    return found


def prune(directory: Path | None = None) -> list[str]:
    """Delete the nightly archives the retention rule does not keep; returns their names.
    Manual and labelled backups (e.g. before an upgrade) are never deleted here."""
    directory = directory or backup_dir()
    stamps = nightly_stamps(directory)
    keep = kept(stamps, settings.TRACKER_BACKUP_KEEP_DAILY, settings.TRACKER_BACKUP_KEEP_MONTHLY)
    removed = []
    for stamp, path in sorted(stamps.items()):
        if stamp not in keep:
            path.unlink(missing_ok=True)
            removed.append(path.name)
    if removed:
        BackupRun.objects.filter(file_name__in=removed).update(status=BackupRun.Status.PRUNED)
    # Work folders of a backup whose process was killed (a clean failure removes its own).
    day_ago = time.time() - 86400
    for leftover in directory.glob(".work-*"):
        if leftover.is_dir() and leftover.stat().st_mtime < day_ago:
            shutil.rmtree(leftover, ignore_errors=True)
    return removed


def nightly_backup() -> str:
    """django-q entry point of 每日备份: back up, record it, apply the retention rule."""
    started = timezone.now()
    try:
        result = create_backup(NIGHTLY)
    except BackupBusy:
        return "another backup is running; skipped"
    except Exception as exc:
        logger.exception("nightly backup failed")
        record_backup(BackupRun.Trigger.SCHEDULED, started, None, f"{type(exc).__name__}: {exc}")
        raise
    record_backup(BackupRun.Trigger.SCHEDULED, started, result)
    removed = prune()
    return (
        f"backup {result.path.name} ({result.size} bytes, {result.media_files} files); pruned {len(removed)}"
    )
