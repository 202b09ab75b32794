"""Reminder work spread over more than one database connection at once (PostgreSQL only).

SQLite has one writer at a time, and work called inside a transaction (whose rows other
connections cannot see) must stay on its own connection: both run in the calling thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection


def can_fan_out() -> bool:
    return connection.vendor == "postgresql" and not connection.in_atomic_block


def side_by_side(here: Callable[[], object], *there: Callable[[], object]) -> None:
    """Run each of ``there`` in a thread of its own (its own connection) while ``here`` runs in
    this one; wait for all, then raise the first error any met."""
    errors: list[BaseException] = []

    def run(job: Callable[[], object]) -> None:
        try:
            job()
        except BaseException as exc:  # re-raised by the calling thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(job,), name=f"reminders-side-{n}")
        for n, job in enumerate(there, 1)
    ]
    for thread in threads:
        thread.start()
    try:
        here()
    finally:
        for thread in threads:
            thread.join()
    if errors:
        raise errors[0]
