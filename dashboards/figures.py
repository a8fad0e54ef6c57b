"""The dashboard's figures, aggregated in the database: each section is a few grouped queries
whatever the number of records, scoped to the user and to the filters.

The closed years whose summary rows are current (dashboards.summary) are read from those
rows, the other years from the live tables; each figure adds the two (the years never
overlap), so the numbers are the same either way (tests/dashboards/test_summary.py).

Every section returns ``Table`` objects (see tables.py); every number carries the query string
of the records behind it, which ``records.py`` lists.
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from itertools import chain, repeat
from operator import itemgetter

from django.db import connection
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    DecimalField,
    F,
    Min,
    Q,
    Sum,
    TextField,
    When,
)
from django.db.models.functions import Cast, Coalesce

from bangkit.models import RT, Kecamatan, Kelurahan, SlumArea
from bangkit.queries import total_of
from budgets.figures import _BINDING, _commitment  # the envelopes' own rule of commitment
from budgets.models import BudgetEnvelope
from dashboards import summary
from dashboards.filters import Filters
from dashboards.models import CellSummary, ProposalSummary, StageSummary
from dashboards.tables import Table, cell, percent, ratio, text
from proposals.models import MusrenbangEntry, Proposal, RABLine, TransitionLog
from proposals.states import COMMITTED_STATES, State, Transition
from reporting import savings
from reporting.models import ContractorCostParameters, SwadayaContribution, WorkDay
from reporting.selectors import PERSON_HOURS, labour_value, person_days, site_participants

MONEY = BigIntegerField()
DEC = DecimalField(max_digits=20, decimal_places=2)

# The main path of a proposal: a proposal in one of these states has passed every earlier one.
# From designation on it is the path of the committed states.
MAIN_PATH = [
    State.SUBMITTED,
    State.KELURAHAN_VERIFIED,
    State.KECAMATAN_VERIFIED,
    *COMMITTED_STATES,
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
STAGE_KEYS = [s.key for s in FUNNEL]


# States off the main path: such a proposal keeps the stages its log shows it passed.
OFF_PATH = [s for s in State.values if s not in MAIN_PATH]


def _logged(stage: Stage):
    """Ids of off-path proposals whose log shows the stage's step (a small set)."""
    return TransitionLog.objects.filter(
        transition=stage.transition, proposal__state__in=OFF_PATH
    ).values("proposal_id")


def reached(stage: Stage) -> Q:
    """The proposals that reached a stage: their state is at or past it on the main path, or
    they left the path (rejected, deferred, cancelled, returned to draft) after passing it."""
    on_path = MAIN_PATH[MAIN_PATH.index(stage.state) :]
    return Q(state__in=on_path) | Q(state__in=OFF_PATH, pk__in=_logged(stage))


def _reached_counts(qs, group: tuple, user, filters: Filters) -> dict:
    """{group values: {stage key: proposals that reached it}} in two grouped queries: the
    proposals by state, and the off-path ones by the steps their log shows."""
    counts: dict = defaultdict(lambda: dict.fromkeys(STAGE_KEYS, 0))
    names: dict = {}
    for row in qs.order_by().values(*group, "state").annotate(n=Count("pk")):
        key = tuple(row[g] for g in group[:2])
        names[key] = row
        if row["state"] in MAIN_PATH:
            at = MAIN_PATH.index(row["state"])
            for stage in FUNNEL:
                if MAIN_PATH.index(stage.state) <= at:
                    counts[key][stage.key] += row["n"]
    log_group = tuple(f"proposal__{g}" for g in group)
    logs = (
        _logs_of(qs, user, filters)
        .filter(proposal__state__in=OFF_PATH, transition__in=[s.transition for s in FUNNEL])
        .order_by()
        .values(*log_group, "transition")
        .annotate(n=Count("proposal_id", distinct=True))
    )
    by_step = {s.transition: s.key for s in FUNNEL}
    for row in logs:
        key = tuple(row[g] for g in log_group[:2])
        names.setdefault(key, {g: row[f"proposal__{g}"] for g in group})
        counts[key][by_step[row["transition"]]] += row["n"]
    for row in _kept(user, filters, group, "n", {k: f"r_{k}" for k in STAGE_KEYS}):
        key = tuple(row[g] for g in group[:2])
        names[key] = row
        for k in STAGE_KEYS:
            counts[key][k] += row[k]
    return counts, names


# --- Base querysets ---------------------------------------------------------------------------


def proposals(user, filters: Filters):
    """Proposals the user may see, within the filters."""
    return _filtered(Proposal.objects.visible_to(user), filters, prefix="")


def with_summaries(filters: Filters) -> Filters:
    """The filters knowing which closed years are read from summary rows (one query, once)."""
    if filters.summarized is not None:
        return filters
    summarized, year_ids = summary.year_index()
    return filters.narrowed(summarized=summarized, year_ids=year_ids)


def _closed(filters: Filters) -> list[int]:
    """The summarized years within the filters' range."""
    return sorted(
        y for y in (filters.summarized or ()) if filters.year_from <= y <= filters.year_to
    )


def _area_lookups(filters: Filters, prefix: str) -> dict:
    lookups = {}
    if filters.kelurahan:
        lookups[f"{prefix}kelurahan_id"] = filters.kelurahan.pk
    elif filters.kecamatan:
        lookups[f"{prefix}kelurahan__kecamatan_id"] = filters.kecamatan.pk
    if filters.work_type:
        lookups[f"{prefix}work_type_id"] = filters.work_type.pk
    return lookups


class _Nothing:
    """The rows of a part the filters leave no year to (the live tables when every year is
    read from summary rows, the summary rows when none is): every chained call returns it
    and it yields nothing. An empty queryset would still be built, its grouped query
    resolved and compiled as far as the empty condition, which costs the page's Python
    about as much as running it."""

    class query:  # noqa: N801 (what callers ask of a queryset's query)
        @staticmethod
        def is_empty() -> bool:
            return True

    def _same(self, *args, **kwargs):
        return self

    filter = exclude = order_by = values = values_list = annotate = distinct = _same

    def __iter__(self):
        return iter(())

    def __bool__(self) -> bool:
        return False


NOTHING = _Nothing()


_LISTED_SPAN = 100  # years; a wider span (the slums' "since the first year") stays a range


def _filtered(qs, filters: Filters, *, prefix: str, year_path: str = "fiscal_year__year"):
    """The live rows within the filters, without the years read from summary rows."""
    closed = _closed(filters)
    span = range(filters.year_from, filters.year_to + 1)
    area = _area_lookups(filters, prefix)
    years = f"{prefix}{year_path}"
    live = [y for y in span if y not in closed]
    if (
        filters.year_ids is not None
        and year_path == "fiscal_year__year"
        and len(span) <= _LISTED_SPAN
    ):
        # By the fiscal year's id the row keeps: the planner then knows the open year has a
        # few dozen proposals, not the average of all years, and reads its work days and
        # contributions by their index (a join on the year number scanned them whole).
        ids = [filters.year_ids[y] for y in live if y in filters.year_ids]
        return qs.filter(**{f"{prefix}fiscal_year_id__in": ids}, **area) if ids else NOTHING
    if not closed:
        return qs.filter(**{f"{years}__range": (filters.year_from, filters.year_to)}, **area)
    if all(y in closed for y in span if not filters.all_years or y in filters.all_years):
        return NOTHING
    if len(span) <= _LISTED_SPAN:
        # The live years named one by one: an index on the year finds them (a range with
        # the closed years excluded reads every year of the table, 60,000 entries for ten).
        return qs.filter(**{f"{years}__in": live}, **area)
    return qs.filter(**{f"{years}__range": (filters.year_from, filters.year_to)}, **area).exclude(
        **{f"{years}__in": closed}
    )


def _summary(model, user, filters: Filters, *, year_path: str = "fiscal_year__year"):
    """The summary rows of the summarized years within the filters."""
    closed = _closed(filters)
    if not closed:
        return NOTHING
    return model.objects.visible_to(user).filter(
        **{f"{year_path}__in": closed}, **_area_lookups(filters, "")
    )


def summed(user, filters: Filters):
    """The summary rows of the closed years' proposals, within the filters."""
    return _summary(ProposalSummary, user, filters)


# --- The closed years' summary rows, read once ------------------------------------------------
#
# Most sections sum the same summary rows by year and area, each with its own condition
# (the proposals that bind the envelope, the funded ones, those with work days …). Those
# sums are kept per (year, kelurahan, work type) when the year's summary is built
# (``CellSummary``, every condition a FILTER of one grouped query, ``cell_aggregates``).
# The page reads the cells of its years and area once, and each section adds up the ones
# it needs (``_kept``): about 700 stored rows for ten years of the city instead of grouping
# 15,000 proposal rows, the same sums as a grouped query of those would give.

_KEPT_GROUP = (
    "fiscal_year_id",
    "fiscal_year__year",
    "fiscal_year__daily_wage",
    "kelurahan_id",
    "kelurahan__name",
    "kelurahan__kecamatan_id",
    "kelurahan__kecamatan__name",
)
_BOUND = Q(binding=True)
_FUNDED = Q(state__in=COMMITTED_STATES)
_WORKED = Q(work_days__gt=0)
_DONE = Q(state=State.COMPLETED)
_GAVE = Q(contributions__gt=0)


def cell_aggregates() -> dict:
    """{column of CellSummary: its aggregate over the proposal rows}."""
    return {
        "n": Count("pk"),
        **{f"r_{k}": Count("pk", filter=Q(**{f"reached_{k}": True})) for k in STAGE_KEYS},
        "b_n": Count("pk", filter=_BOUND),
        **{
            f"b_{name}": Sum(column, filter=_BOUND)
            for name, column in (
                ("committed", "committed"),
                ("ordered", "ordered_amount"),
                ("delivered", "delivered_amount"),
                ("paid", "paid_amount"),
            )
        },
        "paid": Sum("paid_amount"),
        "f_n": Count("pk", filter=_FUNDED),
        "f_participants": Sum("participants", filter=_FUNDED),
        "f_households": Sum("households_benefiting", filter=_FUNDED),
        "f_people": Sum("people_benefiting", filter=_FUNDED),
        "f_planned": Sum("planned_volume", filter=_FUNDED),
        "fd_n": Count("pk", filter=_FUNDED & _DONE),
        "fd_planned": Sum("planned_volume", filter=_FUNDED & _DONE),
        "fd_realised": Sum("realised_volume", filter=_FUNDED & _DONE),
        "w_n": Count("pk", filter=_WORKED),
        "w_attendance": Sum("attendance", filter=_WORKED),
        "w_women": Sum("women", filter=_WORKED),
        "w_hours": Sum("person_hours", filter=_WORKED),
        "d_n": Count("pk", filter=_DONE),
        "d_materials": Sum("savings_materials", filter=_DONE),
        **{
            f"d_{column}": Sum(column, filter=_DONE)
            for column in (
                "person_hours",
                "contrib_materials",
                "contrib_labour",
                "contrib_equipment",
            )
        },
        "c_n": Count("pk", filter=_GAVE),
        **{f"c_{column}": Sum(column, filter=_GAVE) for column in summary.KIND_OF_COLUMN},
        "hours": Sum("person_hours"),
        "wd": Sum("work_days"),
    }


_reads: ContextVar[dict | None] = ContextVar("dashboard_reads", default=None)


@contextmanager
def one_read():
    """Within it, the summary rows of the same user and filters are read once (the
    dashboard's sections share them)."""
    token = _reads.set({})
    try:
        yield
    finally:
        _reads.reset(token)


CELL_FIGURES = tuple(cell_aggregates())


def _cells(user, filters: Filters, *, by_work_type: bool = False):
    """The closed years' stored sums within the filters (CellSummary): one row per year and
    kelurahan for the filters' work type or for all, or, ``by_work_type``, one per work
    type too."""
    closed = _closed(filters)
    if not closed:
        return NOTHING
    lookups = _area_lookups(filters, "")
    if not filters.work_type:
        lookups["work_type__isnull"] = not by_work_type
    return (
        CellSummary.objects.visible_to(user)
        .filter(fiscal_year__year__in=closed, **lookups)
        .order_by()
    )


def _once(key: tuple, read):
    """read(), once within one_read() for the same key (the sections share what it reads)."""
    reads = _reads.get()
    if reads is None:
        return read()
    if key not in reads:
        reads[key] = read()
    return reads[key]


# The columns of a kept row, and each one's place in it.
_KEPT_COLUMNS = (*_KEPT_GROUP, *CELL_FIGURES, "entries", "f_rt_ids")
_AT = {name: i for i, name in enumerate(_KEPT_COLUMNS)}


def _kept_rows(user, filters: Filters) -> list[tuple]:
    """The closed years' sums within the filters, one row per year and kelurahan: tuples of
    _KEPT_COLUMNS (``_AT[name]`` is a column's place; no dict built for each of 600 rows)."""

    def read():
        # The RT ids come as the stored JSON text, decoded for all rows at once (one call
        # of the decoder instead of one per row: a third of the read).
        rows = list(
            _cells(user, filters).values_list(*_KEPT_COLUMNS[:-1], Cast("f_rt_ids", TextField()))
        )
        rt_ids = json.loads("[" + ",".join(row[-1] for row in rows) + "]")
        return [(*row[:-1], ids) for row, ids in zip(rows, rt_ids, strict=True)]

    return _once(
        ("cells", user.pk, tuple(_closed(filters)), tuple(_area_lookups(filters, "").items())),
        read,
    )


def _getter(names: tuple):
    """kept row -> the tuple of those columns' values (itemgetter gives a bare value for one)."""
    if len(names) == 1:
        at = _AT[names[0]]
        return lambda row: (row[at],)
    return itemgetter(*(_AT[name] for name in names))


def _kept(user, filters: Filters, group: tuple, present: str, columns: dict) -> list[dict]:
    """[{group field: value, name: sum}] as a grouped query of the summary rows gives them:
    the (year, kelurahan) groups whose `present` count is not zero added up by `group`,
    each name the sum of its column (None where every value is None, like SQL's SUM)."""
    key_of, values_of = _getter(group), _getter(tuple(columns.values()))
    at = _AT[present]
    groups: dict = {}
    for row in _kept_rows(user, filters):
        if row[at]:
            groups.setdefault(key_of(row), []).append(values_of(row))
    out = []
    for key, rows in groups.items():
        slot = dict(zip(group, key, strict=True))
        for name, values in zip(columns, zip(*rows, strict=True), strict=True):
            given = [v for v in values if v is not None]
            slot[name] = sum(given[1:], given[0]) if given else None
        out.append(slot)
    return out


def _logs_of(scoped, user, filters: Filters):
    """The transition log of the proposals in ``scoped`` (the user's, within the filters).
    For a city-wide user the filters go on the log's join to its proposal: matching the log
    against a subquery of ten years of proposal ids costs the time-per-stage figure about a
    third more on PostgreSQL. Anyone else also has the log limited to the proposals in scope."""
    logs = _filtered(TransitionLog.objects.all(), filters, prefix="proposal__")
    if not user.is_city_wide:
        logs = logs.filter(proposal__in=scoped.values("pk"))
    return logs


def entries(user, filters: Filters):
    # A chain of entries carried from year to year counts once, in its last (funded) year.
    counted = MusrenbangEntry.objects.visible_to(user).counted_once()
    return _filtered(counted, filters, prefix="", year_path="year")


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


# --- Tables per area and year ----------------------------------------------------------------
#
# The funnel, the money and the people are counted per (year, area). A table of one year has
# a row per area; a table of a range has a row per area over the whole range, and a second
# table a row per year over all the areas (the trend). The rows of every year and area of
# ten years (111 of them, three times) were more than anyone reads, and a page of thousands
# of linked numbers; a year's areas are one choice of the filter away.


def _add(into: dict, slot: dict) -> None:
    """Add the figures of `slot` to `into` (None, a figure not known, adds nothing)."""
    for name, value in slot.items():
        if into.get(name) is None:
            into[name] = value
        elif value is not None:
            into[name] += value


def _split(filters: Filters, grid: dict, names: dict, empty: dict) -> tuple[list, list, dict]:
    """([(year, area, figures)] per area, [(year, None, figures)] per year, the figures of
    them all) of the grid {(year, area id): figures}. For a range the area rows have the year
    None, and every year of the range has a row per year (``empty``'s figures where nothing
    was counted); for one year there are only the area rows."""
    by_area: dict = {}
    by_year: dict = {year: dict(empty) for year in filters.years}
    total = dict(empty)
    for (year, area), slot in grid.items():
        _add(by_area.setdefault((year if filters.single_year else None, area), dict(empty)), slot)
        _add(by_year.setdefault(year, dict(empty)), slot)
        _add(total, slot)
    areas = [
        (year, area, slot)
        for (year, area), slot in sorted(by_area.items(), key=lambda kv: names.get(kv[0][1], ""))
    ]
    if filters.single_year:
        return areas, [], total
    return areas, [(year, None, by_year[year]) for year in sorted(by_year)], total


def _row_link(filters: Filters, year, area) -> dict:
    """The parameters a row's numbers add to the filters: its year and its area."""
    return {
        **({"tahun": year} if year is not None else {}),
        **(_area_param(filters, area) if area is not None else {}),
    }


def _area_and_year_tables(
    filters: Filters,
    key: str,
    title: str,
    headers: list,
    note: str,
    rows: tuple[list, list, dict],
    names: dict,
    row,
    total: list,
) -> list[Table]:
    """The table per area and, for a range, the table per year (key ``<key>_tahun``): their
    figures' ``headers``, each row's figures from row(year, area, figures) over the ``rows``
    of _split() (areas named by ``names``), and the cells of their ``total`` row. One
    year's table opens with the year and the area; a range's table per area with the area
    alone (the range is the page's), its table per year with the year alone."""
    areas, years, _ = rows
    level = _level_label(filters)
    if filters.single_year:
        table = Table(key, title, ["Tahun", level, *headers], note=note)
        table.rows = [
            [cell(year, "year"), text(names.get(area, "")), *row(year, area, slot)]
            for year, area, slot in areas
        ]
        table.total = [text("Jumlah"), text(filters.area_label), *total]
        return [table]
    table = Table(key, title, [level, *headers], note=note)
    table.rows = [[text(names.get(area, "")), *row(None, area, slot)] for _, area, slot in areas]
    table.total = [text("Jumlah"), *total]
    # Its note is the table per area's, just above it.
    per_year = Table(f"{key}_tahun", f"{title} per tahun", ["Tahun", *headers])
    per_year.rows = [[cell(year, "year"), *row(year, None, slot)] for year, _, slot in years]
    per_year.total = [text("Jumlah"), *total]
    return [table, per_year]


def per_year(tables: list[Table], column: str) -> dict[int, object]:
    """{year: the column's sum over the year's rows} of a section's tables: its table per
    year for a range, else its one table (every row of the same year)."""
    table = next((t for t in tables if t.key.endswith("_tahun")), tables[0])
    index = table.headers.index(column)
    sums: dict = defaultdict(int)
    for row in table.rows:
        sums[row[0].value] += row[index].value or 0
    return dict(sums)


# --- a) Funnel -------------------------------------------------------------------------------


def funnel(user, filters: Filters) -> list[Table]:
    """Musrenbang entries → submitted → verified → designated → completed, per year and area,
    with the funded share (designated of the Musrenbang entries). Three queries."""
    filters = with_summaries(filters)
    area_id, area_name = _area(filters)
    group = ("fiscal_year__year", area_id, area_name)
    counts, names_of = _reached_counts(proposals(user, filters), group, user, filters)
    wished = [
        *entries(user, filters)
        .order_by()
        .values("year", area_id, area_name)
        .annotate(n=Count("pk")),
        *(
            {"year": row["fiscal_year__year"], **row}
            for row in _kept(user, filters, group, "entries", {"n": "entries"})
        ),
    ]
    empty = dict.fromkeys(("musrenbang", *STAGE_KEYS), 0)
    grid: dict = {}
    names: dict = {}
    for row in wished:
        key = (row["year"], row[area_id])
        names[row[area_id]] = row[area_name]
        grid.setdefault(key, dict(empty))["musrenbang"] += row["n"]
    for key, reached_counts in counts.items():
        names.setdefault(key[1], names_of[key][area_name])
        grid.setdefault(key, dict(empty)).update(reached_counts)
    headers = ["Usulan Musrenbang", *[s.label for s in FUNNEL], "Porsi didanai (%)"]

    def row(year, area, slot):
        link = _row_link(filters, year, area)
        return [
            cell(slot["musrenbang"], link=filters.query(daftar="musrenbang", **link)),
            *[
                cell(slot[s.key], link=filters.query(daftar="usulan", tahap=s.key, **link))
                for s in FUNNEL
            ],
            cell(percent(slot["ditetapkan"], slot["musrenbang"]), "percent"),
        ]

    split = _split(filters, grid, names, empty)
    return _area_and_year_tables(
        filters,
        "corong",
        "Corong usulan",
        headers,
        FUNNEL_NOTE,
        split,
        names,
        row,
        row(None, None, split[2]),
    )


FUNNEL_NOTE = (
    "Setiap usulan dihitung pada tahap yang pernah dicapainya: usulan yang kemudian ditolak, "
    "ditunda atau dibatalkan tetap terhitung pada tahap sebelumnya (menurut riwayat tahap). "
    "Porsi didanai = usulan yang ditetapkan SK Camat ÷ usulan Musrenbang."
)


def funnel_totals(table: Table) -> dict[str, int]:
    """{'musrenbang': n, 'diajukan': n, …} from the funnel's total row."""
    keys = ["musrenbang", *[s.key for s in FUNNEL]]
    return dict(zip(keys, [c.value for c in table.total[-len(keys) - 1 : -1]], strict=True))


# --- b) Money --------------------------------------------------------------------------------


def _envelopes(user, filters: Filters) -> tuple[dict, dict]:
    """Pagu per (year, area): the kecamatan envelopes for the city; a kelurahan's share (when
    the kecamatan split its envelope) for the kelurahan tables. And {year: pagu} of a
    kecamatan's table in the years its camat did not split the envelope (no share to show
    per row): the kecamatan's own envelope, so that the total is not zero. One query."""
    qs = BudgetEnvelope.objects.visible_to(user).filter(
        fiscal_year__year__range=(filters.year_from, filters.year_to)
    )
    if filters.level == "kecamatan":
        rows = qs.filter(kelurahan__isnull=True).values_list(
            "fiscal_year__year", "kecamatan_id", "amount"
        )
        return {(year, area): amount for year, area, amount in rows}, {}
    if filters.kelurahan:
        rows = qs.filter(kelurahan=filters.kelurahan).values_list(
            "fiscal_year__year", "kelurahan_id", "amount"
        )
        return {(year, area): amount for year, area, amount in rows}, {}
    pagu, own = {}, {}
    for year, area, amount in qs.filter(kecamatan=filters.kecamatan).values_list(
        "fiscal_year__year", "kelurahan_id", "amount"
    ):
        if area is None:
            own[year] = amount
        else:
            pagu[(year, area)] = amount
    split = {year for year, _ in pagu}
    return pagu, {year: amount for year, amount in own.items() if year not in split}


MONEY_FIGURES = ("committed", "ordered", "delivered", "paid")


def money(user, filters: Filters) -> list[Table]:
    """Pagu, committed, ordered, delivered and paid per year and area (committed as the
    envelopes count it: budgets.figures), the community's contributions by kind and their
    ratio to the city's money, and the estimated savings against a contractor."""
    filters = with_summaries(filters)
    area_id, area_name = _area(filters)
    group = ("fiscal_year__year", area_id, area_name)
    amounts = {
        "ordered": Sum("ordered_amount"),
        "delivered": Sum("delivered_amount"),
        "paid": Sum("paid_amount"),
    }
    rows = [
        *proposals(user, filters)
        .filter(_BINDING)
        .order_by()
        .values(*group)
        .annotate(committed=Sum(_commitment()), **amounts),
        *_kept(user, filters, group, "b_n", {name: f"b_{name}" for name in MONEY_FIGURES}),
    ]
    pagu, unsplit = _envelopes(user, filters)
    names = _area_names(user, filters)
    # "budgeted": what was paid where the row has a pagu (the share of paid against it): a
    # kelurahan's range adds only the years its camat split the envelope.
    empty = {**dict.fromkeys(MONEY_FIGURES, 0), "pagu": None, "budgeted": 0}
    grid = {key: {**empty, "pagu": amount} for key, amount in pagu.items()}
    for row in rows:
        key = (row["fiscal_year__year"], row[area_id])
        names.setdefault(row[area_id], row[area_name])
        figs = {name: int(row[name] or 0) for name in MONEY_FIGURES}
        grid[key] = {**figs, "pagu": pagu.get(key), "budgeted": figs["paid"] if key in pagu else 0}
    headers = ["Pagu", "Terikat", "Dipesan", "Diterima", "Dibayar", "Terserap (%)"]

    def row(year, area, figs):
        link = filters.query(daftar="usulan", tahap="didanai", **_row_link(filters, year, area))
        return [
            cell(figs["pagu"], "money"),
            *[cell(figs[name], "money", link=link) for name in MONEY_FIGURES],
            cell(percent(figs["budgeted"], figs["pagu"]), "percent"),
        ]

    split = _split(filters, grid, names, empty)
    # A year whose kecamatan envelope is not split: its row per year and the total hold the
    # envelope, against all that was paid that year.
    paid_in = defaultdict(int)
    for (year, _), figs in grid.items():
        paid_in[year] += figs["paid"]
    for year, _, figs in split[1]:
        if year in unsplit:
            figs["pagu"] = (figs["pagu"] or 0) + unsplit[year]
            figs["budgeted"] = paid_in[year]
    sums = split[2]
    sums["pagu"] = (sums["pagu"] or 0) + sum(unsplit.values())
    sums["budgeted"] += sum(paid_in[year] for year in unsplit)
    total = row(None, None, sums)
    if not (pagu or unsplit):  # no envelope at all: a dash, not Rp 0
        total[0] = cell(None, "money")
    tables = _area_and_year_tables(
        filters, "uang", "Anggaran per wilayah", headers, MONEY_NOTE, split, names, row, total
    )
    if unsplit:
        years = ", ".join(str(y) for y in sorted(unsplit))
        tables[0].extra["pagu_note"] = (
            f"Pagu kecamatan yang belum dibagi per kelurahan ({years}) hanya masuk ke jumlah"
            + (" dan ke baris tahunnya." if len(tables) > 1 else ".")
        )
    return [
        *tables,
        community(user, filters, city_money=sums["paid"]),
        savings_by_year(user, filters),
    ]


MONEY_NOTE = (
    "Pagu: pagu anggaran kecamatan (atau bagian kelurahan) tahun itu, tidak dipisah per jenis "
    "kegiatan. Terikat: anggaran yang ditetapkan SK Camat, atau nilai pesanan bila lebih besar "
    "(juga lokasi yang dibatalkan setelah material dipesan), seperti dihitung layar Pagu. "
    "Dipesan, diterima, dibayar: dari Surat Pesanan, penerimaan material dan pembayaran ke toko. "
    "Terserap = dibayar ÷ pagu, dihitung hanya atas tahun yang pagunya ada pada baris itu (sebuah "
    "kelurahan hanya pada tahun camat membagi pagu kecamatan)."
)


def _area_names(user, filters: Filters) -> dict:
    """{area id: name} of the areas the tables are split by, in the user's scope."""
    if filters.level == "kecamatan":
        return _once(
            ("kecamatan names", user.pk),
            lambda: dict(Kecamatan.objects.visible_to(user).values_list("pk", "name")),
        )
    return _once(
        ("kelurahan names", user.pk, *_scope_key(filters)),
        lambda: dict(_kelurahan_in_scope(user, filters).values_list("pk", "name")),
    )


KIND_LABELS = dict(SwadayaContribution.Kind.choices)
# What a contractor would also have to buy, pay or rent (reporting.savings counts these).
IN_KIND = [
    SwadayaContribution.Kind.MATERIALS,
    SwadayaContribution.Kind.LABOUR,
    SwadayaContribution.Kind.EQUIPMENT,
]


def community(user, filters: Filters, *, city_money: int) -> Table:
    """Contributions by kind and year, and their ratio to what the city paid. Two queries:
    the live years' contributions, the closed years' summary rows."""
    filters = with_summaries(filters)
    rows = (
        contributions(user, filters)
        .order_by()
        .values("proposal__fiscal_year__year", "kind")
        .annotate(total=Sum("value"))
    )
    by_year: dict = defaultdict(lambda: dict.fromkeys(KIND_LABELS, 0))
    for row in rows:
        by_year[row["proposal__fiscal_year__year"]][row["kind"]] += int(row["total"] or 0)
    for row in _kept(
        user,
        filters,
        ("fiscal_year__year",),
        "c_n",
        {column: f"c_{column}" for column in summary.KIND_OF_COLUMN},
    ):
        for column, kind in summary.KIND_OF_COLUMN.items():
            by_year[row["fiscal_year__year"]][kind] += int(row[column] or 0)
    table = Table(
        "swadaya",
        "Swadaya masyarakat",
        ["Tahun", *KIND_LABELS.values(), "Jumlah swadaya"],
        note=(
            "Nilai swadaya yang dicatat RT (uang, material, tenaga di luar hari kerja, konsumsi, "
            "peralatan). Nisbah = swadaya ÷ uang kota yang sudah dibayar ke toko bangunan; "
            "nilai tenaga gotong-royong pada hari kerja ada di tabel peserta (HOK)."
        ),
    )
    sums = dict.fromkeys(KIND_LABELS, 0)
    for year in sorted({*filters.years, *by_year}):  # every year, with or without gifts
        figs = by_year[year]
        table.rows.append(
            [
                cell(year, "year"),
                *[
                    cell(
                        figs[k],
                        "money",
                        link=filters.query(daftar="swadaya", jenis_swadaya=k, tahun=year),
                    )
                    for k in KIND_LABELS
                ],
                cell(sum(figs.values()), "money", link=filters.query(daftar="swadaya", tahun=year)),
            ]
        )
        for k in KIND_LABELS:
            sums[k] += figs[k]
    total = sum(sums.values())
    table.total = [
        text("Jumlah"),
        *[
            cell(sums[k], "money", link=filters.query(daftar="swadaya", jenis_swadaya=k))
            for k in KIND_LABELS
        ],
        cell(total, "money", link=filters.query(daftar="swadaya")),
    ]
    table.extra.update(ratio=ratio(total, city_money), city_money=city_money, contributed=total)
    return table


def site_materials():
    """What the city paid the shops for a site; the designated RAB of a site nothing is paid
    for (the RAB lines are summed only for a site with neither)."""
    return Case(
        When(paid_amount__gt=0, then=F("paid_amount")),
        When(designated_budget__isnull=False, then=F("designated_budget")),
        default=total_of(
            RABLine.objects.all(), Sum("line_total"), per="proposal", output_field=MONEY
        ),
        output_field=MONEY,
    )


def savings_by_year(user, filters: Filters) -> Table:
    """The savings estimate of the completed sites per year, by the method of
    reporting.savings (its estimate() on the year's sums; the per-site rounding of the
    savings page may differ by a rupiah a site). Four queries on the live years, one on the
    closed years' summary rows."""
    filters = with_summaries(filters)
    sites = proposals(user, filters).filter(state=State.COMPLETED)
    year_group = ("fiscal_year_id", "fiscal_year__year", "fiscal_year__daily_wage")
    rows = list(
        sites.order_by()
        .values(*year_group)
        .annotate(sites=Count("pk"), materials=Sum(site_materials()))
        .order_by("fiscal_year__year")
    )
    summed_rows = _kept(
        user,
        filters,
        year_group,
        "d_n",
        {
            "sites": "d_n",
            "materials": "d_materials",
            "person_hours": "d_person_hours",
            "in_materials": "d_contrib_materials",
            "in_labour": "d_contrib_labour",
            "in_equipment": "d_contrib_equipment",
        },
    )
    hours: dict = {}
    in_kind: dict = defaultdict(dict)
    if rows:  # the live years' completed sites: their hours and in-kind gifts
        done = {"proposal__in": sites.values("pk")}
        hours = dict(
            WorkDay.objects.filter(**done)
            .order_by()
            .values("proposal__fiscal_year_id")
            .annotate(h=Sum(PERSON_HOURS))
            .values_list("proposal__fiscal_year_id", "h")
        )
        for year_id, kind, total in (
            SwadayaContribution.objects.filter(**done, kind__in=IN_KIND)
            .order_by()
            .values("proposal__fiscal_year_id", "kind")
            .annotate(t=Sum("value"))
            .values_list("proposal__fiscal_year_id", "kind", "t")
        ):
            in_kind[year_id][kind] = int(total or 0)
    for row in rows:
        row["person_hours"] = hours.get(row["fiscal_year_id"], 0)
        gifts = in_kind.get(row["fiscal_year_id"], {})
        row["in_materials"] = gifts.get(SwadayaContribution.Kind.MATERIALS, 0)
        row["in_labour"] = gifts.get(SwadayaContribution.Kind.LABOUR, 0)
        row["in_equipment"] = gifts.get(SwadayaContribution.Kind.EQUIPMENT, 0)
    rows = sorted(rows + summed_rows, key=lambda row: row["fiscal_year__year"])
    stored = {
        p.fiscal_year_id: p
        for p in ContractorCostParameters.objects.filter(
            fiscal_year_id__in=[r["fiscal_year_id"] for r in rows]
        )
    }
    table = Table(
        "hemat",
        "Perkiraan penghematan dibanding kontraktor",
        [
            "Tahun",
            "Kegiatan selesai",
            "Material kota",
            "HOK",
            "Upah setara",
            "Swadaya barang, tenaga, alat",
            "Umum+untung, PPN",
            "Perkiraan kontraktor",
            "Biaya kota",
            "Hemat",
            "Hemat (%)",
        ],
        note=SAVINGS_NOTE,
    )
    totals = defaultdict(int)
    for row in rows:
        params = savings._parameters(stored.get(row["fiscal_year_id"]))
        table.extra.setdefault("parameters", {})[row["fiscal_year__year"]] = params
        est = savings.estimate(
            materials_paid=int(row["materials"] or 0),
            rab_total=0,
            person_hours=Decimal(row["person_hours"] or 0),
            daily_wage=row["fiscal_year__daily_wage"],
            in_kind={
                SwadayaContribution.Kind.MATERIALS: int(row["in_materials"] or 0),
                SwadayaContribution.Kind.LABOUR: int(row["in_labour"] or 0),
                SwadayaContribution.Kind.EQUIPMENT: int(row["in_equipment"] or 0),
            },
            parameters=params,
        )
        year = row["fiscal_year__year"]
        link = filters.query(daftar="usulan", tahap="selesai", tahun=year)
        table.rows.append(
            [
                cell(year, "year"),
                cell(row["sites"], link=link),
                cell(est.materials_city, "money"),
                cell(est.person_days, "volume"),
                cell(est.labour_value, "money"),
                cell(est.in_kind, "money"),
                cell(est.overhead_and_tax, "money"),
                cell(est.contractor_total, "money"),
                cell(est.city_cost, "money"),
                cell(est.saving, "money"),
                cell(est.saving_percent, "percent"),
            ]
        )
        totals["sites"] += row["sites"]
        totals["contractor"] += est.contractor_total
        totals["city"] += est.city_cost
    table.total = [
        text("Jumlah"),
        cell(totals["sites"], link=filters.query(daftar="usulan", tahap="selesai")),
        *[cell(None, "money") for _ in range(5)],
        cell(totals["contractor"], "money"),
        cell(totals["city"], "money"),
        cell(totals["contractor"] - totals["city"], "money"),
        cell(percent(totals["contractor"] - totals["city"], totals["contractor"]), "percent"),
    ]
    return table


SAVINGS_NOTE = (
    "Cara menghitung (sama dengan halaman Perkiraan penghematan): material = yang dibayar kota "
    "ke toko (nilai RAB yang ditetapkan bila belum dibayar) + material swadaya; upah = HOK "
    "(peserta × jam ÷ 8) × upah harian setara tahun itu + tenaga swadaya; peralatan swadaya; "
    "biaya umum dan keuntungan kontraktor dan PPN sebagai persentase per tahun (diatur "
    "Bappeda). Hemat = 1 − biaya kota ÷ perkiraan biaya kontraktor. Swadaya uang dan konsumsi "
    "tidak dihitung."
)


# --- c) People and output --------------------------------------------------------------------


def people(user, filters: Filters) -> list[Table]:
    """Participants, person-days, women, households and people benefiting per year and area;
    output by work type in its unit, planned against realised. Three queries on the live
    years, three on the closed years' summary rows."""
    filters = with_summaries(filters)
    area_id, area_name = _area(filters)
    wd_area_id, _ = _area(filters, "proposal__")
    group = ("fiscal_year__year", area_id, area_name)
    beneficiaries = {
        "households": Sum("households_benefiting"),
        "people": Sum("people_benefiting"),
    }
    sites = [
        *funded(proposals(user, filters))
        .order_by()
        .values(*group)
        .annotate(sites=Count("pk"), participants=Sum(site_participants()), **beneficiaries),
        *_kept(
            user,
            filters,
            group,
            "f_n",
            {
                "sites": "f_n",
                "participants": "f_participants",
                "households": "f_households",
                "people": "f_people",
            },
        ),
    ]
    work = [
        *work_days(user, filters)
        .order_by()
        .values("proposal__fiscal_year__year", "proposal__fiscal_year__daily_wage", wd_area_id)
        .annotate(
            attendance=Sum(F("men") + F("women")),
            # Not named "women": PERSON_HOURS reads the field of that name.
            women_count=Sum("women"),
            hours=Sum(PERSON_HOURS),
        ),
        *(
            {
                "proposal__fiscal_year__year": row["fiscal_year__year"],
                "proposal__fiscal_year__daily_wage": row["fiscal_year__daily_wage"],
                wd_area_id: row[area_id],
                **row,
            }
            for row in _kept(
                user,
                filters,
                ("fiscal_year__year", "fiscal_year__daily_wage", area_id),
                "w_n",
                {"attendance": "w_attendance", "women_count": "w_women", "hours": "w_hours"},
            )
        ),
    ]
    grid: dict = {}
    names = _area_names(user, filters)
    for row in sites:
        key = (row["fiscal_year__year"], row[area_id])
        names[row[area_id]] = row[area_name]
        grid[key] = {
            "sites": row["sites"],
            "participants": int(row["participants"] or 0),
            "households": int(row["households"] or 0),
            "people": int(row["people"] or 0),
        }
    for row in work:
        key = (row["proposal__fiscal_year__year"], row[wd_area_id])
        slot = grid.setdefault(key, {"sites": 0, "participants": 0, "households": 0, "people": 0})
        slot["attendance"] = int(row["attendance"] or 0)
        slot["women"] = int(row["women_count"] or 0)
        slot["hours"] = Decimal(row["hours"] or 0)
        slot["labour"] = labour_value(row["hours"], row["proposal__fiscal_year__daily_wage"])
    headers = [
        "Lokasi didanai",
        "Peserta",
        "Kehadiran (orang-hari)",
        "Perempuan (kehadiran)",
        "Perempuan (%)",
        "HOK",
        "Nilai tenaga",
        "KK penerima manfaat",
        "Jiwa penerima manfaat",
    ]
    note = (
        "Peserta: jumlah peserta terbanyak pada satu hari kerja di setiap lokasi, dijumlah "
        "(perkiraan orang yang ikut, tanpa daftar nama). Kehadiran: peserta setiap hari "
        "kerja dijumlah; perempuan sebagaimana dicatat pada daftar hadir. HOK (hari orang "
        "kerja) = peserta × jam ÷ 8; nilai tenaga = HOK × upah harian setara tahun itu. "
        "Penerima manfaat: seperti tertulis pada usulan yang didanai."
    )
    keys = (
        "sites",
        "participants",
        "attendance",
        "women",
        "hours",
        "labour",
        "households",
        "people",
    )

    def row(year, area, slot):
        link = _row_link(filters, year, area)
        return [
            cell(slot["sites"], link=filters.query(daftar="usulan", tahap="didanai", **link)),
            cell(slot["participants"]),
            cell(slot["attendance"], link=filters.query(daftar="hari-kerja", **link)),
            cell(slot["women"], link=filters.query(daftar="hari-kerja", **link)),
            cell(percent(slot["women"], slot["attendance"]), "percent"),
            cell(person_days(slot["hours"]), "volume"),
            cell(slot["labour"], "money"),
            cell(slot["households"]),
            cell(slot["people"]),
        ]

    split = _split(filters, grid, names, dict.fromkeys(keys, 0))
    # As whole numbers (the hours stay exact: HOK is computed from them).
    sums = {k: v if k == "hours" else int(v) for k, v in split[2].items()}
    tables = _area_and_year_tables(
        filters,
        "peserta",
        "Peserta gotong-royong dan penerima manfaat",
        headers,
        note,
        split,
        names,
        row,
        row(None, None, sums),
    )
    return [*tables, output(user, filters)]


def output(user, filters: Filters) -> Table:
    """Output by work type in its unit: planned for every funded site, planned and realised for
    the completed ones. One query on the live years, one on the closed years' stored sums per
    work type."""
    filters = with_summaries(filters)
    completed = Q(state=State.COMPLETED)
    group = ("work_type_id", "work_type__name", "work_type__unit")
    counts = {
        "sites": Count("pk"),
        "planned": Sum("planned_volume"),
        "done": Count("pk", filter=completed),
        "planned_done": Sum("planned_volume", filter=completed),
    }
    live = list(
        funded(proposals(user, filters))
        .order_by()
        .values(*group)
        .annotate(**counts, realised=Sum("completion_report__realised_volume", filter=completed))
        .order_by("work_type__name")
    )
    closed = list(
        _cells(user, filters, by_work_type=True)
        .values(*group)
        .annotate(
            sites=Sum("f_n"),
            planned=Sum("f_planned"),
            done=Sum("fd_n"),
            planned_done=Sum("fd_planned"),
            realised=Sum("fd_realised"),
        )
        .filter(sites__gt=0)
        .order_by("work_type__name")
    )
    by_type: dict = {}
    for row in live + closed:
        slot = by_type.setdefault(row["work_type_id"], row)
        if slot is not row:
            for key in ("sites", "planned", "done", "planned_done", "realised"):
                slot[key] = _plus(slot[key], row[key])
    rows = list(by_type.values())
    if live and closed:  # each is in the database's order of names; both: merge by name
        rows.sort(key=lambda row: row["work_type__name"])
    table = Table(
        "keluaran",
        "Keluaran per jenis kegiatan",
        [
            "Jenis kegiatan",
            "Satuan",
            "Lokasi didanai",
            "Volume rencana",
            "Lokasi selesai",
            "Rencana (selesai)",
            "Realisasi (selesai)",
            "Realisasi (%)",
        ],
        note=(
            "Volume dalam satuan jenis kegiatannya (m jalan atau saluran, unit MCK …). Realisasi: "
            "volume pada laporan penyelesaian lokasi yang selesai, dibanding rencananya."
        ),
    )
    for row in rows:
        link = dict(jenis=row["work_type_id"])
        table.rows.append(
            [
                text(row["work_type__name"]),
                text(row["work_type__unit"]),
                cell(row["sites"], link=filters.query(daftar="usulan", tahap="didanai", **link)),
                cell(row["planned"] or Decimal(0), "volume"),
                cell(row["done"], link=filters.query(daftar="usulan", tahap="selesai", **link)),
                cell(row["planned_done"] or Decimal(0), "volume"),
                cell(row["realised"] or Decimal(0), "volume"),
                cell(percent(row["realised"], row["planned_done"]), "percent"),
            ]
        )
    return table


def _plus(a, b):
    """The sum of two database sums, either of which may be NULL (no rows)."""
    if a is None:
        return b
    return a if b is None else a + b


# --- d) Time per stage -----------------------------------------------------------------------

TIME_STAGES = [
    ("Pengajuan → verifikasi kelurahan", Transition.SUBMIT, Transition.VERIFY_KELURAHAN),
    ("Verifikasi kelurahan → kecamatan", Transition.VERIFY_KELURAHAN, Transition.VERIFY_KECAMATAN),
    ("Verifikasi kecamatan → SK Camat", Transition.VERIFY_KECAMATAN, Transition.DESIGNATE),
    ("SK Camat → material diterima (BAST)", Transition.DESIGNATE, Transition.RECEIVE_MATERIALS),
    ("Material diterima → selesai", Transition.RECEIVE_MATERIALS, Transition.ACCEPT_REPORT),
    ("Pengajuan → selesai", Transition.SUBMIT, Transition.ACCEPT_REPORT),
]
STEP_NAMES = sorted({t for _, a, b in TIME_STAGES for t in (a, b)})


def _first_steps(user, filters: Filters):
    """Per proposal and year, the first time of each step on the stage list (one row each)."""
    return (
        _logs_of(proposals(user, filters), user, filters)
        .filter(transition__in=STEP_NAMES)
        .annotate(y=F("proposal__fiscal_year__year"))
        .order_by()
        .values("proposal_id", "y")
        .annotate(
            **{f"t_{name}": Min("created_at", filter=Q(transition=name)) for name in STEP_NAMES}
        )
    )


def quantile(values: list[float], q: float) -> float | None:
    """The q-quantile with linear interpolation between the closest ranks, as PostgreSQL's
    percentile_cont computes it."""
    values = sorted(values)
    if not values:
        return None
    position = q * (len(values) - 1)
    low = math.floor(position)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (position - low)


def _stage_quantiles(user, filters: Filters) -> dict:
    """{(year, stage index): (count, median, p90)} in days: one query on the live years'
    step log, one on the closed years' stage summaries (the same percentiles, computed when
    the summary was built for every area and work type a filter can name)."""
    filters = with_summaries(filters)
    result = {}
    live = _first_steps(user, filters)
    if not live.query.is_empty():
        for ((year,), i), figures_ in _quantiles_of(live, ("y",), [("y",)]).items():
            result[(year, i)] = figures_
    closed = _closed(filters)
    if closed:
        if user.is_city_wide or filters.kecamatan or filters.kelurahan:
            cell_of = {
                "kelurahan": filters.kelurahan,
                "kecamatan": None if filters.kelurahan else filters.kecamatan,
                "work_type": filters.work_type,
            }
            for row in StageSummary.objects.filter(
                fiscal_year__year__in=closed,
                **{
                    (f"{k}__isnull" if v is None else k): (True if v is None else v)
                    for k, v in cell_of.items()
                },
            ).values_list("fiscal_year__year", "stage", "n", "median", "p90"):
                result[(row[0], row[1])] = tuple(row[2:])
        else:  # a scope narrower than any filter names: from the rows themselves
            kept = (
                summed(user, filters)
                .annotate(y=F("fiscal_year__year"))
                .order_by()
                .values("y", *[f"t_{name}" for name in STEP_NAMES])
            )
            for ((year,), i), figures_ in _quantiles_of(kept, ("y",), [("y",)]).items():
                result[(year, i)] = figures_
    return result


def _quantiles_of(inner, columns: tuple, sets: list[tuple]) -> dict:
    """{(values of `columns`, stage index): (count, median, p90)} over per-proposal step
    times (the columns, t_<step>), for each grouping set of `sets` (a column outside the set
    is None). On PostgreSQL the database computes the percentiles; elsewhere (SQLite demo)
    Python does."""
    result = {}
    if connection.vendor == "postgresql":
        sql, params = inner.query.sql_with_params()
        parts = []
        for i, (_, start, end) in enumerate(TIME_STAGES):
            days = f'EXTRACT(EPOCH FROM (s."t_{end}" - s."t_{start}")) / 86400.0'
            parts.append(
                f"COUNT({days}) AS n{i}, "
                f"percentile_cont(0.5) WITHIN GROUP (ORDER BY {days}) AS m{i}, "
                f"percentile_cont(0.9) WITHIN GROUP (ORDER BY {days}) AS p{i}"
            )
        selected = ", ".join(f's."{c}"' for c in columns)
        if len(sets) == 1:
            grouping = ", ".join(f's."{c}"' for c in sets[0])
        else:
            grouping = "GROUPING SETS ({})".format(
                ", ".join("(" + ", ".join(f's."{c}"' for c in one) + ")" for one in sets)
            )
        query = f"SELECT {selected}, {', '.join(parts)} FROM ({sql}) s GROUP BY {grouping}"
        with connection.cursor() as cursor:
            cursor.execute(query, params)
            width = len(columns)
            for row in cursor.fetchall():
                key = tuple(row[:width])
                for i in range(len(TIME_STAGES)):
                    n, median, p90 = row[width + 3 * i : width + 3 + 3 * i]
                    if n:
                        result[(key, i)] = (n, float(median), float(p90))
        return result
    durations: dict = defaultdict(list)
    for row in inner:
        for one in sets:
            key = tuple(row[c] if c in one else None for c in columns)
            for i, (_, start, end) in enumerate(TIME_STAGES):
                a, b = row[f"t_{start}"], row[f"t_{end}"]
                if a is not None and b is not None:
                    durations[(key, i)].append((b - a).total_seconds() / 86400)
    for key, values in durations.items():
        result[key] = (len(values), quantile(values, 0.5), quantile(values, 0.9))
    return result


def _days(value: float | None) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def stage_times(user, filters: Filters) -> list[Table]:
    """Median and 90th percentile of the days each stage took, per year (Aspek Waktu)."""
    found = _stage_quantiles(user, filters)
    table = Table(
        "waktu",
        "Waktu per tahap (hari)",
        ["Tahun", "Tahap", "Usulan", "Median (hari)", "Persentil 90 (hari)"],
        note=(
            "Dari riwayat tahap setiap usulan: hari antara langkah pertama suatu tahap dan "
            "langkah pertama tahap berikutnya. Median: separuh usulan lebih cepat; persentil "
            "90: sembilan dari sepuluh usulan lebih cepat (interpolasi linear)."
        ),
    )
    for year in filters.years:
        for i, (label, _, _) in enumerate(TIME_STAGES):
            n, median, p90 = found.get((year, i), (0, None, None))
            table.rows.append(
                [
                    cell(year, "year"),
                    text(label),
                    cell(n),
                    cell(_days(median), "days"),
                    cell(_days(p90), "days"),
                ]
            )
    return [table]


# --- e) Equity -------------------------------------------------------------------------------


def _scope_key(filters: Filters) -> tuple:
    return (
        filters.kecamatan.pk if filters.kecamatan else None,
        filters.kelurahan.pk if filters.kelurahan else None,
    )


def _slum_areas(user, filters: Filters) -> list:
    """The slum areas (SK Walikota) of the kelurahan in scope."""
    return _once(
        ("slum areas", user.pk, *_scope_key(filters)),
        lambda: list(
            SlumArea.objects.visible_to(user).filter(
                kelurahan__in=_kelurahan_in_scope(user, filters).values("pk")
            )
        ),
    )


def _kelurahan_in_scope(user, filters: Filters):
    qs = Kelurahan.objects.visible_to(user)
    if filters.kelurahan:
        qs = qs.filter(pk=filters.kelurahan.pk)
    elif filters.kecamatan:
        qs = qs.filter(kecamatan=filters.kecamatan)
    return qs


def _exists_in(row, year: int) -> bool:
    start, until = row
    return start <= year and (until is None or year <= until)


def gini(values: list) -> Decimal | None:
    """The Gini index of the values: the mean absolute difference between every two of them,
    divided by twice their mean (0: all equal; near 1: all in one)."""
    values = sorted(Decimal(v) for v in values)
    n = len(values)
    total = sum(values)
    if n == 0 or total == 0:
        return None
    # Σ_i Σ_j |x_i − x_j| = 2 Σ_i (2i − n − 1) x_i over the sorted values (i from 1).
    weighted = sum((2 * i - n - 1) * x for i, x in enumerate(values, start=1))
    return (weighted / (n * total)).quantize(Decimal("0.001"), ROUND_HALF_UP)


def _reach_cells(existing: int, got: dict, all_rts: int, link: str) -> list:
    """Kelurahan existing, with a site and the share; active RTs, with a site and the share."""
    return [
        cell(existing),
        cell(got["kel"], link=link),
        cell(percent(got["kel"], existing), "percent"),
        cell(all_rts),
        cell(got["rts"], link=link),
        cell(percent(got["rts"], all_rts), "percent"),
    ]


def equity(user, filters: Filters, per_kelurahan: dict | None = None) -> list[Table]:
    """Reach per year and over the range (kelurahan and RTs with at least one funded site),
    the Gini index of the money across kelurahan, and RTs funded year after year beside RTs
    of the same kelurahan never funded. Four queries, and for the closed years their stored
    sums (read once for the page) and the numbers of their RTs funded twice or more."""
    filters = with_summaries(filters)
    kelurahan = list(
        _kelurahan_in_scope(user, filters).values_list(
            "pk", "name", "valid_from_year", "valid_until_year"
        )
    )
    # The RTs of the kelurahan in scope (two thousand for the city, read whole faster than a
    # list of the repeated ones by id): the active ones per kelurahan, and their numbers.
    rt_numbers: dict = {}
    rts_total: dict = defaultdict(int)
    for pk, kelurahan_id, number, active in (
        RT.objects.visible_to(user)
        .filter(kelurahan__in=[k[0] for k in kelurahan])
        .order_by()
        .values_list("pk", "kelurahan_id", "number", "active")
    ):
        rt_numbers[pk] = number
        if active:
            rts_total[kelurahan_id] += 1
    live = funded(proposals(user, filters))
    reach = {
        row["fiscal_year__year"]: row
        for row in live.order_by()
        .values("fiscal_year__year")
        .annotate(kel=Count("kelurahan_id", distinct=True), rts=Count("rt_id", distinct=True))
    }
    # A closed year's: its kelurahan cells with a funded site, and their distinct RTs (an RT
    # lies in one kelurahan, so they add up).
    at_year, at_kelurahan, at_funded, at_rts = (
        _AT[c] for c in ("fiscal_year__year", "kelurahan_id", "f_n", "f_rt_ids")
    )
    for row in _kept_rows(user, filters):
        if row[at_funded]:
            slot = reach.setdefault(row[at_year], {"kel": 0, "rts": 0})
            slot["kel"] += 1
            slot["rts"] += len(row[at_rts])
    # Funded RTs over the range, with the number of years each was funded (the years of the
    # two sources never overlap, so they add); the reach over the range is read from them.
    # The live years group their proposals; a closed year's cell (one per year and kelurahan
    # for the filters' work type) keeps the ids of its funded RTs.
    funded_rts: dict = {
        (row["kelurahan_id"], row["rt_id"]): row
        for row in live.order_by()
        .values("kelurahan_id", "rt_id", "rt__number")
        .annotate(years=Count("fiscal_year_id", distinct=True))
    }
    # (kelurahan, RT): the closed years it was funded in (counted in C: six thousand sites).
    closed_years = Counter(
        chain.from_iterable(
            zip(repeat(row[at_kelurahan]), row[at_rts]) for row in _kept_rows(user, filters)
        )
    )
    unnamed = []
    for key, years in closed_years.items():
        if key in funded_rts:
            funded_rts[key]["years"] += years
        else:
            funded_rts[key] = {"kelurahan_id": key[0], "rt_id": key[1], "years": years}
            unnamed.append(funded_rts[key])
    # The numbers of the RTs named twice or more (the only ones the table prints).
    repeated = [row for row in unnamed if row["years"] >= 2]
    missing = [row["rt_id"] for row in repeated if row["rt_id"] not in rt_numbers]
    if missing:  # an RT filed under another kelurahan than its own
        rt_numbers.update(RT.objects.filter(pk__in=missing).order_by().values_list("pk", "number"))
    for row in repeated:
        row["rt__number"] = rt_numbers[row["rt_id"]]
    overall = {
        "kel": len({kel for kel, _ in funded_rts}),
        "rts": len({rt for _, rt in funded_rts}),
    }
    all_rts = sum(rts_total.values())
    table = Table(
        "jangkauan",
        "Pemerataan: kelurahan dan RT yang mendapat lokasi",
        [
            "Tahun",
            "Kelurahan ada",
            "Kelurahan dengan lokasi",
            "Kelurahan (%)",
            "RT aktif",
            "RT dengan lokasi",
            "RT (%)",
        ],
        note=(
            "Lokasi: usulan yang ditetapkan SK Camat (termasuk yang sedang dikerjakan dan "
            "selesai). Kelurahan dihitung menurut tahun berlakunya (enam kelurahan baru sejak "
            "2023); RT: RT yang aktif sekarang."
        ),
    )
    for year in filters.years:
        existing = sum(1 for k in kelurahan if _exists_in(k[2:], year))
        got = reach.get(year, {"kel": 0, "rts": 0})
        link = filters.query(daftar="usulan", tahap="didanai", tahun=year)
        table.rows.append([cell(year, "year"), *_reach_cells(existing, got, all_rts, link)])
    span = range(filters.year_from, filters.year_to + 1)
    in_range = [k for k in kelurahan if any(_exists_in(k[2:], y) for y in span)]
    link = filters.query(daftar="usulan", tahap="didanai")
    table.total = [
        text(f"{filters.year_from}–{filters.year_to}"),
        *_reach_cells(len(in_range), overall, all_rts, link),
    ]

    # Gini of the money committed over the range, across the kelurahan that existed in it.
    per_kelurahan = per_kelurahan if per_kelurahan is not None else kelurahan_figures(user, filters)
    amounts = [per_kelurahan.get(k[0], {}).get("terikat", 0) for k in in_range]
    table.extra["gini"] = gini(amounts)
    table.extra["gini_count"] = len(amounts)

    # RTs funded in two years or more, beside RTs of the same kelurahan never funded.
    by_kelurahan: dict = defaultdict(lambda: {"funded": 0, "repeated": []})
    for row in funded_rts.values():
        slot = by_kelurahan[row["kelurahan_id"]]
        slot["funded"] += 1
        if row["years"] >= 2:
            slot["repeated"].append((row["rt__number"], row["years"]))
    names = {k[0]: k[1] for k in kelurahan}
    repeats = Table(
        "rt_berulang",
        "RT yang didanai berulang, RT lain di kelurahan yang sama tidak pernah",
        ["Kelurahan", "RT didanai ≥ 2 tahun", "RT aktif", "RT tidak pernah didanai"],
        note=(
            f"Dalam {filters.period_label}: kelurahan yang memiliki RT dengan lokasi pada dua "
            "tahun atau lebih, sementara RT lain di kelurahan itu tidak pernah mendapat lokasi."
        ),
    )
    for kel_id, slot in sorted(by_kelurahan.items(), key=lambda kv: names.get(kv[0], "")):
        never = rts_total.get(kel_id, 0) - slot["funded"]
        if not slot["repeated"] or never <= 0:
            continue
        listed = ", ".join(f"RT {n:02d} ({y} tahun)" for n, y in sorted(slot["repeated"]))
        repeats.rows.append(
            [
                text(names.get(kel_id, "")),
                text(listed, filters.query(daftar="usulan", tahap="didanai", kelurahan=kel_id)),
                cell(rts_total.get(kel_id, 0)),
                cell(never),
            ]
        )
    return [table, repeats]


GINI_NOTE = (
    "Indeks Gini mengukur seberapa merata anggaran yang terikat tersebar di antara kelurahan: "
    "0 berarti setiap kelurahan mendapat jumlah yang sama, mendekati 1 berarti hampir semua "
    "anggaran jatuh ke satu kelurahan. Rumusnya: selisih rata-rata antara setiap dua kelurahan "
    "dibagi dua kali rata-rata anggaran per kelurahan (G = ΣΣ|xᵢ − xⱼ| ÷ 2n²μ); kelurahan "
    "tanpa lokasi ikut dihitung dengan nol."
)


# --- f) Slums --------------------------------------------------------------------------------


def slums(user, filters: Filters) -> list[Table]:
    """Hectares designated per year (SK Walikota, from the year each holds), completed sites
    inside them, and hectares handled: an area counts as handled in the first year a site in
    its kelurahan was completed. Two queries, one more for the closed years' stored sums."""
    filters = with_summaries(filters)
    areas = _slum_areas(user, filters)
    since = filters.narrowed(year_from=0)
    in_slums = {a.kelurahan_id for a in areas}
    completed = [
        *_filtered(Proposal.objects.visible_to(user), since, prefix="")
        .filter(state=State.COMPLETED, kelurahan_id__in=in_slums)
        .order_by()
        .values("fiscal_year__year", "kelurahan_id")
        .annotate(done=Count("pk")),
        *_cells(user, since)
        .filter(kelurahan_id__in=in_slums, d_n__gt=0)
        .values("fiscal_year__year", "kelurahan_id", done=F("d_n")),
    ]
    done = defaultdict(int)
    done_years = defaultdict(set)  # kelurahan id: the years with a completed site
    for row in completed:
        done[(row["fiscal_year__year"], row["kelurahan_id"])] += row["done"]
        if row["done"]:
            done_years[row["kelurahan_id"]].add(row["fiscal_year__year"])
    first_handled: dict = {}
    for area in areas:
        years = [y for y in done_years.get(area.kelurahan_id, ()) if area.holds_in(y)]
        if years:
            first_handled[area.pk] = min(years)
    table = Table(
        "kumuh",
        "Kawasan kumuh (SDG 11.1)",
        [
            "Tahun",
            "Luas ditetapkan (ha)",
            "Kelurahan kumuh",
            "Lokasi selesai di kawasan kumuh",
            "Tertangani tahun ini (ha)",
            "Tertangani kumulatif (ha)",
            "Tertangani (%)",
        ],
        note=(
            "Luas kawasan kumuh menurut SK Walikota, berlaku sejak tahun yang ditetapkan. Suatu "
            "kawasan dihitung tertangani pada tahun pertama ada lokasi Bangkit Berdaya yang "
            "selesai di kelurahannya (batas kawasan di dalam kelurahan tidak tercatat)."
        ),
    )
    for year in filters.years:
        holding = [a for a in areas if a.holds_in(year)]
        designated = sum((a.hectares for a in holding), Decimal(0))
        inside = sum(done.get((year, k), 0) for k in {a.kelurahan_id for a in holding})
        new = sum((a.hectares for a in holding if first_handled.get(a.pk) == year), Decimal(0))
        cumulative = sum(
            (a.hectares for a in holding if first_handled.get(a.pk, 10_000) <= year), Decimal(0)
        )
        table.rows.append(
            [
                cell(year, "year"),
                cell(designated, "ha"),
                cell(len({a.kelurahan_id for a in holding})),
                cell(
                    inside,
                    link=filters.query(daftar="usulan", tahap="selesai", kumuh="1", tahun=year),
                ),
                cell(new, "ha"),
                cell(cumulative, "ha"),
                cell(percent(cumulative, designated), "percent"),
            ]
        )
    return [table]


# --- Figures per kelurahan (map, top and bottom, Gini) ----------------------------------------

KELURAHAN_FIGURES = {
    "musrenbang": ("Usulan Musrenbang", "count"),
    "lokasi": ("Lokasi didanai", "count"),
    "selesai": ("Lokasi selesai", "count"),
    "porsi": ("Porsi didanai (%)", "percent"),
    "terikat": ("Anggaran terikat", "money"),
    "dibayar": ("Dibayar ke toko", "money"),
    "swadaya": ("Swadaya masyarakat", "money"),
    "hok": ("HOK gotong-royong", "volume"),
    "kumuh": ("Kawasan kumuh (ha)", "ha"),
}


def kelurahan_figures(user, filters: Filters) -> dict[int, dict]:
    """{kelurahan id: {figure key: value}} for every kelurahan in scope. Five queries on the
    live years, three on the closed years' summary rows."""
    filters = with_summaries(filters)
    result: dict = defaultdict(lambda: dict.fromkeys(KELURAHAN_FIGURES, 0))
    counts = {
        "lokasi": Count("pk", filter=Q(state__in=COMMITTED_STATES)),
        "selesai": Count("pk", filter=Q(state=State.COMPLETED)),
        "dibayar": Sum("paid_amount"),
    }
    kept = _kept(
        user,
        filters,
        ("kelurahan_id",),
        "n",
        {
            "lokasi": "f_n",
            "selesai": "d_n",
            "dibayar": "paid",
            "terikat": "b_committed",
            "hours": "hours",
            "wd": "wd",
            **{column: f"c_{column}" for column in summary.KIND_OF_COLUMN},
        },
    )
    for row in kept:
        row["swadaya"] = sum(row[column] or 0 for column in summary.KIND_OF_COLUMN)
    hours: dict = defaultdict(Decimal)
    for row in [
        *proposals(user, filters)
        .order_by()
        .values("kelurahan_id")
        .annotate(
            **counts,
            terikat=Coalesce(Sum(_commitment(), filter=_BINDING), 0, output_field=MONEY),
        ),
        *kept,
    ]:
        slot = result[row["kelurahan_id"]]
        for key in ("lokasi", "selesai", "terikat", "dibayar", "swadaya"):
            slot[key] += int(row.get(key) or 0)
        if row.get("wd"):
            hours[row["kelurahan_id"]] += row["hours"]
    for kel_id, n in [
        *entries(user, filters)
        .order_by()
        .values("kelurahan_id")
        .annotate(n=Count("pk"))
        .values_list("kelurahan_id", "n"),
        *(
            (row["kelurahan_id"], row["n"])
            for row in _kept(user, filters, ("kelurahan_id",), "entries", {"n": "entries"})
        ),
    ]:
        result[kel_id]["musrenbang"] += n
    for kel_id, total in (
        contributions(user, filters)
        .order_by()
        .values("proposal__kelurahan_id")
        .annotate(t=Sum("value"))
        .values_list("proposal__kelurahan_id", "t")
    ):
        result[kel_id]["swadaya"] += int(total or 0)
    for kel_id, h in (
        work_days(user, filters)
        .order_by()
        .values("proposal__kelurahan_id")
        .annotate(h=Sum(PERSON_HOURS))
        .values_list("proposal__kelurahan_id", "h")
    ):
        hours[kel_id] += Decimal(h or 0)
    for kel_id, h in hours.items():
        result[kel_id]["hok"] = person_days(h)
    for area in _slum_areas(user, filters):
        if area.holds_in(filters.year_to):
            result[area.kelurahan_id]["kumuh"] += area.hectares
    for slot in result.values():
        slot["porsi"] = percent(slot["lokasi"], slot["musrenbang"])
    return dict(result)
