"""The supervisor's form for the reminder policy (提醒规则), with messages in Chinese."""

from __future__ import annotations

import re

from django import forms

from ..models import ReminderPolicy
from ..security.ids import PlainIntegerField

_SEPARATORS = re.compile(r"[\s,，、;；]+")


def _bounded(label: str, low: int, high: int, help_text: str = "") -> forms.IntegerField:
    message = f"{label}应在 {low} 到 {high} 之间。"
    return PlainIntegerField(
        label=label,
        min_value=low,
        max_value=high,
        help_text=help_text,
        error_messages={
            "required": f"请填写{label}。",
            "invalid": f"{label}应为整数。",
            "min_value": message,
            "max_value": message,
        },
    )


class ReminderPolicyForm(forms.ModelForm):
    due_soon_offsets = forms.CharField(
        label="到期前提醒（工作日）",
        required=False,
        help_text="到期前第几个工作日提醒联络员，用逗号分隔，如 5,3,1；0 表示到期当天；留空则不提醒。",
    )
    overdue_daily_days = _bounded(
        "逾期后每日提醒天数", 0, 30, "逾期后前 N 个工作日每天提醒联络员；0 表示不逐日提醒。"
    )
    escalate_after_days = _bounded("逾期上报督查员（工作日）", 1, 60, "逾期满 N 个工作日后提醒督查员。")
    monthly_report_day = _bounded("月度进展报送提醒日", 1, 28, "每月该日起提醒长期、周期任务报送当月进展。")
    yellow_window_days = _bounded("黄灯预警（工作日）", 1, 30, "距完成时限不超过 N 个工作日亮黄灯。")
    max_send_attempts = _bounded(
        "最多发送次数", 1, 20, "邮件发送失败后按间隔倍增重试，达到次数后标记为发送失败。"
    )
    sweep_time = forms.TimeField(
        label="每日提醒时间",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text="工作日（含调休上班日）的这个时间生成并发送当天提醒。",
        error_messages={"required": "请填写每日提醒时间。", "invalid": "时间格式应为 时:分，如 08:30。"},
    )

    class Meta:
        model = ReminderPolicy
        fields = [
            "due_soon_offsets",
            "overdue_daily_days",
            "overdue_weekly",
            "escalate_after_days",
            "monthly_report_day",
            "yellow_window_days",
            "sweep_time",
            "max_send_attempts",
        ]
        labels = {"overdue_weekly": "逐日提醒结束后每周提醒一次"}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound and self.instance.pk:
            offsets = self.instance.due_soon_offsets or []
            self.initial["due_soon_offsets"] = ",".join(str(o) for o in offsets)

    def clean_due_soon_offsets(self) -> list[int]:
        raw = (self.cleaned_data.get("due_soon_offsets") or "").strip()
        if not raw:
            return []
        values = []
        for part in _SEPARATORS.split(raw):
            if not part:
                continue
            # ASCII digits only: str.isdigit() also accepts "²", which int() then rejects.
            if not (part.isascii() and part.isdigit()):
                raise forms.ValidationError("请输入用逗号分隔的非负整数，如 5,3,1。")
            value = int(part)
            if value > 60:
                raise forms.ValidationError("到期前提醒天数不能超过 60 个工作日。")
            values.append(value)
        if len(values) > 10:
            raise forms.ValidationError("到期前提醒最多设置 10 个时间点。")
        return sorted(set(values), reverse=True)
