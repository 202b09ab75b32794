"""Fast multi-row INSERTs for synthetic data, bypassing per-object ORM overhead.

Only for bulk loads of plain rows (benchmarks, seeding); everything else goes through the ORM.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice

from django.db import connection, models

CHUNK = 5000


def insert_rows(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """INSERT rows (values already adapted with reminders.sql.db_value) into the model's table; returns the count."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(model._meta.get_field(name).column) for name in columns)
    placeholders = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES ({placeholders})"  # noqa: S608
    total = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY streams rows without per-statement round trips: several times faster.
            with cursor.cursor.copy(f"COPY {quote(model._meta.db_table)} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    total += 1
            return total
        for chunk in _chunks(rows, CHUNK):
            cursor.executemany(sql, chunk)
            total += len(chunk)
    return total


def _chunks(rows: Iterable[Sequence[object]], size: int) -> Iterator[list[Sequence[object]]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk
