"""The Camat's ranking of verified proposals by a transparent score, and the suggested set to fund.

How the score is made (shown on the ranking page, so every number can be checked by hand):
each criterion's raw value is normalised to 0..1 across the year's candidates of the
kecamatan (divided by the highest value; for "under-served" the other way round,
1 − value ÷ highest), multiplied by the year's weight (PriorityWeights) and summed.

The suggested set is the one with the highest total score that fits the kecamatan envelope's
remaining money (and every kelurahan share's remaining money): an exact 0/1 knapsack by
dynamic programming, see ``solve_knapsack``. The Camat's written overrides force a proposal
in (its cost is taken off the budget first) or out.
"""

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

from django.db.models import BigIntegerField, Max, Sum

from bangkit.models import RT, FiscalYear, Kecamatan, SlumArea
from bangkit.money import group_thousands, rupiah
from bangkit.queries import count_of, counts_by, sum_of
from budgets.figures import EnvelopeFigures, figures_for
from budgets.models import BudgetEnvelope
from proposals.models import CitizenSupport, Proposal, RABLine, State
from proposals.states import COMMITTED_STATES
from verification.models import PriorityOverride, PriorityWeights
from verification.priority.knapsack import KnapsackItem, solve_knapsack

# An RT that was never funded counts as having waited this long (and no RT counts longer).
YEARS_WAITING_CAP = 5

REASON_SELECTED = "masuk: skor tertinggi per rupiah dalam pagu"
REASON_NO_MONEY = "keluar: pagu tidak cukup"
REASON_FORCED_IN = "masuk karena keputusan Camat: {reason}"
REASON_FORCED_OUT = "keluar karena keputusan Camat: {reason}"
REASON_FAIRNESS = "masuk: aturan minimal satu lokasi per kelurahan"
REASON_ZERO_SCORE = "keluar: skor 0, tidak menambah nilai pilihan"
REASON_EMPTY_RAB = "keluar: RAB kosong"


# --------------------------------------------------------------------------------------------
# The score
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Criterion:
    key: str  # also the PriorityWeights field holding its weight
    inverted: bool = False
    explanation: str = ""

    @property
    def label(self) -> str:
        name = str(PriorityWeights._meta.get_field(self.key).verbose_name)
        return name[:1].upper() + name[1:]


CRITERIA = [
    Criterion("slum_area", explanation="Kelurahan termasuk kawasan kumuh yang ditetapkan SK."),
    Criterion(
        "people_per_rupiah", explanation="Jiwa penerima manfaat dibagi nilai RAB (per Rp 1 juta)."
    ),
    Criterion(
        "contribution",
        explanation="Uang + nilai material + tenaga × upah harian setara, dibagi nilai RAB.",
    ),
    Criterion("supports", explanation="Jumlah dukungan warga pada usulan Musrenbang-nya."),
    Criterion(
        "years_waiting",
        explanation=(
            "Tahun sejak lokasi terakhir RT ini didanai; belum pernah didanai dihitung "
            f"{YEARS_WAITING_CAP} tahun (paling lama {YEARS_WAITING_CAP})."
        ),
    ),
    Criterion(
        "underserved",
        inverted=True,
        explanation=(
            "Anggaran yang diterima kelurahan pada tahun-tahun sebelumnya per RT; makin sedikit "
            "makin tinggi nilainya (1 − nilai ÷ nilai tertinggi)."
        ),
    ),
]


@dataclass
class CandidateFacts:
    """What the score of one proposal is computed from."""

    key: Hashable
    cost: int
    in_slum_area: bool = False
    people: int = 0
    contribution: int = 0  # rupiah: cash + materials + labour × daily wage
    supports: int = 0
    years_waiting: int = YEARS_WAITING_CAP
    never_funded: bool = True
    earlier_budget_per_rt: float = 0.0

    def raw(self, key: str) -> float:
        if key == "slum_area":
            return 1.0 if self.in_slum_area else 0.0
        if key == "people_per_rupiah":
            return self.people / self.cost if self.cost > 0 else 0.0
        if key == "contribution":
            return self.contribution / self.cost if self.cost > 0 else 0.0
        if key == "supports":
            return float(self.supports)
        if key == "years_waiting":
            return float(self.years_waiting)
        if key == "underserved":
            return float(self.earlier_budget_per_rt)
        raise KeyError(key)

    def display(self, key: str) -> str:
        if key == "slum_area":
            return "Ya" if self.in_slum_area else "Tidak"
        if key == "people_per_rupiah":
            per_million = self.raw(key) * 1_000_000
            people = group_thousands(self.people)
            return f"{_decimal(per_million, 2)} jiwa per Rp 1 juta ({people} jiwa)"
        if key == "contribution":
            return f"{rupiah(self.contribution)} ({_decimal(100 * self.raw(key), 1)}% dari RAB)"
        if key == "supports":
            return f"{group_thousands(self.supports)} dukungan"
        if key == "years_waiting":
            if self.never_funded:
                return f"Belum pernah didanai (dihitung {YEARS_WAITING_CAP} tahun)"
            return f"{self.years_waiting} tahun"
        if key == "underserved":
            return f"{rupiah(round(self.earlier_budget_per_rt))} per RT"
        raise KeyError(key)


@dataclass
class CriterionScore:
    key: str
    label: str
    raw: float
    raw_display: str
    normalised: float
    weight: int
    weighted: float


def score_candidates(
    facts: Sequence[CandidateFacts], weights: PriorityWeights
) -> dict[Hashable, list[CriterionScore]]:
    """Every candidate's score, criterion by criterion, normalised across the candidates."""
    result: dict = {f.key: [] for f in facts}
    for criterion in CRITERIA:
        raws = [f.raw(criterion.key) for f in facts]
        top = max(raws, default=0.0)
        weight = int(getattr(weights, criterion.key))
        for f, raw in zip(facts, raws, strict=True):
            if criterion.inverted:
                normalised = 1.0 - raw / top if top > 0 else 1.0
            else:
                normalised = raw / top if top > 0 else 0.0
            result[f.key].append(
                CriterionScore(
                    key=criterion.key,
                    label=criterion.label,
                    raw=raw,
                    raw_display=f.display(criterion.key),
                    normalised=normalised,
                    weight=weight,
                    weighted=weight * normalised,
                )
            )
    return result


# --------------------------------------------------------------------------------------------
# The ranking of one kecamatan and year
# --------------------------------------------------------------------------------------------


@dataclass
class RankedProposal:
    proposal: Proposal
    cost: int
    criteria: list[CriterionScore]
    score: float
    rank: int = 0
    selected: bool = False
    reason: str = ""
    override: PriorityOverride | None = None
    by_fairness_rule: bool = False

    @property
    def forced(self) -> bool:
        return self.override is not None


@dataclass
class ShareLine:
    """A kelurahan share of the envelope, with what the suggested set takes from it."""

    figures: EnvelopeFigures
    selected: int = 0

    @property
    def remaining_after(self) -> int:
        return self.figures.remaining - self.selected


@dataclass
class Ranking:
    fiscal_year: FiscalYear
    kecamatan: Kecamatan
    weights: PriorityWeights
    rows: list[RankedProposal] = field(default_factory=list)
    envelope: EnvelopeFigures | None = None
    shares: list[ShareLine] = field(default_factory=list)
    unit: int = 1
    warnings: list[str] = field(default_factory=list)
    unmet_kelurahan: list[str] = field(default_factory=list)

    @property
    def criteria_weights(self) -> list[tuple[Criterion, int]]:
        return [(c, getattr(self.weights, c.key)) for c in CRITERIA]

    @property
    def selected_rows(self) -> list[RankedProposal]:
        return [row for row in self.rows if row.selected]

    @property
    def selected_ids(self) -> list[int]:
        return sorted(row.proposal.pk for row in self.rows if row.selected)

    @property
    def selected_total(self) -> int:
        return sum(row.cost for row in self.rows if row.selected)

    @property
    def selected_score(self) -> float:
        return sum(row.score for row in self.rows if row.selected)

    @property
    def allocated(self) -> int:
        return self.envelope.allocated if self.envelope else 0

    @property
    def committed(self) -> int:
        return self.envelope.committed if self.envelope else 0

    @property
    def remaining_before(self) -> int:
        return self.allocated - self.committed

    @property
    def remaining_after(self) -> int:
        return self.remaining_before - self.selected_total

    def percent(self, amount: int) -> float:
        """Share of the allocation, for the budget bar (0 when nothing is allocated)."""
        if self.allocated <= 0:
            return 0.0
        return max(0.0, min(100.0, 100 * amount / self.allocated))

    @property
    def bar(self) -> dict:
        committed = self.percent(self.committed)
        selected = min(self.percent(self.selected_total), 100 - committed)
        return {
            "committed": round(committed, 2),
            "selected": round(selected, 2),
            "remaining": round(max(0.0, 100 - committed - selected), 2),
        }


def weights_for(fiscal_year: FiscalYear) -> PriorityWeights:
    """The year's weights, or the defaults (unsaved: reading a ranking never writes)."""
    return PriorityWeights.objects.filter(fiscal_year=fiscal_year).first() or PriorityWeights(
        fiscal_year=fiscal_year
    )


def candidates(*, kecamatan: Kecamatan, fiscal_year: FiscalYear):
    """The year's kecamatan-verified proposals of the kecamatan, with RAB total and supports."""
    return (
        Proposal.objects.filter(
            fiscal_year=fiscal_year,
            kelurahan__kecamatan=kecamatan,
            state=State.KECAMATAN_VERIFIED,
        )
        .select_related("rt", "kelurahan", "work_type")
        .annotate(
            rab_sum=sum_of(
                RABLine.objects.all(), "line_total", per="proposal", output_field=BigIntegerField()
            ),
            support_count=count_of(CitizenSupport.objects.all(), per="entry", outer="entry_id"),
        )
        .order_by("kelurahan__code", "rt__number", "code")
    )


def _history(*, kecamatan: Kecamatan, fiscal_year: FiscalYear) -> tuple[dict, dict]:
    """Last funded year per RT, and earlier designated budget per RT of each kelurahan."""
    funded = Proposal.objects.filter(
        kelurahan__kecamatan=kecamatan,
        fiscal_year__year__lt=fiscal_year.year,
        state__in=COMMITTED_STATES,
    ).order_by()
    last_year = dict(
        funded.values("rt_id").annotate(last=Max("fiscal_year__year")).values_list("rt_id", "last")
    )
    budget = dict(
        funded.values("kelurahan_id")
        .annotate(total=Sum("designated_budget"))
        .values_list("kelurahan_id", "total")
    )
    rt_counts = counts_by(
        RT.objects.filter(kelurahan__kecamatan=kecamatan, active=True), "kelurahan_id"
    )
    per_rt = {
        kel_id: (total or 0) / max(1, rt_counts.get(kel_id, 0)) for kel_id, total in budget.items()
    }
    return last_year, per_rt


def rank_kecamatan(*, kecamatan: Kecamatan, fiscal_year: FiscalYear) -> Ranking:
    """Score, rank and suggest: a fixed number of queries whatever the number of proposals."""
    weights = weights_for(fiscal_year)
    ranking = Ranking(fiscal_year=fiscal_year, kecamatan=kecamatan, weights=weights)
    proposals = list(candidates(kecamatan=kecamatan, fiscal_year=fiscal_year))

    envelopes = figures_for(
        BudgetEnvelope.objects.filter(fiscal_year=fiscal_year, kecamatan=kecamatan)
        .select_related("kelurahan", "kecamatan", "fiscal_year")
        .order_by("kelurahan__code")
    )
    for figures in envelopes:
        if figures.envelope.kelurahan_id is None:
            ranking.envelope = figures
        else:
            ranking.shares.append(ShareLine(figures=figures))
    if ranking.envelope is None:
        ranking.warnings.append(
            f"Pagu anggaran Kecamatan {kecamatan} tahun {fiscal_year.year} belum ditetapkan "
            "oleh Bappeda: belum ada usulan yang dapat dipilih."
        )
    if not proposals:
        return ranking

    slum_kelurahan = set(
        SlumArea.objects.filter(kelurahan__kecamatan=kecamatan)
        .order_by()
        .values_list("kelurahan_id", flat=True)
    )
    last_year, per_rt = _history(kecamatan=kecamatan, fiscal_year=fiscal_year)
    overrides = {
        o.proposal_id: o
        for o in PriorityOverride.objects.filter(
            proposal__in=[p.pk for p in proposals], withdrawn_at__isnull=True
        ).select_related("actor")
    }

    facts = []
    for p in proposals:
        last = last_year.get(p.rt_id)
        facts.append(
            CandidateFacts(
                key=p.pk,
                cost=int(p.rab_sum),
                in_slum_area=p.kelurahan_id in slum_kelurahan,
                people=p.people_benefiting,
                contribution=(
                    p.contribution_cash
                    + p.contribution_materials_value
                    + p.contribution_labour_people * fiscal_year.daily_wage
                ),
                supports=p.support_count,
                years_waiting=(
                    YEARS_WAITING_CAP
                    if last is None
                    else min(YEARS_WAITING_CAP, fiscal_year.year - last)
                ),
                never_funded=last is None,
                earlier_budget_per_rt=per_rt.get(p.kelurahan_id, 0.0),
            )
        )
    scores = score_candidates(facts, weights)
    rows = [
        RankedProposal(
            proposal=p,
            cost=int(p.rab_sum),
            criteria=scores[p.pk],
            score=sum(c.weighted for c in scores[p.pk]),
            override=overrides.get(p.pk),
        )
        for p in proposals
    ]
    rows.sort(key=lambda r: (-r.score, r.cost, r.proposal.code))
    for rank, row in enumerate(rows, start=1):
        row.rank = rank
    ranking.rows = rows
    _suggest(ranking)
    return ranking


def _suggest(ranking: Ranking) -> None:
    """Choose the set to fund and write every proposal's reason."""
    rows = ranking.rows
    capacity = ranking.remaining_before if ranking.envelope else 0
    share_left = {s.figures.envelope.kelurahan_id: s.figures.remaining for s in ranking.shares}
    share_names = {
        s.figures.envelope.kelurahan_id: s.figures.envelope.kelurahan for s in ranking.shares
    }

    forced_in = [r for r in rows if r.override and r.override.include]
    for row in forced_in:
        row.selected = True
        row.reason = REASON_FORCED_IN.format(reason=row.override.reason)
    for row in rows:
        if row.override and not row.override.include:
            row.reason = REASON_FORCED_OUT.format(reason=row.override.reason)
        elif not row.override and row.cost <= 0:
            row.reason = REASON_EMPTY_RAB

    forced_cost = sum(r.cost for r in forced_in)
    if forced_in and forced_cost > capacity:
        ranking.warnings.append(
            f"Usulan yang dimasukkan Camat ({rupiah(forced_cost)}) melebihi sisa pagu kecamatan "
            f"({rupiah(max(0, capacity))}); kurangi pilihan atau minta tambahan pagu."
        )
    capacity -= forced_cost
    forced_by_kel: dict = {}
    for row in forced_in:
        forced_by_kel[row.proposal.kelurahan_id] = (
            forced_by_kel.get(row.proposal.kelurahan_id, 0) + row.cost
        )
    for kel_id, amount in forced_by_kel.items():
        if kel_id in share_left:
            if amount > share_left[kel_id]:
                ranking.warnings.append(
                    f"Usulan yang dimasukkan Camat di Kelurahan {share_names[kel_id]} "
                    f"({rupiah(amount)}) melebihi sisa pagu kelurahan "
                    f"({rupiah(max(0, share_left[kel_id]))})."
                )
            share_left[kel_id] -= amount

    open_rows = [r for r in rows if not r.override and r.cost > 0]
    items = [
        KnapsackItem(key=r.proposal.pk, cost=r.cost, value=r.score, group=r.proposal.kelurahan_id)
        for r in open_rows
    ]
    required = set()
    if ranking.weights.one_per_kelurahan and ranking.envelope is not None:
        required = {r.proposal.kelurahan_id for r in open_rows} - set(forced_by_kel)
    solution = solve_knapsack(
        items, max(0, capacity), group_caps=share_left, required_groups=required
    )
    ranking.unit = solution.unit
    fairness_only: set = set()
    if required:
        free = solve_knapsack(items, max(0, capacity), group_caps=share_left)
        groups_without_rule = {
            r.proposal.kelurahan_id for r in open_rows if r.proposal.pk in free.chosen
        }
        fairness_only = (required - set(solution.unmet_groups)) - groups_without_rule
    if solution.unmet_groups:
        names = {r.proposal.kelurahan_id: r.proposal.kelurahan.name for r in open_rows}
        ranking.unmet_kelurahan = sorted(names[g] for g in solution.unmet_groups)
        ranking.warnings.append(
            "Aturan minimal satu lokasi per kelurahan tidak dapat dipenuhi untuk Kelurahan "
            + ", ".join(ranking.unmet_kelurahan)
            + ": pagu tidak cukup. Pilihan untuk kelurahan tersebut dihitung tanpa aturan itu."
        )

    leftover = capacity - solution.total_cost
    share_leftover = dict(share_left)
    for row in open_rows:
        if row.proposal.pk in solution.chosen and row.proposal.kelurahan_id in share_leftover:
            share_leftover[row.proposal.kelurahan_id] -= row.cost
    for row in open_rows:
        kel_id = row.proposal.kelurahan_id
        if row.proposal.pk in solution.chosen:
            row.selected = True
            if kel_id in fairness_only:
                row.by_fairness_rule = True
                row.reason = REASON_FAIRNESS
            else:
                row.reason = REASON_SELECTED
        elif row.score <= 0 and row.cost <= leftover:
            row.reason = REASON_ZERO_SCORE
        elif ranking.envelope is None:
            row.reason = f"{REASON_NO_MONEY} (pagu kecamatan belum ditetapkan)"
        elif row.cost > leftover:
            row.reason = (
                f"{REASON_NO_MONEY}: biaya {rupiah(row.cost)}, sisa pagu kecamatan setelah "
                f"pilihan {rupiah(max(0, leftover))}"
            )
        elif kel_id in share_leftover and row.cost > share_leftover[kel_id]:
            row.reason = (
                f"{REASON_NO_MONEY}: biaya {rupiah(row.cost)}, sisa pagu Kelurahan "
                f"{share_names[kel_id]} setelah pilihan {rupiah(max(0, share_leftover[kel_id]))}"
            )
        else:
            row.reason = REASON_NO_MONEY
    for share in ranking.shares:
        kel_id = share.figures.envelope.kelurahan_id
        share.selected = sum(
            r.cost for r in rows if r.selected and r.proposal.kelurahan_id == kel_id
        )


# --------------------------------------------------------------------------------------------
# Numbers the Indonesian way (the page and the reasons are in Indonesian)
# --------------------------------------------------------------------------------------------


def _decimal(value: float, places: int) -> str:
    text = f"{value:,.{places}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")
