"""The programme's figures as the public reads them, per fiscal year: how many public sites
are designated, under way and completed, the city's money and the community's contributions,
the people taking part. Read from the records in one grouped query whatever their number.

Only the public sites count (projects.public_sites: designated with a budget in an SK Camat,
not cancelled), so the figures add up to what /proyek/ lists. The dashboards, behind sign-in,
count more (cancelled sites whose material was ordered, for instance).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import BigIntegerField, Count, F, Q, Subquery, Sum

from bangkit.queries import sum_of
from portal import projects
from proposals.models import State
from reporting.models import ProgressPhoto, SwadayaContribution, WorkDay
from reporting.selectors import PERSON_HOURS, person_days, site_participants

DESIGNATED_ONLY = projects.STAGES["ditetapkan"][1]
UNDER_WAY = (*projects.STAGES["pengadaan"][1], *projects.STAGES["dikerjakan"][1])
# How many completed sites the home page shows with their photos.
LATEST_COMPLETED = 4


@dataclass
class YearFigures:
    year: int
    sites: int = 0  # every public site of the year (designated or past it)
    designated: int = 0  # still waiting for their material
    under_way: int = 0  # procurement, material received, work, report
    completed: int = 0
    city_budget: int = 0  # designated in the SK Camat (APBD)
    city_paid: int = 0  # paid to the building-material shops
    community: int = 0  # swadaya recorded by the RT, every kind
    participants: int = 0  # per site the most people on one work day, summed
    person_days: Decimal = Decimal("0")
    households: int = 0
    people_benefiting: int = 0

    @property
    def community_share(self) -> Decimal | None:
        """Community contributions per rupiah the city paid, as a percentage."""
        if not self.city_paid:
            return None
        return (Decimal(self.community) * 100 / self.city_paid).quantize(Decimal("0.1"))


# The CSV's columns: (header, attribute).
COLUMNS = (
    ("tahun", "year"),
    ("lokasi_ditetapkan", "sites"),
    ("menunggu_material", "designated"),
    ("sedang_berjalan", "under_way"),
    ("selesai", "completed"),
    ("anggaran_kota_ditetapkan_rp", "city_budget"),
    ("anggaran_kota_dibayar_rp", "city_paid"),
    ("swadaya_masyarakat_rp", "community"),
    ("peserta_gotong_royong", "participants"),
    ("hari_orang_kerja", "person_days"),
    ("kk_penerima_manfaat", "households"),
    ("jiwa_penerima_manfaat", "people_benefiting"),
)


def _annotated(sites):
    return (
        sites.order_by()
        .values("fiscal_year__year")
        .annotate(
            n=Count("pk"),
            n_designated=Count("pk", filter=Q(state__in=DESIGNATED_ONLY)),
            n_under_way=Count("pk", filter=Q(state__in=UNDER_WAY)),
            n_completed=Count("pk", filter=Q(state=State.COMPLETED)),
            budget=Sum("designated_budget"),
            paid=Sum("paid_amount"),
            households=Sum("households_benefiting"),
            people=Sum("people_benefiting"),
            community=Sum(
                sum_of(
                    SwadayaContribution.objects.all(),
                    "value",
                    per="proposal",
                    output_field=BigIntegerField(),
                )
            ),
            participants=Sum(site_participants()),
            hours=Sum(
                sum_of(
                    WorkDay.objects.all(),
                    PERSON_HOURS,
                    per="proposal",
                    output_field=PERSON_HOURS.output_field,
                )
            ),
        )
    )


def by_year(sites=None) -> dict[int, YearFigures]:
    """{year: YearFigures} for every year that has a public site (one query)."""
    sites = projects.public_sites() if sites is None else sites
    found = {}
    for row in _annotated(sites):
        year = row["fiscal_year__year"]
        found[year] = YearFigures(
            year=year,
            sites=row["n"],
            designated=row["n_designated"],
            under_way=row["n_under_way"],
            completed=row["n_completed"],
            city_budget=int(row["budget"] or 0),
            city_paid=int(row["paid"] or 0),
            community=int(row["community"] or 0),
            participants=int(row["participants"] or 0),
            person_days=person_days(row["hours"]),
            households=int(row["households"] or 0),
            people_benefiting=int(row["people"] or 0),
        )
    return found


def of_year(year: int) -> YearFigures:
    """The figures of one year (zeros when it has no public site yet); one query."""
    rows = by_year(projects.public_sites().filter(fiscal_year__year=year))
    return rows.get(year, YearFigures(year=year))


def public_years() -> list[int]:
    """The years that have a public site, newest first (one query)."""
    return list(
        projects.public_sites()
        .order_by("-fiscal_year__year")
        .values_list("fiscal_year__year", flat=True)
        .distinct()
    )


# --- The latest completed sites with a photo before and after --------------------------------


@dataclass
class CompletedSite:
    site: object
    before: object | None  # a ProgressPhoto (only id and stage read)
    after: object | None


def latest_completed(limit: int = LATEST_COMPLETED) -> list[CompletedSite]:
    """The completed sites most recently accepted, each with its first photo before the work
    and its last one after it (two queries)."""
    latest = F("completion_report__accepted_at").desc(nulls_last=True)
    completed = projects.public_sites().filter(state=State.COMPLETED)
    # The few ids first (a join of two tables), then their rows: joining every related table
    # for all completed sites before the limit took most of the page's time at ten years.
    ids = completed.order_by(latest, "-pk").values("pk")[:limit]
    sites = list(
        completed.filter(pk__in=Subquery(ids))
        .select_related("fiscal_year", "kelurahan__kecamatan", "rt", "work_type")
        .only(*projects.LIST_FIELDS)
        .order_by(latest, "-pk")
    )
    photos = (
        ProgressPhoto.objects.filter(proposal__in=[s.pk for s in sites], withdrawn_at__isnull=True)
        .filter(projects.WITH_PICTURE, Q(stage=0) | Q(stage__gte=100))
        .only("id", "proposal_id", "stage", "taken_at")
        .order_by("taken_at", "id")
    )
    before, after = {}, {}
    if sites:
        for photo in photos:
            if photo.stage == 0:
                before.setdefault(photo.proposal_id, photo)
            else:
                after[photo.proposal_id] = photo
    return [CompletedSite(s, before.get(s.pk), after.get(s.pk)) for s in sites]
