"""The dashboard as one read: every section's tables, the charts and the choropleth, for a
user and their filters, in a number of queries that does not grow with the data."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from bangkit import geo
from bangkit.models import Kecamatan, Kelurahan, WorkType
from dashboards import cache, charts, figures
from dashboards.filters import Filters
from dashboards.tables import Table, records_path

SECTIONS = [
    ("corong", "Corong usulan: dari Musrenbang sampai selesai"),
    ("uang", "Uang: pagu, terikat, dipesan, diterima, dibayar"),
    ("orang", "Orang dan keluaran"),
    ("waktu", "Waktu per tahap (Aspek Waktu)"),
    ("pemerataan", "Pemerataan"),
    ("kumuh", "Kawasan kumuh"),
]
DEFAULT_MAP = "terikat"
# Colours of the fill classes for the PDF, where the page's stylesheet does not reach the SVG.
PDF_PALETTE = {
    "q0": "#eceff1",
    "q1": "#e8f5e9",
    "q2": "#a5d6a7",
    "q3": "#66bb6a",
    "q4": "#2e7d32",
    "q5": "#1b5e20",
}


@dataclass
class Section:
    key: str
    title: str
    tables: list[Table]
    charts: list = field(default_factory=list)


@dataclass
class Dashboard:
    filters: Filters
    sections: list[Section]
    per_kelurahan: dict
    map: dict
    map_figure: str

    @property
    def tables(self) -> list[Table]:
        return [t for s in self.sections for t in s.tables]

    def table(self, key: str) -> Table | None:
        return next((t for t in self.tables if t.key == key), None)


def records_url(query: str) -> str:
    return f"{records_path()}?{query}" if query else ""


def map_for(user, filters: Filters, per_kelurahan: dict, figure: str, *, palette=None) -> dict:
    label, kind = figures.KELURAHAN_FIGURES[figure]
    kelurahan, paths = charts.drawn_regions(
        figures._kelurahan_in_scope(user, filters).existing_in(filters.year_to)
    )
    values = {k.pk: per_kelurahan.get(k.pk, {}).get(figure, 0) for k in kelurahan}
    links = {
        k.pk: records_url(filters.query(daftar="usulan", tahap="didanai", kelurahan=k.pk))
        for k in kelurahan
    }
    drawn = charts.choropleth(
        kelurahan, values, kind=kind, label=label, links=links, palette=palette, paths=paths
    )
    drawn.update(label=label, kind=kind, figure=figure)
    return drawn


def dashboard(user, filters: Filters, *, map_figure: str = DEFAULT_MAP) -> Dashboard:
    """The dashboard, from the cache while no record changed (dashboards.cache)."""
    filters = figures.with_summaries(filters)
    key = f"{filters.query()}|{map_figure}"
    return cache.cached(
        user,
        key,
        lambda: compute_dashboard(user, filters, map_figure=map_figure),
        version=cache.version_for(filters),
    )


def dashboard_html(user, filters: Filters, *, map_figure: str = DEFAULT_MAP) -> str:
    """The dashboard's sections as HTML, from the cache while no record changed: a page of
    ten years holds thousands of linked numbers, and drawing them costs more than reading."""
    filters = figures.with_summaries(filters)
    key = f"{filters.query()}|{map_figure}|html"

    def draw():
        # Computed here, not through dashboard(): keeping the figures too would cost the
        # page a pickle of every table; a download computes its own (and keeps it).
        board = compute_dashboard(user, filters, map_figure=map_figure)
        return render_to_string(
            "dashboards/_board.html",
            {
                "board": board,
                "query": filters.query(),
                "gini_note": figures.GINI_NOTE,
                "boundary_attribution": geo.BOUNDARY_ATTRIBUTION,
            },
        )

    version = cache.version_for(filters)
    return mark_safe(cache.cached(user, key, draw, version=version))  # noqa: S308 (rendered by our template)


def compute_dashboard(user, filters: Filters, *, map_figure: str = DEFAULT_MAP) -> Dashboard:
    with figures.one_read():
        return _compute(user, figures.with_summaries(filters), map_figure)


def _compute(user, filters: Filters, map_figure: str) -> Dashboard:
    per_kelurahan = figures.kelurahan_figures(user, filters)
    funnel = figures.funnel(user, filters)
    money = figures.money(user, filters)
    people = figures.people(user, filters)
    times = figures.stage_times(user, filters)
    equity = figures.equity(user, filters, per_kelurahan)
    slums = figures.slums(user, filters)
    totals = figures.funnel_totals(funnel[0])
    funnel_chart = charts.bars(
        [("Usulan Musrenbang", totals["musrenbang"])]
        + [(s.label, totals[s.key]) for s in figures.FUNNEL]
    )
    years = filters.years
    committed = figures.per_year(money, "Terikat")
    paid = figures.per_year(money, "Dibayar")
    money_chart = charts.columns(
        years,
        [
            ("Terikat", [committed.get(y, 0) for y in years]),
            ("Dibayar", [paid.get(y, 0) for y in years]),
        ],
    )
    sections = [
        Section("corong", SECTIONS[0][1], funnel, [funnel_chart]),
        Section("uang", SECTIONS[1][1], money, [money_chart]),
        Section("orang", SECTIONS[2][1], people),
        Section("waktu", SECTIONS[3][1], times),
        Section("pemerataan", SECTIONS[4][1], equity),
        Section("kumuh", SECTIONS[5][1], slums),
    ]
    return Dashboard(
        filters=filters,
        sections=sections,
        per_kelurahan=per_kelurahan,
        map=map_for(user, filters, per_kelurahan, map_figure),
        map_figure=map_figure,
    )


def filter_choices(user, filters: Filters) -> dict:
    """What the filter form offers this user: only areas in their scope."""
    kecamatan = list(Kecamatan.objects.visible_to(user).order_by("name").values_list("pk", "name"))
    kelurahan = Kelurahan.objects.visible_to(user).order_by("kecamatan__name", "name")
    if filters.kecamatan:
        kelurahan = kelurahan.filter(kecamatan=filters.kecamatan)
    # The kelurahan under their kecamatan (optgroups): without a script the list cannot
    # narrow when a kecamatan is chosen, so it says which kelurahan lies where.
    groups: dict[str, list] = {}
    if not user.kelurahan_id:
        for pk, name, kecamatan_name in kelurahan.values_list("pk", "name", "kecamatan__name"):
            groups.setdefault(kecamatan_name, []).append((pk, name))
    return {
        "years": list(filters.all_years),
        "kecamatan": kecamatan if user.is_city_wide else [],
        "kelurahan": [k for members in groups.values() for k in members],
        "kelurahan_groups": list(groups.items()),
        "work_types": list(WorkType.objects.order_by("name").values_list("pk", "name")),
        "maps": [(key, label) for key, (label, _) in figures.KELURAHAN_FIGURES.items()],
    }
