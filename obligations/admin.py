"""Admin pages a supervisor can actually use: search, filters and inlines."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from .models import (
    Assignment,
    ChangeLog,
    CompletionRequest,
    DigestEmail,
    Evidence,
    ExtensionRequest,
    HolidayOverride,
    HolidayYear,
    LedgerExport,
    Membership,
    Notification,
    Plan,
    ProgressReport,
    Reminder,
    ReminderPolicy,
    SourceDocument,
    SweepRun,
    Task,
    TaskOccurrence,
    Unit,
    UnitAlias,
)

admin.site.site_header = "督办台账管理后台"
admin.site.site_title = "督办台账"
admin.site.index_title = "数据管理"


class UnitAliasInline(admin.TabularInline):
    model = UnitAlias
    extra = 1


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "jurisdiction", "kind", "is_group", "confirmed", "is_active", "task_count"]
    list_filter = ["jurisdiction", "kind", "is_group", "confirmed", "is_active"]
    search_fields = ["name", "aliases__name"]
    autocomplete_fields = ["parent", "members"]
    inlines = [UnitAliasInline, MembershipInline]
    actions = ["confirm_units"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Unit]:
        return super().get_queryset(request).annotate(_task_count=Count("assignments", distinct=True))

    @admin.display(description="任务数", ordering="_task_count")
    def task_count(self, obj: Unit) -> int:
        return obj._task_count

    @admin.action(description="确认所选单位")
    def confirm_units(self, request: HttpRequest, queryset: QuerySet[Unit]) -> None:
        updated = queryset.update(confirmed=True)
        self.message_user(request, f"已确认 {updated} 个单位。")


class AssignmentInline(admin.TabularInline):
    model = Assignment
    extra = 0
    autocomplete_fields = ["unit"]


class ProgressReportInline(admin.TabularInline):
    model = ProgressReport
    extra = 0
    fields = ["period", "unit", "author", "text", "created_at"]
    readonly_fields = ["created_at"]
    autocomplete_fields = ["unit"]


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
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
    readonly_fields = ["version", "created_at", "updated_at"]
    autocomplete_fields = ["plan"]
    inlines = [AssignmentInline, ProgressReportInline]
    show_full_result_count = False

    @admin.display(description="任务内容")
    def short_text(self, obj: Task) -> str:
        return obj.text[:60] + ("…" if len(obj.text) > 60 else "")


class TaskInline(admin.TabularInline):
    model = Task
    extra = 0
    fields = ["order", "item_label", "text", "deadline", "deadline_raw", "status"]
    show_change_link = True


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["title", "number", "jurisdiction", "issued", "year", "status", "task_count"]
    list_filter = ["status", "jurisdiction", "year"]
    search_fields = ["title", "number", "issuer"]
    date_hierarchy = "issued"
    readonly_fields = ["created_at", "published_at", "published_by", "created_by"]
    inlines = [TaskInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Plan]:
        return super().get_queryset(request).annotate(_task_count=Count("tasks"))

    @admin.display(description="任务数", ordering="_task_count")
    def task_count(self, obj: Plan) -> int:
        return obj._task_count


@admin.register(SourceDocument)
class SourceDocumentAdmin(admin.ModelAdmin):
    list_display = ["original_name", "jurisdiction", "size", "uploaded_by", "uploaded_at"]
    search_fields = ["original_name", "sha256"]
    readonly_fields = ["sha256", "size", "uploaded_at", "extraction"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "unit", "role", "created_at"]
    list_filter = ["role", "unit__jurisdiction"]
    search_fields = ["user__username", "user__first_name", "unit__name"]
    autocomplete_fields = ["user", "unit"]


@admin.register(ProgressReport)
class ProgressReportAdmin(admin.ModelAdmin):
    list_display = ["task", "unit", "period", "author", "created_at"]
    list_filter = ["period", "unit__jurisdiction"]
    search_fields = ["text", "unit__name", "task__text"]
    autocomplete_fields = ["task", "unit"]


@admin.register(CompletionRequest)
class CompletionRequestAdmin(admin.ModelAdmin):
    list_display = ["task", "unit", "status", "submitted_at", "decided_by", "decided_at"]
    list_filter = ["status"]
    search_fields = ["task__text", "unit__name", "summary"]
    autocomplete_fields = ["task", "unit"]


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(admin.ModelAdmin):
    list_display = ["task", "unit", "current_deadline", "requested_deadline", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["task__text", "unit__name", "reason"]
    autocomplete_fields = ["task", "unit"]


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    list_display = ["original_name", "task", "content_type", "size", "uploaded_at"]
    search_fields = ["original_name", "task__text"]
    autocomplete_fields = ["task"]


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = [
        "task",
        "unit",
        "kind",
        "stage",
        "deadline",
        "recipient",
        "status",
        "attempts",
        "due_at",
        "sent_at",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["task__text", "unit__name", "recipient__username"]
    autocomplete_fields = ["task", "unit", "recipient"]
    readonly_fields = ["claimed_at", "claim_token", "attempt_started_at", "sent_at", "last_error", "attempts"]


@admin.register(DigestEmail)
class DigestEmailAdmin(admin.ModelAdmin):
    list_display = ["recipient", "day", "status", "attempts", "sent_at"]
    list_filter = ["status", "day"]
    search_fields = ["recipient__username", "subject"]
    readonly_fields = ["claimed_at", "claim_token", "attempt_started_at"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["user", "title", "created_at", "read_at"]
    search_fields = ["user__username", "title"]


@admin.register(ReminderPolicy)
class ReminderPolicyAdmin(admin.ModelAdmin):
    list_display = ["__str__", "due_soon_offsets", "escalate_after_days", "yellow_window_days", "sweep_time"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not ReminderPolicy.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: ReminderPolicy | None = None) -> bool:
        return False


@admin.register(HolidayOverride)
class HolidayOverrideAdmin(admin.ModelAdmin):
    list_display = ["date", "is_workday", "name"]
    list_filter = ["is_workday"]
    search_fields = ["name"]
    date_hierarchy = "date"


@admin.register(HolidayYear)
class HolidayYearAdmin(admin.ModelAdmin):
    list_display = ["year", "note"]


@admin.register(LedgerExport)
class LedgerExportAdmin(admin.ModelAdmin):
    list_display = ["month", "trigger", "status", "rows", "size", "created_by", "created_at"]
    list_filter = ["trigger", "status"]


@admin.register(TaskOccurrence)
class TaskOccurrenceAdmin(admin.ModelAdmin):
    list_display = ["task", "due_date", "fulfilled_at"]
    date_hierarchy = "due_date"
    autocomplete_fields = ["task"]


@admin.register(ChangeLog)
class ChangeLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "action", "summary"]
    list_filter = ["action"]
    search_fields = ["summary", "actor__username"]
    readonly_fields = [f.name for f in ChangeLog._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ChangeLog | None = None) -> bool:
        return False


@admin.register(SweepRun)
class SweepRunAdmin(admin.ModelAdmin):
    list_display = ["day", "status", "started_at", "finished_at", "attempts"]
    list_filter = ["status"]
    date_hierarchy = "day"
    readonly_fields = [f.name for f in SweepRun._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.action(description="重新发送所选（发送失败的）提醒")
def requeue_failed(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    # Back to pending with a fresh attempt count; the sender picks them up within a minute.
    count = queryset.filter(status="failed").update(
        status="pending", attempts=0, next_attempt_at=None, claim_token="", last_error=""
    )
    modeladmin.message_user(request, f"已重新排队 {count} 条。")


ReminderAdmin.actions = [requeue_failed]
DigestEmailAdmin.actions = [requeue_failed]
