"""Admin pages a supervisor can actually use: search, filters and inlines."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from .admin_tasks import TaskInline  # also registers the Task admin
from .admin_widgets import TrackerAdmin, TrackerTabularInline, UnitLabelledAutocomplete
from .models import (
    ChangeLog,
    CompletionRequest,
    Delivery,
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
    TaskOccurrence,
    Unit,
    UnitAlias,
)
from .reminders import outbox
from .security.login_forms import AdminLoginForm

admin.site.site_header = "督办台账管理后台"
admin.site.site_title = "督办台账"
admin.site.index_title = "数据管理"
admin.site.login_form = AdminLoginForm
# Read when the admin's URLs are built (after this module), so the site's autocomplete uses it.
admin.site.autocomplete_view = lambda request: UnitLabelledAutocomplete.as_view(admin_site=admin.site)(
    request
)


class UnitAliasInline(TrackerTabularInline):
    model = UnitAlias
    extra = 1


class MembershipInline(TrackerTabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Unit)
class UnitAdmin(TrackerAdmin):
    list_display = ["name", "jurisdiction", "kind", "is_group", "confirmed", "is_active", "task_count"]
    list_filter = ["jurisdiction", "kind", "is_group", "confirmed", "is_active"]
    ordering = ["name", "jurisdiction", "pk"]
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


@admin.register(Plan)
class PlanAdmin(TrackerAdmin):
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
class SourceDocumentAdmin(TrackerAdmin):
    list_display = ["original_name", "jurisdiction", "size", "uploaded_by", "uploaded_at"]
    search_fields = ["original_name", "sha256"]
    readonly_fields = ["sha256", "size", "uploaded_at", "extraction"]


@admin.register(Membership)
class MembershipAdmin(TrackerAdmin):
    list_display = ["user", "unit", "role", "created_at"]
    list_filter = ["role", "unit__jurisdiction"]
    search_fields = ["user__username", "user__first_name", "unit__name"]
    autocomplete_fields = ["user", "unit"]


@admin.register(ProgressReport)
class ProgressReportAdmin(TrackerAdmin):
    list_display = ["task", "unit", "period", "author", "created_at"]
    list_filter = ["period", "unit__jurisdiction"]
    search_fields = ["text", "unit__name", "task__text"]
    autocomplete_fields = ["task", "unit"]


@admin.register(CompletionRequest)
class CompletionRequestAdmin(TrackerAdmin):
    list_display = ["task", "unit", "status", "submitted_at", "decided_by", "decided_at"]
    list_filter = ["status"]
    search_fields = ["task__text", "unit__name", "summary"]
    autocomplete_fields = ["task", "unit"]


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(TrackerAdmin):
    list_display = ["task", "unit", "current_deadline", "requested_deadline", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["task__text", "unit__name", "reason"]
    autocomplete_fields = ["task", "unit"]


@admin.register(Evidence)
class EvidenceAdmin(TrackerAdmin):
    list_display = ["original_name", "task", "content_type", "size", "uploaded_at"]
    search_fields = ["original_name", "task__text"]
    autocomplete_fields = ["task"]


@admin.register(Reminder)
class ReminderAdmin(TrackerAdmin):
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
class DigestEmailAdmin(TrackerAdmin):
    list_display = ["recipient", "day", "status", "attempts", "sent_at"]
    list_filter = ["status", "day"]
    search_fields = ["recipient__username", "subject"]
    readonly_fields = ["claimed_at", "claim_token", "attempt_started_at"]


@admin.register(Delivery)
class DeliveryAdmin(TrackerAdmin):
    list_display = ["channel", "day", "stage", "recipient", "unit", "status", "attempts", "sent_at"]
    list_filter = ["channel", "status", "day"]
    search_fields = ["recipient__username", "unit__name", "last_error"]
    readonly_fields = [f.name for f in Delivery._meta.fields if f.name != "status"]


@admin.register(Notification)
class NotificationAdmin(TrackerAdmin):
    list_display = ["user", "title", "created_at", "read_at"]
    search_fields = ["user__username", "title"]


@admin.register(ReminderPolicy)
class ReminderPolicyAdmin(TrackerAdmin):
    list_display = ["__str__", "due_soon_offsets", "escalate_after_days", "yellow_window_days", "sweep_time"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not ReminderPolicy.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: ReminderPolicy | None = None) -> bool:
        return False


@admin.register(HolidayOverride)
class HolidayOverrideAdmin(TrackerAdmin):
    list_display = ["date", "is_workday", "name"]
    list_filter = ["is_workday"]
    search_fields = ["name"]
    date_hierarchy = "date"


@admin.register(HolidayYear)
class HolidayYearAdmin(TrackerAdmin):
    list_display = ["year", "note"]


@admin.register(LedgerExport)
class LedgerExportAdmin(TrackerAdmin):
    list_display = ["month", "trigger", "status", "rows", "size", "created_by", "created_at"]
    list_filter = ["trigger", "status"]


@admin.register(TaskOccurrence)
class TaskOccurrenceAdmin(TrackerAdmin):
    list_display = ["task", "due_date", "fulfilled_at"]
    date_hierarchy = "due_date"
    autocomplete_fields = ["task"]


@admin.register(ChangeLog)
class ChangeLogAdmin(TrackerAdmin):
    list_display = ["created_at", "actor", "action", "summary"]
    list_filter = ["action"]
    search_fields = ["summary", "actor__username"]
    readonly_fields = [f.name for f in ChangeLog._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ChangeLog | None = None) -> bool:
        return False


@admin.register(SweepRun)
class SweepRunAdmin(TrackerAdmin):
    list_display = ["day", "status", "started_at", "finished_at", "attempts"]
    list_filter = ["status"]
    date_hierarchy = "day"
    readonly_fields = [f.name for f in SweepRun._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.action(description="重新发送所选（发送失败的）提醒")
def requeue_failed(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    # Back to pending with a fresh attempt count; the sender picks them up within a minute.
    if queryset.model is Delivery:  # a chat or SMS message carries no rows
        count = queryset.filter(status="failed").update(
            status="pending", attempts=0, next_attempt_at=None, claim_token="", last_error=""
        )
    elif queryset.model is DigestEmail:
        count = outbox.requeue_failed(Reminder.objects.none(), queryset)
    else:
        count = outbox.requeue_failed(queryset, DigestEmail.objects.none())
    modeladmin.message_user(request, f"已重新排队 {count} 条。")


ReminderAdmin.actions = [requeue_failed]
DigestEmailAdmin.actions = [requeue_failed]
DeliveryAdmin.actions = [requeue_failed]
