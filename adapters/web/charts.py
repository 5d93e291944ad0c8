"""Charts drawn on the server as SVG: readable without JavaScript, on a phone too.

Every chart scales to its container (a ``viewBox`` and no fixed size), labels its
axes, and carries a ``<title>`` on each mark for a tooltip and for screen readers.
Colours are SVG attributes, so the page needs no inline styles.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 400, 190
LEFT, RIGHT, TOP, BOTTOM = 34, 8, 10, 26
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
GRID = "#d9e2dc"
INK = "#44504a"


@dataclass(frozen=True)
class Series:
    name: str
    colour: str
    values: Sequence[float | None]


def _nice_top(peak: float) -> float:
    """A round number at or above ``peak`` for the top of the axis."""
    if peak <= 0:
        return 1.0
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10_000):
        if peak <= step:
            return float(step)
    return float(peak)


def _frame(top: float, labels: Sequence[str], show: Callable[[float], str]) -> list[str]:
    parts = []
    for fraction in (0.0, 0.5, 1.0):
        y = TOP + PLOT_H * (1 - fraction)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{LEFT - 4}" y="{y + 3:.1f}" text-anchor="end" font-size="10" '
            f'fill="{INK}">{escape(show(top * fraction))}</text>'
        )
    band = PLOT_W / max(len(labels), 1)
    every = 1 if len(labels) <= 8 else (len(labels) + 7) // 8
    for i, label in enumerate(labels):
        if i % every:
            continue
        x = LEFT + band * (i + 0.5)
        parts.append(
            f'<text x="{x:.1f}" y="{HEIGHT - 10}" text-anchor="middle" font-size="9" '
            f'fill="{INK}">{escape(label)}</text>'
        )
    return parts


def _svg(title: str, parts: list[str]) -> str:
    return (
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" xmlns="http://www.w3.org/2000/svg" '
        f'font-family="system-ui, sans-serif"><title>{escape(title)}</title>'
        + "".join(parts)
        + "</svg>"
    )


def _legend(series: Sequence[Series]) -> str:
    items = "".join(
        f'<li><svg viewBox="0 0 10 10" width="10" height="10" aria-hidden="true">'
        f'<rect width="10" height="10" fill="{s.colour}"/></svg> {escape(s.name)}</li>'
        for s in series
    )
    return f'<ul class="legend">{items}</ul>'


def figure(chart_id: str, title: str, svg: str, series: Sequence[Series], note: str = "") -> str:
    caption = f'<p class="note">{escape(note)}</p>' if note else ""
    return (
        f'<figure class="chart" id="{escape(chart_id)}"><h3>{escape(title)}</h3>{svg}'
        f"{_legend(series)}{caption}</figure>"
    )


def stacked_bars(
    title: str, labels: Sequence[str], series: Sequence[Series], *, show: Callable[[float], str]
) -> str:
    totals = [sum(s.values[i] or 0 for s in series) for i in range(len(labels))]
    top = _nice_top(max(totals, default=0))
    parts = _frame(top, labels, show)
    band = PLOT_W / max(len(labels), 1)
    for i, label in enumerate(labels):
        base = 0.0
        for s in series:
            value = s.values[i] or 0
            if value <= 0:
                continue
            height = PLOT_H * value / top
            y = TOP + PLOT_H - PLOT_H * base / top - height
            parts.append(
                f'<rect x="{LEFT + band * i + band * 0.15:.1f}" y="{y:.1f}" '
                f'width="{band * 0.7:.1f}" height="{height:.1f}" fill="{s.colour}">'
                f"<title>{escape(f'{label}: {show(value)} {s.name}')}</title></rect>"
            )
            base += value
    return _svg(title, parts)


def grouped_bars(
    title: str, labels: Sequence[str], series: Sequence[Series], *, show: Callable[[float], str]
) -> str:
    top = _nice_top(max((v or 0 for s in series for v in s.values), default=0))
    parts = _frame(top, labels, show)
    band = PLOT_W / max(len(labels), 1)
    width = band * 0.8 / max(len(series), 1)
    for i, label in enumerate(labels):
        for n, s in enumerate(series):
            value = s.values[i] or 0
            height = PLOT_H * value / top
            x = LEFT + band * i + band * 0.1 + width * n
            parts.append(
                f'<rect x="{x:.1f}" y="{TOP + PLOT_H - height:.1f}" width="{width:.1f}" '
                f'height="{height:.1f}" fill="{s.colour}">'
                f"<title>{escape(f'{label}: {show(value)} {s.name}')}</title></rect>"
            )
    return _svg(title, parts)


def lines(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    show: Callable[[float], str],
    reference: tuple[float, str] | None = None,
) -> str:
    """Points joined by lines; a missing value breaks the line. ``reference`` draws a
    dashed line at a value worth comparing with (an ideal)."""
    peaks = [v for s in series for v in s.values if v is not None]
    if reference is not None:
        peaks.append(reference[0])
    top = _nice_top(max(peaks, default=0))
    parts = _frame(top, labels, show)
    band = PLOT_W / max(len(labels), 1)

    def y_of(value: float) -> float:
        return TOP + PLOT_H - PLOT_H * min(value, top) / top

    if reference is not None:
        y = y_of(reference[0])
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="{INK}" '
            f'stroke-dasharray="4 3" stroke-width="1"><title>{escape(reference[1])}</title></line>'
        )
    for s in series:
        run: list[str] = []
        for i, value in enumerate([*s.values, None]):
            if value is None:
                if len(run) > 1:
                    parts.append(
                        f'<polyline points="{" ".join(run)}" fill="none" '
                        f'stroke="{s.colour}" stroke-width="2"/>'
                    )
                run = []
                continue
            x, y = LEFT + band * (i + 0.5), y_of(value)
            run.append(f"{x:.1f},{y:.1f}")
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{s.colour}">'
                f"<title>{escape(f'{labels[i]}: {show(value)} ({s.name})')}</title></circle>"
            )
    return _svg(title, parts)
