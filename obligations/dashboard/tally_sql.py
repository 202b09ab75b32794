"""The database triggers that append delta rows to the light tallies (models.light_tallies), for SQLite and
PostgreSQL. Triggers rather than Python hooks: bulk updates, the admin, imports and raw SQL all
change tasks, and every one of them must be counted.

Every change appends raw facts (the task's status and deadline, the unit's part, ±1), never a light,
so a delta means the same whatever anchor it is later judged against. Nothing is recorded while no
TallyAnchor row exists (a fresh or flushed database): the next rebase counts from scratch.

Installed after every ``migrate`` that applied something (apps.py) and dropped before it, because
SQLite rebuilds a table to alter it and drops its triggers with it; with the triggers down while
migrations run, the anchor is dropped too, so the tallies are recounted on first use.
"""

# ruff: noqa: S608  (the SQL is built from this module's constants only, never from input)

from __future__ import annotations

PUBLISHED = "published"
PART_DONE = "done"
ANCHOR = "obligations_tallyanchor"
ANCHORED = f"EXISTS (SELECT 1 FROM {ANCHOR})"


def _plan_delta(row: str, sign: int) -> str:
    """One task (``row`` is NEW or OLD) entering (+1) or leaving (-1) its plan's counts."""
    return (
        "INSERT INTO obligations_plantally (plan_id, light, status, deadline, n) "
        f"SELECT {row}.plan_id, NULL, {row}.status, {row}.deadline, {sign} WHERE {ANCHORED}"
    )


def _task_units_delta(row: str, sign: int) -> str:
    """Every part of one task (NEW or OLD), counted for its unit while the task's plan is published."""
    return (
        "INSERT INTO obligations_unittally (unit_id, light, status, deadline, part_done, n) "
        f"SELECT a.unit_id, NULL, {row}.status, {row}.deadline, a.status = '{PART_DONE}', {sign} "
        f"FROM obligations_assignment a WHERE a.task_id = {row}.id AND {ANCHORED} "
        f"AND (SELECT p.status FROM obligations_plan p WHERE p.id = {row}.plan_id) = '{PUBLISHED}'"
    )


def _part_delta(row: str, sign: int) -> str:
    """One assignment (NEW or OLD) entering or leaving its unit's counts, with its task's light facts."""
    return (
        "INSERT INTO obligations_unittally (unit_id, light, status, deadline, part_done, n) "
        f"SELECT {row}.unit_id, NULL, t.status, t.deadline, {row}.status = '{PART_DONE}', {sign} "
        "FROM obligations_task t JOIN obligations_plan p ON p.id = t.plan_id "
        f"WHERE t.id = {row}.task_id AND p.status = '{PUBLISHED}' AND {ANCHORED}"
    )


def _plan_publication_delta() -> str:
    """A plan published (+1) or withdrawn (-1): all its parts enter or leave the unit counts."""
    return (
        "INSERT INTO obligations_unittally (unit_id, light, status, deadline, part_done, n) "
        f"SELECT a.unit_id, NULL, t.status, t.deadline, a.status = '{PART_DONE}', "
        f"CASE WHEN NEW.status = '{PUBLISHED}' THEN 1 ELSE -1 END "
        "FROM obligations_assignment a JOIN obligations_task t ON t.id = a.task_id "
        f"WHERE t.plan_id = NEW.id AND {ANCHORED}"
    )


def _changed(columns: tuple[str, ...], distinct: str) -> str:
    return " OR ".join(f"OLD.{c} {distinct} NEW.{c}" for c in columns)


TASK_COLUMNS = ("status", "deadline", "plan_id")
PART_COLUMNS = ("status", "unit_id", "task_id")

# (name, table, event, columns watched on UPDATE, statements). Each trigger runs after the row change.
TRIGGERS: list[tuple[str, str, str, tuple[str, ...], list[str]]] = [
    ("tally_task_insert", "obligations_task", "INSERT", (), [_plan_delta("NEW", 1)]),
    (
        "tally_task_delete",
        "obligations_task",
        "DELETE",
        (),
        [_plan_delta("OLD", -1), _task_units_delta("OLD", -1)],
    ),
    (
        "tally_task_update",
        "obligations_task",
        "UPDATE",
        TASK_COLUMNS,
        [
            _plan_delta("OLD", -1),
            _plan_delta("NEW", 1),
            _task_units_delta("OLD", -1),
            _task_units_delta("NEW", 1),
        ],
    ),
    ("tally_part_insert", "obligations_assignment", "INSERT", (), [_part_delta("NEW", 1)]),
    ("tally_part_delete", "obligations_assignment", "DELETE", (), [_part_delta("OLD", -1)]),
    (
        "tally_part_update",
        "obligations_assignment",
        "UPDATE",
        PART_COLUMNS,
        [_part_delta("OLD", -1), _part_delta("NEW", 1)],
    ),
]
PUBLICATION_TRIGGER = "tally_plan_publication"


TABLES = {
    "obligations_task",
    "obligations_assignment",
    "obligations_plan",
    "obligations_tallyanchor",
    "obligations_plantally",
    "obligations_unittally",
}


def install_triggers(connection) -> bool:
    """(Re)create every tally trigger; False when the tables are not all there (a partial migrate)."""
    if not set(connection.introspection.table_names()) >= TABLES:
        return False
    with connection.cursor() as cursor:
        for statement in install_sql(connection.vendor):
            cursor.execute(statement)
    return True


def drop_triggers(connection) -> None:
    """Drop every tally trigger whose table exists (before migrations alter the tables)."""
    existing = set(connection.introspection.table_names())
    tables = {name: table for name, table, *_ in TRIGGERS} | {PUBLICATION_TRIGGER: "obligations_plan"}
    with connection.cursor() as cursor:
        for statement in drop_sql(connection.vendor, {n: t for n, t in tables.items() if t in existing}):
            cursor.execute(statement)


def install_sql(vendor: str) -> list[str]:
    """The statements that (re)create every tally trigger on this database."""
    if vendor == "postgresql":
        return _postgresql()
    if vendor == "sqlite":
        return _sqlite()
    raise NotImplementedError(f"light tallies need SQLite or PostgreSQL, not {vendor}")


def drop_sql(vendor: str, tables: dict[str, str]) -> list[str]:
    """DROP statements for these {trigger: table}."""
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {name} ON {table}" for name, table in tables.items()] + [
            f"DROP FUNCTION IF EXISTS {name}()" for name in tables
        ]
    return [f"DROP TRIGGER IF EXISTS {name}" for name in tables]


def _publication_changed() -> str:
    return f"(OLD.status = '{PUBLISHED}') <> (NEW.status = '{PUBLISHED}')"


def _sqlite() -> list[str]:
    statements = []
    for name, table, event, columns, body in TRIGGERS:
        of = f" OF {', '.join(columns)}" if columns else ""
        when = f"({_changed(columns, 'IS NOT')}) AND {ANCHORED}" if columns else ANCHORED
        statements.append(f"DROP TRIGGER IF EXISTS {name}")
        statements.append(
            f"CREATE TRIGGER {name} AFTER {event}{of} ON {table} FOR EACH ROW WHEN {when} "
            f"BEGIN {'; '.join(body)}; END"
        )
    statements += [
        f"DROP TRIGGER IF EXISTS {PUBLICATION_TRIGGER}",
        f"CREATE TRIGGER {PUBLICATION_TRIGGER} AFTER UPDATE OF status ON obligations_plan FOR EACH ROW "
        f"WHEN {_publication_changed()} AND {ANCHORED} BEGIN {_plan_publication_delta()}; END",
    ]
    return statements


def _postgresql() -> list[str]:
    statements = []
    for name, table, event, columns, body in TRIGGERS:
        statements.append(_pg_function(name, body))
        of = f" OF {', '.join(columns)}" if columns else ""
        when = f" WHEN ({_changed(columns, 'IS DISTINCT FROM')})" if columns else ""
        statements += [
            f"DROP TRIGGER IF EXISTS {name} ON {table}",
            f"CREATE TRIGGER {name} AFTER {event}{of} ON {table} FOR EACH ROW{when} EXECUTE FUNCTION {name}()",
        ]
    statements += [
        _pg_function(PUBLICATION_TRIGGER, [_plan_publication_delta()]),
        f"DROP TRIGGER IF EXISTS {PUBLICATION_TRIGGER} ON obligations_plan",
        f"CREATE TRIGGER {PUBLICATION_TRIGGER} AFTER UPDATE OF status ON obligations_plan FOR EACH ROW "
        f"WHEN ({_publication_changed()}) EXECUTE FUNCTION {PUBLICATION_TRIGGER}()",
    ]
    return statements


def _pg_function(name: str, body: list[str]) -> str:
    statements = "".join(f"  {statement};\n" for statement in body)
    return (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $tally$\n"
        f"BEGIN\n{statements}  RETURN NULL;\nEND\n$tally$"
    )
