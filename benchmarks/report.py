"""Summaries and the plain-text tables the benchmark prints."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence


def median(values: Iterable[float | None]) -> float | None:
    """Median of the values that are not None (None if there are none)."""
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """The ``fraction`` quantile (nearest rank) of ``values``."""
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def seconds(value: float | None, *, timeout: float | None = None) -> str:
    """``1.23 s``, ``85 ms``, ``> 60 s`` (timed out) or ``-``."""
    if value is None:
        return f"> {timeout:.0f} s" if timeout is not None else "-"
    if abs(value) < 1:
        return f"{value * 1000:.0f} ms"
    return f"{value:.2f} s"


def ratio(value: float | None) -> str:
    """``2.3×`` or ``-``."""
    return "-" if value is None else f"{value:.1f}×"


def number(value: float | None, digits: int = 0) -> str:
    """A plain number or ``-``."""
    return "-" if value is None else f"{value:.{digits}f}"


def table(title: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A left-aligned text table with a title line."""
    widths = [len(h) for h in header]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    line = "  ".join("-" * w for w in widths)
    out = [title, "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)), line]
    out += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(out)
