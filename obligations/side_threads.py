"""Database work spread over more than one connection at once (PostgreSQL only).

A thread of its own gets a connection of its own, so while one thread waits for the database
another can render or write. SQLite has one writer at a time, and work called inside a
transaction (whose rows other connections cannot see) must stay on its own connection: there
everything runs in the calling thread, in the same order.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from django.db import connection

T = TypeVar("T")


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

    threads = [threading.Thread(target=run, args=(job,), name=f"side-{n}") for n, job in enumerate(there, 1)]
    for thread in threads:
        thread.start()
    try:
        here()
    finally:
        for thread in threads:
            thread.join()
    if errors:
        raise errors[0]


class Beside(Generic[T]):
    """A job started now on a thread of its own when the database allows (``can_fan_out``), else
    run in the caller when its result is first asked for. ``result()`` waits, then returns the
    job's value or raises its error; ``wait()`` only waits (for a caller that failed meanwhile)."""

    def __init__(self, job: Callable[[], T], name: str = "side") -> None:
        self._job = job
        self._ran = False
        self._value: T | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        if can_fan_out():
            self._thread = threading.Thread(target=self._run_and_close, name=name)
            self._thread.start()

    def _run(self) -> None:
        try:
            self._value = self._job()
        except BaseException as exc:  # raised again by result()
            self._error = exc
        self._ran = True

    def _run_and_close(self) -> None:
        try:
            self._run()
        finally:
            connection.close()

    def wait(self) -> None:
        if self._thread is not None:
            self._thread.join()

    def result(self) -> T:
        self.wait()
        if not self._ran:
            self._run()
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]


_END = object()


class _Failed:
    """The producer's error, carried through the queue to the caller."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


def prefetched(produce: Callable[[], Iterator[T]], depth: int = 2, name: str = "prefetch") -> Iterator[T]:
    """The items of ``produce()``, made up to ``depth`` ahead on a thread of its own when the
    database allows (its queries run while the caller works on the items before), else in turn.

    An error in ``produce`` is raised where its item would have come. A caller that stops early
    (closes the iterator, or fails) stops the producer at its next item and waits for it.
    """
    if not can_fan_out():
        yield from produce()
        return
    items: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def offer(item: object) -> bool:
        """Put one item, giving up once the caller has stopped; False when it has."""
        while not stop.is_set():
            try:
                items.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        produced = produce()
        try:
            for item in produced:
                if not offer(item):
                    return
            offer(_END)
        except BaseException as exc:  # raised again in the caller
            offer(_Failed(exc))
        finally:
            close = getattr(produced, "close", None)
            if close is not None:
                close()  # a generator's own clean-up (a server-side cursor) runs here, not later
            connection.close()

    thread = threading.Thread(target=run, name=name)
    thread.start()
    try:
        while True:
            item = items.get()
            if item is _END:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item
    finally:
        stop.set()
        thread.join()
