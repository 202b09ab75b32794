"""Reminders: policy -> outbox rows (sweep), outbox -> e-mail and in-app notifications (outbox, with
messages), recurring obligations (recurrence), manual 催办 (manual), the schedules (schedules) and
their django-q entry points (jobs)."""

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
