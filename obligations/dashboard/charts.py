"""Charts drawn on the server as SVG geometry (no JavaScript, no CDN); templates render the shapes."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .counts import LightCounts, Row

RADIUS = 60
CIRCUMFERENCE = 2 * math.pi * RADIUS


@dataclass
class Slice:
    light: str
    label: str
    value: int
    dash: str  # stroke-dasharray "length gap"
    offset: str  # stroke-dashoffset
    percent: str


def donut(counts: LightCounts) -> list[Slice]:
    """One circle arc per light, laid end to end around the ring (starting at 12 o'clock)."""
    total = counts.total
    slices: list[Slice] = []
    start = 0.0
    for light, value in counts.items():
        if not value:
            continue
        length = CIRCUMFERENCE * value / total
        slices.append(
            Slice(
                light=str(light),
                label=light.short,
                value=value,
                dash=f"{length:.3f} {CIRCUMFERENCE - length:.3f}",
                offset=f"{-start:.3f}",
                percent=f"{value * 100 / total:.1f}",
            )
        )
        start += length
    return slices


@dataclass
class Bar:
    name: str
    pk: int
    value: int
    width: str  # percent of the longest bar
    rate: str


def bars(rows: list[Row], top: int = 10) -> list[Bar]:
    """Horizontal bars of overdue counts for the first ``top`` rows of a ranking."""
    chosen = [row for row in rows[:top] if row.counts.red]
    longest = max((row.counts.red for row in chosen), default=0)
    return [
        Bar(
            name=row.name,
            pk=row.pk,
            value=row.counts.red,
            width=f"{row.counts.red * 100 / longest:.1f}" if longest else "0",
            rate="—" if row.rate is None else f"{row.rate * 100:.0f}%",
        )
        for row in chosen
    ]
