"""Forms for the liaison and supervisor workflows; every message is in Chinese."""

from __future__ import annotations

import datetime

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from .dates import today
from .filetypes import IMPORT_EXTENSIONS, FileTypeError, check_upload
from .models import Task, Unit
from .plans.unit_directory import shared_names, unit_label
from .security.ids import IdField, IdListField, IdModelMultipleChoiceField, PlainIntegerField
from .workflow import edit_task
from .workflow.evidence import ALLOWED_EVIDENCE, MAX_FILES, check_evidence


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class EvidenceField(forms.FileField):
    """Several evidence files at once, each checked for size and real type."""

    widget = MultipleFileInput

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", "佐证材料")
        kwargs.setdefault(
            "help_text",
            f"可选，最多 {MAX_FILES} 个文件，单个不超过 {settings.TRACKER_MAX_EVIDENCE_BYTES // 1048576} MB；"
            "支持 " + "、".join(ALLOWED_EVIDENCE) + "。",
        )
        super().__init__(*args, **kwargs)
        self.widget.attrs["accept"] = ",".join(f".{ext}" for ext in ALLOWED_EVIDENCE)

    def clean(self, data, initial=None) -> list[UploadedFile]:
        files = [item for item in (data if isinstance(data, list | tuple) else [data]) if item]
        if len(files) > MAX_FILES:
            raise forms.ValidationError(f"一次最多上传 {MAX_FILES} 个文件。")
        errors = []
        for upload in files:
            try:
                check_evidence(upload)
            except FileTypeError as exc:
                errors.append(str(exc))
        if errors:
            raise forms.ValidationError(errors)
        return files


class VersionedForm(forms.Form):
    """Carries the task version the page was rendered with: the optimistic lock."""

    # Task.version is a PositiveIntegerField; anything beyond its range is a forged form.
    version = PlainIntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        max_value=2**31 - 1,
        error_messages={
            "required": "页面缺少版本号，请刷新页面后重新提交。",
            "invalid": "页面版本号无效，请刷新页面后重新提交。",
            "min_value": "页面版本号无效，请刷新页面后重新提交。",
            "max_value": "页面版本号无效，请刷新页面后重新提交。",
        },
    )


class ProgressForm(forms.Form):
    """A progress report: an append that never conflicts, so it carries no version."""

    text = forms.CharField(
        label="进展情况",
        max_length=5000,
        widget=forms.Textarea(
            attrs={"rows": 4, "placeholder": "本月工作推进情况、取得的成效、存在的问题和下一步打算"}
        ),
        error_messages={"required": "请填写进展情况。"},
    )
    files = EvidenceField()


class PartForm(VersionedForm):
    """本单位已完成 (or its undo): its version is that of the unit's own state, not the task's."""

    done = forms.ChoiceField(
        choices=[("1", "本单位已完成"), ("0", "撤销本单位已完成")],
        widget=forms.HiddenInput,
        error_messages={"required": "未知的操作。", "invalid_choice": "未知的操作。"},
    )
    note = forms.CharField(
        label="说明",
        max_length=1000,
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 2, "placeholder": "可选：本单位承担部分的完成情况，或撤销的原因"}
        ),
    )

    @property
    def marks_done(self) -> bool:
        return self.cleaned_data["done"] == "1"


class CompletionForm(VersionedForm):
    summary = forms.CharField(
        label="完成情况",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "任务完成情况及主要成效"}),
        error_messages={"required": "请填写完成情况。"},
    )
    files = EvidenceField()


class ExtensionForm(VersionedForm):
    new_deadline = forms.DateField(
        label="申请延至",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "请选择申请延至的日期。", "invalid": "日期格式不正确，应为 年-月-日。"},
    )
    reason = forms.CharField(
        label="延期理由",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写延期理由。"},
    )

    def __init__(self, *args, task: Task | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.task = task

    def clean_new_deadline(self) -> datetime.date:
        value = self.cleaned_data["new_deadline"]
        if value < today():
            raise forms.ValidationError("申请延至的日期不能早于今天。")
        if self.task is not None and self.task.deadline and value <= self.task.deadline:
            raise forms.ValidationError(
                f"申请延至的日期必须晚于当前时限（{self.task.deadline:%Y年%m月%d日}）。"
            )
        return value


class DecisionForm(VersionedForm):
    decision = forms.ChoiceField(choices=[("approve", "通过"), ("reject", "不通过")])
    comment = forms.CharField(
        label="审核意见", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("decision") == "reject" and not (data.get("comment") or "").strip():
            self.add_error("comment", "退回或驳回时请填写理由。")
        return data

    @property
    def approve(self) -> bool:
        return self.cleaned_data["decision"] == "approve"


class UnitChoices(IdModelMultipleChoiceField):
    """Units as choices, each shown with its jurisdiction when another unit has the same name
    (three 区交通运输局 must not look like one)."""

    _shared: set[str] | None = None

    def label_from_instance(self, obj: Unit) -> str:
        if self._shared is None:
            self._shared = shared_names(self.queryset.values_list("name", flat=True))
        return unit_label(obj.name, obj.jurisdiction, self._shared)


class ReminderForm(forms.Form):
    units = UnitChoices(
        label="催办单位",
        queryset=Unit.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请至少选择一个单位。"},
    )
    message = forms.CharField(label="催办说明", max_length=500, required=False)

    def __init__(self, *args, units=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["units"].queryset = units


class UnitReminderForm(forms.Form):
    """催办 of all of a unit's overdue tasks (confirmed on its own page): an optional note."""

    message = forms.CharField(
        label="催办说明",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "可选：如“请于本周五前报送整改进展”"}),
    )


class TaskEditForm(VersionedForm):
    """A task's fields as the supervisor edits them (import review row or published task)."""

    text = forms.CharField(
        label="任务内容",
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "任务内容不能为空。"},
    )
    lead_units = forms.CharField(
        label="牵头单位",
        max_length=1000,
        required=False,
        help_text="多个单位用“、”分隔",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    responsible_units = forms.CharField(
        label="责任单位",
        max_length=1000,
        required=False,
        help_text="多个单位用“、”分隔",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    responsible_person = forms.CharField(label="责任人", max_length=100, required=False)
    deadline = forms.DateField(
        label="完成时限",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "日期格式不正确，应为 年-月-日。"},
    )
    deadline_kind = forms.ChoiceField(label="时限类型", choices=Task.DeadlineKind.choices)
    deadline_raw = forms.CharField(label="时限原文", max_length=200, required=False)
    needs_review = forms.BooleanField(label="需复核", required=False)

    def clean(self) -> dict:
        data = super().clean()
        kind = data.get("deadline_kind")
        deadline = data.get("deadline")
        if kind == Task.DeadlineKind.DATE and not deadline and "deadline" not in self.errors:
            self.add_error("deadline", "时限类型为“具体日期”时，请填写完成时限。")
        if kind == Task.DeadlineKind.NONE and deadline:
            data["deadline_kind"] = Task.DeadlineKind.DATE
        if kind in (Task.DeadlineKind.ONGOING,) and deadline:
            self.add_error(
                "deadline", "长期/持续任务不应填写具体日期；如有日期，请把时限类型改为“具体日期”。"
            )
        return data

    def save(self, task: Task, user) -> dict:
        """Apply the valid form to the task (workflow.edit_task); returns what changed."""
        data = self.cleaned_data
        return edit_task(
            task,
            user=user,
            version=data["version"],
            values=data,
            lead=data["lead_units"],
            responsible=data["responsible_units"],
        )

    @classmethod
    def initial_for(cls, task: Task) -> dict:
        assignments = list(task.assignments.all())
        return {
            "version": task.version,
            "text": task.text,
            "lead_units": "、".join(a.unit.name for a in assignments if a.role == "lead"),
            "responsible_units": "、".join(a.unit.name for a in assignments if a.role == "responsible"),
            "responsible_person": task.responsible_person,
            "deadline": task.deadline,
            "deadline_kind": task.deadline_kind,
            "deadline_raw": task.deadline_raw,
            "needs_review": task.needs_review,
        }


class SplitForm(forms.Form):
    parts = forms.CharField(
        label="拆分后的任务（每行一项）",
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": "请填写拆分后的任务内容。"},
    )

    def clean_parts(self) -> list[str]:
        parts = [line.strip() for line in self.cleaned_data["parts"].splitlines() if line.strip()]
        if len(parts) < 2:
            raise forms.ValidationError("拆分后至少应有两项任务：请把每项任务写成单独的一行。")
        return parts


class RowSelectionForm(forms.Form):
    """The import review's 合并/删除 buttons with the ticked rows."""

    action = forms.ChoiceField(
        choices=[("merge", "合并"), ("drop", "删除")],
        error_messages={"required": "未知的操作。", "invalid_choice": "未知的操作。"},
    )
    selected = IdListField(required=False)


class UnitReviewForm(forms.Form):
    """An unconfirmed unit's 映射/确认 buttons: the import being reviewed and, to map, the target name."""

    source = IdField(error_messages={"required": "缺少导入文件编号，请刷新页面后重试。"})
    target = forms.CharField(max_length=200, required=False)
    cross_level = forms.BooleanField(required=False)  # the supervisor confirms e.g. 区… → 市…


class ImportForm(forms.Form):
    file = forms.FileField(
        label="方案文件",
        help_text="支持 "
        + "、".join(f".{ext}" for ext in IMPORT_EXTENSIONS)
        + f"（含扫描件），不超过 {settings.TRACKER_MAX_IMPORT_BYTES // 1048576} MB。",
        error_messages={"required": "请选择要导入的文件。", "empty": "上传的文件是空的。"},
    )
    year = forms.IntegerField(
        label="年度",
        required=False,
        min_value=1949,
        max_value=2100,
        help_text="方案中只写“8月底前”等不含年份的时限时，按此年度理解；留空则按印发日期推断。",
    )
    jurisdiction = forms.CharField(
        label="所属辖区", max_length=50, required=False, help_text="如“张店区”，留空则从文件中识别。"
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = ",".join(f".{ext}" for ext in IMPORT_EXTENSIONS)

    def clean_file(self) -> UploadedFile:
        upload = self.cleaned_data["file"]
        limit = settings.TRACKER_MAX_IMPORT_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"文件过大（{upload.size / 1048576:.1f} MB），上限为 {limit / 1048576:.0f} MB。"
            )
        try:
            check_upload(upload.name, upload.file, IMPORT_EXTENSIONS)
        except FileTypeError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return upload


# Every form a task page can show, by its name on the page. Each renders with ids of its own
# (id_progress_files, id_completion_files …) so a label never points at another form's input.
def task_form(name: str, form_class: type[forms.Form], *args, **kwargs) -> forms.Form:
    kwargs.setdefault("auto_id", f"id_{name}_%s")
    return form_class(*args, **kwargs)
