"""The supervisor's page for the reminder policy, with the scheduler's recent record."""

from django.contrib import messages
from django.db import transaction
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django_q.models import Schedule

from ..models import DigestEmail, Reminder, ReminderPolicy, SweepRun
from ..reminders.policy_form import ReminderPolicyForm
from ..reminders.schedules import SCHEDULES
from ..workflow import audit
from .common import supervisor_required

FIELDS = ReminderPolicyForm.Meta.fields


def _snapshot(policy: ReminderPolicy) -> dict:
    values = audit.snapshot(policy, FIELDS)
    values["sweep_time"] = policy.sweep_time.strftime("%H:%M")  # JSON has no time type
    return values


@supervisor_required
def reminder_policy(request: HttpRequest) -> HttpResponse:
    policy = ReminderPolicy.current()
    before = _snapshot(policy)
    form = ReminderPolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            policy = form.save(commit=False)
            policy.updated_by = request.user
            policy.save()
            changes = audit.diff(before, _snapshot(policy))
            if changes:
                audit.record(request.user, "reminder_policy", "修改提醒规则", changes=changes)
        messages.success(request, "提醒规则已保存。")
        return redirect("reminder_policy")

    outbox = dict(Reminder.objects.values_list("status").annotate(n=Count("pk")).order_by())
    context = {
        "form": form,
        "policy": policy,
        "runs": SweepRun.objects.order_by("-day")[:10],
        "outbox": [(label, outbox.get(value, 0)) for value, label in Reminder.Status.choices],
        "failed_digests": DigestEmail.objects.filter(status=DigestEmail.Status.FAILED)
        .select_related("recipient")
        .order_by("-day")[:10],
        "schedules": Schedule.objects.filter(name__in=[spec.name for spec in SCHEDULES]).order_by("name"),
    }
    # A refused submission answers 400 like every other form, with the errors and the input kept.
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "obligations/reminder_policy.html", context, status=status)
