"""Demo envelopes: a year's programme money split over the 11 kecamatan by their number of RTs."""

from django.db.models import Count, Q

from bangkit.models import FiscalYear, Kecamatan
from bangkit.money import rupiah
from budgets.models import BudgetEnvelope
from verification.models import PriorityWeights

# The programme spent Rp 9 billion in 2021 and planned Rp 11 billion for 2022.
DEMO_TOTAL_BUDGET = 10_000_000_000
ROUND_TO = 1_000_000
# One kecamatan shows kelurahan shares in the demo: all of its envelope, split by RT count
# (a part left unshared would be out of reach once every kelurahan has a share).
SHARED_KECAMATAN = "Danau Teluk"
SHARED_PART = 1.0


def split_by_weight(total: int, weights: dict, unit: int = ROUND_TO) -> dict:
    """``total`` split in proportion to ``weights``, in whole units, summing to at most total.

    Largest remainders get the leftover units, so the parts add up to the total exactly
    whenever the total is a whole number of units.
    """
    weight_sum = sum(weights.values())
    if weight_sum <= 0 or total <= 0:
        return {key: 0 for key in weights}
    units = total // unit
    exact = {key: units * w / weight_sum for key, w in weights.items()}
    parts = {key: int(value) for key, value in exact.items()}
    leftover = units - sum(parts.values())
    by_remainder = sorted(weights, key=lambda key: (parts[key] - exact[key], str(key)))
    for key in by_remainder[:leftover]:
        parts[key] += 1
    return {key: count * unit for key, count in parts.items()}


def _rt_counts(queryset, year: int, path: str) -> dict:
    """Active RTs per row of ``queryset``, counting kelurahan that existed in ``year``."""
    existing = Q(**{f"{path}valid_from_year__lte": year}) & (
        Q(**{f"{path}valid_until_year__isnull": True}) | Q(**{f"{path}valid_until_year__gte": year})
    )
    rts = f"{path}rts"
    return dict(
        queryset.annotate(
            n=Count(rts, filter=existing & Q(**{f"{rts}__active": True}), distinct=True)
        ).values_list("pk", "n")
    )


def seed_envelopes(fiscal_year: FiscalYear) -> str:
    """Envelopes for the year (idempotent: existing ones are kept), and the year's weights."""
    if fiscal_year.total_budget <= 0:
        fiscal_year.total_budget = DEMO_TOTAL_BUDGET
        fiscal_year.save(update_fields=["total_budget"])
    PriorityWeights.objects.get_or_create(fiscal_year=fiscal_year)
    kecamatan_list = list(Kecamatan.objects.order_by("code"))
    if not kecamatan_list:
        return "tidak ada kecamatan"
    counts = _rt_counts(Kecamatan.objects.all(), fiscal_year.year, "kelurahan_set__")
    if not any(counts.values()):
        counts = {k.pk: 1 for k in kecamatan_list}
    existing = {
        e.kecamatan_id: e
        for e in BudgetEnvelope.objects.filter(fiscal_year=fiscal_year, kelurahan__isnull=True)
    }
    amounts = split_by_weight(fiscal_year.total_budget, counts)
    created = 0
    for kec in kecamatan_list:
        if kec.pk in existing:
            continue
        existing[kec.pk] = BudgetEnvelope.objects.create(
            fiscal_year=fiscal_year,
            kecamatan=kec,
            amount=amounts.get(kec.pk, 0),
            note="Dibagi menurut jumlah RT (data demo)",
        )
        created += 1

    shared = next((k for k in kecamatan_list if k.name == SHARED_KECAMATAN), None)
    shares = 0
    if (
        shared is not None
        and not BudgetEnvelope.objects.filter(
            fiscal_year=fiscal_year, kecamatan=shared, kelurahan__isnull=False
        ).exists()
    ):
        kelurahan = shared.kelurahan_set.existing_in(fiscal_year.year)
        rt_counts = _rt_counts(kelurahan, fiscal_year.year, "")
        part = int(existing[shared.pk].amount * SHARED_PART)
        amounts = split_by_weight(part, rt_counts)
        for kel in kelurahan:
            amount = amounts.get(kel.pk, 0)
            if amount:
                BudgetEnvelope.objects.create(
                    fiscal_year=fiscal_year,
                    kecamatan=shared,
                    kelurahan=kel,
                    amount=amount,
                    note="Bagian kelurahan menurut jumlah RT (data demo)",
                )
                shares += 1
    total = sum(e.amount for e in existing.values())
    return (
        f"{created} pagu kecamatan baru, {shares} pagu kelurahan; "
        f"{rupiah(total)} dari {rupiah(fiscal_year.total_budget)}"
    )
