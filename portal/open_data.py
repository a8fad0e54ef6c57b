"""Open data of the public portal: the year's figures and its sites as CSV and GeoJSON
(``/proyek/data/<year>.csv`` and ``.geojson``), under CC BY 4.0. Only public fields; a fixed
number of queries; no cell a spreadsheet would run as a formula (bangkit.spreadsheets)."""

from __future__ import annotations

import tablib
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from bangkit.downloads import CSV, content_response
from bangkit.qr import public_address
from bangkit.spreadsheets import csv_text
from portal import projects, public_cache, public_figures

LICENCE = "CC BY 4.0"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/deed.id"
LICENCE_NOTE = (
    f"Data terbuka Bangkit Berdaya Kota Jambi, lisensi {LICENCE} ({LICENCE_URL}): boleh dipakai "
    "dan dibagikan ulang dengan menyebut sumbernya."
)
CACHE = "public, max-age=300"

# The site columns of the CSV and the properties of each GeoJSON point (all public).
SITE_COLUMNS = (
    "kode",
    "kegiatan",
    "jenis_kegiatan",
    "satuan",
    "volume_rencana",
    "tahap",
    "tahap_keterangan",
    "kecamatan",
    "kelurahan",
    "rt",
    "anggaran_ditetapkan_rp",
    "lintang",
    "bujur",
    "halaman",
)


def _site_values(site, request) -> dict:
    return {
        "kode": site.code,
        "kegiatan": site.title,
        "jenis_kegiatan": site.work_type.name,
        "satuan": site.work_type.unit,
        "volume_rencana": site.planned_volume,
        "tahap": projects.stage_of(site.state),
        "tahap_keterangan": projects.stage_label(site.state),
        "kecamatan": site.kelurahan.kecamatan.name,
        "kelurahan": site.kelurahan.name,
        "rt": site.rt.label,
        "anggaran_ditetapkan_rp": site.designated_budget,
        "lintang": site.latitude,
        "bujur": site.longitude,
        "halaman": public_address(reverse("public:project", kwargs={"code": site.code}), request),
    }


def _year(year: int):
    """(figures, sites) of a year that has public sites, else 404. Two queries."""
    figures = public_figures.by_year(projects.public_sites().filter(fiscal_year__year=year))
    if year not in figures:
        raise Http404
    return figures[year], list(projects.site_rows({"year": year}))


def file_response(text: str, content_type: str, filename: str) -> HttpResponse:
    """An open-data file, shown in place, kept by caches for five minutes, with its licence."""
    response = content_response(text, content_type, filename, cache=CACHE)
    response["X-Content-Type-Options"] = "nosniff"
    response["Link"] = f'<{LICENCE_URL}>; rel="license"'
    return response


def _number(value):
    """Decimals as plain numbers for the CSV (a Decimal is written bare)."""
    return "" if value is None else value


@require_GET
@public_cache.for_visitors("open_data_csv")
def year_csv(request, year: int):
    """The year's figures, then one row per site: a two-part CSV with its licence line."""
    figures, sites = _year(year)
    summary = tablib.Dataset(headers=[h for h, _ in public_figures.COLUMNS])
    summary.append([getattr(figures, attr) for _, attr in public_figures.COLUMNS])
    rows = tablib.Dataset(headers=list(SITE_COLUMNS))
    for site in sites:
        values = _site_values(site, request)
        rows.append([_number(values[c]) for c in SITE_COLUMNS])
    note = tablib.Dataset(headers=["catatan"])
    note.append([LICENCE_NOTE])
    text = "\r\n".join([csv_text(summary), csv_text(rows), csv_text(note)])
    return file_response(text, CSV, f"proyek-bangkit-berdaya-{year}.csv")


def _json_value(value):
    if value is None or isinstance(value, (int, str)):
        return value
    return float(value)


@require_GET
@public_cache.for_visitors("open_data_geojson")
def year_geojson(request, year: int):
    """The year's sites with coordinates as points, its figures and the licence on the
    collection."""
    figures, sites = _year(year)
    features = []
    for site in sites:
        if site.latitude is None or site.longitude is None:
            continue
        values = _site_values(site, request)
        features.append(
            {
                "type": "Feature",
                "id": site.code,
                "properties": {
                    c: _json_value(values[c]) for c in SITE_COLUMNS if c not in ("lintang", "bujur")
                },
                "geometry": projects.geojson_point(site.latitude, site.longitude),
            }
        )
    data = {
        "type": "FeatureCollection",
        "license": LICENCE,
        "license_url": LICENCE_URL,
        "note": LICENCE_NOTE,
        "year": year,
        "figures": {h: _json_value(getattr(figures, a)) for h, a in public_figures.COLUMNS},
        "features": features,
    }
    return file_response(
        projects.dumps(data),
        "application/geo+json; charset=utf-8",
        f"proyek-bangkit-berdaya-{year}.geojson",
    )
