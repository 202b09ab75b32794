from __future__ import annotations

from django.db import models


class Heartbeat(models.Model):
    """The latest sign of life of a background process, one row per name ("qcluster").

    The schedule 集群心跳 writes it every minute from whichever qcluster runs the job, so a fresh
    row means a scheduler fired and a worker ran a task: /healthz reads its age.
    """

    name = models.CharField("名称", max_length=50, unique=True)
    beat_at = models.DateTimeField("最近心跳")
    host = models.CharField("主机", max_length=255, blank=True)
    pid = models.PositiveIntegerField("进程号", null=True, blank=True)

    class Meta:
        verbose_name = "心跳"
        verbose_name_plural = "心跳"

    def __str__(self) -> str:
        return f"{self.name} {self.beat_at:%Y-%m-%d %H:%M:%S}"


class BackupRun(models.Model):
    """One backup archive made (or attempted): by the nightly schedule or by ``manage.py backup``.

    Written after the archive is complete (or failed), so the archive's own database copy never
    holds a row about itself half done.
    """

    class Trigger(models.TextChoices):
        SCHEDULED = "scheduled", "每日定时"
        COMMAND = "command", "命令行"

    class Status(models.TextChoices):
        DONE = "done", "成功"
        FAILED = "failed", "失败"
        PRUNED = "pruned", "已按保留规则删除"

    trigger = models.CharField("方式", max_length=20, choices=Trigger.choices)
    status = models.CharField("状态", max_length=20, choices=Status.choices)
    started_at = models.DateTimeField("开始时间")
    finished_at = models.DateTimeField("完成时间")
    file_name = models.CharField("文件", max_length=255, blank=True)
    size = models.PositiveBigIntegerField("大小（字节）", default=0)
    media_files = models.PositiveIntegerField("附件数", default=0)
    database = models.CharField("数据库", max_length=20, blank=True)
    error = models.TextField("错误信息", blank=True)

    class Meta:
        verbose_name = "备份记录"
        verbose_name_plural = "备份记录"
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.get_status_display()}"
