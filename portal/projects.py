"""The public list of funded sites and the page of each: what is public, read in a fixed number
of queries, with nothing personal in it.

A site is public from its designation in an SK Camat (with a designated budget) until it is
completed; drafts, proposals under verification, rejected, deferred and cancelled ones are not.
Only the fields named here are read: no resident's name, NIK or phone number, no free text
typed by staff or residents (the location description, captions, report problems, notes) other
than what is meant for the public (the reasons of amendments and returns, as on ``/lacak/``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.urls import reverse

from bangkit import geo
from bangkit.models import RT, Kecamatan, Kelurahan, WorkType
from bangkit.queries import counts_by
from proposals.models import Proposal, State
from reporting.models import CompletionReport, ProgressPhoto, SwadayaContribution, WorkDay
from reporting.selectors import PERSON_HOURS, person_days
from verification.models import Decree, DecreeLocation

# The public stages, each a group of states, in the order of the work.
STAGES = {
    "ditetapkan": ("Ditetapkan dalam SK Camat", (State.DESIGNATED,)),
    "pengadaan": ("Pengadaan material", (State.PROCUREMENT, State.MATERIALS_RECEIVED)),
    "dikerjakan": ("Sedang dikerjakan", (State.IN_PROGRESS, State.REPORTED)),
    "selesai": ("Selesai", (State.COMPLETED,)),
}
STAGE_OF_STATE = {state: key for key, (_, states) in STAGES.items() for state in states}
PUBLIC_STATES = list(STAGE_OF_STATE)

# What the map draws at most (the list beside it is paginated and shows every site).
MAP_SITE_LIMIT = 500
# GeoJSON positions rounded to 5 decimals (about a metre): plenty for a city map.
COORD_DECIMALS = 5
# Photo stages as the public reads them.
PHOTO_STAGES = (("sebelum", "Sebelum"), ("selama", "Selama pengerjaan"), ("sesudah", "Sesudah"))


def stage_of(state: str) -> str:
    return STAGE_OF_STATE.get(state, "")


def stage_label(state: str) -> str:
    key = stage_of(state)
    return STAGES[key][0] if key else ""


def public_sites():
    """Every public site: designated with a budget, not cancelled, not a draft."""
    return Proposal.objects.filter(state__in=PUBLIC_STATES, designated_budget__isnull=False)


# Where a row is, as the public pages name it: its RT, kelurahan and kecamatan.
PLACE_FIELDS = (
    "rt__id",
    "rt__number",
    "kelurahan__id",
    "kelurahan__name",
    "kelurahan__kecamatan__id",
    "kelurahan__kecamatan__name",
)

# The columns a list row or a map marker reads (nothing personal).
LIST_FIELDS = (
    "id",
    "code",
    "title",
    "state",
    "latitude",
    "longitude",
    "planned_volume",
    "designated_budget",
    "fiscal_year__id",
    "fiscal_year__year",
    *PLACE_FIELDS,
    "kelurahan__slug",
    "work_type__id",
    "work_type__name",
    "work_type__unit",
)


def site_rows(filters: dict):
    """The public sites matching the filter's valid values, in the list's order."""
    qs = (
        public_sites()
        .select_related("fiscal_year", "kelurahan__kecamatan", "rt", "work_type")
        .only(*LIST_FIELDS)
    )
    if filters.get("year"):
        qs = qs.filter(fiscal_year__year=filters["year"])
    if filters.get("kecamatan"):
        qs = qs.filter(kelurahan__kecamatan=filters["kecamatan"])
    if filters.get("kelurahan"):
        qs = qs.filter(kelurahan=filters["kelurahan"])
    if filters.get("work_type"):
        qs = qs.filter(work_type=filters["work_type"])
    if filters.get("stage"):
        qs = qs.filter(state__in=STAGES[filters["stage"]][1])
    return qs.order_by(
        "-fiscal_year__year", "kelurahan__kecamatan__code", "kelurahan__name", "rt__number", "code"
    )


def filter_options():
    """What the filter form offers (four queries)."""
    return {
        "years": list(
            public_sites()
            .order_by("-fiscal_year__year")
            .values_list("fiscal_year__year", flat=True)
            .distinct()
        ),
        "kecamatan": list(Kecamatan.objects.only("id", "name", "slug", "code").order_by("code")),
        "kelurahan": list(
            Kelurahan.objects.select_related("kecamatan")
            .only("id", "name", "slug", "kecamatan__id", "kecamatan__name", "kecamatan__slug")
            .order_by("kecamatan__code", "name")
        ),
        "work_types": list(WorkType.objects.only("id", "code", "name").order_by("name")),
    }


# --- GeoJSON ------------------------------------------------------------------------------------


def _rounded(geometry: dict) -> dict:
    def ring(r):
        return [[round(p[0], COORD_DECIMALS), round(p[1], COORD_DECIMALS)] for p in r]

    if geometry["type"] == "Polygon":
        return {"type": "Polygon", "coordinates": [ring(r) for r in geometry["coordinates"]]}
    return {
        "type": "MultiPolygon",
        "coordinates": [[ring(r) for r in rings] for rings in geometry["coordinates"]],
    }


def kelurahan_with_boundaries():
    return list(
        Kelurahan.objects.exclude(boundary__isnull=True)
        .select_related("kecamatan")
        .only("id", "code", "name", "slug", "boundary", "bbox", "kecamatan__id", "kecamatan__name")
        .order_by("code")
    )


def boundaries_geojson(kelurahan) -> dict:
    """The kelurahan boundaries as a FeatureCollection (with the source's attribution)."""
    return {
        "type": "FeatureCollection",
        "attribution": geo.BOUNDARY_ATTRIBUTION,
        "features": [
            {
                "type": "Feature",
                "id": k.code,
                "properties": {"name": k.name, "kecamatan": k.kecamatan.name, "slug": k.slug},
                "geometry": _rounded(k.boundary),
            }
            for k in kelurahan
        ],
    }


def mapped(rows) -> list:
    """The sites of the filter that have coordinates, at most MAP_SITE_LIMIT (one query)."""
    return list(rows.filter(latitude__isnull=False, longitude__isnull=False)[: MAP_SITE_LIMIT + 1])


# The map's points are read as plain values: a model instance for each site and each of its
# related rows (about 3,000 for a year's 500 sites) cost three times the query.
POINT_FIELDS = (
    "code",
    "title",
    "state",
    "latitude",
    "longitude",
    "rt__number",
    "kelurahan__name",
    "fiscal_year__year",
)


def mapped_points(rows) -> list[dict]:
    """`mapped` as values (POINT_FIELDS), for the GeoJSON."""
    located = rows.filter(latitude__isnull=False, longitude__isnull=False)
    return list(located.values(*POINT_FIELDS)[: MAP_SITE_LIMIT + 1])


def geojson_point(lat, lon) -> dict:
    """A GeoJSON Point at ``lat, lon``: its coordinates in GeoJSON's order (longitude first),
    rounded to ``COORD_DECIMALS``."""
    return {
        "type": "Point",
        "coordinates": [round(float(lon), COORD_DECIMALS), round(float(lat), COORD_DECIMALS)],
    }


def sites_geojson(sites: list[dict]) -> dict:
    """The points of `mapped_points` as a FeatureCollection."""
    features = []
    for site in sites[:MAP_SITE_LIMIT]:
        features.append(
            {
                "type": "Feature",
                "id": site["code"],
                "properties": {
                    "code": site["code"],
                    "title": site["title"],
                    "stage": stage_of(site["state"]),
                    "stage_label": stage_label(site["state"]),
                    "place": f"{RT(number=site['rt__number']).label}, {site['kelurahan__name']}",
                    "year": site["fiscal_year__year"],
                    "url": reverse("public:project", kwargs={"code": site["code"]}),
                },
                "geometry": geojson_point(site["latitude"], site["longitude"]),
            }
        )
    return {
        "type": "FeatureCollection",
        "truncated": len(sites) > MAP_SITE_LIMIT,
        "features": features,
    }


def dumps(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


# --- Server-side SVG maps -----------------------------------------------------------------------


@dataclass
class SvgMap:
    width: int
    height: int
    shapes: list = field(default_factory=list)  # (d, name, highlighted)
    markers: list = field(default_factory=list)  # (x, y, title, stage, url)


def svg_map(kelurahan, sites=(), *, width=640, height=560, highlight=None) -> SvgMap | None:
    """Kelurahan shapes and site markers drawn on the server, for pages read without script."""
    if not kelurahan:
        return None
    paths, projection = geo.svg_paths({k.pk: k.boundary for k in kelurahan}, width, height, 8)
    drawing = SvgMap(width=width, height=height)
    for k in kelurahan:
        drawing.shapes.append((paths[k.pk], k.name, highlight == k.pk))
    for site in list(sites)[:MAP_SITE_LIMIT]:
        if site.latitude is None or site.longitude is None:
            continue
        x, y = projection.xy(site.latitude, site.longitude)
        if not (0 <= x <= width and 0 <= y <= height):
            continue
        drawing.markers.append(
            (
                round(x, 1),
                round(y, 1),
                f"{site.title} ({site.kelurahan.name})",
                stage_of(site.state),
                reverse("public:project", kwargs={"code": site.code}),
            )
        )
    return drawing


# --- One site's page ----------------------------------------------------------------------------


DETAIL_FIELDS = (
    *LIST_FIELDS,
    "planned_width",
    "households_benefiting",
    "people_benefiting",
    "ordered_amount",
    "delivered_amount",
    "paid_amount",
    "kelurahan__code",
    "kelurahan__boundary",
    "kelurahan__bbox",
    "kelurahan__kecamatan__code",
)


def public_site(code: str) -> Proposal:
    """The public site with this code, or Proposal.DoesNotExist."""
    return (
        public_sites()
        .select_related("fiscal_year", "kelurahan__kecamatan", "rt", "work_type")
        .only(*DETAIL_FIELDS)
        .get(code=code)
    )


@dataclass
class PublicDecree:
    number: str
    date: object
    public_id: str
    in_force: bool
    budget: int


@dataclass
class Work:
    days: int = 0
    sessions: int = 0
    men: int = 0
    women: int = 0
    person_days: Decimal = Decimal("0")

    @property
    def participants(self) -> int:
        return self.men + self.women


@dataclass
class ReportFigures:
    realised_volume: Decimal | None
    submitted_at: object
    accepted_at: object
    countersigned_at: object
    materials: list  # (description, unit, delivered, used, leftover)


def public_decree_locations(**filters):
    """The sites' places in issued (or since revoked) decrees, oldest decree first."""
    return (
        DecreeLocation.objects.filter(
            decree__state__in=[Decree.State.ISSUED, Decree.State.REVOKED], **filters
        )
        .select_related("decree")
        .only(
            "id",
            "proposal_id",
            "budget",
            "decree__id",
            "decree__number",
            "decree__decree_date",
            "decree__public_id",
            "decree__state",
        )
        .order_by("decree__decree_date", "decree_id")
    )


def site_decrees(proposal) -> list[PublicDecree]:
    rows = public_decree_locations(proposal=proposal)
    return [
        PublicDecree(
            number=row.decree.number,
            date=row.decree.decree_date,
            public_id=row.decree.public_id,
            in_force=row.decree.state == Decree.State.ISSUED,
            budget=row.budget,
        )
        for row in rows
    ]


def contributions_by_kind(proposal) -> list[tuple[str, int]]:
    """Community contributions summed by kind (who gave them is not public)."""
    labels = dict(SwadayaContribution.Kind.choices)
    sums = dict(
        SwadayaContribution.objects.filter(proposal=proposal)
        .order_by()
        .values_list("kind")
        .annotate(total=Sum("value"))
        .values_list("kind", "total")
    )
    return [(str(labels[kind]), int(sums[kind])) for kind in labels if sums.get(kind)]


def work_of(proposal) -> Work:
    figures = WorkDay.objects.filter(proposal=proposal).aggregate(
        days=Count("date", distinct=True),
        sessions=Count("id"),
        total_men=Sum("men"),
        total_women=Sum("women"),
        person_hours=Sum(PERSON_HOURS),
    )
    return Work(
        days=figures["days"] or 0,
        sessions=figures["sessions"] or 0,
        men=figures["total_men"] or 0,
        women=figures["total_women"] or 0,
        person_days=person_days(figures["person_hours"]),
    )


def photo_group(stage: int) -> str:
    if stage == 0:
        return "sebelum"
    if stage >= 100:
        return "sesudah"
    return "selama"


# A photo record with a stored picture: records of the ten-year demo data (seed_demo --years)
# carry a photo's metadata but no file, and a public page shows no empty picture for them.
WITH_PICTURE = ~Q(original="")


def site_photos(proposal) -> list[tuple[str, list]]:
    """The photos not withdrawn that have a picture, grouped before / during / after."""
    photos = (
        ProgressPhoto.objects.filter(WITH_PICTURE, proposal=proposal, withdrawn_at__isnull=True)
        .only("id", "proposal_id", "stage", "taken_at", "width", "height")
        .order_by("stage", "taken_at", "id")
    )
    groups: dict[str, list] = {key: [] for key, _ in PHOTO_STAGES}
    for photo in photos:
        groups[photo_group(photo.stage)].append(photo)
    return [(label, groups[key]) for key, label in PHOTO_STAGES if groups[key]]


def public_photo(code: str, pk: int) -> ProgressPhoto:
    """A photo of a public site, not withdrawn, with a picture, or ProgressPhoto.DoesNotExist."""
    return ProgressPhoto.objects.only(
        "id", "proposal_id", "display", "thumbnail", "original", "stage"
    ).get(
        WITH_PICTURE,
        pk=pk,
        withdrawn_at__isnull=True,
        proposal__code=code,
        proposal__state__in=PUBLIC_STATES,
        proposal__designated_budget__isnull=False,
    )


def report_figures(proposal) -> ReportFigures | None:
    """The accepted completion report's figures (its free text, written by residents, is left
    out); None before the kelurahan accepts it."""
    report = (
        CompletionReport.objects.filter(proposal=proposal, accepted_at__isnull=False)
        .only(
            "id",
            "proposal_id",
            "realised_volume",
            "submitted_at",
            "accepted_at",
            "countersigned_at",
        )
        .prefetch_related("material_lines")
        .first()
    )
    if report is None:
        return None
    return ReportFigures(
        realised_volume=report.realised_volume,
        submitted_at=report.submitted_at,
        accepted_at=report.accepted_at,
        countersigned_at=report.countersigned_at,
        materials=[
            (line.description, line.unit, line.delivered, line.used, line.leftover)
            for line in report.material_lines.all()
        ],
    )


def stage_counts(rows) -> dict[str, int]:
    """How many sites of the filter are at each public stage (one query)."""
    counts = counts_by(rows, "state")
    return {label: sum(counts.get(s, 0) for s in states) for _, (label, states) in STAGES.items()}
