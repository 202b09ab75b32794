from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .. import roles


class Unit(models.Model):
    """A 单位: a department, government, township, or a generic group such as 各区县政府."""

    class Kind(models.TextChoices):
        GOVERNMENT = "government", "政府/管委会"
        DEPARTMENT = "department", "部门"
        TOWNSHIP = "township", "镇（街道）"
        INSTITUTION = "institution", "企事业单位"
        OTHER = "other", "其他"

    jurisdiction = models.CharField("所属辖区", max_length=50, blank=True, db_index=True)
    name = models.CharField("单位名称", max_length=100)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices, default=Kind.DEPARTMENT)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级单位",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
    )
    is_group = models.BooleanField(
        "泛指单位组", default=False, help_text="如“各区县政府”“区政府相关部门”，其任务由成员单位共同承担。"
    )
    members = models.ManyToManyField(
        "self", verbose_name="成员单位", symmetrical=False, blank=True, related_name="groups"
    )
    confirmed = models.BooleanField("已确认", default=True, help_text="导入时新建的单位需督查员确认或合并。")
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "单位"
        verbose_name_plural = "单位"
        ordering = ["jurisdiction", "name"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "name"], name="unit_name_unique_in_jurisdiction"),
            models.CheckConstraint(condition=~Q(name=""), name="unit_name_not_empty"),
        ]
        # Namesakes in other jurisdictions (unit labels look them up for every unit shown).
        indexes = [models.Index(fields=["name"], name="unit_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def label_with_place(self) -> str:
        """The name with its jurisdiction, always (where a choice must be unmistakable)."""
        return f"{self.name}（{self.jurisdiction}）" if self.jurisdiction else self.name

    @property
    def label(self) -> str:
        """How the unit is shown: its name, with its jurisdiction when another unit has the same
        name (区交通运输局（张店区）); ``plans.unit_directory.label_units`` decides that for a page."""
        return self.__dict__.get("_label") or self.name


class UnitAlias(models.Model):
    """Another spelling of a unit's name, e.g. 区大数据局 for 区政府办公室（区大数据局）."""

    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.CASCADE, related_name="aliases")
    # Copied from the unit so the database can enforce one meaning per alias within a jurisdiction.
    jurisdiction = models.CharField("所属辖区", max_length=50, blank=True, editable=False)
    name = models.CharField("别名", max_length=100)
    # Who taught the directory this spelling (导入审核's 映射), for the supervisors' alias list; empty
    # for aliases that came with the registered units.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="映射人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("映射时间", null=True, blank=True, default=timezone.now)

    class Meta:
        verbose_name = "单位别名"
        verbose_name_plural = "单位别名"
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "name"], name="alias_unique_in_jurisdiction"),
            models.CheckConstraint(condition=~Q(name=""), name="alias_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.jurisdiction = self.unit.jurisdiction
        super().save(*args, **kwargs)


class Membership(models.Model):
    """Links a user to a unit: liaisons (联络员) act for it, leaders (领导) only read."""

    class Role(models.TextChoices):
        # The same words as the users' roles in obligations.roles, which reads memberships by them.
        LIAISON = roles.LIAISON, "联络员"
        LEADER = roles.LEADER, "领导"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE, related_name="memberships"
    )
    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField("角色", max_length=20, choices=Role.choices, default=Role.LIAISON)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "单位成员"
        verbose_name_plural = "单位成员"
        constraints = [models.UniqueConstraint(fields=["user", "unit"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.unit}（{self.get_role_display()}）"
