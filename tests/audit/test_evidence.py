"""The evidence pack of a site: one ZIP with every document of the site, listed in its index,
for whoever may audit the site (anyone else: 404), written without touching the records."""

import csv
import io
import zipfile

import pytest
from django.urls import reverse

from bangkit.models import AuditEvent, Role
from proposals.models import TransitionLog
from proposals.states import State
from reporting.models import ProgressPhoto
from tests import factories


@pytest.fixture
def completed_site(db):
    return factories.ProposalFactory(state=State.COMPLETED, paid=True)


def _zip(client, user, site, *, key=None):
    client.force_login(user)
    return client.get(reverse("audit:evidence", args=[key or site.code]))


def test_the_pack_holds_every_document_of_the_site_and_lists_them(client, completed_site):
    inspektorat = factories.make_user(Role.INSPEKTORAT)
    before = (AuditEvent.objects.count(), TransitionLog.objects.count())
    response = _zip(client, inspektorat, completed_site)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    pack = zipfile.ZipFile(io.BytesIO(response.content))
    names = pack.namelist()
    folders = {name.split("/")[0] for name in names}
    assert folders >= {
        "1-sk-camat",
        "2-pesanan",
        "3-penerimaan",
        "4-bast",
        "5-pembayaran",
        "6-foto",
        "7-laporan",
        "8-jejak",
        "index.html",
    }
    for name in names:
        if name.endswith(".pdf"):
            assert pack.read(name).startswith(b"%PDF"), name
    assert any(n.startswith("2-pesanan/surat-pesanan-") for n in names)
    assert "4-bast/bast.pdf" in names
    assert any(n.startswith("7-laporan/LPJ-") for n in names)
    photos = ProgressPhoto.objects.filter(proposal=completed_site)
    originals = [n for n in names if n.startswith("6-foto/") and not n.endswith(".csv")]
    assert len(originals) == photos.count()
    for photo in photos:
        [name] = [n for n in originals if f"-{photo.pk}." in n]
        with photo.original.open("rb") as handle:
            assert pack.read(name) == handle.read()  # the original, byte for byte
    exif = list(csv.reader(io.StringIO(pack.read("6-foto/ringkasan-exif.csv").decode())))
    assert exif[0][3] == "waktu pengambilan (EXIF)" and len(exif) == photos.count() + 1
    index = pack.read("index.html").decode()
    for name in names:
        if name != "index.html":
            assert f'href="{name}"' in index
    assert (AuditEvent.objects.count(), TransitionLog.objects.count()) == before


def test_the_pack_carries_the_sites_whole_trail_as_csv_without_formulas(client, completed_site):
    response = _zip(client, factories.make_user(Role.INSPEKTORAT), completed_site)
    pack = zipfile.ZipFile(io.BytesIO(response.content))
    rows = list(csv.reader(io.StringIO(pack.read("8-jejak/jejak-audit.csv").decode())))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["waktu", "pelaku", "sumber"]
    sources = {row[2] for row in body}
    assert sources == {"Riwayat data", "Catatan audit", "Riwayat tahap"}
    steps = TransitionLog.objects.filter(proposal=completed_site).count()
    assert len([row for row in body if row[2] == "Riwayat tahap"]) == steps
    for row in body:
        for cell in row:
            assert not cell.startswith(("=", "+", "@")), cell


def test_a_camat_takes_the_pack_of_their_own_kecamatan_only(client, completed_site):
    own = factories.actor_for(Role.KECAMATAN, completed_site.kelurahan.kecamatan)
    assert _zip(client, own, completed_site).status_code == 200
    # found by the site's id as well as by its code
    assert _zip(client, own, completed_site, key=str(completed_site.pk)).status_code == 200
    elsewhere = factories.make_user(Role.KECAMATAN, factories.KecamatanFactory())
    assert _zip(client, elsewhere, completed_site).status_code == 404


@pytest.mark.parametrize("role", [Role.KELURAHAN, Role.RT, Role.BAPPEDA])
def test_anyone_else_finds_no_pack(client, db, role):
    site = factories.ProposalFactory(state=State.SUBMITTED)
    area = {Role.KELURAHAN: site.kelurahan, Role.RT: site.rt}.get(role)
    assert _zip(client, factories.actor_for(role, area), site).status_code == 404


def test_an_unknown_site_is_a_404_and_post_is_refused(client, db):
    inspektorat = factories.make_user(Role.INSPEKTORAT)
    client.force_login(inspektorat)
    assert client.get(reverse("audit:evidence", args=["BB-0000-XXXX"])).status_code == 404
    assert client.post(reverse("audit:evidence", args=["BB-0000-XXXX"])).status_code == 405
