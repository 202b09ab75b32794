"""The engine's output: plain dataclasses that serialise to the JSON contract in DESIGN.md."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


class ExtractionError(Exception):
    """Bad input the engine refuses: the message is one clear line for the user (Chinese)."""


class ExtractionCancelled(Exception):
    """Raised by a progress callback to stop a running extraction (the user cancelled an import).
    Not an ExtractionError: nothing is wrong with the file."""


@dataclass
class ExtractedTask:
    section: list[str]
    number: str | None
    text: str
    lead_units: list[str] = field(default_factory=list)
    responsible_units: list[str] = field(default_factory=list)
    responsible_person: str | None = None
    deadline_raw: str | None = None
    deadline: str | None = None  # ISO date, "ongoing", or None
    deadline_issue: str | None = None
    deadline_kind: str = "none"  # date | ongoing | recurring | none
    recurrence: str | None = None  # RFC 5545 RRULE (dateutil) for recurring obligations
    generic_units: list[str] = field(default_factory=list)  # names that are groups ("各区县政府")
    review_flags: list[str] = field(default_factory=list)  # why a reviewer should look at this row
    page: int | None = None  # page the item starts on (PDF, scans, OFD); None for flowing text

    def to_dict(self) -> dict:
        data = asdict(self)
        if not self.recurrence:
            data.pop("recurrence")
        return data


@dataclass
class Notice:
    title: str
    number: str | None = None  # 文号
    issued: str | None = None  # ISO date
    issuer: str | None = None
    year: int | None = None
    tasks: list[ExtractedTask] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "title": self.title,
            "number": self.number,
            "issued": self.issued,
            "issuer": self.issuer,
            "year": self.year,
            "tasks": [task.to_dict() for task in self.tasks],
        }


@dataclass
class ExtractionResult:
    source_name: str
    notices: list[Notice] = field(default_factory=list)
    jurisdiction: str | None = None  # e.g. "张店区", from the gazette or issuer when the text says
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "source": self.source_name,
            "jurisdiction": self.jurisdiction,
            "warnings": self.warnings,
            "notices": [notice.to_dict() for notice in self.notices],
        }

    @property
    def task_count(self) -> int:
        return sum(len(notice.tasks) for notice in self.notices)
