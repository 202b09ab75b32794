from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate, post_save, pre_migrate


def _before_migrate(sender: AppConfig, **kwargs: object) -> None:
    """Migrations about to run: the light tallies' triggers go first (dashboard/tally_sql.py)."""
    if kwargs.get("plan"):
        from .dashboard.tally_sql import drop_triggers

        drop_triggers(connections[kwargs.get("using", "default")])


def _after_migrate(sender: AppConfig, **kwargs: object) -> None:
    from .models import ReminderPolicy
    from .roles import ensure_groups

    using = kwargs.get("using", "default")
    if kwargs.get("plan"):
        from .dashboard.tally_sql import install_triggers
        from .models import TallyAnchor

        # Writes during the migrations went unrecorded: the tallies are recounted on first use.
        if install_triggers(connections[using]):
            TallyAnchor.objects.using(using).all().delete()
    ensure_groups()
    ReminderPolicy.objects.using(using).get_or_create(pk=1)

    from .reminders.schedules import install_schedules, schedules_table_ready

    if schedules_table_ready(using):  # a partial "migrate obligations" may run before django_q's
        install_schedules(using)


def _policy_saved(sender: type, instance: object, created: bool, raw: bool = False, **kwargs: object) -> None:
    """The sweep's schedule follows the policy's time, whoever saves it (settings page or admin)."""
    if raw or created:
        return
    from .reminders.schedules import install_schedules, schedules_table_ready

    using = kwargs.get("using") or "default"
    if schedules_table_ready(using):
        install_schedules(using)


class ObligationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "obligations"
    verbose_name = "督办事项"

    def ready(self) -> None:
        from . import holidays  # noqa: F401  (connects the holiday-table cache signals)
        from .ledger import checks  # noqa: F401  (registers the ledger system check)
        from .security.int_lookups import register as register_lookups

        register_lookups()

        pre_migrate.connect(_before_migrate, sender=self)
        post_migrate.connect(_after_migrate, sender=self)
        post_save.connect(_policy_saved, sender="obligations.ReminderPolicy")
