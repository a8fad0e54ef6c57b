"""Demo decrees: envelopes, then an SK Camat issued through the real services per kecamatan.

Telanaipura keeps at least three verified proposals out of every decree, so the demo Camat
(camat.telanaipura) can rank, choose and issue an SK himself.
"""

import random
from datetime import date
from decimal import Decimal

from django.utils import timezone

from bangkit.models import RT, FiscalYear, Kecamatan, Role, User, WorkType
from budgets.models import BudgetEnvelope
from demo.seeders.budgets import seed_envelopes
from demo.seeders.core import demo_year
from demo.seeders.proposals import _People, demo_entry, walk
from proposals.models import MusrenbangEntry, Proposal, State
from verification.decrees import amendments
from verification.decrees import services as decrees
from verification.models import Decree, DecreeLocation

DEMO_KECAMATAN = "telanaipura"
LEFT_FOR_THE_CAMAT = 3
DESIGNATED_IN_DEMO_KECAMATAN = 3
DEMO_TOTAL_BUDGET = 10_000_000_000
RANKS = ["Pembina (IV/a)", "Pembina Tingkat I (IV/b)"]
# Entries made only when the imported wish-list has too few left in the demo kecamatan.
EXTRA_ENTRIES = [
    ("rabat-beton", "Rabat beton gang Cempaka RT {rt:02d}", "Gang Cempaka RT {rt:02d}", 110),
    ("drainase", "Drainase lingkungan gang Melur RT {rt:02d}", "Gang Melur RT {rt:02d}", 90),
    ("gorong-gorong", "Gorong-gorong simpang gang Damai RT {rt:02d}", "Gang Damai", 2),
    ("rabat-beton", "Semenisasi lorong Sakinah RT {rt:02d}", "Lorong Sakinah RT {rt:02d}", 130),
    ("mck", "MCK umum RT {rt:02d}", "Dekat langgar RT {rt:02d}", 1),
    ("drainase", "Perbaikan parit gang Bahagia RT {rt:02d}", "Gang Bahagia RT {rt:02d}", 100),
]


def seed() -> str:
    year = demo_year()
    fiscal_year = FiscalYear.objects.filter(year=year).first()
    if fiscal_year is None:
        return f"dilewati: tahun anggaran {year} belum ada"
    envelopes = _envelopes(fiscal_year)
    added = _top_up_demo_kecamatan(fiscal_year)
    issued = []
    for kecamatan in _kecamatan_with_verified(fiscal_year):
        decree = _issue_for(kecamatan, fiscal_year)
        if decree is not None:
            issued.append(decree)
    left = _free_verified(fiscal_year, DEMO_KECAMATAN).count()
    return (
        f"pagu: {envelopes}; {added} usulan terverifikasi ditambahkan; "
        f"{len(issued)} SK Camat baru ditetapkan"
        + (f" ({', '.join(d.number for d in issued)})" if issued else "")
        + f"; {left} usulan Telanaipura menunggu SK dari camat.{DEMO_KECAMATAN}"
    )


def _envelopes(fiscal_year: FiscalYear) -> str:
    return seed_envelopes(fiscal_year)


def _free_verified(fiscal_year: FiscalYear, kecamatan_slug: str | None = None):
    """Verified proposals that no draft or issued decree lists yet."""
    taken = DecreeLocation.objects.filter(
        decree__state__in=[Decree.State.DRAFT, Decree.State.ISSUED]
    ).values("proposal_id")
    qs = Proposal.objects.filter(fiscal_year=fiscal_year, state=State.KECAMATAN_VERIFIED).exclude(
        pk__in=taken
    )
    if kecamatan_slug:
        qs = qs.filter(kelurahan__kecamatan__slug=kecamatan_slug)
    return qs


def _kecamatan_with_verified(fiscal_year: FiscalYear):
    return (
        Kecamatan.objects.filter(
            kelurahan_set__proposal__fiscal_year=fiscal_year,
            kelurahan_set__proposal__state=State.KECAMATAN_VERIFIED,
        )
        .distinct()
        .order_by("code")
    )


def _top_up_demo_kecamatan(fiscal_year: FiscalYear) -> int:
    """Walk more Telanaipura proposals to 'kecamatan_verified' through the proposal services,
    until there are enough for one demo decree and for the Camat's own."""
    if Decree.objects.filter(fiscal_year=fiscal_year, kecamatan__slug=DEMO_KECAMATAN).exists():
        return 0
    wanted = LEFT_FOR_THE_CAMAT + DESIGNATED_IN_DEMO_KECAMATAN
    missing = wanted - _free_verified(fiscal_year, DEMO_KECAMATAN).count()
    if missing <= 0 or fiscal_year.status != FiscalYear.Status.OPEN:
        return 0
    people = _People()
    added = 0
    for entry in _spare_entries(fiscal_year.year, missing):
        proposal = walk(entry, "kecamatan_verified", people)
        if proposal is not None and proposal.state == State.KECAMATAN_VERIFIED:
            added += 1
        if added >= missing:
            break
    return added


def _spare_entries(year: int, count: int) -> list[MusrenbangEntry]:
    """Telanaipura wish-list entries without a proposal, made up if the list runs short."""
    free = (
        MusrenbangEntry.objects.filter(
            year=year,
            kelurahan__kecamatan__slug=DEMO_KECAMATAN,
            rt__isnull=False,
            rt__households__gt=0,
            work_type__isnull=False,
        )
        .filter(proposals__isnull=True)
        .select_related("rt", "kelurahan__kecamatan", "work_type")
        .order_by("source_id")
    )
    # A couple more than needed: a walk may stop early (an RT without an account).
    entries = list(free[: count + 2])
    if len(entries) >= count + 2:
        return entries
    rts = list(
        RT.objects.filter(
            kelurahan__kecamatan__slug=DEMO_KECAMATAN,
            households__gt=0,
            active=True,
            kelurahan__valid_from_year__lte=year,
        )
        .select_related("kelurahan")
        .order_by("kelurahan__code", "number")
    )
    rng = random.Random(f"sk-demo-{year}")
    work_types = {w.code: w for w in WorkType.objects.all()}
    for number, (code, title, location, volume) in enumerate(EXTRA_ENTRIES, start=1):
        if not rts or code not in work_types:
            continue
        rt = rts[rng.randrange(len(rts))]
        entry, _ = demo_entry(
            year,
            f"SK-DEMO-{year}-{number:03d}",
            rt,
            work_types[code],
            title=title.format(rt=rt.number),
            problem="Usulan warga pada musyawarah RT (data demo)",
            location=location.format(rt=rt.number),
            volume=volume,
            priority=2,
        )
        if not entry.proposals.exists():
            entries.append(entry)
    return entries


def _issue_for(kecamatan: Kecamatan, fiscal_year: FiscalYear) -> Decree | None:
    """One SK for the kecamatan's verified proposals that fit its envelope (once per year)."""
    if Decree.objects.filter(fiscal_year=fiscal_year, kecamatan=kecamatan).exists():
        return None
    camat = User.objects.filter(
        role=Role.KECAMATAN, kecamatan=kecamatan, username=f"camat.{kecamatan.slug}"
    ).first()
    if camat is None:
        return None
    candidates = list(
        _free_verified(fiscal_year)
        .filter(kelurahan__kecamatan=kecamatan)
        .select_related("rt", "kelurahan")
        .with_rab_total()
        .order_by("kelurahan__code", "rt__number", "code")
    )
    if kecamatan.slug == DEMO_KECAMATAN:
        candidates = candidates[: max(0, len(candidates) - LEFT_FOR_THE_CAMAT)]
    chosen = _within_envelope(kecamatan, fiscal_year, candidates)
    if not chosen:
        return None
    draft = decrees.decree_create_draft(
        actor=camat,
        kecamatan=kecamatan,
        fiscal_year=fiscal_year,
        proposals=chosen,
        signatory_rank=RANKS[int(kecamatan.code[-2:]) % len(RANKS)],
    )
    decree_date = min(date(fiscal_year.year, 3, 12), timezone.localdate())
    decree = decrees.decree_issue(actor=camat, decree=draft, decree_date=decree_date)
    if kecamatan.slug != DEMO_KECAMATAN:
        _show_a_site_change(camat, chosen[0])
    return decree


def _within_envelope(kecamatan, fiscal_year, candidates) -> list[Proposal]:
    from budgets.figures import figures_for

    envelopes = BudgetEnvelope.objects.filter(fiscal_year=fiscal_year, kecamatan=kecamatan)
    figures = {f.envelope.kelurahan_id: f for f in figures_for(envelopes)}
    if None not in figures:
        return []
    left = {key: f.remaining for key, f in figures.items()}
    chosen = []
    for p in candidates:
        cost = p.rab_total
        if cost > left[None] or (p.kelurahan_id in left and cost > left[p.kelurahan_id]):
            continue
        left[None] -= cost
        if p.kelurahan_id in left:
            left[p.kelurahan_id] -= cost
        chosen.append(p)
    return chosen


def _show_a_site_change(camat, proposal: Proposal) -> None:
    """One public change to a designated site, so the tracking page has one to show."""
    proposal.refresh_from_db()
    new_volume = max(
        Decimal("1"), (proposal.planned_volume * Decimal("0.9")).quantize(Decimal("1"))
    )
    if new_volume == proposal.planned_volume:
        return
    amendments.site_amend(
        actor=camat,
        proposal=proposal,
        field="volume",
        new_value=str(new_volume),
        reason="Sebagian lokasi sudah dikerjakan warga secara swadaya sebelum material datang.",
    )
