"""Reading a typed list of unit names ("区财政局、区税务局") with the engine's own splitting rules."""

from __future__ import annotations

from ..extract.units import normalise_unit_name, split_units


def split_unit_names(text: str) -> list[str]:
    """Names separated by 、，,；; or new lines (never inside brackets), normalised, without repeats."""
    joined = "、".join(line for line in (text or "").splitlines())
    names = [normalise_unit_name(name) for name in split_units(joined)]
    return list(dict.fromkeys(name for name in names if name))
