"""Unit-name helpers (placeholder until the engine's full version lands)."""

from __future__ import annotations

import re

_SPACES = re.compile(r"\s+")
_GENERIC = re.compile(r"^(各|有关|相关)|(相关部门|有关部门|有关单位|各有关单位|成员单位)$")


def normalise_unit_name(name: str) -> str:
    name = _SPACES.sub("", name)
    return name.replace("(", "（").replace(")", "）")


def is_generic_group(name: str) -> bool:
    return bool(_GENERIC.search(normalise_unit_name(name)))
