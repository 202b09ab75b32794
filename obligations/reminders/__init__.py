"""Reminders: policy -> outbox rows (sweep), outbox -> e-mail and in-app notifications (outbox),
recurring obligations (recurrence). django-q entry points live in obligations.reminders.jobs."""

from .outbox import SendStats, send_due
from .recurrence import refresh_recurring
from .sweep import SweepOutcome, catch_up, generate, run_daily_sweep

__all__ = [
    "SendStats",
    "SweepOutcome",
    "catch_up",
    "generate",
    "refresh_recurring",
    "run_daily_sweep",
    "send_due",
]
