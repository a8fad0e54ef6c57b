"""The dashboard's figures, aggregated in the database: each section is a few grouped queries
whatever the number of records, scoped to the user and to the filters.

Every section returns ``Table`` objects (see tables.py); every number carries the query string
of the records behind it, which ``records.py`` lists.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import (
    BigIntegerField,
    Count,
    DecimalField,
    Exists,
    OuterRef,
    Q,
)

from dashboards.filters import Filters
from dashboards.tables import Table, cell, percent, text
from proposals.models import MusrenbangEntry, Proposal, TransitionLog
from proposals.states import COMMITTED_STATES, State, Transition
from reporting.models import SwadayaContribution, WorkDay

MONEY = BigIntegerField()
DEC = DecimalField(max_digits=20, decimal_places=2)

# The main path of a proposal: a proposal in one of these states has passed every earlier one.
MAIN_PATH = [
    State.SUBMITTED,
    State.KELURAHAN_VERIFIED,
    State.KECAMATAN_VERIFIED,
    State.DESIGNATED,
    State.PROCUREMENT,
    State.MATERIALS_RECEIVED,
    State.IN_PROGRESS,
    State.REPORTED,
    State.COMPLETED,
]


@dataclass(frozen=True)
class Stage:
    key: str
    label: str
    state: str  # the state reached on the main path
    transition: str  # the logged step that reaches it (for rejected, deferred, cancelled ones)


FUNNEL = [
    Stage("diajukan", "Diajukan RT", State.SUBMITTED, Transition.SUBMIT),
    Stage(
        "verifikasi_kelurahan",
        "Diverifikasi kelurahan",
        State.KELURAHAN_VERIFIED,
        Transition.VERIFY_KELURAHAN,
    ),
    Stage(
        "verifikasi_kecamatan",
        "Diverifikasi kecamatan",
        State.KECAMATAN_VERIFIED,
        Transition.VERIFY_KECAMATAN,
    ),
    Stage("ditetapkan", "Ditetapkan SK Camat", State.DESIGNATED, Transition.DESIGNATE),
    Stage("selesai", "Selesai", State.COMPLETED, Transition.ACCEPT_REPORT),
]
STAGES = {s.key: s for s in FUNNEL}


def _flag(stage: Stage) -> str:
    return f"reached_{stage.key}"


def with_reached(proposals):
    """Each proposal with a flag per funnel stage: reached it (its state is at or past it on
    the main path, or its log shows the step: a rejected or cancelled proposal keeps the
    stages it passed)."""
    return proposals.annotate(
        **{
            _flag(stage): Exists(
                TransitionLog.objects.filter(proposal=OuterRef("pk"), transition=stage.transition)
            )
            for stage in FUNNEL
        }
    )


def reached(stage: Stage) -> Q:
    return Q(state__in=MAIN_PATH[MAIN_PATH.index(stage.state) :]) | Q(**{_flag(stage): True})


# --- Base querysets ---------------------------------------------------------------------------


def proposals(user, filters: Filters):
    """Proposals the user may see, within the filters."""
    return _filtered(Proposal.objects.visible_to(user), filters, prefix="")


def _filtered(qs, filters: Filters, *, prefix: str, year_path: str = "fiscal_year__year"):
    lookups = {f"{prefix}{year_path}__range": (filters.year_from, filters.year_to)}
    if filters.kelurahan:
        lookups[f"{prefix}kelurahan_id"] = filters.kelurahan.pk
    elif filters.kecamatan:
        lookups[f"{prefix}kelurahan__kecamatan_id"] = filters.kecamatan.pk
    if filters.work_type:
        lookups[f"{prefix}work_type_id"] = filters.work_type.pk
    return qs.filter(**lookups)


def entries(user, filters: Filters):
    return _filtered(MusrenbangEntry.objects.visible_to(user), filters, prefix="", year_path="year")


def work_days(user, filters: Filters):
    return _filtered(WorkDay.objects.visible_to(user), filters, prefix="proposal__")


def contributions(user, filters: Filters):
    return _filtered(SwadayaContribution.objects.visible_to(user), filters, prefix="proposal__")


def funded(qs):
    return qs.filter(state__in=COMMITTED_STATES)


def _area(filters: Filters, prefix: str = "") -> tuple[str, str]:
    if filters.level == "kecamatan":
        return f"{prefix}kelurahan__kecamatan_id", f"{prefix}kelurahan__kecamatan__name"
    return f"{prefix}kelurahan_id", f"{prefix}kelurahan__name"


def _area_param(filters: Filters, area_id) -> dict:
    return {"kecamatan": area_id} if filters.level == "kecamatan" else {"kelurahan": area_id}


def _level_label(filters: Filters) -> str:
    return "Kecamatan" if filters.level == "kecamatan" else "Kelurahan"


# --- a) Funnel -------------------------------------------------------------------------------


def funnel(user, filters: Filters) -> list[Table]:
    """Musrenbang entries → submitted → verified → designated → completed, per year and area,
    with the funded share (designated of the Musrenbang entries). Two queries."""
    area_id, area_name = _area(filters)
    counts = {stage.key: Count("pk", filter=reached(stage)) for stage in FUNNEL}
    rows = (
        with_reached(proposals(user, filters))
        .order_by()
        .values("fiscal_year__year", area_id, area_name)
        .annotate(**counts)
    )
    wished = (
        entries(user, filters).order_by().values("year", area_id, area_name).annotate(n=Count("pk"))
    )
    grid: dict = {}
    for row in wished:
        key = (row["year"], row[area_id])
        grid.setdefault(key, {"name": row[area_name], "musrenbang": 0})["musrenbang"] = row["n"]
    for row in rows:
        key = (row["fiscal_year__year"], row[area_id])
        slot = grid.setdefault(key, {"name": row[area_name], "musrenbang": 0})
        slot.update({stage.key: row[stage.key] for stage in FUNNEL})
    headers = [
        "Tahun",
        _level_label(filters),
        "Usulan Musrenbang",
        *[s.label for s in FUNNEL],
        "Porsi didanai (%)",
    ]
    table = Table("corong", "Corong usulan", headers, note=FUNNEL_NOTE)
    sums = defaultdict(int)
    for (year, area), slot in sorted(grid.items(), key=lambda kv: (kv[0][0], kv[1]["name"])):
        link = {"tahun": year, **_area_param(filters, area)}
        values = [slot.get(s.key, 0) for s in FUNNEL]
        table.rows.append(
            [
                cell(year, "year"),
                text(slot["name"]),
                cell(slot["musrenbang"], link=filters.query(daftar="musrenbang", **link)),
                *[
                    cell(v, link=filters.query(daftar="usulan", tahap=s.key, **link))
                    for s, v in zip(FUNNEL, values, strict=True)
                ],
                cell(percent(slot.get("ditetapkan", 0), slot["musrenbang"]), "percent"),
            ]
        )
        sums["musrenbang"] += slot["musrenbang"]
        for s, v in zip(FUNNEL, values, strict=True):
            sums[s.key] += v
    table.total = [
        text("Jumlah"),
        text(filters.area_label),
        cell(sums["musrenbang"], link=filters.query(daftar="musrenbang")),
        *[cell(sums[s.key], link=filters.query(daftar="usulan", tahap=s.key)) for s in FUNNEL],
        cell(percent(sums["ditetapkan"], sums["musrenbang"]), "percent"),
    ]
    return [table]


FUNNEL_NOTE = (
    "Setiap usulan dihitung pada tahap yang pernah dicapainya: usulan yang kemudian ditolak, "
    "ditunda atau dibatalkan tetap terhitung pada tahap sebelumnya (menurut riwayat tahap). "
    "Porsi didanai = usulan yang ditetapkan SK Camat ÷ usulan Musrenbang."
)


def funnel_totals(table: Table) -> dict[str, int]:
    """{'musrenbang': n, 'diajukan': n, …} from the funnel's total row."""
    keys = ["musrenbang", *[s.key for s in FUNNEL]]
    return dict(zip(keys, [c.value for c in table.total[2:-1]], strict=True))
