"""The Walikota's annual report: the year's figures, the trend since the first year in the
data, the SDG 11.1 and 17.17 figures as the programme reports them, the choropleth and the
top and bottom kelurahan; as a page and as a PDF (WeasyPrint, static files only)."""

from __future__ import annotations

from django.utils import timezone

from bangkit import geo
from bangkit.indonesian import long_date
from dashboards import charts, figures, selectors
from dashboards.filters import Filters
from dashboards.tables import Cell, percent, ratio

TOP = 5


def _total(table, header: str):
    return table.total[table.headers.index(header)].value


def _ranked(user, filters: Filters, per_kelurahan: dict) -> tuple[list, list]:
    kelurahan = list(
        figures._kelurahan_in_scope(user, filters)
        .existing_in(filters.year_to)
        .select_related("kecamatan")
        .only("pk", "name", "kecamatan__name")
    )
    rows = [
        {
            "name": k.name,
            "kecamatan": k.kecamatan.name,
            "terikat": per_kelurahan.get(k.pk, {}).get("terikat", 0),
            "lokasi": per_kelurahan.get(k.pk, {}).get("lokasi", 0),
            "swadaya": per_kelurahan.get(k.pk, {}).get("swadaya", 0),
        }
        for k in kelurahan
    ]
    rows.sort(key=lambda r: (-r["terikat"], -r["lokasi"], r["name"]))
    # Fewer than twice TOP kelurahan (a camat's, a lurah's): the upper half on top, the rest
    # below, none in both lists.
    top = rows[: min(TOP, (len(rows) + 1) // 2)]
    above = {id(r) for r in top}
    lowest = sorted(rows, key=lambda r: (r["terikat"], r["lokasi"], r["name"]))
    return top, [r for r in lowest if id(r) not in above][:TOP]


def annual_report(user, filters: Filters, *, palette=None) -> dict:
    """Everything the report shows for the year of `filters` (a single year)."""
    filters = figures.with_summaries(filters)
    year = filters.year_to
    board = selectors.dashboard(user, filters)
    if palette:
        board.map = selectors.map_for(
            user, filters, board.per_kelurahan, selectors.DEFAULT_MAP, palette=palette
        )
    funnel = board.table("corong")
    money = board.table("uang")
    community = board.table("swadaya")
    saving = board.table("hemat")
    people = board.table("peserta")
    reach = board.table("jangkauan")
    slums = board.table("kumuh")
    totals = figures.funnel_totals(funnel)
    paid = _total(money, "Dibayar")
    contributed = community.extra["contributed"]
    labour = _total(people, "Nilai tenaga")
    slum_row = slums.rows[-1] if slums.rows else None
    slum = {
        "designated": slum_row[1].value if slum_row else 0,
        "kelurahan": slum_row[2].value if slum_row else 0,
        "sites": slum_row[3].value if slum_row else 0,
        "handled_year": slum_row[4].value if slum_row else 0,
        "handled": slum_row[5].value if slum_row else 0,
        "share": slum_row[6].value if slum_row else None,
    }
    kpis = [
        ("Usulan Musrenbang", Cell(totals["musrenbang"])),
        ("Usulan diajukan RT", Cell(totals["diajukan"])),
        ("Lokasi ditetapkan SK Camat", Cell(totals["ditetapkan"])),
        ("Lokasi selesai", Cell(totals["selesai"])),
        ("Porsi usulan didanai", Cell(funnel.total[-1].value, "percent")),
        ("Pagu anggaran", Cell(_total(money, "Pagu"), "money")),
        ("Anggaran terikat", Cell(_total(money, "Terikat"), "money")),
        ("Dibayar ke toko bangunan", Cell(paid, "money")),
        ("Swadaya masyarakat", Cell(contributed, "money")),
        ("Peserta gotong-royong", Cell(_total(people, "Peserta"))),
        ("Hari orang kerja (HOK)", Cell(_total(people, "HOK"), "volume")),
        ("Perempuan di antara kehadiran", Cell(_total(people, "Perempuan (%)"), "percent")),
        ("Jiwa penerima manfaat", Cell(_total(people, "Jiwa penerima manfaat"))),
        ("Penghematan dibanding kontraktor", Cell(saving.total[-1].value, "percent")),
        ("Kelurahan dengan lokasi", Cell(reach.total[3].value, "percent")),
        ("Indeks Gini anggaran antar-kelurahan", Cell(reach.extra["gini"], "ratio")),
    ]
    trend_filters = filters.narrowed(year_from=filters.all_years[0], year_to=year)
    with figures.one_read():  # the funnel and the money of the trend share their rows
        trend_funnel = figures.funnel(user, trend_filters)
        *trend_money, trend_community, _ = figures.money(user, trend_filters)
    entries = figures.per_year(trend_funnel, "Usulan Musrenbang")
    designated = figures.per_year(trend_funnel, "Ditetapkan SK Camat")
    completed = figures.per_year(trend_funnel, "Selesai")
    committed = figures.per_year(trend_money, "Terikat")
    paid_by_year = figures.per_year(trend_money, "Dibayar")
    gifts = {row[0].value: row[-1].value for row in trend_community.rows}
    trend = [
        {
            "year": y,
            "musrenbang": Cell(entries.get(y, 0)),
            "ditetapkan": Cell(designated.get(y, 0)),
            "selesai": Cell(completed.get(y, 0)),
            "porsi": Cell(percent(designated.get(y, 0), entries.get(y, 0)), "percent"),
            "terikat": Cell(committed.get(y, 0), "money"),
            "dibayar": Cell(paid_by_year.get(y, 0), "money"),
            "swadaya": Cell(gifts.get(y, 0), "money"),
        }
        for y in trend_filters.years
    ]
    top, bottom = _ranked(user, filters, board.per_kelurahan)
    partnership = contributed + labour
    return {
        "year": year,
        # The work type too when one is chosen: the figures are that type's alone.
        "area": filters.area_label + (f", {filters.work_type.name}" if filters.work_type else ""),
        "board": board,
        "kpis": kpis,
        "trend": trend,
        "trend_chart": charts.columns(
            trend_filters.years,
            [
                ("Terikat", [committed.get(y, 0) for y in trend_filters.years]),
                ("Swadaya", [gifts.get(y, 0) for y in trend_filters.years]),
            ],
            printed=bool(palette),
        ),
        "first_year": trend_filters.year_from,
        "boundary_attribution": geo.BOUNDARY_ATTRIBUTION,
        "sdg11": slum,
        "sdg17": {
            "contributed": Cell(contributed, "money"),
            "labour": Cell(labour, "money"),
            "partnership": Cell(partnership, "money"),
            "city": Cell(paid, "money"),
            "ratio": Cell(ratio(partnership, paid), "ratio"),
        },
        "top": top,
        "bottom": bottom,
        "printed_on": long_date(timezone.localdate()),
        "gini_note": figures.GINI_NOTE,
        "saving_note": figures.SAVINGS_NOTE,
    }
