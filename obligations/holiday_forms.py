"""Forms of the holiday page (节假日设置): one day of the table, and a year marked complete."""

from __future__ import annotations

from django import forms

from .models import HolidayOverride, HolidayYear
from .security.ids import PlainIntegerField

KIND_CHOICES = [("holiday", "放假"), ("workday", "调休上班")]


class HolidayDayForm(forms.Form):
    date = forms.DateField(
        label="日期",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "请选择日期。", "invalid": "日期格式不正确，应为 年-月-日。"},
    )
    kind = forms.ChoiceField(
        label="安排",
        choices=KIND_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择放假或调休上班。", "invalid_choice": "请选择放假或调休上班。"},
    )
    name = forms.CharField(
        label="说明",
        max_length=HolidayOverride._meta.get_field("name").max_length,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "如：春节、国庆节调休"}),
    )

    def clean_date(self):
        value = self.cleaned_data["date"]
        if not 1949 <= value.year <= 2100:
            raise forms.ValidationError("日期超出范围。")
        return value


class HolidayYearForm(forms.Form):
    year = PlainIntegerField(
        label="年份",
        min_value=2000,
        max_value=2100,
        error_messages={
            "required": "请填写年份。",
            "invalid": "年份应为四位数字。",
            "min_value": "年份应在 2000–2100 之间。",
            "max_value": "年份应在 2000–2100 之间。",
        },
    )
    complete = forms.BooleanField(label="该年安排已全部录入", required=False)
    note = forms.CharField(
        label="说明",
        max_length=HolidayYear._meta.get_field("note").max_length,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "如：据国办发明电〔2026〕X号"}),
    )
