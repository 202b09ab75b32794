"""django-q entry points (what Schedule.func names). Each returns a one-line summary that django-q
keeps as the task result; the work itself lives in obligations.reminders."""

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


def monthly_ledger(month: str | None = None, force: bool = False) -> str:
    """The monthly progress ledger (进展台账) of the month that just ended, kept with its history.

    ``month`` ("YYYY-MM") regenerates a given month; ``force`` writes it again even if it exists.
    """
    from ..ledger import parse_month
    from ..ledger.monthly import run_monthly_ledger

    export = run_monthly_ledger(parse_month(month) if month else None, force=force)
    if export is None:
        return "ledger: already generated"
    return f"ledger {export.month:%Y-%m}: {export.rows} rows, {export.size} bytes"
