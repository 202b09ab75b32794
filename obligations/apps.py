from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _after_migrate(sender: AppConfig, **kwargs: object) -> None:
    from .models import ReminderPolicy
    from .roles import ensure_groups

    ensure_groups()
    ReminderPolicy.objects.using(kwargs.get("using", "default")).get_or_create(pk=1)


class ObligationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "obligations"
    verbose_name = "督办事项"

    def ready(self) -> None:
        from . import holidays  # noqa: F401  (connects the holiday-table cache signals)
        from .ledger import checks  # noqa: F401  (registers the ledger system check)

        post_migrate.connect(_after_migrate, sender=self)
