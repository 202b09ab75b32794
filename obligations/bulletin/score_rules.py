"""Which version of the 考核 rules scores a month, and saving a new version.

A month is scored with the latest version whose ``valid_from`` is on or before it. A supervisor
may only choose the current month or a later one as ``valid_from``, so a saved change never
reaches a month that has closed: past scores stay what they were.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction

from ..models import ScoringRules
from ..models.scores import DEFAULT_VALID_FROM
from ..workflow import audit


class RuleBook:
    """Every version, read once (a handful of rows), to pick the one in force for any month."""

    def __init__(self, versions: list[ScoringRules]) -> None:
        self.versions = sorted(versions, key=lambda rules: (rules.valid_from, rules.pk))

    @classmethod
    def load(cls) -> RuleBook:
        versions = list(ScoringRules.objects.all())
        if not versions:
            versions = [default_rules()]
        return cls(versions)

    def for_month(self, month: datetime.date) -> ScoringRules:
        month = month.replace(day=1)
        chosen = self.versions[0]
        for rules in self.versions:
            if rules.valid_from <= month:
                chosen = rules
        return chosen


def default_rules() -> ScoringRules:
    """The first version, with the model's defaults, made the first time rules are needed."""
    with transaction.atomic():
        rules = ScoringRules.objects.order_by("valid_from", "pk").first()
        if rules is None:
            rules = ScoringRules.objects.create(valid_from=DEFAULT_VALID_FROM, note="默认规则")
    return rules


def values_of(rules: ScoringRules) -> dict[str, Decimal]:
    return {name: getattr(rules, name) for name in ScoringRules.POINT_FIELDS}


def save_version(values: dict, valid_from: datetime.date, user, note: str = "") -> ScoringRules:
    """Keep a new version of the rules (never changes an earlier one), recorded in the audit trail."""
    before = RuleBook.load().for_month(valid_from)
    with transaction.atomic():
        rules = ScoringRules.objects.create(
            valid_from=valid_from.replace(day=1),
            note=note,
            created_by=user if user is not None and user.is_authenticated else None,
            **{name: values[name] for name in ScoringRules.POINT_FIELDS},
        )
        changes = {
            name: [str(getattr(before, name)), str(getattr(rules, name))]
            for name in ScoringRules.POINT_FIELDS
            if getattr(before, name) != getattr(rules, name)
        }
        changes["valid_from"] = [None, rules.valid_from.isoformat()]
        audit.record(
            user,
            "scoring_rules",
            f"保存考核规则第{rules.pk}版（{rules.valid_from:%Y年%m月}起）",
            changes=changes,
        )
    return rules
