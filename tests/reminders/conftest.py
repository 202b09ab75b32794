from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass

import pytest
from django.core import mail

from obligations.holidays import clear_calendar_cache
from obligations.models import ReminderPolicy, Unit

from .. import factories

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
# An ordinary Monday (2025 is in chinese-calendar's data); the next working days are Mar 4-7, 10.
MONDAY = datetime.date(2025, 3, 3)


def at(day: datetime.date, hour: int = 9, minute: int = 0) -> datetime.datetime:
    """An aware moment on ``day`` in Shanghai time."""
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=SHANGHAI)


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


@dataclass
class Scene:
    unit_a: Unit
    unit_b: Unit
    group: Unit
    liaison_a: object
    liaison_b: object
    supervisor: object
    plan: object

    def task(self, deadline: datetime.date | None, *units: Unit, **fields):
        return factories.make_task(self.plan, lead=list(units) or [self.unit_a], deadline=deadline, **fields)


@pytest.fixture(autouse=True)
def _fresh_calendar_and_mail():
    clear_calendar_cache()
    mail.outbox = []
    yield
    clear_calendar_cache()


@pytest.fixture
def policy(db) -> ReminderPolicy:
    return ReminderPolicy.current()


@pytest.fixture
def scene(db) -> Scene:
    unit_a = factories.make_unit("市财政局")
    unit_b = factories.make_unit("市大数据局")
    group = factories.make_unit("各区县政府", is_group=True)
    group.members.set([unit_a, unit_b])
    return Scene(
        unit_a=unit_a,
        unit_b=unit_b,
        group=group,
        liaison_a=factories.make_liaison("liaison_a", unit_a),
        liaison_b=factories.make_liaison("liaison_b", unit_b),
        supervisor=factories.make_supervisor(),
        plan=factories.make_plan(),
    )
