"""Bappeda opens the dashboard, filters to a kecamatan and a range of years, clicks a figure
through to its records, and downloads the Walikota's report for the last year."""

import pytest

from tests.dashboards.conftest import build_city
from tests.factories import PASSWORD


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1200, "height": 900}}


def test_bappeda_filters_clicks_through_and_downloads_the_report(
    page, live_server, login, transactional_db
):
    city = build_city()
    login(city.users["bappeda"].username, PASSWORD)
    violations = []
    page.on(
        "console", lambda m: violations.append(m.text) if "Content Security" in m.text else None
    )
    page.goto(f"{live_server.url}/dasbor/")
    assert "Corong usulan" in page.inner_text("h2 >> nth=0")
    page.select_option("#dari", "2025")
    page.select_option("#sampai", "2026")
    page.select_option("#kecamatan", str(city.kecamatan["A"].pk))
    page.click("form.dash-filters button[type=submit]")
    page.wait_for_load_state()
    assert "Kecamatan Kecamatan A, tahun 2025–2026" in page.inner_text("main")
    assert page.locator("svg.choropleth").count() == 1 or "Batas kelurahan" in page.inner_text(
        "main"
    )
    # The funnel's total of completed sites (3 in kecamatan A: p1, p2, p6) opens its records
    # (the range's table per kelurahan: the kelurahan, the entries, five stages, the share).
    page.click("#tabel-corong tr.total td:nth-child(7) a")
    page.wait_for_load_state()
    assert "Usulan kegiatan: Selesai" in page.inner_text("h1")
    assert "3 catatan" in page.inner_text("main")
    # The table per year: 2026's completed site (p6) in its own row.
    page.go_back()
    page.click("#tabel-corong_tahun tbody tr:nth-child(2) td:nth-child(7) a")
    page.wait_for_load_state()
    assert "1 catatan" in page.inner_text("main")
    page.goto(f"{live_server.url}/dasbor/laporan-walikota/?tahun=2026")
    assert "tahun 2026" in page.inner_text("h1")
    response = page.request.get(f"{live_server.url}/dasbor/laporan-walikota/2026.pdf")
    assert response.status == 200 and response.body().startswith(b"%PDF")
    # On a phone: the page never scrolls sideways; each chart fits the screen's width with
    # every label and value inside it (none beyond the edge, none drawn under 10 px).
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}/dasbor/?dari=2025&sampai=2026")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    charts = page.evaluate(
        """[...document.querySelectorAll('svg.chart-bars, svg.chart-columns')].map(svg => {
             const box = svg.getBoundingClientRect();
             const texts = [...svg.querySelectorAll('text')].map(t => t.getBoundingClientRect());
             return {left: box.left, right: box.right,
                     outside: texts.filter(t => t.right > box.right + 1 || t.left < box.left - 1)
                                   .length,
                     smallest: Math.min(...texts.map(t => t.height))};
           })"""
    )
    assert len(charts) == 2
    for chart in charts:
        assert chart["left"] >= 0 and chart["right"] <= 360
        assert chart["outside"] == 0
        assert chart["smallest"] >= 10
    assert violations == []
