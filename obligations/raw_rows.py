"""Read a queryset's rows as the database driver returns them, skipping Django's converters."""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet


def fetch_rows(queryset: QuerySet) -> list[tuple]:
    """The queryset's rows in its SELECT order, without Django's per-value converters.

    For columns that need none (integers, strings, booleans computed in SQL, which SQLite returns
    as 0/1): at province scale the converters cost more than the query.
    """
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
