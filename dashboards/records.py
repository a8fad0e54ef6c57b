"""The records behind a dashboard number: the same filters as the figure, one list per kind
(proposals at a funnel stage, Musrenbang entries, work days, contributions), paginated."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q

from bangkit.models import SlumArea
from bangkit.params import query_page, query_text
from bangkit.queries import without_boundaries
from dashboards import figures
from dashboards.filters import FilterError, Filters
from proposals.states import COMMITTED_STATES, State
from reporting.models import SwadayaContribution

PAGE_SIZE = 50
KINDS = {
    "usulan": "Usulan kegiatan",
    "musrenbang": "Usulan Musrenbang",
    "hari-kerja": "Hari kerja gotong-royong",
    "swadaya": "Swadaya masyarakat",
}
# Proposal stages a number can stand for: the funnel's, and every funded site.
PROPOSAL_STAGES = {**{s.key: s.label for s in figures.FUNNEL}, "didanai": "Didanai (SK Camat)"}


@dataclass
class Records:
    kind: str
    title: str
    page: object
    stage: str = ""
    contribution_kind: str = ""


def proposal_records(user, filters: Filters, stage: str, *, slums_only: bool = False):
    qs = figures.proposals(user, filters)
    if stage == "didanai":
        qs = qs.filter(state__in=COMMITTED_STATES)
    elif stage == "selesai":
        qs = qs.filter(state=State.COMPLETED)
    elif stage in figures.STAGES:
        qs = qs.filter(figures.reached(figures.STAGES[stage]))
    if slums_only:
        # Sites in a kelurahan with a slum designation in force in the site's year.
        in_force = SlumArea.objects.filter(
            Q(valid_from_year__isnull=True, decree_year__lte=OuterRef("fiscal_year__year"))
            | Q(valid_from_year__lte=OuterRef("fiscal_year__year")),
            Q(valid_until_year__isnull=True)
            | Q(valid_until_year__gte=OuterRef("fiscal_year__year")),
            kelurahan=OuterRef("kelurahan_id"),
        )
        qs = qs.filter(Exists(in_force))
    related = ("rt", "kelurahan__kecamatan", "work_type", "fiscal_year")
    return without_boundaries(qs.select_related(*related), *related).order_by(
        "fiscal_year__year", "kelurahan__name", "rt__number", "code"
    )


# What a list of records is of, besides the dashboard's filters.
LIST_PARAMS = ("daftar", "tahap", "kumuh", "jenis_swadaya")


def _choice(request, name: str, label: str, choices, *, default: str) -> str:
    """?name= when it is one of ``choices``, ``default`` when absent or empty; anything else
    is refused with a message naming the parameter (a list quietly of something else would
    show the wrong records under the right title)."""
    value = query_text(request, name)
    if value == "":
        return default
    # A choice is a value, or (value, its label) where the value alone says little.
    pairs = [c if isinstance(c, tuple) else (c, "") for c in choices]
    if value not in {v for v, _ in pairs}:
        listed = ", ".join(f"{v} ({shown})" if shown else v for v, shown in pairs)
        raise FilterError([f"{label}: '{value[:20]}' tidak dikenal. Pilihan: {listed}."])
    return value


def records(request, user, filters: Filters) -> Records:
    """The records behind a figure. Raises FilterError for an unknown list or stage."""
    kind = _choice(request, "daftar", "Daftar", KINDS, default="usulan")
    stage = ""
    contribution_kind = ""
    if kind == "usulan":
        stage = _choice(request, "tahap", "Tahap", PROPOSAL_STAGES, default="diajukan")
        slums_only = _choice(request, "kumuh", "Kawasan kumuh", ["1"], default="") == "1"
        qs = proposal_records(user, filters, stage, slums_only=slums_only)
        title = f"{KINDS[kind]}: {PROPOSAL_STAGES[stage]}"
    elif kind == "musrenbang":
        # Without the kelurahan's polygon: ten years of entries are sorted for a page of them,
        # and every sorted row carried it (200 ms, 60,000 entries).
        related = ("kelurahan", "rt", "work_type")
        qs = without_boundaries(
            figures.entries(user, filters).select_related(*related), *related
        ).order_by("year", "kelurahan__name", "source_id")
        title = KINDS[kind]
    elif kind == "hari-kerja":
        related = ("proposal__kelurahan", "proposal__rt")
        qs = without_boundaries(
            figures.work_days(user, filters).select_related(*related), *related
        ).order_by("date", "id")
        title = KINDS[kind]
    else:
        qs = figures.contributions(user, filters)
        contribution_kind = _choice(
            request,
            "jenis_swadaya",
            "Jenis swadaya",
            [(value, str(shown).lower()) for value, shown in SwadayaContribution.Kind.choices],
            default="",
        )
        if contribution_kind:
            qs = qs.filter(kind=contribution_kind)
        related = ("proposal__kelurahan", "proposal__rt")
        qs = without_boundaries(qs.select_related(*related), *related).order_by("date", "id")
        title = KINDS[kind] + (
            f": {SwadayaContribution.Kind(contribution_kind).label}" if contribution_kind else ""
        )
    page = Paginator(qs, PAGE_SIZE).get_page(query_page(request))
    return Records(
        kind=kind, title=title, page=page, stage=stage, contribution_kind=contribution_kind
    )
