"""The bulletin page's form: period, plans, units, issuer and the 下一步要求 the supervisor edits."""

from __future__ import annotations

from django import forms

from ..dates import today
from ..models import Plan, Unit
from ..security.ids import IdModelMultipleChoiceField
from .bulletin_files import defaults
from .periods import Period, recent_periods


class BulletinForm(forms.Form):
    period = forms.ChoiceField(
        label="通报期间", help_text="月度或季度；过去的期间按期末统计，本期按今天统计。"
    )
    plans = IdModelMultipleChoiceField(
        label="工作方案",
        queryset=Plan.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
        help_text="可多选；不选则包含全部已发布方案。",
    )
    units = IdModelMultipleChoiceField(
        label="单位",
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
        help_text="可多选；不选则包含全部单位。",
    )
    issuer = forms.CharField(label="发文单位", max_length=100)
    next_steps = forms.CharField(
        label="下一步要求",
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="每段一行；以“（一）”开头的行，首句按二级标题（楷体）排版。保存为下次的默认内容。",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        day = today()
        periods = recent_periods(day)
        self.fields["period"].choices = [(period.key, period.label) for period in periods]
        self.fields["period"].initial = Period.month_of(day).previous().key
        self.fields["plans"].queryset = Plan.objects.published().order_by("-issued", "-pk")
        self.fields["units"].queryset = Unit.objects.filter(is_active=True).order_by("name")
        remembered = defaults()
        self.fields["issuer"].initial = remembered.issuer
        self.fields["next_steps"].initial = remembered.next_steps

    def clean_period(self) -> Period:
        return Period.parse(self.cleaned_data["period"])

    def filters(self) -> dict:
        data = self.cleaned_data
        return {"plans": [plan.pk for plan in data["plans"]], "units": [unit.pk for unit in data["units"]]}
