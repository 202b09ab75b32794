"""Where reminders may go besides e-mail and in-app: per unit (channels on, group robots), per person
(企业微信 user id, mobile), and the two shared accounts (企业微信 application, SMS gateway).

Secrets are SealedFields (obligations.models.sealed): encrypted at rest, never shown in full.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from .organisation import Unit
from .sealed import SealedField, fingerprint


class UnitChannels(models.Model):
    """Which personal channels a unit's liaisons get their reminders on (e-mail and in-app always)."""

    unit = models.OneToOneField(Unit, verbose_name="单位", on_delete=models.CASCADE, related_name="channels")
    wecom_app = models.BooleanField("企业微信/政务微信应用消息", default=False)
    sms = models.BooleanField("短信", default=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="修改人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "单位提醒渠道"
        verbose_name_plural = "单位提醒渠道"

    def __str__(self) -> str:
        return f"{self.unit} 提醒渠道"


class Robot(models.Model):
    """A unit's group robot (企业微信群机器人 or 钉钉自定义机器人).

    ``key`` is the webhook's key (企业微信) or access_token (钉钉); the request URL is built from
    the vendor's base URL in settings, so a saved key can never point a request elsewhere.
    ``next_send_at`` spaces messages to the vendor's per-robot rate (claimed by a conditional UPDATE).
    """

    class Kind(models.TextChoices):
        WECOM = "wecom", "企业微信群机器人"
        DINGTALK = "dingtalk", "钉钉群机器人"

    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.CASCADE, related_name="robots")
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    enabled = models.BooleanField("启用", default=True)
    key = SealedField("Webhook 密钥", blank=True)
    secret = SealedField("加签密钥", blank=True)
    # Keyed digest of kind + key: one webhook serves one unit, so its rate limit is ours to keep.
    fingerprint = models.CharField("Webhook 指纹", max_length=64, blank=True, editable=False)
    mention = models.BooleanField(
        "@联络员", default=True, help_text="消息中@本单位联络员（按企业微信账号或手机号）。"
    )
    next_send_at = models.DateTimeField("下次可发送时间", null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="修改人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "群机器人"
        verbose_name_plural = "群机器人"
        constraints = [
            models.UniqueConstraint(fields=["unit", "kind"], name="one_robot_per_unit_and_kind"),
            models.UniqueConstraint(
                fields=["kind", "fingerprint"], condition=~Q(fingerprint=""), name="robot_webhook_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.get_kind_display()}"

    def save(self, *args, **kwargs) -> None:
        self.fingerprint = fingerprint(f"{self.kind}:{self.key}") if self.key else ""
        super().save(*args, **kwargs)


class Contact(models.Model):
    """A person's addresses on the personal channels."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE, related_name="contact"
    )
    wecom_userid = models.CharField(
        "企业微信账号", max_length=64, blank=True, help_text="企业微信/政务微信通讯录中的账号（UserID）。"
    )
    mobile = models.CharField("手机号", max_length=20, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="修改人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "联系方式"
        verbose_name_plural = "联系方式"

    def __str__(self) -> str:
        return f"{self.user} 联系方式"


class WecomApp(models.Model):
    """The 企业微信/政务微信 self-built application that sends personal messages; pk=1 is it.

    Its access token is cached here (sealed), shared by every worker, and refreshed when it expires
    or the API says it is invalid (obligations.reminders.channels.wecom).
    """

    enabled = models.BooleanField("启用", default=False)
    corp_id = models.CharField("企业 ID（corpid）", max_length=64, blank=True)
    agent_id = models.PositiveIntegerField("应用 AgentId", null=True, blank=True)
    secret = SealedField("应用 Secret", blank=True)
    access_token = SealedField("access_token", blank=True, editable=False)
    token_expires_at = models.DateTimeField("access_token 过期时间", null=True, blank=True, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="修改人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "企业微信应用"
        verbose_name_plural = "企业微信应用"
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="wecom_app_singleton")]

    def __str__(self) -> str:
        return "企业微信应用"

    @classmethod
    def current(cls) -> WecomApp:
        app, _ = cls.objects.get_or_create(pk=1)
        return app

    @property
    def ready(self) -> bool:
        return self.enabled and bool(self.corp_id and self.agent_id and self.secret)


class SmsGateway(models.Model):
    """The SMS gateway (政务短信平台 differ, so the request is described, not coded); pk=1 is it.

    ``params`` is a JSON object whose string values may hold {mobile} {text} {secret} {message_id}
    {timestamp}; sent as a JSON body, a form body, or (GET) the query string. ``headers`` likewise.
    Success: an HTTP 2xx answer that also matches the JSON path/value and/or the regular expression.
    """

    class Method(models.TextChoices):
        POST_JSON = "post_json", "POST（JSON 请求体）"
        POST_FORM = "post_form", "POST（表单）"
        GET = "get", "GET（查询参数）"

    enabled = models.BooleanField("启用", default=False)
    url = models.URLField("网关地址", max_length=500, blank=True)
    method = models.CharField("请求方式", max_length=20, choices=Method.choices, default=Method.POST_JSON)
    params = models.TextField(
        "请求参数（JSON）",
        blank=True,
        default='{"mobile": "{mobile}", "content": "{text}"}',
        help_text="JSON 对象，可用占位符 {mobile} {text} {secret} {message_id} {timestamp}。",
    )
    headers = models.TextField(
        "请求头（JSON）", blank=True, default="{}", help_text="JSON 对象，可用占位符同上。"
    )
    secret = SealedField("凭据（{secret}）", blank=True)
    success_json_path = models.CharField(
        "成功判断：JSON 字段",
        max_length=100,
        blank=True,
        help_text="如 code 或 result.status；留空则不判断。",
    )
    success_json_value = models.CharField("成功判断：字段值", max_length=100, blank=True)
    success_regex = models.CharField("成功判断：正则表达式", max_length=200, blank=True)
    signature = models.CharField("短信签名", max_length=20, blank=True, default="【督办台账】")
    # 70 characters is one SMS; gateways join longer ones (长短信), billed per 67. Two by default.
    max_chars = models.PositiveSmallIntegerField(
        "每条短信最多字数", default=140, validators=[MinValueValidator(60), MaxValueValidator(500)]
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="修改人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "短信网关"
        verbose_name_plural = "短信网关"
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="sms_gateway_singleton")]

    def __str__(self) -> str:
        return "短信网关"

    @classmethod
    def current(cls) -> SmsGateway:
        gateway, _ = cls.objects.get_or_create(pk=1)
        return gateway

    @property
    def ready(self) -> bool:
        return self.enabled and bool(self.url)
