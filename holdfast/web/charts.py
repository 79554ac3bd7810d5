"""Tiny server-side SVG bar chart: numbers in, geometry out; the template draws it (no JS library)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Bar:
    x: float
    cx: float
    y: float
    width: float
    height: float
    label: str
    value: int
    show_label: bool


def nice_max(value: int) -> int:
    """A round axis top at or above `value` (1, 2, 5 × 10^n), so gridlines land on whole numbers."""
    if value <= 4:
        return 4
    magnitude = 1
    while magnitude * 10 <= value:
        magnitude *= 10
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


def bar_chart(points: list[tuple[str, int]], *, width: int = 560, height: int = 180, label_every: int = 2) -> dict:
    top_value = nice_max(max((v for _, v in points), default=0))
    # The value axis is as wide as its longest label (10px digits ≈ 6.5 units each, 6 units gap), so 20000 is not clipped.
    left, right, top, bottom = max(32, 10 + round(6.5 * len(str(top_value)))), 8, 10, 24
    plot_w, plot_h = width - left - right, height - top - bottom
    slot = plot_w / max(1, len(points))
    bar_w = max(2.0, slot * 0.68)
    bars = []
    for i, (label, value) in enumerate(points):
        h = plot_h * value / top_value
        bars.append(Bar(x=round(left + i * slot + (slot - bar_w) / 2, 1), cx=round(left + i * slot + slot / 2, 1), y=round(top + plot_h - h, 1), width=round(bar_w, 1), height=round(h, 1),
                        label=label, value=value, show_label=(len(points) - 1 - i) % label_every == 0))
    grid = [{"y": round(top + plot_h - plot_h * f, 1), "value": round(top_value * f)} for f in (0, 0.5, 1)]
    return {"bars": bars, "grid": grid, "width": width, "height": height, "left": left, "plot_right": width - right,
            "label_y": height - 6, "total": sum(v for _, v in points)}
