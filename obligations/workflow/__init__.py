"""What people do to a task: reports, requests and decisions, edits, evidence, the timeline, the
audit log (留痕). Views call the functions below; each change is optimistic-locked and recorded."""

from .decisions import decide_completion, decide_extension
from .editing import EDITABLE_FIELDS, edit_task, set_units
from .refusals import StaleTask, WorkflowError
from .reports import report_progress, request_extension, submit_completion

__all__ = [
    "EDITABLE_FIELDS",
    "StaleTask",
    "WorkflowError",
    "decide_completion",
    "decide_extension",
    "edit_task",
    "report_progress",
    "request_extension",
    "set_units",
    "submit_completion",
]
