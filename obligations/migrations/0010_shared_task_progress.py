"""Shared tasks: each assignment gets its unit's own progress state (本单位进展), and remembered unit
mappings (aliases) say who made them and when.

Backfill: a task already closed (已办结) closed every unit's part at its completion time; a unit
that has reported on an open task is 推进中. Aliases that existed before are of unknown origin
(no time, no author)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def backfill(apps, schema_editor) -> None:
    Assignment = apps.get_model("obligations", "Assignment")
    ProgressReport = apps.get_model("obligations", "ProgressReport")
    Task = apps.get_model("obligations", "Task")
    UnitAlias = apps.get_model("obligations", "UnitAlias")
    db = schema_editor.connection.alias
    done_at = models.Subquery(
        Task.objects.using(db).filter(pk=models.OuterRef("task_id")).values("completed_at")[:1]
    )
    Assignment.objects.using(db).filter(task__status="done").update(status="done", done_at=done_at)
    reported = ProgressReport.objects.using(db).filter(
        task_id=models.OuterRef("task_id"), unit_id=models.OuterRef("unit_id")
    )
    Assignment.objects.using(db).exclude(task__status="done").filter(models.Exists(reported)).update(
        status="in_progress"
    )
    UnitAlias.objects.using(db).update(created_at=None)


class Migration(migrations.Migration):
    dependencies = [
        ("obligations", "0009_reminder_channels"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="assignment",
            name="done_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="本单位完成时间"),
        ),
        migrations.AddField(
            model_name="assignment",
            name="done_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="标记人",
            ),
        ),
        migrations.AddField(
            model_name="assignment",
            name="status",
            field=models.CharField(
                choices=[("not_started", "未开始"), ("in_progress", "推进中"), ("done", "本单位已完成")],
                default="not_started",
                max_length=20,
                verbose_name="本单位状态",
            ),
        ),
        migrations.AddField(
            model_name="assignment",
            name="version",
            field=models.PositiveIntegerField(
                default=1, help_text="乐观锁：本单位状态每次修改加一。", verbose_name="版本"
            ),
        ),
        migrations.AddField(
            model_name="unitalias",
            name="created_at",
            field=models.DateTimeField(
                blank=True, default=django.utils.timezone.now, null=True, verbose_name="映射时间"
            ),
        ),
        migrations.AddField(
            model_name="unitalias",
            name="created_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="映射人",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="assignment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("done_at__isnull", False), ("status", "done")),
                    models.Q(models.Q(("status", "done"), _negated=True), ("done_at__isnull", True)),
                    _connector="OR",
                ),
                name="assignment_done_has_time",
            ),
        ),
        migrations.AddConstraint(
            model_name="assignment",
            constraint=models.CheckConstraint(
                condition=models.Q(("version__gte", 1)), name="assignment_version_positive"
            ),
        ),
        migrations.AddIndex(
            model_name="assignment",
            index=models.Index(
                condition=models.Q(("status", "done")), fields=["unit", "task"], name="assignment_done_unit_task"
            ),
        ),
    ]
