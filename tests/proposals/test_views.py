"""The signed-in proposal screens: RT drafting, uploads, decisions, scoping, query counts."""

import errno
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from bangkit.models import RT, ChecklistItem, FiscalYear, Kecamatan, Kelurahan, Role, User, WorkType
from proposals.models import Attachment, MusrenbangEntry, Proposal, RABLine, State, TransitionLog
from tests import factories

PDF = factories.pdf_bytes()


def png_bytes(color=(200, 80, 40), size=(32, 24)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def upload(name, content, content_type):
    return SimpleUploadedFile(name, content, content_type=content_type)


@dataclass
class Site:
    """Kecamatan K with kelurahan K1 (RT 01, RT 02) and K2; kecamatan L elsewhere."""

    fiscal_year: FiscalYear
    work_type: WorkType
    kecamatan: Kecamatan
    kelurahan: Kelurahan
    kelurahan_2: Kelurahan
    rt1: RT
    rt2: RT
    users: dict[str, User] = field(default_factory=dict)


@pytest.fixture
def site(db) -> Site:
    return build_site()


def build_site() -> Site:
    work_type = factories.WorkTypeFactory()
    fy = factories.FiscalYearFactory()
    kec = factories.KecamatanFactory(code="99.71.51", name="Kecamatan Layar", slug="kec-layar")
    kec_l = factories.KecamatanFactory(code="99.71.52", name="Kecamatan Lain", slug="kec-lain")
    kel = factories.KelurahanFactory(kecamatan=kec, name="Sungai Layar", slug="sungai-layar")
    kel_2 = factories.KelurahanFactory(kecamatan=kec, name="Tanjung Layar", slug="tanjung-layar")
    rt1 = factories.RTFactory(kelurahan=kel, number=1, households=80)
    rt2 = factories.RTFactory(kelurahan=kel, number=2, households=45)
    mk = factories.make_user
    users = {
        "rt1": mk(Role.RT, rt1, username="rt1", first_name="Ahmad", last_name="Hidayat"),
        "rt2": mk(Role.RT, rt2, username="rt2", first_name="Budi", last_name="Saputra"),
        "lurah": mk(Role.KELURAHAN, kel, username="lurah", first_name="Sri", last_name="Lubis"),
        "lurah_2": mk(Role.KELURAHAN, kel_2, username="lurah2"),
        "camat": mk(Role.KECAMATAN, kec, username="camat", first_name="Hasan", last_name="Rambe"),
        "camat_lain": mk(Role.KECAMATAN, kec_l, username="camat-lain"),
        "inspektorat": mk(Role.INSPEKTORAT, username="auditor"),
        "bappeda": mk(Role.BAPPEDA, username="perencana"),
    }
    return Site(fy, work_type, kec, kel, kel_2, rt1, rt2, users)


def make_entry(site, *, rt=None, **fields) -> MusrenbangEntry:
    rt = rt or site.rt1
    values = {
        "year": site.fiscal_year.year,
        "source_id": f"MUS-{MusrenbangEntry.objects.count() + 1:04d}",
        "kelurahan": rt.kelurahan,
        "rt": rt,
        "title": "Semenisasi gang Melati",
        "work_type": site.work_type,
        "location_text": "Gang Melati",
        "volume": Decimal("100"),
    }
    values.update(fields)
    return MusrenbangEntry.objects.create(**values)


def make_proposal(site, state=State.DRAFT, *, rt=None, complete=True, **fields) -> Proposal:
    """A proposal by the ORM; `complete` adds the documents and a RAB under the ceiling."""
    rt = rt or site.rt1
    values = {
        "fiscal_year": site.fiscal_year,
        "rt": rt,
        "kelurahan": rt.kelurahan,
        "title": "Rabat beton gang Kenanga",
        "work_type": site.work_type,
        "location_description": "Gang Kenanga",
        "planned_volume": Decimal("120"),
        "planned_width": Decimal("1.5"),
        "state": state,
    }
    values.update(fields)
    proposal = Proposal.objects.create(**values)
    if complete:
        uploader = site.users["rt1"] if rt == site.rt1 else site.users["rt2"]
        for kind, count, content, ctype in [
            ("proposal_letter", 1, PDF, "application/pdf"),
            ("site_photo", 2, png_bytes(), "image/png"),
            ("attendance", 1, PDF, "application/pdf"),
        ]:
            for i in range(count):
                ext = "pdf" if ctype == "application/pdf" else "png"
                Attachment.objects.create(
                    proposal=proposal,
                    kind=kind,
                    file=SimpleUploadedFile(f"{kind}{i}.{ext}", content),
                    original_name=f"{kind}{i}.{ext}",
                    content_type=ctype,
                    size=len(content),
                    sha256="0" * 64,
                    uploaded_by=uploader,
                )
        RABLine.objects.create(
            proposal=proposal, material="Semen", unit="sak", quantity=100, unit_price=75_000
        )
    return proposal


def edit_payload(site, lines=(), **overrides) -> dict:
    data = {
        "title": "Rabat beton gang Melati",
        "work_type": str(site.work_type.pk),
        "location_description": "Gang Melati, depan musala Al-Ikhlas",
        "latitude": "-1,6101",
        "longitude": "103.6131",
        "planned_volume": "120,5",
        "planned_width": "1,5",
        "households_benefiting": "40",
        "people_benefiting": "160",
        "contribution_labour_people": "30",
        "contribution_cash": "1.500.000",
        "contribution_materials": "Pasir 2 m³ dan konsumsi",
        "contribution_materials_value": "750000",
        "rab-TOTAL_FORMS": str(len(lines)),
        "rab-INITIAL_FORMS": "0",
        "rab-MIN_NUM_FORMS": "0",
        "rab-MAX_NUM_FORMS": "150",
    }
    for i, line in enumerate(lines):
        for key, value in line.items():
            data[f"rab-{i}-{key}"] = value
    data.update(overrides)
    return data


def line(material="Semen 50 kg", unit="sak", quantity="100", unit_price="75.000", **extra):
    return {
        "material": material,
        "unit": unit,
        "quantity": quantity,
        "unit_price": unit_price,
        **extra,
    }


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def decide(client, proposal, action, *, note="", checklist=(), expected_state=None):
    data = {
        "action": action,
        "note": note,
        "expected_state": expected_state or Proposal.objects.get(pk=proposal.pk).state,
        "checklist": [str(pk) for pk in checklist],
        "confirm": "1",  # the answer on the confirmation page a submission asks first
    }
    return client.post(reverse("proposals:action", args=[proposal.code]), data, follow=True)


def checklist_pks(site, stage):
    return list(site.fiscal_year.checklist_items.filter(stage=stage).values_list("pk", flat=True))


# --- The Ketua RT drafts a proposal --------------------------------------------------------


def test_anonymous_users_are_sent_to_sign_in(client, site):
    proposal = make_proposal(site)
    for url in [
        reverse("proposals:list"),
        reverse("proposals:musrenbang"),
        reverse("proposals:detail", args=[proposal.code]),
        reverse("proposals:edit", args=[proposal.code]),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_rt_sees_own_musrenbang_entries_with_a_create_button(client, site):
    mine = make_entry(site, title="Drainase gang Mawar")
    make_entry(site, rt=site.rt2, title="Sumur bor RT dua")
    taken = make_entry(site, title="Jalan setapak Kenanga")
    make_proposal(site, entry=taken, complete=False)
    client.force_login(site.users["rt1"])

    response = client.get(reverse("proposals:musrenbang"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Drainase gang Mawar" in html
    assert "Sumur bor RT dua" not in html
    # "Buat usulan" opens the guided flow's first step (portal).
    assert reverse("flow:start", args=[mine.pk]) in html
    assert reverse("flow:start", args=[taken.pk]) not in html
    assert "Sudah ada usulan" in html


def test_rt_creates_a_proposal_from_an_entry_and_lands_on_the_edit_page(client, site):
    entry = make_entry(site)
    client.force_login(site.users["rt1"])

    response = client.post(reverse("proposals:create", args=[entry.pk]), {"planned_width": "1,5"})

    proposal = Proposal.objects.get(entry=entry)
    assert response.status_code == 302
    assert response["Location"] == reverse("proposals:edit", args=[proposal.code])
    assert proposal.state == State.DRAFT
    assert proposal.planned_width == Decimal("1.5")
    assert proposal.created_by == site.users["rt1"]
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Semenisasi gang Melati" in page.content.decode()


def test_creating_without_the_width_its_work_type_needs_is_explained_not_a_crash(client, site):
    entry = make_entry(site)
    client.force_login(site.users["rt1"])

    response = client.post(reverse("proposals:create", args=[entry.pk]), follow=True)

    assert response.status_code == 200
    assert any("memerlukan lebar" in m for m in messages_of(response))
    assert not Proposal.objects.filter(entry=entry).exists()


def test_an_entry_with_a_live_proposal_cannot_start_a_second(client, site):
    entry = make_entry(site)
    make_proposal(site, entry=entry, complete=False)
    client.force_login(site.users["rt1"])

    response = client.post(
        reverse("proposals:create", args=[entry.pk]), {"planned_width": "1"}, follow=True
    )

    assert any("sudah memiliki usulan" in m for m in messages_of(response))
    assert Proposal.objects.filter(entry=entry).count() == 1


def test_another_rts_entry_is_not_found(client, site):
    entry = make_entry(site, rt=site.rt2)
    client.force_login(site.users["rt1"])

    response = client.post(reverse("proposals:create", args=[entry.pk]), {"planned_width": "1"})

    assert response.status_code == 404
    assert not Proposal.objects.exists()


def test_rt_saves_fields_and_rab_lines_with_indonesian_numbers(client, site):
    proposal = make_proposal(site, complete=False)
    client.force_login(site.users["rt1"])
    data = edit_payload(
        site,
        lines=[
            line(),
            line(material="Pasir cor", unit="m³", quantity="12,5", unit_price="Rp 250.000"),
            line(material="", unit="", quantity="", unit_price=""),  # a blank extra row
        ],
    )

    response = client.post(reverse("proposals:edit", args=[proposal.code]), data)

    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.title == "Rabat beton gang Melati"
    assert proposal.planned_volume == Decimal("120.5")
    assert proposal.planned_width == Decimal("1.5")
    assert proposal.latitude == Decimal("-1.6101")
    assert proposal.longitude == Decimal("103.6131")
    assert proposal.contribution_cash == 1_500_000
    assert proposal.contribution_materials_value == 750_000
    assert proposal.people_benefiting == 160
    lines = list(proposal.rab_lines.order_by("position"))
    assert [(x.material, x.quantity, x.unit_price, x.line_total) for x in lines] == [
        ("Semen 50 kg", Decimal("100"), 75_000, 7_500_000),
        ("Pasir cor", Decimal("12.5"), 250_000, 3_125_000),
    ]
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "Perubahan usulan disimpan." in html
    assert "Rp 10.625.000" in html  # the server's grand total
    assert 'value="1.500.000"' in html  # money shown the Indonesian way
    assert 'value="12,5"' in html


def test_rab_lines_can_be_deleted_by_the_checkbox_or_by_clearing_them(client, site):
    proposal = make_proposal(site, complete=False)
    client.force_login(site.users["rt1"])
    data = edit_payload(
        site,
        lines=[
            line(material="Semen", DELETE="on"),
            line(material="Besi 8 mm", unit="batang", quantity="20", unit_price="65000"),
            line(material="", unit="", quantity="", unit_price=""),
        ],
    )

    client.post(reverse("proposals:edit", args=[proposal.code]), data)

    assert list(proposal.rab_lines.values_list("material", "line_total")) == [
        ("Besi 8 mm", 1_300_000)
    ]


def test_invalid_input_re_renders_with_indonesian_errors_and_keeps_what_was_typed(client, site):
    proposal = make_proposal(site, complete=False)
    client.force_login(site.users["rt1"])
    data = edit_payload(
        site,
        lines=[
            line(material="Semen tiga roda", quantity="abc"),
            line(material="Kerikil", unit="m³", quantity="3", unit_price=""),
        ],
        title="",
        contribution_cash="1,5 juta",
        latitude="-6.2",
        longitude="106.8",
        planned_width="",
    )

    response = client.post(reverse("proposals:edit", args=[proposal.code]), data)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Usulan belum disimpan" in html
    assert "Bidang ini tidak boleh kosong." in html  # the title, in Django's Indonesian
    assert "Masukkan jumlah rupiah tanpa sen" in html
    assert "Masukkan angka, misalnya 12,5." in html
    assert "Isi harga satuan." in html
    assert "berada di luar Kota Jambi" in html
    assert "memerlukan lebar" in html
    # What was typed is still there.
    assert 'value="Semen tiga roda"' in html
    assert 'value="1,5 juta"' in html
    assert 'value="Kerikil"' in html
    proposal.refresh_from_db()
    assert proposal.title == "Rabat beton gang Kenanga"
    assert not proposal.rab_lines.exists()


def test_latitude_without_longitude_is_refused(client, site):
    proposal = make_proposal(site, complete=False)
    client.force_login(site.users["rt1"])

    response = client.post(
        reverse("proposals:edit", args=[proposal.code]),
        edit_payload(site, lines=[line()], longitude=""),
    )

    assert response.status_code == 200
    assert "Isi lintang dan bujur bersama-sama" in response.content.decode()


def test_edit_page_shows_the_ceiling_and_warns_when_the_rab_is_over_it(client, site):
    proposal = make_proposal(site, rt=site.rt2, complete=False)  # 45 KK: Rp 50.000.000
    RABLine.objects.create(
        proposal=proposal, material="Semen", unit="sak", quantity=1000, unit_price=60_000
    )
    client.force_login(site.users["rt2"])

    html = client.get(reverse("proposals:edit", args=[proposal.code])).content.decode()

    assert 'data-ceiling="50000000"' in html
    assert "Rp 50.000.000" in html
    assert "Rp 60.000.000" in html
    assert "Total RAB melebihi pagu RT ini." in html
    assert 'data-rab-over role="status">' in html  # shown, not hidden
    assert "melebihi pagu Rp 50.000.000" in html  # and listed as a submission problem


def test_edit_page_offers_js_free_extra_rows_and_an_empty_form_template(client, site):
    proposal = make_proposal(site)
    client.force_login(site.users["rt1"])

    html = client.get(reverse("proposals:edit", args=[proposal.code])).content.decode()

    assert 'name="rab-TOTAL_FORMS" value="4"' in html  # one line and three blank rows
    assert '<template id="rab-empty">' in html
    assert "rab-__prefix__-material" in html
    assert 'value="75.000"' in html
    assert "js/rab.js" in html


def test_only_the_rt_edits_and_only_while_the_proposal_is_a_draft(client, site):
    proposal = make_proposal(site, State.SUBMITTED)
    client.force_login(site.users["rt1"])
    response = client.post(
        reverse("proposals:edit", args=[proposal.code]), edit_payload(site, lines=[line()])
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("proposals:detail", args=[proposal.code])
    proposal.refresh_from_db()
    assert proposal.title == "Rabat beton gang Kenanga"

    draft = make_proposal(site)
    client.force_login(site.users["lurah"])
    response = client.get(reverse("proposals:edit", args=[draft.code]), follow=True)
    assert "Hanya Ketua RT pengusul" in " ".join(messages_of(response))


# --- Attachments --------------------------------------------------------------------------


def test_rt_uploads_several_photos_at_once_and_documents(client, site):
    proposal = make_proposal(site, complete=False)
    client.force_login(site.users["rt1"])
    url = reverse("proposals:attachment_upload", args=[proposal.code])

    photos = client.post(
        url,
        {
            "kind": "site_photo",
            "files": [
                upload("depan.png", png_bytes((10, 10, 10)), "image/png"),
                upload("belakang.png", png_bytes((90, 90, 90)), "image/png"),
            ],
        },
    )
    letter = client.post(
        url, {"kind": "proposal_letter", "files": [upload("surat.pdf", PDF, "application/pdf")]}
    )

    assert photos.status_code == 302 and letter.status_code == 302
    assert proposal.attachments.filter(kind="site_photo").count() == 2
    attachment = proposal.attachments.get(kind="proposal_letter")
    assert attachment.content_type == "application/pdf"
    assert attachment.original_name == "surat.pdf"
    html = client.get(reverse("proposals:edit", args=[proposal.code])).content.decode()
    assert "2 dari 2" in html
    assert "1 dari 1" in html
    assert "0 dari 1" in html  # the attendance list is still missing
    assert 'accept="application/pdf,image/*"' in html
    assert 'capture="environment"' in html
    assert "/media/" not in html  # files are only reachable through the scoped view


def test_a_text_file_named_jpg_is_refused_and_nothing_is_saved(client, site):
    proposal = make_proposal(site, complete=False)
    client.force_login(site.users["rt1"])

    response = client.post(
        reverse("proposals:attachment_upload", args=[proposal.code]),
        {
            "kind": "site_photo",
            "files": [
                upload("baik.png", png_bytes(), "image/png"),
                upload("foto.jpg", b"ini bukan foto, hanya teks biasa\n", "image/jpeg"),
            ],
        },
        follow=True,
    )

    text = " ".join(messages_of(response))
    assert "'foto.jpg' bukan" in text
    assert "isi berkas diperiksa, bukan namanya" in text
    assert "Tidak ada berkas yang disimpan." in text
    assert not Attachment.objects.exists()
    # Back on the photo's card, where the phone scrolls to, with the reason repeated there.
    edit = reverse("proposals:edit", args=[proposal.code])
    assert response.redirect_chain[-1][0] == f"{edit}?lampiran=site_photo#doc-site_photo"
    html = response.content.decode()
    assert html.count("isi berkas diperiksa, bukan namanya") == 2


def test_a_pdf_is_not_accepted_as_a_site_photo(client, site):
    proposal = make_proposal(site, complete=False)
    client.force_login(site.users["rt1"])

    response = client.post(
        reverse("proposals:attachment_upload", args=[proposal.code]),
        {"kind": "site_photo", "files": [upload("lokasi.pdf", PDF, "application/pdf")]},
        follow=True,
    )

    assert any("harus berupa gambar" in m for m in messages_of(response))
    assert not Attachment.objects.exists()


@pytest.mark.parametrize(
    ("code", "after", "refused", "reason"),
    [
        # An image is one file at upload (its copies come from a task after commit).
        (errno.ENOSPC, 1, "belakang.png", "ruang penyimpanan berkas di server penuh"),
        (errno.EROFS, 0, "depan.png", "sedang tidak dapat ditulisi (hanya-baca)"),
    ],
)
def test_a_full_or_read_only_media_disk_keeps_no_file_and_says_so(
    client, site, media_files, media_fails, code, after, refused, reason
):
    proposal = make_proposal(site, complete=False)
    before = media_files()
    client.force_login(site.users["rt1"])
    media_fails(code, after=after)

    response = client.post(
        reverse("proposals:attachment_upload", args=[proposal.code]),
        {
            "kind": "site_photo",
            "files": [
                upload("depan.png", png_bytes((10, 10, 10)), "image/png"),
                upload("belakang.png", png_bytes((90, 90, 90)), "image/png"),
            ],
        },
        follow=True,
    )

    assert response.status_code == 200
    assert f"Berkas '{refused}' tidak dapat disimpan: " in " ".join(messages_of(response))
    assert reason in " ".join(messages_of(response))
    assert not Attachment.objects.exists()
    assert media_files() == before  # the first photo, stored before the disk filled, is gone


def test_attachments_are_served_through_the_scoped_view(client, site):
    """A PDF opens in the browser; an image's original is downloaded ("Unduh asli")."""
    proposal = make_proposal(site)
    photo = proposal.attachments.filter(kind="site_photo").first()
    letter = proposal.attachments.get(kind="proposal_letter")
    client.force_login(site.users["lurah"])

    response = client.get(reverse("proposals:attachment", args=[proposal.code, photo.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == png_bytes()
    pdf = client.get(reverse("proposals:attachment", args=[proposal.code, letter.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"].startswith("inline")


def test_an_attachment_cannot_be_fetched_through_another_proposals_code(client, site):
    mine = make_proposal(site)
    other = make_proposal(site, rt=site.rt2)
    theirs = other.attachments.first()
    client.force_login(site.users["rt1"])

    response = client.get(reverse("proposals:attachment", args=[mine.code, theirs.pk]))

    assert response.status_code == 404


def test_rt_removes_an_attachment_of_a_draft(client, site):
    proposal = make_proposal(site)
    photo = proposal.attachments.filter(kind="site_photo").first()
    client.force_login(site.users["rt1"])

    response = client.post(
        reverse("proposals:attachment_delete", args=[proposal.code, photo.pk]), follow=True
    )

    assert not Attachment.objects.filter(pk=photo.pk).exists()
    assert any("dihapus" in m for m in messages_of(response))
    assert "1 dari 2" in response.content.decode()


def test_attachments_of_a_submitted_proposal_cannot_be_removed(client, site):
    proposal = make_proposal(site, State.SUBMITTED)
    photo = proposal.attachments.filter(kind="site_photo").first()
    client.force_login(site.users["rt1"])

    client.post(reverse("proposals:attachment_delete", args=[proposal.code, photo.pk]))

    assert Attachment.objects.filter(pk=photo.pk).exists()


# --- Submission and decisions -------------------------------------------------------------


def test_submit_is_blocked_with_the_problems_listed(client, site):
    proposal = make_proposal(site, complete=False)
    client.force_login(site.users["rt1"])

    page = client.get(reverse("proposals:edit", args=[proposal.code])).content.decode()
    response = decide(client, proposal, "submit")

    assert "Dokumen belum lengkap" in page
    assert "RAB belum diisi." in page
    text = " ".join(messages_of(response))
    assert "Usulan belum dapat diajukan." in text
    assert "RAB belum diisi." in text
    assert Proposal.objects.get(pk=proposal.pk).state == State.DRAFT


def test_submitting_asks_first_what_will_happen_and_changes_nothing(client, site):
    proposal = make_proposal(site)
    client.force_login(site.users["rt1"])
    action = reverse("proposals:action", args=[proposal.code])
    detail = reverse("proposals:detail", args=[proposal.code])

    response = client.post(
        action, {"action": "submit", "expected_state": "draft", "next": detail, "note": ""}
    )

    assert response.status_code == 200
    assert Proposal.objects.get(pk=proposal.pk).state == State.DRAFT
    html = response.content.decode()
    assert "Yang akan terjadi" in html and "Kelurahan Sungai Layar" in html
    assert "tidak dapat diubah lagi" in html and proposal.code in html
    assert f'action="{action}"' in html and f'href="{detail}"' in html
    # The first POST's fields travel with the answer, once each, beside confirm=1.
    assert html.count('name="action" value="submit"') == 1
    assert '<input type="hidden" name="expected_state" value="draft">' in html
    assert '<input type="hidden" name="confirm" value="1">' in html
    assert "Ya, ajukan ke kelurahan" in html

    confirmed = client.post(
        action, {"action": "submit", "expected_state": "draft", "next": detail, "confirm": "1"}
    )

    assert confirmed.status_code == 302
    assert confirmed["Location"] == reverse("proposals:receipt", args=[proposal.pk])
    assert Proposal.objects.get(pk=proposal.pk).state == State.SUBMITTED


def test_a_submission_that_cannot_go_through_is_refused_without_asking(client, site):
    proposal = make_proposal(site, complete=False)
    client.force_login(site.users["rt1"])

    response = client.post(
        reverse("proposals:action", args=[proposal.code]),
        {"action": "submit", "expected_state": "draft"},
    )

    assert response.status_code == 302
    assert Proposal.objects.get(pk=proposal.pk).state == State.DRAFT


def test_submitting_leads_to_the_receipt_with_its_code_qr_and_share_link(client, site, settings):
    settings.SITE_URL = "https://bangkit.jambikota.go.id"
    proposal = make_proposal(site)
    client.force_login(site.users["rt1"])

    response = decide(client, proposal, "submit")

    receipt = reverse("proposals:receipt", args=[proposal.pk])
    assert response.redirect_chain[-1] == (receipt, 302)
    html = response.content.decode()
    track = f"https://bangkit.jambikota.go.id/lacak/{proposal.code}/"
    assert "Tanda terima usulan" in html and "Diajukan ke Kelurahan Sungai Layar" in html
    year, first, second = proposal.code[3:].split("-")
    assert f"<span>{first}</span>" in html and f"<span>{second}</span>" in html
    qr = reverse("proposals:receipt_qr", args=[proposal.pk])
    assert f'src="{qr}"' in html
    assert f'href="{track}" data-share' in html
    assert "js/receipt.js" in html and "css/receipt.css" in html

    image = client.get(qr)
    assert image.status_code == 200 and image["Content-Type"] == "image/svg+xml"
    assert image.content.startswith(b"<?xml") and b"<path" in image.content
    assert b"<script" not in image.content
    # The dossier links back to its receipt.
    detail = client.get(reverse("proposals:detail", args=[proposal.code])).content.decode()
    assert f'href="{receipt}"' in detail


def test_the_qr_code_encodes_the_public_tracking_page(client, site, settings):
    settings.SITE_URL = ""
    proposal = make_proposal(site, State.SUBMITTED)
    client.force_login(site.users["lurah"])
    html = client.get(reverse("proposals:receipt", args=[proposal.pk])).content.decode()
    # Without SITE_URL, the address this request used.
    assert f'href="http://testserver/lacak/{proposal.code}/" data-share' in html


def test_the_receipt_is_only_for_those_who_may_see_the_proposal(client, site):
    proposal = make_proposal(site, State.SUBMITTED)
    urls = [
        reverse("proposals:receipt", args=[proposal.pk]),
        reverse("proposals:receipt_qr", args=[proposal.pk]),
    ]
    for user in ("rt2", "lurah_2", "camat_lain"):
        client.force_login(site.users[user])
        for url in urls:
            assert client.get(url).status_code == 404, (user, url)
    for user in ("rt1", "lurah", "camat", "inspektorat"):
        client.force_login(site.users[user])
        for url in urls:
            assert client.get(url).status_code == 200, (user, url)
    assert client.get(reverse("proposals:receipt", args=[10**9])).status_code == 404
    client.logout()
    assert client.get(urls[0]).status_code == 302


def test_the_whole_round_trip_from_entry_to_kecamatan_verified(client, site):
    rt, lurah, camat = site.users["rt1"], site.users["lurah"], site.users["camat"]
    entry = make_entry(site)

    # The Ketua RT starts from the Musrenbang entry, fills the form and the RAB ...
    client.force_login(rt)
    client.post(reverse("proposals:create", args=[entry.pk]), {"planned_width": "1,2"})
    proposal = Proposal.objects.get(entry=entry)
    client.post(
        reverse("proposals:edit", args=[proposal.code]),
        edit_payload(site, lines=[line(), line(material="Pasir", unit="m³", quantity="10")]),
    )
    # ... uploads the documents ...
    url = reverse("proposals:attachment_upload", args=[proposal.code])
    client.post(url, {"kind": "proposal_letter", "files": [upload("surat.pdf", PDF, "x")]})
    client.post(url, {"kind": "attendance", "files": [upload("hadir.pdf", PDF, "x")]})
    client.post(
        url,
        {
            "kind": "site_photo",
            "files": [
                upload("a.png", png_bytes(), "x"),
                upload("b.png", png_bytes((1, 2, 3)), "x"),
            ],
        },
    )
    assert proposal.attachments.count() == 4
    # ... and submits.
    response = decide(client, proposal, "submit")
    assert Proposal.objects.get(pk=proposal.pk).state == State.SUBMITTED
    assert any("Diajukan ke kelurahan" in m for m in messages_of(response))

    # The lurah finds it in the queue and forwards it with the checklist.
    client.force_login(lurah)
    queue = client.get(reverse("proposals:list"))
    assert proposal.code in queue.content.decode()
    assert queue.context["queue_count"] == 1
    detail = client.get(reverse("proposals:detail", args=[proposal.code])).content.decode()
    assert "Teruskan ke camat" in detail
    assert "Butir kelurahan 1" in detail
    decide(
        client,
        proposal,
        "verify_kelurahan",
        checklist=checklist_pks(site, ChecklistItem.Stage.KELURAHAN),
        note="Lokasi sudah dicek.",
    )
    assert Proposal.objects.get(pk=proposal.pk).state == State.KELURAHAN_VERIFIED

    # The camat returns it with a reason ...
    client.force_login(camat)
    assert proposal.code in client.get(reverse("proposals:list")).content.decode()
    decide(client, proposal, "return_for_revision", note="Foto lokasi kurang jelas, ulangi.")
    assert Proposal.objects.get(pk=proposal.pk).state == State.DRAFT

    # ... which the Ketua RT sees on the edit and detail pages, then resubmits.
    client.force_login(rt)
    for name in ("proposals:edit", "proposals:detail"):
        html = client.get(reverse(name, args=[proposal.code])).content.decode()
        assert "Dikembalikan untuk perbaikan" in html
        assert "Foto lokasi kurang jelas, ulangi." in html
        assert "Hasan Rambe" in html
    decide(client, proposal, "submit")
    assert Proposal.objects.get(pk=proposal.pk).state == State.SUBMITTED
    html = client.get(reverse("proposals:detail", args=[proposal.code])).content.decode()
    assert "Foto lokasi kurang jelas, ulangi." in html  # still in the timeline
    assert "callout" not in html  # but no longer a pending return

    client.force_login(lurah)
    decide(
        client,
        proposal,
        "verify_kelurahan",
        checklist=checklist_pks(site, ChecklistItem.Stage.KELURAHAN),
    )
    client.force_login(camat)
    detail = client.get(reverse("proposals:detail", args=[proposal.code])).content.decode()
    assert ">Verifikasi</button>" in detail
    assert "Butir kecamatan 1" in detail
    decide(
        client,
        proposal,
        "verify_kecamatan",
        checklist=checklist_pks(site, ChecklistItem.Stage.KECAMATAN),
    )
    proposal.refresh_from_db()
    assert proposal.state == State.KECAMATAN_VERIFIED
    assert list(proposal.transitions.values_list("transition", flat=True)) == [
        "create",
        "submit",
        "verify_kelurahan",
        "return_for_revision",
        "submit",
        "verify_kelurahan",
        "verify_kecamatan",
    ]
    detail = client.get(reverse("proposals:detail", args=[proposal.code])).content.decode()
    assert "Tunda ke tahun berikutnya" in detail
    assert "Daftar periksa (2 butir)" in detail


def test_forwarding_without_the_checklist_is_refused_with_the_missing_items(client, site):
    proposal = make_proposal(site, State.SUBMITTED)
    client.force_login(site.users["lurah"])
    first = checklist_pks(site, ChecklistItem.Stage.KELURAHAN)[0]

    response = decide(client, proposal, "verify_kelurahan", checklist=[first])

    text = " ".join(messages_of(response))
    assert "Daftar periksa belum lengkap" in text
    assert "• Butir kelurahan 2" in text
    assert Proposal.objects.get(pk=proposal.pk).state == State.SUBMITTED


def test_returning_needs_a_reason(client, site):
    proposal = make_proposal(site, State.SUBMITTED)
    client.force_login(site.users["lurah"])

    response = decide(client, proposal, "return_for_revision", note="kurang")

    assert any("paling sedikit 10 huruf" in m for m in messages_of(response))
    assert Proposal.objects.get(pk=proposal.pk).state == State.SUBMITTED


def test_a_stale_page_is_told_who_already_decided(client, site):
    proposal = make_proposal(site, State.SUBMITTED)
    client.force_login(site.users["lurah"])
    decide(
        client,
        proposal,
        "verify_kelurahan",
        checklist=checklist_pks(site, ChecklistItem.Stage.KELURAHAN),
    )
    assert TransitionLog.objects.filter(proposal=proposal).count() == 1

    response = decide(
        client,
        proposal,
        "reject",
        note="Lahan masih sengketa warga.",
        expected_state=State.SUBMITTED,
    )

    text = " ".join(messages_of(response))
    assert "sudah diproses oleh Sri Lubis" in text
    assert Proposal.objects.get(pk=proposal.pk).state == State.KELURAHAN_VERIFIED
    assert response.redirect_chain[-1][0] == reverse("proposals:detail", args=[proposal.code])


def test_kecamatan_defers_and_cancels_with_a_reason(client, site):
    deferred = make_proposal(site, State.KECAMATAN_VERIFIED)
    cancelled = make_proposal(site, State.KECAMATAN_VERIFIED)
    client.force_login(site.users["camat"])

    html = client.get(reverse("proposals:detail", args=[deferred.code])).content.decode()
    decide(client, deferred, "defer", note="Anggaran tahun ini sudah habis.")
    decide(client, cancelled, "cancel", note="Lokasi sudah dibangun dinas PU.")

    assert "Tunda ke tahun berikutnya" in html
    assert "Batalkan usulan" in html
    assert Proposal.objects.get(pk=deferred.pk).state == State.DEFERRED
    assert Proposal.objects.get(pk=cancelled.pk).state == State.CANCELLED


def test_detail_page_shows_summary_location_rab_documents_entry_and_timeline(client, site):
    entry = make_entry(site)
    entry.supports.create(nik_hash="a" * 64, nik_last4="1234")
    entry.supports.create(nik_hash="b" * 64, nik_last4="5678")
    proposal = make_proposal(
        site,
        State.SUBMITTED,
        entry=entry,
        latitude=Decimal("-1.612345"),
        longitude=Decimal("103.612345"),
        contribution_cash=2_000_000,
    )
    TransitionLog.objects.create(
        proposal=proposal,
        transition="submit",
        from_state=State.DRAFT,
        to_state=State.SUBMITTED,
        actor=site.users["rt1"],
    )
    client.force_login(site.users["camat"])

    html = client.get(reverse("proposals:detail", args=[proposal.code])).content.decode()

    assert "geo:-1.612345,103.612345" in html
    assert "openstreetmap.org/?mlat=-1.612345&amp;mlon=103.612345" in html
    assert "Rp 7.500.000" in html  # the RAB total
    assert "Rp 70.000.000" in html  # the ceiling for 80 households
    assert "Rp 2.000.000" in html
    assert "2 dari 2" in html
    assert reverse("proposals:attachment", args=[proposal.code, proposal.attachments.first().pk])
    assert "MUS-0001" in html
    assert "<strong>2</strong> orang" in html
    assert "Diajukan ke kelurahan" in html
    assert "Ahmad Hidayat" in html
    assert "Ketua RT" in html
    assert "WIB" in html
    assert 'id="keputusan"' not in html  # submitted: the kelurahan decides, not the camat


# --- Scope and read-only roles -------------------------------------------------------------


def test_rt_of_rt01_gets_404_on_everything_of_rt02(client, site):
    other = make_proposal(site, rt=site.rt2)
    attachment = other.attachments.first()
    client.force_login(site.users["rt1"])

    assert client.get(reverse("proposals:detail", args=[other.code])).status_code == 404
    assert client.get(reverse("proposals:edit", args=[other.code])).status_code == 404
    assert (
        client.post(
            reverse("proposals:edit", args=[other.code]), edit_payload(site, lines=[line()])
        ).status_code
        == 404
    )
    assert (
        client.get(reverse("proposals:attachment", args=[other.code, attachment.pk])).status_code
        == 404
    )
    assert (
        client.post(
            reverse("proposals:attachment_delete", args=[other.code, attachment.pk])
        ).status_code
        == 404
    )
    assert (
        client.post(
            reverse("proposals:attachment_upload", args=[other.code]),
            {"kind": "attendance", "files": [upload("x.pdf", PDF, "application/pdf")]},
        ).status_code
        == 404
    )
    assert (
        client.post(
            reverse("proposals:action", args=[other.code]),
            {"action": "cancel", "note": "sengaja dibatalkan", "expected_state": "draft"},
        ).status_code
        == 404
    )
    assert other.attachments.count() == 4
    assert Proposal.objects.get(pk=other.pk).state == State.DRAFT
    assert other.code not in client.get(reverse("proposals:list")).content.decode()


def test_a_lurah_of_another_kelurahan_gets_404(client, site):
    proposal = make_proposal(site, State.SUBMITTED)
    attachment = proposal.attachments.first()
    client.force_login(site.users["lurah_2"])

    assert client.get(reverse("proposals:detail", args=[proposal.code])).status_code == 404
    assert (
        client.get(reverse("proposals:attachment", args=[proposal.code, attachment.pk])).status_code
        == 404
    )
    response = client.post(
        reverse("proposals:action", args=[proposal.code]),
        {
            "action": "verify_kelurahan",
            "expected_state": "submitted",
            "checklist": [str(pk) for pk in checklist_pks(site, "kelurahan")],
        },
    )
    assert response.status_code == 404
    assert Proposal.objects.get(pk=proposal.pk).state == State.SUBMITTED


def test_a_camat_of_another_kecamatan_gets_404(client, site):
    proposal = make_proposal(site, State.KELURAHAN_VERIFIED)
    client.force_login(site.users["camat_lain"])

    assert client.get(reverse("proposals:detail", args=[proposal.code])).status_code == 404


def test_unknown_codes_are_404(client, site):
    client.force_login(site.users["inspektorat"])

    assert client.get(reverse("proposals:detail", args=["BB-2026-XXXX-XXX"])).status_code == 404


@pytest.mark.parametrize("role", ["inspektorat", "bappeda"])
def test_read_only_roles_see_the_page_without_buttons_and_cannot_decide(client, site, role):
    proposal = make_proposal(site, State.SUBMITTED)
    client.force_login(site.users[role])

    response = client.get(reverse("proposals:detail", args=[proposal.code]))
    html = response.content.decode()
    refused = decide(
        client,
        proposal,
        "verify_kelurahan",
        checklist=checklist_pks(site, ChecklistItem.Stage.KELURAHAN),
    )

    assert response.status_code == 200
    assert proposal.title in html
    assert 'id="keputusan"' not in html
    assert "Teruskan ke camat" not in html
    assert "Batalkan usulan" not in html
    assert 'name="action"' not in html
    assert refused.status_code == 200
    assert any("hanya dapat melihat" in m or "tidak berwenang" in m for m in messages_of(refused))
    assert Proposal.objects.get(pk=proposal.pk).state == State.SUBMITTED
    assert not TransitionLog.objects.exists()


def test_read_only_roles_cannot_upload(client, site):
    proposal = make_proposal(site, complete=False)
    client.force_login(site.users["inspektorat"])

    response = client.post(
        reverse("proposals:attachment_upload", args=[proposal.code]),
        {"kind": "attendance", "files": [upload("x.pdf", PDF, "application/pdf")]},
        follow=True,
    )

    assert any("Hanya Ketua RT" in m for m in messages_of(response))
    assert not Attachment.objects.exists()


def test_actions_are_post_only(client, site):
    proposal = make_proposal(site, State.SUBMITTED)
    client.force_login(site.users["lurah"])

    assert client.get(reverse("proposals:action", args=[proposal.code])).status_code == 405
    photo = proposal.attachments.first()
    url = reverse("proposals:attachment_delete", args=[proposal.code, photo.pk])
    assert client.get(url).status_code == 405


def test_a_foreign_next_url_is_not_followed(client, site):
    proposal = make_proposal(site, State.SUBMITTED)
    client.force_login(site.users["lurah"])

    response = client.post(
        reverse("proposals:action", args=[proposal.code]),
        {"action": "reject", "note": "", "expected_state": "submitted", "next": "https://x.test/"},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("proposals:detail", args=[proposal.code])


# --- The list ------------------------------------------------------------------------------


def test_kelurahan_list_opens_on_its_queue_with_counts(client, site):
    waiting = make_proposal(site, State.SUBMITTED, complete=False, title="Drainase Mawar")
    make_proposal(site, State.SUBMITTED, complete=False, rt=site.rt2, title="MCK umum RT 2")
    draft = make_proposal(site, complete=False, title="Draf belum diajukan")
    client.force_login(site.users["lurah"])

    response = client.get(reverse("proposals:list"))
    html = response.content.decode()
    everything = client.get(reverse("proposals:list"), {"tahap": ""}).content.decode()

    assert response.context["queue_count"] == 2
    assert response.context["filters"].state == State.SUBMITTED
    assert waiting.title in html and "MCK umum RT 2" in html
    assert draft.title not in html
    assert draft.title in everything
    assert "Semua <b>3</b>" in everything
    assert "Diajukan ke kelurahan <b>2</b>" in everything


CHIP = re.compile(r'<a class="chip" href="([^"]*)"[^>]*>([^<]+?) <b>([\d.]+)</b></a>')


def chips(html: str) -> list[tuple[str, str, int]]:
    """The stage chips of a list page as (href, label, count)."""
    return [
        (unescape(href), label.strip(), int(n.replace(".", "")))
        for href, label, n in CHIP.findall(html)
    ]


@pytest.mark.parametrize("role", ["lurah", "rt1"])
def test_every_stage_chip_links_to_its_own_list_with_its_count(client, site, role):
    """Issue 11 item 6: the chips produced '??tahap=draft', so "Selesai 2" showed the
    lurah's 4-item queue. Each chip is followed as a browser would and the list checked."""
    for i in range(4):
        make_proposal(site, State.SUBMITTED, complete=False, title=f"Diajukan {i}")
    for i in range(2):
        make_proposal(site, State.COMPLETED, complete=False, title=f"Selesai {i}")
    make_proposal(site, complete=False, title="Draf RT")
    client.force_login(site.users[role])
    url = reverse("proposals:list")

    found = chips(client.get(url).content.decode())

    assert [(label, n) for _, label, n in found] == [
        ("Semua", 7),
        ("Draf RT", 1),
        ("Diajukan ke kelurahan", 4),
        ("Selesai", 2),
    ]
    expected_state = {"Semua": "", "Draf RT": "draft", "Diajukan ke kelurahan": "submitted"}
    expected_state["Selesai"] = "completed"
    for href, label, n in found:
        assert href.startswith("?tahap=") and "??" not in href, href
        response = client.get(url + href)
        shown = response.context["page"].object_list
        assert response.context["filters"].state == expected_state[label], label
        assert len(shown) == n == response.context["page"].paginator.count, label
        if expected_state[label]:
            assert {p.state for p in shown} == {expected_state[label]}, label
        # The chip followed is the one marked current.
        current = [c for c in chips_current(response.content.decode())]
        assert current == [label], label


def chips_current(html: str) -> list[str]:
    return [
        label.strip()
        for label in re.findall(
            r'<a class="chip" href="[^"]*" aria-current="true">([^<]+?) <b>', html
        )
    ]


def test_chips_keep_the_other_filters_and_drop_the_page(client, site):
    for i in range(3):
        make_proposal(site, State.SUBMITTED, complete=False, title=f"Gang Anggrek {i}")
    make_proposal(site, State.SUBMITTED, complete=False, title="Gang Mawar")
    client.force_login(site.users["lurah"])
    url = reverse("proposals:list")

    found = chips(client.get(url, {"q": "anggrek", "hal": 1}).content.decode())
    href = next(h for h, label, _ in found if label == "Diajukan ke kelurahan")

    assert "q=anggrek" in href and "hal=" not in href
    assert len(client.get(url + href).context["page"].object_list) == 3


def test_a_returned_proposal_is_marked_apart_from_a_fresh_draft_with_its_reason(client, site):
    reason = "Foto lokasi buram, mohon ambil ulang pada siang hari."
    entry = make_entry(site)
    returned = make_proposal(site, complete=False, title="Dikembalikan kelurahan", entry=entry)
    for transition, to_state, note in [
        ("submit", State.SUBMITTED, ""),
        ("return_for_revision", State.DRAFT, reason),
    ]:
        TransitionLog.objects.create(
            proposal=returned,
            transition=transition,
            from_state=State.DRAFT if to_state == State.SUBMITTED else State.SUBMITTED,
            to_state=to_state,
            actor=site.users["lurah"],
            note=note,
        )
    fresh = make_proposal(site, complete=False, title="Draf baru")
    client.force_login(site.users["rt1"])

    rows = client.get(reverse("proposals:list")).context["page"].object_list
    html = client.get(reverse("proposals:list")).content.decode()
    dossier = client.get(reverse("proposals:detail", args=[returned.code])).content.decode()
    fresh_dossier = client.get(reverse("proposals:detail", args=[fresh.code])).content.decode()
    entries = client.get(reverse("proposals:musrenbang")).content.decode()
    home = client.get("/").content.decode()

    assert {p.title: p.is_returned for p in rows} == {returned.title: True, fresh.title: False}
    assert html.count("data-returned>Dikembalikan<") == 1
    assert f"Alasan: {reason}" in html
    assert "data-returned>Dikembalikan<" in dossier and reason in dossier
    assert "data-returned" not in fresh_dossier
    assert "data-returned>Dikembalikan<" in entries
    assert "data-returned>Dikembalikan<" in home and reason in home


def test_kecamatan_queue_is_kelurahan_verified(client, site):
    make_proposal(site, State.SUBMITTED, complete=False, title="Masih di kelurahan")
    make_proposal(site, State.KELURAHAN_VERIFIED, complete=False, title="Menunggu camat")
    client.force_login(site.users["camat"])

    response = client.get(reverse("proposals:list"))

    html = response.content.decode()
    assert "Menunggu camat" in html
    assert "Masih di kelurahan" not in html
    assert response.context["queue_count"] == 1
    assert response.context["show_kelurahan_filter"] is True


def test_rt_list_is_titled_usulan_rt_saya_and_shows_all_states(client, site):
    make_proposal(site, complete=False, title="Draf saya")
    make_proposal(site, State.SUBMITTED, complete=False, title="Sudah diajukan")
    client.force_login(site.users["rt1"])

    html = client.get(reverse("proposals:list")).content.decode()

    assert "Usulan RT saya" in html
    assert "Draf saya" in html and "Sudah diajukan" in html
    assert reverse("proposals:musrenbang") in html
    assert 'name="kelurahan"' not in html


def test_list_filters_by_kelurahan_work_type_year_and_search(client, site):
    other_type = WorkType.objects.exclude(pk=site.work_type.pk).first()
    rt_k2 = factories.RTFactory(kelurahan=site.kelurahan_2, number=7)
    a = make_proposal(site, complete=False, title="Rabat gang Anggrek")
    b = make_proposal(site, complete=False, rt=rt_k2, title="Rabat gang Bougenvil")
    c = make_proposal(site, complete=False, title="Sumur bor Cempaka", work_type=other_type)
    client.force_login(site.users["camat"])
    url = reverse("proposals:list")

    def titles(**params):
        response = client.get(url, {"tahap": "", **params})
        return {p.title for p in response.context["page"].object_list}

    assert titles() == {a.title, b.title, c.title}
    assert titles(kelurahan=site.kelurahan_2.pk) == {b.title}
    assert titles(jenis=other_type.pk) == {c.title}
    assert titles(q="anggrek") == {a.title}
    assert titles(q=b.code[-5:]) == {b.title}
    assert titles(tahun=2019) == set()
    assert titles(tahun=site.fiscal_year.year) == {a.title, b.title, c.title}


def test_list_paginates_by_25(client, site):
    for i in range(27):
        make_proposal(site, complete=False, title=f"Usulan {i:02d}")
    client.force_login(site.users["rt1"])

    first = client.get(reverse("proposals:list"))
    second = client.get(reverse("proposals:list"), {"hal": 2})

    assert len(first.context["page"].object_list) == 25
    assert len(second.context["page"].object_list) == 2
    assert "Halaman 1 dari 2" in first.content.decode()
    # The pager's links are query strings of their own (never "??hal=2"), and followed work.
    following = re.search(r'href="([^"]*)">Berikutnya', first.content.decode()).group(1)
    assert following == "?hal=2"
    assert len(client.get(reverse("proposals:list") + following).context["page"]) == 2


def _list_queries(client, user) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("proposals:list"), {"tahap": ""})
    assert response.status_code == 200
    return len(ctx.captured_queries), len(response.context["page"].object_list)


@pytest.mark.parametrize("role", ["lurah", "camat", "bappeda"])
def test_list_query_count_does_not_grow_with_rows(
    client, site, role, django_assert_max_num_queries
):
    user = site.users[role]
    for i in range(3):
        make_proposal(site, State.SUBMITTED, rt=[site.rt1, site.rt2][i % 2])
    few, shown = _list_queries(client, user)
    assert shown == 3
    for i in range(27):
        make_proposal(site, State.SUBMITTED, rt=[site.rt1, site.rt2][i % 2])
    many, shown = _list_queries(client, user)
    assert shown == 25

    assert many == few
    # 8 + 1 for the menu's to-do counts (portal.todo) of the offices that have some.
    with django_assert_max_num_queries(8 + (1 if role != "bappeda" else 0)):
        client.get(reverse("proposals:list"), {"tahap": ""})


def _detail_queries(client, proposal) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("proposals:detail", args=[proposal.code]))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_detail_query_count_does_not_grow_with_lines_files_and_history(client, site):
    entry = make_entry(site)
    proposal = make_proposal(site, State.SUBMITTED, entry=entry)
    client.force_login(site.users["lurah"])
    few = _detail_queries(client, proposal)

    for i in range(10):
        RABLine.objects.create(
            proposal=proposal, material=f"M{i}", unit="sak", quantity=1, unit_price=1000
        )
        Attachment.objects.create(
            proposal=proposal,
            kind="other",
            file=SimpleUploadedFile(f"x{i}.pdf", PDF),
            original_name=f"x{i}.pdf",
            content_type="application/pdf",
            size=len(PDF),
            sha256="0" * 64,
            uploaded_by=site.users["rt1"],
        )
        TransitionLog.objects.create(
            proposal=proposal,
            transition="submit",
            from_state=State.DRAFT,
            to_state=State.SUBMITTED,
            actor=site.users["rt1"] if i % 2 else site.users["rt2"],
        )
    many = _detail_queries(client, proposal)

    assert many == few


def test_musrenbang_query_count_does_not_grow_with_entries(client, site):
    client.force_login(site.users["rt1"])
    for _ in range(3):
        make_entry(site)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("proposals:musrenbang"))
    for i in range(20):
        entry = make_entry(site, work_type=None if i % 3 else site.work_type)
        if i % 4 == 0:
            make_proposal(site, entry=entry, complete=False)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("proposals:musrenbang"))

    assert len(response.context["page"].object_list) == 23
    assert len(many.captured_queries) == len(few.captured_queries)
