from .bulletins import Bulletin, BulletinDefaults, BulletinIssue
from .calendar import HolidayOverride, HolidayYear
from .changelog import ChangeLog
from .delivery import DigestEmail, Notification, Reminder, ReminderPolicy
from .documents import Plan, SourceDocument
from .ledger_exports import LedgerExport
from .organisation import Membership, Unit, UnitAlias
from .scores import ScoreMonth, ScoringRules, UnitScore
from .submissions import CompletionRequest, Evidence, ExtensionRequest, ProgressReport
from .sweep_runs import SweepRun
from .work import Assignment, Task, TaskOccurrence

__all__ = [
    "Assignment",
    "Bulletin",
    "BulletinDefaults",
    "BulletinIssue",
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
    "ScoreMonth",
    "ScoringRules",
    "SourceDocument",
    "SweepRun",
    "Task",
    "TaskOccurrence",
    "Unit",
    "UnitAlias",
    "UnitScore",
]
