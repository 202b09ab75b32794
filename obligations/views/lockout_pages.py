"""Login lockouts as people meet them: the page a locked-out login gets, and the supervisors' list
of locked accounts and addresses with 解除锁定."""

from __future__ import annotations

import math

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from ..roles import capabilities
from ..security import lockouts
from ..security.invalid_input import InvalidInput

LOCKED_OUT_STATUS = 429


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: a Chinese page saying when to try again (site login and admin login)."""
    username = (credentials or {}).get("username") or request.POST.get("username") or None
    address = getattr(request, "axes_ip_address", None) or lockouts.client_ip(request)
    now = timezone.now()
    until = lockouts.retry_at(username, address) or now + lockouts.cool_off()
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    context = {"until": timezone.localtime(until), "minutes": minutes, "limit": lockouts.failure_limit()}
    return render(request, "registration/locked_out.html", context, status=LOCKED_OUT_STATUS)


class UnlockForm(forms.Form):
    kind = forms.ChoiceField(choices=list(lockouts.KIND_LABELS.items()))
    value = forms.CharField(max_length=255)

    def clean(self) -> dict:
        data = super().clean()
        if data.get("kind") == lockouts.ADDRESS and data.get("value"):
            # The address column is an IP field (inet on PostgreSQL): anything else is no address.
            try:
                data["value"] = forms.GenericIPAddressField().clean(data["value"])
            except forms.ValidationError:
                self.add_error("value", "地址格式不正确。")
        return data


def _require_unlocker(request: HttpRequest) -> None:
    if not capabilities(request.user).unlock_logins:
        raise PermissionDenied("仅督查员可以查看和解除登录锁定。")


@login_required
def lockout_list(request: HttpRequest) -> HttpResponse:
    _require_unlocker(request)
    return render(
        request,
        "obligations/lockout_list.html",
        {
            "locks": lockouts.current_locks(),
            "limit": lockouts.failure_limit(),
            "cool_off_minutes": int(lockouts.cool_off().total_seconds() // 60),
        },
    )


@login_required
@require_POST
def lockout_unlock(request: HttpRequest) -> HttpResponse:
    _require_unlocker(request)
    form = UnlockForm(request.POST)
    if not form.is_valid():
        raise InvalidInput("解除锁定的请求无效，请刷新页面后重试。")
    kind, value = form.cleaned_data["kind"], form.cleaned_data["value"]
    label = lockouts.KIND_LABELS[kind]
    if lockouts.unlock(kind, value, user=request.user):
        messages.success(request, f"已解除{label}“{value}”的登录锁定。")
    else:
        messages.info(request, f"{label}“{value}”当前没有被锁定。")
    return redirect("lockout_list")
