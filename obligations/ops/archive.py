"""The backup archive: a .tar.gz holding the database copy, every file under MEDIA_ROOT (evidence,
imported plans, ledgers) and, last, manifest.json with the SHA-256 and size of each member, the
database vendor, its tables' row counts and applied migrations.

``unpack`` extracts an archive into a staging folder while hashing, then checks it against its
manifest; anything wrong (not an archive, truncated, a member changed, missing or unexpected, a
path leaving the folder) is a BackupError with one Chinese line, before anything is restored.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

FORMAT = "duban-backup"
VERSION = 1
MANIFEST = "manifest.json"
MEDIA_PREFIX = "media/"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is one line for the operator."""


class BackupBusy(BackupError):
    """Another backup holds the lock (not a failure of the data: the other one is making it)."""


class HashingReader:
    """A file object that hashes what is read through it (tarfile reads members this way)."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class Manifest:
    created_at: str
    label: str
    database: dict  # vendor, member, sha256, size, tables {name: rows}
    migrations: list[list[str]]  # [app, name] applied in the copied database
    media: list[dict] = field(default_factory=list)  # path (relative to MEDIA_ROOT), sha256, size

    def to_json(self) -> bytes:
        payload = {"format": FORMAT, "version": VERSION, **self.__dict__}
        return json.dumps(payload, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        try:
            payload = json.loads(data)
            if payload.get("format") != FORMAT:
                raise ValueError("format")
            if payload.get("version") != VERSION:
                raise BackupError(f"备份格式版本 {payload.get('version')} 不受支持（本程序支持 {VERSION}）。")
            return cls(
                created_at=str(payload["created_at"]),
                label=str(payload.get("label", "")),
                database=dict(payload["database"]),
                migrations=[list(item) for item in payload["migrations"]],
                media=[dict(item) for item in payload["media"]],
            )
        except BackupError:
            raise
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise BackupError("备份文件的清单（manifest.json）无法读取，不是本系统的备份。") from exc

    def members(self) -> dict[str, tuple[str, int]]:
        """Every member but the manifest: name -> (sha256, size)."""
        found = {self.database["member"]: (self.database["sha256"], int(self.database["size"]))}
        for item in self.media:
            found[MEDIA_PREFIX + item["path"]] = (item["sha256"], int(item["size"]))
        return found


class Writer:
    """Adds members to a new archive, hashing each as it goes in."""

    def __init__(self, path: Path) -> None:
        self.tar = tarfile.open(path, mode="w:gz", compresslevel=6)  # noqa: SIM115  (closed by close())

    def add_file(self, source: Path, name: str) -> tuple[str, int]:
        info = self.tar.gettarinfo(str(source), arcname=name)
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        with source.open("rb") as handle:
            reader = HashingReader(handle)
            self.tar.addfile(info, reader)
        if reader.size != info.size:
            raise BackupError(f"文件在备份过程中被修改：{name}")
        return reader.digest.hexdigest(), reader.size

    def add_bytes(self, data: bytes, name: str) -> None:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mode = 0o600
        self.tar.addfile(info, io.BytesIO(data))

    def close(self) -> None:
        self.tar.close()


def _safe_member(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts or "\\" in name:
        raise BackupError(f"备份文件包含不安全的路径：{name[:80]}")
    return path


def unpack(archive: Path, staging: Path) -> Manifest:
    """Extract ``archive`` into ``staging`` (regular files only) and check it against its manifest."""
    seen: dict[str, tuple[str, int]] = {}
    manifest_bytes: bytes | None = None
    try:
        with tarfile.open(archive, mode="r|gz") as tar:
            for member in tar:
                name = member.name
                if not member.isfile():
                    raise BackupError(f"备份文件包含不应有的条目：{name[:80]}")
                if name in seen or (name == MANIFEST and manifest_bytes is not None):
                    raise BackupError(f"备份文件中有重复的条目：{name[:80]}")
                source = tar.extractfile(member)
                if name == MANIFEST:
                    manifest_bytes = source.read(16 * 1024 * 1024)
                    continue
                target = staging / _safe_member(name)
                target.parent.mkdir(parents=True, exist_ok=True)
                reader = HashingReader(source)
                with target.open("wb") as out:
                    while chunk := reader.read(CHUNK):
                        out.write(chunk)
                seen[name] = (reader.digest.hexdigest(), reader.size)
    except BackupError:
        raise
    except FileNotFoundError as exc:
        raise BackupError(f"找不到备份文件：{archive}") from exc
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        # gzip's CRC, a truncated stream, a file that is not an archive at all
        raise BackupError(f"备份文件已损坏或不是备份文件（{type(exc).__name__}：{exc}）。") from exc
    if manifest_bytes is None:
        raise BackupError("备份文件已损坏或不完整：读不到清单（manifest.json）。")
    manifest = Manifest.from_json(manifest_bytes)
    expected = manifest.members()
    for name, (sha, size) in expected.items():
        if name not in seen:
            raise BackupError(f"备份文件已损坏或不完整：缺少 {name}。")
        if seen[name] != (sha, size):
            raise BackupError(f"备份文件已损坏：{name} 的校验值与清单不符。")
    extra = sorted(set(seen) - set(expected))
    if extra:
        raise BackupError(f"备份文件包含清单以外的文件：{extra[0][:80]}。")
    return manifest
