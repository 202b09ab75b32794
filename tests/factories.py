"""Small builders for test data; real rows in the real test database."""

from __future__ import annotations

import datetime
import itertools

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from obligations.models import Assignment, Membership, Plan, Task, Unit
from obligations.roles import LEADER_GROUP, LIAISON_GROUP, SUPERVISOR_GROUP

_counter = itertools.count(1)
PASSWORD = "Test#pass-2026"


def make_unit(name: str | None = None, jurisdiction: str = "测试市", **fields: object) -> Unit:
    return Unit.objects.create(jurisdiction=jurisdiction, name=name or f"测试局{next(_counter)}", **fields)


def make_user(
    username: str, group: str | None = None, *, units: list[Unit] = (), role: str = "liaison", **fields
):
    user = get_user_model().objects.create_user(
        username=username, password=PASSWORD, email=f"{username}@example.gov.cn", **fields
    )
    if group:
        user.groups.add(Group.objects.get(name=group))
    for unit in units:
        Membership.objects.create(user=user, unit=unit, role=role)
    return user


def make_supervisor(username: str = "supervisor"):
    return make_user(username, SUPERVISOR_GROUP, is_staff=True)


def make_liaison(username: str, *units: Unit):
    return make_user(username, LIAISON_GROUP, units=list(units))


def make_leader(username: str, *units: Unit):
    return make_user(username, LEADER_GROUP, units=list(units), role=Membership.Role.LEADER)


def make_plan(title: str = "测试工作方案", *, status: str = Plan.Status.PUBLISHED, **fields: object) -> Plan:
    if status == Plan.Status.PUBLISHED:
        fields.setdefault("published_at", timezone.now())
    return Plan.objects.create(title=title, status=status, jurisdiction="测试市", **fields)


def make_task(
    plan: Plan,
    *,
    lead: list[Unit] = (),
    responsible: list[Unit] = (),
    deadline: datetime.date | None = None,
    text: str | None = None,
    **fields: object,
) -> Task:
    order = fields.pop("order", None) or (plan.tasks.count() + 1)
    kind = fields.pop("deadline_kind", Task.DeadlineKind.DATE if deadline else Task.DeadlineKind.NONE)
    task = Task.objects.create(
        plan=plan,
        order=order,
        text=text or f"测试任务{order}",
        deadline=deadline,
        deadline_kind=kind,
        **fields,
    )
    for position, unit in enumerate(lead):
        Assignment.objects.create(task=task, unit=unit, role=Assignment.Role.LEAD, position=position)
    for position, unit in enumerate(responsible):
        Assignment.objects.create(task=task, unit=unit, role=Assignment.Role.RESPONSIBLE, position=position)
    return task
