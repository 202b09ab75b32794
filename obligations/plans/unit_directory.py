"""The unit directory: finding registered units by name or alias, the way the import reads names.

Names are normalised with the extraction engine's own rule (PDF spaces removed, brackets unified)
before they are compared, so the import, the supervisor's "map this unit" form, task edits and the
command line all find the same unit for the same name.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from django.db.models import Count, Exists, OuterRef

from ..extract.units import is_generic_group, normalise_unit_name, split_units
from ..models import Unit, UnitAlias


def split_unit_names(text: str) -> list[str]:
    """Names separated by 、，,；; or new lines (never inside brackets), normalised, without repeats."""
    joined = "、".join(line for line in (text or "").splitlines())
    names = [normalise_unit_name(name) for name in split_units(joined)]
    return list(dict.fromkeys(name for name in names if name))


class UnitDirectory:
    """The units of one jurisdiction by normalised name or alias; ``resolve`` creates unknown ones.

    ``registered_only`` leaves out units the import created that no supervisor has confirmed yet,
    and inactive ones: what a supervisor may map a new name to.
    """

    def __init__(self, jurisdiction: str, *, registered_only: bool = False) -> None:
        self.jurisdiction = jurisdiction
        self.created: list[Unit] = []
        self._by_name: dict[str, Unit] = {}
        units = Unit.objects.filter(jurisdiction=jurisdiction)
        aliases = UnitAlias.objects.filter(jurisdiction=jurisdiction).select_related("unit")
        if registered_only:
            units = units.filter(confirmed=True, is_active=True)
            aliases = aliases.filter(unit__confirmed=True, unit__is_active=True)
        # A unit's own name wins over another unit's alias of the same spelling.
        for unit in units:
            self._by_name.setdefault(normalise_unit_name(unit.name), unit)
        for alias in aliases:
            self._by_name.setdefault(normalise_unit_name(alias.name), alias.unit)

    def find(self, name: str) -> Unit | None:
        return self._by_name.get(normalise_unit_name(name))

    def resolve(self, name: str) -> Unit:
        """The unit of that name, created (unconfirmed, for the supervisor's review) if unknown."""
        key = normalise_unit_name(name)
        unit = self._by_name.get(key)
        if unit is None:
            unit = Unit.objects.create(
                jurisdiction=self.jurisdiction,
                name=key[:100],
                is_group=is_generic_group(key),
                confirmed=False,
            )
            self._by_name[key] = unit
            self.created.append(unit)
        return unit


def find_registered(name: str, jurisdiction: str) -> Unit | None:
    """A registered unit by name or alias: in the jurisdiction first, else the one unit of that name
    anywhere (None when there is none or more than one). "名称（辖区）", as lists show a name that
    several units bear, names the unit of that jurisdiction."""
    if not normalise_unit_name(name):
        return None
    found = UnitDirectory(jurisdiction, registered_only=True).find(name)
    if found is not None:
        return found
    registered = Unit.objects.filter(confirmed=True, is_active=True)
    elsewhere = list(registered.filter(name=normalise_unit_name(name))[:2])
    if len(elsewhere) == 1:
        return elsewhere[0]
    placed = _PLACED.fullmatch(name.strip())
    if placed:
        return registered.filter(
            name=normalise_unit_name(placed.group(1)), jurisdiction=placed.group(2).strip()
        ).first()
    return None


_PLACED = re.compile(r"(.+)[（(]([^（）()]+)[）)]")


def units_named(name: str) -> set[int]:
    """Ids of every unit, in any jurisdiction, with this name or alias (the command line's --unit)."""
    key = normalise_unit_name(name)
    found = set(Unit.objects.filter(name=key).values_list("pk", flat=True))
    found |= set(UnitAlias.objects.filter(name=key).values_list("unit_id", flat=True))
    return found


# --- How units are shown -----------------------------------------------------------------------------


def unit_label(name: str, jurisdiction: str, shared: set[str]) -> str:
    """A unit's name, with its jurisdiction when the name is in ``shared`` (区交通运输局（张店区）)."""
    return f"{name}（{jurisdiction}）" if name in shared and jurisdiction else name


def shared_names(names: Iterable[str]) -> set[str]:
    """Which of these names more than one unit bears (in different jurisdictions): one query."""
    names = set(names)
    if not names:
        return set()
    return set(
        Unit.objects.filter(name__in=names)
        .order_by()
        .values("name")
        .annotate(count=Count("pk"))
        .filter(count__gt=1)
        .values_list("name", flat=True)
    )


def label_units(units: Iterable[Unit]) -> list[Unit]:
    """Give each unit its label (``Unit.label``) for a page: the jurisdiction is added to a name that
    another unit anywhere also bears, so identical names never look like the same unit."""
    units = list(units)
    shared = shared_names(unit.name for unit in units)
    for unit in units:
        unit._label = unit_label(unit.name, unit.jurisdiction, shared)
    return units


# Above this many units, reading every unit once beats an IN list of their ids (a province ranks 3,000).
_ALL_UNITS_ABOVE = 500


def unit_labels(unit_ids: Iterable[int]) -> dict[int, str]:
    """{unit id: label} for these units, in one query (the jurisdiction added where names repeat)."""
    unit_ids = set(unit_ids)
    if len(unit_ids) > _ALL_UNITS_ABOVE:
        rows = list(Unit.objects.order_by().values_list("pk", "name", "jurisdiction"))
        shared = {name for name, count in Counter(name for _, name, _ in rows).items() if count > 1}
        return {pk: unit_label(name, place, shared) for pk, name, place in rows if pk in unit_ids}
    twin = Unit.objects.filter(name=OuterRef("name")).exclude(pk=OuterRef("pk"))
    rows = (
        Unit.objects.filter(pk__in=unit_ids)
        .annotate(shared=Exists(twin))
        .values_list("pk", "name", "jurisdiction", "shared")
    )
    return {pk: f"{name}（{place}）" if shared and place else name for pk, name, place, shared in rows}
