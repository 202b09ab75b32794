"""django-q entry points of the reminders (what Schedule.func names). Each returns a one-line summary
that django-q keeps as the task result; the work itself lives in the reminders package. (The
monthly ledger's entry point is obligations.ledger.monthly.monthly_ledger.)"""

from __future__ import annotations

import datetime

from . import catch_up, run_daily_sweep, send_due


def daily_sweep(day: str | None = None, force: bool = False) -> str:
    """The daily reminder sweep, then an immediate sending pass.

    ``day`` (ISO date) re-runs a given day; ``force`` runs even when that day's sweep finished.
    """
    outcome = run_daily_sweep(datetime.date.fromisoformat(day) if day else None, force=force)
    sent = send_due()
    return f"sweep {outcome}; send {sent}"


def send_reminders() -> str:
    """The frequent sender: catches up a missed or interrupted sweep, then sends what is due
    (including manual 催办 made on the web a moment ago)."""
    outcome = catch_up()
    sent = send_due()
    return f"catch-up {outcome or '-'}; send {sent}"
