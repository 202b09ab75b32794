"""Forms of the channel settings pages (渠道设置). Secrets are write-only: a saved one is shown masked,
an empty input keeps it, 清除 removes it."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

from django import forms

from ..models import Contact, Robot, SmsGateway, UnitChannels, WecomApp
from ..models.sealed import fingerprint, masked
from .channels.sms import PLACEHOLDERS

KEY_PATTERN = re.compile(r"^[A-Za-z0-9_\-]{6,200}$")
CORP_PATTERN = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")
MOBILE_PATTERN = re.compile(r"^1\d{10}$")
USERID_PATTERN = re.compile(r"^[A-Za-z0-9_@.\-]{1,64}$")


class SecretInput(forms.CharField):
    def __init__(self, label: str, saved: str = "", **kwargs) -> None:
        help_text = f"已保存：{masked(saved)}；留空则不修改。" if saved else "尚未设置。"
        super().__init__(
            label=label,
            required=False,
            max_length=500,
            strip=True,
            widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
            help_text=help_text,
            **kwargs,
        )


def webhook_key(value: str, parameter: str) -> str:
    """The key (企业微信 ``key``, 钉钉 ``access_token``) from a pasted webhook URL or the bare key."""
    value = value.strip()
    if value.lower().startswith(("http://", "https://")):
        found = parse_qs(urlsplit(value).query).get(parameter, [""])[-1]
        if not found:
            raise forms.ValidationError(f"Webhook 地址中没有 {parameter} 参数。")
        value = found
    if not KEY_PATTERN.fullmatch(value):
        raise forms.ValidationError("Webhook 密钥格式不正确：应为完整的 Webhook 地址或其中的密钥。")
    return value


class WecomAppForm(forms.ModelForm):
    new_secret = forms.CharField(required=False)
    clear_secret = forms.BooleanField(label="清除 Secret", required=False)

    class Meta:
        model = WecomApp
        fields = ["enabled", "corp_id", "agent_id"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_secret"] = SecretInput("应用 Secret", self.instance.secret)

    def clean_corp_id(self) -> str:
        value = self.cleaned_data.get("corp_id", "").strip()
        if value and not CORP_PATTERN.fullmatch(value):
            raise forms.ValidationError("企业 ID 格式不正确。")
        return value

    def clean(self):
        data = super().clean()
        secret = self.instance.secret if not data.get("clear_secret") else ""
        secret = data.get("new_secret") or secret
        if data.get("enabled") and not (data.get("corp_id") and data.get("agent_id") and secret):
            raise forms.ValidationError("启用企业微信应用需填写企业 ID、AgentId 和 Secret。")
        return data

    def save(self, commit: bool = True) -> WecomApp:
        app = super().save(commit=False)
        if self.cleaned_data.get("clear_secret"):
            app.secret = ""
        if self.cleaned_data.get("new_secret"):
            app.secret = self.cleaned_data["new_secret"]
            app.access_token, app.token_expires_at = "", None  # a new secret: fetch a new token
        if commit:
            app.save()
        return app


class SmsGatewayForm(forms.ModelForm):
    url = forms.URLField(label="网关地址", max_length=500, required=False, assume_scheme="https")
    new_secret = forms.CharField(required=False)
    clear_secret = forms.BooleanField(label="清除凭据", required=False)

    class Meta:
        model = SmsGateway
        fields = [
            "enabled",
            "url",
            "method",
            "params",
            "headers",
            "success_json_path",
            "success_json_value",
            "success_regex",
            "signature",
            "max_chars",
        ]
        widgets = {"params": forms.Textarea(attrs={"rows": 3}), "headers": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_secret"] = SecretInput("凭据（{secret}）", self.instance.secret)

    def _json_object(self, name: str) -> str:
        text = self.cleaned_data.get(name) or "{}"
        try:
            value = json.loads(text)
        except ValueError as exc:
            raise forms.ValidationError(f"不是合法的 JSON：{exc}") from None
        if not isinstance(value, dict):
            raise forms.ValidationError("应为 JSON 对象（{...}）。")
        unknown = set(re.findall(r"\{(\w+)\}", text)) - set(PLACEHOLDERS)
        if unknown:
            raise forms.ValidationError("未知的占位符：" + "、".join(sorted(unknown)))
        return text

    def clean_params(self) -> str:
        return self._json_object("params")

    def clean_headers(self) -> str:
        return self._json_object("headers")

    def clean_success_regex(self) -> str:
        pattern = self.cleaned_data.get("success_regex", "")
        try:
            re.compile(pattern)
        except re.error as exc:
            raise forms.ValidationError(f"正则表达式有误：{exc}") from None
        return pattern

    def clean(self):
        data = super().clean()
        if data.get("enabled") and not data.get("url"):
            raise forms.ValidationError("启用短信网关需填写网关地址。")
        if data.get("success_json_path") and not data.get("success_json_value"):
            self.add_error("success_json_value", "请填写成功时该字段的值。")
        return data

    def save(self, commit: bool = True) -> SmsGateway:
        gateway = super().save(commit=False)
        if self.cleaned_data.get("clear_secret"):
            gateway.secret = ""
        if self.cleaned_data.get("new_secret"):
            gateway.secret = self.cleaned_data["new_secret"]
        if commit:
            gateway.save()
        return gateway


class UnitChannelsForm(forms.Form):
    """A unit's switches and its two group robots."""

    wecom_app = forms.BooleanField(label="企业微信/政务微信应用消息", required=False)
    sms = forms.BooleanField(label="短信", required=False)
    wecom_enabled = forms.BooleanField(label="启用企业微信群机器人", required=False)
    wecom_mention = forms.BooleanField(label="@本单位联络员", required=False)
    clear_wecom = forms.BooleanField(label="删除企业微信群机器人", required=False)
    dingtalk_enabled = forms.BooleanField(label="启用钉钉群机器人", required=False)
    dingtalk_mention = forms.BooleanField(label="@本单位联络员", required=False)
    clear_dingtalk = forms.BooleanField(label="删除钉钉群机器人", required=False)

    def __init__(self, *args, unit, **kwargs) -> None:
        self.unit = unit
        self.switches = UnitChannels.objects.filter(unit=unit).first() or UnitChannels(unit=unit)
        self.robots = {robot.kind: robot for robot in Robot.objects.filter(unit=unit)}
        wecom = self.robots.get(Robot.Kind.WECOM)
        ding = self.robots.get(Robot.Kind.DINGTALK)
        initial = {
            "wecom_app": self.switches.wecom_app,
            "sms": self.switches.sms,
            "wecom_enabled": wecom.enabled if wecom else True,
            "wecom_mention": wecom.mention if wecom else True,
            "dingtalk_enabled": ding.enabled if ding else True,
            "dingtalk_mention": ding.mention if ding else True,
        }
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["wecom_key"] = SecretInput("企业微信群机器人 Webhook 地址", wecom.key if wecom else "")
        self.fields["dingtalk_key"] = SecretInput("钉钉群机器人 Webhook 地址", ding.key if ding else "")
        self.fields["dingtalk_secret"] = SecretInput("钉钉加签密钥（SEC…）", ding.secret if ding else "")

    def clean_wecom_key(self) -> str:
        value = self.cleaned_data.get("wecom_key", "")
        return webhook_key(value, "key") if value else ""

    def clean_dingtalk_key(self) -> str:
        value = self.cleaned_data.get("dingtalk_key", "")
        return webhook_key(value, "access_token") if value else ""

    def clean_dingtalk_secret(self) -> str:
        value = self.cleaned_data.get("dingtalk_secret", "")
        if value and not KEY_PATTERN.fullmatch(value):
            raise forms.ValidationError("加签密钥格式不正确。")
        return value

    def clean(self):
        data = super().clean()
        for kind, field in ((Robot.Kind.WECOM, "wecom_key"), (Robot.Kind.DINGTALK, "dingtalk_key")):
            key = data.get(field)
            if key:
                taken = (
                    Robot.objects.filter(kind=kind, fingerprint=fingerprint(f"{kind}:{key}"))
                    .exclude(unit=self.unit)
                    .select_related("unit")
                    .first()
                )
                if taken is not None:
                    self.add_error(
                        field, f"该机器人已由{taken.unit.name}使用：每个群机器人只能配置给一个单位。"
                    )
        return data

    def save(self, user) -> list[str]:
        """Write switches and robots; returns what changed, in words (no secret)."""
        data = self.cleaned_data
        changes = []
        switches = self.switches
        for name in ("wecom_app", "sms"):
            if getattr(switches, name) != data[name]:
                changes.append(f"{self.fields[name].label}：{'开启' if data[name] else '关闭'}")
                setattr(switches, name, data[name])
        switches.updated_by = user
        switches.save()
        for kind, prefix in ((Robot.Kind.WECOM, "wecom"), (Robot.Kind.DINGTALK, "dingtalk")):
            robot = self.robots.get(kind)
            label = Robot.Kind(kind).label
            if data.get(f"clear_{prefix}"):
                if robot is not None:
                    robot.delete()
                    changes.append(f"删除{label}")
                continue
            key = data.get(f"{prefix}_key")
            if robot is None and not key:
                continue
            robot = robot or Robot(unit=self.unit, kind=kind)
            if key and key != robot.key:
                robot.key = key
                changes.append(f"{label}：更换 Webhook")
            if prefix == "dingtalk" and data.get("dingtalk_secret"):
                robot.secret = data["dingtalk_secret"]
                changes.append(f"{label}：更换加签密钥")
            for flag in ("enabled", "mention"):
                value = data[f"{prefix}_{flag}"]
                if robot.pk is None or getattr(robot, flag) != value:
                    setattr(robot, flag, value)
                    changes.append(
                        f"{label}：{'启用' if flag == 'enabled' else '@联络员'}{'开' if value else '关'}"
                    )
            robot.updated_by = user
            robot.save()
        return changes


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["wecom_userid", "mobile"]

    def clean_wecom_userid(self) -> str:
        value = self.cleaned_data.get("wecom_userid", "").strip()
        if value and not USERID_PATTERN.fullmatch(value):
            raise forms.ValidationError("企业微信账号只能包含字母、数字和 _ @ . -，最长 64 位。")
        return value

    def clean_mobile(self) -> str:
        value = self.cleaned_data.get("mobile", "").strip().replace(" ", "").replace("-", "")
        if value.startswith("+86"):
            value = value[3:]
        if value and not MOBILE_PATTERN.fullmatch(value):
            raise forms.ValidationError("手机号应为 11 位数字（1 开头）。")
        return value


class TestTargetForm(forms.Form):
    """Who gets a test message from the application or the SMS gateway."""

    to = forms.CharField(label="接收人", max_length=64)

    def __init__(self, *args, kind: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields["to"].label = "企业微信账号" if kind == "wecom_app" else "手机号"

    def clean_to(self) -> str:
        value = self.cleaned_data["to"].strip()
        pattern = USERID_PATTERN if self.kind == "wecom_app" else MOBILE_PATTERN
        if not pattern.fullmatch(value):
            raise forms.ValidationError("格式不正确。")
        return value
