"""Why a request on a task is refused: the message is shown to the user as is (Chinese)."""

from __future__ import annotations


class WorkflowError(Exception):
    """A request the rules refuse; the message is shown to the user as is (Chinese)."""


class Stale(WorkflowError):
    """What the user saw changed before they saved (the optimistic lock): nothing was saved."""


class StaleTask(Stale):
    """Someone else changed the task after the user opened it: nothing was saved."""

    def __init__(self, task_id: int, expected: int) -> None:
        self.task_id = task_id
        self.expected = expected
        super().__init__(
            "保存失败：您打开页面后，该任务已被他人修改。您填写的内容没有丢失，仍保留在表单中；"
            "请先查看下方最新情况，再决定是否重新提交。"
        )


class StalePart(Stale):
    """A unit's own state (本单位进展) changed after the page was opened, e.g. by a colleague of the
    same unit: nothing was saved."""

    def __init__(self, assignment_id: int, expected: int) -> None:
        self.assignment_id = assignment_id
        self.expected = expected
        super().__init__(
            "保存失败：您打开页面后，本单位的办理状态已被他人（如本单位另一位联络员）修改。"
            "请先查看页面上的最新状态，再决定是否重新操作。"
        )
