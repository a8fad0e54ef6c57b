"""The dashboard pages: who sees what (out of scope is 404), bad filters, query counts that do
not grow with the data, links to the records behind a number, downloads equal to the tables."""

import csv
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from dashboards import selectors
from proposals.models import Proposal
from tests import factories
from tests.dashboards.helpers import filters_for

URL = reverse("dashboards:index")
RANGE = {"dari": 2025, "sampai": 2026}


def signed_in(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize("who", ["bappeda", "inspektorat", "walikota", "camat_a", "lurah_a1"])
def test_offices_open_the_dashboard(client, city, who):
    response = signed_in(client, city.users[who]).get(URL)
    assert response.status_code == 200
    assert "Corong usulan" in response.content.decode()


def test_a_ketua_rt_gets_404(client, city):
    assert signed_in(client, city.users["rt"]).get(URL).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, city):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_camat_sees_only_their_kecamatan(client, city):
    camat = city.users["camat_a"]
    signed_in(client, camat)
    page = client.get(URL).content.decode()
    assert "Kelurahan A1" in page and "Kelurahan A2" in page
    assert "Kelurahan B1" not in page and "Kecamatan B" not in page
    other = city.kecamatan["B"].pk
    assert client.get(URL, {"kecamatan": other}).status_code == 404
    assert client.get(URL, {"kelurahan": city.kelurahan["B1"].pk}).status_code == 404
    assert client.get(URL, {"kelurahan": 999_999}).status_code == 404
    # The records behind a number, the downloads and the report are scoped the same way.
    records = reverse("dashboards:records")
    assert client.get(records, {"kelurahan": city.kelurahan["B1"].pk}).status_code == 404
    download = reverse("dashboards:download", args=["uang", "csv"])
    assert client.get(download, {"kecamatan": other}).status_code == 404


def test_a_lurah_cannot_look_at_another_kelurahan(client, city):
    signed_in(client, city.users["lurah_a1"])
    assert client.get(URL, {"kelurahan": city.kelurahan["A2"].pk}).status_code == 404
    page = client.get(URL).content.decode()
    assert "Kelurahan A1" in page and "Kelurahan A2" not in page


@pytest.mark.parametrize(
    "params, message",
    [
        ({"tahun": "20x5"}, "Tahun: &#x27;20x5&#x27; bukan angka yang benar."),
        ({"dari": "2026", "sampai": "2025"}, "Rentang tahun terbalik"),
        ({"tahun": "1999"}, "Tahun 1999 tidak ada: data tersedia 2025–2026."),
        ({"kecamatan": "satu"}, "Kecamatan: &#x27;satu&#x27; bukan angka yang benar."),
        ({"jenis": "424242"}, "Jenis kegiatan nomor 424242 tidak dikenal."),
        ({"tahun": "²⁰²⁵"}, "bukan angka yang benar"),
        ({"kelurahan": "9" * 40}, "Kelurahan"),
        # A typed year of too many digits is named with the years there are.
        ({"tahun": "99999"}, "Tahun 99999 tidak ada: data tersedia 2025–2026."),
    ],
)
def test_bad_filters_say_what_is_wrong(client, city, params, message):
    response = signed_in(client, city.users["bappeda"]).get(URL, params)
    assert response.status_code == 400
    assert message in response.content.decode()
    # The form is there again, on the user's defaults, for the next choice.
    assert 'class="dash-filters card"' in response.content.decode()
    assert response.context["filters"].year_from == 2026


def test_kelurahan_outside_the_chosen_kecamatan_gives_way_to_the_kecamatan(client, city):
    """The form without a script keeps the kelurahan chosen before when another kecamatan is
    picked: the kecamatan's page, saying which kelurahan was left out and why."""
    response = signed_in(client, city.users["bappeda"]).get(
        URL, {"kecamatan": city.kecamatan["A"].pk, "kelurahan": city.kelurahan["B1"].pk}
    )
    assert response.status_code == 200
    filters = response.context["filters"]
    assert filters.kecamatan == city.kecamatan["A"] and filters.kelurahan is None
    # (The test city's kelurahan are named "Kelurahan B1", its kecamatan "Kecamatan A".)
    assert (
        "Kelurahan Kelurahan B1 tidak berada di Kecamatan Kecamatan A: ditampilkan seluruh "
        "Kecamatan Kecamatan A." in response.content.decode()
    )


def _more_data(city, n):
    """n more completed sites: the page must make no more queries for them."""
    p1 = city.p[1]
    for i in range(n):
        Proposal.objects.create(
            fiscal_year=p1.fiscal_year,
            rt=city.rts["A2.1"],
            kelurahan=city.kelurahan["A2"],
            title=f"Tambahan {i}",
            work_type=p1.work_type,
            location_description="Gang",
            planned_volume=Decimal("10"),
            planned_width=Decimal("1"),
            designated_budget=1_000_000,
            state="completed",
        )


@pytest.mark.parametrize(
    "who, params",
    [
        ("bappeda", {}),
        ("bappeda", {"kecamatan": "A", "dari": 2025, "sampai": 2026}),
        ("bappeda", {"tahun": 2025, "jenis": "rabat-beton"}),
        ("camat_a", {}),
        ("lurah_a1", {}),
    ],
)
def test_the_dashboard_makes_a_constant_number_of_queries(
    client, city, django_assert_max_num_queries, who, params
):
    if "kecamatan" in params:
        params["kecamatan"] = city.kecamatan[params["kecamatan"]].pk
    if "jenis" in params:
        params["jenis"] = city.work_type.pk
    signed_in(client, city.users[who])
    with django_assert_max_num_queries(55) as first:
        assert client.get(URL, params).status_code == 200
    # Read back from the cache: the session, the filters' rows, the form's choices, the data
    # version and the cached sections.
    with django_assert_max_num_queries(12):
        assert client.get(URL, params).status_code == 200
    _more_data(city, 12)
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert client.get(URL, params).status_code == 200


def test_without_a_year_the_dashboard_shows_the_latest(client, city):
    response = signed_in(client, city.users["bappeda"]).get(URL)
    filters = response.context["filters"]
    assert (filters.year_from, filters.year_to) == (2026, 2026)
    only_from = client.get(URL, {"dari": 2025}).context["filters"]
    assert (only_from.year_from, only_from.year_to) == (2025, 2026)


def test_without_a_year_a_new_empty_year_is_not_the_default(client, city):
    # A fiscal year just opened has no proposal yet: the latest year with one is shown.
    factories.FiscalYearFactory(year=2027)
    response = signed_in(client, city.users["bappeda"]).get(URL)
    assert (response.context["filters"].year_from, response.context["filters"].year_to) == (
        2026,
        2026,
    )
    # Asked for, the empty year is shown.
    assert client.get(URL, {"tahun": 2027}).context["filters"].year_from == 2027


@pytest.mark.parametrize(
    "params, message",
    [
        ({"daftar": "semua"}, "Daftar: &#x27;semua&#x27; tidak dikenal."),
        ({"daftar": "usulan", "tahap": "hilang"}, "Tahap: &#x27;hilang&#x27; tidak dikenal."),
        ({"daftar": "usulan", "kumuh": "2"}, "Kawasan kumuh: &#x27;2&#x27; tidak dikenal."),
        (
            {"daftar": "swadaya", "jenis_swadaya": "emas"},
            "Jenis swadaya: &#x27;emas&#x27; tidak dikenal. Pilihan: cash (uang tunai), "
            "materials (material),",
        ),
    ],
)
def test_records_refuse_an_unknown_list_or_stage(client, city, params, message):
    # Never quietly another list under the wrong title.
    response = signed_in(client, city.users["bappeda"]).get(
        reverse("dashboards:records"), {"tahun": 2025, **params}
    )
    assert response.status_code == 400
    assert message in response.content.decode()


def test_headers_stand_over_their_cells(client, city):
    body = signed_in(client, city.users["bappeda"]).get(URL, {"tahun": 2025}).content.decode()
    money = body[body.index('id="tabel-uang"') :]
    head = money[: money.index("</thead>")]
    # The area's name is text (left), the figures are numbers (right).
    assert '<th scope="col">Kecamatan</th>' in head
    assert '<th class="num" scope="col">Pagu</th>' in head


def test_the_kelurahan_choice_is_grouped_by_kecamatan(client, city):
    body = signed_in(client, city.users["bappeda"]).get(URL, {"tahun": 2025}).content.decode()
    choice = body[body.index('<select id="kelurahan"') :]
    choice = choice[: choice.index("</select>")]
    groups = re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', choice)
    assert [label for label, _ in groups] == ["Kecamatan A", "Kecamatan B"]
    assert "Kelurahan A1" in groups[0][1] and "Kelurahan B1" in groups[1][1]


def test_records_behind_a_funnel_number(client, city):
    signed_in(client, city.users["bappeda"])
    page = client.get(URL, RANGE).content.decode()
    # The total of "Diverifikasi kelurahan" (7) links to the seven proposals behind it.
    links = re.findall(r'href="(/dasbor/rincian/\?[^"]*tahap=verifikasi_kelurahan[^"]*)"', page)
    assert links
    total_link = [link for link in links if "tahun=" not in link and "kecamatan=" not in link]
    response = client.get(total_link[-1].replace("&amp;", "&"))
    assert response.status_code == 200
    assert response.context["records"].page.paginator.count == 7
    codes = {p.code for p in response.context["records"].page}
    assert city.p[3].code in codes  # rejected after the kelurahan verified it
    assert city.p[5].code not in codes  # only submitted


def test_records_of_money_and_contributions(client, city):
    signed_in(client, city.users["bappeda"])
    records = reverse("dashboards:records")
    funded = client.get(records, {"daftar": "usulan", "tahap": "didanai", "tahun": 2025})
    assert {p.code for p in funded.context["records"].page} == {
        city.p[1].code,
        city.p[2].code,
        city.p[4].code,
    }
    cash = client.get(records, {"daftar": "swadaya", "jenis_swadaya": "cash", **RANGE})
    assert sum(c.value for c in cash.context["records"].page) == 1_300_000
    entries = client.get(
        records, {"daftar": "musrenbang", "kecamatan": city.kecamatan["B"].pk, **RANGE}
    )
    assert entries.context["records"].page.paginator.count == 4


def test_csv_and_xlsx_downloads_equal_the_tables(client, city):
    user = city.users["bappeda"]
    signed_in(client, user)
    board = selectors.dashboard(user, filters_for(user))
    for table in board.tables:
        expected = [[c.export_value for c in row] for row in table.all_rows()]
        response = client.get(reverse("dashboards:download", args=[table.key, "csv"]), RANGE)
        assert response.status_code == 200
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows[0] == table.headers
        assert [[cell for cell in row] for row in rows[1:]] == [
            ["" if v is None else str(v) for v in row] for row in expected
        ]
        response = client.get(reverse("dashboards:download", args=[table.key, "xlsx"]), RANGE)
        sheet = load_workbook(io.BytesIO(response.content)).active
        got = [list(r) for r in sheet.iter_rows(values_only=True)]
        assert list(got[0]) == table.headers
        for got_row, want in zip(got[1:], expected, strict=True):
            assert [_same(g, w) for g, w in zip(got_row, want, strict=True)] == [True] * len(want)
        assert not any(c.data_type == "f" for r in sheet.iter_rows() for c in r), "no live formulas"
    everything = client.get(reverse("dashboards:download", args=["semua", "xlsx"]), RANGE)
    book = load_workbook(io.BytesIO(everything.content))
    sheets = book.sheetnames
    assert sheets == [t.sheet_title.replace(":", "-") for t in board.tables] + ["Keterangan"]
    # A range's tables per year beside those per area, each its own sheet by its own name.
    assert len(set(sheets)) == len(sheets)
    assert {"Corong usulan per tahun", "Peserta gotong-royong per tahun"} <= set(sheets)


def test_a_downloaded_workbook_says_what_it_covers_and_carries_the_tables_notes(client, city):
    user = city.users["bappeda"]
    signed_in(client, user)
    kecamatan = city.kecamatan["B"]
    query = {**RANGE, "kecamatan": kecamatan.pk}
    board = selectors.dashboard(user, filters_for(user, **query))
    response = client.get(reverse("dashboards:download", args=["uang", "xlsx"]), query)
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == [board.table("uang").sheet_title, "Keterangan"]
    about = {row[0]: row[1] for row in book["Keterangan"].iter_rows(min_row=2, values_only=True)}
    assert about["Wilayah"] == f"Kecamatan {kecamatan.name}"
    assert about["Periode"] == f"Tahun {RANGE['dari']}–{RANGE['sampai']}"
    assert about["Jenis kegiatan"] == "Semua jenis"
    assert about["Dibuat"].endswith(" WIB")
    assert about["Halaman dasbor"].startswith("http://testserver/dasbor/?")
    assert f"kecamatan={kecamatan.pk}" in about["Halaman dasbor"]
    # The money table's note (how the pagu is counted) travels with it.
    assert about[board.table("uang").title] == board.table("uang").note
    assert board.table("uang").note
    # The CSV stays the table alone.
    csv_response = client.get(reverse("dashboards:download", args=["uang", "csv"]), query)
    assert "Keterangan" not in csv_response.content.decode()


def _same(got, want):
    if want is None:
        return got is None
    if isinstance(want, Decimal):
        return Decimal(str(got)) == want
    return got == want


def test_unknown_table_is_404(client, city):
    signed_in(client, city.users["bappeda"])
    assert client.get(reverse("dashboards:download", args=["apa", "csv"])).status_code == 404


def test_the_menu_shows_the_dashboard_to_the_offices_only(client, city):
    page = signed_in(client, city.users["camat_a"]).get(reverse("home")).content.decode()
    assert f'href="{URL}"' in page
    client.logout()
    page = signed_in(client, city.users["rt"]).get(reverse("home")).content.decode()
    assert f'href="{URL}"' not in page


def test_no_inline_style_or_script(client, city):
    page = signed_in(client, city.users["bappeda"]).get(URL).content.decode()
    assert "style=" not in page and "<script" not in page.replace('<script src="', "")


def test_the_walikotas_office_reads_the_report_and_changes_nothing(client, city):
    user = city.users["walikota"]
    assert user.is_city_wide and user.is_read_only
    signed_in(client, user)
    assert client.get(URL).status_code == 200
    assert client.get("/").status_code == 200
