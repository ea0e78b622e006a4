"""Bar charts drawn on the server, for pages that also show the same numbers in a data table.

A horizontal bar chart built of HTML text and small SVG bars: each category's name on its own line
above its bars (long Swedish names wrap on a phone), one bar per series, and each bar's value written
beside it in words ("3 anmälda"), so neither colour nor pattern alone carries meaning. Every text is
HTML text in the page's own font size: it is never scaled with the chart (an SVG viewBox made it
bigger than the headings on a desktop and ~8 px on a phone), it wraps, and it follows the reader's
zoom and text spacing. A bar's length is the `width` attribute of its SVG in percent of the chart's
width (an attribute, not a style: the CSP forbids inline styles), at most `PLOT` of it, so its value
fits beside it or wraps below it; nothing makes the page scroll sideways.

The first series is solid, the second hatched, the third dotted; the colours have at least 4.5:1
contrast against white (WCAG 1.4.11 asks 3:1). The bars and the legend are hidden from screen
readers, which read the categories and the values as nested lists. Every text is escaped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

PLOT = 60  # the longest bar's share of the chart's width, in percent: its value needs room beside it
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
    """The series' fills, once per chart, in an SVG of no size that the bars refer to."""
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
    return (
        '<svg class="chart-defs" width="0" height="0" aria-hidden="true" focusable="false">'
        f"<defs>{solid}{hatched}{dotted}</defs></svg>"
    )


def _fill(prefix: str, index: int, width: str) -> str:
    """An SVG of `width` filled with series `index`'s pattern, framed in its colour."""
    return (
        f'<svg class="chart-fill chart-series-{index}" width="{width}" height="18" aria-hidden="true" '
        f'focusable="false"><rect width="100%" height="100%" fill="url(#{prefix}-p{index})" '
        f'stroke="{COLOURS[index]}" stroke-width="2"/></svg>'
    )


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
    """An accessible bar chart: a `<figure>` (a string to put in a page) captioned with `title`.

    `categories` name the groups of bars; each of `series` gives one value per category (None: no
    bar, written as "–"). `maximum` is the scale's end (default: the largest value); `value_text`
    writes a bar's value (default: "<value> <series label>"); give it one that uses ngettext where
    the value is a count. `description` is read by screen readers after the title.
    """
    if len(series) > len(COLOURS):
        raise ValueError("at most three series")
    prefix = _id(chart_id)
    write = value_text or (lambda s, v: f"{'–' if v is None else _number(v)} {s.label}")
    top = max([0.0, *(float(v) for s in series for v in s.values if v is not None)])
    scale_end = float(maximum) if maximum else top
    legend = "".join(
        f'<li>{_fill(prefix, index, "16")}<span class="chart-legend-label">{escape(item.label)}</span></li>'
        for index, item in enumerate(series)
    )
    groups: list[str] = []
    for c, category in enumerate(categories):
        bars: list[str] = []
        for index, item in enumerate(series):
            value = item.values[c] if c < len(item.values) else None
            share = 0.0 if value is None or scale_end <= 0 else PLOT * min(float(value), scale_end) / scale_end
            bar = _fill(prefix, index, f"{share:.1f}%") if share > 0 else ""
            bars.append(
                f'<li class="chart-bar">{bar}<span class="chart-value">{escape(write(item, value))}</span></li>'
            )
        groups.append(
            f'<li class="chart-group"><span class="chart-category">{escape(category)}</span>'
            f'<ul class="chart-bars">{"".join(bars)}</ul></li>'
        )
    title_id = f"{prefix}-title"
    return (
        f"<figure class={quoteattr('chart')} id={quoteattr(prefix)} aria-labelledby={quoteattr(title_id)}>"
        f'<figcaption id={quoteattr(title_id)} class="chart-title">{escape(title)}'
        f'<span class="visually-hidden"> {escape(description)}</span></figcaption>'
        f'{_patterns(prefix)}<ul class="chart-legend" aria-hidden="true">{legend}</ul>'
        f'<ul class="chart-groups">{"".join(groups)}</ul></figure>'
    )


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
