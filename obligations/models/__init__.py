from .background_imports import ImportJob
from .calendar import HolidayOverride, HolidayYear
from .changelog import ChangeLog
from .channel_settings import Contact, Robot, SmsGateway, UnitChannels, WecomApp
from .delivery import Delivery, DigestEmail, Notification, Reminder, ReminderPolicy
from .documents import Plan, SourceDocument
from .ledger_exports import LedgerExport
from .operations import BackupRun, Heartbeat
from .organisation import Membership, Unit, UnitAlias
from .submissions import CompletionRequest, Evidence, ExtensionRequest, ProgressReport
from .sweep_runs import SweepRun
from .work import Assignment, Task, TaskOccurrence

__all__ = [
    "Assignment",
    "BackupRun",
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
    "ProgressReport",
    "Reminder",
    "ReminderPolicy",
    "Robot",
    "SmsGateway",
    "SourceDocument",
    "SweepRun",
    "Task",
    "TaskOccurrence",
    "Unit",
    "UnitAlias",
    "UnitChannels",
    "WecomApp",
]
