"""Copying the database out and back in, consistently and without stopping the site.

SQLite: the online backup API (``sqlite3.Connection.backup``) copies a consistent snapshot while
the web and the qcluster keep writing (WAL), and restores the same way into the live file, so the
WAL and other connections stay coherent (never a file copy over a database in use).

PostgreSQL: ``pg_dump --format=custom`` from an exported snapshot, read in the same transaction
as the row counts, so the counts describe exactly the dump. Restore turns the dump into SQL with
``pg_restore --file=-`` and runs it with ``psql --single-transaction`` after dropping the current
tables: the database is either entirely the backup's or unchanged.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connection, connections

from .archive import BackupError

SQLITE_MEMBER = "database.sqlite3"
POSTGRES_MEMBER = "database.pgdump"


def vendor() -> str:
    return connection.vendor


def member_name() -> str:
    return SQLITE_MEMBER if vendor() == "sqlite" else POSTGRES_MEMBER


# --- SQLite ------------------------------------------------------------------------------------------


def _sqlite_path() -> str:
    return str(connection.settings_dict["NAME"])


def _sqlite_facts(db: sqlite3.Connection) -> tuple[dict[str, int], list[list[str]]]:
    tables = [
        row[0]
        for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    counts = {name: db.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0] for name in tables}  # noqa: S608
    migrations = [list(row) for row in db.execute("SELECT app, name FROM django_migrations ORDER BY id")]
    return counts, migrations


def _sqlite_dump(dest: Path) -> tuple[dict[str, int], list[list[str]]]:
    source = sqlite3.connect(_sqlite_path(), timeout=60)
    target = sqlite3.connect(dest)
    try:
        source.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file in the archive
        return _sqlite_facts(target)
    finally:
        target.close()
        source.close()


def _sqlite_load(staged: Path) -> None:
    # The copy's bytes were checked against the manifest; the backup API made it consistent.
    source = sqlite3.connect(staged)
    try:
        connections.close_all()
        target = sqlite3.connect(_sqlite_path(), timeout=60)
        try:
            source.backup(target)
        finally:
            target.close()
    finally:
        source.close()


# --- PostgreSQL --------------------------------------------------------------------------------------


def _pg_env() -> dict[str, str]:
    """libpq's environment for pg_dump/pg_restore/psql (the password never appears in argv)."""
    params = connection.get_connection_params()
    env = dict(os.environ)
    for key, var in (("host", "PGHOST"), ("port", "PGPORT"), ("user", "PGUSER"), ("password", "PGPASSWORD")):
        if params.get(key):
            env[var] = str(params[key])
    env["PGDATABASE"] = str(params.get("dbname") or connection.settings_dict["NAME"])
    for key, var in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT")):
        if params.get(key):
            env[var] = str(params[key])
    return env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"找不到 {name}：请安装 postgresql-client（apt install postgresql-client）。")
    return path


def _run(command: list[str], env: dict[str, str], **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(command, env=env, capture_output=True, check=False, **kwargs)
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise BackupError(f"{Path(command[0]).name} 失败：{message[-1] if message else result.returncode}")
    return result


@contextmanager
def _snapshot() -> Iterator[tuple[str, dict[str, int], list[list[str]]]]:
    """A repeatable-read transaction on its own connection: its exported snapshot, row counts and
    applied migrations, held open while pg_dump reads the same snapshot."""
    import psycopg

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params) as db:
        db.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = db.execute("SELECT pg_export_snapshot()").fetchone()[0]
        tables = [row[0] for row in db.execute(_PG_TABLES)]
        counts = {
            name: db.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]  # noqa: S608
            for name in tables
        }
        migrations = [list(row) for row in db.execute("SELECT app, name FROM django_migrations ORDER BY id")]
        yield snapshot, counts, migrations
        db.rollback()


_PG_TABLES = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
# Functions of the schema (the light tallies' trigger functions): the dump creates them again.
_PG_FUNCTIONS = (
    "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
    "WHERE n.nspname = current_schema() ORDER BY 1"
)


def _pg_dump(dest: Path) -> tuple[dict[str, int], list[list[str]]]:
    env = _pg_env()
    with _snapshot() as (snapshot, counts, migrations):
        _run(
            [
                _tool("pg_dump"),
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot}",
                f"--file={dest}",
            ],
            env,
        )
    return counts, migrations


def _pg_load(staged: Path) -> None:
    env = _pg_env()
    script = _run([_tool("pg_restore"), "--no-owner", "--no-privileges", "--file=-", str(staged)], env).stdout
    with connection.cursor() as cursor:
        cursor.execute(_PG_TABLES)
        current = [row[0] for row in cursor.fetchall()]
        cursor.execute(_PG_FUNCTIONS)
        functions = [row[0] for row in cursor.fetchall()]
    connections.close_all()
    drop = ""
    if current:
        names = ", ".join(connection.ops.quote_name(name) for name in current)
        drop = f"DROP TABLE IF EXISTS {names} CASCADE;\n"
    if functions:  # regprocedure text is already quoted where needed: name(argument types)
        drop += f"DROP FUNCTION IF EXISTS {', '.join(functions)} CASCADE;\n"
    _run(
        [_tool("psql"), "--no-psqlrc", "--quiet", "--single-transaction", "-v", "ON_ERROR_STOP=1"],
        env,
        input=drop.encode() + script,
    )


# --- Either ------------------------------------------------------------------------------------------


def dump(dest: Path) -> tuple[dict[str, int], list[list[str]]]:
    """Copy the database into ``dest``; returns its tables' row counts and applied migrations."""
    return _sqlite_dump(dest) if vendor() == "sqlite" else _pg_dump(dest)


def load(staged: Path) -> None:
    """Replace the database's contents with the copy at ``staged`` (checked beforehand)."""
    if vendor() == "sqlite":
        _sqlite_load(staged)
    else:
        _pg_load(staged)


def row_counts() -> dict[str, int]:
    """Rows per table of the live database, as ``dump`` counts them."""
    with connection.cursor() as cursor:
        if vendor() == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        else:
            cursor.execute(_PG_TABLES)
        tables = [row[0] for row in cursor.fetchall()]
        counts = {}
        for name in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(name)}")  # noqa: S608
            counts[name] = cursor.fetchone()[0]
    return counts
