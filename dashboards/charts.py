"""Charts drawn on the server as SVG: bars and the kelurahan choropleth. No script, no inline
style (the page's CSP refuses both): every colour is a class in static/css/dashboards.css."""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import TextField
from django.db.models.functions import MD5, Cast
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from bangkit import geo
from dashboards.tables import Cell

CLASSES = 5  # fill classes q1 … q5 (q0: no value)


# The bar charts are drawn for a phone: 360 units wide, shown at the width of the screen (about
# 340 px at 360) and at most 480 px on a desk, so a 12-unit label reads at 11–16 px and no
# value lies beyond the edge.
CHART_WIDTH = 360
# The series' colours (.bar-0 … .bar-5 in static/css/dashboards.css), for a printed chart: a
# PDF has no page stylesheet for an inline SVG, so its colours and sizes are attributes.
SERIES_COLOURS = ("#2e7d32", "#f9a825", "#1565c0", "#6a1b9a", "#c62828", "#00838f")
PRINTED_TEXT = ' font-size="11" fill="#37474f"'
PRINTED_GRID = ' stroke="#cfd8dc" stroke-width="1"'
# About how wide a character of a 12-unit label is (DejaVu Sans and Roboto digits: 0.55 em).
CHAR_W = 6.8


def _text_width(text: str) -> float:
    return len(text) * CHAR_W


def bars(
    items: list[tuple[str, object]], *, kind: str = "count", width: int = CHART_WIDTH
) -> SafeString:
    """Horizontal bars, one per (label, value), each label above its bar and the value after
    it; the longest bar leaves room for the longest value."""
    label_h, bar_h, gap = 15, 16, 9
    values = [float(v or 0) for _, v in items]
    shown = [Cell(value=value, kind=kind).shown for _, value in items]
    room = width - max((_text_width(t) for t in shown), default=0) - 6
    top = max(values, default=0) or 1
    step = label_h + bar_h + gap
    height = len(items) * step
    parts = [
        f'<svg class="chart chart-bars" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Grafik batang" xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, ((label, _), number, text) in enumerate(zip(items, values, shown, strict=True)):
        y = i * step
        length = max(room, 0) * number / top
        parts.append(
            f'<text class="chart-label" x="0" y="{y + 12}">{escape(label)}</text>'
            f'<rect class="bar bar-{i % 6}" x="0" y="{y + label_h}" width="{length:.1f}" '
            f'height="{bar_h}"><title>{escape(label)}: {escape(text)}</title></rect>'
            f'<text class="chart-value" x="{length + 4:.1f}" y="{y + label_h + 12}">'
            f"{escape(text)}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text above is escaped)


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5 or 5 × 10^k at or above `value` (an axis's top)."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def columns(
    years: list[int],
    series: list[tuple[str, list]],
    *,
    kind: str = "money",
    width: int = CHART_WIDTH,
    printed: bool = False,
) -> SafeString:
    """Grouped columns per year, one colour per series, with a legend and the axis's top and
    middle values; with many years only every second or third year is labelled. ``printed``:
    colours and sizes as attributes, for the PDF."""

    def fill(s: int) -> str:
        return f' fill="{SERIES_COLOURS[s % 6]}"' if printed else ""

    text = PRINTED_TEXT if printed else ""
    grid = PRINTED_GRID if printed else ""
    height, legend_h, bottom = 240, 22, 20
    plot_top, plot_bottom = legend_h + 18, height - bottom
    plot_h = plot_bottom - plot_top
    top = nice_ceiling(max((float(v or 0) for _, vs in series for v in vs), default=0))
    group_w = width / max(len(years), 1)
    bar_w = min(40.0, max(3.0, (group_w - 4) / max(len(series), 1)))
    every = math.ceil(_text_width("0000") / max(group_w - 2, 1))
    parts = [
        f'<svg class="chart chart-columns" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Grafik per tahun" xmlns="http://www.w3.org/2000/svg">'
    ]
    x = 0.0
    for s, (name, _) in enumerate(series):
        parts.append(
            f'<rect class="bar bar-{s % 6}" x="{x:.1f}" y="2" width="12" height="12"{fill(s)}/>'
            f'<text class="chart-label" x="{x + 16:.1f}" y="13"{text}>{escape(name)}</text>'
        )
        x += 16 + _text_width(name) + 14
    ticks = []
    for fraction in (1, 0.5, 0):
        y = plot_bottom - plot_h * fraction
        parts.append(
            f'<line class="chart-grid" x1="0" y1="{y:.1f}" x2="{width}" y2="{y:.1f}"{grid}/>'
        )
        if fraction:
            tick = Cell(value=round(top * fraction), kind=kind).shown
            # Over the columns, with a halo (page CSS) so that it reads across them.
            ticks.append(
                f'<text class="chart-label chart-tick" x="2" y="{y - 4:.1f}"{text}>'
                f"{escape(tick)}</text>"
            )
    for i, year in enumerate(years):
        x0 = i * group_w + (group_w - bar_w * len(series)) / 2
        for s, (name, values) in enumerate(series):
            value = values[i] if i < len(values) else 0
            h = plot_h * float(value or 0) / top
            shown = Cell(value=value, kind=kind).shown
            parts.append(
                f'<rect class="bar bar-{s % 6}" x="{x0 + s * bar_w:.1f}" '
                f'y="{plot_bottom - h:.1f}" width="{max(bar_w - 1, 1):.1f}" height="{h:.1f}"'
                f"{fill(s)}>"
                f"<title>{year} {escape(name)}: {escape(shown)}</title></rect>"
            )
        if (len(years) - 1 - i) % every == 0:  # the last year always labelled
            parts.append(
                f'<text class="chart-label" x="{i * group_w + group_w / 2:.1f}" '
                f'y="{height - 5}" text-anchor="middle"{text}>{year}</text>'
            )
    parts.extend(ticks)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308


@dataclass
class Shape:
    pk: int
    name: str
    value: object
    fill: str  # q0 … q5
    d: str
    link: str = ""


def classes_for(values: list, count: int = CLASSES) -> list[Decimal]:
    """Upper bounds of `count` equal-width classes from 0 to the largest value."""
    top = max((Decimal(v) for v in values if v is not None), default=Decimal(0))
    if top <= 0:
        return []
    return [top * (i + 1) / count for i in range(count)]


def fill_class(value, bounds: list) -> str:
    if value is None or not bounds or Decimal(value) <= 0:
        return "q0"
    for i, bound in enumerate(bounds, start=1):
        if Decimal(value) <= bound:
            return f"q{i}"
    return f"q{len(bounds)}"


# {(width, height, padding, ((pk, digest of its boundary), ...)): {pk: d}} for this process.
# Boundaries change only when load_regions runs again; the digest in the key makes a changed
# boundary, or another set of kelurahan, draw afresh. A handful of entries at most (one per
# scope the dashboard is opened for), so no eviction beyond a small bound.
_PATHS: dict = {}
_PATHS_LOCK = threading.Lock()
_PATHS_MAX = 256


@dataclass(frozen=True)
class Region:
    """A kelurahan as the choropleth needs it once its path is known: no boundary loaded."""

    pk: int
    name: str
    boundary: bool = True


def drawn_regions(queryset, width: int = 640, height: int = 520, padding: float = 6):
    """([Region], {pk: d}) for the kelurahan of `queryset` that have a boundary. The SVG paths
    come from this process's memory while the boundaries are unchanged: one query reads the
    names and an MD5 of each boundary (about 1 ms for the city's 68); only a miss loads the
    boundaries and projects them (about 30 ms)."""
    rows = list(
        queryset.filter(boundary__isnull=False)
        .annotate(digest=MD5(Cast("boundary", TextField())))
        .values_list("pk", "name", "digest")
    )
    key = (width, height, padding, tuple((pk, digest) for pk, _, digest in rows))
    paths = _PATHS.get(key)
    if paths is None:
        shapes = dict(
            queryset.model.objects.filter(pk__in=[pk for pk, _, _ in rows]).values_list(
                "pk", "boundary"
            )
        )
        shapes = {pk: g for pk, g in shapes.items() if g}
        paths = geo.svg_paths(shapes, width, height, padding=padding)[0] if shapes else {}
        with _PATHS_LOCK:
            if len(_PATHS) >= _PATHS_MAX:
                _PATHS.clear()
            _PATHS[key] = paths
    return [Region(pk, name) for pk, name, _ in rows if pk in paths], paths


def choropleth(
    kelurahan,
    values: dict,
    *,
    kind: str,
    label: str,
    links: dict | None = None,
    palette: dict | None = None,
    width: int = 640,
    height: int = 520,
    paths: dict | None = None,
) -> dict:
    """The kelurahan drawn from their stored boundaries, each filled by its class of `values`
    ({kelurahan pk: value}); kelurahan without a boundary are left out. `paths` ({pk: d},
    from drawn_regions) saves projecting the boundaries again. Returns the SVG and the
    legend."""
    regions = [k for k in kelurahan if k.boundary]
    if not regions:
        return {"svg": "", "legend": [], "shapes": []}
    if paths is None:
        paths, _ = geo.svg_paths({k.pk: k.boundary for k in regions}, width, height, padding=6)
    bounds = classes_for([values.get(k.pk) for k in regions])
    links = links or {}
    shapes = [
        Shape(
            pk=k.pk,
            name=k.name,
            value=values.get(k.pk),
            fill=fill_class(values.get(k.pk), bounds),
            d=paths[k.pk],
            link=links.get(k.pk, ""),
        )
        for k in regions
    ]
    parts = [
        f'<svg class="chart choropleth" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Peta kelurahan: {escape(label)}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for shape in shapes:
        shown = Cell(value=shape.value, kind=kind).shown
        # The PDF has no page stylesheet for the SVG: a presentation attribute instead.
        paint = f' fill="{palette[shape.fill]}" stroke="#ffffff"' if palette else ""
        path = (
            f'<path class="kel {shape.fill}" data-kelurahan="{shape.pk}"{paint} d="{shape.d}">'
            f"<title>{escape(shape.name)}: {escape(shown)}</title></path>"
        )
        if shape.link:
            path = f'<a href="{escape(shape.link)}">{path}</a>'
        parts.append(path)
    parts.append("</svg>")
    legend = [("q0", "tidak ada / nol")]
    low = Decimal(0)
    for i, bound in enumerate(bounds, start=1):
        legend.append(
            (
                f"q{i}",
                f"{Cell(value=_round(low), kind=kind).shown} – "
                f"{Cell(value=_round(bound), kind=kind).shown}",
            )
        )
        low = bound
    return {"svg": mark_safe("".join(parts)), "legend": legend, "shapes": shapes}  # noqa: S308


def _round(value: Decimal):
    return value.quantize(Decimal("1")) if value >= 10 else value.quantize(Decimal("0.01"))
