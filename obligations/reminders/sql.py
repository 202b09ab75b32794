"""One multi-row INSERT that skips rows violating a unique constraint, on SQLite and PostgreSQL.

``bulk_create(ignore_conflicts=True)`` costs ~100 µs of Python per object and splits into many
statements on SQLite (999 parameters); sweeps and senders write 100,000+ rows, so they use this:
one executemany per call, values adapted like the ORM would.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.db import connection, models

from ..bulk import db_value


def insert_ignoring_conflicts(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[object]]
) -> int:
    """INSERT ... ON CONFLICT DO NOTHING; returns how many rows were new."""
    if not rows:
        return 0
    quote = connection.ops.quote_name
    meta = model._meta
    names = ", ".join(quote(meta.get_field(name).column) for name in columns)
    placeholders = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {quote(meta.db_table)} ({names}) VALUES ({placeholders}) ON CONFLICT DO NOTHING"  # noqa: S608
    cache: dict[object, object] = {}  # rows share few distinct dates and times: adapt each once

    def adapt(value: object) -> object:
        if isinstance(value, datetime.date):
            if value not in cache:
                cache[value] = db_value(value)
            return cache[value]
        return value

    params = [tuple(adapt(value) for value in row) for row in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
        return max(cursor.rowcount, 0)
