"""The public project pages: /proyek/ with its filters, pagination and map data, the page of
each site with its photos (no EXIF) and QR code, what is public, the query counts, the weight
of the map page, and a sweep of every public page for residents' names, NIKs and phones."""

import gzip
import io
import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.staticfiles import finders
from django.db.models import Q
from django.test import Client
from django.urls import reverse
from PIL import Image

from bangkit.models import RT, Kelurahan, User
from procurement.models import Delivery, Handover, Supplier
from proposals.models import MusrenbangEntry, Proposal, State
from reporting import services
from reporting.models import ProgressPhoto, SwadayaContribution
from reporting.tasks import make_photo_copies
from tests.portal import project_world
from tests.portal.project_world import SITE_POINT, TODAY, complete, hidden_sites
from verification.models import Decree

# The world's fixtures, on the real regions.
world = project_world.world
make_site = project_world.make_site

pytestmark = pytest.mark.django_db

LIST = "/proyek/"


def page_text(response) -> str:
    return response.content.decode()


@pytest.fixture
def completed(world, make_site):
    return complete(world, make_site(point=SITE_POINT))


@pytest.fixture
def sites(world, make_site, completed):
    """A completed site, one designated in another kecamatan, one in procurement, one in
    progress, and the hidden ones."""
    other = make_site(rt=world.rt_other, state=State.DESIGNATED, orders=False, point=None)
    procurement = make_site(state=State.PROCUREMENT, point=SITE_POINT)
    in_progress = make_site(state=State.IN_PROGRESS, point=SITE_POINT)
    return {
        "completed": completed,
        "other": other,
        "procurement": procurement,
        "in_progress": in_progress,
        "hidden": hidden_sites(world),
    }


def codes_in(response) -> set[str]:
    return set(re.findall(r"/proyek/(BB-[A-Z0-9-]+)/", page_text(response)))


# --- The list ------------------------------------------------------------------------------------


def test_list_shows_every_public_site_and_no_hidden_one(client, sites):
    response = client.get(LIST)
    assert response.status_code == 200
    shown = codes_in(response)
    public = {sites[k].code for k in ("completed", "other", "procurement", "in_progress")}
    assert shown == public
    for hidden in sites["hidden"]:
        assert hidden.title not in page_text(response)
    assert "Proyek Bangkit Berdaya" in page_text(response)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"tahap": "selesai"}, {"completed"}),
        ({"tahap": "pengadaan"}, {"procurement"}),
        ({"tahap": "dikerjakan"}, {"in_progress"}),
        ({"tahap": "ditetapkan"}, {"other"}),
        ({"kelurahan": "simpang-iv-sipin"}, {"completed", "procurement", "in_progress"}),
        ({"jenis": "rabat-beton", "tahap": "selesai"}, {"completed"}),
        ({"tahun": "semua"}, {"completed", "other", "procurement", "in_progress"}),
    ],
)
def test_filters_narrow_the_list(client, sites, params, expected):
    response = client.get(LIST, params)
    assert response.status_code == 200
    assert codes_in(response) == {sites[k].code for k in expected}


def test_kecamatan_filter(client, sites, world):
    response = client.get(LIST, {"kecamatan": world.kecamatan_other.slug})
    assert codes_in(response) == {sites["other"].code}
    # The kelurahan list narrows to that kecamatan without script.
    assert (
        "Simpang IV Sipin"
        not in page_text(response).split('name="kelurahan"')[1].split("</select>")[0]
    )


def test_year_filter_and_default_year(client, sites, world):
    response = client.get(LIST, {"tahun": "2019"})
    assert response.status_code == 200
    assert "Tahun “2019” tidak ada" in page_text(response)
    # A bad year falls back to the latest year, which holds every site of the world.
    assert len(codes_in(response)) == 4
    assert client.get(LIST, {"tahun": str(world.fiscal_year.year)}).status_code == 200


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"kecamatan": "atlantis"}, "Kecamatan “atlantis” tidak dikenal"),
        ({"kelurahan": "<script>"}, "Kelurahan “&lt;script&gt;” tidak dikenal"),
        ({"jenis": "x" * 500}, "Jenis kegiatan “"),
        ({"tahap": "draft"}, "Tahap “draft” tidak dikenal"),
        ({"tahun": "２０２６"}, "tidak ada"),
        ({"halaman": "-1"}, None),
        ({"halaman": "99999999999999999999"}, None),
    ],
)
def test_bad_filter_values_give_an_indonesian_message_never_a_500(client, sites, params, message):
    response = client.get(LIST, params)
    assert response.status_code == 200
    if message:
        assert message in page_text(response)
    for url in (reverse("public:project_sites"), reverse("public:project_map_svg")):
        assert client.get(url, params).status_code == 200


def test_pagination_keeps_the_filter(client, world, make_site):
    for _ in range(23):
        make_site(state=State.DESIGNATED, orders=False, decree_date=None)
    first = client.get(LIST, {"tahap": "ditetapkan"})
    assert len(codes_in(first)) == 20
    assert "Halaman 1 dari 2" in page_text(first)
    assert re.search(r'href="\?[^"]*tahap=ditetapkan[^"]*&amp;halaman=2"', page_text(first))
    second = client.get(LIST, {"tahap": "ditetapkan", "halaman": "2"})
    assert len(codes_in(second)) == 3
    assert not codes_in(first) & codes_in(second)


def test_list_queries_are_constant(client, world, make_site, django_assert_max_num_queries):
    make_site(point=SITE_POINT)
    # Years, kecamatan, kelurahan, work types, the count, the counts by stage, the page.
    with django_assert_max_num_queries(7) as few:
        client.get(LIST)
    for _ in range(15):
        make_site(state=State.IN_PROGRESS, point=SITE_POINT)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(LIST)
    assert len(codes_in(response)) == 16
    # The filter's four lists, (the boundaries,) the sites.
    for name, most in [("public:project_sites", 5), ("public:project_map_svg", 6)]:
        with django_assert_max_num_queries(most):
            assert client.get(reverse(name)).status_code == 200
    with django_assert_max_num_queries(1):
        assert client.get(reverse("public:project_boundaries")).status_code == 200


# --- The map's data ----------------------------------------------------------------------------


def test_boundaries_geojson_has_every_kelurahan_with_attribution(client, world):
    response = client.get(reverse("public:project_boundaries"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/geo+json")
    data = json.loads(response.content)
    assert data["type"] == "FeatureCollection"
    assert "cahyadsn/wilayah_boundaries" in data["attribution"]
    stored = Kelurahan.objects.exclude(boundary__isnull=True).count()
    assert stored == 68
    assert len(data["features"]) == stored
    names = {f["properties"]["name"] for f in data["features"]}
    assert "Simpang IV Sipin" in names
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in data["features"])


def test_boundaries_are_gzipped_when_the_browser_accepts_it(client, world):
    response = client.get(reverse("public:project_boundaries"), HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(response.content))["type"] == "FeatureCollection"


def test_sites_geojson_follows_the_filter_and_leaves_out_hidden_sites(client, sites):
    data = json.loads(client.get(reverse("public:project_sites"), {"tahun": "semua"}).content)
    codes = {f["properties"]["code"] for f in data["features"]}
    # The designated site in the other kecamatan has no coordinates: on the list, not the map.
    assert codes == {sites[k].code for k in ("completed", "procurement", "in_progress")}
    feature = next(f for f in data["features"] if f["id"] == sites["completed"].code)
    assert feature["geometry"]["coordinates"] == [103.57677, -1.61557]
    assert feature["properties"]["stage"] == "selesai"
    assert feature["properties"]["url"] == f"/proyek/{sites['completed'].code}/"
    data = json.loads(client.get(reverse("public:project_sites"), {"tahap": "pengadaan"}).content)
    assert [f["id"] for f in data["features"]] == [sites["procurement"].code]


def test_server_side_svg_map_draws_every_kelurahan_and_the_markers(client, sites):
    response = client.get(reverse("public:project_map_svg"))
    assert response["Content-Type"] == "image/svg+xml"
    svg = page_text(response)
    assert svg.count("<path ") == 68
    assert svg.count("<circle ") == 3
    assert "<script" not in svg
    # Numbers with a decimal point, whatever the page's language.
    assert re.search(r'cx="\d+\.\d"', svg)


def test_list_page_has_no_inline_script_or_style_and_offers_the_svg_without_script(client, sites):
    html = page_text(client.get(LIST))
    assert "<noscript><img" in html
    assert " style=" not in html and "<style" not in html
    assert re.search(r"<script(?![^>]*\bsrc=)", html) is None
    assert 'data-boundaries-url="/proyek/peta/batas.geojson"' in html
    assert "data-tiles-url" not in html
    assert "leaflet.js" in html and "tile.openstreetmap" not in html


def test_tiles_only_when_the_setting_names_them(client, sites, settings):
    settings.PUBLIC_MAP_TILES_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    html = page_text(client.get(LIST))
    assert 'data-tiles-url="https://tile.openstreetmap.org/{z}/{x}/{y}.png"' in html


def _static_size(url: str) -> int:
    path = finders.find(url.removeprefix("/static/"))
    assert path, url
    with open(path, "rb") as handle:
        return len(gzip.compress(handle.read()))


def test_first_load_of_the_map_page_is_at_most_250_kb(client, sites):
    """HTML, its styles and scripts, and the two GeoJSON files the map fetches, as sent
    compressed (whitenoise's compressed static files in production, gzip for the GeoJSON)."""
    response = client.get(LIST)
    html = response.content
    total = len(gzip.compress(html))
    assets = re.findall(rb'(?:href|src)="(/static/[^"]+\.(?:css|js))"', html)
    assert any(b"leaflet.js" in a for a in assets)
    for asset in assets:
        total += _static_size(asset.decode())
    for name in ("public:project_boundaries", "public:project_sites"):
        fetched = client.get(reverse(name), HTTP_ACCEPT_ENCODING="gzip")
        total += len(fetched.content)
    assert total <= 250 * 1024, total


# --- One site's page -----------------------------------------------------------------------------


def test_site_page_shows_what_where_money_work_photos_report_and_qr(client, completed):
    response = client.get(f"/proyek/{completed.code}/")
    assert response.status_code == 200
    html = page_text(response)
    assert completed.title in html
    assert "RT 03, Kelurahan Simpang IV Sipin, Kecamatan Telanaipura" in html
    assert 'class="svg-site"' in html and 'class="svg-kelurahan"' in html
    decree = Decree.objects.get(locations__proposal=completed)  # issued by the Camat's service
    assert f"SK Nomor {decree.number}" in html
    assert html.count("Rp 10.000.000") >= 3  # designated (and in the SK), ordered, delivered
    assert "Rp 9.999.999" in html  # paid
    assert "Konsumsi (makan dan minum)" in html and "Rp 900.000" in html
    assert "Uang tunai" in html and "Rp 2.400.000" in html  # the contributions' total
    assert "hari kerja" in html and "26" in html  # two days, 26 participants
    assert html.count("/kecil/") == 3
    assert "Sebelum" in html and "Selama pengerjaan" in html and "Sesudah" in html
    assert "118" in html  # realised volume
    assert "Laporan diterima, kegiatan selesai" in html or "Selesai" in html
    assert f"/proyek/{completed.code}/qr.svg" in html
    assert " style=" not in html


def test_site_page_queries_are_constant(
    client, world, make_site, completed, django_assert_max_num_queries
):
    # The site; work, contributions, decrees, amendments, photos, timeline, report, materials.
    with django_assert_max_num_queries(9):
        assert client.get(f"/proyek/{completed.code}/").status_code == 200
    site = make_site(point=SITE_POINT)
    url = f"/proyek/{site.code}/"
    with django_assert_max_num_queries(9):
        assert client.get(url).status_code == 200
    rt = world.users["rt"]
    for days_ago in (4, 3, 2, 1):
        services.work_day_add(
            proposal=site,
            actor=rt,
            date=TODAY - timedelta(days=days_ago),
            men=3,
            women=3,
            activity="Merapikan",
        )
    for kind in ("equipment", "labour", "materials"):
        services.contribution_add(
            proposal=site,
            actor=rt,
            kind=kind,
            description="Bantuan",
            value=300_000,
            contributor="Warga",
            date=TODAY,
        )
    with django_assert_max_num_queries(9):
        html = page_text(client.get(url))
    assert "Peralatan dipinjamkan" in html and "Sedang dikerjakan" in html


def test_stage_counts_sum_up_the_other_filters(client, sites):
    html = page_text(client.get(LIST, {"tahap": "selesai"}))
    assert "Pengadaan material: 1" in html and "Selesai: 1" in html
    assert "Sedang dikerjakan: 1" in html and "Ditetapkan dalam SK Camat: 1" in html


def test_hidden_sites_have_no_page(client, sites):
    for hidden in sites["hidden"]:
        assert client.get(f"/proyek/{hidden.code}/").status_code == 404
        assert client.get(f"/proyek/{hidden.code}/qr.svg").status_code == 404
    assert client.get("/proyek/BB-0000-XXXX-XXXX/").status_code == 404


def test_code_is_read_whatever_its_case(client, completed):
    assert client.get(f"/proyek/{completed.code.lower()}/").status_code == 200


def test_qr_code_points_to_the_site_page(client, completed, settings):
    settings.SITE_URL = "https://bangkit.jambikota.go.id"
    response = client.get(f"/proyek/{completed.code}/qr.svg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in response.content
    download = client.get(f"/proyek/{completed.code}/qr.svg", {"unduh": "1"})
    assert "attachment" in download["Content-Disposition"]
    detail = page_text(client.get(f"/proyek/{completed.code}/"))
    assert f"https://bangkit.jambikota.go.id/proyek/{completed.code}/" in detail


def _exif_of(data: bytes):
    with Image.open(io.BytesIO(data)) as image:
        return image.getexif(), image.info


def test_photos_are_served_without_exif(client, completed):
    photo = ProgressPhoto.objects.filter(proposal=completed).first()
    make_photo_copies.call(photo.pk)  # as the worker does after the upload commits
    with photo.original.open("rb") as handle:
        assert _exif_of(handle.read())[0]  # the original has EXIF (GPS, time)
    for suffix in ("", "kecil/"):
        response = client.get(f"/proyek/{completed.code}/foto/{photo.pk}/{suffix}")
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        exif, info = _exif_of(b"".join(response.streaming_content))
        assert not exif and "exif" not in info


def test_without_a_display_copy_a_reencoded_copy_without_exif_is_served(client, completed):
    photo = ProgressPhoto.objects.filter(proposal=completed).first()
    ProgressPhoto.objects.filter(pk=photo.pk).update(display="", thumbnail="")
    response = client.get(f"/proyek/{completed.code}/foto/{photo.pk}/")
    assert response.status_code == 200
    exif, info = _exif_of(response.content)
    assert not exif and "exif" not in info
    with photo.original.open("rb") as handle:
        assert response.content != handle.read()


def test_photos_of_hidden_sites_withdrawn_or_of_another_site_are_404(client, sites, world):
    photo = ProgressPhoto.objects.filter(proposal=sites["completed"]).first()
    other = sites["procurement"].code
    assert client.get(f"/proyek/{other}/foto/{photo.pk}/").status_code == 404
    assert client.get(f"/proyek/{sites['completed'].code}/foto/abc/").status_code == 404
    ProgressPhoto.objects.filter(pk=photo.pk).update(withdrawn_at="2026-01-01T00:00:00Z")
    assert client.get(f"/proyek/{sites['completed'].code}/foto/{photo.pk}/").status_code == 404


# --- Nothing personal on any public page ---------------------------------------------------------


def _personal_strings() -> set[str]:
    """Every resident name, phone number and NIK fragment (beyond its last four digits) in
    the database."""
    found: set[str] = set()
    for head, phone in RT.objects.values_list("head_name", "head_phone"):
        found |= {head, phone}
    for first, last, phone in User.objects.filter(~Q(first_name="")).values_list(
        "first_name", "last_name", "phone"
    ):
        found |= {f"{first} {last}".strip(), phone}
    found |= set(SwadayaContribution.objects.values_list("contributor", flat=True))
    found |= set(Delivery.objects.values_list("received_by_name", flat=True))
    found |= set(MusrenbangEntry.objects.values_list("proposer", flat=True))
    for bast in Handover.objects.values_list("second_party_name", flat=True):
        found.add(bast)
    for owner, phone, npwp in Supplier.objects.values_list("owner_name", "phone", "npwp"):
        found |= {owner, phone}
        digits = re.sub(r"\D", "", npwp or "")
        if len(digits) == 16:
            # Every eight-digit stretch of the NIK but its last four digits alone.
            found |= {digits[i : i + 8] for i in range(0, 9)}
    return {s for s in found if s and len(s) >= 5}


def _public_pages(client, site) -> dict[str, str]:
    urls = [
        LIST,
        f"{LIST}?tahun=semua",
        f"{LIST}?kelurahan={site.kelurahan.slug}",
        reverse("public:project_boundaries"),
        reverse("public:project_sites") + "?tahun=semua",
        reverse("public:project_map_svg"),
        f"/proyek/{site.code}/",
        f"/lacak/{site.code}/",
    ]
    pages = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        pages[url] = response.content.decode()
    for decree in re.findall(r"/sk/([^/\"]+)/", pages[f"/proyek/{site.code}/"]):
        url = f"/sk/{decree}/"
        response = client.get(url)
        assert response.status_code == 200, url
        pages[url] = response.content.decode()
    return pages


def test_no_public_page_shows_a_resident_name_nik_or_phone(sites, world):
    completed = sites["completed"]
    assert Proposal.objects.get(pk=completed.pk).state == State.COMPLETED
    personal = _personal_strings()
    # The world holds them, so the sweep looks for something real.
    assert {"Ahmad Hidayat", "081234567801", "Siti Aminah Harahap", "15710245"} <= personal
    client = Client()
    pages = _public_pages(client, completed)
    assert len(pages) >= 9
    leaks = [(url, s) for url, text in pages.items() for s in personal if s in text]
    assert leaks == []


def test_planned_volume_shown_as_indonesian_number(client, world, make_site):
    site = make_site(point=SITE_POINT, planned_volume=Decimal("120.5"))
    assert "120,5 m" in page_text(client.get(f"/proyek/{site.code}/"))
