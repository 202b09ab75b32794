"""What a sending pass shows of tasks, plans, units and people, read once per pass for all its lanes.

A pass reads a day's outbox rows for each of its lanes (the e-mail digests, the personal chat and
SMS messages, the units' robots; a digest only the rows it lists, see digest_rows). Joining a task's
text, its plan's title, its unit's name and two people's names into every one of those reads cost
more than the rows themselves; these labels are read once, by id, the first time a lane needs them,
and shared by every lane of the pass (threads: a dict's get and set are atomic, and two lanes that
miss at once only read the same labels twice). Task texts are read for the tasks a message lists,
not for every row: a digest lists at most 50 tasks a section (messages.SectionMemo asks for them),
and at province scale the texts of every row's task overflowed KEPT and were read again by each
lane (20 s of a 1,000,000-task pass).

What decides whether a row still goes out (task status and deadline, the plan's status, the
recipient's address) is never taken from here: ``load_lines`` reads it with the row, every time.
A label edited during a pass may show as it was when the pass first read it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable

from django.contrib.auth import get_user_model
from django.db.models.functions import Substr

from ..models import Plan, Task, Unit
from .messages import person

# Messages show at most a few hundred characters of a task's text.
TEXT_CHARS = 400
CHUNK = 5000  # ids per query
KEPT = 200_000  # labels of a kind kept per pass; beyond, the store starts again


class PassLabels:
    def __init__(self) -> None:
        self._texts: dict[int, str] = {}
        self._plans: dict[int, tuple[str, str]] = {}
        self._units: dict[int, str] = {}
        self._people: dict[int, str] = {}

    def texts(self, task_ids: Collection[int]) -> dict[int, str]:
        """Each task's text, cut to TEXT_CHARS."""

        def read(chunk: list[int]) -> Iterable[tuple[int, str]]:
            return (
                Task.objects.filter(pk__in=chunk)
                .annotate(head=Substr("text", 1, TEXT_CHARS))
                .values_list("pk", "head")
            )

        return _labels(self._texts, task_ids, read)

    def plans(self, plan_ids: Collection[int]) -> dict[int, tuple[str, str]]:
        """Each plan's (title, 文号)."""

        def read(chunk: list[int]) -> Iterable[tuple[int, tuple[str, str]]]:
            rows = Plan.objects.filter(pk__in=chunk).values_list("pk", "title", "number")
            return ((pk, (title, number)) for pk, title, number in rows)

        return _labels(self._plans, plan_ids, read)

    def units(self, unit_ids: Collection[int]) -> dict[int, str]:
        def read(chunk: list[int]) -> Iterable[tuple[int, str]]:
            return Unit.objects.filter(pk__in=chunk).values_list("pk", "name")

        return _labels(self._units, unit_ids, read)

    def people(self, user_ids: Collection[int]) -> dict[int, str]:
        """Each user's full name, or username (User.get_full_name() or username)."""

        def read(chunk: list[int]) -> Iterable[tuple[int, str]]:
            rows = get_user_model().objects.filter(pk__in=chunk)
            return (
                (pk, person(first, last, username))
                for pk, first, last, username in rows.values_list("pk", "first_name", "last_name", "username")
            )

        return _labels(self._people, user_ids, read)


def _labels(
    store: dict[int, object], ids: Collection[int], read: Callable[[list[int]], Iterable[tuple[int, object]]]
) -> dict:
    """The labels of ``ids`` (an id whose row is gone is left out), reading only those not stored."""
    found = {}
    missing = []
    for pk in ids:
        label = store.get(pk)
        if label is None:
            missing.append(pk)
        else:
            found[pk] = label
    if missing:
        if len(store) + len(missing) > KEPT:
            store.clear()  # one call: the other lanes keep what they already took
        missing.sort()
        for start in range(0, len(missing), CHUNK):
            for pk, label in read(missing[start : start + CHUNK]):
                store[pk] = found[pk] = label
    return found
