"""The work itself: completed faster than plausible, or by very few people for its size; and
an RT funded year after year while others in its kelurahan never were."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Max, Sum

from audit.flags.common import money, number, site_fields, site_flag
from audit.flags.registry import Raised, Threshold, link, rule
from bangkit.models import RT
from bangkit.queries import counts_by
from proposals.models import Proposal
from proposals.states import COMMITTED_STATES, State
from reporting.models import HOURS_PER_PERSON_DAY

MIN_PERSON_DAYS = Threshold(
    "work.min_person_days_per_unit",
    "Hari orang kerja paling sedikit per satuan volume (per jenis kegiatan)",
    Decimal("0.10"),
    "HOK/satuan",
    per_work_type=True,
)
MIN_PARTICIPANTS = Threshold(
    "work.min_participants", "Peserta paling sedikit pada hari kerja terbanyak", Decimal(5), "orang"
)
PARTICIPANTS_FROM_BUDGET = Threshold(
    "work.participants_from_budget",
    "Anggaran lokasi mulai dari mana jumlah peserta diperiksa",
    Decimal(20_000_000),
    "Rp",
)
RT_MIN_YEARS = Threshold(
    "rt.min_years", "Tahun didanai (berturut-turut atau tidak) yang ditandai", Decimal(3), "tahun"
)
RT_MIN_NEVER_SHARE = Threshold(
    "rt.min_never_share_percent",
    "Bagian RT sekelurahan yang belum pernah didanai (%)",
    Decimal(50),
    "%",
)

REPORTED_STATES = [State.REPORTED, State.COMPLETED]


def _reported_sites(ctx):
    person_hours = ExpressionWrapper(
        (F("work_days__men") + F("work_days__women")) * F("work_days__hours"),
        output_field=DecimalField(max_digits=14, decimal_places=2),
    )
    return (
        ctx.in_years(Proposal.objects.filter(state__in=REPORTED_STATES), "fiscal_year__year")
        .annotate(
            person_hours=Sum(person_hours),
            peak=Max(F("work_days__men") + F("work_days__women")),
            days=Count("work_days"),
        )
        .filter(days__gt=0)
        .values(
            *site_fields(""),
            "work_type_id",
            "work_type__name",
            "work_type__unit",
            "planned_volume",
            "completion_report__realised_volume",
            "designated_budget",
            "person_hours",
            "peak",
            "days",
        )
        .order_by("id")
    )


@rule(
    "completion_too_fast", "Selesai lebih cepat dari yang masuk akal", thresholds=[MIN_PERSON_DAYS]
)
def completion_too_fast(ctx):
    """A reported site whose recorded work, in person-days per unit of volume, is below the
    year's floor for its work type.

    Person-days are the work days' participants times hours, divided by 8 hours; the volume is
    the realised volume of the completion report (the planned volume when none was written).
    A very low figure means the work was recorded as done by far fewer hands than the volume
    needs, or the work days were not all recorded.
    """
    for site in _reported_sites(ctx):
        volume = site["completion_report__realised_volume"] or site["planned_volume"]
        if not volume or not site["person_hours"]:
            continue
        year = site["fiscal_year__year"]
        person_days = Decimal(site["person_hours"]) / HOURS_PER_PERSON_DAY
        per_unit = person_days / Decimal(volume)
        floor = ctx.value(MIN_PERSON_DAYS.key, year, site["work_type_id"])
        if per_unit >= floor:
            continue
        unit = site["work_type__unit"]
        yield site_flag(
            site["id"],
            site,
            f"{number(round(per_unit, 3))} HOK per {unit} (batas {number(floor)}) untuk "
            f"{number(volume)} {unit} {site['work_type__name']}",
            via="",
            figures=[
                ("Volume", f"{number(volume)} {unit}"),
                ("Hari kerja dicatat", number(site["days"])),
                ("Hari orang kerja (HOK)", number(round(person_days, 2))),
                (f"HOK per {unit}", number(round(per_unit, 3))),
                ("Batas tahun itu", number(floor)),
            ],
            facts={"person_hours": site["person_hours"], "volume": volume, "days": site["days"]},
        )


@rule(
    "few_participants",
    "Peserta sangat sedikit untuk ukuran pekerjaan",
    thresholds=[MIN_PARTICIPANTS, PARTICIPANTS_FROM_BUDGET],
)
def few_participants(ctx):
    """A reported site with a budget of at least the year's amount whose busiest work day had
    fewer participants than the year's minimum: gotong-royong at that size needs more hands
    (the programme counts about 30 people per job)."""
    for site in _reported_sites(ctx):
        year = site["fiscal_year__year"]
        budget = site["designated_budget"] or 0
        if budget < ctx.value(PARTICIPANTS_FROM_BUDGET.key, year):
            continue
        minimum = ctx.value(MIN_PARTICIPANTS.key, year)
        if (site["peak"] or 0) >= minimum:
            continue
        yield site_flag(
            site["id"],
            site,
            f"paling banyak {number(site['peak'] or 0)} peserta sehari untuk anggaran "
            f"{money(budget)}",
            via="",
            figures=[
                ("Anggaran ditetapkan", money(budget)),
                ("Peserta terbanyak dalam sehari", number(site["peak"] or 0)),
                ("Batas peserta", number(minimum)),
                ("Hari kerja dicatat", number(site["days"])),
            ],
            facts={"peak": site["peak"], "budget": budget, "days": site["days"]},
        )


@rule(
    "rt_funded_repeatedly",
    "RT didanai tahun demi tahun",
    thresholds=[RT_MIN_YEARS, RT_MIN_NEVER_SHARE],
)
def rt_funded_repeatedly(ctx):
    """An RT funded in at least the threshold's number of years while at least the
    threshold's share of the RTs of its kelurahan were never funded.

    A funded year is one in which a proposal of the RT was designated (any state from
    designation to completion). The thresholds are read for the RT's latest funded year.
    Years are not narrowed by the year filter: the rule is about the whole history.
    """
    funded_states = [*COMMITTED_STATES]
    years_by_rt = defaultdict(set)
    for rt_id, year in (
        Proposal.objects.filter(state__in=funded_states)
        .values_list("rt_id", "fiscal_year__year")
        .distinct()
    ):
        years_by_rt[rt_id].add(year)
    if not years_by_rt:
        return
    totals = counts_by(RT.objects.all(), "kelurahan_id")
    rts = list(
        RT.objects.filter(proposals__state__in=funded_states)
        .values("id", "number", "kelurahan_id", "kelurahan__name", "kelurahan__kecamatan_id")
        .distinct()
    )
    funded = defaultdict(int)
    for rt in rts:
        funded[rt["kelurahan_id"]] += 1
    for rt in sorted(rts, key=lambda r: r["id"]):
        years = sorted(years_by_rt[rt["id"]])
        latest = years[-1]
        if len(years) < ctx.value(RT_MIN_YEARS.key, latest):
            continue
        total = totals[rt["kelurahan_id"]]
        never = total - funded[rt["kelurahan_id"]]
        share = Decimal(100) * never / total
        if share < ctx.value(RT_MIN_NEVER_SHARE.key, latest):
            continue
        yield Raised(
            subject=f"rt:{rt['id']}",
            year=latest,
            kecamatan_id=rt["kelurahan__kecamatan_id"],
            title=(
                f"RT {rt['number']:02d} Kelurahan {rt['kelurahan__name']}: didanai "
                f"{len(years)} tahun, {never} dari {total} RT sekelurahan belum pernah"
            ),
            figures=[
                ("Tahun didanai", ", ".join(map(str, years))),
                ("RT di kelurahan", number(total)),
                ("Belum pernah didanai", f"{never} ({number(round(share, 1))}%)"),
            ],
            links=[link(f"RT {rt['number']:02d}", "admin:bangkit_rt_change", rt["id"])],
            facts={"years": years, "never": never, "total": total},
        )
