from .background_imports import ImportJob
from .calendar import HolidayOverride, HolidayYear
from .changelog import ChangeLog
from .delivery import DigestEmail, Notification, Reminder, ReminderPolicy
from .documents import Plan, SourceDocument
from .ledger_exports import LedgerExport
from .organisation import Membership, Unit, UnitAlias
from .submissions import CompletionRequest, Evidence, ExtensionRequest, ProgressReport
from .sweep_runs import SweepRun
from .work import Assignment, Task, TaskOccurrence

__all__ = [
    "Assignment",
    "ChangeLog",
    "CompletionRequest",
    "DigestEmail",
    "Evidence",
    "ExtensionRequest",
    "HolidayOverride",
    "HolidayYear",
    "ImportJob",
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
