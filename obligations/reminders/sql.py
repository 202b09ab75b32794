"""One multi-row INSERT that skips rows violating a unique constraint, on SQLite and PostgreSQL.

``bulk_create(ignore_conflicts=True)`` costs ~100 µs of Python per object and splits into many
statements on SQLite (999 parameters); sweeps and senders write 100,000+ rows, so they use this:
executemany on SQLite; on PostgreSQL, COPY of the varying columns into a temporary table and one
INSERT ... SELECT adding the constant ones (several times faster than parameter lists, which
psycopg formats client-side).
"""

from __future__ import annotations

import datetime
import time
import zlib
from collections.abc import Mapping, Sequence

from django.db import connection, models, transaction


def insert_ignoring_conflicts(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[object]],
    constants: Mapping[str, object] | None = None,
) -> int:
    """INSERT ... ON CONFLICT DO NOTHING; returns how many rows were new.

    ``rows`` hold the values of ``columns``; ``constants`` gives fields with the same value in
    every row. Values must already be adapted for the database (``adapter()`` for dates and times).
    """
    if not rows:
        return 0
    constants = dict(constants or {})
    quote = connection.ops.quote_name
    meta = model._meta
    table = quote(meta.db_table)
    varying = [quote(meta.get_field(name).column) for name in columns]
    fixed = [quote(meta.get_field(name).column) for name in constants]
    names = ", ".join(varying + fixed)
    if connection.vendor == "postgresql":
        return _copy_insert(table, varying, fixed, list(constants.values()), rows)
    placeholders = ", ".join(["%s"] * (len(varying) + len(fixed)))
    tail = tuple(constants.values())
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({names}) VALUES ({placeholders}) ON CONFLICT DO NOTHING",  # noqa: S608
            [(*row, *tail) for row in rows],
        )
        return max(cursor.rowcount, 0)


def _copy_insert(
    table: str, varying: list[str], fixed: list[str], values: list[object], rows: Sequence[Sequence[object]]
) -> int:
    columns = ", ".join(varying)
    staging = connection.ops.quote_name(f"tmp_{zlib.crc32(f'{table}:{columns}'.encode()):08x}")
    select = ", ".join(varying + ["%s"] * len(fixed))
    with transaction.atomic(), connection.cursor() as cursor:  # ON COMMIT DELETE ROWS needs one
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} ON COMMIT DELETE ROWS AS "  # noqa: S608
            f"SELECT {columns} FROM {table} WITH NO DATA"
        )
        started = time.monotonic()
        with cursor.cursor.copy(f"COPY {staging} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        if connection.queries_logged:  # COPY bypasses Django's cursor wrapper: count it too
            connection.queries_log.append(
                {
                    "sql": f"COPY {staging} FROM STDIN ({len(rows)} rows)",
                    "time": f"{time.monotonic() - started:.3f}",
                }
            )
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(varying + fixed)}) SELECT {select} FROM {staging} "  # noqa: S608
            "ON CONFLICT DO NOTHING",
            values,
        )
        created = max(cursor.rowcount, 0)
        cursor.execute(f"TRUNCATE {staging}")  # inside a longer transaction too: empty it now
        return created


def db_value(value: object) -> object:
    """Adapt a Python value the way the ORM would for this database."""
    if isinstance(value, datetime.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, datetime.date):
        return connection.ops.adapt_datefield_value(value)
    return value


def adapter():
    """A memoised db_value: rows share few distinct dates and times, so adapt each once."""
    cache: dict[object, object] = {}

    def adapt(value: object) -> object:
        try:
            return cache[value]
        except KeyError:
            cache[value] = db_value(value)
            return cache[value]

    return adapt
