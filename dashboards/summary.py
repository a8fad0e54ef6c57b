"""Building the summary rows of a closed fiscal year (dashboards.models), and knowing which
years have current ones.

``build_year`` reads the year's proposals, work days, contributions, step log and Musrenbang
entries in five grouped queries and writes one row per proposal, their sums per kelurahan
(for each work type and for all), and one row per (kelurahan, work type) of entries,
replacing the year's rows in one transaction. A year that is not closed
has its rows removed: it is read live.
"""

from __future__ import annotations

from collections import defaultdict

from django.db import transaction
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Sum
from django.utils import timezone

from bangkit.bulk import insert
from bangkit.models import FiscalYear
from budgets.figures import _BINDING, _commitment
from dashboards.models import (
    CellSummary,
    EntrySummary,
    ProposalSummary,
    StageSummary,
    YearSummary,
)
from proposals.models import MusrenbangEntry, Proposal, TransitionLog
from proposals.states import COMMITTED_STATES, State
from reporting.models import SwadayaContribution, WorkDay
from reporting.selectors import PERSON_HOURS

# The funnel's stages and the logged step that shows an off-path proposal passed each.
REACHED = {
    "diajukan": (State.SUBMITTED, "submit"),
    "verifikasi_kelurahan": (State.KELURAHAN_VERIFIED, "verify_kelurahan"),
    "verifikasi_kecamatan": (State.KECAMATAN_VERIFIED, "verify_kecamatan"),
    "ditetapkan": (State.DESIGNATED, "designate"),
    "selesai": (State.COMPLETED, "accept_report"),
}
STEPS = [
    "submit",
    "verify_kelurahan",
    "verify_kecamatan",
    "designate",
    "receive_materials",
    "accept_report",
]
KINDS = {
    SwadayaContribution.Kind.CASH: "contrib_cash",
    SwadayaContribution.Kind.MATERIALS: "contrib_materials",
    SwadayaContribution.Kind.LABOUR: "contrib_labour",
    SwadayaContribution.Kind.FOOD: "contrib_food",
    SwadayaContribution.Kind.EQUIPMENT: "contrib_equipment",
}
KIND_OF_COLUMN = {column: kind for kind, column in KINDS.items()}


def summarized_years() -> frozenset[int]:
    """The closed years whose summary rows are current. One query."""
    return year_index()[0]


def year_index() -> tuple[frozenset[int], dict[int, int]]:
    """The closed years whose summary rows are current, and every fiscal year's id by its
    number (the live years' rows are then found by the id their table keeps: the planner
    knows how many rows each id has, not how many a year joined through its table has).
    One query."""
    rows = FiscalYear.objects.annotate(
        current=Exists(YearSummary.objects.filter(fiscal_year=OuterRef("pk"), stale=False))
    ).values_list("year", "pk", "status", "current")
    summarized = frozenset(
        year for year, _, status, current in rows if current and status == FiscalYear.Status.CLOSED
    )
    return summarized, {year: pk for year, pk, _, _ in rows}


def mark_stale(years) -> int:
    """A record of these years changed: read them live until their rows are rebuilt."""
    return YearSummary.objects.filter(fiscal_year__year__in=list(years)).update(
        stale=True, stale_since=timezone.now()
    )


def _reached(state: str, logged: set) -> dict:
    from dashboards.figures import MAIN_PATH

    flags = {}
    for key, (stage_state, step) in REACHED.items():
        if state in MAIN_PATH:
            flags[f"reached_{key}"] = MAIN_PATH.index(stage_state) <= MAIN_PATH.index(state)
        else:
            flags[f"reached_{key}"] = step in logged
    return flags


def _proposal_rows(fiscal_year: FiscalYear) -> list[ProposalSummary]:
    from dashboards.figures import site_materials

    year_rows = Proposal.objects.filter(fiscal_year=fiscal_year).order_by()
    work = {
        row["proposal_id"]: row
        for row in WorkDay.objects.filter(proposal__fiscal_year=fiscal_year)
        .order_by()
        .values("proposal_id")
        .annotate(
            n=Count("pk"),
            most=Max(F("men") + F("women")),
            attendance=Sum(F("men") + F("women")),
            women_count=Sum("women"),
            hours=Sum(PERSON_HOURS),
        )
    }
    gifts: dict = defaultdict(dict)
    for row in (
        SwadayaContribution.objects.filter(proposal__fiscal_year=fiscal_year)
        .order_by()
        .values("proposal_id", "kind")
        .annotate(n=Count("pk"), total=Sum("value"))
    ):
        gifts[row["proposal_id"]][row["kind"]] = (row["n"], int(row["total"] or 0))
    steps: dict = defaultdict(dict)
    for row in (
        TransitionLog.objects.filter(proposal__fiscal_year=fiscal_year)
        .filter(transition__in=set(STEPS) | {s for _, s in REACHED.values()})
        .order_by()
        .values("proposal_id", "transition")
        .annotate(first=Min("created_at"))
    ):
        steps[row["proposal_id"]][row["transition"]] = row["first"]
    rows = []
    for p in year_rows.annotate(
        committed=_commitment(),
        realised=F("completion_report__realised_volume"),
        materials=site_materials(),
    ).values(
        "pk",
        "kelurahan_id",
        "work_type_id",
        "rt_id",
        "state",
        "designated_budget",
        "ordered_amount",
        "delivered_amount",
        "paid_amount",
        "ordered_amount",
        "households_benefiting",
        "people_benefiting",
        "planned_volume",
        "committed",
        "realised",
        "materials",
    ):
        days = work.get(p["pk"], {})
        given = gifts.get(p["pk"], {})
        logged = steps.get(p["pk"], {})
        rows.append(
            ProposalSummary(
                proposal_id=p["pk"],
                fiscal_year=fiscal_year,
                kelurahan_id=p["kelurahan_id"],
                work_type_id=p["work_type_id"],
                rt_id=p["rt_id"],
                state=p["state"],
                **_reached(p["state"], set(logged)),
                designated_budget=p["designated_budget"],
                ordered_amount=p["ordered_amount"],
                delivered_amount=p["delivered_amount"],
                paid_amount=p["paid_amount"],
                committed=p["committed"],
                binding=False,  # set below from the rule itself
                savings_materials=p["materials"],
                participants=days.get("most"),
                households_benefiting=p["households_benefiting"],
                people_benefiting=p["people_benefiting"],
                planned_volume=p["planned_volume"],
                realised_volume=p["realised"],
                work_days=days.get("n", 0),
                attendance=days.get("attendance") or 0,
                women=days.get("women_count") or 0,
                person_hours=days.get("hours") or 0,
                contributions=sum(n for n, _ in given.values()),
                **{column: given.get(kind, (0, 0))[1] for kind, column in KINDS.items()},
                **{f"t_{step}": logged.get(step) for step in STEPS},
            )
        )
    binding = set(year_rows.filter(_BINDING).values_list("pk", flat=True))
    for row in rows:
        row.binding = row.proposal_id in binding
    return rows


# The cells a filter can name: the city, a kecamatan, a kelurahan, each with or without a
# work type (the user's own area is always one of them: see dashboards.filters).
CELLS = [
    ("y",),
    ("y", "kec"),
    ("y", "kel"),
    ("y", "wt"),
    ("y", "kec", "wt"),
    ("y", "kel", "wt"),
]


def _stage_rows(fiscal_year: FiscalYear) -> list[StageSummary]:
    """The time per stage of every cell, from the year's proposal rows (already written)."""
    from dashboards.figures import STEP_NAMES, _quantiles_of

    inner = (
        ProposalSummary.objects.filter(fiscal_year=fiscal_year)
        .annotate(
            y=F("fiscal_year_id"),
            kec=F("kelurahan__kecamatan_id"),
            kel=F("kelurahan_id"),
            wt=F("work_type_id"),
        )
        .order_by()
        .values("y", "kec", "kel", "wt", *[f"t_{name}" for name in STEP_NAMES])
    )
    return [
        StageSummary(
            fiscal_year_id=fy,
            kecamatan_id=kec,
            kelurahan_id=kel,
            work_type_id=wt,
            stage=stage,
            n=n,
            median=median,
            p90=p90,
        )
        for ((fy, kec, kel, wt), stage), (n, median, p90) in _quantiles_of(
            inner, ("y", "kec", "kel", "wt"), CELLS
        ).items()
    ]


def _cell_rows(fiscal_year: FiscalYear, entries: list[EntrySummary]) -> list[CellSummary]:
    """The year's proposal rows (already written) added up per kelurahan, for each work type
    and for all of them: the sums the dashboard's sections share (figures.cell_aggregates),
    with the Musrenbang entries of the same kelurahan and work type (``entries``: the year's
    EntrySummary rows); a kelurahan or work type with entries and no proposal gets a cell of
    its entries alone."""
    from dashboards.figures import cell_aggregates

    aggregates = cell_aggregates()
    rows = ProposalSummary.objects.filter(fiscal_year=fiscal_year).order_by()
    funded_rts: dict = defaultdict(set)  # (kelurahan, work type or None): RT ids
    for kelurahan_id, work_type_id, rt_id in rows.filter(state__in=COMMITTED_STATES).values_list(
        "kelurahan_id", "work_type_id", "rt_id"
    ):
        funded_rts[(kelurahan_id, work_type_id)].add(rt_id)
        funded_rts[(kelurahan_id, None)].add(rt_id)
    # (kelurahan, work type, or None for all of them): entries. An entry without a work type
    # counts in its kelurahan's cell of all work types only.
    wished: dict = defaultdict(int)
    for entry in entries:
        if entry.work_type_id is not None:
            wished[(entry.kelurahan_id, entry.work_type_id)] += entry.entries
        wished[(entry.kelurahan_id, None)] += entry.entries
    cells = {
        (row["kelurahan_id"], row.get("work_type_id")): row
        for group in (("kelurahan_id", "work_type_id"), ("kelurahan_id",))
        for row in rows.values(*group).annotate(**aggregates)
    }
    nothing = {name: 0 if isinstance(a, Count) else None for name, a in aggregates.items()}
    for kelurahan_id, work_type_id in wished.keys() - cells.keys():
        cells[(kelurahan_id, work_type_id)] = {
            "kelurahan_id": kelurahan_id,
            "work_type_id": work_type_id,
            **nothing,
        }
    return [
        CellSummary(
            fiscal_year=fiscal_year,
            **(row | {"work_type_id": key[1]}),
            entries=wished.get(key, 0),
            f_rt_ids=sorted(funded_rts[key]),
        )
        for key, row in cells.items()
    ]


def _entry_rows(year: int) -> list[EntrySummary]:
    return [
        EntrySummary(year=year, **row)
        for row in MusrenbangEntry.objects.counted_once()
        .filter(year=year)
        .order_by()
        .values("kelurahan_id", "work_type_id")
        .annotate(entries=Count("pk"))
    ]


@transaction.atomic
def build_year(fiscal_year: FiscalYear) -> YearSummary | None:
    """(Re)build the summary rows of a closed year; remove them for a year that is not."""
    started = timezone.now()
    fiscal_year = FiscalYear.objects.select_for_update().get(pk=fiscal_year.pk)
    ProposalSummary.objects.filter(fiscal_year=fiscal_year).delete()
    StageSummary.objects.filter(fiscal_year=fiscal_year).delete()
    CellSummary.objects.filter(fiscal_year=fiscal_year).delete()
    EntrySummary.objects.filter(year=fiscal_year.year).delete()
    if fiscal_year.status != FiscalYear.Status.CLOSED:
        YearSummary.objects.filter(fiscal_year=fiscal_year).delete()
        return None
    # By COPY on PostgreSQL (bangkit.bulk): a year's 1,500 proposal rows of 45 columns and
    # 3,000 stage rows as SQL parameters were a third of the build.
    proposals = insert(ProposalSummary, _proposal_rows(fiscal_year))
    entries = insert(EntrySummary, _entry_rows(fiscal_year.year))
    insert(StageSummary, _stage_rows(fiscal_year))
    insert(CellSummary, _cell_rows(fiscal_year, entries))
    summary, _ = YearSummary.objects.select_for_update().get_or_create(fiscal_year=fiscal_year)
    # A change committed while these rows were read has marked the year stale again (and
    # asked for another build): the rows stay unread until then.
    summary.stale = summary.stale_since is not None and summary.stale_since >= started
    summary.proposals, summary.entries = len(proposals), len(entries)
    summary.save()
    return summary
