"""The trail at /audit/: who may open it and what each sees, every source with its diff, the
filters, keyset pages, and that nothing on it (or in the admin) alters the record."""

import datetime
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import formats, timezone

from audit.trail import (
    CREATE,
    TRANSITION,
    Cursor,
    Filters,
    audit_action_kind,
    trail_page,
)
from bangkit.models import AuditEvent
from bangkit.services import audit_record
from proposals import services as proposal_services
from proposals.models import Proposal, RABLine, TransitionLog
from tests import factories

URL = "/audit/"


def _get(client, user, params=None):
    client.force_login(user)
    return client.get(URL, params or {})


def _codes_on(response) -> str:
    return response.content.decode()


# --- who may open it ---------------------------------------------------------------------------


def test_the_inspektorat_and_the_administrator_see_the_whole_city(client, audit_world):
    for user in (audit_world.inspektorat, audit_world.admin):
        page = _codes_on(_get(client, user))
        assert audit_world.site.code in page
        assert audit_world.other.code in page


def test_a_camat_sees_only_their_own_kecamatan(client, audit_world):
    page = _codes_on(_get(client, audit_world.camat))
    assert audit_world.site.code in page
    assert audit_world.other.code not in page
    page = _codes_on(_get(client, audit_world.other_camat))
    assert audit_world.other.code in page
    assert audit_world.site.code not in page


def test_a_camat_reads_the_audit_rows_by_the_kecamatan_they_kept(audit_world):
    from audit.trail import AuditEventSource
    from bangkit.services import audit_record

    mine = audit_record(actor=None, action="x", obj=audit_world.site, summary="milik saya")
    theirs = audit_record(actor=None, action="x", obj=audit_world.other, summary="milik lain")
    nowhere = audit_record(actor=None, action="x", summary="tanpa wilayah")
    assert mine.kecamatan_id == audit_world.camat.kecamatan_id
    assert theirs.kecamatan_id == audit_world.other_camat.kecamatan_id
    assert nowhere.kecamatan_id is None

    camat = Filters(kecamatan_id=audit_world.camat.kecamatan_id)
    sql = str(AuditEventSource(1, []).filtered(camat).query)
    assert '"kecamatan_id" =' in sql and "SELECT" not in sql.split("WHERE", 1)[1]
    seen = {e.pk for e in _all(camat) if e.source == "Catatan audit"}
    assert mine.pk in seen
    assert not {theirs.pk, nowhere.pk} & seen
    city = {e.pk for e in _all() if e.source == "Catatan audit"}
    assert {mine.pk, theirs.pk, nowhere.pk} <= city


def _history_rows(filters, label):
    return {e.pk for e in _all(filters) if e.source == "Riwayat data" and e.model_label == label}


def test_a_camat_sees_the_history_rows_written_in_their_kecamatan_after_a_move_or_delete(
    audit_world,
):
    site, other = audit_world.site, audit_world.other
    mine = Filters(kecamatan_id=audit_world.camat.kecamatan_id)
    theirs = Filters(kecamatan_id=audit_world.other_camat.kecamatan_id)
    written_here = set(Proposal.history.filter(id=site.pk).values_list("history_id", flat=True))
    assert written_here and written_here <= _history_rows(mine, "proposals.proposal")

    # the site moves to the other kecamatan: its rows so far stay with the first camat
    site.kelurahan, site.rt = other.kelurahan, other.rt
    site.save()
    moved = Proposal.history.filter(id=site.pk).latest()
    assert moved.history_kecamatan_id == audit_world.other_camat.kecamatan_id
    assert written_here <= _history_rows(mine, "proposals.proposal")
    assert moved.history_id not in _history_rows(mine, "proposals.proposal")
    assert moved.history_id in _history_rows(theirs, "proposals.proposal")
    assert not written_here & _history_rows(theirs, "proposals.proposal")

    # a line of the other site is deleted: its deletion row stays in that kecamatan
    line = other.rab_lines.first()
    line_pk = line.pk
    line.delete()
    deleted = RABLine.history.filter(id=line_pk, history_type="-").get()
    assert deleted.history_kecamatan_id == audit_world.other_camat.kecamatan_id
    assert deleted.history_id in _history_rows(theirs, "proposals.rabline")
    assert deleted.history_id not in _history_rows(mine, "proposals.rabline")
    deletions = Filters(kecamatan_id=theirs.kecamatan_id, action="hapus")
    assert deleted.history_id in _history_rows(deletions, "proposals.rabline")


def test_a_camats_history_branch_is_one_index_range_and_models_without_area_are_skipped(
    audit_world,
):
    from audit.trail import sources

    camat = Filters(kecamatan_id=audit_world.camat.kecamatan_id)
    by_label = {s.label: s for s in sources() if s.source == "Riwayat data"}
    for label in ("proposals.rabline", "procurement.deliveryline", "proposals.proposal"):
        sql = str(by_label[label].filtered(camat).query)
        assert '"history_kecamatan_id" =' in sql and "JOIN" not in sql
    assert by_label["procurement.material"].filtered(camat) is None  # no area: no branch
    assert by_label["procurement.material"].filtered(Filters()) is not None


def test_a_page_shape_is_compiled_once_and_each_page_puts_its_own_values(audit_world, monkeypatch):
    from django.db import connection

    from audit import trail

    if not connection.features.supports_slicing_ordering_in_compound:
        pytest.skip("SQLite reads each source on its own, with no union to compile")
    compiled = []
    real = trail._compiled_keys
    monkeypatch.setattr(trail, "_KEY_QUERIES", {})
    monkeypatch.setattr(trail, "_compiled_keys", lambda *args: compiled.append(args) or real(*args))
    first = _history_rows(
        Filters(kecamatan_id=audit_world.camat.kecamatan_id), "proposals.proposal"
    )
    second = _history_rows(
        Filters(kecamatan_id=audit_world.other_camat.kecamatan_id), "proposals.proposal"
    )
    assert len(compiled) == 1
    assert first and second and not first & second
    assert compiled[0][0].kecamatan_id == trail._STAND_INS["kecamatan_id"]
    # a text search is compiled each time (its parameters vary in number)
    _all(Filters(text="gang"))
    _all(Filters(text="gang"))
    assert len(compiled) == 3


def test_a_camat_asking_for_another_kecamatan_or_its_kelurahan_finds_nothing(client, audit_world):
    other = audit_world.other.kelurahan
    assert _get(client, audit_world.camat, {"kecamatan": other.kecamatan_id}).status_code == 404
    assert _get(client, audit_world.camat, {"kelurahan": other.pk}).status_code == 404


@pytest.mark.parametrize("who", ["lurah", "rt", "bappeda"])
def test_anyone_else_finds_nothing(client, audit_world, who):
    assert _get(client, getattr(audit_world, who)).status_code == 404


def test_an_anonymous_visitor_is_sent_to_sign_in(client, audit_world):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_menu_offers_the_audit_to_those_who_may_open_it(client, audit_world):
    assert 'href="/audit/"' in _codes_on(_get(client, audit_world.inspektorat))
    assert 'href="/audit/"' in _codes_on(_get(client, audit_world.camat))
    client.force_login(audit_world.lurah)
    assert 'href="/audit/"' not in client.get("/").content.decode()


def test_the_page_links_to_the_red_flags_and_to_the_sites_evidence(client, audit_world):
    page = _codes_on(_get(client, audit_world.inspektorat))
    assert '<a href="/audit/tanda/">Tanda peringatan ›</a>' in page  # the flags page's own name
    assert reverse("audit:evidence", args=[audit_world.site.code]) in page
    assert reverse("proposals:detail", args=[audit_world.site.code]) in page


def test_the_red_flags_go_by_one_name_everywhere(client, audit_world):
    client.force_login(audit_world.inspektorat)
    flags_page = client.get(reverse("audit:flags")).content.decode()
    assert "<h1>Tanda peringatan</h1>" in flags_page
    root = Path(__file__).resolve().parents[2]
    files = [*(root / "templates").rglob("*.html"), *(root / "audit").rglob("*.py")]
    assert [str(f) for f in files if "tanda bahaya" in f.read_text().lower()] == []


# --- every source, with its diff ----------------------------------------------------------------


def _all(filters=None):
    return trail_page(filters or Filters(), size=500).entries


def test_a_history_row_shows_the_old_and_the_new_value(audit_world):
    draft = factories.ProposalFactory(fiscal_year=audit_world.site.fiscal_year)
    rt = factories.actor_for("rt", draft.rt)
    proposal_services.proposal_update(
        proposal=draft, actor=rt, data={"title": "Rabat beton gang Mawar"}
    )
    entries = [
        e
        for e in _all(Filters(model="proposals.proposal"))
        if e.source == "Riwayat data" and e.record_id == str(draft.pk)
    ]
    change = entries[0]  # newest first
    assert change.action == "ubah"
    assert change.actor == rt
    assert [(c["old"], c["new"]) for c in change.changes] == [
        ("Rabat beton gang Kenanga", "Rabat beton gang Mawar")
    ]
    created = entries[-1]
    assert created.action == CREATE and created.changes == []  # the page names it only
    [created] = [
        e
        for e in _all(Filters(model="proposals.proposal", creation_values=True))
        if e.source == "Riwayat data" and e.record_id == str(draft.pk) and e.action == CREATE
    ]
    assert any(c["new"] == "Rabat beton gang Kenanga" for c in created.changes)


def test_a_transition_row_shows_the_stage_it_left_and_the_one_it_reached(audit_world):
    log = TransitionLog.objects.get(proposal=audit_world.site, transition="submit")
    [entry] = [e for e in _all() if e.source == "Riwayat tahap" and e.pk == log.pk]
    assert entry.action == TRANSITION
    assert entry.actor == log.actor
    assert entry.changes == [{"field": "Tahap", "old": "Draf RT", "new": "Diajukan ke kelurahan"}]


def test_an_audit_row_shows_its_stored_details_and_its_twin_is_left_out(audit_world):
    entries = _all()
    audit_rows = [e for e in entries if e.source == "Catatan audit"]
    assert audit_rows, "the services' audit rows are in the trail"
    kinds = {e.model_label for e in audit_rows}
    assert "proposals.attachment" in kinds or "proposals.proposal" in kinds
    twin_ids = set(AuditEvent.objects.filter(action="proposal_submit").values_list("pk", flat=True))
    assert twin_ids
    assert not twin_ids & {e.pk for e in audit_rows}
    with_data = AuditEvent.objects.exclude(data={}).exclude(action__startswith="proposal_")
    for event in with_data[:3]:
        [entry] = [e for e in audit_rows if e.pk == event.pk]
        assert len(entry.changes) == len(event.data)  # one line a detail, each by its name
        assert not {c["field"] for c in entry.changes} & set(event.data)


def test_an_audit_rows_details_read_by_the_records_field_names_and_display_values(audit_world):
    site, rt = audit_world.site, audit_world.rt
    day = audit_record(
        actor=rt,
        action="work_day_add",
        obj=site,
        data={"work_day": 9, "date": "2026-03-12", "session": "day", "men": 3, "note": "hujan"},
    )
    paid = audit_record(
        actor=rt,
        action="payment_record",
        obj=site,
        data={"payment": 3, "amount": 13889190, "outside_kecamatan": False},
    )
    shown = {e.pk: {c["field"]: c["new"] for c in e.changes} for e in _all()}
    assert shown[day.pk] == {
        "Hari kerja gotong-royong": "#9",
        "Tanggal": formats.localize(datetime.date(2026, 3, 12)),
        "Waktu": "Sehari",
        "Peserta laki-laki": "3",
        "Catatan": "hujan",
    }
    assert "Maret" in shown[day.pk]["Tanggal"] or "Mar" in shown[day.pk]["Tanggal"]
    assert shown[paid.pk] == {
        "Pembayaran": "#3",
        "Jumlah dibayar (Rp)": "Rp 13.889.190",
        "Toko di luar kecamatan": "Tidak",
    }


def test_a_diffs_foreign_keys_read_as_their_records_names_never_as_ids(audit_world):
    site, other, lurah = audit_world.site, audit_world.other, audit_world.lurah
    lurah.first_name, lurah.last_name = "Siti", "Aminah"
    lurah.save()
    rt_user = site.created_by
    site.created_by = lurah
    site.save()
    lurah.kelurahan = other.kelurahan  # moved to serve another kelurahan
    lurah.save()
    usulan = audit_record(
        actor=None,
        action="resident_usulan_submit",
        obj=site,
        data={"rt_id": site.rt_id, "nik_last4": "1234"},
    )
    entries = _all()
    proposal = next(  # (newest first)
        e
        for e in entries
        if e.model_label == "proposals.proposal"
        and e.source == "Riwayat data"
        and e.record_id == str(site.pk)
        and e.action == "ubah"
    )
    by = rt_user.get_full_name() or rt_user.username
    named = {"field": "Dibuat oleh", "old": by, "new": f"Siti Aminah ({lurah.username})"}
    assert named in proposal.changes
    [moved] = [
        e
        for e in entries
        if e.model_label == "bangkit.user"
        and e.record_id == str(lurah.pk)
        and any(c["field"] == "Kelurahan" for c in e.changes)
    ]
    assert {"field": "Kelurahan", "old": site.kelurahan.name, "new": other.kelurahan.name} in (
        moved.changes
    )
    [detail] = [e for e in entries if e.pk == usulan.pk and e.source == "Catatan audit"]
    shown = {c["field"]: c["new"] for c in detail.changes}
    assert shown["RT"] == str(site.rt)
    assert shown["4 angka terakhir NIK"] == "1234"  # a NIK is never more than its last four
    assert not any(
        str(c["new"]).isdigit() and c["field"] != "4 angka terakhir NIK"
        for e in entries
        for c in e.changes
        if e.source == "Riwayat data"
    )


def test_the_names_of_a_pages_foreign_keys_are_one_query_per_related_model(audit_world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    filters = Filters(model="bangkit.user")
    lurah, other = audit_world.lurah, audit_world.other

    def queries():
        trail_page(filters)  # (the page's query compiled)
        with CaptureQueriesContext(connection) as captured:
            page = trail_page(filters)
        return len(captured), page

    lurah.kelurahan = other.kelurahan
    lurah.save()
    one, _ = queries()
    for index in range(4):
        kelurahan = factories.KelurahanFactory()
        user = factories.make_user("kelurahan", kelurahan, username=f"lurah-baru-{index}")
        user.kelurahan = factories.KelurahanFactory()
        user.save()
    many, page = queries()
    assert many == one
    moves = [c for e in page.entries for c in e.changes if c["field"] == "Kelurahan"]
    assert len(moves) >= 5 and not any(str(c["new"]).isdigit() for c in moves)


def test_audit_actions_are_read_as_kinds_of_change():
    assert audit_action_kind("order_create") == "tambah"
    assert audit_action_kind("photo_withdraw") == "hapus"
    assert audit_action_kind("order_update") == "ubah"
    assert audit_action_kind("proposal_submit") == "tahap"


# --- filters ------------------------------------------------------------------------------------


def test_the_model_filter_keeps_only_that_models_rows(audit_world):
    entries = _all(Filters(model="proposals.rabline"))
    assert entries
    assert {e.model_label for e in entries} == {"proposals.rabline"}
    assert len([e for e in entries if e.source == "Riwayat data"]) >= RABLine.objects.count()


def test_the_actor_filter_keeps_only_that_persons_rows(client, audit_world):
    rt = audit_world.rt
    entries = _all(Filters(actor_ids=[rt.pk]))
    assert entries and {e.actor for e in entries} == {rt}
    page = _codes_on(_get(client, audit_world.inspektorat, {"pelaku": rt.username}))
    assert audit_world.site.code in page
    assert audit_world.other.code not in page


def test_the_action_filter_keeps_only_that_kind(audit_world):
    entries = _all(Filters(action=TRANSITION))
    assert entries and {e.source for e in entries} == {"Riwayat tahap"}
    assert {e.action for e in _all(Filters(action=CREATE))} == {CREATE}


def test_the_date_range_keeps_only_its_days(client, audit_world):
    today = timezone.localdate()
    assert _all(Filters(since=timezone.now() + datetime.timedelta(days=1))) == []
    page = _codes_on(
        _get(
            client,
            audit_world.inspektorat,
            {"dari": today.isoformat(), "sampai": today.isoformat()},
        )
    )
    assert audit_world.site.code in page
    tomorrow = (today + datetime.timedelta(days=1)).isoformat()
    page = _codes_on(_get(client, audit_world.inspektorat, {"dari": tomorrow}))
    assert audit_world.site.code not in page


def test_a_date_that_is_not_one_is_said_and_ignored(client, audit_world):
    response = _get(client, audit_world.inspektorat, {"dari": "31-02-2024"})
    assert response.status_code == 200
    assert "Dari tanggal: tulis tanggal seperti 2024-03-31." in response.content.decode()


def test_a_range_that_ends_before_it_starts_is_said_and_shows_nothing(client, audit_world):
    response = _get(client, audit_world.inspektorat, {"dari": "2026-03-31", "sampai": "2026-03-01"})
    assert response.status_code == 200  # as a date that is not one: said on the page
    page = response.content.decode()
    assert (
        "Dari tanggal (31 Maret 2026) jatuh sesudah sampai tanggal (1 Maret 2026): "
        "tukar kedua tanggal itu atau perbaiki salah satunya."
    ) in page
    assert response.context["entries"] == []
    assert "Tidak ada catatan yang cocok." in page
    assert audit_world.site.code not in page


def test_the_text_search_finds_a_proposal_by_its_code(client, audit_world):
    page = _codes_on(_get(client, audit_world.inspektorat, {"q": audit_world.other.code}))
    assert audit_world.other.code in page
    assert audit_world.site.code not in page


def test_the_kelurahan_filter_keeps_only_that_kelurahan(client, audit_world):
    kelurahan = audit_world.site.kelurahan
    page = _codes_on(_get(client, audit_world.inspektorat, {"kelurahan": kelurahan.pk}))
    assert audit_world.site.code in page
    assert audit_world.other.code not in page


def test_junk_in_the_filters_is_a_404_or_ignored_never_a_500(client, audit_world):
    assert _get(client, audit_world.inspektorat, {"kecamatan": "abc"}).status_code == 404
    for params in ({"model": "x.y"}, {"tindakan": "bakar"}, {"setelah": "junk"}, {"q": "'%"}):
        assert _get(client, audit_world.inspektorat, params).status_code == 200


# --- pages --------------------------------------------------------------------------------------


def test_keyset_pages_walk_the_whole_trail_once_newest_first(audit_world):
    everything = _all()
    walked, cursor = [], None
    while True:
        page = trail_page(Filters(), cursor, size=7)
        walked.extend(page.entries)
        if page.next_cursor is None:
            break
        cursor = Cursor.parse(page.next_cursor)
    assert [(e.rank, e.pk) for e in walked] == [(e.rank, e.pk) for e in everything]
    times = [e.time for e in walked]
    assert times == sorted(times, reverse=True)


def test_the_next_page_link_carries_the_filters_and_goes_on(client, audit_world, monkeypatch):
    monkeypatch.setattr("audit.trail.PAGE_SIZE", 3)
    first = _get(client, audit_world.inspektorat, {"model": "proposals.rabline"})
    link = first.context["next_query"]
    assert "model=proposals.rabline" in link and "setelah=" in link
    second = client.get(f"{URL}?{link}")
    seen = {(e.rank, e.pk) for e in first.context["entries"]}
    later = {(e.rank, e.pk) for e in second.context["entries"]}
    assert later and not seen & later
    assert {e.model_label for e in second.context["entries"]} == {"proposals.rabline"}


def test_the_page_is_read_in_a_bounded_number_of_queries(
    client, audit_world, django_assert_max_num_queries
):
    from django.db import connection

    from audit.trail import sources

    # one query for the page's keys from every source (SQLite: one per source), one per
    # source on the page with its previous rows, the links, the areas of the form, the session
    keys = 1 if connection.features.supports_slicing_ordering_in_compound else len(sources())
    client.force_login(audit_world.inspektorat)
    client.get(URL)  # content types cached, as in a running server
    with django_assert_max_num_queries(29 + keys):
        assert client.get(URL).status_code == 200
    with django_assert_max_num_queries(29 + keys):
        assert client.get(URL, {"pelaku": "rt", "q": "gang"}).status_code == 200
    with django_assert_max_num_queries(29 + keys):
        assert client.get(URL, {"q": audit_world.site.code}).status_code == 200
    with django_assert_max_num_queries(11 + keys):
        assert client.get(URL, {"tindakan": "hapus"}).status_code == 200
    client.force_login(audit_world.camat)
    client.get(URL)
    with django_assert_max_num_queries(29 + keys):
        assert client.get(URL).status_code == 200


# --- read-only ----------------------------------------------------------------------------------


def test_the_trail_takes_no_post_and_has_no_form_that_alters_anything(client, audit_world):
    client.force_login(audit_world.inspektorat)
    assert client.post(URL).status_code == 405
    page = client.get(URL).content.decode().lower()
    assert 'method="post"' not in page.split("<main")[-1].split("</main>")[0]


def test_opening_the_trail_writes_nothing(client, audit_world):
    def counts():
        return (
            AuditEvent.objects.count(),
            TransitionLog.objects.count(),
            Proposal.history.count(),
            RABLine.history.count(),
        )

    before = counts()
    for user in (audit_world.inspektorat, audit_world.camat):
        _get(client, user)
        _get(client, user, {"q": "gang", "tindakan": "ubah"})
    assert counts() == before


def test_the_audit_and_history_admin_is_read_only_for_the_inspektorat(client, audit_world):
    client.force_login(audit_world.inspektorat)
    event = AuditEvent.objects.first()
    log = TransitionLog.objects.first()
    assert client.get(reverse("admin:bangkit_auditevent_changelist")).status_code == 200
    change = reverse("admin:bangkit_auditevent_change", args=[event.pk])
    assert client.get(change).status_code == 200
    assert client.post(change, {"summary": "diubah"}).status_code == 403
    assert (
        client.post(reverse("admin:bangkit_auditevent_delete", args=[event.pk])).status_code == 403
    )
    assert (
        client.post(reverse("admin:proposals_transitionlog_delete", args=[log.pk])).status_code
        == 403
    )
    bulk = client.post(
        reverse("admin:bangkit_auditevent_changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302, 403)
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    site = audit_world.site
    history = reverse("admin:proposals_proposal_history", args=[site.pk])
    assert client.get(history).status_code == 200
    version = Proposal.history.filter(id=site.pk).first()
    revert = reverse("admin:proposals_proposal_simple_history", args=[site.pk, version.history_id])
    assert client.post(revert, {"title": "Dikembalikan"}).status_code == 403
    site.refresh_from_db()
    assert site.title != "Dikembalikan"
