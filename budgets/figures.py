"""Budget envelopes' figures, always summed from the records, and the lock that guards them."""

from dataclasses import dataclass

from django.db.models import Sum

from bangkit.models import FiscalYear, Kecamatan
from bangkit.money import rupiah
from budgets.models import BudgetEnvelope
from proposals.models import Proposal
from proposals.states import COMMITTED_STATES


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


def _committed_by_area(fiscal_year_ids, kecamatan_ids) -> tuple[dict, dict]:
    """Committed sums per kecamatan and per kelurahan, in one query."""
    rows = (
        Proposal.objects.filter(
            fiscal_year_id__in=fiscal_year_ids,
            kelurahan__kecamatan_id__in=kecamatan_ids,
            state__in=COMMITTED_STATES,
        )
        .order_by()
        .values("fiscal_year_id", "kelurahan__kecamatan_id", "kelurahan_id")
        .annotate(total=Sum("designated_budget"))
    )
    by_kecamatan: dict = {}
    by_kelurahan: dict = {}
    for row in rows:
        total = row["total"] or 0
        key = (row["fiscal_year_id"], row["kelurahan__kecamatan_id"])
        by_kecamatan[key] = by_kecamatan.get(key, 0) + total
        by_kelurahan[(row["fiscal_year_id"], row["kelurahan_id"])] = total
    return by_kecamatan, by_kelurahan


def figures_for(envelopes) -> list[EnvelopeFigures]:
    """Figures for many envelopes with a constant number of queries."""
    envelopes = list(envelopes)
    if not envelopes:
        return []
    by_kecamatan, by_kelurahan = _committed_by_area(
        {e.fiscal_year_id for e in envelopes}, {e.kecamatan_id for e in envelopes}
    )
    result = []
    for env in envelopes:
        if env.kelurahan_id:
            committed = by_kelurahan.get((env.fiscal_year_id, env.kelurahan_id), 0)
        else:
            committed = by_kecamatan.get((env.fiscal_year_id, env.kecamatan_id), 0)
        result.append(EnvelopeFigures(envelope=env, committed=committed))
    for extend in _EXTENSIONS:
        extend(result)
    return result


# Later stages (purchases, payments) add their sums to the figures through these hooks.
_EXTENSIONS: list = []


def register_figures_extension(func) -> None:
    if func not in _EXTENSIONS:
        _EXTENSIONS.append(func)


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
    by_kecamatan, by_kelurahan = _committed_by_area([fiscal_year.pk], [kecamatan.pk])
    problems = []
    committed = by_kecamatan.get((fiscal_year.pk, kecamatan.pk), 0)
    wanted = sum(additions.values())
    if committed + wanted > kec_env.amount:
        problems.append(_money_problem(f"Kecamatan {kecamatan}", kec_env.amount, committed, wanted))
    for kelurahan_id, amount in additions.items():
        share = envelopes.get(kelurahan_id)
        if share is None:
            continue
        used = by_kelurahan.get((fiscal_year.pk, kelurahan_id), 0)
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
    "EnvelopeFigures",
    "commitment_problems",
    "envelope_scope_filter",
    "figures_for",
    "lock_envelopes",
    "register_figures_extension",
]
