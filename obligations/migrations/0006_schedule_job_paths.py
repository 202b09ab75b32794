"""The django-q job entry points moved out of obligations/tasks.py: rewrite the stored schedules'
function paths so an existing deployment's scheduler finds them (install_schedules would also fix
them by name after migrate; this keeps the stored rows right even before that runs)."""

from django.db import migrations

MOVED = {
    "obligations.tasks.daily_sweep": "obligations.reminders.jobs.daily_sweep",
    "obligations.tasks.send_reminders": "obligations.reminders.jobs.send_reminders",
    "obligations.tasks.monthly_ledger": "obligations.ledger.monthly.monthly_ledger",
}


def rewrite(apps, schema_editor, mapping: dict[str, str]) -> None:
    Schedule = apps.get_model("django_q", "Schedule")
    using = schema_editor.connection.alias
    for old, new in mapping.items():
        Schedule.objects.using(using).filter(func=old).update(func=new)


def forwards(apps, schema_editor) -> None:
    rewrite(apps, schema_editor, MOVED)


def backwards(apps, schema_editor) -> None:
    rewrite(apps, schema_editor, {new: old for old, new in MOVED.items()})


class Migration(migrations.Migration):
    dependencies = [
        ("obligations", "0005_outbox_attempt_started"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
