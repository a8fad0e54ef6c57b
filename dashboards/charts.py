"""Charts drawn on the server as SVG: bars and the kelurahan choropleth. No script, no inline
style (the page's CSP refuses both): every colour is a class in static/css/dashboards.css."""

from __future__ import annotations

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


def bars(items: list[tuple[str, object]], *, kind: str = "count", width: int = 640) -> SafeString:
    """Horizontal bars, one per (label, value), longest = full width; values printed."""
    row_h, label_w, gap = 26, 200, 6
    values = [float(v or 0) for _, v in items]
    top = max(values, default=0) or 1
    height = len(items) * (row_h + gap) + gap
    parts = [
        f'<svg class="chart chart-bars" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Grafik batang" xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, ((label, value), number) in enumerate(zip(items, values, strict=True)):
        y = gap + i * (row_h + gap)
        length = (width - label_w - 110) * number / top
        shown = Cell(value=value, kind=kind).shown
        parts.append(
            f'<text class="chart-label" x="{label_w - 8}" y="{y + row_h * 0.68:.1f}" '
            f'text-anchor="end">{escape(label)}</text>'
            f'<rect class="bar bar-{i % 6}" x="{label_w}" y="{y}" width="{length:.1f}" '
            f'height="{row_h}"><title>{escape(label)}: {escape(shown)}</title></rect>'
            f'<text class="chart-value" x="{label_w + length + 6:.1f}" '
            f'y="{y + row_h * 0.68:.1f}">{escape(shown)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text above is escaped)


def columns(
    years: list[int], series: list[tuple[str, list]], *, kind: str = "money", width: int = 640
) -> SafeString:
    """Grouped columns per year, one colour per series, with a legend."""
    height, bottom, left = 240, 28, 8
    plot_h = height - bottom - 30
    top = max((float(v or 0) for _, vs in series for v in vs), default=0) or 1
    group_w = (width - left) / max(len(years), 1)
    bar_w = min(60.0, max(4.0, (group_w - 10) / max(len(series), 1)))
    parts = [
        f'<svg class="chart chart-columns" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Grafik per tahun" xmlns="http://www.w3.org/2000/svg">'
    ]
    for s, (name, _) in enumerate(series):
        parts.append(
            f'<rect class="bar bar-{s % 6}" x="{left + s * 150}" y="4" width="12" height="12"/>'
            f'<text class="chart-label" x="{left + s * 150 + 16}" y="15">{escape(name)}</text>'
        )
    for i, year in enumerate(years):
        x0 = left + i * group_w + (group_w - bar_w * len(series)) / 2
        for s, (name, values) in enumerate(series):
            value = values[i] if i < len(values) else 0
            h = plot_h * float(value or 0) / top
            shown = Cell(value=value, kind=kind).shown
            parts.append(
                f'<rect class="bar bar-{s % 6}" x="{x0 + s * bar_w:.1f}" '
                f'y="{height - bottom - h:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}">'
                f"<title>{year} {escape(name)}: {escape(shown)}</title></rect>"
            )
        parts.append(
            f'<text class="chart-label" x="{x0 + bar_w * len(series) / 2:.1f}" y="{height - 8}" '
            f'text-anchor="middle">{year}</text>'
        )
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
