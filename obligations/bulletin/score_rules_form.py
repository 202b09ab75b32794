"""The supervisor's form for a new version of the 考核 rules: the points, the caps, the month it starts."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import forms

from ..dates import today
from ..models import ScoringRules
from .periods import MONTH, Period, PeriodError


class ScoringRulesForm(forms.ModelForm):
    valid_from = forms.CharField(
        label="生效月份",
        widget=forms.TextInput(attrs={"type": "month", "pattern": r"\d{4}-\d{2}"}),
        help_text="本月或以后的月份；已结束月份的得分按当时的规则计算，不受影响。",
    )

    class Meta:
        model = ScoringRules
        fields = ["valid_from", *ScoringRules.POINT_FIELDS, "note"]

    def __init__(self, *args, current: ScoringRules | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ScoringRules.POINT_FIELDS:
            field = self.fields[name]
            field.validators.append(_not_negative)
            field.widget.attrs.update({"step": "0.01", "min": "0"})
            if current is not None:
                self.initial[name] = getattr(current, name)
        self.initial["valid_from"] = f"{today():%Y-%m}"
        self.initial["note"] = ""

    def clean_valid_from(self) -> datetime.date:
        text = self.cleaned_data["valid_from"]
        try:
            period = Period.parse(text)
        except PeriodError:
            raise forms.ValidationError("生效月份格式应为 YYYY-MM，如 2025-04。") from None
        if period.kind != MONTH:
            raise forms.ValidationError("生效月份格式应为 YYYY-MM，如 2025-04。")
        if period.start < today().replace(day=1):
            raise forms.ValidationError("生效月份不能早于本月：已结束月份的得分不能改变。")
        return period.start


def _not_negative(value: Decimal) -> None:
    if value is not None and value < 0:
        raise forms.ValidationError("分值不能为负数。")
