"""The sweep's batches written over several database connections at once (PostgreSQL).

Each batch is one INSERT ... SELECT run by the database (sweep_rows), so a single connection keeps
one database core busy while the sweep's own process waits. Batches hold disjoint tasks, hence
disjoint outbox rows: connections writing different batches never wait on each other's rows.
SQLite has one writer at a time, and a sweep called inside a transaction (whose rows other
connections cannot see) writes on its own connection; both take the one-connection path.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass

from django.db import connection

from ..side_threads import can_fan_out

_STOP = None


@dataclass
class Written:
    batches: int = 0
    tasks: int = 0
    created: int = 0
    connections: int = 1

    def add(self, batch: list[int], created: int) -> None:
        self.batches += 1
        self.tasks += len(batch)
        self.created += created


def write_batches(
    batches: Iterable[list[int]],
    session: Callable[[], AbstractContextManager[None]],
    write: Callable[[list[int]], int],
    connections: int,
) -> Written:
    """Run ``write`` on every batch inside ``session`` (set up once per connection), over up to
    ``connections`` connections; returns the totals. The first error stops the rest and is raised."""
    if connections <= 1 or not can_fan_out():
        written = Written()
        with session():
            for batch in batches:
                written.add(batch, write(batch))
        return written

    written = Written(connections=connections)
    work: queue.Queue[list[int] | None] = queue.Queue(maxsize=2 * connections)
    lock = threading.Lock()
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with session():
                while (batch := work.get()) is not _STOP:
                    if errors:
                        continue  # another worker failed: let the producer stop, write nothing more
                    created = write(batch)
                    with lock:
                        written.add(batch, created)
        except BaseException as exc:  # re-raised by the calling thread
            with lock:
                errors.append(exc)
            while work.get() is not _STOP:  # keep the producer from blocking on a full queue
                pass
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, name=f"sweep-{n}") for n in range(connections)]
    for thread in threads:
        thread.start()
    try:
        for batch in batches:
            if errors:
                break
            work.put(batch)
    finally:
        for _ in threads:
            work.put(_STOP)
        for thread in threads:
            thread.join()
    if errors:
        raise errors[0]
    return written
