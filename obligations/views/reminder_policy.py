"""The supervisor's page for the reminder policy, with the scheduler's recent record."""

import re

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django_q.models import Schedule

from .. import audit
from ..models import DigestEmail, Reminder, ReminderPolicy, SweepRun
from ..reminders.forms import ReminderPolicyForm
from ..roles import is_supervisor
from ..schedules import SCHEDULES

FIELDS = ReminderPolicyForm.Meta.fields
_PLAIN_OFFSETS = re.compile(r"[0-9\s,，、;；]*")


class PolicyForm(ReminderPolicyForm):
    """The policy form, refusing anything but ASCII digits and separators in the due-soon offsets
    before the base form parses them: str.isdigit() accepts "²", which int() then rejects."""

    def clean_due_soon_offsets(self) -> list[int]:
        raw = self.cleaned_data.get("due_soon_offsets") or ""
        if not _PLAIN_OFFSETS.fullmatch(raw):
            raise forms.ValidationError("请输入用逗号分隔的非负整数，如 5,3,1。")
        return super().clean_due_soon_offsets()


def _snapshot(policy: ReminderPolicy) -> dict:
    values = audit.snapshot(policy, FIELDS)
    values["sweep_time"] = policy.sweep_time.strftime("%H:%M")  # JSON has no time type
    return values


@login_required
def reminder_policy(request: HttpRequest) -> HttpResponse:
    if not is_supervisor(request.user):
        raise PermissionDenied("只有督查员可以修改提醒规则。")
    policy = ReminderPolicy.current()
    before = _snapshot(policy)
    form = PolicyForm(request.POST or None, instance=policy)
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
    return render(request, "obligations/reminder_policy.html", context)
