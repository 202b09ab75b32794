"""The ledger page's form: month, places, plans, units, lights and paper, limited to what the user may see."""

from __future__ import annotations

import datetime

from django import forms

from ..dates import today
from ..forms import UnitChoices
from ..models import Plan, Unit
from ..models.lights import Light
from ..roles import visible_scope
from ..security.ids import IdModelMultipleChoiceField
from .filters import PAPERS, LedgerFilterError, parse_month


class LedgerForm(forms.Form):
    month = forms.CharField(
        label="月份",
        widget=forms.TextInput(attrs={"type": "month", "pattern": r"\d{4}-\d{2}"}),
        help_text="过去的月份按当月最后一天统计灯色，本月按今天统计。",
    )
    places = forms.MultipleChoiceField(
        label="所属辖区",
        choices=(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
        help_text="按工作方案的所属辖区筛选（如全省系统中只导出本市）；不选则包含全部辖区。",
    )
    plans = IdModelMultipleChoiceField(
        label="工作方案",
        queryset=Plan.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text="按住 Ctrl（Mac 为 ⌘）可多选；不选则包含全部已发布方案。",
    )
    units = UnitChoices(
        label="单位",
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text="可多选；只列出涉及所选单位（含其所属单位组）的任务，不选则包含全部单位。",
    )
    lights = forms.MultipleChoiceField(
        label="红黄绿灯", choices=Light.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    paper = forms.ChoiceField(
        label="纸张", choices=list(PAPERS.items()), initial="A4", widget=forms.RadioSelect
    )

    def __init__(self, *args, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["month"].initial = f"{today():%Y-%m}"
        published = Plan.objects.published()
        places = (
            published.exclude(jurisdiction="").order_by("jurisdiction").values_list("jurisdiction", flat=True)
        )
        self.fields["places"].choices = [(place, place) for place in places.distinct()]
        self.fields["plans"].queryset = published.order_by("-issued", "-pk")
        units = Unit.objects.filter(is_active=True).order_by("name")
        own = visible_scope(user).unit_ids if user is not None else frozenset()
        if own:  # a unit's leader chooses among their own units only
            units = units.filter(pk__in=own)
        self.fields["units"].queryset = units

    def clean_month(self) -> datetime.date:
        try:
            month = parse_month(self.cleaned_data["month"])
        except LedgerFilterError as exc:
            raise forms.ValidationError(str(exc)) from None
        if month > today():
            raise forms.ValidationError("不能导出未来月份的台账。")
        return month

    def filters(self) -> dict:
        data = self.cleaned_data
        return {
            "places": list(data["places"]),
            "plans": [plan.pk for plan in data["plans"]],
            "units": [unit.pk for unit in data["units"]],
            "lights": list(data["lights"]),
            "paper": data["paper"],
        }
