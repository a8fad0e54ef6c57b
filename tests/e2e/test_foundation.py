"""A lurah signs in on a phone-sized screen and sees the home page of their kelurahan."""

from bangkit.models import Kelurahan
from tests.factories import PASSWORD, make_user


def test_lurah_signs_in_and_sees_area_on_a_phone(
    page, live_server, login, regions, transactional_db
):
    kel = Kelurahan.objects.get(name="Simpang IV Sipin")
    make_user("kelurahan", kel, username="lurah.simpang-iv-sipin")
    login("lurah.simpang-iv-sipin", PASSWORD)
    assert page.url.rstrip("/") == live_server.url
    body = page.inner_text("body")
    assert "Kelurahan Simpang IV Sipin (Telanaipura)" in body
    assert "usulan kegiatan" in body
    # Nothing wider than the phone: no horizontal scrolling on the home page.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_wrong_password_is_refused_in_indonesian(
    page, live_server, login, regions, transactional_db
):
    kel = Kelurahan.objects.get(name="Thehok")
    make_user("kelurahan", kel, username="lurah.thehok")
    login("lurah.thehok", "salah-sandi")
    assert "/accounts/login/" in page.url
    assert "benar" in page.inner_text("body").lower() or "salah" in page.inner_text("body").lower()
