"""Charts as inline SVG, drawn in Python: the report needs no script library and no network.

Each function returns one `<svg>` element sized in CSS pixels, with a `<title>` on every
mark so a reader can hover for the exact figure; the numbers are also written beside
the marks, so nothing depends on hovering (or on colour alone).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from kpirules.engine.numbers import fmt_decimal
from kpirules.report.figures import HUNDRED, esc, percent

#: Attainment bands of the heat map and the KPI bars: (lower bound, colour, text colour).
#: Discrete bands read more reliably than a gradient, in print as on screen.
BANDS = (
    (None, "#d73027", "#ffffff"),
    (Decimal("0.5"), "#fc8d59", "#000000"),
    (Decimal("0.8"), "#fee08b", "#000000"),
    (Decimal("1"), "#a6d96a", "#000000"),
    (Decimal("1.2"), "#1a9850", "#ffffff"),
)
NO_ATTAINMENT = ("#e0e0e0", "#333333")
IN_PROGRESS = ("#dbe9f6", "#1f3b57")
BAND_NAMES = ("< 50%", "50–80%", "80–100%", "100–120%", "≥ 120%")


def band(attainment: Decimal | None) -> tuple[str, str]:
    """(fill, text colour) of an attainment; infinite attainment is the best band."""
    if attainment is None:
        return NO_ATTAINMENT
    chosen = BANDS[0]
    for entry in BANDS:
        if entry[0] is None or not attainment.is_finite() or attainment >= entry[0]:
            chosen = entry
    return chosen[1], chosen[2]


def banded_percent(attainment: Decimal | None) -> str:
    """An attainment as a percentage whose rounding never carries it into another colour band:
    `99.2%`, but `99.9999%` rather than a `100%` coloured as 80–100%."""
    text = percent(attainment)
    if attainment is None or not attainment.is_finite():
        return text
    if band(Decimal(text[:-1]) / HUNDRED) != band(attainment):
        return f"{fmt_decimal(attainment * HUNDRED)}%"
    return text


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    shown: str  # the figure written at the bar's end
    title: str = ""


def histogram(bars: list[Bar], width: int = 560, height: int = 220, caption: str = "") -> str:
    """Vertical bars with their counts above and their labels below."""
    left, bottom, top = 8, 38, 22
    plot_h = height - bottom - top
    slot = (width - 2 * left) / max(len(bars), 1)
    highest = max((b.value for b in bars), default=0) or 1
    marks = []
    for i, b in enumerate(bars):
        h = plot_h * b.value / highest
        x, y = left + i * slot + 3, top + plot_h - h
        marks.append(
            f'<g><title>{esc(b.title or f"{b.label}: {b.shown}")}</title>'
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot - 6:.1f}" height="{h:.1f}" fill="#4e79a7"/>'
            f'<text x="{x + (slot - 6) / 2:.1f}" y="{y - 5:.1f}" text-anchor="middle" class="fig">{esc(b.shown)}</text>'
            f'<text x="{x + (slot - 6) / 2:.1f}" y="{top + plot_h + 16:.1f}" text-anchor="middle" class="tick small">{esc(b.label)}</text></g>'
        )
    axis = f'<line x1="{left}" y1="{top + plot_h}" x2="{width - left}" y2="{top + plot_h}" stroke="#888"/>'
    return _svg(width, height, caption, axis + "".join(marks))


def text_width(text: str, size: int = 12) -> int:
    """About how wide a label is drawn: CJK characters are full width, the rest about half."""
    return sum(size if ord(c) >= 0x2E80 else size * 0.6 for c in text).__ceil__()


def hbars(bars: list[Bar], width: int = 560, caption: str = "", colour: str = "#59a14f") -> str:
    """Horizontal bars, one row each: label on the left, figure at the bar's end."""
    row, top = 26, 4
    label_width = min(max((text_width(b.label) for b in bars), default=0) + 16, width // 2)
    height = top * 2 + row * max(len(bars), 1)
    room = width - label_width - 130
    highest = max((b.value for b in bars), default=0) or 1
    marks = []
    for i, b in enumerate(bars):
        y = top + i * row
        w = max(room * b.value / highest, 0)
        marks.append(
            f'<g><title>{esc(b.title or f"{b.label}: {b.shown}")}</title>'
            f'<text x="{label_width - 8}" y="{y + 17}" text-anchor="end" class="tick">{esc(b.label)}</text>'
            f'<rect x="{label_width}" y="{y + 4}" width="{w:.1f}" height="{row - 8}" fill="{colour}"/>'
            f'<text x="{label_width + w + 6:.1f}" y="{y + 17}" class="fig">{esc(b.shown)}</text></g>'
        )
    return _svg(width, height, caption, "".join(marks))


def value_against_target(value: Decimal | None, target: Decimal | None, attainment: Decimal | None,
                         title: str, width: int = 220, height: int = 30, in_progress: bool = False) -> str:
    """One KPI: its value as a bar coloured by attainment (light blue while its period has not
    closed, as in the heat map), the target as a line across it.

    Both are drawn on the row's own scale (the larger of the two), so a lower-is-better
    KPI shows a value bar reaching past the target line when it misses.
    """
    fill, _ = IN_PROGRESS if in_progress else band(attainment)
    v = max(float(value), 0.0) if value is not None and value.is_finite() else 0.0
    goal = max(float(target), 0.0) if target is not None and target.is_finite() else None
    scale = max(v, goal or 0.0) * 1.08 or 1.0
    marks = [f'<rect x="0" y="7" width="{width}" height="{height - 14}" fill="#f2f2f2"/>']
    if value is not None:
        marks.append(f'<rect x="0" y="7" width="{width * v / scale:.1f}" height="{height - 14}" fill="{fill}"/>')
    if goal is not None:
        x = width * goal / scale
        marks.append(f'<line x1="{x:.1f}" y1="2" x2="{x:.1f}" y2="{height - 2}" stroke="#222" stroke-width="2"/>')
    return _svg(width, height, title, "".join(marks), role="img")


def legend(caption: str, extra: list[tuple[str, str]] = ()) -> str:
    """The colour key of the attainment bands (and any extra swatches, e.g. no data)."""
    items = [(colour, name) for (_, colour, _), name in zip(BANDS, BAND_NAMES)] + list(extra)
    marks, x = [], 0
    for colour, name in items:
        marks.append(f'<rect x="{x}" y="4" width="14" height="14" fill="{colour}" stroke="#999"/>'
                     f'<text x="{x + 19}" y="16" class="tick">{esc(name)}</text>')
        x += 30 + text_width(name)
    return _svg(x, 22, caption, "".join(marks))


def _svg(width: float, height: float, caption: str, body: str, role: str = "img") -> str:
    label = f' aria-label="{esc(caption)}"' if caption else ""
    title = f"<title>{esc(caption)}</title>" if caption else ""
    return (f'<svg role="{role}"{label} width="{width:.0f}" height="{height:.0f}" '
            f'viewBox="0 0 {width:.0f} {height:.0f}">{title}{body}</svg>')
