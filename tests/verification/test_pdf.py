"""The SK Camat PDF: its text, annex pages, paper, QR address, and what WeasyPrint may fetch."""

import io
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from pypdf import PdfReader

from bangkit.indonesian import long_date as indonesian_date
from bangkit.indonesian import terbilang
from bangkit.pdf import StaticOnlyFetcher as StaticOnlyURLFetcher
from bangkit.pdf import static_roots
from tests.verification.test_decrees import make_site, sk  # noqa: F401 F811 - fixtures
from verification.decrees import services as decrees
from verification.decrees.pdf import ordinal_word, render_decree_pdf

MM = 72 / 25.4


def _pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def _issued(world, sites, **kwargs):
    camat = world.users["camat"]
    draft = decrees.decree_create_draft(
        actor=camat, kecamatan=world.kecamatan, fiscal_year=world.fiscal_year, proposals=sites
    )
    return decrees.decree_issue(actor=camat, decree=draft, **kwargs)


def test_indonesian_words_for_dates_clauses_and_amounts():
    assert indonesian_date(date(2026, 3, 12)) == "12 Maret 2026"
    assert indonesian_date(date(2026, 8, 1)) == "1 Agustus 2026"
    assert [ordinal_word(n) for n in (1, 2, 4, 10, 11)] == [
        "KESATU",
        "KEDUA",
        "KEEMPAT",
        "KESEPULUH",
        "KESEBELAS",
    ]
    assert ordinal_word(12) == "KEDUA BELAS"
    assert ordinal_word(21) == "KEDUA PULUH SATU"
    assert terbilang(0) == "nol"
    assert terbilang(11) == "sebelas"
    assert terbilang(115) == "seratus lima belas"
    assert terbilang(1_000) == "seribu"
    assert terbilang(45_500_000) == "empat puluh lima juta lima ratus ribu"
    assert terbilang(1_250_000_000) == "satu miliar dua ratus lima puluh juta"


def test_the_issued_pdf_carries_the_number_every_location_and_the_total(sk, make_site):  # noqa: F811
    sk.envelope(500_000_000)
    sites = [
        make_site(cost=30_000_000),
        make_site(cost=25_250_000),
        make_site("kenali", cost=45_500_000),
    ]

    decree = _issued(sk, sites, decree_date=date(2026, 3, 12))

    text = "\n".join(_pages(decree.pdf.read()))
    flat = " ".join(text.split())
    assert "PEMERINTAH KOTA JAMBI" in flat and "KECAMATAN UJI SK" in flat
    assert "KEPUTUSAN CAMAT UJI SK" in flat
    assert "NOMOR 1/SK/BB/KEC.USK/2026" in flat
    assert "Menimbang" in flat and "Mengingat" in flat and "MEMUTUSKAN" in flat
    assert "KESATU" in flat and "KEENAM" in flat
    assert "12 Maret 2026" in flat
    assert "Hasan Rambe" in flat and "NIP. 197805122000121003" in flat
    assert "Tembusan" in flat and "LAMPIRAN" in flat
    for site in sites:
        site.refresh_from_db()
        assert site.rt.label in flat
        assert site.code in flat
    assert "Sipin Uji" in flat and "Kenali Uji" in flat
    assert "100.750.000" in flat
    assert "100.750.000 (seratus juta tujuh ratus lima puluh ribu rupiah)" in flat
    assert "sebanyak 3 lokasi" in flat
    assert "Halaman 1 dari" in flat


def test_the_annex_header_repeats_on_every_annex_page(sk, make_site):  # noqa: F811
    sk.envelope(10_000_000_000)
    sites = [make_site(("sipin", "kenali")[i % 2], cost=20_000_000 + i) for i in range(45)]

    decree = _issued(sk, sites)

    pages = _pages(decree.pdf.read())
    annex = [i for i, text in enumerate(pages) if "DAFTAR LOKASI" in text]
    assert annex, "the annex starts on its own page"
    annex_pages = pages[annex[0] :]
    assert len(annex_pages) >= 2, "45 locations span more than one annex page"
    for text in annex_pages:
        text = " ".join(text.split())
        assert "Nilai RAB (Rp)" in text and "Kelurahan" in text and "Jenis kegiatan" in text
    assert "JUMLAH (45 lokasi)" in " ".join(annex_pages[-1].split())
    total = f"{sum(20_000_000 + i for i in range(45)):,}".replace(",", ".")
    assert total in annex_pages[-1]


def test_paper_is_f4_by_default_and_a4_on_request(sk, make_site):  # noqa: F811
    sk.envelope(500_000_000)
    site = make_site()
    draft = decrees.decree_create_draft(
        actor=sk.users["camat"],
        kecamatan=sk.kecamatan,
        fiscal_year=sk.fiscal_year,
        proposals=[site],
    )
    f4 = PdfReader(io.BytesIO(render_decree_pdf(draft, draft=True))).pages[0].mediabox
    assert round(float(f4.width) / MM) == 215 and round(float(f4.height) / MM) == 330

    draft.paper = "A4"
    a4 = PdfReader(io.BytesIO(render_decree_pdf(draft, draft=True))).pages[0].mediabox
    assert round(float(a4.width) / MM) == 210 and round(float(a4.height) / MM) == 297


def test_a_draft_preview_is_watermarked_and_unnumbered(sk, make_site):  # noqa: F811
    draft = decrees.decree_create_draft(
        actor=sk.users["camat"],
        kecamatan=sk.kecamatan,
        fiscal_year=sk.fiscal_year,
        proposals=[make_site()],
    )

    text = " ".join(_pages(render_decree_pdf(draft, draft=True)))

    assert "DRAF" in text
    assert "NOMOR ……/SK/BB/KEC.USK/2026" in " ".join(text.split())


def test_the_qr_code_points_at_the_public_page_of_the_site(sk, make_site, settings):  # noqa: F811
    settings.SITE_URL = "https://bangkit.jambikota.go.id"
    sk.envelope(500_000_000)

    decree = _issued(sk, [make_site()])

    reader = PdfReader(io.BytesIO(decree.pdf.read()))
    # The address may wrap under the QR code: compare without white space.
    packed = "".join("".join(page.extract_text() for page in reader.pages).split())
    assert f"https://bangkit.jambikota.go.id/sk/{decree.public_id}/" in packed
    images = [img for page in reader.pages for img in page.images]
    assert len(images) >= 2, "a QR code beside each signature"


def test_the_url_fetcher_serves_only_static_files_and_data_uris(tmp_path):
    static = Path(settings.STATICFILES_DIRS[0]).resolve()
    fetcher = StaticOnlyURLFetcher()

    css = fetcher((static / "css" / "decree_pdf.css").as_uri())
    assert b"@page" in css.read()
    assert fetcher("data:text/plain;base64,aGFsbw==").read() == b"halo"

    secret = tmp_path / "rahasia.txt"
    secret.write_text("kata sandi")
    refused = [
        "http://example.com/logo.png",
        "https://example.com/style.css",
        "ftp://example.com/x",
        secret.as_uri(),
        "file:///etc/passwd",
        (static / "css" / ".." / ".." / "bangkit" / "settings.py").as_uri(),
        (static / "css" / "tidak-ada.css").as_uri(),
    ]
    for url in refused:
        with pytest.raises(ValueError):
            fetcher(url)


def test_rendering_never_fetches_what_a_decree_text_points_at(sk, make_site, monkeypatch):  # noqa: F811
    """Even if markup slipped into the template, WeasyPrint would ask our fetcher, which says no."""
    asked = []
    original = StaticOnlyURLFetcher.fetch

    def spy(self, url, headers=None):
        asked.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(StaticOnlyURLFetcher, "fetch", spy)
    from weasyprint import HTML

    html = (
        '<img src="http://127.0.0.1:9/x.png"><link rel="stylesheet" href="file:///etc/passwd">'
        "<p>teks</p>"
    )
    HTML(string=html, url_fetcher=StaticOnlyURLFetcher(static_roots())).write_pdf()
    assert "http://127.0.0.1:9/x.png" in asked

    draft = decrees.decree_create_draft(
        actor=sk.users["camat"],
        kecamatan=sk.kecamatan,
        fiscal_year=sk.fiscal_year,
        proposals=[make_site()],
    )
    draft.title = '<img src="http://127.0.0.1:9/judul.png"> Judul'
    asked.clear()
    render_decree_pdf(draft, draft=True)
    assert all(url.startswith(("data:", "file:")) for url in asked), asked
    assert not any("127.0.0.1:9" in url for url in asked)
