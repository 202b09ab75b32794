from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q

from .organisation import Unit
from .work import Task


def default_due_soon_offsets() -> list[int]:
    return [5, 3, 1]


class ReminderPolicy(models.Model):
    """The one editable reminder policy (提醒规则); the row with pk=1 is the policy."""

    due_soon_offsets = models.JSONField(
        "到期前提醒（工作日）",
        default=default_due_soon_offsets,
        help_text="到期前第几个工作日提醒，如 [5, 3, 1]。",
    )
    overdue_daily_days = models.PositiveSmallIntegerField(
        "逾期后每日提醒天数", default=5, help_text="逾期后前 N 个工作日每天提醒联络员，之后每周提醒一次。"
    )
    overdue_weekly = models.BooleanField("之后每周提醒", default=True)
    escalate_after_days = models.PositiveSmallIntegerField(
        "逾期上报督查员（工作日）", default=3, help_text="逾期满 N 个工作日后提醒督查员。"
    )
    monthly_report_day = models.PositiveSmallIntegerField(
        "月度进展报送提醒日", default=25, help_text="每月该日提醒长期、周期任务报送进展。"
    )
    yellow_window_days = models.PositiveSmallIntegerField(
        "黄灯预警（工作日）", default=5, help_text="距完成时限不超过 N 个工作日亮黄灯。"
    )
    sweep_time = models.TimeField("每日提醒时间", default=datetime.time(8, 30))
    max_send_attempts = models.PositiveSmallIntegerField("最多发送次数", default=5)
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
        verbose_name = "提醒规则"
        verbose_name_plural = "提醒规则"
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="reminder_policy_singleton"),
            models.CheckConstraint(
                condition=Q(monthly_report_day__gte=1, monthly_report_day__lte=28), name="report_day_in_month"
            ),
            models.CheckConstraint(condition=Q(max_send_attempts__gte=1), name="policy_attempts_positive"),
        ]

    def __str__(self) -> str:
        return "提醒规则"

    @classmethod
    def current(cls) -> ReminderPolicy:
        policy, _ = cls.objects.get_or_create(pk=1)
        return policy


class ClaimedSend(models.Model):
    """What the sender keeps on anything it sends (a digest e-mail, an outbox row): the claim
    (token and time, taken by a conditional UPDATE), attempts and the next retry, the result.
    See obligations.reminders.outbox."""

    # Counted when a send starts (see obligations.reminders.attempts), never for a claim alone.
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    next_attempt_at = models.DateTimeField("下次尝试", null=True, blank=True)
    claimed_at = models.DateTimeField("领取时间", null=True, blank=True)
    claim_token = models.CharField("领取标记", max_length=64, blank=True)
    # Cleared by each claim, stamped when that claim's try starts: a claim left "sending" with it
    # empty never reached the mail server and is queued again without a charge.
    attempt_started_at = models.DateTimeField("本次尝试开始时间", null=True, blank=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    last_error = models.TextField("错误信息", blank=True)

    class Meta:
        abstract = True


class DigestEmail(ClaimedSend):
    """One e-mail per recipient per day, gathering that day's reminders."""

    class Status(models.TextChoices):
        PENDING = "pending", "待发送"
        SENDING = "sending", "发送中"
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="收件人", on_delete=models.CASCADE, related_name="digests"
    )
    day = models.DateField("日期")
    status = models.CharField(
        "状态", max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    subject = models.CharField("主题", max_length=200, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "提醒邮件"
        verbose_name_plural = "提醒邮件"
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "day"], name="one_digest_per_recipient_day")
        ]

    def __str__(self) -> str:
        return f"{self.recipient} {self.day}"


class Reminder(ClaimedSend):
    """The outbox: one row per (task, unit, kind, stage, deadline, recipient), so nothing is sent twice."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", "到期提醒"
        OVERDUE = "overdue", "逾期提醒"
        ESCALATION = "escalation", "逾期上报"
        REPORT_DUE = "report_due", "进展报送提醒"
        MANUAL = "manual", "催办"

    class Status(models.TextChoices):
        PENDING = "pending", "待发送"
        SENDING = "sending", "发送中"
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败"
        CANCELLED = "cancelled", "已取消"

    # No database constraints on task, unit and recipient: checking them cost a first sweep about
    # half its time (a row lock on the referenced task, unit and person for every inserted row).
    # Deleting one still removes its rows (Django's CASCADE), and the sweep inserts only rows whose
    # task, unit and recipient exist (sweep_rows.insert_batch). Rows are written for published
    # tasks only, and tasks are deleted only from draft plans (plans.review).
    # The unique key below starts with task, so the foreign key needs no index of its own.
    task = models.ForeignKey(
        Task,
        verbose_name="任务",
        on_delete=models.CASCADE,
        related_name="reminders",
        db_index=False,
        db_constraint=False,
    )
    unit = models.ForeignKey(
        Unit, verbose_name="单位", on_delete=models.CASCADE, related_name="reminders", db_constraint=False
    )
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    # Which step of the policy this is ("T-5", "D+1", "W2", a report month, a manual request's id).
    stage = models.CharField("阶段", max_length=40)
    deadline = models.DateField("对应时限")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="接收人",
        on_delete=models.CASCADE,
        related_name="reminders",
        db_constraint=False,  # see task
    )
    message = models.TextField("内容", blank=True)
    due_at = models.DateTimeField("计划发送时间")
    # Every query on status also bounds due_at: the (status, due_at) index serves them all.
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.PENDING)
    digest = models.ForeignKey(
        DigestEmail,
        verbose_name="所属邮件",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,  # done by Django, as for the keys above
        related_name="reminders",
        db_index=False,  # partial index below
        db_constraint=False,  # a claim sets it on 100,000s of rows: no per-row check and lock
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="催办人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # partial index below
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "提醒"
        verbose_name_plural = "提醒"
        ordering = ["-due_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "unit", "kind", "stage", "deadline", "recipient"],
                name="reminder_outbox_unique",
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False), name="reminder_sent_has_time"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_at"], name="reminder_status_due"),
            # A sweep writes its rows without a digest or a 催办人: indexing only the rows that have
            # one spares the day's 100,000+ inserts two index updates each.
            models.Index(fields=["digest"], condition=Q(digest__isnull=False), name="reminder_digest"),
            models.Index(
                fields=["created_by"], condition=Q(created_by__isnull=False), name="reminder_created_by"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.stage} → {self.recipient}"


class Notification(models.Model):
    """An in-app message (站内通知) with an unread state."""

    # Both keys lead an index of their own below (notification_user_unread, the partial unique
    # constraint): plain FK indexes beside them only slowed the pass that writes 100,000s of these.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="用户",
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,
    )
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=300, blank=True)
    reminder = models.ForeignKey(
        Reminder,
        verbose_name="提醒",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
        db_index=False,
    )
    created_at = models.DateTimeField("时间", auto_now_add=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = "站内通知"
        verbose_name_plural = "站内通知"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]
        constraints = [
            models.UniqueConstraint(
                fields=["reminder", "user"],
                condition=Q(reminder__isnull=False),
                name="one_notification_per_reminder",
            )
        ]

    def __str__(self) -> str:
        return self.title


class Delivery(ClaimedSend):
    """One message on a channel other than e-mail and in-app: a day's digest or a 催办, to a person
    (企业微信应用消息, 短信) or to a unit's group robot (企业微信/钉钉群机器人).

    Unique per (channel, person, day), (channel, robot, day), (channel, 催办 row) and (channel,
    robot, 催办 request): planned once, claimed and sent like any outbox item
    (obligations.reminders.attempts). What a digest says is read when it is sent: the day's
    automatic reminders of that person (or of that unit, for a robot) that still apply.
    """

    class Channel(models.TextChoices):
        WECOM_APP = "wecom_app", "企业微信"
        SMS = "sms", "短信"
        WECOM_ROBOT = "wecom_robot", "企业微信群"
        DINGTALK = "dingtalk", "钉钉群"

    class Status(models.TextChoices):
        PENDING = "pending", "待发送"
        SENDING = "sending", "发送中"
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败"
        CANCELLED = "cancelled", "已取消"

    channel = models.CharField("渠道", max_length=20, choices=Channel.choices)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.PENDING)
    # A digest: the day whose automatic reminders it carries. A 催办: the row (person) or the request.
    day = models.DateField("日期", null=True, blank=True)
    reminder = models.ForeignKey(
        Reminder,
        verbose_name="催办",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    stage = models.CharField("催办批次", max_length=40, blank=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="接收人",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    robot = models.ForeignKey(
        "Robot",
        verbose_name="群机器人",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    unit = models.ForeignKey(
        Unit, verbose_name="单位", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    due_at = models.DateTimeField("计划发送时间")
    answer = models.TextField("对方应答", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "渠道消息"
        verbose_name_plural = "渠道消息"
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "recipient", "day"],
                condition=Q(recipient__isnull=False, day__isnull=False),
                name="delivery_person_day",
            ),
            models.UniqueConstraint(
                fields=["channel", "robot", "day"],
                condition=Q(robot__isnull=False, day__isnull=False),
                name="delivery_robot_day",
            ),
            models.UniqueConstraint(
                fields=["channel", "reminder"],
                condition=Q(reminder__isnull=False),
                name="delivery_manual_row",
            ),
            models.UniqueConstraint(
                fields=["channel", "robot", "stage"],
                condition=Q(robot__isnull=False) & ~Q(stage=""),
                name="delivery_robot_request",
            ),
            models.CheckConstraint(
                condition=Q(recipient__isnull=False) | Q(robot__isnull=False), name="delivery_has_target"
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False), name="delivery_sent_has_time"
            ),
        ]
        indexes = [models.Index(fields=["status", "due_at"], name="delivery_status_due")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.day or self.stage}"
