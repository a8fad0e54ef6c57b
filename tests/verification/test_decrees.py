"""SK Camat services: drafts, issuing under lock (numbers, envelopes, designation), amendments."""

import errno
import hashlib
import importlib
import threading
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection

from bangkit import storage
from bangkit.errors import ActionRefused, NotInScope
from bangkit.models import RT, AuditEvent, FiscalYear, Kecamatan, Role, User
from budgets.figures import figures_for
from budgets.models import BudgetEnvelope
from proposals.models import Proposal, RABLine, State, TransitionLog
from proposals.services import PROPOSAL_FIELDS
from tests import factories
from verification.decrees import amendments
from verification.decrees import services as decrees
from verification.decrees.selectors import public_amendments
from verification.models import Amendment, Decree, DecreeCounter, DecreeLocation, DecreeTemplate


@dataclass
class SKWorld:
    """Kecamatan Uji SK (kelurahan Sipin Uji and Kenali Uji) and Kecamatan Lain, year 2026."""

    fiscal_year: FiscalYear
    kecamatan: Kecamatan
    kecamatan_other: Kecamatan
    kelurahan: dict
    users: dict[str, User] = field(default_factory=dict)

    def envelope(self, amount, *, kelurahan=None, kecamatan=None):
        return BudgetEnvelope.objects.create(
            fiscal_year=self.fiscal_year,
            kecamatan=kecamatan or self.kecamatan,
            kelurahan=self.kelurahan[kelurahan] if kelurahan else None,
            amount=amount,
        )


@pytest.fixture
def sk(db) -> SKWorld:
    fy = factories.FiscalYearFactory(year=2026, status=FiscalYear.Status.VERIFICATION)
    kec = factories.KecamatanFactory(
        code="99.73.01",
        name="Uji SK",
        slug="uji-sk",
        abbreviation="USK",
        address="Jalan Arif Rahman Hakim No. 1, Kota Jambi",
    )
    kec_other = factories.KecamatanFactory(
        code="99.73.02", name="Uji Lain", slug="uji-lain", abbreviation="ULN"
    )
    kelurahan = {
        "sipin": factories.KelurahanFactory(kecamatan=kec, name="Sipin Uji", slug="sipin-uji"),
        "kenali": factories.KelurahanFactory(kecamatan=kec, name="Kenali Uji", slug="kenali-uji"),
        "lain": factories.KelurahanFactory(kecamatan=kec_other, name="Lain Uji", slug="lain-uji"),
    }
    mk = factories.make_user
    users = {
        "camat": mk(
            Role.KECAMATAN,
            kec,
            username="camat-uji-sk",
            first_name="Hasan",
            last_name="Rambe",
            position="Camat Uji SK",
            nip="197805122000121003",
        ),
        "camat_other": mk(Role.KECAMATAN, kec_other, username="camat-uji-lain"),
        "lurah": mk(Role.KELURAHAN, kelurahan["sipin"], username="lurah-sipin-uji"),
        "bappeda": mk(Role.BAPPEDA, username="bappeda-sk"),
        "inspektorat": mk(Role.INSPEKTORAT, username="inspektorat-sk"),
        "admin": mk(Role.ADMIN, username="admin-sk"),
    }
    return SKWorld(
        fiscal_year=fy,
        kecamatan=kec,
        kecamatan_other=kec_other,
        kelurahan=kelurahan,
        users=users,
    )


@pytest.fixture
def make_site(sk):
    """A proposal (kecamatan_verified by default) whose RAB is one line costing `cost`, walked
    there through the services (tests.factories.ProposalFactory). A cost above the RT's
    ceiling, a state past the verification or a field the Ketua RT does not fill in cannot
    be reached that way: such a site is an ORM row, for the tests of what the SK refuses."""
    counter = {"n": 0}

    def make(kelurahan="sipin", *, cost=30_000_000, state=State.KECAMATAN_VERIFIED, **fields):
        counter["n"] += 1
        kel = sk.kelurahan[kelurahan]
        rt, _ = RT.objects.get_or_create(
            kelurahan=kel, number=counter["n"], defaults={"households": 80}
        )
        values = {
            "title": f"Rabat beton gang {counter['n']}",
            "work_type": factories.WorkTypeFactory(),
            "location_description": f"Gang Kenanga {counter['n']}, dari masjid sampai ujung",
            "planned_volume": Decimal("120"),
            "planned_width": Decimal("1.50"),
        }
        values.update(fields)
        ceiling = sk.fiscal_year.ceiling_for(rt.households) or 0
        walked = ("draft", "submitted", "kelurahan_verified", "kecamatan_verified")
        if state in walked and 0 < cost <= ceiling and set(fields) <= set(PROPOSAL_FIELDS):
            return factories.ProposalFactory(
                rt=rt,
                fiscal_year=sk.fiscal_year,
                state=state,
                rab=[("Paket material", "paket", Decimal("1"), cost)],
                **values,
            )
        values.update(fiscal_year=sk.fiscal_year, rt=rt, kelurahan=kel, state=state)
        proposal = Proposal.objects.create(**values)
        RABLine(
            proposal=proposal, material="Paket material", unit="paket", quantity=1, unit_price=cost
        ).save()
        return proposal

    return make


def _draft(sk, proposals, actor=None):
    return decrees.decree_create_draft(
        actor=actor or sk.users["camat"],
        kecamatan=sk.kecamatan,
        fiscal_year=sk.fiscal_year,
        proposals=proposals,
    )


def _issue(sk, decree, **kwargs):
    return decrees.decree_issue(actor=sk.users["camat"], decree=decree, **kwargs)


# --- drafts -------------------------------------------------------------------------------


def test_a_draft_is_worded_from_a_default_template_of_the_year(sk, make_site):
    site = make_site()

    decree = _draft(sk, [site])

    template = DecreeTemplate.objects.get(fiscal_year=sk.fiscal_year)
    assert "45 Tahun 2014" in template.mengingat
    for amendment in ("18 Tahun 2015", "22 Tahun 2015", "42 Tahun 2015", "21 Tahun 2017"):
        assert amendment in decree.mengingat
    assert "Nomor 5 Tahun 2020" in decree.mengingat
    assert "Undang-Undang Nomor 23 Tahun 2014 tentang Pemerintahan Daerah" in decree.mengingat
    assert "Tahun Anggaran 2026" in decree.mengingat
    assert decree.title == "Penetapan Lokasi Kegiatan Bangkit Berdaya Tahun 2026"
    assert "Kecamatan Uji SK" in decree.menimbang
    assert "{count}" in decree.clauses[0] and "{total}" in decree.clauses[0]
    assert decree.signatory_name == "Hasan Rambe"
    assert decree.signatory_nip == "197805122000121003"
    assert decree.state == Decree.State.DRAFT and decree.number == ""
    assert [loc.proposal for loc in decree.locations.all()] == [site]
    assert decree.locations.get().budget == 30_000_000
    assert AuditEvent.objects.filter(action="decree_create_draft").exists()


def test_a_draft_refuses_proposals_that_are_not_verified_or_already_taken(sk, make_site):
    verified = make_site()
    submitted = make_site(state=State.SUBMITTED)
    _draft(sk, [verified])

    with pytest.raises(ActionRefused) as refused:
        _draft(sk, [verified, submitted])

    problems = " ".join(refused.value.problems)
    assert verified.code in problems and "draf SK lain" in problems
    assert submitted.code in problems and "Diajukan ke kelurahan" in problems
    assert Decree.objects.count() == 1


def test_only_the_camat_of_the_kecamatan_drafts_its_decree(sk, make_site):
    site = make_site()

    with pytest.raises(NotInScope):
        _draft(sk, [site], actor=sk.users["camat_other"])
    with pytest.raises(ActionRefused):
        _draft(sk, [site], actor=sk.users["bappeda"])
    with pytest.raises(ActionRefused):
        _draft(sk, [site], actor=sk.users["lurah"])
    other_site = make_site("lain")
    with pytest.raises(ActionRefused, match="Sebagian lokasi"):
        _draft(sk, [other_site])


def test_a_draft_can_be_edited_but_an_issued_decree_cannot(sk, make_site):
    sk.envelope(500_000_000)
    first, second = make_site(), make_site("kenali")
    decree = _draft(sk, [first])

    decrees.decree_update_draft(
        actor=sk.users["camat"],
        decree=decree,
        title="Penetapan Lokasi Bangkit Berdaya 2026",
        paper=Decree.Paper.A4,
        clauses="Satu.\nDua.",
        proposals=[first, second],
    )
    decree.refresh_from_db()
    assert decree.title == "Penetapan Lokasi Bangkit Berdaya 2026"
    assert decree.paper == "A4" and decree.clauses == ["Satu.", "Dua."]
    assert decree.locations.count() == 2

    decree = _issue(sk, decree)
    with pytest.raises(ActionRefused, match="tidak dapat diubah"):
        decrees.decree_update_draft(actor=sk.users["camat"], decree=decree, title="Lain")
    decree.title = "Diubah diam-diam"
    with pytest.raises(ValidationError):
        decree.save()
    with pytest.raises(ActionRefused):
        decrees.decree_delete_draft(actor=sk.users["camat"], decree=decree)


# --- issuing ------------------------------------------------------------------------------


def test_issuing_numbers_designates_freezes_budgets_and_stores_the_pdf(sk, make_site):
    sk.envelope(500_000_000)
    a = make_site(cost=30_000_000)
    b = make_site("kenali", cost=45_500_000)
    decree = _draft(sk, [a, b])

    decree = _issue(sk, decree)

    assert decree.state == Decree.State.ISSUED
    assert decree.number == "1/SK/BB/KEC.USK/2026" and decree.sequence == 1
    assert decree.issued_by == sk.users["camat"] and decree.decree_date is not None
    for site, cost in ((a, 30_000_000), (b, 45_500_000)):
        site.refresh_from_db()
        assert site.state == State.DESIGNATED
        assert site.designated_budget == cost
        log = TransitionLog.objects.get(proposal=site, transition="designate")
        assert log.note == decree.number and log.actor == sk.users["camat"]
    assert sorted(decree.locations.values_list("budget", flat=True)) == [30_000_000, 45_500_000]
    stored = decree.pdf.read()
    assert stored.startswith(b"%PDF")
    assert hashlib.sha256(stored).hexdigest() == decree.pdf_sha256
    assert AuditEvent.objects.filter(action="decree_issue", summary__contains=decree.number)


def test_numbers_follow_each_other_per_kecamatan_and_year(sk, make_site):
    sk.envelope(500_000_000)
    sk.envelope(500_000_000, kecamatan=sk.kecamatan_other)
    first = _issue(sk, _draft(sk, [make_site()]))
    second = _issue(sk, _draft(sk, [make_site()]))
    other = decrees.decree_issue(
        actor=sk.users["camat_other"],
        decree=decrees.decree_create_draft(
            actor=sk.users["camat_other"],
            kecamatan=sk.kecamatan_other,
            fiscal_year=sk.fiscal_year,
            proposals=[make_site("lain")],
        ),
    )

    assert [first.number, second.number] == ["1/SK/BB/KEC.USK/2026", "2/SK/BB/KEC.USK/2026"]
    assert other.number == "1/SK/BB/KEC.ULN/2026"


def _nothing_changed(sk, decree, sites):
    decree.refresh_from_db()
    assert decree.state == Decree.State.DRAFT and decree.number == "" and not decree.pdf
    assert not DecreeCounter.objects.filter(kecamatan=sk.kecamatan, last_number__gt=0).exists()
    for site in sites:
        site.refresh_from_db()
        assert site.designated_budget is None
    assert not TransitionLog.objects.filter(transition="designate").exists()
    assert not AuditEvent.objects.filter(action="decree_issue").exists()


def test_issuing_refuses_and_changes_nothing_when_a_proposal_is_no_longer_eligible(sk, make_site):
    sk.envelope(500_000_000)
    keep, gone = make_site(), make_site("kenali")
    decree = _draft(sk, [keep, gone])
    Proposal.objects.filter(pk=gone.pk).update(state=State.DEFERRED)

    with pytest.raises(ActionRefused) as refused:
        _issue(sk, decree)

    assert refused.value.message == "SK belum dapat ditetapkan."
    assert any(gone.code in p and "Ditunda" in p for p in refused.value.problems)
    assert not any(keep.code in p for p in refused.value.problems)
    _nothing_changed(sk, decree, [keep, gone])
    keep.refresh_from_db()
    assert keep.state == State.KECAMATAN_VERIFIED


def test_issuing_refuses_a_proposal_whose_rab_grew_over_its_ceiling(sk, make_site):
    sk.envelope(500_000_000)
    site = make_site(cost=60_000_000)
    decree = _draft(sk, [site])
    RABLine(
        proposal=site, material="Tambahan", unit="paket", quantity=1, unit_price=20_000_000
    ).save()

    with pytest.raises(ActionRefused) as refused:
        _issue(sk, decree)

    assert any(
        site.code in p and "Rp 80.000.000" in p and "Rp 70.000.000" in p
        for p in refused.value.problems
    )
    _nothing_changed(sk, decree, [site])


def test_issuing_refuses_and_changes_nothing_when_the_envelope_would_be_exceeded(sk, make_site):
    sk.envelope(100_000_000)
    already = make_site(cost=60_000_000)
    _issue(sk, _draft(sk, [already]))
    DecreeCounter.objects.all().delete()  # so _nothing_changed can look for a fresh counter
    a, b = make_site(cost=25_000_000), make_site("kenali", cost=25_000_000)
    decree = _draft(sk, [a, b])

    with pytest.raises(ActionRefused) as refused:
        _issue(sk, decree)

    problems = refused.value.problems
    assert any("Pagu Kecamatan Uji SK Rp 100.000.000 terlampaui" in p for p in problems)
    assert any("sisa hanya Rp 40.000.000" in p for p in problems)
    decree.refresh_from_db()
    assert decree.state == Decree.State.DRAFT and decree.number == ""
    for site in (a, b):
        site.refresh_from_db()
        assert site.state == State.KECAMATAN_VERIFIED and site.designated_budget is None


def test_issuing_respects_a_kelurahan_share_and_a_missing_envelope(sk, make_site):
    site = make_site(cost=40_000_000)
    decree = _draft(sk, [site])
    with pytest.raises(ActionRefused) as refused:
        _issue(sk, decree)
    assert any("belum ditetapkan" in p for p in refused.value.problems)

    sk.envelope(500_000_000)
    sk.envelope(30_000_000, kelurahan="sipin")
    with pytest.raises(ActionRefused) as refused:
        _issue(sk, decree)
    assert any("Pagu Kelurahan Sipin Uji" in p for p in refused.value.problems)
    _nothing_changed(sk, decree, [site])


def test_only_the_camat_issues(sk, make_site):
    sk.envelope(500_000_000)
    decree = _draft(sk, [make_site()])

    with pytest.raises(NotInScope):
        decrees.decree_issue(actor=sk.users["camat_other"], decree=decree)
    with pytest.raises(ActionRefused):
        decrees.decree_issue(actor=sk.users["bappeda"], decree=decree)
    decree.refresh_from_db()
    assert decree.state == Decree.State.DRAFT


def test_issuing_twice_is_refused_with_the_number(sk, make_site):
    sk.envelope(500_000_000)
    decree = _issue(sk, _draft(sk, [make_site()]))

    with pytest.raises(ActionRefused, match=decree.number.replace(".", r"\.")):
        _issue(sk, Decree.objects.get(pk=decree.pk))
    assert DecreeCounter.objects.get(kecamatan=sk.kecamatan).last_number == 1


# --- amendments ---------------------------------------------------------------------------


def test_an_amending_decree_revokes_the_old_one_when_issued(sk, make_site):
    sk.envelope(500_000_000)
    kept = make_site(cost=30_000_000)
    original = _issue(sk, _draft(sk, [kept]))
    added = make_site("kenali", cost=20_000_000)

    draft = amendments.decree_amend(
        actor=sk.users["camat"], decree=original, reason="RT 02 Kenali Uji menyusul diverifikasi"
    )
    assert draft.amends == original and draft.state == Decree.State.DRAFT
    assert original.number in draft.title and original.number in draft.menimbang
    assert "Kenali Uji menyusul" in draft.menimbang
    assert [loc.proposal_id for loc in draft.locations.all()] == [kept.pk]
    with pytest.raises(ActionRefused, match="Sudah ada draf perubahan"):
        amendments.decree_amend(actor=sk.users["camat"], decree=original, reason="alasan kedua ya")

    decrees.decree_update_draft(actor=sk.users["camat"], decree=draft, proposals=[kept, added])
    amended = _issue(sk, draft)

    original.refresh_from_db()
    assert original.state == Decree.State.REVOKED
    assert amended.state == Decree.State.ISSUED and amended.amends == original
    assert amended.number == "2/SK/BB/KEC.USK/2026"
    added.refresh_from_db()
    kept.refresh_from_db()
    assert added.state == State.DESIGNATED and added.designated_budget == 20_000_000
    assert TransitionLog.objects.filter(proposal=kept, transition="designate").count() == 1
    assert original.pdf and original.pdf_sha256  # both acts are kept
    assert AuditEvent.objects.filter(action="decree_revoke").exists()
    with pytest.raises(ActionRefused, match="sedang berlaku"):
        amendments.decree_amend(actor=sk.users["camat"], decree=original, reason="sudah dicabut ya")


def test_an_amendment_may_drop_a_site_only_once_it_is_cancelled(sk, make_site):
    sk.envelope(500_000_000)
    a, b = make_site(), make_site("kenali")
    original = _issue(sk, _draft(sk, [a, b]))
    draft = amendments.decree_amend(
        actor=sk.users["camat"], decree=original, reason="Lokasi B pindah ke tahun depan"
    )
    decrees.decree_update_draft(actor=sk.users["camat"], decree=draft, proposals=[a])

    with pytest.raises(ActionRefused) as refused:
        _issue(sk, draft)
    assert any(b.code in p and "batalkan" in p for p in refused.value.problems)

    Proposal.objects.filter(pk=b.pk).update(state=State.CANCELLED)
    assert _issue(sk, draft).state == Decree.State.ISSUED


# --- changes to designated sites ------------------------------------------------------------


def test_site_changes_are_recorded_with_reasons_and_budget_increases_checked(sk, make_site):
    sk.envelope(100_000_000)
    site = make_site(cost=40_000_000)
    decree = _issue(sk, _draft(sk, [site]))
    other = make_site("kenali", cost=50_000_000)
    _issue(sk, _draft(sk, [other]))

    with pytest.raises(ActionRefused) as refused:
        amendments.site_amend(
            actor=sk.users["camat"],
            proposal=site,
            field="budget",
            new_value="Rp 55.000.000",
            reason="Harga semen naik di toko bangunan",
        )
    assert any("terlampaui" in p for p in refused.value.problems)

    amendment = amendments.site_amend(
        actor=sk.users["camat"],
        proposal=site,
        field="budget",
        new_value="45.000.000",
        reason="Harga semen naik di toko bangunan",
    )
    amendments.site_amend(
        actor=sk.users["camat"],
        proposal=site,
        field="volume",
        new_value="100,5",
        reason="Ujung gang sudah dicor warga sendiri",
    )
    amendments.site_amend(
        actor=sk.users["camat"],
        proposal=site,
        field="location",
        new_value="Gang Kenanga, dari surau sampai sungai",
        reason="Salah tulis nama patokan lokasi",
    )

    site.refresh_from_db()
    assert site.designated_budget == 45_000_000
    assert site.planned_volume == Decimal("100.5")
    assert site.location_description == "Gang Kenanga, dari surau sampai sungai"
    assert amendment.decree == decree and amendment.old_value == "40000000"
    shown = public_amendments(site)
    assert [a.field for a in shown] == ["budget", "volume", "location"]
    assert shown[0].old_value == "Rp 40.000.000" and shown[0].new_value == "Rp 45.000.000"
    assert shown[1].new_value == "100,5 m"
    assert shown[0].decree_number == decree.number
    assert AuditEvent.objects.filter(action="site_amend").count() == 3
    assert Amendment.objects.filter(proposal=site).count() == 3


def test_site_changes_need_a_reason_scope_and_a_designated_site(sk, make_site):
    sk.envelope(100_000_000)
    site = make_site()
    with pytest.raises(ActionRefused, match="tahap"):
        amendments.site_amend(
            actor=sk.users["camat"],
            proposal=site,
            field="volume",
            new_value="10",
            reason="alasan yang cukup panjang",
        )
    _issue(sk, _draft(sk, [site]))
    with pytest.raises(ActionRefused, match="alasan"):
        amendments.site_amend(
            actor=sk.users["camat"], proposal=site, field="volume", new_value="10", reason="x"
        )
    with pytest.raises(NotInScope):
        amendments.site_amend(
            actor=sk.users["camat_other"],
            proposal=site,
            field="volume",
            new_value="10",
            reason="alasan yang cukup panjang",
        )
    with pytest.raises(ActionRefused, match="pagu lokasi"):
        amendments.site_amend(
            actor=sk.users["camat"],
            proposal=site,
            field="budget",
            new_value="90000000",
            reason="alasan yang cukup panjang",
        )


def test_a_site_budget_never_drops_below_what_is_ordered(sk, make_site):
    envelope = sk.envelope(100_000_000)
    site = make_site(cost=25_000_000)
    _issue(sk, _draft(sk, [site]))
    # Procurement's services keep the figure on the proposal; here it is set directly.
    Proposal.objects.filter(pk=site.pk).update(ordered_amount=19_170_000)

    with pytest.raises(ActionRefused) as refused:
        amendments.site_amend(
            actor=sk.users["camat"],
            proposal=site,
            field="budget",
            new_value="1.000.000",
            reason="Sebagian gang sudah dicor dinas PU",
        )

    assert refused.value.message == (
        "Anggaran baru Rp 1.000.000 terlalu kecil: anggaran lokasi tidak boleh di bawah nilai "
        "pesanan yang sudah diterbitkan (Rp 19.170.000)."
    )
    site.refresh_from_db()
    assert site.designated_budget == 25_000_000
    assert not Amendment.objects.filter(proposal=site).exists()
    # The freed money cannot be committed twice: the envelope still counts Rp 25.000.000.
    assert figures_for([envelope])[0].committed == 25_000_000
    amendments.site_amend(
        actor=sk.users["camat"],
        proposal=site,
        field="budget",
        new_value="19.170.000",
        reason="Sisa anggaran dikembalikan ke kecamatan",
    )
    assert figures_for([envelope])[0].committed == 19_170_000


# --- concurrency (real row locks) ---------------------------------------------------------

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite has no row locks (select_for_update): run with DATABASE_URL=postgres://…",
)


def _race(sk, drafts):
    """Issue every draft at the same moment from its own thread; return numbers and refusals."""
    barrier = threading.Barrier(len(drafts))
    results: dict[int, object] = {}

    def run(decree):
        try:
            barrier.wait()
            results[decree.pk] = decrees.decree_issue(actor=sk.users["camat"], decree=decree)
        except ActionRefused as exc:
            results[decree.pk] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(d,)) for d in drafts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


@needs_postgres
@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_two_decrees_issued_at_once_never_overspend_one_envelope(sk, make_site):
    sk.envelope(100_000_000)
    first = _draft(sk, [make_site(cost=35_000_000), make_site("kenali", cost=30_000_000)])
    second = _draft(sk, [make_site(cost=40_000_000), make_site("kenali", cost=20_000_000)])

    results = _race(sk, [first, second])

    issued = [r for r in results.values() if isinstance(r, Decree)]
    refused = [r for r in results.values() if isinstance(r, ActionRefused)]
    assert len(issued) == 1 and len(refused) == 1
    assert any("terlampaui" in p for p in refused[0].problems)
    committed = sum(
        Proposal.objects.filter(state=State.DESIGNATED).values_list("designated_budget", flat=True)
    )
    assert committed <= 100_000_000
    assert issued[0].number == "1/SK/BB/KEC.USK/2026"
    assert DecreeCounter.objects.get(kecamatan=sk.kecamatan).last_number == 1


@needs_postgres
@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_decrees_issued_at_once_get_distinct_numbers_without_gaps(sk, make_site):
    sk.envelope(1_000_000_000)
    drafts = [_draft(sk, [make_site(cost=10_000_000 + i)]) for i in range(4)]

    results = _race(sk, drafts)

    assert all(isinstance(r, Decree) for r in results.values()), results
    sequences = sorted(Decree.objects.values_list("sequence", flat=True))
    assert sequences == [1, 2, 3, 4]
    numbers = set(Decree.objects.values_list("number", flat=True))
    assert numbers == {f"{n}/SK/BB/KEC.USK/2026" for n in range(1, 5)}
    assert DecreeCounter.objects.get(kecamatan=sk.kecamatan).last_number == 4


@needs_postgres
@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_the_same_proposal_in_two_drafts_is_designated_once(sk, make_site):
    sk.envelope(1_000_000_000)
    shared = make_site(cost=30_000_000)
    first = _draft(sk, [shared])
    # A second draft cannot take it through the service; build the race the database must stop.
    second = _draft(sk, [make_site(cost=10_000_000)])
    second.locations.create(proposal=shared, budget=30_000_000, position=9)

    results = _race(sk, [first, second])

    assert sum(isinstance(r, Decree) for r in results.values()) == 1
    assert TransitionLog.objects.filter(proposal=shared, transition="designate").count() == 1


def test_a_failure_after_the_pdf_is_written_leaves_no_file_and_no_number(
    sk, make_site, monkeypatch, settings
):
    sk.envelope(500_000_000)
    decree = _draft(sk, [make_site()])
    real_audit = decrees.audit_record

    def failing_audit(**kwargs):
        if kwargs["action"] == "decree_issue":
            raise RuntimeError("disk penuh")
        return real_audit(**kwargs)

    monkeypatch.setattr(decrees, "audit_record", failing_audit)

    with pytest.raises(RuntimeError):
        _issue(sk, decree)

    decree.refresh_from_db()
    assert decree.state == Decree.State.DRAFT and not decree.pdf
    folder = settings.MEDIA_ROOT / "decrees"
    assert not folder.exists() or not any(folder.rglob("*.pdf"))
    assert not DecreeCounter.objects.filter(last_number__gt=0).exists()


def test_a_decree_rolled_back_by_the_callers_transaction_leaves_no_pdf(sk, make_site, media_files):
    sk.envelope(500_000_000)
    decree = _draft(sk, [make_site()])
    documents = media_files()  # the site's own, uploaded on its way to the verification

    with pytest.raises(RuntimeError), storage.atomic():
        _issue(sk, decree)
        assert len(media_files() - documents) == 1
        raise RuntimeError("the caller's transaction fails afterwards")

    assert media_files() - documents == set()


@pytest.mark.django_db(transaction=True)
def test_a_decree_whose_commit_fails_leaves_no_pdf_and_stays_a_draft(
    sk, make_site, media_files, commit_fails
):
    sk.envelope(500_000_000)
    decree = _draft(sk, [make_site()])
    documents = media_files()  # the site's own, uploaded on its way to the verification

    with pytest.raises(OperationalError), commit_fails():
        _issue(sk, decree)

    assert media_files() - documents == set()
    decree.refresh_from_db()
    assert decree.state == Decree.State.DRAFT and not decree.pdf


def test_a_decree_on_a_full_disk_is_refused_with_a_message_and_stays_a_draft(
    sk, make_site, media_files, media_fails
):
    sk.envelope(500_000_000)
    decree = _draft(sk, [make_site()])
    documents = media_files()  # the site's own, uploaded on its way to the verification
    media_fails(errno.ENOSPC)

    with pytest.raises(ActionRefused) as info:
        _issue(sk, decree)

    assert info.value.message.startswith("Berkas 'PDF SK ")
    assert "tidak dapat disimpan: ruang penyimpanan berkas di server penuh." in info.value.message
    assert media_files() - documents == set()
    decree.refresh_from_db()
    assert decree.state == Decree.State.DRAFT and not decree.number
    assert not DecreeCounter.objects.filter(last_number__gt=0).exists()


def test_an_issued_decree_refuses_a_partial_save_too(sk, make_site):
    sk.envelope(500_000_000)
    decree = _issue(sk, _draft(sk, [make_site()]))

    decree.title = "Diubah diam-diam"
    with pytest.raises(ValidationError):
        decree.save(update_fields=["title"])

    decree.refresh_from_db()
    assert decree.title != "Diubah diam-diam"


# --- the annex as issued ------------------------------------------------------------------


def test_issuing_keeps_each_site_as_the_pdf_prints_it(sk, make_site):
    sk.envelope(500_000_000)
    site = make_site(planned_volume=Decimal("75"), location_description="Gang Kenanga ujung")
    decree = _draft(sk, [site])
    draft_row = decree.locations.get()
    assert not draft_row.is_frozen  # a draft lists the proposal as it is

    decree = _issue(sk, decree)
    amendments.site_amend(
        actor=sk.users["camat"],
        proposal=site,
        field="volume",
        new_value="68",
        reason="Sebagian gang sudah dicor warga",
    )
    amendments.site_amend(
        actor=sk.users["camat"],
        proposal=site,
        field="location",
        new_value="Gang Kenanga pangkal",
        reason="Ujung gang ternyata sudah beraspal",
    )

    row = decree.locations.select_related("proposal__rt").get()
    assert row.is_frozen
    assert (row.rt_label, row.kelurahan_name) == (site.rt.label, "Sipin Uji")
    assert (row.work_type_name, row.unit) == ("Jalan setapak / rabat beton", "m")
    assert row.volume == 75 and row.width == Decimal("1.50")
    assert row.location_description == "Gang Kenanga ujung"
    assert row.site.volume == 75 and row.site.location_description == "Gang Kenanga ujung"
    site.refresh_from_db()
    assert site.planned_volume == 68 and site.location_description == "Gang Kenanga pangkal"


def test_the_annex_of_an_issued_decree_refuses_a_save(sk, make_site):
    sk.envelope(500_000_000)
    decree = _issue(sk, _draft(sk, [make_site(cost=30_000_000)]))
    row = decree.locations.get()

    row.volume = Decimal("999")
    row.budget = 99_000_000
    with pytest.raises(ValidationError):
        row.save(update_fields=["volume", "budget"])

    row.refresh_from_db()
    assert row.volume == 120 and row.budget == 30_000_000


def test_the_migration_restores_decrees_issued_before_sites_were_kept(sk, make_site):
    sk.envelope(500_000_000)
    site = make_site(planned_volume=Decimal("75"), location_description="Gang Kenanga ujung")
    untouched = make_site("kenali", planned_volume=Decimal("40"))
    decree = _issue(sk, _draft(sk, [site, untouched]))
    # Changed afterwards: once by an amendment, once behind its back (the old admin hole).
    amendments.site_amend(
        actor=sk.users["camat"],
        proposal=site,
        field="volume",
        new_value="68",
        reason="Sebagian gang sudah dicor warga",
    )
    Proposal.objects.filter(pk=untouched.pk).update(planned_volume=Decimal("999"))
    blank = dict.fromkeys(["rt_label", "kelurahan_name", "work_type_name", "unit"], "")
    DecreeLocation.objects.filter(decree=decree).update(
        **blank, location_description="", volume=None, width=None
    )
    migration = importlib.import_module("verification.migrations.0002_decree_location_as_issued")

    migration.freeze_issued_locations(django_apps, None)

    rows = {r.proposal_id: r for r in DecreeLocation.objects.filter(decree=decree)}
    assert rows[site.pk].volume == 75 and rows[untouched.pk].volume == 40
    assert rows[site.pk].location_description == "Gang Kenanga ujung"
    assert rows[site.pk].rt_label == site.rt.label and rows[site.pk].unit == "m"
    assert rows[untouched.pk].kelurahan_name == "Kenali Uji"


def test_the_migration_falls_back_on_undoing_amendments_without_history(sk, make_site):
    sk.envelope(500_000_000)
    site = make_site(planned_volume=Decimal("75"), location_description="Gang Kenanga ujung")
    decree = _issue(sk, _draft(sk, [site]))
    for name, value in (("volume", "68"), ("volume", "60"), ("location", "Gang Kenanga pangkal")):
        amendments.site_amend(
            actor=sk.users["camat"],
            proposal=site,
            field=name,
            new_value=value,
            reason="Perubahan yang dicatat di lapangan",
        )
    site.history.all().delete()
    DecreeLocation.objects.filter(decree=decree).update(volume=None)
    migration = importlib.import_module("verification.migrations.0002_decree_location_as_issued")

    migration.freeze_issued_locations(django_apps, None)

    row = DecreeLocation.objects.get(decree=decree)
    assert row.volume == 75 and row.location_description == "Gang Kenanga ujung"
