"""The Ketua RT's guided flow: each step saves a draft through the proposal services and
bookmarks the next; the RAB picks from the year's catalogue and templates; the review lists
what is missing before the only submit button of the flow works. Only the RT's own drafts."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from bangkit.models import AuditEvent
from portal.models import ProposalFlow
from procurement import services as procurement_services
from procurement.models import Material, ReferencePrice
from proposals.models import Attachment, Proposal, State
from tests import factories
from tests.factories.lifecycle import copies_made
from tests.proposals.conftest import COMPLETE_DOCUMENTS, add_attachment, add_rab_lines, build_world

PDF = factories.pdf_bytes()
CATALOGUE = [
    ("Semen Portland 50 kg", "sak", "semen", 75_000, ["PC 50 kg"]),
    ("Pasir cor", "m³", "agregat", 260_000, []),
    ("Batu split 2/3", "m³", "agregat", 325_000, []),
    ("Papan cor 2x20x400 cm", "lembar", "kayu", 48_000, []),
]


@pytest.fixture
def world(db):
    world = build_world()
    world.materials = {}
    for name, unit, category, price, aliases in CATALOGUE:
        material = Material.objects.create(name=name, unit=unit, category=category, aliases=aliases)
        ReferencePrice.objects.create(fiscal_year=world.fiscal_year, material=material, price=price)
        world.materials[name] = material
    return world


@pytest.fixture
def rt(client, world):
    client.force_login(world.users["rt_own"])
    return client


@pytest.fixture
def entry(world):
    from proposals.models import MusrenbangEntry

    return MusrenbangEntry.objects.create(
        year=world.fiscal_year.year,
        source_id="MR-0001",
        kelurahan=world.kelurahan,
        rt=world.rt,
        title="Rabat beton Gang Mawar",
        work_type=world.work_type,
        location_text="Gg. Mawar depan musala",
        volume=Decimal("120"),
        unit="m",
    )


@pytest.fixture
def draft(world, entry):
    """A proposal started from the entry through the service, as the flow's first step does."""
    from proposals import services

    return services.proposal_create_from_entry(
        entry=entry, actor=world.users["rt_own"], planned_width=Decimal("1.5")
    )


def url(name, proposal, **kwargs):
    return reverse(f"flow:{name}", kwargs={"code": proposal.code, **kwargs})


def bookmark(proposal):
    flow = ProposalFlow.objects.filter(proposal=proposal).first()
    return (flow.step, flow.furthest) if flow else None


KEGIATAN = {
    "title": "Rabat beton Gang Mawar",
    "planned_volume": "120",
    "planned_width": "1,5",
    "households_benefiting": "80",
    "people_benefiting": "320",
    "contribution_labour_people": "25",
    "contribution_cash": "500.000",
    "contribution_materials": "Konsumsi gotong-royong",
    "contribution_materials_value": "1.500.000",
}


def rab_post(*lines, stay=False):
    data = {
        "rab-TOTAL_FORMS": str(len(lines)),
        "rab-INITIAL_FORMS": "0",
        "rab-MIN_NUM_FORMS": "0",
        "rab-MAX_NUM_FORMS": "150",
    }
    for i, (material, quantity, unit, price) in enumerate(lines):
        data |= {
            f"rab-{i}-material": material,
            f"rab-{i}-quantity": quantity,
            f"rab-{i}-unit": unit,
            f"rab-{i}-unit_price": price,
        }
    if stay:
        data["stay"] = "1"
    return data


def png(name="lokasi.png", colour=(180, 120, 60), size=(64, 48)):
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def pdf(name="surat.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


# --- Start: step 1 from a Musrenbang entry ----------------------------------------------------


def test_the_first_step_shows_the_entry_and_saving_it_creates_the_draft(rt, world, entry):
    page = rt.get(reverse("flow:start", args=[entry.pk]))

    html = page.content.decode()
    assert page.status_code == 200
    assert "Langkah 1 dari 5: Kegiatan" in html
    assert 'value="Rabat beton Gang Mawar"' in html and 'value="120"' in html
    assert not Proposal.objects.exists()

    response = rt.post(
        reverse("flow:start", args=[entry.pk]), {**KEGIATAN, "work_type": world.work_type.pk}
    )

    proposal = Proposal.objects.get(entry=entry)
    assert response.status_code == 302
    assert response["Location"] == url("lokasi", proposal)
    assert proposal.state == State.DRAFT
    assert proposal.planned_width == Decimal("1.5")
    assert proposal.contribution_cash == 500_000
    assert proposal.location_description == "Gg. Mawar depan musala"
    assert proposal.created_by == world.users["rt_own"]
    assert AuditEvent.objects.filter(action="proposal_create").count() == 1
    assert bookmark(proposal) == ("lokasi", "lokasi")


def test_a_first_step_without_the_width_is_refused_and_creates_nothing(rt, world, entry):
    data = {**KEGIATAN, "work_type": world.work_type.pk, "planned_width": ""}

    response = rt.post(reverse("flow:start", args=[entry.pk]), data)

    assert response.status_code == 200
    assert "Jenis kegiatan ini memerlukan lebar (m)." in response.content.decode()
    assert not Proposal.objects.exists()


def test_an_entry_with_a_draft_resumes_it_and_one_already_submitted_shows_it(
    rt, world, entry, draft
):
    assert rt.get(reverse("flow:start", args=[entry.pk]))["Location"] == url("resume", draft)

    Proposal.objects.filter(pk=draft.pk).update(state=State.SUBMITTED)
    response = rt.get(reverse("flow:start", args=[entry.pk]))
    assert response["Location"] == reverse("proposals:detail", args=[draft.code])


@pytest.mark.parametrize("who", ["rt_other", "kelurahan_own", "kecamatan_own", "bappeda"])
def test_only_the_entrys_ketua_rt_starts_the_flow(client, world, entry, who):
    client.force_login(world.users[who])

    assert client.get(reverse("flow:start", args=[entry.pk])).status_code == 404
    data = {**KEGIATAN, "work_type": world.work_type.pk}
    assert client.post(reverse("flow:start", args=[entry.pk]), data).status_code == 404
    assert not Proposal.objects.exists()


def test_the_musrenbang_page_and_the_rt_home_lead_into_the_flow(rt, world, entry):
    musrenbang = rt.get(reverse("proposals:musrenbang")).content.decode()
    assert reverse("flow:start", args=[entry.pk]) in musrenbang

    rt.post(reverse("flow:start", args=[entry.pk]), {**KEGIATAN, "work_type": world.work_type.pk})
    proposal = Proposal.objects.get(entry=entry)

    home = rt.get(reverse("home")).content.decode()
    assert url("resume", proposal) in home
    assert "lanjutkan di langkah Lokasi" in home
    musrenbang = rt.get(reverse("proposals:musrenbang")).content.decode()
    assert url("resume", proposal) in musrenbang
    assert reverse("flow:start", args=[entry.pk]) not in musrenbang


# --- Steps, saving and resuming ---------------------------------------------------------------


def test_each_step_saves_a_draft_and_reopening_resumes_where_the_user_left_off(rt, world, draft):
    assert rt.get(url("resume", draft))["Location"] == url("kegiatan", draft)

    response = rt.post(url("kegiatan", draft), {**KEGIATAN, "work_type": world.work_type.pk})
    assert response["Location"] == url("lokasi", draft)
    response = rt.post(
        url("lokasi", draft),
        {"location_description": "Gg. Mawar", "latitude": "-1.6101", "longitude": "103.6131"},
    )
    assert response["Location"] == url("rab", draft)
    draft.refresh_from_db()
    assert (draft.latitude, draft.longitude) == (Decimal("-1.610100"), Decimal("103.613100"))

    # The tab is closed here; opening the proposal again lands on the RAB step.
    assert rt.get(url("resume", draft))["Location"] == url("rab", draft)
    # Going back to look changes nothing; saving an earlier step resumes after that step.
    rt.get(url("kegiatan", draft))
    assert bookmark(draft) == ("rab", "rab")
    rt.post(url("kegiatan", draft), {**KEGIATAN, "work_type": world.work_type.pk})
    assert bookmark(draft) == ("lokasi", "rab")
    step_bar = rt.get(url("lokasi", draft)).content.decode()
    assert url("rab", draft) in step_bar and url("dokumen", draft) not in step_bar


def test_a_point_outside_kota_jambi_is_refused_by_its_field(rt, draft):
    response = rt.post(
        url("lokasi", draft),
        {"location_description": "Gg. Mawar", "latitude": "-6.2", "longitude": "106.8"},
    )

    assert response.status_code == 200
    assert "Titik ini berada di luar Kota Jambi" in response.content.decode()
    draft.refresh_from_db()
    assert draft.latitude is None
    assert bookmark(draft) is None


def test_the_location_step_offers_the_phones_location_by_a_script_file(rt, draft):
    html = rt.get(url("lokasi", draft)).content.decode()

    assert "data-geo hidden" in html and "Pakai lokasi saya" in html
    assert "js/proposal-fields.js" in html
    assert "<script>" not in html


# --- RAB from the catalogue -------------------------------------------------------------------


def test_the_rab_step_offers_the_years_catalogue_with_reference_prices(rt, draft):
    html = rt.get(url("rab", draft)).content.decode()

    assert '<datalist id="rab-catalogue">' in html
    assert 'value="Semen Portland 50 kg" data-unit="sak" data-price="75000"' in html
    assert 'list="rab-catalogue"' in html
    assert "dari pagu Rp 70.000.000" in html  # 80 households


def test_a_catalogue_pick_takes_the_reference_price_and_a_free_line_is_marked(rt, draft):
    response = rt.post(
        url("rab", draft),
        rab_post(
            ("semen portland 50 KG", "100", "kg", ""),  # unit and price from the catalogue
            ("PC 50 kg", "5", "", "80.000"),  # another spelling, a price of its own
            ("Terpal plastik", "2", "lembar", "90.000"),
        ),
    )

    assert response["Location"] == url("dokumen", draft)
    lines = list(
        draft.rab_lines.values_list(
            "material", "unit", "quantity", "unit_price", "from_catalogue", "reference_price"
        )
    )
    assert lines == [
        ("Semen Portland 50 kg", "sak", Decimal("100"), 75_000, True, 75_000),
        ("Semen Portland 50 kg", "sak", Decimal("5"), 80_000, True, 75_000),
        ("Terpal plastik", "lembar", Decimal("2"), 90_000, False, None),
    ]
    assert Proposal.objects.with_rab_total().get(pk=draft.pk).rab_total == 8_080_000
    html = rt.get(url("rab", draft)).content.decode()
    assert html.count("Katalog · harga acuan Rp 75.000") == 2
    assert "Baris bebas (di luar katalog)" in html
    assert "Rp 8.080.000" in html


def test_a_free_line_still_needs_its_unit_and_price(rt, draft):
    response = rt.post(url("rab", draft), rab_post(("Terpal plastik", "2", "", "")))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Isi satuan" in html and "Isi harga satuan" in html
    assert not draft.rab_lines.exists()


def test_saving_the_rab_may_stay_on_the_step(rt, draft):
    response = rt.post(url("rab", draft), rab_post(("Pasir cor", "3", "", ""), stay=True))

    assert response["Location"] == url("rab", draft)
    assert bookmark(draft) == ("rab", "rab")


def test_a_template_fills_the_rab_scaled_to_the_planned_volume(rt, world, draft):
    bappeda = world.users["bappeda"]
    template = procurement_services.rab_template_create(
        fiscal_year=world.fiscal_year,
        work_type=world.work_type,
        name="Rabat beton tebal 10 cm",
        base_volume=Decimal("100"),
        base_width=Decimal("1.5"),
        lines=[
            procurement_services.TemplateLineInput(
                world.materials["Semen Portland 50 kg"], Decimal("98")
            ),
            procurement_services.TemplateLineInput(world.materials["Pasir cor"], Decimal("8.1")),
            procurement_services.TemplateLineInput(
                world.materials["Papan cor 2x20x400 cm"], Decimal("25"), scales_with_width=False
            ),
            procurement_services.TemplateLineInput(
                Material.objects.create(name="Paku 7 cm", unit="kg", category="besi"), Decimal("3")
            ),
        ],
        actor=bappeda,
    )
    page = rt.get(url("rab", draft)).content.decode()
    assert "Isi RAB dari templat" in page and "Rabat beton tebal 10 cm" in page

    response = rt.post(url("rab_template", draft), {"template": template.pk}, follow=True)

    # 120 m at 1,5 m: 1,2 times the template; formwork by length only.
    lines = list(
        draft.rab_lines.values_list("material", "quantity", "unit_price", "from_catalogue")
    )
    assert lines == [
        ("Semen Portland 50 kg", Decimal("118"), 75_000, True),
        ("Pasir cor", Decimal("9.72"), 260_000, True),
        ("Papan cor 2x20x400 cm", Decimal("30"), 48_000, True),
    ]
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == url("rab", draft)
    assert "Belum ada harga acuan tahun ini untuk: Paku 7 cm" in html
    assert "Ganti RAB dengan templat" in html


def test_a_rab_not_begun_opens_with_the_template_rows_unsaved(rt, world, draft):
    """One page load less on the phone: the first template's rows are already in the form,
    priced and scaled; nothing is kept until the Ketua RT saves the step."""
    procurement_services.rab_template_create(
        fiscal_year=world.fiscal_year,
        work_type=world.work_type,
        name="Rabat beton tebal 10 cm",
        base_volume=Decimal("100"),
        base_width=Decimal("1.5"),
        lines=[
            procurement_services.TemplateLineInput(
                world.materials["Semen Portland 50 kg"], Decimal("98")
            ),
            procurement_services.TemplateLineInput(world.materials["Pasir cor"], Decimal("8.1")),
        ],
        actor=world.users["bappeda"],
    )

    html = rt.get(url("rab", draft)).content.decode()

    assert "diisi dari templat “Rabat beton tebal 10 cm”" in html
    assert 'value="Semen Portland 50 kg"' in html and 'value="Pasir cor"' in html
    # 118 sak × 75.000 + 9,72 m³ × 260.000
    assert "Rp 11.377.200" in html
    assert not draft.rab_lines.exists()


def test_a_template_of_another_work_type_or_year_is_refused(rt, world, draft):
    other_year = factories.FiscalYearFactory(year=world.fiscal_year.year + 1)
    template = procurement_services.rab_template_create(
        fiscal_year=other_year,
        work_type=world.work_type,
        name="Rabat tahun depan",
        base_volume=Decimal("100"),
        base_width=Decimal("1.5"),
        lines=[procurement_services.TemplateLineInput(world.materials["Pasir cor"], Decimal("8"))],
        actor=world.users["bappeda"],
    )

    response = rt.post(url("rab_template", draft), {"template": template.pk})

    assert response["Location"] == url("rab", draft)
    assert not draft.rab_lines.exists()


# --- Documents inside the flow ----------------------------------------------------------------


def test_every_document_is_uploaded_in_one_sending_through_the_attachment_service(rt, draft):
    html = rt.get(url("dokumen", draft)).content.decode()
    assert html.count("data-photo-upload") == 4  # three required documents and "other"
    assert 'name="files_site_photo"' in html and 'form="dokumen-form"' in html

    response = rt.post(
        url("dokumen", draft),
        {
            "files_proposal_letter": [pdf()],
            "files_site_photo": [png("a.png"), png("b.png", (1, 2, 3))],
            "files_attendance": [pdf("hadir.pdf")],
        },
    )

    assert response["Location"] == url("periksa", draft)
    kinds = sorted(draft.attachments.values_list("kind", flat=True))
    assert kinds == ["attendance", "proposal_letter", "site_photo", "site_photo"]
    assert AuditEvent.objects.filter(action="attachment_add").count() == 4


def test_one_bad_file_keeps_none_of_the_sending(rt, draft, media_files):
    response = rt.post(
        url("dokumen", draft),
        {
            "files_proposal_letter": [pdf()],
            "files_site_photo": [SimpleUploadedFile("foto.png", PDF, content_type="image/png")],
        },
        follow=True,
    )

    html = response.content.decode()
    assert "Foto lokasi 0%" in html and "Tidak ada berkas yang disimpan." in html
    assert not Attachment.objects.exists()
    assert media_files() == set()


def test_the_upload_script_sends_one_file_at_a_time_and_gets_json(rt, draft):
    """photo-upload.js posts each file of the documents step on its own (progress, retry)."""
    sent = {
        "files_site_photo": png("a.png", size=(2000, 1500)),
        "client_token": "tok-flow",
        "client_taken_at": "2026:05:17 08:30:12",
        "client_latitude": "-1.61",
        "client_longitude": "103.61",
        "stay": "1",
    }

    with copies_made():  # the copies task the upload's commit enqueues
        response = rt.post(url("dokumen", draft), sent, headers={"accept": "application/json"})
    repeat = rt.post(
        url("dokumen", draft),
        {**sent, "files_site_photo": png("a.png", size=(2000, 1500))},
        headers={"accept": "application/json"},
    )

    assert response.status_code == 201 and repeat.status_code == 201
    attachment = draft.attachments.get()  # the retry after a lost answer is kept once
    assert repeat.json()["id"] == attachment.pk
    assert response.json()["thumbnail"].endswith(f"/lampiran/{attachment.pk}/kecil.jpg")
    assert attachment.has_copies and attachment.width == 1600
    assert attachment.metadata_source == "client"
    assert str(attachment.latitude) == "-1.610000"


def test_the_upload_script_hears_why_a_file_is_refused(rt, draft):
    bad = SimpleUploadedFile("foto.png", PDF, content_type="image/png")
    two = rt.post(
        url("dokumen", draft),
        {"files_site_photo": [png("a.png"), png("b.png", (1, 2, 3))]},
        headers={"accept": "application/json"},
    )
    refused = rt.post(
        url("dokumen", draft), {"files_site_photo": bad}, headers={"accept": "application/json"}
    )

    assert two.status_code == 400 and "satu berkas" in two.json()["error"]
    assert refused.status_code == 400 and "gambar" in refused.json()["error"]
    assert not draft.attachments.exists()


def test_a_document_is_removed_inside_the_flow(rt, world, draft):
    attachment = add_attachment(draft, "proposal_letter", world.users["rt_own"])

    response = rt.post(url("dokumen_remove", draft, pk=attachment.pk))

    assert response["Location"] == url("dokumen", draft)
    assert not Attachment.objects.exists()


# --- Review and submission --------------------------------------------------------------------


def test_the_review_lists_what_is_missing_with_links_back_and_the_button_disabled(rt, draft):
    html = rt.get(url("periksa", draft)).content.decode()

    assert "Yang masih kurang" in html
    assert "Titik lokasi (lintang dan bujur) belum diisi." in html
    assert "RAB belum diisi." in html
    assert "Dokumen belum lengkap: Foto lokasi 0% (minimal 2, ada 0)" in html
    assert f'href="{url("lokasi", draft)}">Lengkapi di langkah Lokasi' in html
    assert f'href="{url("rab", draft)}">Lengkapi di langkah RAB' in html
    assert f'href="{url("dokumen", draft)}">Lengkapi di langkah Dokumen' in html
    assert 'disabled aria-disabled="true"' in html


def test_a_rab_over_the_ceiling_is_missing_with_a_link_to_the_rab(rt, world, draft):
    add_rab_lines(draft, [("Semen Portland 50 kg", "sak", Decimal("1000"), 75_000)])

    html = rt.get(url("periksa", draft)).content.decode()

    assert "Total RAB Rp 75.000.000 melebihi pagu Rp 70.000.000." in html


def test_submitting_with_something_missing_is_refused(rt, draft):
    response = rt.post(url("periksa", draft), {"expected_state": "draft"})

    assert response["Location"] == url("periksa", draft)
    draft.refresh_from_db()
    assert draft.state == State.DRAFT


def complete(proposal, world):
    Proposal.objects.filter(pk=proposal.pk).update(
        latitude=Decimal("-1.6101"), longitude=Decimal("103.6131")
    )
    add_rab_lines(proposal, [("Semen Portland 50 kg", "sak", Decimal("100"), 75_000)])
    for kind, count in COMPLETE_DOCUMENTS.items():
        for _ in range(count):
            add_attachment(proposal, kind, world.users["rt_own"])


def test_a_complete_draft_is_submitted_from_the_review_and_shown_on_its_page(rt, world, draft):
    complete(draft, world)
    html = rt.get(url("periksa", draft)).content.decode()
    assert "Semua syarat terpenuhi" in html and "disabled" not in html.split('id="ajukan"')[1]
    # The review is the submission's confirmation step: it says what will happen.
    ajukan = html.split('id="ajukan"')[1]
    assert "Yang akan terjadi" in ajukan and "tidak dapat diubah lagi" in ajukan
    assert draft.code in ajukan

    response = rt.post(url("periksa", draft), {"expected_state": "draft"})

    assert response["Location"] == reverse("proposals:detail", args=[draft.code])
    draft.refresh_from_db()
    assert draft.state == State.SUBMITTED
    assert draft.transitions.filter(transition="submit").count() == 1
    # A submitted proposal is no longer the flow's: its steps lead to its page.
    assert rt.get(url("rab", draft))["Location"] == reverse("proposals:detail", args=[draft.code])


def test_a_review_seen_before_someone_else_moved_the_proposal_submits_nothing(rt, world, draft):
    complete(draft, world)

    response = rt.post(url("periksa", draft), {"expected_state": "submitted"})

    assert response["Location"] == url("periksa", draft)
    draft.refresh_from_db()
    assert draft.state == State.DRAFT


def test_a_returned_proposal_shows_the_reason_on_the_review(rt, world, draft):
    from proposals import services

    complete(draft, world)
    draft = services.proposal_transition(
        proposal=draft, actor=world.users["rt_own"], action="submit"
    )
    services.proposal_transition(
        proposal=draft,
        actor=world.users["kelurahan_own"],
        action="return_for_revision",
        note="Foto lokasi kurang jelas, mohon diganti.",
    )

    html = rt.get(url("periksa", draft)).content.decode()

    assert "Dikembalikan untuk perbaikan" in html
    assert "Foto lokasi kurang jelas, mohon diganti." in html


# --- Who may use it ----------------------------------------------------------------------------

STEPS_GET = ["resume", "kegiatan", "lokasi", "rab", "dokumen", "periksa"]
STEPS_POST = ["kegiatan", "lokasi", "rab", "rab_template", "dokumen", "periksa"]


@pytest.mark.parametrize(
    "who",
    ["rt_other", "kelurahan_own", "kecamatan_own", "kelurahan_other", "bappeda", "inspektorat"],
)
def test_only_the_ketua_rt_of_the_proposal_opens_its_flow(client, world, draft, who):
    attachment = add_attachment(draft, "proposal_letter", world.users["rt_own"])
    client.force_login(world.users[who])
    before = (Proposal.objects.filter(pk=draft.pk).values().get(), draft.rab_lines.count())

    for name in STEPS_GET:
        assert client.get(url(name, draft)).status_code == 404, name
    for name in STEPS_POST:
        assert client.post(url(name, draft), {"title": "X"}).status_code == 404, name
    assert client.post(url("dokumen_remove", draft, pk=attachment.pk)).status_code == 404

    assert (Proposal.objects.filter(pk=draft.pk).values().get(), draft.rab_lines.count()) == before
    assert Attachment.objects.count() == 1
    assert ProposalFlow.objects.count() == 0


def test_signed_out_the_flow_asks_for_a_sign_in(client, draft):
    response = client.get(url("kegiatan", draft))

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_attachment_of_another_proposal_is_not_found(rt, world, draft, entry):
    from tests.proposals.conftest import add_attachment as attach

    other = Proposal.objects.create(
        fiscal_year=world.fiscal_year,
        rt=world.rt_other,
        kelurahan=world.kelurahan,
        title="Drainase",
        work_type=world.work_type,
        location_description="Gang Melati",
        planned_volume=Decimal("10"),
        planned_width=Decimal("1"),
    )
    foreign = attach(other, "proposal_letter", world.users["rt_other"])

    assert rt.post(url("dokumen_remove", draft, pk=foreign.pk)).status_code == 404
    assert Attachment.objects.filter(pk=foreign.pk).exists()


# --- Query counts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, limit",
    [
        # + 1 on every page: the menu's to-do counts (portal.todo)
        ("kegiatan", 14 + 1),
        ("lokasi", 13 + 1),
        ("rab", 15 + 1),
        ("dokumen", 13 + 1),
        ("periksa", 15 + 1),
        ("resume", 10),
    ],
)
def test_each_step_reads_a_bounded_number_of_queries(
    rt, world, draft, name, limit, django_assert_max_num_queries
):
    complete(draft, world)
    rt.get(url(name, draft))  # warm the session and content types

    with django_assert_max_num_queries(limit):
        assert rt.get(url(name, draft)).status_code == (302 if name == "resume" else 200)


def test_the_rab_step_does_not_read_more_with_more_lines(
    rt, world, draft, django_assert_num_queries
):
    add_rab_lines(draft, [("Pasir cor", "m³", Decimal("1"), 260_000)])
    rt.get(url("rab", draft))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        rt.get(url("rab", draft))
    add_rab_lines(draft, [(f"Baris {i}", "buah", Decimal("1"), 1_000) for i in range(20)])
    with django_assert_num_queries(len(one.captured_queries)):
        rt.get(url("rab", draft))


def test_the_start_page_reads_a_bounded_number_of_queries(rt, entry, django_assert_max_num_queries):
    rt.get(reverse("flow:start", args=[entry.pk]))

    with django_assert_max_num_queries(10):
        assert rt.get(reverse("flow:start", args=[entry.pk])).status_code == 200
