"""The filter bar shared by the dashboard and the task lists: plan, unit, light, deadline range, text."""

from __future__ import annotations

import datetime
from functools import cached_property
from urllib.parse import urlencode

from django import forms
from django.db.models import Case, Exists, OuterRef, Q, QuerySet, When

from ..models import Plan, Task, Unit
from ..models.lights import LIGHT_ORDER
from ..models.work import TaskQuerySet
from ..plans.unit_directory import unit_label
from ..roles import TaskScope


def text_contains(word: str) -> Q:
    """Tasks whose text contains ``word``, ignoring case. A word without cased letters (Chinese,
    digits: nearly every search here) has no case to ignore, so it is matched as written: on
    PostgreSQL ``icontains`` upper-cases every task's text before comparing, which doubled the cost
    of a search (1,000,000 tasks: 430 → 190 ms for one count of the red tasks matching 推进)."""
    if word.lower() == word.upper():
        return Q(text__contains=word)
    return Q(text__icontains=word)


class PlanChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Plan) -> str:
        return f"{obj.title}（{obj.number}）" if obj.number else obj.title


# Plans listed in the plan filter at most: a province's 10,000 made every dashboard and task list
# a 1.7 MB page. Beyond them the filter bar offers 查找方案, which narrows the list by title or 文号.
PLAN_OPTIONS = 300
# Units listed in the unit filter at most, by name: a province's 3,000 were 156 KB of every 246 KB
# page. Beyond them the filter bar offers 查找单位, which narrows the list by name or jurisdiction.
UNIT_OPTIONS = 300


# Fields that narrow a filter's list of choices, not the tasks.
FINDERS = ("plan_find", "unit_find")


class TaskFilterForm(forms.Form):
    q = forms.CharField(label="搜索", required=False, max_length=100)
    plan_find = forms.CharField(
        label="查找方案",
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": "标题或文号中的字词"}),
    )
    plan = PlanChoice(label="方案", queryset=Plan.objects.none(), required=False, empty_label="全部方案")
    unit_find = forms.CharField(
        label="查找单位",
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": "单位名称或所属地区中的字词"}),
    )
    unit = forms.ModelChoiceField(
        label="单位", queryset=Unit.objects.none(), required=False, empty_label="全部单位"
    )
    light = forms.ChoiceField(
        label="灯色",
        required=False,
        choices=[("", "全部灯色")] + [(light.value, light.label) for light in LIGHT_ORDER],
    )
    deadline_from = forms.DateField(
        label="时限自", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    deadline_to = forms.DateField(
        label="时限至", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, data=None, *, plans: QuerySet[Plan], units: QuerySet[Unit], **kwargs) -> None:
        super().__init__(data, **kwargs)
        self.fields["plan"].queryset = plans.only("pk", "title", "number")
        self.fields["unit"].queryset = units.only("pk", "name", "jurisdiction")

    @classmethod
    def for_scope(cls, data, scope: TaskScope) -> TaskFilterForm:
        """The filter bar of the dashboard and task lists: registered active units, and the published
        plans the scope has tasks in (all of them for supervisors; a liaison's few, not a
        province's 10,000)."""
        plans = Plan.objects.published()
        if not scope.sees_all_published:
            plans = plans.filter(pk__in=Task.objects.within(scope).values("plan_id"))
        return cls(
            data or None,
            plans=plans.order_by("-issued", "-pk"),
            units=Unit.objects.filter(confirmed=True, is_active=True).order_by("name", "pk"),
        )

    def options(self, name: str) -> list[tuple[str, str]]:
        """(value, label) pairs for a select, read with values_list: a thousand plans render fast."""
        if name == "plan":
            return self._plan_options[0]
        if name == "unit":
            return self._unit_options[0]
        return [(str(value), str(label)) for value, label in self.fields[name].choices]

    @property
    def plans_overflow(self) -> bool:
        """More plans match than the plan filter lists (the filter bar then offers 查找方案)."""
        return self._plan_options[1]

    @property
    def plans_listed(self) -> int:
        return PLAN_OPTIONS

    @property
    def units_overflow(self) -> bool:
        """More units match than the unit filter lists (the filter bar then offers 查找单位)."""
        return self._unit_options[1]

    @property
    def units_listed(self) -> int:
        return UNIT_OPTIONS

    def _found_words(self, name: str) -> list[str]:
        """The words typed into a 查找 field (cut to its length, as validation would)."""
        found = self.data.get(name, "").strip() if self.is_bound else ""
        return found[: self.fields[name].max_length].split()

    def _chosen(self, name: str) -> Plan | Unit | None:
        return self.cleaned_data.get(name) if self.is_bound and self.is_valid() else None

    @cached_property
    def _unit_options(self) -> tuple[list[tuple[str, str]], bool]:
        """The unit filter's options: the first UNIT_OPTIONS units by name (of those whose name or
        jurisdiction holds every word of 查找单位), with the chosen unit kept, and whether more were
        left out. A name several registered units bear is shown with each one's jurisdiction,
        whichever of them are listed (one query). The choice is validated against every unit."""
        registered = self.fields["unit"].queryset
        units = registered
        for word in self._found_words("unit_find"):
            units = units.filter(Q(name__icontains=word) | Q(jurisdiction__icontains=word))
        chosen = self._chosen("unit")
        if chosen is not None:
            # The chosen unit first, so it stays listed wherever it ranks (and if 查找单位 misses it).
            if units is not registered:
                units = registered.filter(Q(pk=chosen.pk) | Q(pk__in=units.values("pk")))
            units = units.order_by(Case(When(pk=chosen.pk, then=0), default=1), "name", "pk")
        twin = registered.filter(name=OuterRef("name")).exclude(pk=OuterRef("pk"))
        rows = list(
            units.annotate(shared=Exists(twin)).values_list("pk", "name", "jurisdiction", "shared")[
                : UNIT_OPTIONS + 1
            ]
        )
        overflow = len(rows) > UNIT_OPTIONS
        rows = rows[:UNIT_OPTIONS]
        shared = {name for _, name, _, twinned in rows if twinned}
        options = [("", "全部单位")] + [(str(pk), unit_label(n, j, shared)) for pk, n, j, _ in rows]
        return options, overflow

    @cached_property
    def _plan_options(self) -> tuple[list[tuple[str, str]], bool]:
        """The plan filter's options: the newest PLAN_OPTIONS plans (of those whose title or 文号
        holds every word of 查找方案), with the chosen plan kept wherever it ranks, and whether more
        were left out. The choice itself is validated against every plan, not only those listed."""
        plans = self.fields["plan"].queryset
        for word in self._found_words("plan_find"):
            plans = plans.filter(Q(title__icontains=word) | Q(number__icontains=word))
        rows = list(plans.values_list("pk", "title", "number")[: PLAN_OPTIONS + 1])
        overflow = len(rows) > PLAN_OPTIONS
        rows = rows[:PLAN_OPTIONS]
        chosen = self._chosen("plan")
        if chosen is not None and chosen.pk not in {pk for pk, _, _ in rows}:
            rows.insert(0, (chosen.pk, chosen.title, chosen.number))
        options = [("", "全部方案")] + [(str(pk), f"{t}（{n}）" if n else t) for pk, t, n in rows]
        return options, overflow

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("deadline_from"), data.get("deadline_to")
        if start and end and start > end:
            self.add_error("deadline_to", "截止日期不能早于开始日期。")
        return data

    @property
    def active(self) -> dict:
        """The valid, non-empty filters (查找方案 and 查找单位 only narrow the lists of the plan and unit
        filters; they filter no task)."""
        if not self.is_bound or not self.is_valid():
            return {}
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if value not in (None, "") and name not in FINDERS
        }

    def apply(self, queryset: TaskQuerySet, day: datetime.date, cutoff: datetime.date) -> TaskQuerySet:
        active = self.active
        if "plan" in active:
            queryset = queryset.filter(plan=active["plan"])
        if "unit" in active:
            # Start from the unit's assignments (an index range), not an EXISTS probe per task.
            queryset = queryset.of_units([active["unit"].pk])
        if "light" in active:
            queryset = queryset.of_light(active["light"], day, cutoff)
        if "deadline_from" in active:
            queryset = queryset.filter(deadline__gte=active["deadline_from"])
        if "deadline_to" in active:
            queryset = queryset.filter(deadline__lte=active["deadline_to"])
        if "q" in active:
            condition = Q()
            for word in active["q"].split():
                condition &= text_contains(word)
            queryset = queryset.filter(condition)
        return queryset

    def query_string(self, **overrides: object) -> str:
        """The current filters as a query string (for pagination links), without ``page``."""
        params: dict[str, str] = {}
        if self.is_bound and self.is_valid():
            params.update({name: self.cleaned_data[name] for name in FINDERS if self.cleaned_data.get(name)})
        for name, value in self.active.items():
            if isinstance(value, Plan | Unit):
                params[name] = str(value.pk)
            elif isinstance(value, datetime.date):
                params[name] = value.isoformat()
            else:
                params[name] = str(value)
        for name, value in overrides.items():
            if value in (None, ""):
                params.pop(name, None)
            else:
                params[name] = str(value)
        return urlencode(params)
