"""The traffic-light rule (红黄绿灯), in one place: as a database expression and in Python.

Overdue is derived from dates at query time, never stored: red when the deadline has passed and
the task is not done; yellow when it falls within the next N working days; done and
ongoing/undated tasks have their own colours.
"""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import Case, Q, Value, When
from django.utils import timezone

from ..workdays import WorkdayCalendar
from . import ReminderPolicy, Task


class Light(models.TextChoices):
    RED = "red", "红灯（逾期）"
    YELLOW = "yellow", "黄灯（临期）"
    GREEN = "green", "绿灯（正常）"
    DONE = "done", "已办结"
    ONGOING = "ongoing", "长期/无时限"


LIGHT_ORDER = [Light.RED, Light.YELLOW, Light.GREEN, Light.ONGOING, Light.DONE]


def today() -> datetime.date:
    return timezone.localdate()


def yellow_cutoff(day: datetime.date, calendar: WorkdayCalendar, window: int | None = None) -> datetime.date:
    """Last date that still counts as "due soon": N working days after ``day``."""
    if window is None:
        window = ReminderPolicy.current().yellow_window_days
    return calendar.add_workdays(day, window)


def _conditions(day: datetime.date, cutoff: datetime.date) -> list[tuple[Q, str]]:
    """Ordered (condition, light) pairs: the first that matches wins; no match means ongoing."""
    return [
        (Q(status=Task.Status.DONE), Light.DONE),
        (Q(deadline__lt=day), Light.RED),
        (Q(deadline__lte=cutoff), Light.YELLOW),
        # Recurring tasks carry their next occurrence as the deadline, so they are lit too.
        (Q(deadline__isnull=False), Light.GREEN),
    ]


def light_expression(day: datetime.date, cutoff: datetime.date) -> Case:
    """Annotate a Task queryset with its light: ``.annotate(light=light_expression(...))``."""
    whens = [When(condition, then=Value(str(light))) for condition, light in _conditions(day, cutoff)]
    return Case(*whens, default=Value(str(Light.ONGOING)), output_field=models.CharField())


def light_q(light: str, day: datetime.date, cutoff: datetime.date) -> Q:
    """A filter selecting the tasks of one light, consistent with ``light_expression``."""
    earlier = Q(pk__in=[])
    for condition, value in _conditions(day, cutoff):
        if value == light:
            return condition & ~earlier
        earlier |= condition
    return ~earlier


def light_of(task: Task, day: datetime.date, cutoff: datetime.date) -> Light:
    """The same rule for one task in Python."""
    if task.status == Task.Status.DONE:
        return Light.DONE
    if task.deadline is None:
        return Light.ONGOING
    if task.deadline < day:
        return Light.RED
    if task.deadline <= cutoff:
        return Light.YELLOW
    return Light.GREEN


def days_overdue(task: Task, day: datetime.date) -> int:
    if task.status == Task.Status.DONE or task.deadline is None or task.deadline >= day:
        return 0
    return (day - task.deadline).days
