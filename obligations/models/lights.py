"""The traffic light (红黄绿灯), defined once: the rule, and how each light is shown.

The rule is one ordered list of conditions on a task's status and deadline; the first that holds
wins, and a task none of them fits is ongoing. The database expression (annotate), the filter for
one light and the evaluation of one task in Python are all derived from that list, so they cannot
disagree. Each light carries its label, short label, CSS class (app.css is checked against these
by a test) and the ledger's Excel fill.

Overdue is derived from dates when asked, never stored: red when the deadline has passed and the
task is not done; yellow when it falls on or before the cutoff (N working days ahead, see
obligations.light_window). The days a task is overdue count calendar days (自然日) wherever they
are shown; working days belong only to the reminder policy's steps.
"""

from __future__ import annotations

import datetime
import enum
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from django.db import models
from django.db.models import Case, Q, Value, When

from .task_choices import TaskStatus


class Light(models.TextChoices):
    RED = "red", "红灯（逾期）"
    YELLOW = "yellow", "黄灯（临期）"
    GREEN = "green", "绿灯（正常）"
    DONE = "done", "已办结"
    ONGOING = "ongoing", "长期/无时限"

    @property
    def short(self) -> str:
        """红灯, 黄灯 … as in a legend or a list column."""
        return LOOKS[self].short

    @property
    def css(self) -> str:
        """The CSS class of the light's dot (light-red …); the cards, arcs and bars use the value."""
        return f"light-{self.value}"

    @property
    def colour(self) -> str:
        """The colour on screen (app.css declares it as --light-<value>)."""
        return LOOKS[self].colour

    @property
    def fill(self) -> str:
        """The ledger cell's Excel fill, as ARGB."""
        return LOOKS[self].fill

    @property
    def ink(self) -> str:
        """The ledger cell's text colour, readable on the fill (also on a grey printer)."""
        return LOOKS[self].ink


@dataclass(frozen=True)
class Look:
    short: str
    colour: str
    # Excel uses pure colours: they survive printing and photocopying better than the screen's.
    fill: str
    ink: str


LOOKS: dict[Light, Look] = {
    Light.RED: Look("红灯", "#d93025", "FFFF0000", "FFFFFFFF"),
    Light.YELLOW: Look("黄灯", "#f4b400", "FFFFFF00", "FF000000"),
    Light.GREEN: Look("绿灯", "#188038", "FF00B050", "FFFFFFFF"),
    Light.DONE: Look("已办结", "#9aa0a6", "FFBFBFBF", "FF000000"),
    Light.ONGOING: Look("长期/无时限", "#1a73e8", "FF9DC3E6", "FF000000"),
}

# How lights are listed: most urgent first, done last.
LIGHT_ORDER = [Light.RED, Light.YELLOW, Light.GREEN, Light.ONGOING, Light.DONE]

# The rule states this wherever overdue days are shown (pages, e-mails).
OVERDUE_DAYS_NOTE = "逾期天数按自然日计算"


class Bound(enum.Enum):
    """Values a condition compares with that depend on when the light is judged."""

    DAY = "day"  # the day judged on (today, or a ledger's month end)
    CUTOFF = "cutoff"  # the last day that still counts as yellow


@dataclass(frozen=True)
class Condition:
    light: Light
    field: str
    lookup: str  # a Django lookup: exact, lt, lte or isnull
    value: object  # a constant or a Bound

    def bound(self, day: datetime.date, cutoff: datetime.date) -> object:
        if self.value is Bound.DAY:
            return day
        if self.value is Bound.CUTOFF:
            return cutoff
        return self.value


# The rule. The first condition that holds decides; none holding means OTHERWISE.
RULE: tuple[Condition, ...] = (
    Condition(Light.DONE, "status", "exact", TaskStatus.DONE.value),
    Condition(Light.RED, "deadline", "lt", Bound.DAY),
    Condition(Light.YELLOW, "deadline", "lte", Bound.CUTOFF),
    # Recurring tasks carry their next occurrence as the deadline, so they are lit too.
    Condition(Light.GREEN, "deadline", "isnull", False),
)
OTHERWISE = Light.ONGOING


def _sql(condition: Condition, day: datetime.date, cutoff: datetime.date, path: str = "") -> Q:
    return Q(**{f"{path}{condition.field}__{condition.lookup}": condition.bound(day, cutoff)})


def light_expression(day: datetime.date, cutoff: datetime.date, path: str = "") -> Case:
    """The light as a database expression: ``.annotate(light=light_expression(day, cutoff))``;
    ``path`` as in light_q."""
    whens = [When(_sql(c, day, cutoff, path), then=Value(str(c.light))) for c in RULE]
    return Case(*whens, default=Value(str(OTHERWISE)), output_field=models.CharField())


def light_q(light: str, day: datetime.date, cutoff: datetime.date, path: str = "") -> Q:
    """A filter selecting the tasks of one light: its condition and none of the earlier ones.
    ``path`` reaches the task from another model ("task__" from an assignment)."""
    earlier = Q(pk__in=[])
    for condition in RULE:
        here = _sql(condition, day, cutoff, path)
        if condition.light == light:
            return here & ~earlier
        earlier |= here
    return ~earlier


class Judged(Protocol):
    """What the rule reads: a Task, or any object with its status and deadline."""

    status: str
    deadline: datetime.date | None


_COMPARE: dict[str, Callable[[object, object], bool]] = {
    "exact": operator.eq,
    "lt": operator.lt,
    "lte": operator.le,
}


def _python(condition: Condition, day: datetime.date, cutoff: datetime.date) -> Callable[[Judged], bool]:
    """The condition as a Python test, with SQL's meaning: NULL compares as false."""
    field, wanted = condition.field, condition.bound(day, cutoff)
    if condition.lookup == "isnull":
        return lambda task: (getattr(task, field) is None) is wanted
    compare = _COMPARE[condition.lookup]

    def holds(task: Judged) -> bool:
        value = getattr(task, field)
        return value is not None and compare(value, wanted)

    return holds


def light_judge(day: datetime.date, cutoff: datetime.date) -> Callable[[Judged], Light]:
    """The rule compiled for one (day, cutoff), for judging many tasks (a ledger's rows)."""
    tests = [(_python(c, day, cutoff), c.light) for c in RULE]

    def judge(task: Judged) -> Light:
        for test, light in tests:
            if test(task):
                return light
        return OTHERWISE

    return judge


def light_of(task: Judged, day: datetime.date, cutoff: datetime.date) -> Light:
    """The light of one task, by the same rule."""
    return light_judge(day, cutoff)(task)


def days_late(deadline: datetime.date, day: datetime.date) -> int:
    """Calendar days (自然日) from a deadline to ``day`` (0 on or before it): how overdue days are
    counted wherever they are shown (OVERDUE_DAYS_NOTE says so to the reader)."""
    return max((day - deadline).days, 0)


def days_overdue(task: Judged, day: datetime.date) -> int:
    """How many days an open task is overdue on ``day``; 0 when it is done, undated or not late."""
    if task.status == TaskStatus.DONE or task.deadline is None:
        return 0
    return days_late(task.deadline, day)


# --- A unit's part of a shared task ------------------------------------------------------------------

# Said wherever per-unit counts are shown (the dashboard's ranking, the ledger's 汇总 sheet).
UNIT_PART_NOTE = (
    "多个单位承担的任务分别计入各单位；某单位已标记“本单位已完成”的，该任务计入该单位的已办结，"
    "不再计入其逾期或临期（任务本身仍待牵头单位申请办结、督查员审核后办结）"
)


def unit_light(task_light: Light | str, unit_done: bool) -> Light | str:
    """The light of one unit's part of a task: done once that unit has finished its part (本单位已完成),
    otherwise the task's own light. Per-unit counts (ranking, ledger summary) use this."""
    return Light.DONE if unit_done else task_light
