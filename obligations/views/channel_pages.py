"""渠道设置 (supervisors): the 企业微信 application and the SMS gateway, each unit's channels and group
robots, each person's 企业微信 account and mobile; 发送测试消息 shows the vendor's answer. Every
save is audited without its secrets."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from ..models import Contact, Membership, Robot, SmsGateway, Unit, UnitChannels, WecomApp
from ..reminders import channel_probe
from ..reminders.channel_forms import (
    ContactForm,
    SmsGatewayForm,
    TestTargetForm,
    UnitChannelsForm,
    WecomAppForm,
)
from ..roles import supervisors
from ..security.invalid_input import InvalidInput
from ..workflow import audit
from .common import supervisor_required

PAGE_SIZE = 30


def _overview(request: HttpRequest, app_form=None, sms_form=None, status: int = 200) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:50]
    units = Unit.objects.filter(is_active=True, confirmed=True, is_group=False)
    if query:
        units = units.filter(name__contains=query)
    page = Paginator(units.order_by("name"), PAGE_SIZE).get_page(request.GET.get("page"))
    unit_ids = [unit.pk for unit in page]
    switches = {s.unit_id: s for s in UnitChannels.objects.filter(unit_id__in=unit_ids)}
    robots: dict[int, dict[str, Robot]] = {}
    for robot in Robot.objects.filter(unit_id__in=unit_ids).defer("key", "secret"):
        robots.setdefault(robot.unit_id, {})[robot.kind] = robot
    rows = [(unit, switches.get(unit.pk), robots.get(unit.pk, {})) for unit in page]
    return render(
        request,
        "obligations/channel_settings.html",
        {
            "app_form": app_form or WecomAppForm(instance=WecomApp.current(), prefix="app"),
            "sms_form": sms_form or SmsGatewayForm(instance=SmsGateway.current(), prefix="sms"),
            "app_test": TestTargetForm(kind="wecom_app", prefix="app_test"),
            "sms_test": TestTargetForm(kind="sms", prefix="sms_test"),
            "rows": rows,
            "page": page,
            "q": query,
        },
        status=status,
    )


@supervisor_required
def channel_settings(request: HttpRequest) -> HttpResponse:
    return _overview(request)


@supervisor_required
@require_POST
def channel_app_save(request: HttpRequest) -> HttpResponse:
    form = WecomAppForm(request.POST, instance=WecomApp.current(), prefix="app")
    if not form.is_valid():
        return _overview(request, app_form=form, status=400)
    with transaction.atomic():
        app = form.save(commit=False)
        app.updated_by = request.user
        app.save()
        secret = "；更换 Secret" if form.cleaned_data.get("new_secret") else ""
        audit.record(
            request.user,
            "channels.wecom_app",
            f"修改企业微信应用设置（{'启用' if app.enabled else '停用'}{secret}）",
        )
    messages.success(request, "企业微信应用设置已保存。")
    return redirect("channel_settings")


@supervisor_required
@require_POST
def channel_sms_save(request: HttpRequest) -> HttpResponse:
    form = SmsGatewayForm(request.POST, instance=SmsGateway.current(), prefix="sms")
    if not form.is_valid():
        return _overview(request, sms_form=form, status=400)
    with transaction.atomic():
        gateway = form.save(commit=False)
        gateway.updated_by = request.user
        gateway.save()
        secret = "；更换凭据" if form.cleaned_data.get("new_secret") else ""
        audit.record(
            request.user,
            "channels.sms",
            f"修改短信网关设置（{'启用' if gateway.enabled else '停用'}{secret}）",
        )
    messages.success(request, "短信网关设置已保存。")
    return redirect("channel_settings")


def _show(request: HttpRequest, result: channel_probe.ProbeResult) -> None:
    (messages.success if result.ok else messages.error)(request, result.message)


@supervisor_required
@require_POST
def channel_test(request: HttpRequest, kind: str) -> HttpResponse:
    """发送测试消息 from the application or the SMS gateway to an address typed in."""
    if kind not in ("wecom_app", "sms"):
        raise InvalidInput("未知的渠道。")
    form = TestTargetForm(request.POST, kind=kind, prefix="app_test" if kind == "wecom_app" else "sms_test")
    if not form.is_valid():
        messages.error(request, f"{form.fields['to'].label}格式不正确，未发送。")
        return redirect("channel_settings")
    to = form.cleaned_data["to"]
    result = channel_probe.probe_app(to) if kind == "wecom_app" else channel_probe.probe_sms(to)
    audit.record(
        request.user,
        "channels.test",
        f"发送测试消息（{'企业微信' if kind == 'wecom_app' else '短信'}）：{'成功' if result.ok else '失败'}",
    )
    _show(request, result)
    return redirect("channel_settings")


@supervisor_required
def channel_unit(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_object_or_404(Unit, pk=pk, is_group=False)
    form = UnitChannelsForm(request.POST or None, unit=unit)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            changes = form.save(request.user)
            if changes:
                audit.record(
                    request.user, "channels.unit", f"修改{unit.name}的提醒渠道：" + "；".join(changes)
                )
        messages.success(request, f"{unit.name}的提醒渠道已保存。")
        return redirect("channel_unit", pk=unit.pk)
    liaisons = (
        Membership.objects.filter(unit=unit, role=Membership.Role.LIAISON)
        .select_related("user", "user__contact")
        .order_by("user__username")
    )
    return render(
        request,
        "obligations/channel_unit.html",
        {"unit": unit, "form": form, "robots": form.robots, "liaisons": liaisons},
        status=400 if form.is_bound and form.errors else 200,
    )


@supervisor_required
@require_POST
def channel_robot_test(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_object_or_404(Unit, pk=pk, is_group=False)
    kind = request.POST.get("kind", "")
    if kind not in Robot.Kind.values:
        raise InvalidInput("未知的机器人类型。")
    robot = Robot.objects.filter(unit=unit, kind=kind).first()
    if robot is None or not robot.key:
        messages.error(request, "请先填写 Webhook 地址并保存。")
    else:
        result = channel_probe.probe_robot(robot)
        audit.record(
            request.user,
            "channels.test",
            f"向{unit.name}的{robot.get_kind_display()}发送测试消息：{'成功' if result.ok else '失败'}",
        )
        _show(request, result)
    return redirect("channel_unit", pk=unit.pk)


@supervisor_required
def channel_people(request: HttpRequest) -> HttpResponse:
    """Liaisons and supervisors with their 企业微信 account and mobile, searchable and paged."""
    query = request.GET.get("q", "").strip()[:50]
    users = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(memberships__role=Membership.Role.LIAISON) | Q(pk__in=supervisors().values("pk")))
    )
    if query:
        users = users.filter(
            Q(username__contains=query)
            | Q(first_name__contains=query)
            | Q(memberships__unit__name__contains=query)
        )
    users = users.distinct().order_by("username")
    page = Paginator(users, PAGE_SIZE).get_page(request.GET.get("page"))
    contacts = {c.user_id: c for c in Contact.objects.filter(user_id__in=[u.pk for u in page])}
    units: dict[int, list[str]] = {}
    for user_id, name in Membership.objects.filter(user_id__in=[u.pk for u in page]).values_list(
        "user_id", "unit__name"
    ):
        units.setdefault(user_id, []).append(name)
    rows = [
        (
            user,
            ContactForm(instance=contacts.get(user.pk), prefix=f"c{user.pk}"),
            "、".join(units.get(user.pk, [])),
        )
        for user in page
    ]
    return render(request, "obligations/channel_people.html", {"rows": rows, "page": page, "q": query})


@supervisor_required
@require_POST
def channel_person(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(get_user_model(), pk=pk, is_active=True)
    contact = Contact.objects.filter(user=user).first() or Contact(user=user)
    before = (contact.wecom_userid, contact.mobile)
    form = ContactForm(request.POST, instance=contact, prefix=f"c{user.pk}")
    if not form.is_valid():
        errors = "；".join(e for errs in form.errors.values() for e in errs)
        messages.error(request, f"{user.get_full_name() or user.username}的联系方式未保存：{errors}")
        return redirect("channel_people")
    with transaction.atomic():
        contact = form.save(commit=False)
        contact.updated_by = request.user
        contact.save()
        if before != (contact.wecom_userid, contact.mobile):
            audit.record(
                request.user,
                "channels.contact",
                f"修改{user.get_full_name() or user.username}的联系方式",
                changes={
                    "企业微信账号": [before[0], contact.wecom_userid],
                    "手机号": [before[1], contact.mobile],
                },
            )
    messages.success(request, f"{user.get_full_name() or user.username}的联系方式已保存。")
    return redirect("channel_people")
