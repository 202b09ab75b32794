"""The admin's Task page, made to follow the same rules as the site's edit form.

Workflow state (status, completion, version, the original deadline, the recurrence) is read-only
here: it changes only through the workflow (reports, 办结/延期 decisions). The fields a supervisor
may edit are exactly workflow.EDITABLE_FIELDS, and saving goes through workflow.edit_task: the
optimistic lock on Task.version (the version the page was opened with travels in a hidden field)
and a ChangeLog entry with old -> new. A stale page is refused with its input kept; a change that
slips in between the check and the save is refused too, with nothing saved.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from . import workflow
from .admin_widgets import TrackerAdmin, TrackerTabularInline
from .models import Assignment, ProgressReport, Task
from .security.ids import PlainIntegerField

STALE_MESSAGE = (
    "保存失败：您打开本页面后，该任务已被他人修改（例如联络员报送了进展）。"
    "您填写的内容仍保留在下方；请在新窗口重新打开本任务核对最新情况后再修改。"
)


class TaskAdminForm(forms.ModelForm):
    expected_version = PlainIntegerField(
        widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1, label="打开时的版本"
    )

    class Meta:
        model = Task
        fields = list(workflow.EDITABLE_FIELDS)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version

    def clean(self) -> dict:
        data = super().clean()
        expected = data.get("expected_version")
        if self.instance.pk and expected is not None:
            current = Task.objects.filter(pk=self.instance.pk).values_list("version", flat=True).first()
            if current != expected:
                raise forms.ValidationError(STALE_MESSAGE, code="stale")
        return data


class ReadOnlyInline(TrackerTabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Task | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Task | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Task | None = None) -> bool:
        return False


class AssignmentInline(ReadOnlyInline):
    """Units are changed on the site's task page (修改任务), which records who changed them."""

    model = Assignment
    fields = ["unit_with_place", "role", "position"]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("unit")

    @admin.display(description="单位")
    def unit_with_place(self, obj: Assignment) -> str:
        return obj.unit.label_with_place


class ProgressReportInline(ReadOnlyInline):
    """Reports are a liaison's own record: appended on the site, never edited here."""

    model = ProgressReport
    fields = ["period", "unit", "author", "text", "created_at"]
    readonly_fields = fields


class TaskInline(ReadOnlyInline):
    """A plan's tasks, listed; each is changed on its own page (with the version check and 留痕)."""

    model = Task
    fields = ["order", "item_label", "text", "deadline", "deadline_raw", "status"]
    readonly_fields = fields
    show_change_link = True


@admin.register(Task)
class TaskAdmin(TrackerAdmin):
    form = TaskAdminForm
    list_display = ["short_text", "plan", "item_label", "deadline", "deadline_kind", "status", "needs_review"]
    list_filter = ["status", "deadline_kind", "needs_review", "plan__status", "plan__jurisdiction", "plan"]
    search_fields = [
        "text",
        "deadline_raw",
        "responsible_person",
        "assignments__unit__name",
        "plan__title",
        "plan__number",
    ]
    date_hierarchy = "deadline"
    list_select_related = ["plan"]
    fieldsets = [
        (None, {"fields": ["plan", "order", "item_label", "section_path"]}),
        ("可修改的内容", {"fields": [*workflow.EDITABLE_FIELDS, "expected_version"]}),
        (
            "办理状态（只能通过报送、办结和延期审核改变）",
            {"fields": ["status", "completed_at", "original_deadline", "recurrence", "review_note"]},
        ),
        ("记录", {"fields": ["version", "created_at", "updated_at"]}),
    ]
    readonly_fields = [
        "plan",
        "order",
        "item_label",
        "section_path",
        "status",
        "completed_at",
        "original_deadline",
        "recurrence",
        "review_note",
        "version",
        "created_at",
        "updated_at",
    ]
    inlines = [AssignmentInline, ProgressReportInline]
    show_full_result_count = False

    @admin.display(description="任务内容")
    def short_text(self, obj: Task) -> str:
        return obj.text[:60] + ("…" if len(obj.text) > 60 else "")

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Tasks come from imported plans (and the review's split); an admin-made task has no source.
        return False

    def save_model(self, request: HttpRequest, obj: Task, form: TaskAdminForm, change: bool) -> None:
        # The form has set its values on obj; the workflow compares them with the stored task.
        stored = Task.objects.select_related("plan").get(pk=obj.pk)
        values = {name: form.cleaned_data[name] for name in workflow.EDITABLE_FIELDS}
        workflow.edit_task(
            stored, user=request.user, version=form.cleaned_data["expected_version"], values=values
        )
        obj.refresh_from_db()

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "", extra_context=None
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except workflow.StaleTask:
            # Raised inside the admin's transaction: nothing of this save (inlines included) was kept.
            self.message_user(request, STALE_MESSAGE, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
