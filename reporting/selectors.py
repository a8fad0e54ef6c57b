"""Reads for execution and reporting, scoped to the user: sites, their records and totals."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Coalesce

from bangkit.models import ChecklistItem
from bangkit.money import whole_rupiah
from bangkit.queries import boundaries_on, count_of, sum_of, total_of
from procurement.models import PurchaseOrder, PurchaseOrderLine
from procurement.selectors import delivered_per_line
from proposals.models import Proposal, State
from reporting.models import (
    HOURS_PER_PERSON_DAY,
    REQUIRED_STAGES,
    CompletionReport,
    ProgressPhoto,
    SwadayaContribution,
    WorkDay,
)
from reporting.photos import PhotoFacts, SiteFacts
from reporting.rules import RECORDING_STATES, sees_red_flags  # noqa: F401 (RECORDING_STATES)
from verification.models import Decree, DecreeLocation

# Sites with work to record or a report to read.
EXECUTION_STATES = [State.MATERIALS_RECEIVED, State.IN_PROGRESS, State.REPORTED, State.COMPLETED]
ZERO = Decimal("0")
DEC = DecimalField(max_digits=16, decimal_places=2)

PERSON_HOURS = ExpressionWrapper((F("men") + F("women")) * F("hours"), output_field=DEC)


def site_participants():
    """For each proposal of the outer query, the most people on one of its work days (an
    estimate of how many took part, without a list of names): sum it over sites."""
    return total_of(
        WorkDay.objects.all(),
        Max(F("men") + F("women")),
        per="proposal",
        output_field=IntegerField(),
    )


def person_days(person_hours) -> Decimal:
    return (Decimal(person_hours or 0) / HOURS_PER_PERSON_DAY).quantize(
        Decimal("0.01"), ROUND_HALF_UP
    )


def labour_value(person_hours, daily_wage: int) -> int:
    """What the city would have paid for the work: person-days at the year's daily wage."""
    exact = Decimal(person_hours or 0) * Decimal(daily_wage) / HOURS_PER_PERSON_DAY
    return whole_rupiah(exact)


# --- The decree that designated a site -------------------------------------------------------


@dataclass
class Designation:
    decree: Decree | None
    first_date: date | None


def designation(proposal: Proposal) -> Designation:
    """The SK Camat in force for the site and the date it was first designated (the earliest
    decree naming it, even if later amended): records may not be dated before that."""
    rows = list(
        DecreeLocation.objects.filter(
            proposal=proposal, decree__state__in=[Decree.State.ISSUED, Decree.State.REVOKED]
        )
        .select_related("decree")
        .order_by("decree__decree_date", "decree_id")
    )
    issued = [r.decree for r in rows if r.decree.state == Decree.State.ISSUED]
    dates = [r.decree.decree_date for r in rows if r.decree.decree_date]
    return Designation(decree=issued[-1] if issued else None, first_date=min(dates, default=None))


# --- Sites ------------------------------------------------------------------------------------


def sites_for(user, *, year: int | None = None, state: str | None = None) -> QuerySet:
    """Sites in execution the user may see, each with its totals, in one query."""
    qs = (
        Proposal.objects.visible_to(user)
        .filter(state__in=EXECUTION_STATES)
        .select_related("rt", "kelurahan__kecamatan", "fiscal_year", "work_type")
        .defer(*boundaries_on(Proposal, ["kelurahan__kecamatan"]))
        .annotate(
            # Days, not sessions: a morning and an afternoon shift are one day of work.
            work_day_count=count_of(WorkDay.objects.all(), per="proposal", distinct="date"),
            person_hours=sum_of(
                WorkDay.objects.all(), PERSON_HOURS, per="proposal", output_field=DEC
            ),
            contribution_total=sum_of(
                SwadayaContribution.objects.all(),
                "value",
                per="proposal",
                output_field=DecimalField(max_digits=20, decimal_places=0),
            ),
            photo_count=count_of(
                ProgressPhoto.objects.filter(withdrawn_at__isnull=True), per="proposal"
            ),
        )
        .order_by("kelurahan__kecamatan__code", "kelurahan__name", "rt__number", "code")
    )
    if year:
        qs = qs.filter(fiscal_year__year=year)
    if state in EXECUTION_STATES:
        qs = qs.filter(state=state)
    return qs


def site_for(user, pk) -> Proposal:
    """One site in execution the user may see, or 404."""
    return Proposal.objects.select_related(
        "rt", "kelurahan__kecamatan", "fiscal_year", "work_type"
    ).get_visible_or_404(user, pk=pk, state__in=EXECUTION_STATES)


def with_site_figures(sites) -> list:
    """Person-days and their value on each annotated site of a page."""
    sites = list(sites)
    for site in sites:
        site.person_days = person_days(site.person_hours)
        site.labour_value = labour_value(site.person_hours, site.fiscal_year.daily_wage)
    return sites


# --- One site's records -------------------------------------------------------------------------


@dataclass
class MaterialLine:
    """A material that arrived on site (all orders and deliveries of that name together)."""

    description: str
    unit: str
    ordered: Decimal = ZERO
    delivered: Decimal = ZERO
    rejected: Decimal = ZERO
    unit_price: int = 0
    usage: object = None  # the report's MaterialUsage, when written


def delivered_materials(proposal: Proposal) -> list[MaterialLine]:
    """What was ordered and accepted on site, per material, from the issued orders (1 query)."""
    lines = (
        PurchaseOrderLine.objects.filter(
            order__proposal=proposal, order__state=PurchaseOrder.State.ISSUED
        )
        .annotate(
            accepted=delivered_per_line("quantity"),
            refused=delivered_per_line("rejected_quantity"),
        )
        .order_by("order__sequence", "order_id", "position", "id")
    )
    rows: dict[tuple[str, str], MaterialLine] = {}
    for line in lines:
        key = (line.description, line.unit)
        row = rows.setdefault(key, MaterialLine(description=line.description, unit=line.unit))
        row.ordered += line.quantity
        row.delivered += line.accepted
        row.rejected += line.refused
        row.unit_price = max(row.unit_price, line.unit_price)
    return list(rows.values())


@dataclass
class WorkFigures:
    """What the community gave, of one site or summed over an area: days, labour, swadaya."""

    work_days: int = 0
    person_hours: Decimal = ZERO
    person_days: Decimal = ZERO
    labour_value: int = 0
    contributions: int = 0


@dataclass
class Totals(WorkFigures):
    participants: int = 0
    men: int = 0
    women: int = 0
    by_kind: dict = field(default_factory=dict)


def totals_of(proposal: Proposal, work_days, contributions) -> Totals:
    """Totals of a site's records already loaded (no query)."""
    totals = Totals(work_days=len({day.date for day in work_days}))
    for day in work_days:
        totals.men += day.men
        totals.women += day.women
        totals.participants += day.participants
        totals.person_hours += day.person_hours
    totals.person_days = person_days(totals.person_hours)
    totals.labour_value = labour_value(totals.person_hours, proposal.fiscal_year.daily_wage)
    labels = dict(SwadayaContribution.Kind.choices)
    by_kind = {kind: 0 for kind in labels}
    for item in contributions:
        by_kind[item.kind] += item.value
        totals.contributions += item.value
    totals.by_kind = {labels[k]: v for k, v in by_kind.items() if v}
    return totals


@dataclass
class Site:
    """Everything one site's page shows."""

    proposal: Proposal
    work_days: list
    contributions: list
    photos: list
    withdrawn_photos: list
    totals: Totals
    report: CompletionReport | None
    materials: list[MaterialLine]
    missing: list[str]
    designation: Designation
    photos_by_stage: dict = field(default_factory=dict)


def missing_for_report(proposal, *, photos, work_days, report, materials) -> list[str]:
    """What stops the Ketua RT from submitting the report, in words they can act on."""
    problems = []
    have = {p.stage for p in photos if p.withdrawn_at is None}
    for stage in REQUIRED_STAGES:
        if stage not in have:
            problems.append(f"Foto tahap {stage}% belum diunggah.")
    if not work_days:
        problems.append("Belum ada hari kerja gotong-royong yang dicatat.")
    if report is None or report.realised_volume is None:
        problems.append(f"Isi volume terealisasi ({proposal.work_type.unit}).")
    used = {(u.description, u.unit) for u in (report.material_lines.all() if report else [])}
    for line in materials:
        if (line.description, line.unit) not in used:
            problems.append(f"Isi pemakaian material: {line.description}.")
    return problems


def site_detail(proposal: Proposal) -> Site:
    """A site's records, totals, report and what it still lacks, in a fixed number of queries."""
    work_days = list(proposal.work_days.select_related("recorded_by").order_by("date", "id"))
    contributions = list(proposal.contributions.order_by("date", "id"))
    all_photos = list(
        proposal.progress_photos.select_related("uploaded_by").order_by("stage", "taken_at", "id")
    )
    photos = [p for p in all_photos if p.withdrawn_at is None]
    report = (
        CompletionReport.objects.filter(proposal=proposal)
        .select_related("submitted_by", "accepted_by", "countersigned_by")
        .prefetch_related("material_lines")
        .first()
    )
    materials = delivered_materials(proposal)
    if report is not None:
        usage = {(u.description, u.unit): u for u in report.material_lines.all()}
        for line in materials:
            line.usage = usage.get((line.description, line.unit))
    by_stage: dict[int, list] = defaultdict(list)
    for photo in photos:
        by_stage[photo.stage].append(photo)
    return Site(
        proposal=proposal,
        work_days=work_days,
        contributions=contributions,
        photos=photos,
        withdrawn_photos=[p for p in all_photos if p.withdrawn_at is not None],
        totals=totals_of(proposal, work_days, contributions),
        report=report,
        materials=materials,
        missing=missing_for_report(
            proposal, photos=photos, work_days=work_days, report=report, materials=materials
        ),
        designation=designation(proposal),
        photos_by_stage=dict(sorted(by_stage.items())),
    )


def report_checklist(proposal: Proposal) -> list[ChecklistItem]:
    return list(
        proposal.fiscal_year.checklist_items.filter(stage=ChecklistItem.Stage.REPORT).order_by(
            "order", "id"
        )
    )


def photo_for(user, pk) -> ProgressPhoto:
    return ProgressPhoto.objects.select_related("proposal").get_visible_or_404(user, pk=pk)


def work_day_for(user, pk) -> WorkDay:
    return WorkDay.objects.select_related("proposal").get_visible_or_404(user, pk=pk)


def contribution_for(user, pk) -> SwadayaContribution:
    return SwadayaContribution.objects.select_related("proposal").get_visible_or_404(user, pk=pk)


# --- Photo checks ------------------------------------------------------------------------------


def photo_facts(photos) -> list[PhotoFacts]:
    return [
        PhotoFacts(
            pk=p["pk"],
            proposal_id=p["proposal_id"],
            proposal_code=p["proposal__code"],
            stage=p["stage"],
            sha256=p["sha256"],
            phash=p["phash"],
            background_hash=p["background_hash"],
            taken_at=p["taken_at"],
            latitude=p["latitude"],
            longitude=p["longitude"],
            metadata_source=p["metadata_source"],
            uploaded_at=p["uploaded_at"],
            withdrawn=p["withdrawn_at"] is not None,
        )
        for p in photos.values(
            "pk",
            "proposal_id",
            "proposal__code",
            "stage",
            "sha256",
            "phash",
            "background_hash",
            "taken_at",
            "latitude",
            "longitude",
            "metadata_source",
            "uploaded_at",
            "withdrawn_at",
        )
    ]


def comparable_photos(proposal: Proposal) -> list[PhotoFacts]:
    """Every stored photo a site's photos are compared with: the whole programme, all years.

    One query of hashes; at ~6 photos per site and ~300 sites a year this stays in the tens of
    thousands of short rows (see docs/reporting.md for the index to add beyond that)."""
    return photo_facts(ProgressPhoto.objects.all())


def site_facts(proposal: Proposal, first_date: date | None) -> SiteFacts:
    return SiteFacts(
        code=proposal.code,
        latitude=proposal.latitude,
        longitude=proposal.longitude,
        decree_date=first_date,
    )


# --- Totals by area ----------------------------------------------------------------------------

GROUPS = {
    "proposal": ("proposal_id", "proposal__code", "proposal__title"),
    "kelurahan": ("proposal__kelurahan_id", "proposal__kelurahan__name"),
    "kecamatan": ("proposal__kelurahan__kecamatan_id", "proposal__kelurahan__kecamatan__name"),
    "year": ("proposal__fiscal_year__year",),
}


@dataclass(kw_only=True)
class AreaTotals(WorkFigures):
    key: object
    label: str
    sites: int = 0
    cash: int = 0


def execution_totals(user, *, by: str = "kelurahan", year: int | None = None) -> list[AreaTotals]:
    """Work and contributions summed per site, kelurahan, kecamatan or year: two queries."""
    fields = GROUPS[by]
    work = WorkDay.objects.visible_to(user)
    gifts = SwadayaContribution.objects.visible_to(user)
    if year:
        work = work.filter(proposal__fiscal_year__year=year)
        gifts = gifts.filter(proposal__fiscal_year__year=year)
    rows: dict[object, AreaTotals] = {}
    sites: dict[object, set] = defaultdict(set)

    def row_for(values) -> AreaTotals:
        key = values[fields[0]]
        if key not in rows:
            label = " · ".join(str(values[f]) for f in fields[1:]) or str(key)
            rows[key] = AreaTotals(key=key, label=label)
        return rows[key]

    # Grouped by the site too: each site's hours are valued at its own year's wage.
    for values in (
        work.order_by()
        .values(*fields, "proposal_id", "proposal__fiscal_year__daily_wage")
        .annotate(hours=Sum(PERSON_HOURS), days=Count("date", distinct=True))
    ):
        row = row_for(values)
        row.work_days += values["days"]
        row.person_hours += Decimal(values["hours"] or 0)
        row.labour_value += labour_value(
            values["hours"], values["proposal__fiscal_year__daily_wage"]
        )
        sites[row.key].add(values["proposal_id"])
    for values in (
        gifts.order_by()
        .values(*fields, "proposal_id")
        .annotate(total=Sum("value"), cash=Sum("value", filter=Q(kind="cash")))
    ):
        row = row_for(values)
        row.contributions += int(values["total"] or 0)
        row.cash += int(values["cash"] or 0)
        sites[row.key].add(values["proposal_id"])
    for row in rows.values():
        row.person_days = person_days(row.person_hours)
        row.sites = len(sites[row.key])
    return sorted(rows.values(), key=lambda r: (str(r.label), str(r.key)))


# --- The progress section of the proposal page -----------------------------------------------


@dataclass
class Progress:
    proposal: Proposal
    photos: list
    stages: list
    work_days: int
    person_days: Decimal
    contributions: int
    report: CompletionReport | None
    show_flags: bool
    can_open_site: bool


def proposal_progress(proposal: Proposal, user) -> Progress | None:
    """The progress section for a proposal's detail page (3 queries), or None before work."""
    if proposal.state not in EXECUTION_STATES:
        return None
    photos = list(
        proposal.progress_photos.filter(withdrawn_at__isnull=True).order_by(
            "stage", "taken_at", "uploaded_at", "id"
        )
    )
    work = proposal.work_days.aggregate(hours=Sum(PERSON_HOURS), days=Count("date", distinct=True))
    report = CompletionReport.objects.filter(proposal=proposal).first()
    contributions = proposal.contributions.aggregate(t=Coalesce(Sum("value"), 0))["t"]
    stages = sorted({p.stage for p in photos} | set(REQUIRED_STAGES))
    return Progress(
        proposal=proposal,
        photos=photos,
        stages=[(s, [p for p in photos if p.stage == s]) for s in stages],
        work_days=work["days"] or 0,
        person_days=person_days(work["hours"]),
        contributions=int(contributions or 0),
        report=report,
        show_flags=sees_red_flags(user),
        can_open_site=True,
    )
