"""Who receives reminders, loaded once per sweep so batches need no per-task recipient queries.

Liaisons: active users with a liaison Membership on the assigned unit; a generic group unit
(各区县政府) is reminded through the liaisons of its active member units, under the member unit.
Supervisors: active users in the 督查员 group who have an e-mail address.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ..models import Membership, Unit
from ..roles import supervisors


@dataclass
class Directory:
    # unit id -> [(unit id the reminder is for, liaison user id)], groups already expanded
    liaisons: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    supervisors: list[int] = field(default_factory=list)

    @classmethod
    def load(cls) -> Directory:
        by_unit: dict[int, list[int]] = defaultdict(list)
        rows = (
            Membership.objects.filter(
                role=Membership.Role.LIAISON, user__is_active=True, unit__is_active=True
            )
            .order_by("unit_id", "user_id")
            .values_list("unit_id", "user_id")
        )
        for unit_id, user_id in rows:
            by_unit[unit_id].append(user_id)

        liaisons: dict[int, list[tuple[int, int]]] = {
            unit_id: [(unit_id, user_id) for user_id in users] for unit_id, users in by_unit.items()
        }
        members = (
            Unit.members.through.objects.filter(from_unit__is_group=True, to_unit__is_active=True)
            .order_by("from_unit_id", "to_unit_id")
            .values_list("from_unit_id", "to_unit_id")
        )
        for group_id, member_id in members:
            liaisons.setdefault(group_id, []).extend(
                (member_id, user_id) for user_id in by_unit.get(member_id, [])
            )

        with_email = supervisors().exclude(email="").order_by("pk").values_list("pk", flat=True)
        return cls(liaisons=liaisons, supervisors=list(with_email))

    def liaisons_of(self, unit_id: int) -> list[tuple[int, int]]:
        return self.liaisons.get(unit_id, [])
