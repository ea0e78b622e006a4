"""Charts drawn on the server as SVG, for pages that also show the same numbers in a data table.

A horizontal bar chart: each category's name on its own line above its bars (long Swedish names fit a
phone's width), one bar per series, and each bar's value written beside it with the series' name, so
neither colour nor pattern alone carries meaning. The first series is solid, the second hatched, the
third dotted; the colours have at least 4.5:1 contrast against white (WCAG 1.4.11 asks 3:1). The SVG
has `role="img"` with a `<title>` and a `<desc>`, a viewBox and `width="100%"`, so it scales to
the page. Every text is escaped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

WIDTH = 480
PAD = 8
FONT = 15
BAR = 18
GAP = 4
LABEL_SPACE = 150  # room to the right of the longest bar for its value
TEXT = "#1a1a1a"
AXIS = "#595959"
# Dark blue, dark orange-brown and dark green: each has at least 4.5:1 against white.
COLOURS = ("#1f4e79", "#8a4600", "#2e6b30")


@dataclass
class Series:
    label: str
    values: Sequence[float | int | None]


def _id(value: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_-]", "-", value) or "chart"
    return cleaned if cleaned[0].isalpha() else "c" + cleaned


def _patterns(prefix: str) -> str:
    solid = (
        f'<pattern id="{prefix}-p0" width="8" height="8" patternUnits="userSpaceOnUse">'
        f'<rect width="8" height="8" fill="{COLOURS[0]}"/></pattern>'
    )
    hatched = (
        f'<pattern id="{prefix}-p1" width="8" height="8" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="8" height="8" fill="#ffffff"/>'
        f'<rect width="5" height="8" fill="{COLOURS[1]}"/></pattern>'
    )
    dotted = (
        f'<pattern id="{prefix}-p2" width="6" height="6" patternUnits="userSpaceOnUse">'
        f'<rect width="6" height="6" fill="#ffffff"/><circle cx="3" cy="3" r="2.2" fill="{COLOURS[2]}"/></pattern>'
    )
    return f"<defs>{solid}{hatched}{dotted}</defs>"


def horizontal_bar_chart(
    *,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    chart_id: str = "chart",
    maximum: float | None = None,
    value_text: Callable[[Series, float | int | None], str] | None = None,
) -> str:
    """An accessible SVG bar chart (a string to put inline in a page).

    `categories` name the groups of bars; each of `series` gives one value per category (None: no
    bar, written as "–"). `maximum` is the scale's end (default: the largest value); `value_text`
    writes a bar's value (default: "<value> <series label>").
    """
    if len(series) > len(COLOURS):
        raise ValueError("at most three series")
    prefix = _id(chart_id)
    write = value_text or (lambda s, v: f"{'–' if v is None else _number(v)} {s.label}")
    top = max([0.0, *(float(v) for s in series for v in s.values if v is not None)])
    scale_end = float(maximum) if maximum else top
    plot = WIDTH - 2 * PAD - LABEL_SPACE
    parts: list[str] = []
    y = PAD
    # The legend: a swatch of each series' pattern and its name.
    x = PAD
    for index, item in enumerate(series):
        parts.append(
            f'<rect x="{x}" y="{y}" width="16" height="16" fill="url(#{prefix}-p{index})" '
            f'stroke="{TEXT}" stroke-width="1"/>'
        )
        parts.append(f'<text x="{x + 22}" y="{y + 13}" font-size="{FONT}" fill="{TEXT}">{escape(item.label)}</text>')
        x += 22 + int(len(item.label) * FONT * 0.6) + 18
    y += 16 + 2 * GAP + 4
    for c, category in enumerate(categories):
        y += FONT
        parts.append(
            f'<text x="{PAD}" y="{y}" font-size="{FONT}" font-weight="bold" fill="{TEXT}">{escape(category)}</text>'
        )
        y += GAP + 2
        for index, item in enumerate(series):
            value = item.values[c] if c < len(item.values) else None
            length = 0.0 if value is None or scale_end <= 0 else plot * min(float(value), scale_end) / scale_end
            if length > 0:
                parts.append(
                    f'<rect x="{PAD}" y="{y}" width="{length:.1f}" height="{BAR}" '
                    f'fill="url(#{prefix}-p{index})" stroke="{COLOURS[index]}" stroke-width="1"/>'
                )
            parts.append(
                f'<text x="{PAD + length + 6:.1f}" y="{y + BAR - 4}" font-size="{FONT - 1}" '
                f'fill="{TEXT}">{escape(write(item, value))}</text>'
            )
            y += BAR + GAP
        y += GAP * 2
    # The axis the bars grow from.
    parts.insert(
        0, f'<line x1="{PAD}" y1="{PAD + 16 + 2 * GAP}" x2="{PAD}" y2="{y}" stroke="{AXIS}" stroke-width="1"/>'
    )
    height = y + PAD
    title_id, desc_id = f"{prefix}-title", f"{prefix}-desc"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby={quoteattr(title_id + " " + desc_id)} '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" class="chart">'
        f"<title id={quoteattr(title_id)}>{escape(title)}</title>"
        f"<desc id={quoteattr(desc_id)}>{escape(description)}</desc>"
        f'{_patterns(prefix)}<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>' + "".join(parts) + "</svg>"
    )


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
