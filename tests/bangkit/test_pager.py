"""templates/_pager.html: the one pager of every paginated list."""

from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory


def _pager(path: str, number: int, **context) -> str:
    request = RequestFactory().get(path)
    page = Paginator(range(100), 10).page(number)
    return render_to_string("_pager.html", {"page": page, **context}, request=request)


def test_the_links_keep_the_lists_filters_and_set_its_page():
    html = _pager("/pengadaan/pesanan/?tahun=2025&status=dikirim&hal=3", 3)
    assert 'href="?tahun=2025&amp;status=dikirim&amp;hal=2">‹ Sebelumnya' in html
    assert 'href="?tahun=2025&amp;status=dikirim&amp;hal=4">Berikutnya ›' in html
    assert "Halaman 3 dari 10" in html


def test_the_first_and_last_pages_link_one_way_only():
    first, last = _pager("/laporan/", 1), _pager("/laporan/?hal=10", 10)
    assert 'href="?hal=2"' in first and "Sebelumnya" not in first
    assert 'href="?hal=9"' in last and "Berikutnya" not in last


def test_a_public_list_passes_its_own_filter_and_page_parameter():
    # The public pages give the filter they understood, not whatever the address carried.
    html = _pager(
        "/proyek/?kecamatan=telanaipura&junk=1", 1, query="kecamatan=telanaipura", param="halaman"
    )
    assert 'href="?kecamatan=telanaipura&amp;halaman=2"' in html
    assert "junk" not in html


def test_one_page_has_no_pager():
    request = RequestFactory().get("/")
    page = Paginator(range(5), 10).page(1)
    assert render_to_string("_pager.html", {"page": page}, request=request).strip() == ""


def test_odd_characters_in_the_address_come_out_encoded():
    html = _pager('/proyek/?q=a%26b"<x>&hal=2', 2)
    assert 'href="?q=a%26b%22%3Cx%3E&amp;hal=1"' in html
    assert "<x>" not in html and '"<' not in html


def test_a_list_with_an_empty_filter_of_its_own_links_the_page_alone():
    # The dashboard's records list passes the filter it understood, which may be empty.
    html = _pager("/dasbor/rincian/?junk=1&hal=2", 2, query="")
    assert 'href="?hal=1"' in html and 'href="?hal=3"' in html
    assert "junk" not in html and "?&amp;" not in html
