"""The Walikota's annual report for everyone: the same city-wide PDF Bappeda downloads,
without signing in, and nothing else of the dashboards opened."""

import io

from django.urls import reverse
from pypdf import PdfReader


def _text(response) -> str:
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)


def test_anyone_downloads_the_city_wide_report(client, city):
    public = client.get(reverse("public_report:pdf", args=[2025]))
    assert public.status_code == 200 and public["Content-Type"] == "application/pdf"

    client.force_login(city.users["bappeda"])
    signed_in = client.get(reverse("dashboards:report_pdf", args=[2025]))

    assert _text(public) == _text(signed_in)
    assert "Laporan Program Bangkit Berdaya" in _text(public)


def test_the_index_lists_every_year_and_unknown_years_are_404(client, city):
    page = client.get(reverse("public_report:index")).content.decode()
    assert reverse("public_report:pdf", args=[2025]) in page
    assert reverse("public_report:pdf", args=[2026]) in page
    assert client.get(reverse("public_report:pdf", args=[1999])).status_code == 404


def test_the_public_report_is_the_citys_whatever_the_address_adds(client, city):
    """An area, a work type or junk in the address is not read: one PDF per year, the city's."""
    url = reverse("public_report:pdf", args=[2025])
    plain = _text(client.get(url))
    for params in (
        {"kecamatan": city.kecamatan["A"].pk},
        {"kelurahan": city.kelurahan["A1"].pk, "jenis": "1"},
        {"kecamatan": "x", "tahun": "1999"},
    ):
        response = client.get(url, params)
        assert response.status_code == 200
        assert _text(response) == plain
    assert "Seluruh Kota Jambi" in plain


def test_the_dashboards_themselves_stay_closed(client, city):
    response = client.get(reverse("dashboards:index"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get(reverse("dashboards:report_pdf", args=[2025])).status_code == 302
