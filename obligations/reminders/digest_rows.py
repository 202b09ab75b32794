"""A digest's rows as its messages need them, with the counting left to the database.

A digest (the e-mail, the in-app notice, the 企业微信 and SMS messages of a person's day, a unit
robot's message) lists the first MAX_ITEMS_PER_SECTION tasks of each section and counts the rest.
At province scale a supervisor's day holds 240,000 escalation rows: reading every one of them to
list 50 tasks, once per lane, was the larger part of a 1,000,000-task send pass. Here the
database groups each owner's live rows by kind and task, ranks the tasks as
messages.sections_for orders them (earliest reminded deadline, then task id), and answers with
each section's count, the listed tasks and the owner's first live row; only the rows of the listed
tasks are read as Lines (messages.DigestRows).

Live means what lines.stale_reason lets go out (lines.live_q, the same rule as a filter).
"""

from __future__ import annotations

from collections import defaultdict

from django.db import connections
from django.db.models import Case, IntegerField, QuerySet, Value, When

from ..models import Reminder
from . import messages
from .lines import live_q, load_lines
from .messages import DigestRows, Line
from .pass_labels import PassLabels

KINDS = list(Reminder.Kind.values)
CHUNK = 5000  # listed rows read per query

# Window functions only, no join (a join back to the rows was planned as a nested loop whenever
# the freshly claimed rows were under-estimated): each live row learns its task's rank in its
# section (tasks ordered by earliest reminded deadline, then id), the section's count of tasks and
# its owner's first row; the rows of each section's first tasks are kept. PostgreSQL and SQLite
# (3.25+) both have these window functions.
_LISTED = """
SELECT id, {owner}, kind_no, tasks, first_pk FROM (
    SELECT id, {owner}, kind_no, place,
        MAX(place) OVER (PARTITION BY {owner}, kind_no) AS tasks,
        MIN(id) OVER (PARTITION BY {owner}) AS first_pk
    FROM (
        SELECT id, {owner}, kind_no,
            DENSE_RANK() OVER (PARTITION BY {owner}, kind_no ORDER BY first_deadline, task_id) AS place
        FROM (
            SELECT id, {owner}, kind_no, task_id,
                MIN(deadline) OVER (PARTITION BY {owner}, kind_no, task_id) AS first_deadline
            FROM ({live}) live
        ) tasks_known
    ) ranked
) counted
WHERE place <= %s
"""


def summarise(
    queryset: QuerySet[Reminder], owner: str, labels: PassLabels, *, known_live: bool = False
) -> dict[int, DigestRows]:
    """Each owner's (``owner``: "recipient_id" or "unit_id") digest of the live rows of ``queryset``.
    An owner without live rows is left out. Lines carry no task text (the sections read it).
    ``known_live``: every row of ``queryset`` is live (its stale rows were just cancelled)."""
    live = queryset if known_live else queryset.filter(live_q())
    # Kinds ranked as small numbers: sorting a supervisor's 240,000 rows by a text column under the
    # database's collation cost half of the statement.
    numbered = live.order_by().annotate(
        kind_no=Case(
            *(When(kind=kind, then=Value(n)) for n, kind in enumerate(KINDS)), output_field=IntegerField()
        )
    )
    sql, params = numbered.values_list("id", owner, "kind_no", "task_id", "deadline").query.sql_with_params()
    connection = connections[queryset.db]
    listed = _LISTED.format(live=sql, owner=connection.ops.quote_name(owner))
    with connection.cursor() as cursor:
        cursor.execute(listed, [*params, messages.MAX_ITEMS_PER_SECTION])
        answer = cursor.fetchall()
    tasks: dict[int, dict[str, int]] = defaultdict(dict)
    first: dict[int, int] = {}
    for _, owner_id, kind_no, count, first_row in answer:
        tasks[owner_id][KINDS[kind_no]] = count
        first[owner_id] = first_row
    ids = sorted(row[0] for row in answer)
    lines: dict[int, list[Line]] = defaultdict(list)
    for start in range(0, len(ids), CHUNK):
        chunk = Reminder.objects.filter(pk__in=ids[start : start + CHUNK])
        for line in load_lines(chunk, labels, with_texts=False):
            lines[line.recipient_id if owner == "recipient_id" else line.unit_id].append(line)
    return {
        owner_id: DigestRows(lines[owner_id], counts, first[owner_id]) for owner_id, counts in tasks.items()
    }
