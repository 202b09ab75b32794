"""Splitting a typed list of unit names ("区财政局、区税务局") the way plans write them."""

from __future__ import annotations

from .extract.units import normalise_unit_name

_SEPARATORS = set("、，,；;\n\r")
_OPEN = set("（(【[")
_CLOSE = set("）)】]")


def split_unit_names(text: str) -> list[str]:
    """Names separated by 、，,；; or new lines, never split inside brackets; duplicates dropped."""
    names: list[str] = []
    depth = 0
    current: list[str] = []
    for char in text or "":
        if char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            depth = max(0, depth - 1)
        if char in _SEPARATORS and depth == 0:
            names.append("".join(current))
            current = []
        else:
            current.append(char)
    names.append("".join(current))
    cleaned = [normalise_unit_name(name) for name in names]
    return list(dict.fromkeys(name for name in cleaned if name))


def join_unit_names(names: list[str]) -> str:
    return "、".join(names)
