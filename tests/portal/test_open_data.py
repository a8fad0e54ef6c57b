"""Open data per year: the figures and the public sites as CSV and GeoJSON, with the licence,
no hidden site, nothing personal, no live formula, constant queries."""

import csv
import io
import json

import pytest
from django.test import Client

from proposals.models import Proposal, State
from tests.portal import project_world
from tests.portal.project_world import ORDER_TOTAL, SITE_POINT, complete, hidden_sites
from tests.portal.test_projects import _personal_strings

world = project_world.world
make_site = project_world.make_site

pytestmark = pytest.mark.django_db


@pytest.fixture
def sites(world, make_site):
    return {
        "completed": complete(world, make_site(point=SITE_POINT)),
        "other": make_site(rt=world.rt_other, state=State.DESIGNATED, orders=False, point=None),
        "in_progress": make_site(state=State.IN_PROGRESS, point=SITE_POINT),
        "hidden": hidden_sites(world),
    }


def _csv_parts(text: str) -> list[list[list[str]]]:
    """The CSV's three parts (figures, sites, licence), split at their blank line."""
    return [list(csv.reader(io.StringIO(part))) for part in text.split("\r\n\r\n")]


def test_csv_has_the_figures_the_sites_and_the_licence(client, sites, world):
    year = world.fiscal_year.year
    response = client.get(f"/proyek/data/{year}.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "creativecommons.org/licenses/by/4.0" in response["Link"]
    figures, rows, note = _csv_parts(response.content.decode())
    summary = dict(zip(figures[0], figures[1], strict=True))
    assert summary["tahun"] == str(year)
    assert summary["lokasi_ditetapkan"] == "3"
    assert summary["sedang_berjalan"] == "1"
    assert summary["selesai"] == "1"
    assert summary["anggaran_kota_ditetapkan_rp"] == str(3 * ORDER_TOTAL)
    assert summary["swadaya_masyarakat_rp"] == "2400000"
    assert summary["peserta_gotong_royong"] == "14"
    codes = {row[0] for row in rows[1:]}
    assert codes == {sites[k].code for k in ("completed", "other", "in_progress")}
    assert rows[0][:3] == ["kode", "kegiatan", "jenis_kegiatan"]
    assert "CC BY 4.0" in note[1][0]


def test_csv_escapes_what_a_spreadsheet_would_run(client, sites, world):
    Proposal.objects.filter(pk=sites["in_progress"].pk).update(title='=HYPERLINK("x")')
    text = client.get(f"/proyek/data/{world.fiscal_year.year}.csv").content.decode()
    _figures, rows, _note = _csv_parts(text)
    titles = {row[0]: row[1] for row in rows[1:]}
    assert titles[sites["in_progress"].code] == '\'=HYPERLINK("x")'
    for row in rows[1:]:
        for value in row:
            assert not value.startswith(("=", "+", "@")) or value.startswith("'")


def test_geojson_has_points_with_public_fields_and_the_licence(client, sites, world):
    year = world.fiscal_year.year
    response = client.get(f"/proyek/data/{year}.geojson")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/geo+json")
    data = json.loads(response.content)
    assert data["type"] == "FeatureCollection"
    assert data["license"] == "CC BY 4.0"
    assert data["figures"]["lokasi_ditetapkan"] == 3
    # The site without coordinates is in the CSV, not on the map.
    assert {f["id"] for f in data["features"]} == {
        sites["completed"].code,
        sites["in_progress"].code,
    }
    feature = next(f for f in data["features"] if f["id"] == sites["completed"].code)
    assert feature["geometry"] == {
        "type": "Point",
        "coordinates": [round(float(SITE_POINT[1]), 5), round(float(SITE_POINT[0]), 5)],
    }
    assert feature["properties"]["tahap"] == "selesai"
    assert feature["properties"]["halaman"].endswith(f"/proyek/{sites['completed'].code}/")
    assert set(feature["properties"]) >= {"kode", "kegiatan", "kelurahan", "anggaran_ditetapkan_rp"}


def test_a_year_without_public_sites_is_404(client, sites):
    assert client.get("/proyek/data/1999.csv").status_code == 404
    assert client.get("/proyek/data/1999.geojson").status_code == 404
    assert client.get("/proyek/data/abc.csv").status_code == 404


def test_open_data_shows_nothing_personal(sites, world):
    personal = _personal_strings()
    assert {"Ahmad Hidayat", "Siti Aminah Harahap"} <= personal
    client = Client()
    for ext in ("csv", "geojson"):
        text = client.get(f"/proyek/data/{world.fiscal_year.year}.{ext}").content.decode()
        assert [s for s in personal if s in text] == [], ext
        assert "Gang Melati, dari masjid" not in text  # the location description stays inside


def test_open_data_queries_are_constant(client, world, make_site, django_assert_max_num_queries):
    year = world.fiscal_year.year
    make_site(point=SITE_POINT)
    with django_assert_max_num_queries(3):
        assert client.get(f"/proyek/data/{year}.csv").status_code == 200
    for _ in range(5):
        make_site(point=SITE_POINT)
    with django_assert_max_num_queries(3):
        assert client.get(f"/proyek/data/{year}.csv").status_code == 200
    with django_assert_max_num_queries(3):
        assert client.get(f"/proyek/data/{year}.geojson").status_code == 200
