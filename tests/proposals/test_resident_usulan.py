"""Residents' usulan: who may send one (NIK rules), what is kept of them, the kelurahan's
decision (accept, merge, reject) and the duplicates it is shown, and the import beside them."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from bangkit.errors import ActionRefused
from bangkit.models import AuditEvent, FiscalYear, Kelurahan, Role
from bangkit.nik import nik_hash
from proposals import resident_usulan as ru
from proposals.importing import musrenbang_import
from proposals.models import CitizenSupport, EntryOrigin, MusrenbangEntry, ResidentUsulan
from tests import factories

TELANAIPURA_NIK = "1571011203850001"
TELANAIPURA_NIK_2 = "1571015507920014"
JAMBI_SELATAN_NIK = "1571021203850001"
CHILD_NIK = "1571011203200003"  # born 2020


@pytest.fixture
def place(regions, fiscal_year):
    kelurahan = Kelurahan.objects.get(name="Simpang IV Sipin")
    rt = factories.RTFactory(kelurahan=kelurahan, number=7)
    return kelurahan, rt


@pytest.fixture
def lurah(place):
    return factories.make_user(Role.KELURAHAN, place[0], username="lurah")


def send(place, *, nik=TELANAIPURA_NIK, title="Rabat beton Gang Mawar", photo=None, **extra):
    kelurahan, rt = place
    data = ru.UsulanInput(
        kelurahan=extra.pop("kelurahan", kelurahan),
        rt=extra.pop("rt", rt),
        title=title,
        location_text=extra.pop("location_text", "Gg. Mawar depan musala"),
        problem="Becek dan banjir setiap hujan.",
        **extra,
    )
    return ru.usulan_submit(data=data, nik=nik, photo=photo)


def jpeg_upload(name="lokasi.jpg"):
    buffer = io.BytesIO()
    image = Image.new("RGB", (200, 150), (120, 90, 60))
    exif = image.getexif()
    exif[0x0110] = "Kamera Warga"  # a camera model, as phones write it
    image.save(buffer, "JPEG", exif=exif)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


# --- sending ---------------------------------------------------------------------------------


def test_a_resident_sends_an_usulan_kept_with_the_nik_hash_and_last_four_only(place):
    usulan = send(place, email="Warga@Contoh.id")

    assert usulan.status == ResidentUsulan.Status.PENDING
    assert usulan.year == 2026
    assert usulan.code.startswith("BB-2026-")
    assert usulan.nik_hash == nik_hash(TELANAIPURA_NIK)
    assert usulan.nik_last4 == "0001"
    assert usulan.email == "warga@contoh.id" and usulan.email_token
    stored = ResidentUsulan.objects.filter(pk=usulan.pk).values()[0]
    assert not any(TELANAIPURA_NIK in str(value) for value in stored.values())
    event = AuditEvent.objects.get(action="resident_usulan_submit")
    assert TELANAIPURA_NIK not in str(event.data) + event.summary
    assert event.actor is None


@pytest.mark.parametrize(
    "nik, message",
    [
        ("1571", "16 angka"),
        ("1271011203850001", "Kota Jambi"),
        (JAMBI_SELATAN_NIK, "Kecamatan Telanaipura"),
        (CHILD_NIK, "17 tahun"),
    ],
)
def test_the_nik_must_be_valid_adult_and_of_the_kecamatan(place, nik, message):
    with pytest.raises(ActionRefused) as refused:
        send(place, nik=nik)

    assert message in refused.value.message
    assert nik not in refused.value.message or len(nik) < 16
    assert not ResidentUsulan.objects.exists()


def test_the_city_rule_lets_any_kota_jambi_nik_propose(place):
    FiscalYear.objects.filter(year=2026).update(support_residency="city")

    assert send(place, nik=JAMBI_SELATAN_NIK).nik_last4 == "0001"


def test_an_rt_of_another_kelurahan_or_a_closed_year_is_refused(place):
    other = factories.RTFactory(kelurahan=Kelurahan.objects.get(name="Buluran Kenali"), number=3)
    with pytest.raises(ActionRefused, match="tidak berada di Kelurahan Simpang IV Sipin"):
        send(place, rt=other)
    FiscalYear.objects.filter(year=2026).update(status=FiscalYear.Status.VERIFICATION)
    with pytest.raises(ActionRefused, match="tidak ada tahun anggaran"):
        send(place)


def test_the_photo_is_kept_only_as_exif_free_copies(place):
    usulan = send(place, photo=jpeg_upload())

    with usulan.photo.open("rb") as handle, Image.open(handle) as shown:
        assert not shown.getexif()
    assert usulan.photo_thumbnail
    assert usulan.photo.name.endswith(".jpg")


def test_a_file_that_is_not_an_image_is_refused_with_the_field_named(place):
    upload = SimpleUploadedFile("lokasi.jpg", b"bukan gambar", content_type="image/jpeg")
    with pytest.raises(ActionRefused, match="^Foto: "):
        send(place, photo=upload)
    assert not ResidentUsulan.objects.exists()


# --- duplicates ------------------------------------------------------------------------------


def test_a_crafted_pair_is_suggested_and_an_unrelated_entry_is_not(place):
    kelurahan, rt = place
    same = MusrenbangEntry.objects.create(
        year=2026,
        source_id="MR-1",
        kelurahan=kelurahan,
        rt=rt,
        title="Rabat beton gang Mawar",
        location_text="Gang Mawar dekat musala",
    )
    near = MusrenbangEntry.objects.create(
        year=2026,
        source_id="MR-2",
        kelurahan=kelurahan,
        rt=rt,
        title="Lampu jalan",
        latitude=Decimal("-1.610100"),
        longitude=Decimal("103.613100"),
    )
    MusrenbangEntry.objects.create(
        year=2026,
        source_id="MR-3",
        kelurahan=kelurahan,
        rt=rt,
        title="Jembatan kayu",
        location_text="Sungai Asam",
        latitude=Decimal("-1.630000"),
        longitude=Decimal("103.630000"),
    )
    usulan = send(place, latitude=Decimal("-1.610123"), longitude=Decimal("103.613145"))

    suggestions = ru.duplicate_suggestions(usulan)

    assert [s.entry for s in suggestions] == [same, near]
    assert suggestions[0].score >= ru.SIMILARITY_THRESHOLD
    assert suggestions[1].distance_m < ru.NEAR_METRES


# --- the kelurahan's decision ----------------------------------------------------------------


def test_accepting_makes_an_entry_of_resident_origin_supported_by_the_proposer(place, lurah):
    usulan = send(place)

    entry = ru.usulan_accept(usulan=usulan, actor=lurah)

    usulan.refresh_from_db()
    assert usulan.status == ResidentUsulan.Status.ACCEPTED and usulan.entry == entry
    assert entry.origin == EntryOrigin.RESIDENT
    assert entry.source_id == usulan.code
    assert entry.rt == place[1] and entry.year == 2026 and entry.proposer == ""
    assert CitizenSupport.objects.get(entry=entry).nik_hash == nik_hash(TELANAIPURA_NIK)
    assert AuditEvent.objects.filter(action="resident_usulan_accept", actor=lurah).count() == 1


def test_merging_adds_the_proposer_support_to_the_entry_once(place, lurah):
    kelurahan, rt = place
    entry = MusrenbangEntry.objects.create(
        year=2026, source_id="MR-1", kelurahan=kelurahan, rt=rt, title="Rabat beton"
    )
    CitizenSupport.objects.create(entry=entry, nik_hash=nik_hash(TELANAIPURA_NIK), nik_last4="0001")
    first, second = send(place), send(place, nik=TELANAIPURA_NIK_2)

    ru.usulan_merge(usulan=first, actor=lurah, entry=entry)
    ru.usulan_merge(usulan=second, actor=lurah, entry=entry)

    assert CitizenSupport.objects.filter(entry=entry).count() == 2
    first.refresh_from_db()
    assert first.status == ResidentUsulan.Status.MERGED and first.entry == entry


def test_rejecting_keeps_a_public_reason_and_other_needs_words(place, lurah):
    usulan = send(place)
    with pytest.raises(ActionRefused, match="Tuliskan alasan"):
        ru.usulan_reject(usulan=usulan, actor=lurah, reason="other")

    ru.usulan_reject(usulan=usulan, actor=lurah, reason="private_land", note="Halaman rumah")

    usulan.refresh_from_db()
    assert usulan.status == ResidentUsulan.Status.REJECTED
    assert usulan.get_reject_reason_display() == "Lokasi di lahan pribadi"
    assert usulan.public_note == "Halaman rumah"


def test_a_decided_usulan_cannot_be_decided_again(place, lurah):
    usulan = send(place)
    ru.usulan_reject(usulan=usulan, actor=lurah, reason="spam")

    with pytest.raises(ActionRefused, match="sudah diputuskan"):
        ru.usulan_accept(usulan=usulan, actor=lurah)
    assert not MusrenbangEntry.objects.exists()


@pytest.mark.parametrize("role", [Role.RT, Role.KECAMATAN, Role.BAPPEDA])
def test_only_the_usulan_kelurahan_decides(place, role):
    kelurahan, rt = place
    area = {Role.RT: rt, Role.KECAMATAN: kelurahan.kecamatan, Role.BAPPEDA: None}[role]
    other_lurah = factories.make_user(Role.KELURAHAN, Kelurahan.objects.get(name="Buluran Kenali"))
    usulan = send(place)

    for actor in (factories.make_user(role, area), other_lurah):
        with pytest.raises(ActionRefused, match="Hanya lurah"):
            ru.usulan_accept(usulan=usulan, actor=actor)
    assert ResidentUsulan.objects.get().status == ResidentUsulan.Status.PENDING


# --- the import beside residents' entries ----------------------------------------------------


HEADER = [
    "ID Usulan",
    "Kecamatan",
    "Kelurahan",
    "RT",
    "Usulan",
    "Permasalahan",
    "Jenis Kegiatan",
    "Lokasi",
    "Volume",
    "Satuan",
]


def test_the_import_updates_a_resident_entry_instead_of_adding_a_twin(place, lurah):
    entry = ru.usulan_accept(usulan=send(place), actor=lurah)
    typed = entry.source_id.lower().replace("-", " ")  # as someone retyped it in the sheet
    rows = [
        HEADER,
        [
            typed,
            "Telanaipura",
            "Simpang IV Sipin",
            "7",
            "Rabat beton Gang Mawar 120 m",
            "Becek",
            "Rabat beton",
            "Gg. Mawar",
            "120",
            "m",
        ],
        [
            "MR-9",
            "Telanaipura",
            "Simpang IV Sipin",
            "7",
            "Drainase",
            "Banjir",
            "Drainase",
            "Jl. Kenari",
            "50",
            "m",
        ],
    ]

    report = musrenbang_import(file_or_rows=rows, year=2026)

    assert (report.new, report.updated) == (1, 1), report.summary
    assert MusrenbangEntry.objects.count() == 2
    entry.refresh_from_db()
    assert entry.origin == EntryOrigin.RESIDENT
    assert entry.title == "Rabat beton Gang Mawar 120 m"
    assert MusrenbangEntry.objects.get(source_id="MR-9").origin == EntryOrigin.IMPORT
