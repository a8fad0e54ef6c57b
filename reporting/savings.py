"""What a contractor would have charged for a completed site, against what the city paid.

The programme claims its sites cost "up to 70% less" than contracting the same work out. This
module turns the claim into a figure per site, from the records, by a method written out on
the savings page and in the LPJ:

    materials   = what the city paid the shops (the designated RAB while nothing is paid)
                  + materials the community gave (in kind)                        [optional]
    labour      = person-days of gotong-royong × the year's daily wage
                  + labour the community gave beyond the work days                [optional]
    equipment   = equipment the community lent (a contractor would rent it)       [optional]
    overheads   = (materials + labour + equipment) × overheads-and-profit %
    PPN         = (materials + labour + equipment + overheads) × PPN %
    contractor  = materials + labour + equipment + overheads + PPN
    city cost   = what the city paid for materials (the RAB while nothing is paid)
    saving %    = 1 − city cost / contractor

Cash and food given by residents are never counted: cash was spent on one of the above, and a
contractor's wages already feed its workers. The percentages are per year
(ContractorCostParameters, edited by Bappeda); the optional items follow its
``count_in_kind_contributions`` switch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace

from django.core.paginator import Paginator
from django.db.models import DecimalField, F, Q

from bangkit.money import whole_rupiah
from bangkit.queries import boundaries_on, sum_of
from procurement.models import Payment, PurchaseOrder
from proposals.models import Proposal, RABLine, State
from reporting.models import (
    DEFAULT_OVERHEAD_PROFIT_PERCENT,
    DEFAULT_PPN_PERCENT,
    ContractorCostParameters,
    SwadayaContribution,
    WorkDay,
)
from reporting.selectors import PERSON_HOURS, labour_value, person_days

ZERO = Decimal("0")
Kind = SwadayaContribution.Kind


@dataclass
class Parameters:
    overhead_profit_percent: Decimal = DEFAULT_OVERHEAD_PROFIT_PERCENT
    ppn_percent: Decimal = DEFAULT_PPN_PERCENT
    count_in_kind: bool = True
    source_note: str = ""
    stored: bool = False


def parameters_for(fiscal_year) -> Parameters:
    row = ContractorCostParameters.objects.filter(fiscal_year=fiscal_year).first()
    return _parameters(row)


def _parameters(row) -> Parameters:
    if row is None:
        return Parameters()
    return Parameters(
        overhead_profit_percent=row.overhead_profit_percent,
        ppn_percent=row.ppn_percent,
        count_in_kind=row.count_in_kind_contributions,
        source_note=row.source_note,
        stored=True,
    )


def _percent_of(amount: int, percent: Decimal) -> int:
    return whole_rupiah(Decimal(amount) * Decimal(percent) / 100)


class _Saving:
    """What the city saves against a contractor, of one site or of a table of sites (the
    dataclasses that use it declare both fields)."""

    contractor_total: int
    city_cost: int

    @property
    def saving(self) -> int:
        return self.contractor_total - self.city_cost

    @property
    def saving_percent(self) -> Decimal | None:
        """1 − city cost / contractor estimate, in percent with one decimal."""
        if self.contractor_total <= 0:
            return None
        ratio = 1 - Decimal(self.city_cost) / Decimal(self.contractor_total)
        return (ratio * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass
class SavingsEstimate(_Saving):
    proposal: Proposal | None
    materials_city: int
    materials_basis: str  # "paid" or "rab"
    materials_in_kind: int
    person_days: Decimal
    daily_wage: int
    labour_value: int
    labour_in_kind: int
    equipment_in_kind: int
    overhead_percent: Decimal
    overhead: int
    ppn_percent: Decimal
    ppn: int
    contractor_total: int
    city_cost: int
    parameters: Parameters = field(default_factory=Parameters)

    @property
    def materials(self) -> int:
        return self.materials_city + self.materials_in_kind

    @property
    def labour(self) -> int:
        return self.labour_value + self.labour_in_kind

    @property
    def in_kind(self) -> int:
        return self.materials_in_kind + self.labour_in_kind + self.equipment_in_kind

    @property
    def overhead_and_tax(self) -> int:
        return self.overhead + self.ppn

    @property
    def subtotal(self) -> int:
        return self.materials + self.labour + self.equipment_in_kind

    @property
    def before_tax(self) -> int:
        return self.subtotal + self.overhead


def estimate(
    *,
    materials_paid: int,
    rab_total: int,
    person_hours: Decimal,
    daily_wage: int,
    in_kind: dict[str, int] | None = None,
    parameters: Parameters | None = None,
    proposal: Proposal | None = None,
) -> SavingsEstimate:
    """The estimate from plain figures (no database): see the module's docstring."""
    params = parameters or Parameters()
    in_kind = in_kind or {}
    basis = "paid" if materials_paid > 0 else "rab"
    materials_city = materials_paid if materials_paid > 0 else rab_total
    count = params.count_in_kind
    materials_in_kind = in_kind.get(Kind.MATERIALS, 0) if count else 0
    labour_in_kind = in_kind.get(Kind.LABOUR, 0) if count else 0
    equipment = in_kind.get(Kind.EQUIPMENT, 0) if count else 0
    labour = labour_value(person_hours, daily_wage)
    subtotal = materials_city + materials_in_kind + labour + labour_in_kind + equipment
    overhead = _percent_of(subtotal, params.overhead_profit_percent)
    ppn = _percent_of(subtotal + overhead, params.ppn_percent)
    return SavingsEstimate(
        proposal=proposal,
        materials_city=materials_city,
        materials_basis=basis,
        materials_in_kind=materials_in_kind,
        person_days=person_days(person_hours),
        daily_wage=daily_wage,
        labour_value=labour,
        labour_in_kind=labour_in_kind,
        equipment_in_kind=equipment,
        overhead_percent=params.overhead_profit_percent,
        overhead=overhead,
        ppn_percent=params.ppn_percent,
        ppn=ppn,
        contractor_total=subtotal + overhead + ppn,
        city_cost=materials_city,
        parameters=params,
    )


FIGURES = ["s_paid", "s_rab", "s_hours", "s_materials", "s_labour", "s_equipment"]


def _annotated(proposals):
    money = DecimalField(max_digits=20, decimal_places=0)
    hours = DecimalField(max_digits=16, decimal_places=2)

    def gifts(kind):
        return sum_of(
            SwadayaContribution.objects.filter(kind=kind),
            "value",
            per="proposal",
            output_field=money,
        )

    return proposals.annotate(
        s_paid=sum_of(
            Payment.objects.filter(order__state=PurchaseOrder.State.ISSUED),
            "amount",
            per="order__proposal",
            output_field=money,
        ),
        s_rab=sum_of(RABLine.objects.all(), "line_total", per="proposal", output_field=money),
        s_hours=sum_of(WorkDay.objects.all(), PERSON_HOURS, per="proposal", output_field=hours),
        s_materials=gifts(Kind.MATERIALS),
        s_labour=gifts(Kind.LABOUR),
        s_equipment=gifts(Kind.EQUIPMENT),
    )


def _from_row(proposal, params: Parameters) -> SavingsEstimate:
    rab_total = int(proposal.designated_budget or proposal.s_rab or 0)
    return estimate(
        materials_paid=int(proposal.s_paid or 0),
        rab_total=rab_total,
        person_hours=Decimal(proposal.s_hours or 0),
        daily_wage=proposal.fiscal_year.daily_wage,
        in_kind={
            Kind.MATERIALS: int(proposal.s_materials or 0),
            Kind.LABOUR: int(proposal.s_labour or 0),
            Kind.EQUIPMENT: int(proposal.s_equipment or 0),
        },
        parameters=params,
        proposal=proposal,
    )


def estimate_for(proposal: Proposal) -> SavingsEstimate:
    """The estimate of one site, from its records (2 queries)."""
    row = _annotated(Proposal.objects.filter(pk=proposal.pk)).select_related("fiscal_year").get()
    return _from_row(row, parameters_for(proposal.fiscal_year_id))


@dataclass
class SavingsTable(_Saving):
    rows: list[SavingsEstimate]
    contractor_total: int = 0
    city_cost: int = 0
    parameters: dict = field(default_factory=dict)
    page: object = None  # with savings_table(per_page=…): the Paginator page of `rows`


def savings_table(
    user, *, year: int | None = None, page_number=None, per_page: int | None = None
) -> SavingsTable:
    """Every completed site the user may see, with its estimate and the overall figure, in two
    queries whatever the number of sites.

    With ``per_page``, ``rows`` are the estimates of one page only (``table.page``, a
    Paginator page of them) while the totals still cover every site: the figures of all
    sites are read as plain values (no model rows), the page's sites in full (3 queries).
    """
    sites = Proposal.objects.visible_to(user).filter(state=State.COMPLETED)
    if year:
        sites = sites.filter(fiscal_year__year=year)
    sites = sites.order_by("kelurahan__kecamatan__code", "kelurahan__name", "rt__number", "code")
    full = sites.select_related("rt", "kelurahan__kecamatan", "fiscal_year", "work_type").defer(
        *boundaries_on(Proposal, ["kelurahan__kecamatan"])
    )
    page = None
    if per_page is None:
        figures = listed = list(_annotated(full))
    else:
        figures = [
            SimpleNamespace(
                fiscal_year=SimpleNamespace(year=v.pop("fy_year"), daily_wage=v.pop("fy_wage")),
                **v,
            )
            for v in _annotated(sites).values(
                "pk",
                "fiscal_year_id",
                "designated_budget",
                *FIGURES,
                fy_year=F("fiscal_year__year"),
                fy_wage=F("fiscal_year__daily_wage"),
            )
        ]
        page = Paginator([f.pk for f in figures], per_page).get_page(page_number)
        shown = {p.pk: p for p in _annotated(full.filter(pk__in=list(page.object_list)))}
        listed = [shown[pk] for pk in page.object_list]
    years = {f.fiscal_year_id for f in figures}
    stored = {
        row.fiscal_year_id: row
        for row in ContractorCostParameters.objects.filter(Q(fiscal_year_id__in=years))
    }
    params = {fy: _parameters(stored.get(fy)) for fy in years}
    every = [_from_row(f, params[f.fiscal_year_id]) for f in figures]
    rows = every if per_page is None else [_from_row(p, params[p.fiscal_year_id]) for p in listed]
    table = SavingsTable(
        rows=rows, parameters={f.fiscal_year.year: params[f.fiscal_year_id] for f in figures}
    )
    for row in every:
        table.contractor_total += row.contractor_total
        table.city_cost += row.city_cost
    if page is not None:
        page.object_list = rows
        table.page = page
    return table
