"""What people do to a task: reports, requests and decisions, a unit's own part (本单位进展), edits,
evidence, the timeline, the audit log (留痕). Views call the functions below; each change is recorded,
and edits of the same fields are optimistic-locked (reports are appends and never conflict)."""

from .decisions import decide_completion, decide_extension
from .editing import EDITABLE_FIELDS, edit_task, set_units
from .refusals import Stale, StalePart, StaleTask, WorkflowError
from .reports import may_answer, report_progress, request_extension, submit_completion
from .unit_state import set_part_done

__all__ = [
    "EDITABLE_FIELDS",
    "Stale",
    "StalePart",
    "StaleTask",
    "WorkflowError",
    "decide_completion",
    "decide_extension",
    "edit_task",
    "may_answer",
    "report_progress",
    "request_extension",
    "set_part_done",
    "set_units",
    "submit_completion",
]
