from .audit import ChangeLog
from .calendar import HolidayOverride, HolidayYear
from .ledgers import LedgerExport
from .plans import Plan, SourceDocument
from .reminders import DigestEmail, Notification, Reminder, ReminderPolicy
from .sweeps import SweepRun
from .tasks import (
    Assignment,
    CompletionRequest,
    Evidence,
    ExtensionRequest,
    ProgressReport,
    Task,
    TaskOccurrence,
)
from .units import Membership, Unit, UnitAlias

__all__ = [
    "Assignment",
    "ChangeLog",
    "CompletionRequest",
    "DigestEmail",
    "Evidence",
    "ExtensionRequest",
    "HolidayOverride",
    "HolidayYear",
    "LedgerExport",
    "Membership",
    "Notification",
    "Plan",
    "ProgressReport",
    "Reminder",
    "ReminderPolicy",
    "SourceDocument",
    "SweepRun",
    "Task",
    "TaskOccurrence",
    "Unit",
    "UnitAlias",
]
