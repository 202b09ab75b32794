from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class SourceDocument(models.Model):
    """An imported file. Its sha256 makes a second import of the same bytes a no-op."""

    file = models.FileField("文件", upload_to="imports/%Y/%m/")
    original_name = models.CharField("原文件名", max_length=255)
    sha256 = models.CharField("SHA-256", max_length=64, unique=True)
    size = models.PositiveBigIntegerField("大小（字节）")
    jurisdiction = models.CharField("所属辖区", max_length=50, blank=True)
    extraction = models.JSONField("提取结果", default=dict, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", null=True, blank=True, on_delete=models.SET_NULL
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "导入文件"
        verbose_name_plural = "导入文件"
        ordering = ["-uploaded_at"]
        constraints = [
            models.CheckConstraint(condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="sha256_hex")
        ]

    def __str__(self) -> str:
        return self.original_name


def published_q(path: str = "") -> Q:
    """What "published" means, stated once: the plan's status. ``path`` reaches the plan from another
    model ("plan__", "task__plan__") for queries that join plans anyway; lists of tasks use
    TaskQuerySet.published() instead, whose "plan_id IN (...)" shape stays fast."""
    return Q(**{f"{path}status": Plan.Status.PUBLISHED})


class PlanQuerySet(models.QuerySet):
    def published(self) -> PlanQuerySet:
        return self.filter(published_q())


class Plan(models.Model):
    """One notice/work plan (工作方案) with its tasks; a gazette file may yield several."""

    class Status(models.TextChoices):
        DRAFT = "draft", "待审核发布"
        PUBLISHED = "published", "已发布"
        ARCHIVED = "archived", "已归档"

    source = models.ForeignKey(
        SourceDocument,
        verbose_name="来源文件",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="plans",
    )
    notice_index = models.PositiveIntegerField("文件内序号", default=0)
    title = models.CharField("标题", max_length=300)
    number = models.CharField("文号", max_length=60, blank=True)
    issuer = models.CharField("发文单位", max_length=100, blank=True)
    issued = models.DateField("印发日期", null=True, blank=True)
    year = models.PositiveSmallIntegerField("年度", null=True, blank=True)
    jurisdiction = models.CharField("所属辖区", max_length=50, blank=True, db_index=True)
    status = models.CharField(
        "状态", max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="导入人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("导入时间", auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发布人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField("发布时间", null=True, blank=True)

    objects = PlanQuerySet.as_manager()

    class Meta:
        verbose_name = "工作方案"
        verbose_name_plural = "工作方案"
        ordering = ["-issued", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["source", "notice_index"], name="plan_unique_notice_in_source"),
            models.CheckConstraint(
                condition=Q(year__isnull=True) | Q(year__gte=1949, year__lte=2100), name="plan_year_sane"
            ),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="plan_published_has_time",
            ),
            models.CheckConstraint(condition=~Q(title=""), name="plan_title_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.title}（{self.number}）" if self.number else self.title

    @property
    def is_published(self) -> bool:
        return self.status == Plan.Status.PUBLISHED

    @property
    def sha256(self) -> str | None:
        return self.source.sha256 if self.source_id else None

    @property
    def source_label(self) -> str:
        """How ledgers cite the plan: title and 文号."""
        return str(self)
