"""Realistic synthetic plans and tasks for benchmarks, drawn from the seed gazettes' own wording.

Everything is written with bulk inserts inside one transaction; 100,000 tasks load in seconds.
"""

from __future__ import annotations

import datetime
import itertools
import json
import random
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone

from ..dashboard.tallied_counts import rebase
from ..dashboard.tally_sql import drop_triggers, install_triggers
from ..light_window import light_window
from ..models import Assignment, Membership, Plan, ProgressReport, Task, Unit
from ..reminders.sql import db_value
from ..roles import LIAISON_GROUP
from .bulk import insert_rows

CORPUS_PATH = Path(settings.BASE_DIR) / "fixtures" / "synthetic_corpus.json"
JURISDICTION = "示范市"
BATCH = 5000
TASKS_PER_PLAN = 100
CITY_TASKS = 100_000  # beyond this the plans are spread over cities, a province's worth
# Syllables for extra township names when more units are asked for than the corpus holds.
_PLACE_SYLLABLES = "东西南北中新金山河湖泉林桥安宁和平兴华阳明光荣春秋龙凤".replace("", " ").split()
_TOWNSHIP_SUFFIXES = ["镇人民政府", "街道办事处", "社区服务中心"]


@dataclass
class SeedSummary:
    plans: int
    tasks: int
    units: int
    assignments: int
    reports: int
    liaisons: int


def load_corpus() -> dict:
    return json.loads(CORPUS_PATH.read_text(encoding="utf-8"))


def _unit_names(corpus: dict, count: int, rng: random.Random) -> list[str]:
    names = list(dict.fromkeys(corpus["units"]))
    rng.shuffle(names)
    names = names[:count]
    seen = set(names)
    # Township names of two syllables first, then longer ones once those run out (3,000 units need
    # more than the 27² × 3 two-syllable names).
    length = 2
    while len(names) < count:
        made = [
            "".join(places) + suffix
            for places in itertools.product(_PLACE_SYLLABLES, repeat=length)
            for suffix in _TOWNSHIP_SUFFIXES
        ]
        rng.shuffle(made)
        names += [name for name in made if name not in seen][: count - len(names)]
        length += 1
    return names


def seed(tasks: int, units: int, *, seed_value: int = 20201, report_share: float = 0.4) -> SeedSummary:
    """Create ``tasks`` tasks over ``units`` units, with plans, assignments, reports and liaisons.

    A bulk load goes faster without the light tallies' triggers: they are dropped while the rows go
    in, and the tallies counted afresh after."""
    drop_triggers(connection)
    try:
        summary = _insert(tasks, units, seed_value=seed_value, report_share=report_share)
    finally:
        install_triggers(connection)
    rebase(*light_window())
    return summary


def _insert(tasks: int, units: int, *, seed_value: int, report_share: float) -> SeedSummary:
    rng = random.Random(seed_value)  # noqa: S311 - reproducible test data, not security
    corpus = load_corpus()
    today = timezone.localdate()
    month_start = today.replace(day=1)
    now = timezone.now()
    user_model = get_user_model()

    with transaction.atomic():
        existing = set(Unit.objects.filter(jurisdiction=JURISDICTION).values_list("name", flat=True))
        names = [n for n in _unit_names(corpus, units, rng) if n not in existing]
        Unit.objects.bulk_create(
            [Unit(jurisdiction=JURISDICTION, name=name, kind=_kind_of(name)) for name in names],
            batch_size=BATCH,
        )
        unit_ids = list(Unit.objects.filter(jurisdiction=JURISDICTION).values_list("id", flat=True))[:units]

        # One liaison per unit, so reminder sweeps have someone to remind.
        password = make_password(None)  # unusable: synthetic accounts cannot log in
        prefix = f"syn{seed_value}_"
        known = set(user_model.objects.filter(username__startswith=prefix).values_list("username", flat=True))
        new_users = [
            user_model(username=f"{prefix}{uid}", password=password, email=f"{prefix}{uid}@example.cn")
            for uid in unit_ids
            if f"{prefix}{uid}" not in known
        ]
        user_model.objects.bulk_create(new_users, batch_size=BATCH)
        users = dict(user_model.objects.filter(username__startswith=prefix).values_list("username", "id"))
        liaison_group = Group.objects.get(name=LIAISON_GROUP)
        through = user_model.groups.through
        through.objects.bulk_create(
            [through(user_id=users[f"{prefix}{uid}"], group_id=liaison_group.id) for uid in unit_ids],
            ignore_conflicts=True,
        )
        Membership.objects.bulk_create(
            [Membership(user_id=users[f"{prefix}{uid}"], unit_id=uid) for uid in unit_ids],
            ignore_conflicts=True,
        )

        plan_count = max(1, -(-tasks // TASKS_PER_PLAN))
        plans = Plan.objects.bulk_create(
            [
                Plan(
                    title=f"{rng.choice(corpus['plan_titles'])}（第{index + 1}批）",
                    number=f"示政办字〔{today.year}〕{index + 1}号",
                    issuer=f"{city_of(index)}人民政府办公室",
                    issued=today - datetime.timedelta(days=rng.randint(30, 400)),
                    year=today.year,
                    jurisdiction=city_of(index),
                    status=Plan.Status.PUBLISHED,
                    published_at=now,
                )
                for index in range(plan_count)
            ],
            batch_size=BATCH,
        )
        plan_ids = [plan.id for plan in plans]

        first_order = {plan_id: 1 for plan_id in plan_ids}
        task_rows = []
        for index in range(tasks):
            plan_id = plan_ids[index // TASKS_PER_PLAN]
            task_rows.append(_synthetic_task(rng, corpus, plan_id, first_order[plan_id], today, now))
            first_order[plan_id] += 1
        task_count = insert_rows(Task, TASK_COLUMNS, task_rows)
        task_rows_back = (
            Task.objects.filter(plan_id__in=plan_ids)
            .order_by("id")
            .values_list("id", "status", "completed_at")
        )

        assignment_rows = []
        report_rows = []
        created_at = db_value(now)
        period = db_value(month_start)
        for task_id, status, completed_at in task_rows_back.iterator(chunk_size=BATCH):
            chosen = rng.sample(unit_ids, k=min(len(unit_ids), rng.choice([1, 2, 2, 3, 4])))
            reported = rng.random() < report_share
            for position, unit_id in enumerate(chosen):
                role = (
                    Assignment.Role.LEAD
                    if position == 0 and rng.random() < 0.7
                    else Assignment.Role.RESPONSIBLE
                )
                # Each unit's own part: all done on a closed task; on an open one some co-operating
                # units have finished theirs (本单位已完成), the one that reported is under way.
                part, done_at = Assignment.Status.NOT_STARTED, None
                if status == Task.Status.DONE:
                    part, done_at = Assignment.Status.DONE, db_value(completed_at)
                elif position > 0 and rng.random() < 0.15:
                    part, done_at = Assignment.Status.DONE, created_at
                elif position == 0 and reported:
                    part = Assignment.Status.IN_PROGRESS
                assignment_rows.append((task_id, unit_id, str(role), position, str(part), done_at, 1))
            if reported:
                text = f"已按计划推进，{rng.choice(corpus['texts'])[:60]}"
                report_rows.append(
                    (task_id, chosen[0], users[f"{prefix}{chosen[0]}"], period, text, created_at)
                )
        assignment_count = insert_rows(
            Assignment, ["task", "unit", "role", "position", "status", "done_at", "version"], assignment_rows
        )
        report_count = insert_rows(
            ProgressReport, ["task", "unit", "author", "period", "text", "created_at"], report_rows
        )

    return SeedSummary(
        plans=len(plans),
        tasks=task_count,
        units=len(unit_ids),
        assignments=assignment_count,
        reports=report_count,
        liaisons=len(unit_ids),
    )


def city_of(plan_index: int) -> str:
    """The seed's plans come in blocks of CITY_TASKS tasks per city: 示范市, 示范2市, 示范3市…"""
    number = plan_index * TASKS_PER_PLAN // CITY_TASKS
    return JURISDICTION if number == 0 else f"{JURISDICTION[:-1]}{number + 1}市"


def _kind_of(name: str) -> str:
    if name.endswith(("镇人民政府", "街道办事处", "镇政府")):
        return Unit.Kind.TOWNSHIP
    if name.endswith(("政府", "管委会")):
        return Unit.Kind.GOVERNMENT
    return Unit.Kind.DEPARTMENT


TASK_COLUMNS = [
    "plan",
    "order",
    "section_path",
    "item_label",
    "text",
    "deadline",
    "deadline_kind",
    "deadline_raw",
    "recurrence",
    "needs_review",
    "review_note",
    "responsible_person",
    "status",
    "completed_at",
    "version",
    "created_at",
    "updated_at",
]
_SECTION_PATH = ["二、重点任务"]


def _synthetic_task(
    rng: random.Random,
    corpus: dict,
    plan_id: int,
    order: int,
    today: datetime.date,
    now: datetime.datetime,
) -> tuple:
    """One task row in TASK_COLUMNS order, with a realistic mix of deadlines and states."""
    roll = rng.random()
    deadline: datetime.date | None = None
    raw = ""
    if roll < 0.7:
        kind = Task.DeadlineKind.DATE
        deadline = today + datetime.timedelta(days=rng.randint(-365, 365))
        raw = f"{deadline.year}年{deadline.month}月底前"
    elif roll < 0.8:
        kind = Task.DeadlineKind.ONGOING
        raw = rng.choice(["长期坚持", "持续推进", "长期"])
    else:
        kind = Task.DeadlineKind.NONE
    status_roll = rng.random()
    completed_at = None
    if status_roll < 0.3:
        status = Task.Status.DONE
        completed_at = now - datetime.timedelta(days=rng.randint(0, 200))
    elif status_roll < 0.75:
        status = Task.Status.IN_PROGRESS
    elif status_roll < 0.8:
        status = Task.Status.PENDING_REVIEW
    else:
        status = Task.Status.NOT_STARTED
    stamp = db_value(now)
    return (
        plan_id,
        order,
        connection.ops.adapt_json_value(_SECTION_PATH, None),
        f"{order}.",
        rng.choice(corpus["texts"]),
        db_value(deadline) if deadline else None,
        str(kind),
        raw,
        "",
        False,
        "",
        "",
        str(status),
        db_value(completed_at) if completed_at else None,
        1,
        stamp,
        stamp,
    )
