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


def side_by_side(here: Callable[[], object], there: Callable[[], object]) -> None:
    """Run ``there`` in a thread of its own (its own connection) while ``here`` runs in this one;
    wait for both, then raise the first error either met."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            there()
        except BaseException as exc:  # re-raised by the calling thread
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run, name="reminders-side")
    thread.start()
    try:
        here()
    finally:
        thread.join()
    if errors:
        raise errors[0]
