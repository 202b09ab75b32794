"""The ledger's rows, read in one pass: tasks stream from the database in chunks, and each chunk's
units, latest progress report and approved extensions come from three more queries (never one per
row), so memory stays flat however many tasks there are.

Lights follow obligations.models.lights, judged on ``LedgerFilters.as_of``: the month's last day for a
past month, today for the current one. For a past month the ledger shows that month as it closed:
plans published and tasks created later are left out, a task completed later counts as still in
progress (推进中), and only extensions approved by then are listed, with the deadline then in force.
The status of a task that was still open is today's (the model keeps no history of it).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

from django.db import connection
from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from ..dates import chinese_date, today
from ..light_window import yellow_cutoff
from ..models import Assignment, ExtensionRequest, Plan, ProgressReport, Task, Unit
from ..models.lights import Light, light_judge, unit_light
from ..raw_rows import fetch_rows
from ..side_threads import prefetched
from ..workdays import WorkdayCalendar
from .cells import safe_text
from .filters import LedgerFilters

# The ledger sheet's header row. The import side (obligations/extract/tables.py) recognises a
# ledger by exactly these texts, so a ledger can be imported again: keep them as they are.
HEADERS = (
    "序号",
    "任务来源",
    "任务内容",
    "牵头单位",
    "责任单位",
    "责任人",
    "完成时限",
    "进展情况",
    "状态",
    "红黄绿灯",
    "备注",
)
UNIT_SEPARATOR = "、"
DEADLINE_COLUMN = HEADERS.index("完成时限")
CHUNK_SIZE = 2000

_TASK_FIELDS = (
    "id",
    "plan_id",
    "text",
    "deadline",
    "deadline_kind",
    "deadline_raw",
    "original_deadline",
    "responsible_person",
    "status",
    "completed_at",
    "needs_review",
    "review_note",
)
_STATUS_LABELS = {str(value): label for value, label in Task.Status.choices}
_LIGHT_LABELS = {str(value): label for value, label in Light.choices}
_KIND_LABELS = {str(value): label for value, label in Task.DeadlineKind.choices}


def _task_id_in(model, ids: list[int]) -> RawSQL:
    """``task_id IN (...)`` for one chunk, with the ids passed straight to the database.

    ``filter(task_id__in=ids)`` prepares every id through the ORM's lookup machinery, which cost
    more than the three queries themselves on a 100,000-task ledger. On PostgreSQL the chunk is one
    array parameter (``= ANY(...)``): 2,000 placeholders were formatted into each query client-side.
    """
    quote = connection.ops.quote_name
    column = f"{quote(model._meta.db_table)}.{quote('task_id')}"
    if connection.vendor == "postgresql":
        # An array literal: psycopg dumps a list of 2,000 ints element by element in Python.
        literal = "{" + ",".join(map(str, ids)) + "}"
        return RawSQL(f"{column} = ANY(%s::bigint[])", [literal], output_field=BooleanField())  # noqa: S611
    placeholders = ", ".join(["%s"] * len(ids))
    # Only quoted identifiers and placeholders: the ids travel as parameters.
    return RawSQL(f"{column} IN ({placeholders})", ids, output_field=BooleanField())  # noqa: S611


class _Judged(NamedTuple):
    """The two fields the light rule reads, with the status as of the ledger's day."""

    status: str
    deadline: datetime.date | None


class _Chunk(NamedTuple):
    """A chunk of task records and what their rows need from the other tables."""

    records: list[tuple]
    units: dict[int, tuple[list[int], list[int]]]  # task id -> (lead ids, responsible ids)
    parts_done: dict[int, frozenset[int]]  # task id -> units that had finished their part
    reports: dict[int, dict[int, str]]  # task id -> unit id -> the month's latest report
    extensions: dict[int, list[tuple]]  # task id -> (old, new) deadlines approved in time
    later_deadline: dict[int, datetime.date | None]  # task id -> the deadline before a later extension


@dataclass(slots=True)
class LedgerRow:
    values: list  # one value per HEADERS column
    light: str  # a Light value, for the cell's fill
    unit_ids: tuple[int, ...]


@dataclass(slots=True)
class UnitCounts:
    name: str
    place: str = ""  # the unit's jurisdiction, shown when two units share a name
    tasks: int = 0
    done: int = 0
    in_progress: int = 0
    overdue: int = 0
    score: object = None  # the unit's 考核 score for the month (a Decimal), None for a group

    def add(self, light: str) -> None:
        self.tasks += 1
        if light == Light.DONE:
            self.done += 1
        elif light == Light.RED:
            self.overdue += 1
        else:
            self.in_progress += 1

    @property
    def completion_rate(self) -> float:
        return self.done / self.tasks if self.tasks else 0.0


class Summary:
    """Counts per unit (a task counts for every unit on it) and in total (each task once)."""

    def __init__(self, only_units: set[int] | None = None, scores: Callable[[], dict] | None = None) -> None:
        """``scores`` gives unit id -> the month's 考核 score; it is asked only when the rows are
        complete (unit_rows), so the scores can be counted while the rows are read."""
        self.only_units = only_units
        self.scores = scores
        self.units: dict[int, UnitCounts] = {}
        self.total = UnitCounts("合计")

    def add(
        self,
        light: str,
        unit_ids: list[int],
        names: dict[int, tuple[str, str]],
        parts_done: frozenset[int] = frozenset(),
    ) -> None:
        """Count one task; ``names`` maps unit id to (name, jurisdiction). A unit in ``parts_done``
        had finished its own part (本单位已完成): the task counts as done for it (unit_light)."""
        self.total.add(light)
        for unit_id in unit_ids:
            if self.only_units is not None and unit_id not in self.only_units:
                continue
            counts = self.units.get(unit_id)
            if counts is None:
                counts = self.units[unit_id] = UnitCounts(*names[unit_id])
            counts.add(unit_light(light, unit_id in parts_done))

    def unit_rows(self) -> list[UnitCounts]:
        """Most tasks first, then by name; a name two units share gets its jurisdiction added."""
        scores = self.scores() if self.scores is not None else {}
        for unit_id, counts in self.units.items():
            counts.score = scores.get(unit_id)
        rows = sorted(self.units.values(), key=lambda c: (-c.tasks, c.name, c.place))
        seen: dict[str, int] = {}
        for counts in rows:
            seen[counts.name] = seen.get(counts.name, 0) + 1
        for counts in rows:
            if seen[counts.name] > 1 and counts.place and not counts.name.endswith(f"（{counts.place}）"):
                counts.name = f"{counts.name}（{counts.place}）"
        return rows


class LedgerQuery:
    """The tasks of one ledger and how to turn them into rows."""

    def __init__(
        self,
        filters: LedgerFilters,
        *,
        scope: QuerySet[Task] | None = None,
        day: datetime.date | None = None,
        calendar: WorkdayCalendar | None = None,
    ) -> None:
        self.filters = filters
        self.scope = scope
        current = day or today()
        self.day = filters.as_of(current)
        self.cutoff = yellow_cutoff(self.day, calendar)
        self.judge = light_judge(self.day, self.cutoff)
        # Things that happened from this instant on are after the ledger's month.
        next_month = filters.last_day + datetime.timedelta(days=1)
        self.period_end = timezone.make_aware(datetime.datetime.combine(next_month, datetime.time.min))
        self.unit_ids = self._units_with_groups(filters.units)
        self.timezone = timezone.get_current_timezone()

    @staticmethod
    def _units_with_groups(unit_ids: tuple[int, ...]) -> set[int] | None:
        """A unit's ledger includes tasks given to the generic groups it belongs to (各镇街…)."""
        if not unit_ids:
            return None
        groups = Unit.members.through.objects.filter(to_unit_id__in=unit_ids).values_list(
            "from_unit_id", flat=True
        )
        return set(unit_ids) | set(groups)

    def queryset(self) -> QuerySet[Task]:
        """The ledger's tasks in ledger order: plans by issue date, tasks in plan order."""
        tasks = Task.objects.published_before(self.period_end)
        if self.scope is not None:
            tasks = tasks.filter(pk__in=self.scope.values("pk"))
        if self.filters.places:
            tasks = tasks.filter(plan__jurisdiction__in=self.filters.places)
        if self.filters.plans:
            tasks = tasks.filter(plan_id__in=self.filters.plans)
        if self.unit_ids is not None:
            tasks = tasks.filter(
                Exists(Assignment.objects.filter(task=OuterRef("pk"), unit_id__in=self.unit_ids))
            )
        return tasks.order_by(F("plan__issued").asc(nulls_last=True), "plan_id", "order")

    def rows(self, summary: Summary | None = None, chunk_size: int | None = None) -> Iterator[LedgerRow]:
        """Yield the ledger's rows, numbered from 1, adding each to ``summary``.

        On PostgreSQL the next chunk's queries run on a connection of their own while this one's
        rows are made and written (side_threads.prefetched); elsewhere chunks come in turn.
        """
        self._number = 0
        self._plan_labels: dict[int, str] = {}
        self._unit_names: dict[int, tuple[str, str]] = {}  # id -> (name, jurisdiction)
        size = chunk_size or CHUNK_SIZE
        chunks = prefetched(lambda: self._chunks(size), name="ledger-rows")
        try:
            for chunk in chunks:
                yield from self._rows_of(chunk, summary)
        finally:
            chunks.close()  # stops the reading thread now, not whenever this generator is collected

    def _chunks(self, chunk_size: int) -> Iterator[_Chunk]:
        """The tasks in chunks, each with what its rows need from the other tables."""
        records = self.queryset().values_list(*_TASK_FIELDS).iterator(chunk_size=chunk_size)
        batch: list[tuple] = []
        for record in records:
            batch.append(record)
            if len(batch) >= chunk_size:
                yield self._chunk(batch)
                batch = []
        if batch:
            yield self._chunk(batch)

    def _chunk(self, batch: list[tuple]) -> _Chunk:
        ids = [record[0] for record in batch]
        self._load_plan_labels({record[1] for record in batch})
        units, parts_done = self._units_of(ids)
        # Each unit's latest report of the month (later rows overwrite earlier ones).
        reports: dict[int, dict[int, str]] = {}
        for task_id, unit_id, text in (
            ProgressReport.objects.filter(_task_id_in(ProgressReport, ids), period=self.filters.month)
            .order_by("task_id", "created_at", "id")
            .values_list("task_id", "unit_id", "text")
        ):
            reports.setdefault(task_id, {})[unit_id] = text
        extensions: dict[int, list[tuple]] = {}  # approved by the end of the month
        later_deadline: dict[int, datetime.date | None] = {}  # the deadline before a later extension
        for task_id, old, new, decided_at in (
            ExtensionRequest.objects.filter(
                _task_id_in(ExtensionRequest, ids), status=ExtensionRequest.Status.APPROVED
            )
            .order_by("task_id", "decided_at", "id")
            .values_list("task_id", "current_deadline", "requested_deadline", "decided_at")
        ):
            if decided_at < self.period_end:
                extensions.setdefault(task_id, []).append((old, new))
            else:
                later_deadline.setdefault(task_id, old)
        return _Chunk(batch, units, parts_done, reports, extensions, later_deadline)

    def _rows_of(self, chunk: _Chunk, summary: Summary | None) -> Iterator[LedgerRow]:
        batch, units, parts_done, reports = chunk.records, chunk.units, chunk.parts_done, chunk.reports
        extensions, later_deadline = chunk.extensions, chunk.later_deadline
        lights = self.filters.lights
        judge = self.judge
        names = self._unit_names
        no_units: tuple[list, list] = ([], [])
        for record in batch:
            (task_id, plan_id, text, deadline, kind, raw, original, person, status) = record[:9]
            completed_at, needs_review, review_note = record[9:]
            if status == Task.Status.DONE and completed_at >= self.period_end:
                status = str(Task.Status.IN_PROGRESS)  # completed after the ledger's month
            if task_id in later_deadline and later_deadline[task_id] is not None:
                deadline = later_deadline[task_id]  # extended after the ledger's month
            light = str(judge(_Judged(status, deadline)))
            if lights and light not in lights:
                continue
            lead, responsible = units.get(task_id, no_units)
            everyone = lead + responsible
            done_parts = parts_done.get(task_id, frozenset())
            if summary is not None:
                summary.add(light, everyone, names, done_parts)
            self._number += 1
            values = [
                self._number,
                self._plan_labels[plan_id],
                safe_text(text),
                safe_text(UNIT_SEPARATOR.join([names[unit_id][0] for unit_id in lead])),
                safe_text(UNIT_SEPARATOR.join([names[unit_id][0] for unit_id in responsible])),
                safe_text(person),
                self._deadline_cell(kind, deadline, raw),
                safe_text(self._progress_cell(reports.get(task_id), everyone)),
                _STATUS_LABELS[status],
                _LIGHT_LABELS[light],
                safe_text(
                    self._remarks(
                        status,
                        deadline,
                        original,
                        completed_at,
                        needs_review,
                        review_note,
                        extensions.get(task_id),
                        [names[unit_id][0] for unit_id in everyone if unit_id in done_parts],
                    )
                ),
            ]
            yield LedgerRow(values, light, tuple(everyone))

    def _load_plan_labels(self, plan_ids: set[int]) -> None:
        """How the ledger cites each plan (title and 文号), fetched once per plan."""
        missing = plan_ids - self._plan_labels.keys()
        if missing:
            for pk, title, number in Plan.objects.filter(pk__in=missing).values_list("pk", "title", "number"):
                self._plan_labels[pk] = safe_text(Plan(title=title, number=number).source_label)

    def _units_of(
        self, ids: list[int]
    ) -> tuple[dict[int, tuple[list[int], list[int]]], dict[int, frozenset[int]]]:
        """Lead and responsible unit ids per task, in their documented order, and the units that had
        finished their part (本单位已完成) by the end of the month; names cached once."""
        units: dict[int, tuple[list[int], list[int]]] = {}
        parts_done: dict[int, set[int]] = {}
        seen = self._unit_names
        missing: set[int] = set()
        # Whether a part was done by the month's end is decided in SQL and read raw: converting
        # 240,000 completion times per 100,000 tasks cost more than the query.
        done_by_end = ExpressionWrapper(
            Q(status=Assignment.Status.DONE, done_at__lt=self.period_end), output_field=BooleanField()
        )
        for task_id, role, unit_id, done in fetch_rows(
            Assignment.objects.filter(_task_id_in(Assignment, ids))
            .order_by("task_id", "role", "position", "id")
            .values_list("task_id", "role", "unit_id", done_by_end)
        ):
            roles = units.get(task_id)
            if roles is None:
                roles = units[task_id] = ([], [])
            roles[0 if role == "lead" else 1].append(unit_id)
            if done:
                parts_done.setdefault(task_id, set()).add(unit_id)
            if unit_id not in seen:
                missing.add(unit_id)
        if missing:
            self._load_unit_names(missing)
        return units, {task_id: frozenset(done) for task_id, done in parts_done.items()}

    def _load_unit_names(self, unit_ids: set[int]) -> None:
        for pk, name, place in Unit.objects.filter(pk__in=unit_ids).values_list("pk", "name", "jurisdiction"):
            self._unit_names[pk] = (name, place)

    def _progress_cell(self, by_unit: dict[int, str] | None, units: list[int]) -> str:
        """The month's latest report; on a shared task each reporting unit's latest, headed by its
        name, in the task's unit order (a group's member unit that reported comes last)."""
        if not by_unit:
            return ""
        if len(by_unit) == 1:
            return next(iter(by_unit.values()))
        missing = set(by_unit) - self._unit_names.keys()
        if missing:
            self._load_unit_names(missing)
        place = {unit_id: index for index, unit_id in enumerate(units)}
        ordered = sorted(by_unit, key=lambda unit_id: place.get(unit_id, len(place)))
        return "\n".join(f"{self._unit_names[unit_id][0]}：{by_unit[unit_id]}" for unit_id in ordered)

    @staticmethod
    def _deadline_cell(kind: str, deadline: datetime.date | None, raw: str) -> datetime.date | str:
        """A real date for dated tasks; the document's own words for ongoing and recurring ones."""
        if kind == Task.DeadlineKind.DATE and deadline is not None:
            return deadline
        if raw:
            return safe_text(raw)
        if kind in (Task.DeadlineKind.ONGOING, Task.DeadlineKind.RECURRING):
            return _KIND_LABELS[kind]
        return ""

    def _remarks(
        self,
        status: str,
        deadline: datetime.date | None,
        original: datetime.date | None,
        completed_at: datetime.datetime | None,
        needs_review: bool,
        review_note: str,
        extensions: list[tuple] | None,
        parts_done: list[str] = (),
    ) -> str:
        notes = []
        if extensions:
            first = extensions[0][0] or original
            steps = [f"原定时限{chinese_date(first)}"] if first else []
            for index, (_, new) in enumerate(extensions):
                steps.append(f"{'延期至' if index == 0 else '再延期至'}{chinese_date(new)}")
            notes.append("，".join(steps))
        elif original and deadline and original != deadline:
            notes.append(f"原定时限{chinese_date(original)}，延期至{chinese_date(deadline)}")
        if status == Task.Status.DONE and completed_at is not None:
            notes.append(f"{chinese_date(completed_at.astimezone(self.timezone))}办结")
        elif parts_done:
            notes.append("本单位已完成：" + UNIT_SEPARATOR.join(parts_done))
        if needs_review and review_note:
            notes.append(f"待复核：{review_note}")
        return "；".join(notes)
