"""The sweep's outbox rows, written by the database: one INSERT ... SELECT per batch of tasks.

Which step of each reminder applies today depends only on a deadline date (policy.py), so the
sweep works the steps out in Python for the few hundred deadline dates in play and hands them to
the database as a small table, with the recipients (liaisons per unit, groups expanded; the
supervisors). The database then joins the batch's tasks, their assignments and those tables and
inserts the rows, skipping those already written (the outbox's unique key). Nothing per row
crosses the connection: at 1,000,000 tasks reading the assignments into Python and copying 1.2 M
rows back was over half of a sweep.

The rules, as the rows carry them (the same as policy.py's and recipients.py's):
- overdue and due-soon steps go to the liaisons of every unit on the task, under the unit (a
  generic group's under each member unit), except a unit whose own part is done and that does
  not answer for the task (the lead answers, or, without a lead, the first-listed unit);
- the escalation step goes to every supervisor, under the task's first unit;
- in the report window, ongoing and recurring tasks remind the same liaisons to report, unless
  the unit has already reported for the month.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from django.db import connection

from ..dates import month_end
from ..models import Assignment, ProgressReport, Reminder, Task
from .policy import PolicyValues, WorkdayCounter, due_soon_stage, escalation_stage, overdue_stage
from .recipients import Directory
from .sql import adapter

# Only table names (the models', and the fixed ones below) are formatted into this module's SQL;
# every value travels as a parameter.
Kind = Reminder.Kind
STAGES = "sweep_stage"
LIAISONS = "sweep_liaison"
SUPERVISORS = "sweep_supervisor"
_TABLES = {
    STAGES: "deadline DATE NOT NULL, kind VARCHAR(20) NOT NULL, stage VARCHAR(40) NOT NULL",
    LIAISONS: "unit_id BIGINT NOT NULL, for_unit_id BIGINT NOT NULL, user_id INTEGER NOT NULL",
    SUPERVISORS: "user_id INTEGER NOT NULL",
}
_INDEXES = {STAGES: "deadline", LIAISONS: "unit_id"}


def stage_rows(
    deadlines: Sequence[datetime.date], day: datetime.date, policy: PolicyValues, counter: WorkdayCounter
) -> list[tuple[datetime.date, str, str]]:
    """(deadline, kind, step) for each deadline with a dated reminder due on ``day``."""
    rows = []
    for deadline in deadlines:
        if deadline <= day:
            overdue = counter.between(deadline, day) if deadline < day else 0
            stage = overdue_stage(overdue, policy.overdue_daily_days, policy.overdue_weekly)
            if stage:
                rows.append((deadline, Kind.OVERDUE.value, stage))
            stage = escalation_stage(overdue, policy.escalate_after_days)
            if stage:
                rows.append((deadline, Kind.ESCALATION.value, stage))
        if deadline >= day:
            stage = due_soon_stage(counter.between(day, deadline), policy.due_soon_offsets)
            if stage:
                rows.append((deadline, Kind.DUE_SOON.value, stage))
    return rows


@contextmanager
def sweep_tables(stages: list[tuple[datetime.date, str, str]], directory: Directory) -> Iterator[None]:
    """The day's steps and recipients as temporary tables on this connection, for the batches."""
    adapt = adapter()
    contents = {
        STAGES: [(adapt(deadline), kind, stage) for deadline, kind, stage in stages],
        LIAISONS: [
            (unit_id, for_unit, user_id)
            for unit_id, pairs in directory.liaisons.items()
            for for_unit, user_id in pairs
        ],
        SUPERVISORS: [(user_id,) for user_id in directory.supervisors],
    }
    with connection.cursor() as cursor:
        for name, columns in _TABLES.items():
            cursor.execute(f"DROP TABLE IF EXISTS {name}")
            cursor.execute(f"CREATE TEMPORARY TABLE {name} ({columns})")
            if name in _INDEXES:
                cursor.execute(f"CREATE INDEX {name}_key ON {name} ({_INDEXES[name]})")
            rows = contents[name]
            if rows:
                marks = ", ".join(["%s"] * len(rows[0]))
                cursor.executemany(f"INSERT INTO {name} VALUES ({marks})", rows)  # noqa: S608
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {', '.join(_TABLES)}")  # temporary tables get no autovacuum
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for name in _TABLES:
                cursor.execute(f"DROP TABLE IF EXISTS {name}")


def insert_batch(
    task_ids: list[int], day: datetime.date, report_step: str | None, now: datetime.datetime
) -> int:
    """Write the reminders due on ``day`` for these tasks (one statement); returns how many were new.

    Runs inside ``sweep_tables``. ``task_ids`` are candidates already (published, open, in range).
    """
    quote = connection.ops.quote_name
    adapt = adapter()
    task, assignment, report, reminder = (
        quote(model._meta.db_table) for model in (Task, Assignment, ProgressReport, Reminder)
    )
    user = quote(Reminder._meta.get_field("recipient").related_model._meta.db_table)
    if connection.vendor == "postgresql":
        # One array parameter: psycopg formats thousands of placeholders client-side.
        batch_sql, batch_params = "id = ANY(%s::bigint[])", ["{" + ",".join(map(str, task_ids)) + "}"]
    else:
        batch_sql, batch_params = f"id IN ({', '.join(['%s'] * len(task_ids))})", list(task_ids)
    lead, done = Assignment.Role.LEAD.value, Assignment.Status.DONE.value
    # The batch's tasks with their units, each numbered in the order the task lists them.
    tables = (
        f"batch AS (SELECT id, deadline, deadline_kind FROM {task} WHERE {batch_sql}), "  # noqa: S608
        "parts AS (SELECT t.id AS task_id, t.deadline, t.deadline_kind, a.unit_id, a.role, a.status, "
        "ROW_NUMBER() OVER (PARTITION BY a.task_id ORDER BY a.role, a.position, a.id) AS place "
        f"FROM batch t JOIN {assignment} a ON a.task_id = t.id), "
        # A unit whose part is done hears no more, unless it answers for the task (the lead, or
        # without one the first-listed unit).
        "working AS (SELECT * FROM parts WHERE NOT (status = %s AND role <> %s AND place > 1))"
    )
    tables_params = [*batch_params, done, lead]
    parts = [
        # Overdue and due-soon steps: the liaisons of the units still working on the task.
        (
            "SELECT w.task_id, l.for_unit_id AS unit_id, s.kind, s.stage, w.deadline, "  # noqa: S608
            f"l.user_id AS recipient_id FROM working w JOIN {LIAISONS} l ON l.unit_id = w.unit_id "
            f"JOIN {STAGES} s ON s.deadline = w.deadline AND s.kind <> %s",
            [Kind.ESCALATION.value],
        ),
        # Escalation: every supervisor, under the task's first unit.
        (
            "SELECT p.task_id, p.unit_id, s.kind, s.stage, p.deadline, v.user_id "  # noqa: S608
            f"FROM parts p JOIN {STAGES} s ON s.deadline = p.deadline AND s.kind = %s "
            f"CROSS JOIN {SUPERVISORS} v WHERE p.place = 1",
            [Kind.ESCALATION.value],
        ),
    ]
    if report_step:
        parts.append(
            (
                # The month's progress report, for ongoing and recurring tasks not yet reported on.
                "SELECT w.task_id, l.for_unit_id, %s, %s, %s, l.user_id "  # noqa: S608
                f"FROM working w JOIN {LIAISONS} l ON l.unit_id = w.unit_id "
                f"WHERE w.deadline_kind IN (%s, %s) AND NOT EXISTS (SELECT 1 FROM {report} p "
                "WHERE p.task_id = w.task_id AND p.unit_id = l.for_unit_id AND p.period = %s)",
                [
                    Kind.REPORT_DUE.value,
                    report_step,
                    adapt(month_end(day)),
                    Task.DeadlineKind.ONGOING.value,
                    Task.DeadlineKind.RECURRING.value,
                    adapt(day.replace(day=1)),
                ],
            )
        )
    key = "task_id, unit_id, kind, stage, deadline, recipient_id"
    stamp = adapt(now)
    constants = {
        "message": "",
        "due_at": stamp,
        "status": Reminder.Status.PENDING.value,
        "attempts": 0,
        "claim_token": "",
        "last_error": "",
        "created_at": stamp,
    }
    fixed = ", ".join(quote(Reminder._meta.get_field(name).column) for name in constants)
    sql = (
        # INSERT first: SQLite's driver counts changed rows only for a statement that begins with it.
        f"INSERT INTO {reminder} ({key}, {fixed}) "  # noqa: S608
        f"WITH {tables} "
        f"SELECT {key}, {', '.join(['%s'] * len(constants))} "
        f"FROM (SELECT DISTINCT {key} FROM ({' UNION ALL '.join(sql for sql, _ in parts)}) due) r "
        # The recipients were read when the sweep began: one deleted since gets nothing.
        f"WHERE EXISTS (SELECT 1 FROM {user} u WHERE u.id = r.recipient_id) "
        # One order for every sweep: two at once never wait on each other's rows in a cycle.
        f"ORDER BY {key} ON CONFLICT DO NOTHING"
    )
    params = [*tables_params, *constants.values(), *(value for _, values in parts for value in values)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)
