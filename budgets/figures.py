"""Budget envelopes' figures, always summed from the records, and the lock that guards them.

What a site commits of its envelope (its kecamatan's, and its kelurahan's share when there is
one) is the larger of
- its designated budget, from designation (SK Camat) until it is completed, and
- what is ordered for it: its issued purchase orders not cancelled (Proposal.ordered_amount,
  kept by procurement's services), which holds everything delivered and paid, since nothing
  is paid before it arrives nor arrives unordered.
So a cancelled site keeps committing what was ordered (delivered, paid or still on its way:
the shop holds an issued order) and the rest of its budget returns to the envelope; cancelling
one of its orders nothing arrived for returns that order's money too. Procurement never orders
above the designated budget and an amendment never cuts the budget below what is ordered, so
for a live site the two are its designated budget. Every envelope thus reads
paid <= delivered <= ordered <= committed <= allocated: the first two per site by a database
constraint, the others by the services that lock the envelopes before committing money.
"""

from dataclasses import dataclass

from django.db.models import BigIntegerField, Case, F, Q, Sum, Value, When
from django.db.models.functions import Coalesce, Greatest

from bangkit.models import FiscalYear, Kecamatan
from bangkit.money import rupiah
from budgets.models import BudgetEnvelope
from proposals.models import Proposal
from proposals.states import COMMITTED_STATES, State


@dataclass
class EnvelopeFigures:
    envelope: BudgetEnvelope
    committed: int = 0
    ordered: int = 0
    delivered: int = 0
    paid: int = 0

    @property
    def allocated(self) -> int:
        return self.envelope.amount

    @property
    def remaining(self) -> int:
        return self.allocated - self.committed

    @property
    def committed_percent(self) -> int:
        return min(100, round(100 * self.committed / self.allocated)) if self.allocated else 0


def site_commitment(*, state: str, designated_budget: int | None, ordered_amount: int) -> int:
    """What one site commits of its envelope (the rule above, for one proposal in hand)."""
    designated = (designated_budget or 0) if state in COMMITTED_STATES else 0
    return max(designated, ordered_amount)


def _commitment():
    """site_commitment() as a database expression, to sum over many proposals."""
    return Greatest(
        Case(
            When(state__in=COMMITTED_STATES, then=Coalesce(F("designated_budget"), Value(0))),
            default=Value(0),
            output_field=BigIntegerField(),
        ),
        F("ordered_amount"),
        output_field=BigIntegerField(),
    )


# Proposals that may commit money: funded ones, and cancelled ones something was ordered for.
_BINDING = Q(state__in=COMMITTED_STATES) | Q(ordered_amount__gt=0)
_FIGURES = ("committed", "ordered", "delivered", "paid")


def _sums_by_area(fiscal_year_ids, kecamatan_ids) -> tuple[dict, dict]:
    """Committed, ordered, delivered and paid per kecamatan and per kelurahan, in one query."""
    rows = (
        Proposal.objects.filter(
            _BINDING,
            fiscal_year_id__in=fiscal_year_ids,
            kelurahan__kecamatan_id__in=kecamatan_ids,
        )
        .order_by()
        .values("fiscal_year_id", "kelurahan__kecamatan_id", "kelurahan_id")
        .annotate(
            committed=Sum(_commitment()),
            ordered=Sum("ordered_amount"),
            delivered=Sum("delivered_amount"),
            paid=Sum("paid_amount"),
        )
    )
    by_kecamatan: dict = {}
    by_kelurahan: dict = {}
    for row in rows:
        sums = {name: int(row[name] or 0) for name in _FIGURES}
        key = (row["fiscal_year_id"], row["kelurahan__kecamatan_id"])
        area = by_kecamatan.setdefault(key, dict.fromkeys(_FIGURES, 0))
        for name, value in sums.items():
            area[name] += value
        by_kelurahan[(row["fiscal_year_id"], row["kelurahan_id"])] = sums
    return by_kecamatan, by_kelurahan


def committed_total(*, fiscal_year: FiscalYear, kecamatan: Kecamatan, kelurahan=None) -> int:
    """What the kecamatan's sites (or one kelurahan's) commit of the year's envelope."""
    by_kecamatan, by_kelurahan = _sums_by_area([fiscal_year.pk], [kecamatan.pk])
    if kelurahan is not None:
        sums = by_kelurahan.get((fiscal_year.pk, kelurahan.pk))
    else:
        sums = by_kecamatan.get((fiscal_year.pk, kecamatan.pk))
    return sums["committed"] if sums else 0


@dataclass
class CancelEffect:
    """What cancelling a funded site does to its envelope's figures."""

    committed: int  # what the site commits now
    ordered: int
    delivered: int
    paid: int

    @property
    def kept(self) -> int:
        """Stays committed after cancelling: what is ordered."""
        return site_commitment(
            state=State.CANCELLED, designated_budget=None, ordered_amount=self.ordered
        )

    @property
    def freed(self) -> int:
        return self.committed - self.kept


def cancellation_effect(proposal: Proposal) -> CancelEffect | None:
    """None for a proposal that commits nothing (not yet designated)."""
    committed = site_commitment(
        state=proposal.state,
        designated_budget=proposal.designated_budget,
        ordered_amount=proposal.ordered_amount,
    )
    if not committed:
        return None
    return CancelEffect(
        committed=committed,
        ordered=proposal.ordered_amount,
        delivered=proposal.delivered_amount,
        paid=proposal.paid_amount,
    )


def figures_for(envelopes) -> list[EnvelopeFigures]:
    """Figures for many envelopes with a constant number of queries."""
    envelopes = list(envelopes)
    if not envelopes:
        return []
    by_kecamatan, by_kelurahan = _sums_by_area(
        {e.fiscal_year_id for e in envelopes}, {e.kecamatan_id for e in envelopes}
    )
    result = []
    for env in envelopes:
        if env.kelurahan_id:
            sums = by_kelurahan.get((env.fiscal_year_id, env.kelurahan_id), {})
        else:
            sums = by_kecamatan.get((env.fiscal_year_id, env.kecamatan_id), {})
        result.append(EnvelopeFigures(envelope=env, **sums))
    return result


def lock_envelopes(*, fiscal_year: FiscalYear, kecamatan: Kecamatan) -> dict:
    """Lock the kecamatan's envelope and its kelurahan shares (in a fixed order: no deadlock).

    Returns {None: kecamatan envelope, kelurahan_id: share …}; call inside transaction.atomic
    before checking and committing money, so two commitments over one envelope queue up.
    """
    envelopes = list(
        BudgetEnvelope.objects.select_for_update()
        .filter(fiscal_year=fiscal_year, kecamatan=kecamatan)
        .order_by("id")
    )
    return {env.kelurahan_id: env for env in envelopes}


def commitment_problems(
    *, fiscal_year: FiscalYear, kecamatan: Kecamatan, additions: dict[int, int]
) -> list[str]:
    """Why committing `additions` ({kelurahan_id: rupiah}) would break an envelope, if it would.

    Call after lock_envelopes() in the same transaction.
    """
    envelopes = lock_envelopes(fiscal_year=fiscal_year, kecamatan=kecamatan)
    kec_env = envelopes.get(None)
    if kec_env is None:
        return [f"Pagu anggaran Kecamatan {kecamatan} tahun {fiscal_year.year} belum ditetapkan."]
    by_kecamatan, by_kelurahan = _sums_by_area([fiscal_year.pk], [kecamatan.pk])
    problems = []
    committed = by_kecamatan.get((fiscal_year.pk, kecamatan.pk), {}).get("committed", 0)
    wanted = sum(additions.values())
    if committed + wanted > kec_env.amount:
        problems.append(_money_problem(f"Kecamatan {kecamatan}", kec_env.amount, committed, wanted))
    for kelurahan_id, amount in additions.items():
        share = envelopes.get(kelurahan_id)
        if share is None:
            continue
        used = by_kelurahan.get((fiscal_year.pk, kelurahan_id), {}).get("committed", 0)
        if used + amount > share.amount:
            problems.append(
                _money_problem(f"Kelurahan {share.kelurahan}", share.amount, used, amount)
            )
    return problems


def _money_problem(area: str, allocated: int, committed: int, wanted: int) -> str:
    return (
        f"Pagu {area} {rupiah(allocated)} terlampaui: sudah terikat {rupiah(committed)}, "
        f"ditambah {rupiah(wanted)}, sisa hanya {rupiah(allocated - committed)}."
    )


def envelope_scope_filter(user):
    """Envelopes the user may see (delegates to the scoped queryset)."""
    return BudgetEnvelope.objects.visible_to(user).select_related(
        "fiscal_year", "kecamatan", "kelurahan"
    )


__all__ = [
    "CancelEffect",
    "EnvelopeFigures",
    "cancellation_effect",
    "commitment_problems",
    "committed_total",
    "envelope_scope_filter",
    "figures_for",
    "lock_envelopes",
    "site_commitment",
]
