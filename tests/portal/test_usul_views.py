"""/usul/ without an account: the form, its traps and limits, the receipt, and /lacak/ showing a
resident's usulan with nothing personal on any of these pages."""

import io
import time

import pytest
from django.core import mail, signing
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from bangkit.models import Kelurahan, Role
from portal.usul_forms import STARTED_SALT
from proposals import resident_usulan as ru
from proposals.models import ResidentUsulan
from tests import factories

NIK = "1571011203850001"
NIK_2 = "1571015507920014"
EMAIL = "warga.pengusul@contoh.id"


@pytest.fixture(autouse=True)
def _clean(db, settings):
    settings.USUL_MIN_SECONDS = 0
    settings.SITE_URL = "https://bangkit.jambikota.go.id"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def place(regions, fiscal_year):
    kelurahan = Kelurahan.objects.get(name="Simpang IV Sipin")
    return kelurahan, factories.RTFactory(kelurahan=kelurahan, number=7, head_name="Zulkifli")


def started(seconds_ago=60):
    return signing.dumps(int(time.time()) - seconds_ago, salt=STARTED_SALT)


def form_data(place, **changes):
    kelurahan, rt = place
    data = {
        "kelurahan": kelurahan.slug,
        "rt": str(rt.pk),
        "title": "Rabat beton Gang Mawar",
        "location_text": "Gg. Mawar depan musala",
        "problem": "Becek setiap hujan.",
        "nik": NIK,
        "email": "",
        "website": "",
        "started": started(),
    }
    data.update(changes)
    return data


def photo():
    buffer = io.BytesIO()
    Image.new("RGB", (120, 90), (90, 120, 60)).save(buffer, "JPEG")
    return SimpleUploadedFile("lokasi.jpg", buffer.getvalue(), content_type="image/jpeg")


def test_the_form_lists_the_real_kelurahan_and_rts_and_the_map(client, place):
    response = client.get(reverse("usul:form"))

    body = response.content.decode()
    assert response.status_code == 200
    assert 'value="simpang-iv-sipin"' in body
    assert 'data-kelurahan="simpang-iv-sipin"' in body and "RT 07 · Simpang IV Sipin" in body
    assert 'id="peta-usul"' in body and reverse("public:project_boundaries") in body
    assert "Zulkifli" not in body  # the Ketua RT's name is not public


def test_a_resident_sends_an_usulan_with_a_photo_and_gets_a_receipt(client, place):
    response = client.post(reverse("usul:form"), {**form_data(place), "photo": photo()})

    usulan = ResidentUsulan.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("usul:receipt", kwargs={"code": usulan.code})
    assert usulan.photo and usulan.nik_last4 == "0001"
    receipt = client.get(response.url).content.decode()
    assert usulan.code in receipt
    assert NIK not in receipt and "0001" not in receipt


def test_a_bad_nik_is_said_on_the_field_and_never_echoed(client, place):
    response = client.post(reverse("usul:form"), form_data(place, nik="1571021203850001"))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Kecamatan Telanaipura" in body
    assert "1571021203850001" not in body
    assert not ResidentUsulan.objects.exists()


def test_the_honeypot_and_a_too_quick_form_are_refused(client, place, settings):
    trapped = client.post(reverse("usul:form"), form_data(place, website="http://spam.example"))
    assert "Usulan tidak dapat diterima" in trapped.content.decode()
    settings.USUL_MIN_SECONDS = 5
    quick = client.post(reverse("usul:form"), form_data(place, started=started(seconds_ago=1)))
    assert "terlalu cepat" in quick.content.decode()
    forged = client.post(reverse("usul:form"), form_data(place, started="12345"))
    assert "terlalu lama" in forged.content.decode()
    assert not ResidentUsulan.objects.exists()


def test_one_nik_may_send_only_a_few_usulan_a_day(client, place, settings):
    settings.PUBLIC_USUL_NIK_RATE = (2, 86400)
    for _ in range(2):
        assert client.post(reverse("usul:form"), form_data(place)).status_code == 302

    refused = client.post(reverse("usul:form"), form_data(place))
    other = client.post(reverse("usul:form"), form_data(place, nik=NIK_2))

    assert refused.status_code == 429
    assert other.status_code == 302
    assert ResidentUsulan.objects.count() == 3


def test_one_address_may_send_only_a_few_forms_an_hour(client, place, settings):
    settings.PUBLIC_USUL_RATE = (2, 3600)
    for _ in range(2):
        client.post(reverse("usul:form"), form_data(place, nik="123"))

    assert client.post(reverse("usul:form"), form_data(place)).status_code == 429
    assert client.get(reverse("usul:form")).status_code == 200  # reading is free
    assert not ResidentUsulan.objects.exists()


def test_the_email_is_confirmed_with_a_button_not_by_opening_the_link(
    client, place, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("usul:form"), form_data(place, email=EMAIL))
    usulan = ResidentUsulan.objects.get()
    [message] = mail.outbox
    url = reverse("usul:confirm", kwargs={"token": usulan.email_token})
    assert message.to == [EMAIL] and url in message.body

    client.get(url)
    usulan.refresh_from_db()
    assert usulan.email_confirmed_at is None
    client.post(url)
    usulan.refresh_from_db()
    assert usulan.email_confirmed_at is not None
    assert client.get(reverse("usul:confirm", kwargs={"token": "x" * 40})).status_code == 404


def test_lacak_shows_a_resident_usulan_and_its_public_reason_without_anything_personal(
    client, place
):
    kelurahan, _rt = place
    usulan = ru.usulan_submit(
        data=ru.UsulanInput(
            kelurahan=kelurahan,
            rt=place[1],
            title="Lampu jalan",
            location_text="Jl. Kenari",
            problem="Gelap",
            email=EMAIL,
        ),
        nik=NIK,
    )
    lurah = factories.make_user(Role.KELURAHAN, kelurahan, first_name="Siti", last_name="Aminah")
    ru.usulan_reject(usulan=usulan, actor=lurah, reason="private_land", note="Di halaman rumah")

    typed = usulan.code.lower().replace("-", " ")
    response = client.get(reverse("public:track"), {"kode": typed})

    body = response.content.decode()
    assert response.status_code == 200
    assert "Lampu jalan" in body and "Ditolak" in body
    assert "Lokasi di lahan pribadi: Di halaman rumah" in body
    for personal in (NIK, "0001", EMAIL, "Siti", "Aminah", "Zulkifli"):
        assert personal not in body
    assert (
        client.get(reverse("public:track_detail", kwargs={"code": usulan.code})).status_code == 200
    )


def test_lacak_follows_an_accepted_usulan_to_its_entry(client, place):
    kelurahan, rt = place
    usulan = ru.usulan_submit(
        data=ru.UsulanInput(
            kelurahan=kelurahan,
            rt=rt,
            title="Drainase",
            location_text="Gg. Mawar",
            problem="Banjir",
        ),
        nik=NIK,
    )
    ru.usulan_accept(usulan=usulan, actor=factories.make_user(Role.KELURAHAN, kelurahan))

    body = client.get(reverse("public:track_detail", kwargs={"code": usulan.code})).content.decode()

    assert "Diterima ke daftar Musrenbang RT" in body
    assert usulan.code in body and "2026" in body
