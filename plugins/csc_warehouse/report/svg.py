"""SVG written directly: the few shapes the report's charts need (lines, points, bars, text).

matplotlib drew the same charts in about 1.3 CPU-seconds an authority, and took seconds to import
in each process: minutes for the 150 reports of a national week. Writing the elements ourselves
costs milliseconds, and the SVG stays sharp at any zoom in a browser or a Markdown viewer.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

FONT = "font-family='DejaVu Sans, Arial, sans-serif'"


def _number(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


@dataclass
class Drawing:
    """One chart: its size in pixels, a title read out by screen readers, and its elements in order."""

    width: int
    height: int
    title: str
    elements: list[str] = field(default_factory=list)

    def line(self, x1: float, y1: float, x2: float, y2: float, *, colour: str = "#888", width: float = 1) -> None:
        self.elements.append(
            f"<line x1='{_number(x1)}' y1='{_number(y1)}' x2='{_number(x2)}' y2='{_number(y2)}'"
            f" stroke='{colour}' stroke-width='{_number(width)}'/>"
        )

    def polyline(self, points: Sequence[tuple[float, float]], *, colour: str, width: float = 2) -> None:
        joined = " ".join(f"{_number(x)},{_number(y)}" for x, y in points)
        self.elements.append(f"<polyline points='{joined}' fill='none' stroke='{colour}' stroke-width='{width}'/>")

    def point(self, x: float, y: float, *, colour: str, radius: float = 3.5) -> None:
        self.elements.append(f"<circle cx='{_number(x)}' cy='{_number(y)}' r='{radius}' fill='{colour}'/>")

    def rect(self, x: float, y: float, width: float, height: float, *, colour: str) -> None:
        self.elements.append(
            f"<rect x='{_number(x)}' y='{_number(y)}' width='{_number(max(width, 0))}'"
            f" height='{_number(max(height, 0))}' fill='{colour}'/>"
        )

    def text(
        self,
        x: float,
        y: float,
        words: str,
        *,
        size: int = 11,
        anchor: str = "start",
        colour: str = "#222",
        bold: bool = False,
    ) -> None:
        weight = " font-weight='bold'" if bold else ""
        self.elements.append(
            f"<text x='{_number(x)}' y='{_number(y)}' font-size='{size}' text-anchor='{anchor}'"
            f" fill='{colour}'{weight}>{escape(words)}</text>"
        )

    def svg(self) -> str:
        return "\n".join(
            [
                f"<svg xmlns='http://www.w3.org/2000/svg' width='{self.width}' height='{self.height}'"
                f" viewBox='0 0 {self.width} {self.height}' role='img' {FONT}>",
                f"<title>{escape(self.title)}</title>",
                f"<rect width='{self.width}' height='{self.height}' fill='white'/>",
                *self.elements,
                "</svg>",
                "",
            ]
        )

    def save(self, path: Path) -> Path:
        path.write_text(self.svg())
        return path


def nice_ticks(low: float, high: float, *, most: int = 5) -> list[int]:
    """Whole-number ticks, a step of 1, 2 or 5 times a power of ten, from below low to above high
    (at most `most` + 1 of them): every chart here counts children, periods or percentages."""
    span = max(high - low, 1)
    power = 10 ** math.floor(math.log10(span / most))
    step = next(factor * power for factor in (1, 2, 5, 10) if span / (factor * power) <= most)
    step = max(int(step), 1)
    first, last = math.floor(low / step) * step, math.ceil(high / step) * step
    if first == last:
        last += step
    return list(range(first, last + 1, step))


def scale(domain: tuple[float, float], pixels: tuple[float, float]) -> Callable[[float], float]:
    """The linear map from a value in `domain` to a pixel in `pixels` (either may run backwards).
    A value may be a Decimal (PostgreSQL's numeric, as audit_results.pct_met is)."""
    (d0, d1), (p0, p1) = domain, pixels
    ratio = (p1 - p0) / ((d1 - d0) or 1)
    return lambda value: p0 + (float(value) - d0) * ratio
