"""Public pages without sign-in: tracking by code, supporting entries by NIK, rate limits."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.cache import cache, caches
from django.db import connection
from django.db.models import QuerySet
from django.test import Client
from django.urls import reverse

from bangkit import ratelimit
from bangkit.cache import CACHE_TABLE
from bangkit.models import RT, FiscalYear, Kelurahan, User
from proposals.codes import code_check, new_tracking_code
from proposals.models import CitizenSupport, MusrenbangEntry, Proposal, State, TransitionLog
from tests.factories import WorkTypeFactory, make_user
from verification.models import Amendment, Decree, DecreeLocation

CODE_BODY = "7KQ0MX"  # holds a zero, to try "O" for "0"
CODE = f"BB-2026-{CODE_BODY[:4]}-{CODE_BODY[4:]}{code_check(2026, CODE_BODY)}"
TELANAIPURA_NIK = "1571011203850001"

# Personal data that must never reach a public page.
HEAD_NAME = "Siti Rahmawati Kadarsih"
HEAD_PHONE = "081234567890"
LURAH_USERNAME = "lurah.penguji"
LURAH_NAME = "Bambang Sudarsono"
RT_USERNAME = "rt.penguji.03"
RT_USER_NAME = "Joko Widagdo"
PROPOSER = "Hendra Gunawan Saputra"
HOME_OF = "depan rumah Pak Darmawan"


@pytest.fixture(autouse=True)
def _fresh_rate_counts(db):
    # The database cache rolls back with each test; a CACHE_URL cache would not.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def kelurahan(regions):
    return Kelurahan.objects.get(name="Simpang IV Sipin")


@pytest.fixture
def proposal(kelurahan, fiscal_year):
    rt = RT.objects.create(
        kelurahan=kelurahan, number=3, head_name=HEAD_NAME, head_phone=HEAD_PHONE, households=80
    )
    rt_user = make_user(
        "rt", rt, username=RT_USERNAME, first_name="Joko", last_name="Widagdo", phone=HEAD_PHONE
    )
    lurah = make_user(
        "kelurahan",
        kelurahan,
        username=LURAH_USERNAME,
        first_name="Bambang",
        last_name="Sudarsono",
        phone="0811777666",
    )
    proposal = Proposal.objects.create(
        code=CODE,
        fiscal_year=fiscal_year,
        rt=rt,
        kelurahan=kelurahan,
        title="Rabat beton Lorong Damai",
        work_type=WorkTypeFactory(),
        location_description=f"Lorong Damai, {HOME_OF}",
        planned_volume=Decimal("120"),
        planned_width=Decimal("1.5"),
        state=State.DRAFT,
        created_by=rt_user,
    )
    steps = [
        ("create", State.MUSRENBANG, State.DRAFT, rt_user, f"Dibuat oleh {RT_USER_NAME}"),
        ("submit", State.DRAFT, State.SUBMITTED, rt_user, ""),
        (
            "return_for_revision",
            State.SUBMITTED,
            State.DRAFT,
            lurah,
            "Foto lokasi kurang jelas, mohon diganti",
        ),
        ("submit", State.DRAFT, State.SUBMITTED, rt_user, ""),
        (
            "verify_kelurahan",
            State.SUBMITTED,
            State.KELURAHAN_VERIFIED,
            lurah,
            f"Dicek {LURAH_NAME} bersama {HEAD_NAME}",
        ),
    ]
    # 17:30 UTC is 00:30 the next day in Jambi (WIB, UTC+7).
    start = datetime.datetime(2026, 3, 10, 17, 30, tzinfo=datetime.UTC)
    for day, (name, source, target, actor, note) in enumerate(steps):
        log = TransitionLog.objects.create(
            proposal=proposal,
            transition=name,
            from_state=source,
            to_state=target,
            actor=actor,
            note=note,
        )
        # Backdating for the test only: the model's own queryset refuses updates.
        QuerySet(TransitionLog).filter(pk=log.pk).update(
            created_at=start + datetime.timedelta(days=day)
        )
    # The current stage, as the services would have left it.
    Proposal.objects.filter(pk=proposal.pk).update(state=State.KELURAHAN_VERIFIED)
    return proposal


def track(client, query, **extra):
    return client.get(reverse("public:track"), {"kode": query}, **extra)


# ---- tracking ------------------------------------------------------------------------------


def test_the_empty_tracking_page_shows_the_form(client, db):
    response = client.get(reverse("public:track"))

    assert response.status_code == 200
    assert 'name="kode"' in response.content.decode()
    assert "tidak ditemukan" not in response.content.decode()


def test_a_returned_proposal_is_said_apart_from_a_fresh_draft(client, proposal):
    assert "data-returned" not in track(client, CODE).content.decode()  # verified since
    TransitionLog.objects.create(
        proposal=proposal,
        transition="return_for_revision",
        from_state=State.KELURAHAN_VERIFIED,
        to_state=State.DRAFT,
        actor=User.objects.get(username=LURAH_USERNAME),
        note="Volume belum sesuai hasil survei",
    )
    Proposal.objects.filter(pk=proposal.pk).update(state=State.DRAFT)

    html = track(client, CODE).content.decode()

    assert "data-returned>Dikembalikan untuk perbaikan<" in html


def test_a_code_shows_the_proposal_stage_and_dated_timeline(client, proposal):
    response = track(client, CODE)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Rabat beton Lorong Damai" in html
    assert "Jalan setapak / rabat beton" in html
    assert "RT 03" in html
    assert "Simpang IV Sipin" in html
    assert "Telanaipura" in html
    assert "Diverifikasi kelurahan" in html
    assert "Tahun anggaran 2026" in html
    assert html.count("<li>") >= 5
    assert "11 Maret 2026, 00:30 WIB" in html
    assert "15 Maret 2026, 00:30 WIB" in html
    # A return shows its reason; other notes stay inside.
    assert "Foto lokasi kurang jelas, mohon diganti" in html


def test_the_tracking_page_shows_no_personal_data(client, proposal):
    html = track(client, CODE).content.decode()

    for personal in (
        HEAD_NAME,
        "Rahmawati",
        HEAD_PHONE,
        "0811777666",
        LURAH_USERNAME,
        LURAH_NAME,
        "Sudarsono",
        RT_USERNAME,
        RT_USER_NAME,
        "Widagdo",
        HOME_OF,
    ):
        assert personal not in html, personal


@pytest.mark.parametrize(
    "typed",
    [
        CODE.lower(),
        CODE.replace("-", " "),
        f"  {CODE.lower().replace('-', '')}  ",
        CODE.replace("0", "O").lower(),
    ],
)
def test_a_code_typed_loosely_still_finds_the_proposal(client, proposal, typed):
    response = track(client, typed)

    assert response.status_code == 200
    assert "Rabat beton Lorong Damai" in response.content.decode()


def test_the_direct_link_shows_the_same_page(client, proposal):
    response = client.get(reverse("public:track_detail", kwargs={"code": CODE}))
    lower = client.get(reverse("public:track_detail", kwargs={"code": CODE.lower()}))

    assert response.status_code == 200
    assert "Diverifikasi kelurahan" in response.content.decode()
    assert lower.status_code == 200
    assert "Rabat beton Lorong Damai" in lower.content.decode()


@pytest.mark.parametrize(
    "typed", ["BB-2026-7KQ2-MX=", "BB-2026-7KQ2-MX", "bb 2026 7kq2 mx", "BB20267KQ2MX="]
)
def test_a_code_issued_before_with_a_symbol_is_found_with_or_without_it(client, proposal, typed):
    # Codes issued before the two check letters ended in a symbol such as "=", which people
    # drop when they type or read the code.
    Proposal.objects.filter(pk=proposal.pk).update(code="BB-2026-7KQ2-MX=")

    by_form = track(client, typed)
    by_link = client.get(reverse("public:track_detail", kwargs={"code": typed}))

    for response in (by_form, by_link):
        assert response.status_code == 200, typed
        assert "Rabat beton Lorong Damai" in response.content.decode()


CAMAT_NAME = "Hasan Rambe"


@pytest.fixture
def amended_site(proposal, kelurahan):
    """The proposal designated in an issued SK Camat, then changed twice by the Camat."""
    camat = make_user(
        "kecamatan",
        kelurahan.kecamatan,
        username="camat.penguji",
        first_name="Hasan",
        last_name="Rambe",
    )
    decree = Decree.objects.create(
        kecamatan=kelurahan.kecamatan,
        fiscal_year=proposal.fiscal_year,
        state=Decree.State.ISSUED,
        number="3/SK/BB/KEC.TLP/2026",
        title="Penetapan Lokasi Kegiatan Bangkit Berdaya",
        menimbang="a.",
        mengingat="1.",
        signatory_name=CAMAT_NAME,
        created_by=camat,
    )
    DecreeLocation.objects.create(decree=decree, proposal=proposal, budget=30_000_000)
    Proposal.objects.filter(pk=proposal.pk).update(
        state=State.DESIGNATED, designated_budget=30_000_000
    )
    changes = [
        ("volume", "120", "100", "Dua puluh meter sudah dicor warga"),
        ("location", proposal.location_description, "Lorong Damai ujung", "Ujung lorong rusak"),
    ]
    start = datetime.datetime(2026, 5, 4, 3, 0, tzinfo=datetime.UTC)
    for day, (name, old, new, reason) in enumerate(changes):
        amendment = Amendment.objects.create(
            proposal=proposal,
            decree=decree,
            field=name,
            old_value=old,
            new_value=new,
            reason=reason,
            actor=camat,
        )
        Amendment.objects.filter(pk=amendment.pk).update(
            created_at=start + datetime.timedelta(days=day)
        )
    return decree


def test_the_tracking_page_lists_the_changes_made_after_the_decree(client, proposal, amended_site):
    html = track(client, CODE).content.decode()

    assert "Perubahan setelah SK ditetapkan" in html
    section = html.split("Perubahan setelah SK ditetapkan", 1)[1]
    assert "4 Mei 2026" in section and "5 Mei 2026" in section
    assert "Volume" in section and "120 m → 100 m" in section
    assert "Dua puluh meter sudah dicor warga" in section
    assert "Lokasi" in section and "uraian lokasi semula → uraian lokasi baru" in section
    assert reverse("sk:public", args=[amended_site.public_id]) in section
    assert "SK Nomor 3/SK/BB/KEC.TLP/2026" in section
    # A location text may name a resident; the officials who made the change are not named.
    for personal in (HOME_OF, "Darmawan", CAMAT_NAME, "Rambe", "camat.penguji"):
        assert personal not in html, personal


def test_the_tracking_page_has_no_change_section_without_changes(client, proposal):
    assert "Perubahan setelah SK ditetapkan" not in track(client, CODE).content.decode()


def test_an_unknown_code_answers_404_with_a_clear_message(client, proposal):
    unknown = new_tracking_code(2026)
    assert unknown != CODE

    response = track(client, unknown)

    assert response.status_code == 404
    assert "Kode lacak tidak ditemukan" in response.content.decode()
    assert "Rabat beton" not in response.content.decode()


@pytest.mark.parametrize("typed", ["abc", "BB-2026-7KQ0-MX", CODE[:-1] + "Z", "'; drop table"])
def test_a_malformed_code_answers_404_with_a_clear_message(client, proposal, typed):
    response = track(client, typed)

    assert response.status_code == 404
    assert "Kode lacak tidak ditemukan" in response.content.decode()


def test_a_malformed_direct_link_answers_404_with_a_message(client, db):
    response = client.get(reverse("public:track_detail", kwargs={"code": "tidak-ada"}))

    assert response.status_code == 404
    assert "Kode lacak tidak ditemukan" in response.content.decode()


def test_tracking_queries_do_not_grow_with_the_timeline(
    client, proposal, django_assert_max_num_queries
):
    actor = proposal.transitions.first().actor
    for _ in range(30):
        TransitionLog.objects.create(
            proposal=proposal,
            transition="submit",
            from_state=State.DRAFT,
            to_state=State.SUBMITTED,
            actor=actor,
        )

    track(client, CODE)  # the window's first lookup creates the rate counter

    # The proposal with its places, the timeline, its site amendments, and the rate count in
    # the database cache (savepoint, locked read, update, release).
    with django_assert_max_num_queries(3 + 4):
        response = track(client, CODE)

    assert response.status_code == 200


# ---- rate limits ---------------------------------------------------------------------------


def test_lookups_over_the_limit_answer_429_in_indonesian(client, proposal, settings):
    settings.PUBLIC_TRACK_RATE = (3, 600)

    statuses = [track(client, CODE).status_code for _ in range(3)]
    over = track(client, CODE)

    assert statuses == [200, 200, 200]
    assert over.status_code == 429
    assert "Terlalu banyak permintaan" in over.content.decode()
    assert over["Retry-After"] == "600"
    # Direct links count against the same limit.
    assert client.get(reverse("public:track_detail", args=[CODE])).status_code == 429


def test_the_limit_is_per_address_and_the_empty_form_is_free(client, proposal, settings):
    settings.PUBLIC_TRACK_RATE = (2, 600)
    for _ in range(2):
        track(client, CODE, REMOTE_ADDR="10.0.0.1")

    assert track(client, CODE, REMOTE_ADDR="10.0.0.1").status_code == 429
    assert client.get(reverse("public:track"), REMOTE_ADDR="10.0.0.1").status_code == 200
    assert track(client, CODE, REMOTE_ADDR="10.0.0.2").status_code == 200


def test_a_forged_forwarded_for_header_does_not_escape_the_limit(client, proposal, settings):
    settings.PUBLIC_TRACK_RATE = (2, 600)
    for n in range(2):
        track(client, CODE, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")

    assert track(client, CODE, HTTP_X_FORWARDED_FOR="192.0.2.99").status_code == 429


def test_behind_a_declared_proxy_the_client_address_is_the_proxys_entry(client, proposal, settings):
    settings.PUBLIC_TRACK_RATE = (1, 600)
    settings.RATELIMIT_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.9.9.9"}

    assert (
        track(client, CODE, HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.5", **proxy).status_code == 200
    )
    # The client may prepend anything; only the address our proxy appended counts.
    assert (
        track(client, CODE, HTTP_X_FORWARDED_FOR="7.7.7.7, 203.0.113.5", **proxy).status_code == 429
    )
    assert track(client, CODE, HTTP_X_FORWARDED_FOR="203.0.113.6", **proxy).status_code == 200


# ---- citizen support -----------------------------------------------------------------------


def make_entry(kelurahan, n, *, year=2026, **fields):
    return MusrenbangEntry.objects.create(
        year=year,
        source_id=fields.pop("source_id", f"M-{year}-{n:03d}"),
        kelurahan=kelurahan,
        title=fields.pop("title", f"Drainase lingkungan {n}"),
        proposer=fields.pop("proposer", PROPOSER),
        **fields,
    )


@pytest.fixture
def entry(kelurahan, fiscal_year):
    return make_entry(kelurahan, 1, title="Rabat beton Gang Mawar", location_text="Gang Mawar")


def support_url(entry):
    return reverse("public:support", kwargs={"pk": entry.pk})


def test_the_list_shows_open_year_entries_with_counts_and_no_proposer(client, entry, kelurahan):
    FiscalYear.objects.create(year=2025, status=FiscalYear.Status.CLOSED)
    make_entry(kelurahan, 9, year=2025, title="Usulan tahun lalu")
    CitizenSupport.objects.create(entry=entry, nik_hash="a" * 64, nik_last4="0001")
    CitizenSupport.objects.create(entry=entry, nik_hash="b" * 64, nik_last4="0002")

    response = client.get(reverse("public:support_list"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Rabat beton Gang Mawar" in html
    assert support_url(entry) in html
    assert '<td class="num">2</td>' in html
    assert "Usulan tahun lalu" not in html
    assert PROPOSER not in html
    assert "0001" not in html


def test_the_list_filters_by_kecamatan_and_kelurahan(client, entry):
    thehok = Kelurahan.objects.get(name="Thehok")
    buluran = Kelurahan.objects.get(name="Buluran Kenali")
    make_entry(thehok, 2, title="Sumur bor Thehok")
    make_entry(buluran, 3, title="Jembatan Buluran")
    url = reverse("public:support_list")

    by_kecamatan = client.get(url, {"kecamatan": "jambi-selatan"}).content.decode()
    by_kelurahan = client.get(url, {"kelurahan": "buluran-kenali"}).content.decode()
    both = client.get(
        url, {"kecamatan": "telanaipura", "kelurahan": "simpang-iv-sipin"}
    ).content.decode()
    nonsense = client.get(url, {"kecamatan": "tidak-ada"})

    assert "Sumur bor Thehok" in by_kecamatan
    assert "Rabat beton Gang Mawar" not in by_kecamatan
    assert "Jembatan Buluran" in by_kelurahan
    assert "Rabat beton Gang Mawar" not in by_kelurahan
    assert "Rabat beton Gang Mawar" in both
    assert "Jembatan Buluran" not in both
    assert nonsense.status_code == 200


def test_the_list_pages_by_25_and_keeps_the_filter(client, kelurahan, fiscal_year):
    for n in range(30):
        make_entry(kelurahan, n)
    url = reverse("public:support_list")

    first = client.get(url, {"kecamatan": "telanaipura"})
    second = client.get(url, {"kecamatan": "telanaipura", "halaman": 2})

    assert len(first.context["page"].object_list) == 25
    assert len(second.context["page"].object_list) == 5
    assert "kecamatan=telanaipura&amp;halaman=2" in first.content.decode()


def test_the_list_says_so_when_no_year_is_open(client, regions):
    response = client.get(reverse("public:support_list"))

    assert response.status_code == 200
    assert "tidak ada tahun anggaran yang sedang menerima usulan" in response.content.decode()


@pytest.mark.parametrize("rows", [3, 40])
def test_list_queries_do_not_grow_with_rows(
    client, kelurahan, fiscal_year, rows, django_assert_max_num_queries
):
    for n in range(rows):
        entry = make_entry(kelurahan, n)
        CitizenSupport.objects.create(entry=entry, nik_hash=f"{n:064d}", nik_last4="0001")

    # Open years, the chosen kecamatan, page count, page rows, the two lists of choices.
    with django_assert_max_num_queries(6):
        response = client.get(reverse("public:support_list"), {"kecamatan": "telanaipura"})

    assert response.status_code == 200


def test_the_support_page_shows_the_entry_and_a_protected_form(client, entry):
    response = client.get(support_url(entry))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Rabat beton Gang Mawar" in html
    assert "Musrenbang 2026" in html
    assert "csrfmiddlewaretoken" in html
    assert 'name="nik"' in html
    assert PROPOSER not in html
    assert response["Cache-Control"].startswith("max-age=0")


def test_a_resident_supports_and_is_thanked(client, entry):
    response = client.post(support_url(entry), {"nik": TELANAIPURA_NIK}, follow=True)

    html = response.content.decode()
    assert response.redirect_chain[-1] == (support_url(entry), 302)
    assert "Terima kasih, dukungan Anda tercatat." in html
    assert "1 warga mendukung" in html
    assert TELANAIPURA_NIK not in html
    assert CitizenSupport.objects.get().nik_last4 == "0001"


def _page_without_tokens(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def test_a_repeated_support_is_answered_exactly_like_the_first(client, entry):
    first = client.post(support_url(entry), {"nik": TELANAIPURA_NIK})
    first_page = client.get(first["Location"])
    repeat = client.post(support_url(entry), {"nik": "1571.0112.0385.0001"})
    repeat_page = client.get(repeat["Location"])

    # Same status, same place, same message, same page: nothing tells a repeat apart.
    assert (first.status_code, first["Location"]) == (302, support_url(entry))
    assert (repeat.status_code, repeat["Location"]) == (first.status_code, first["Location"])
    assert first.content == repeat.content
    messages = [[str(m) for m in page.context["messages"]] for page in (first_page, repeat_page)]
    assert messages == [["Terima kasih, dukungan Anda tercatat."]] * 2
    assert _page_without_tokens(first_page) == _page_without_tokens(repeat_page)
    assert "sudah mendukung" not in _page_without_tokens(repeat_page)
    # And a repeat counts nothing.
    assert CitizenSupport.objects.count() == 1
    assert "1 warga mendukung" in repeat_page.content.decode()


JAMBI_SELATAN_NIK = "1571021203850001"


def test_the_page_says_which_niks_may_support(client, entry):
    html = client.get(support_url(entry)).content.decode()

    assert (
        "Hanya warga yang NIK-nya terdaftar di Kecamatan Telanaipura (NIK diawali 157101) "
        "yang dapat mendukung usulan ini, satu kali per NIK." in html
    )


def test_another_kecamatans_nik_is_refused_under_the_kecamatan_rule(client, entry):
    response = client.post(support_url(entry), {"nik": JAMBI_SELATAN_NIK})

    html = response.content.decode()
    assert response.status_code == 200
    assert "hanya dapat didukung oleh warga yang NIK-nya terdaftar di Kecamatan Telanaipura" in html
    assert "NIK yang Anda isi terdaftar di Kecamatan Jambi Selatan" in html
    assert "Terima kasih" not in html
    assert JAMBI_SELATAN_NIK not in html
    assert not CitizenSupport.objects.exists()


def test_another_kecamatans_nik_is_accepted_under_the_city_rule(client, entry):
    FiscalYear.objects.filter(year=entry.year).update(
        support_residency=FiscalYear.SupportResidency.CITY
    )

    shown = client.get(support_url(entry)).content.decode()
    response = client.post(support_url(entry), {"nik": JAMBI_SELATAN_NIK}, follow=True)

    assert "NIK-nya terdaftar di Kota Jambi (NIK diawali 1571) dapat mendukung" in shown
    assert "Terima kasih, dukungan Anda tercatat." in response.content.decode()
    assert CitizenSupport.objects.get().entry == entry


def test_the_list_states_the_years_rule(client, entry):
    url = reverse("public:support_list")

    by_kecamatan = client.get(url).content.decode()
    FiscalYear.objects.filter(year=entry.year).update(
        support_residency=FiscalYear.SupportResidency.CITY
    )
    by_city = client.get(url).content.decode()

    assert "di kecamatan tempat NIK-nya terdaftar" in by_kecamatan
    assert "NIK-nya terdaftar di Kota Jambi (NIK diawali 1571)" in by_city
    assert "di kecamatan tempat NIK-nya terdaftar" not in by_city


@pytest.mark.parametrize(
    ("nik", "message"),
    [
        ("", "NIK wajib diisi."),
        ("15710112038500", "NIK harus 16 angka, Anda mengisi 14."),
        ("15710112O3850001", "NIK hanya boleh berisi angka."),
        ("3171011203850001", "NIK ini tidak terdaftar di Kota Jambi"),
        ("1571013102990001", "Tanggal lahir pada NIK"),
        ("1571011203150001", "berusia 17 tahun ke atas"),
    ],
)
def test_refusals_are_in_indonesian_and_never_echo_the_nik(client, entry, nik, message):
    response = client.post(support_url(entry), {"nik": nik})

    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    if nik:
        assert nik not in html
    assert not CitizenSupport.objects.exists()


def test_an_entry_of_a_closed_year_shows_no_form(client, kelurahan, fiscal_year):
    FiscalYear.objects.create(year=2025, status=FiscalYear.Status.CLOSED)
    old = make_entry(kelurahan, 1, year=2025)

    shown = client.get(support_url(old))
    posted = client.post(support_url(old), {"nik": TELANAIPURA_NIK})

    assert "tahun 2025 tidak dibuka" in shown.content.decode()
    assert 'name="nik"' not in shown.content.decode()
    assert posted.status_code == 200
    assert not CitizenSupport.objects.exists()


def test_an_unknown_entry_is_404(client, db):
    assert client.get(reverse("public:support", kwargs={"pk": 999999})).status_code == 404


def test_a_post_without_the_csrf_token_is_refused(entry):
    client = Client(enforce_csrf_checks=True)

    response = client.post(support_url(entry), {"nik": TELANAIPURA_NIK})

    assert response.status_code == 403
    assert not CitizenSupport.objects.exists()


def test_support_posts_over_the_limit_answer_429(client, entry, settings):
    settings.PUBLIC_SUPPORT_RATE = (2, 600)
    client.post(support_url(entry), {"nik": "1"})
    client.post(support_url(entry), {"nik": "2"})

    over = client.post(support_url(entry), {"nik": TELANAIPURA_NIK})

    assert over.status_code == 429
    assert "Terlalu banyak permintaan" in over.content.decode()
    assert not CitizenSupport.objects.exists()
    # Reading the page is not limited.
    assert client.get(support_url(entry)).status_code == 200


def test_the_support_limit_is_counted_in_the_database_for_every_worker(
    client, entry, settings, monkeypatch
):
    settings.PUBLIC_SUPPORT_RATE = (2, 600)
    # Two workers (processes or servers) each hold their own cache client.
    worker_a, worker_b = caches.create_connection("default"), caches.create_connection("default")
    assert worker_a is not worker_b

    monkeypatch.setattr(ratelimit, "cache", worker_a)
    client.post(support_url(entry), {"nik": "1"})
    client.post(support_url(entry), {"nik": "2"})
    monkeypatch.setattr(ratelimit, "cache", worker_b)
    over = client.post(support_url(entry), {"nik": TELANAIPURA_NIK})

    assert over.status_code == 429
    assert not CitizenSupport.objects.exists()
    # The count is one row of the database cache table, keyed without the address.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT cache_key FROM {CACHE_TABLE}")
        keys = [key for (key,) in cursor.fetchall() if "public-rate:support:" in key]
    assert len(keys) == 1
    assert "127.0.0.1" not in keys[0]
    assert worker_a.get(keys[0].split(":", 2)[2]) == 3


def test_support_page_queries_are_pinned(client, entry, django_assert_max_num_queries):
    for n in range(20):
        CitizenSupport.objects.create(entry=entry, nik_hash=f"{n:064d}", nik_last4="0001")

    # The entry with its places, the open years, the support count.
    with django_assert_max_num_queries(3):
        response = client.get(support_url(entry))

    assert response.status_code == 200
