from .background_imports import ImportJob
from .bulletins import Bulletin, BulletinDefaults, BulletinIssue
from .calendar import HolidayOverride, HolidayYear
from .changelog import ChangeLog
from .channel_settings import Contact, Robot, SmsGateway, UnitChannels, WecomApp
from .delivery import Delivery, DigestEmail, Notification, Reminder, ReminderPolicy
from .documents import Plan, SourceDocument
from .ledger_exports import LedgerExport
from .light_tallies import PlanTally, TallyAnchor, UnitTally
from .operations import BackupRun, Heartbeat
from .organisation import Membership, Unit, UnitAlias
from .scores import ScoreMonth, ScoringRules, UnitScore
from .submissions import CompletionRequest, Evidence, ExtensionRequest, ProgressReport
from .sweep_runs import SweepRun
from .work import Assignment, Task, TaskOccurrence

__all__ = [
    "Assignment",
    "BackupRun",
    "Bulletin",
    "BulletinDefaults",
    "BulletinIssue",
    "ChangeLog",
    "CompletionRequest",
    "Contact",
    "Delivery",
    "DigestEmail",
    "Evidence",
    "ExtensionRequest",
    "Heartbeat",
    "HolidayOverride",
    "HolidayYear",
    "ImportJob",
    "LedgerExport",
    "Membership",
    "Notification",
    "Plan",
    "PlanTally",
    "ProgressReport",
    "Reminder",
    "ReminderPolicy",
    "Robot",
    "ScoreMonth",
    "ScoringRules",
    "SmsGateway",
    "SourceDocument",
    "SweepRun",
    "TallyAnchor",
    "Task",
    "TaskOccurrence",
    "Unit",
    "UnitAlias",
    "UnitChannels",
    "UnitScore",
    "UnitTally",
    "WecomApp",
]
