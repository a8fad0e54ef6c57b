"""The BAST and Surat Pesanan PDFs: their text, and a renderer that fetches nothing."""

import io
from decimal import Decimal

import pytest
from pypdf import PdfReader
from weasyprint import HTML

from bangkit import pdf as static_pdf
from procurement import pdf, services
from tests.procurement.test_services import TODAY, deliver_all, issue_new_order


def pdf_text(data: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return " ".join(text.split())


@pytest.fixture
def completed_bast(world, make_designated):
    proposal = make_designated(
        rab=[
            ("Semen 50 kg", "sak", Decimal("100"), 75_000),
            ("Pasir cor", "m³", Decimal("10"), 250_000),
            ("Besi beton 10 mm", "batang", Decimal("40"), 85_000),
            ("Papan cor", "lembar", Decimal("25"), 45_000),
        ]
    )
    order = issue_new_order(world, proposal)
    deliver_all(world, order)
    handover = services.handover_record(
        proposal=proposal,
        actor=world.users["lurah"],
        handover_date=TODAY,
        place="Balai pertemuan RT 03",
        first_party_name="Sri Lubis",
        first_party_position="Lurah A1",
        first_party_nip="197501012000031001",
        second_party_name="Ahmad Hidayat",
        second_party_position="Ketua RT 03 Kelurahan A1",
    )
    services.handover_confirm_by_rt(handover=handover, actor=world.users["rt"])
    handover.refresh_from_db()
    return handover


def test_bast_pdf_names_both_parties_and_every_material(completed_bast):
    import hashlib

    data = completed_bast.pdf.read()
    text = pdf_text(data)

    assert hashlib.sha256(data).hexdigest() == completed_bast.pdf_sha256
    assert "BERITA ACARA SERAH TERIMA MATERIAL" in text
    assert "Sri Lubis" in text and "Lurah A1" in text
    assert "Ahmad Hidayat" in text and "Ketua RT 03 Kelurahan A1" in text
    assert "PIHAK PERTAMA" in text and "PIHAK KEDUA" in text
    for item in completed_bast.items:
        assert item["description"] in text
    assert "Semen Portland 50 kg" in text and "Besi beton 10 mm" in text
    assert "Pada hari ini" in text and "tahun dua ribu" in text


def test_order_pdf_shows_number_shop_lines_and_amount_in_words(world, make_designated):
    order = issue_new_order(world, make_designated())

    text = pdf_text(pdf.order_pdf(order))

    assert "SURAT PESANAN" in text
    assert order.number in text
    assert "TB Sinar Jaya" in text
    assert "Semen Portland 50 kg" in text and "Pasir cor" in text
    assert "Rp 10.000.000" in text
    assert "Sepuluh juta rupiah" in text


@pytest.mark.parametrize(
    "src",
    ["http://127.0.0.1:9/x.png", "https://example.org/x.png", "file:///etc/passwd"],
)
def test_the_pdf_renderer_fetches_nothing_outside_static(src, monkeypatch):
    fetched = []
    original = static_pdf.URLFetcher.fetch

    def spy(self, url, headers=None):
        fetched.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(static_pdf.URLFetcher, "fetch", spy)
    fetcher = static_pdf.StaticOnlyFetcher()
    with pytest.raises(static_pdf.RefusedResource):
        fetcher.fetch(src)
    HTML(string=f'<img src="{src}"><p>x</p>', url_fetcher=fetcher).write_pdf()
    assert fetched == []


def test_the_pdf_renderer_reads_static_files(settings):
    from pathlib import Path

    icon = (Path(settings.BASE_DIR) / "static" / "img" / "favicon.svg").resolve()
    response = static_pdf.StaticOnlyFetcher().fetch(icon.as_uri())
    assert response is not None
