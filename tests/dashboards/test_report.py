"""The Walikota's annual report: the year's figures, the trend, SDG 11.1 and 17.17, the map,
top and bottom kelurahan; as a page and a PDF, for any year, scoped like the dashboard."""

import io
from decimal import Decimal

from django.urls import reverse
from pypdf import PdfReader

from dashboards import report
from tests.dashboards.helpers import filters_for


def test_report_figures_of_2025(city):
    user = city.users["bappeda"]
    context = report.annual_report(user, filters_for(user, tahun=2025))
    kpis = {label: c.value for label, c in context["kpis"]}
    assert kpis["Usulan Musrenbang"] == 8
    assert kpis["Lokasi ditetapkan SK Camat"] == 3
    assert kpis["Lokasi selesai"] == 2
    assert kpis["Porsi usulan didanai"] == Decimal("37.5")
    assert kpis["Pagu anggaran"] == 150_000_000
    assert kpis["Dibayar ke toko bangunan"] == 25_000_000
    assert kpis["Swadaya masyarakat"] == 3_500_000
    assert kpis["Penghematan dibanding kontraktor"] == Decimal("36.7")
    assert context["sdg11"]["designated"] == Decimal("14.50")
    assert context["sdg11"]["handled"] == Decimal("10.50")
    # SDG 17.17: contributions 3,500,000 + labour 3,960,000 against 25,000,000 paid.
    assert context["sdg17"]["partnership"].value == 7_460_000
    assert context["sdg17"]["ratio"].value == Decimal("0.30")
    assert [t["year"] for t in context["trend"]] == [2025]
    assert [r["name"] for r in context["top"]][:2] == ["Kelurahan A1", "Kelurahan B1"]
    assert context["bottom"][0]["name"] == "Kelurahan A2"
    # Three kelurahan: two on top, one below, none in both lists.
    assert [r["name"] for r in context["top"]] == ["Kelurahan A1", "Kelurahan B1"]
    assert [r["name"] for r in context["bottom"]] == ["Kelurahan A2"]


def test_report_of_2026_has_the_trend_since_the_first_year(city):
    user = city.users["bappeda"]
    context = report.annual_report(user, filters_for(user, tahun=2026))
    assert [(t["year"], t["ditetapkan"].value, t["terikat"].value) for t in context["trend"]] == [
        (2025, 3, 60_000_000),
        (2026, 2, 37_000_000),
    ]


def test_report_page_and_pdf(client, city, django_assert_max_num_queries):
    client.force_login(city.users["bappeda"])
    with django_assert_max_num_queries(60):
        page = client.get(reverse("dashboards:report"), {"tahun": 2025})
    assert page.status_code == 200
    text = page.content.decode()
    assert "SDG 11.1" in text and "SDG 17.17" in text and "tahun 2025" in text
    assert "Batas wilayah: cahyadsn/wilayah_boundaries" in text  # the map's credit
    pdf = client.get(reverse("dashboards:report_pdf", args=[2025]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    words = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Laporan Program Bangkit Berdaya" in words and "2025" in words
    assert client.get(reverse("dashboards:report_pdf", args=[2019])).status_code == 404


def test_a_report_of_one_work_type_says_so(client, city):
    client.force_login(city.users["bappeda"])
    work_type = city.p[1].work_type
    page = client.get(reverse("dashboards:report"), {"tahun": 2025, "jenis": work_type.pk})
    assert f"Seluruh Kota Jambi, {work_type.name}." in page.content.decode()


def test_report_is_scoped(client, city):
    client.force_login(city.users["camat_b"])
    page = client.get(reverse("dashboards:report"), {"tahun": 2025}).content.decode()
    assert "Kelurahan B1" in page and "Kelurahan A1" not in page
    assert (
        client.get(reverse("dashboards:report"), {"kecamatan": city.kecamatan["A"].pk}).status_code
        == 404
    )
    client.force_login(city.users["rt"])
    assert client.get(reverse("dashboards:report_pdf", args=[2025])).status_code == 404
