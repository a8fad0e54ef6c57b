"""The proposals admin: the Musrenbang import for Bappeda, read-only records for the Inspektorat."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bangkit.models import RT, AuditEvent, Kecamatan, Kelurahan, Role
from proposals import services
from proposals.models import CitizenSupport, MusrenbangEntry, TransitionLog
from tests.factories import make_user
from tests.spreadsheets import PAYLOADS, cell_types, csv_fields, xlsx_rows

IMPORT_URL = "admin:proposals_musrenbangentry_import"
PROCESS_URL = "admin:proposals_musrenbangentry_process_import"
CHANGELIST_URL = "admin:proposals_musrenbangentry_changelist"
HEADER = ["ID Usulan", "Kecamatan", "Kelurahan", "RT", "Usulan", "Permasalahan"]
HEADER += ["Jenis Kegiatan", "Lokasi", "Volume", "Satuan", "Perkiraan Biaya (Rp)"]


def line(source_id, kelurahan="Thehok", kecamatan="Jambi Selatan", cost="Rp 25.000.000"):
    title = f"Rabat beton gang Melati {source_id}"
    return [source_id, kecamatan, kelurahan, "RT 03", title, "Becek saat hujan", "Rabat beton"] + [
        "Gang Melati",
        "120,5",
        "m",
        cost,
    ]


def csv_upload(*lines, name="usulan.csv"):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerows([HEADER, *lines])
    return SimpleUploadedFile(name, buffer.getvalue().encode("utf-8-sig"), "text/csv")


def xlsx_upload(*lines, name="usulan.xlsx"):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for values in lines:
        sheet.append([*values[:3], 3.0, *values[4:8], 120.5, "m", 25000000.0])
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), "application/octet-stream")


@pytest.fixture
def bappeda(regions, client):
    user = make_user(Role.BAPPEDA, username="bappeda")
    client.force_login(user)
    return user


@pytest.fixture
def inspektorat_user(db):
    return make_user(Role.INSPEKTORAT, username="auditor")


def preview(client, upload, *, fmt="0", year=2026, skip_invalid=False, create_rts=False):
    data = {"resource": "0", "format": fmt, "year": year, "import_file": upload}
    if skip_invalid:
        data["skip_invalid"] = "on"
    if create_rts:
        data["create_rts"] = "on"
    return client.post(reverse(IMPORT_URL), data)


def confirm(client, response):
    form = response.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    return client.post(reverse(PROCESS_URL), data)


# --- The import ----------------------------------------------------------------------------


def test_import_page_asks_for_the_year(bappeda, client):
    response = client.get(reverse(IMPORT_URL))

    assert response.status_code == 200
    form = response.context["form"]
    assert "year" in form.fields and "skip_invalid" in form.fields
    assert form.fields["create_rts"].label == "Daftarkan RT yang belum ada"
    assert not form.initial.get("create_rts")  # unknown RTs are refused unless asked
    assert form.initial["year"] >= 2026
    page = response.content.decode()
    assert "id_usulan" in page and "perkiraan_biaya" in page
    assert 'name="create_rts"' in page


def test_bappeda_uploads_previews_and_confirms(bappeda, client):
    response = preview(client, csv_upload(line("U-1"), line("U-2"), line("U-3")), create_rts=True)

    assert response.status_code == 200
    assert response.context["confirm_form"] is not None
    page = response.content.decode()
    assert "3 baru, 0 diperbarui, 0 tetap, 0 tidak sah, 1 RT baru" in page
    assert "Rabat beton gang Melati U-2" in page
    assert not MusrenbangEntry.objects.exists()  # a preview saves nothing

    done = confirm(client, response)

    assert done.status_code == 302
    assert done.url == reverse(CHANGELIST_URL)
    assert set(MusrenbangEntry.objects.values_list("source_id", flat=True)) == {"U-1", "U-2", "U-3"}
    entry = MusrenbangEntry.objects.get(source_id="U-1")
    assert entry.year == 2026 and entry.estimated_cost == 25_000_000
    event = AuditEvent.objects.get(action="musrenbang_import")
    assert event.actor == bappeda and event.data["new"] == 3
    assert {r.history_user for r in MusrenbangEntry.history.all()} == {bappeda}
    messages = [str(m) for m in done.wsgi_request._messages]
    assert messages == [
        "Impor Musrenbang 2026 dari usulan.csv selesai: "
        "3 baru, 0 diperbarui, 0 tetap, 0 tidak sah, 1 RT baru."
    ]


def test_second_upload_shows_the_changed_row_only(bappeda, client):
    confirm(client, preview(client, csv_upload(line("U-1"), line("U-2")), create_rts=True))

    response = preview(client, csv_upload(line("U-1"), line("U-2", cost="30.000.000")))

    page = response.content.decode()
    assert "0 baru, 1 diperbarui, 1 tetap, 0 tidak sah, 0 RT baru" in page
    assert [row.diff[1] for row in response.context["result"].preview_rows] == ["U-2"]
    confirm(client, response)
    assert MusrenbangEntry.objects.get(source_id="U-2").estimated_cost == 30_000_000


def test_xlsx_upload_goes_through_the_same_checks(bappeda, client):
    response = preview(client, xlsx_upload(line("17"), line("18")), fmt="1", create_rts=True)

    assert response.context["confirm_form"] is not None
    confirm(client, response)
    assert MusrenbangEntry.objects.get(source_id="17").rt.number == 3


def test_unknown_rts_are_refused_unless_the_form_asks_to_register_them(bappeda, client):
    refused = preview(client, csv_upload(line("U-1")))

    assert "confirm_form" not in refused.context
    page = refused.content.decode()
    assert (
        "Baris 2, kolom RT: RT 03 tidak ada di Kelurahan Thehok (belum ada RT terdaftar di "
        "kelurahan ini)."
    ) in page
    assert "centang <em>Daftarkan RT yang belum ada</em>" in page

    response = preview(client, csv_upload(line("U-1")), create_rts=True)
    assert "1 RT baru akan didaftarkan tanpa jumlah KK" in response.content.decode()
    assert not RT.objects.exists()  # the preview saves nothing
    confirm(client, response)

    rt = RT.objects.get()
    assert (rt.kelurahan.name, rt.number, rt.households) == ("Thehok", 3, None)
    assert MusrenbangEntry.objects.get().rt == rt


def test_invalid_file_shows_every_error_and_cannot_be_confirmed(bappeda, client):
    upload = csv_upload(
        line("U-1"), line("U-2", kelurahan="Talang Bakun", kecamatan="Paal Merah"), line("U-3")
    )

    response = preview(client, upload, create_rts=True)

    assert response.status_code == 200
    assert "confirm_form" not in response.context
    page = response.content.decode()
    assert "Berkas ditolak: tidak ada yang diimpor" in page
    assert (
        "Baris 3, kolom Kelurahan: &#x27;Talang Bakun&#x27; tidak dikenal. "
        "Mungkin maksudnya: Talang Bakung (Paal Merah)?"
    ) in page
    assert not MusrenbangEntry.objects.exists()


def test_skip_invalid_can_be_confirmed_and_warns(bappeda, client):
    upload = csv_upload(line("U-1"), line("U-2", kelurahan="Atlantis"))

    response = preview(client, upload, skip_invalid=True, create_rts=True)
    assert response.context["confirm_form"] is not None
    assert "1 baris tidak sah akan dilewati" in response.content.decode()
    done = confirm(client, response)

    assert list(MusrenbangEntry.objects.values_list("source_id", flat=True)) == ["U-1"]
    messages = [str(m) for m in done.wsgi_request._messages]
    assert messages[1].startswith("1 baris tidak sah dilewati: Baris 3, kolom Kelurahan:")


def test_confirm_checks_the_file_again(bappeda, client, settings):
    response = preview(client, csv_upload(line("U-1"), line("U-2")), create_rts=True)
    stored = response.context["confirm_form"].initial["import_file_name"]
    # The stored upload changes between preview and confirm (or the regions do): re-checked.
    bad = csv_upload(line("U-1"), line("U-2", kelurahan="Atlantis")).read()
    (settings.MEDIA_ROOT / "django-import-export" / stored).write_bytes(bad)

    done = confirm(client, response)

    assert done.status_code == 302
    assert not MusrenbangEntry.objects.exists()
    messages = [str(m) for m in done.wsgi_request._messages]
    assert messages[0].startswith("Baris 3, kolom Kelurahan: 'Atlantis' tidak dikenal")
    assert messages[-1] == "Impor dibatalkan: tidak ada yang disimpan."


def test_bappeda_edits_an_entry_and_the_edit_is_audited(bappeda, client):
    confirm(client, preview(client, csv_upload(line("U-1")), create_rts=True))
    entry = MusrenbangEntry.objects.get()
    other_rt = RT.objects.create(kelurahan=Kelurahan.objects.get(name="Pasir Putih"), number=1)
    url = reverse("admin:proposals_musrenbangentry_change", args=[entry.pk])
    data = {
        "year": 2026,
        "source_id": "U-1",
        "kelurahan": entry.kelurahan_id,
        "rt": other_rt.pk,
        "title": "Rabat beton gang Kenanga",
        "work_type_text": "Rabat beton",
        "volume": "120.5",
        "estimated_cost": "25000000",
    }

    refused = client.post(url, data)
    data["rt"] = entry.rt_id
    saved = client.post(url, data)

    assert refused.status_code == 200
    assert "RT tidak berada di kelurahan ini." in refused.content.decode()
    assert saved.status_code == 302
    entry.refresh_from_db()
    assert entry.title == "Rabat beton gang Kenanga"
    event = AuditEvent.objects.get(action="musrenbang_admin_edit")
    assert event.actor == bappeda and "title" in event.data["fields"]


def test_missing_columns_are_named_in_the_admin(bappeda, client):
    upload = SimpleUploadedFile("x.csv", b"ID Usulan;Usulan\nU-1;Rabat beton\n", "text/csv")

    response = preview(client, upload)

    assert (
        "Kolom wajib tidak ada: Kecamatan, Kelurahan, RT, Permasalahan, Jenis Kegiatan, "
        "Lokasi, Volume, Satuan."
    ) in response.content.decode()


def test_inspektorat_may_not_import(regions, client, inspektorat_user):
    client.force_login(inspektorat_user)

    assert client.get(reverse(IMPORT_URL)).status_code == 403
    assert preview(client, csv_upload(line("U-1"))).status_code == 403
    assert client.post(reverse(PROCESS_URL), {"year": 2026}).status_code == 403
    changelist = client.get(reverse(CHANGELIST_URL))
    assert changelist.status_code == 200
    assert reverse(IMPORT_URL) not in changelist.content.decode()
    assert not MusrenbangEntry.objects.exists()


@pytest.mark.parametrize("role", [Role.KECAMATAN, Role.KELURAHAN])
def test_area_staff_may_not_import(regions, client, role):
    kelurahan = Kelurahan.objects.get(name="Thehok")
    area = kelurahan.kecamatan if role == Role.KECAMATAN else kelurahan
    client.force_login(make_user(role, area, is_staff=True))

    assert client.get(reverse(IMPORT_URL)).status_code == 403


def test_export_reimports_unchanged(bappeda, client):
    confirm(client, preview(client, csv_upload(line("U-1"), line("U-2")), create_rts=True))

    exported = client.post(
        reverse("admin:proposals_musrenbangentry_export"),
        {"format": "0", "resource": "0", "export_items": []}
        | {f"musrenbangentryresource_{name}": "on" for name in _resource_fields()},
    )

    assert exported.status_code == 200
    content = exported.content
    header = next(csv.reader(io.StringIO(content.decode("utf-8"))))
    assert header[:5] == ["id_usulan", "kecamatan", "kelurahan", "rt", "usulan"]
    again = preview(client, SimpleUploadedFile("ekspor.csv", content, "text/csv"))
    assert "0 baru, 0 diperbarui, 2 tetap" in again.content.decode()


def _resource_fields():
    from proposals.resources import MusrenbangEntryResource

    return MusrenbangEntryResource().get_export_order()


def export(client, fmt):
    """The admin's export of every Musrenbang entry: format 0 is CSV, 1 is XLSX."""
    response = client.post(
        reverse("admin:proposals_musrenbangentry_export"),
        {"format": fmt, "resource": "0", "export_items": []}
        | {f"musrenbangentryresource_{name}": "on" for name in _resource_fields()},
    )
    assert response.status_code == 200
    return response.content


# Every text column of the export, with the formula an import or an edit put there.
HOSTILE_ENTRY = {
    "id_usulan": "=1+1",
    "kecamatan": PAYLOADS["\t"],
    "kelurahan": PAYLOADS["\r"],
    "usulan": PAYLOADS["="],
    "permasalahan": "=cmd|' /C calc'!A0",
    "jenis_kegiatan": PAYLOADS["@"],
    "lokasi": PAYLOADS["-"],
    "satuan": "+m",
    "pengusul": PAYLOADS["+"],
}


@pytest.fixture
def hostile_entry(bappeda, client):
    """An imported Musrenbang entry whose texts are formulas; its region renamed to formulas."""
    h = HOSTILE_ENTRY
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerows(
        [
            [*HEADER, "Pengusul"],
            [h["id_usulan"], "Jambi Selatan", "Thehok", "RT 03", h["usulan"], h["permasalahan"]]
            + [h["jenis_kegiatan"], h["lokasi"], "120,5", h["satuan"], "Rp 25.000.000"]
            + [h["pengusul"]],
        ]
    )
    upload = SimpleUploadedFile("usulan.csv", buffer.getvalue().encode("utf-8"), "text/csv")
    confirm(client, preview(client, upload, create_rts=True))
    entry = MusrenbangEntry.objects.select_related("kelurahan__kecamatan").get()
    assert entry.problem == h["permasalahan"] and entry.work_type_text == h["jenis_kegiatan"]
    Kecamatan.objects.filter(pk=entry.kelurahan.kecamatan_id).update(name=h["kecamatan"])
    Kelurahan.objects.filter(pk=entry.kelurahan_id).update(name=h["kelurahan"])
    return entry


NUMBERS = {"rt": 3, "volume": 120.5, "perkiraan_biaya": 25_000_000, "tahun": 2026}


def test_csv_export_escapes_every_text_and_keeps_numbers(client, hostile_entry):
    text = export(client, "0").decode("utf-8")

    header, row = csv_fields(text)
    exported = dict(zip(header, row, strict=True))
    for column, payload in HOSTILE_ENTRY.items():
        assert exported[column] == "'" + payload, column
    assert [exported[c] for c in NUMBERS] == ["3", "120.50", "25000000", "2026"]
    assert ',3,"' in text and ',120.50,"' in text and ",25000000," in text  # bare numbers


def test_xlsx_export_escapes_every_text_and_keeps_numbers(client, hostile_entry):
    data = export(client, "1")

    header, row = xlsx_rows(data)  # no formula cell, no unescaped text
    exported = dict(zip(header, row, strict=True))
    for column, payload in HOSTILE_ENTRY.items():
        assert exported[column] == "'" + payload.replace("\r", "\n"), column
    assert {c: exported[c] for c in NUMBERS} == NUMBERS
    types = dict(zip(header, cell_types(data)[1], strict=True))
    assert {types[c] for c in NUMBERS} == {"n"}


# --- Lists ---------------------------------------------------------------------------------


def _entries(count, start=0):
    from tests.factories import RTFactory

    kelurahan = Kelurahan.objects.get(name="Thehok")
    entries = []
    for n in range(start, start + count):
        rt = RTFactory(kelurahan=kelurahan, number=n + 1)
        entry = MusrenbangEntry.objects.create(
            year=2026,
            source_id=f"U-{n}",
            kelurahan=kelurahan,
            rt=rt,
            title=f"Rabat beton {n}",
            work_type_text="Lampu jalan",
            estimated_cost=20_000_000 + n,
        )
        for k in range(n % 3):
            CitizenSupport.objects.create(entry=entry, nik_hash=f"{n}-{k}", nik_last4=f"{k:04d}")
        entries.append(entry)
    return entries


def test_entry_list_query_count_does_not_grow_with_rows(bappeda, client):
    _entries(3)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse(CHANGELIST_URL)).status_code == 200
    _entries(40, start=3)

    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse(CHANGELIST_URL))

    assert len(many) == len(few)
    assert response.context["cl"].result_count == 43


def test_entry_list_query_count_is_pinned(bappeda, client, django_assert_max_num_queries):
    _entries(25)

    # Session, user, 2 filter choices, 1 count, 2 permission lookups, the page, the years
    # (from the fiscal years, not SELECT DISTINCT over the entries).
    with django_assert_max_num_queries(9) as queries:
        response = client.get(reverse(CHANGELIST_URL))

    # The supports are counted per shown row (a correlated subquery), not by joining and
    # grouping the whole table before the LIMIT.
    page_query = next(q["sql"] for q in queries.captured_queries if "LIMIT" in q["sql"])
    assert 'JOIN "proposals_citizensupport"' not in page_query
    assert "DISTINCT" not in " ".join(q["sql"] for q in queries.captured_queries)

    page = response.content.decode()
    assert "Rp 20.000.024" in page
    assert "Lampu jalan (?)" in page
    supports = {e.source_id: e.support_count for e in response.context["cl"].result_list}
    assert supports["U-5"] == 2 and supports["U-3"] == 0


def test_lurah_sees_only_entries_of_the_own_kelurahan(regions, client):
    _entries(2)
    other = Kelurahan.objects.get(name="Pasir Putih")
    MusrenbangEntry.objects.create(year=2026, source_id="X-1", kelurahan=other, title="Drainase")
    lurah = make_user(Role.KELURAHAN, other, is_staff=True)
    client.force_login(lurah)

    response = client.get(reverse(CHANGELIST_URL))

    assert [e.source_id for e in response.context["cl"].result_list] == ["X-1"]
    hidden = MusrenbangEntry.objects.get(source_id="U-0")
    url = reverse("admin:proposals_musrenbangentry_change", args=[hidden.pk])
    assert client.get(url).status_code in (302, 404)
    history = reverse("admin:proposals_musrenbangentry_history", args=[hidden.pk])
    assert client.get(history).status_code == 404


# --- Proposals, logs and supports -----------------------------------------------------------


@pytest.fixture
def proposal(make_proposal, world):
    # Submitted by the Ketua RT with a note, through the service: it logs the step.
    return services.proposal_transition(
        proposal=make_proposal("draft"),
        actor=world.users["rt_own"],
        action="submit",
        note="Mohon diverifikasi",
    )


def test_proposal_list_shows_the_rab_total(proposal, world, client, django_assert_max_num_queries):
    client.force_login(world.users["inspektorat"])

    with django_assert_max_num_queries(9) as queries:
        response = client.get(reverse("admin:proposals_proposal_changelist"))
    page_query = next(q["sql"] for q in queries.captured_queries if "LIMIT" in q["sql"])
    assert 'JOIN "proposals_rabline"' not in page_query  # summed per row, not grouped
    assert '"boundary"' not in page_query  # the kelurahan's name, not its polygon

    assert response.status_code == 200
    page = response.content.decode()
    assert proposal.code in page
    assert "Rp 10.000.000" in page


def test_inspektorat_reads_proposal_with_inlines_and_history(proposal, world, client):
    client.force_login(world.users["inspektorat"])

    change = client.get(reverse("admin:proposals_proposal_change", args=[proposal.pk]))
    history = client.get(reverse("admin:proposals_proposal_history", args=[proposal.pk]))

    assert change.status_code == 200
    assert change.context["has_change_permission"] is False
    page = change.content.decode()
    assert 'name="_save"' not in page
    assert "Semen 50 kg" in page and "Mohon diverifikasi" in page
    assert history.status_code == 200
    post = client.post(reverse("admin:proposals_proposal_change", args=[proposal.pk]), {})
    assert post.status_code == 403


def test_state_is_never_editable_in_the_admin(proposal, client):
    admin_user = make_user(Role.ADMIN, username="admin-uji")
    client.force_login(admin_user)

    response = client.get(reverse("admin:proposals_proposal_change", args=[proposal.pk]))

    form = response.context["adminform"].form
    assert "state" not in form.fields
    assert "title" in form.fields
    assert "designated_budget" not in form.fields
    assert client.get(reverse("admin:proposals_proposal_add")).status_code == 403


def _change_form_data(page) -> dict:
    """What the admin's change form would send back unchanged: its fields and the inlines'
    management forms."""
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data |= {
            f"{management.prefix}-{name}": management[name].value() for name in management.fields
        }
    return data


@pytest.fixture
def superuser(db):
    return make_user(Role.ADMIN, username="root-uji", is_superuser=True)


def test_before_designation_the_administrator_may_correct_the_volume(
    make_proposal, client, superuser
):
    proposal = make_proposal("kecamatan_verified", planned_volume=Decimal("68"))
    client.force_login(superuser)
    url = reverse("admin:proposals_proposal_change", args=[proposal.pk])

    data = _change_form_data(client.get(url)) | {"planned_volume": "999"}
    response = client.post(url, data)

    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.planned_volume == 999
    assert AuditEvent.objects.get(action="proposal_admin_edit").data == {
        "fields": ["planned_volume"]
    }


# Cancelled after designation: still what the SK decided (its designated budget stays).
@pytest.mark.parametrize(
    "state", ["designated", "procurement", "in_progress", "completed", "cancelled"]
)
def test_a_designated_site_cannot_be_changed_in_the_admin_even_by_a_superuser(
    make_proposal, client, superuser, state
):
    proposal = make_proposal(state, planned_volume=Decimal("68"), designated_budget=10_000_000)
    client.force_login(superuser)
    url = reverse("admin:proposals_proposal_change", args=[proposal.pk])
    history_rows = proposal.history.count()

    page = client.get(url)
    html = page.content.decode()
    data = _change_form_data(page) | {
        "planned_volume": "999",
        "planned_width": "9",
        "location_description": "Gang lain sama sekali",
        "designated_budget": "99000000",
        "households_benefiting": "999",
        "contribution_cash": "1",
    }
    response = client.post(url, data)

    assert page.status_code == 200
    form = page.context["adminform"].form
    for name in ("planned_volume", "planned_width", "location_description", "work_type"):
        assert name not in form.fields
        assert f'name="{name}"' not in html
    assert "68" in html and "sudah ditetapkan dalam SK Camat" in html
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.planned_volume == 68
    assert proposal.planned_width == Decimal("1.50")
    assert proposal.location_description == "Gang Kenanga, dari masjid sampai ujung"
    assert proposal.designated_budget == 10_000_000
    assert proposal.households_benefiting == 40 and proposal.contribution_cash == 0
    assert proposal.history.count() == history_rows  # not even an empty save
    assert not AuditEvent.objects.filter(action="proposal_admin_edit").exists()


def test_the_title_of_a_designated_site_stays_correctable(make_proposal, client, superuser):
    proposal = make_proposal("designated", designated_budget=10_000_000)
    client.force_login(superuser)
    url = reverse("admin:proposals_proposal_change", args=[proposal.pk])

    data = _change_form_data(client.get(url)) | {"title": "Rabat beton gang Kenanga II"}
    client.post(url, data)

    proposal.refresh_from_db()
    assert proposal.title == "Rabat beton gang Kenanga II"
    assert AuditEvent.objects.get(action="proposal_admin_edit").data == {"fields": ["title"]}


def test_proposal_outside_the_area_is_not_found(proposal, world, client):
    world.users["kelurahan_other"].is_staff = True
    world.users["kelurahan_other"].save()
    client.force_login(world.users["kelurahan_other"])

    change = client.get(reverse("admin:proposals_proposal_change", args=[proposal.pk]))
    history = client.get(reverse("admin:proposals_proposal_history", args=[proposal.pk]))

    assert change.status_code in (302, 404)
    assert history.status_code == 404


def test_transition_logs_are_read_only(proposal, world, client):
    client.force_login(world.users["bappeda"])
    log = TransitionLog.objects.get(transition="submit")

    changelist = client.get(reverse("admin:proposals_transitionlog_changelist"))
    change = client.get(reverse("admin:proposals_transitionlog_change", args=[log.pk]))

    assert changelist.status_code == 200 and proposal.code in changelist.content.decode()
    assert change.context["has_change_permission"] is False
    delete = reverse("admin:proposals_transitionlog_delete", args=[log.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403


def test_citizen_supports_show_only_the_last_four_nik_digits(make_entry, world, client):
    entry = make_entry()
    support = CitizenSupport.objects.create(entry=entry, nik_hash="f" * 64, nik_last4="4321")
    client.force_login(world.users["inspektorat"])

    changelist = client.get(reverse("admin:proposals_citizensupport_changelist"))
    change = client.get(reverse("admin:proposals_citizensupport_change", args=[support.pk]))

    for response in (changelist, change):
        page = response.content.decode()
        assert response.status_code == 200
        assert "************4321" in page
        assert "f" * 64 not in page
    assert change.context["has_change_permission"] is False


def test_residents_usulan_are_read_only_in_the_admin_without_nik_or_email(client, regions):
    from proposals import resident_usulan
    from tests import factories

    factories.FiscalYearFactory()
    kelurahan = Kelurahan.objects.get(name="Simpang IV Sipin")
    usulan = resident_usulan.usulan_submit(
        data=resident_usulan.UsulanInput(
            kelurahan=kelurahan,
            rt=factories.RTFactory(kelurahan=kelurahan),
            title="Drainase",
            location_text="Gg. Mawar",
            problem="Banjir",
            email="warga@contoh.id",
        ),
        nik="1571011203850001",
    )
    client.force_login(make_user(Role.INSPEKTORAT, username="inspektur"))

    page = client.get(reverse("admin:proposals_residentusulan_change", args=[usulan.pk]))

    body = page.content.decode()
    assert page.status_code == 200 and "************0001" in body
    assert "1571011203850001" not in body and "warga@contoh.id" not in body
    assert usulan.nik_hash not in body
    assert not page.context["has_change_permission"]
