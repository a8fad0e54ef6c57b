"""Residents' usulan of the demo year in Simpang IV Sipin, sent through the real service: a
few waiting in the lurah's queue (one a likely duplicate of an entry), one accepted and one
rejected, so /lacak/ shows both kinds of answer. Run again, it sends nothing new."""

from django.core.files.uploadedfile import SimpleUploadedFile

from bangkit.models import RT, FiscalYear, Role, User
from bangkit.nik import nik_prefix
from demo.seeders.core import demo_year
from demo.seeders.proposals import site_photo
from proposals import resident_usulan as ru
from proposals.models import ResidentUsulan

KELURAHAN = "simpang-iv-sipin"

# (RT, what, where, problem, outcome)
USULAN = [
    (1, "Rabat beton gang Mawar", "Gg. Mawar dekat musala", "Becek dan licin saat hujan", ""),
    (1, "Lampu penerangan jalan", "Ujung Gg. Mawar", "Gelap di malam hari, rawan", ""),
    (2, "Saluran drainase Jl. Kenari", "Jl. Kenari depan SD", "Air menggenang setiap hujan", ""),
    (2, "Pos ronda", "Simpang Jl. Kenari", "Belum ada tempat ronda warga", "accept"),
    (3, "Pagar rumah", "Halaman rumah warga", "Pagar roboh", "reject"),
]


def _nik(kecamatan_code: str, number: int) -> str:
    # Born 12 March 1985, serials 0101…: valid synthetic NIKs of the kecamatan.
    return f"{nik_prefix(kecamatan_code)}120385{100 + number:04d}"


def seed() -> str:
    year = demo_year()
    if not FiscalYear.objects.filter(year=year, status=FiscalYear.Status.OPEN).exists():
        return f"dilewati: tahun {year} tidak dibuka"
    if ResidentUsulan.objects.filter(year=year, kelurahan__slug=KELURAHAN).exists():
        return "sudah ada"
    lurah = User.objects.filter(role=Role.KELURAHAN, kelurahan__slug=KELURAHAN).first()
    sent = 0
    for number, (rt_number, title, place, problem, outcome) in enumerate(USULAN, start=1):
        rt = (
            RT.objects.filter(kelurahan__slug=KELURAHAN, number=rt_number, rw="")
            .select_related("kelurahan__kecamatan")
            .first()
        )
        if rt is None:
            continue
        photo = None
        if number == 1:
            photo = SimpleUploadedFile(
                "lokasi.jpg", site_photo("usul-warga", title), content_type="image/jpeg"
            )
        usulan = ru.usulan_submit(
            data=ru.UsulanInput(
                kelurahan=rt.kelurahan, rt=rt, title=title, location_text=place, problem=problem
            ),
            nik=_nik(rt.kelurahan.kecamatan.code, number),
            photo=photo,
        )
        sent += 1
        if lurah is not None and outcome == "accept":
            ru.usulan_accept(usulan=usulan, actor=lurah)
        elif lurah is not None and outcome == "reject":
            ru.usulan_reject(
                usulan=usulan, actor=lurah, reason="private_land", note="Pagar milik pribadi"
            )
    return f"{sent} usulan warga baru"
