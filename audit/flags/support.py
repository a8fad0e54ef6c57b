"""Citizen support arriving in bursts (many supports for one Musrenbang entry within minutes)
or from the NIKs of another area (outside the entry's kecamatan or outside the city).

``support_bursts`` works on any queryset of ``CitizenSupport`` so that other pages (issue 16)
can ask the same question of the rows they show."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Count, F, Q, Value
from django.db.models.functions import Replace
from django.utils import timezone

from audit.flags.common import MAX_LINKS, entry_flag, number, percent
from audit.flags.registry import Raised, Threshold, link, rule
from bangkit.nik import JAMBI_PROVINCE, KOTA_JAMBI, KOTA_JAMBI_KECAMATAN
from proposals.models import CitizenSupport, MusrenbangEntry, ResidentUsulan

BURST_MINUTES = Threshold(
    "support.burst_minutes", "Rentang waktu satu lonjakan", Decimal(10), "menit"
)
BURST_COUNT = Threshold(
    "support.burst_count", "Dukungan paling sedikit dalam rentang itu", Decimal(20), "dukungan"
)
OUTSIDE_COUNT = Threshold(
    "support.outside_count",
    "Dukungan dari NIK luar kecamatan usulan, paling sedikit",
    Decimal(10),
    "dukungan",
)
OUTSIDE_SHARE = Threshold(
    "support.outside_share_percent",
    "Bagian dukungan dari NIK luar kecamatan usulan, paling sedikit (%)",
    Decimal(50),
    "%",
)
OUTSIDE_MIN_SUPPORTS = Threshold(
    "support.outside_min_supports",
    "Dukungan berkode wilayah paling sedikit agar bagiannya dinilai",
    Decimal(5),
    "dukungan",
)
USULAN_BURST_MINUTES = Threshold(
    "usulan.burst_minutes", "Rentang waktu satu lonjakan usulan warga", Decimal(30), "menit"
)
USULAN_BURST_COUNT = Threshold(
    "usulan.burst_count",
    "Usulan warga paling sedikit dalam rentang itu (satu RT atau satu NIK)",
    Decimal(5),
    "usulan",
)
CITY_REGION = JAMBI_PROVINCE + KOTA_JAMBI  # "1571"


@dataclass(frozen=True)
class Burst:
    group_id: object  # the entry (or whatever ``group`` names) the rows share
    count: int
    start: datetime
    end: datetime
    total: int  # all rows of the group in the queryset

    @property
    def entry_id(self):
        return self.group_id


def support_bursts(
    queryset, *, minutes: int, min_count: int, group: str = "entry_id"
) -> list[Burst]:
    """For each entry (or each value of the ``group`` field), its densest run of at least
    ``min_count`` rows whose first and last ``created_at`` are no more than ``minutes`` apart
    (one query, a sliding window in memory). Any model with ``created_at`` will do: citizen
    supports by entry, residents' usulan by RT or by proposer (issue 16)."""
    window = timedelta(minutes=int(minutes))
    times = defaultdict(list)
    for key, created in queryset.order_by(group, "created_at").values_list(group, "created_at"):
        times[key].append(created)
    bursts = []
    for key, stamps in times.items():
        if len(stamps) < min_count:
            continue
        best, best_start = 0, 0
        start = 0
        for end in range(len(stamps)):
            while stamps[end] - stamps[start] > window:
                start += 1
            if end - start + 1 > best:
                best, best_start = end - start + 1, start
        if best >= min_count:
            bursts.append(
                Burst(key, best, stamps[best_start], stamps[best_start + best - 1], len(stamps))
            )
    return bursts


@rule("support_burst", "Dukungan warga datang serentak", thresholds=[BURST_MINUTES, BURST_COUNT])
def support_burst(ctx):
    """Many citizen supports for one Musrenbang entry within a few minutes: at least the
    year's count within the year's number of minutes (the entry's year).
    """
    supports = ctx.in_years(CitizenSupport.objects.all(), "entry__year")
    years = sorted(set(supports.values_list("entry__year", flat=True).distinct()))
    settings_by_year = defaultdict(list)
    for year in years:
        key = (int(ctx.value(BURST_MINUTES.key, year)), int(ctx.value(BURST_COUNT.key, year)))
        settings_by_year[key].append(year)
    bursts = []
    for (minutes, count), group in settings_by_year.items():
        scoped = supports if len(settings_by_year) == 1 else supports.filter(entry__year__in=group)
        bursts += [(b, minutes) for b in support_bursts(scoped, minutes=minutes, min_count=count)]
    if not bursts:
        return
    entries = {
        e["id"]: e
        for e in MusrenbangEntry.objects.filter(pk__in=[b.entry_id for b, _ in bursts]).values(
            "id", "title", "year", "kelurahan__kecamatan_id"
        )
    }
    for burst, minutes in sorted(bursts, key=lambda pair: pair[0].entry_id):
        entry = entries[burst.entry_id]
        start = timezone.localtime(burst.start)
        yield entry_flag(
            burst.entry_id,
            entry,
            f"{burst.count} dukungan dalam {minutes} menit untuk usulan Musrenbang "
            f"“{entry['title'][:80]}” ({start:%d-%m-%Y %H:%M})",
            via="",
            figures=[
                ("Dukungan dalam lonjakan", number(burst.count)),
                ("Rentang", f"{start:%d-%m-%Y %H:%M} s.d. {timezone.localtime(burst.end):%H:%M}"),
                ("Seluruh dukungan usulan ini", number(burst.total)),
            ],
            facts={"count": burst.count, "start": burst.start, "total": burst.total},
        )


def _region_name(region: str) -> str:
    if region[:4] != CITY_REGION:
        return "luar Kota Jambi"
    return KOTA_JAMBI_KECAMATAN.get(region[4:], f"kecamatan {region[4:]} (tidak dikenal)")


@rule(
    "support_other_area",
    "Dukungan warga dari NIK wilayah lain",
    thresholds=[OUTSIDE_COUNT, OUTSIDE_SHARE, OUTSIDE_MIN_SUPPORTS],
)
def support_other_area(ctx):
    """Citizen support for a Musrenbang entry from NIKs issued outside the entry's kecamatan
    (the NIK's region code, its first six digits, differs from the kecamatan's code) or
    outside Kota Jambi (a region code not starting 1571): raised per entry when such supports
    number at least the year's count, or make at least the year's share of the entry's
    supports with a region code (the share only for an entry with at least the year's
    minimum of them).

    The support service keeps the region code beside the keyed hash; supports recorded
    before it was kept (and a resident proposer's own support) have none and are left out of
    both counts, shown apart. Under the kecamatan residency rule the service refuses such a
    NIK, so this flag rises mostly in a year under the city rule, where it is allowed but
    worth a look: an entry carried by supporters from elsewhere. A NIK never changes, so a
    resident who moved keeps the code of where it was issued.
    """
    supports = ctx.in_years(CitizenSupport.objects.all(), "entry__year")
    home = Replace(F("entry__kelurahan__kecamatan__code"), Value("."), Value(""))
    known = ~Q(nik_region="")
    outside = known & ~Q(nik_region=home)
    # One row per entry (the other columns depend on it), only entries with such supports.
    rows = (
        supports.values(
            "entry_id",
            "entry__year",
            "entry__title",
            "entry__kelurahan__kecamatan_id",
            "entry__kelurahan__kecamatan__name",
        )
        .annotate(
            total=Count("id"),
            known=Count("id", filter=known),
            outside=Count("id", filter=outside),
            outside_city=Count("id", filter=known & ~Q(nik_region__startswith=CITY_REGION)),
        )
        .filter(outside__gt=0)
        .order_by("entry_id")
    )
    raised = []
    for row in rows:
        year = row["entry__year"]
        share = Decimal(100) * row["outside"] / row["known"]
        by_count = row["outside"] >= ctx.value(OUTSIDE_COUNT.key, year)
        judged = row["known"] >= ctx.value(OUTSIDE_MIN_SUPPORTS.key, year)
        if by_count or (judged and share >= ctx.value(OUTSIDE_SHARE.key, year)):
            raised.append((row, share))
    if not raised:
        return
    # Where those NIKs were issued, per entry: a kecamatan of the city by name, else one line.
    origins = defaultdict(lambda: defaultdict(int))
    for entry_id, region, count in (
        CitizenSupport.objects.filter(outside, entry_id__in=[row["entry_id"] for row, _ in raised])
        .values("entry_id", "nik_region")
        .annotate(count=Count("id"))
        .values_list("entry_id", "nik_region", "count")
    ):
        origins[entry_id][_region_name(region)] += count
    for row, share in raised:
        merged = sorted(origins[row["entry_id"]].items(), key=lambda pair: (-pair[1], pair[0]))
        kecamatan = row["entry__kelurahan__kecamatan__name"]
        title = row["entry__title"]
        unknown = row["total"] - row["known"]
        yield entry_flag(
            row["entry_id"],
            row,
            f"{row['outside']} dari {row['known']} dukungan ({percent(share)}) untuk usulan "
            f"Musrenbang “{title[:80]}” dari NIK luar Kecamatan {kecamatan}",
            figures=[
                ("Dukungan dari NIK luar kecamatan usulan", number(row["outside"])),
                ("Bagian dari dukungan berkode wilayah", percent(share)),
                ("Di antaranya dari NIK luar Kota Jambi", number(row["outside_city"])),
                ("Dukungan berkode wilayah", number(row["known"])),
                ("Dukungan tanpa kode wilayah (tidak dinilai)", number(unknown)),
                (
                    "Asal NIK luar kecamatan",
                    ", ".join(f"{name} {number(count)}" for name, count in merged),
                ),
            ],
            facts={
                "outside": row["outside"],
                "known": row["known"],
                "outside_city": row["outside_city"],
            },
        )


@rule(
    "usulan_burst",
    "Usulan warga datang serentak",
    thresholds=[USULAN_BURST_MINUTES, USULAN_BURST_COUNT],
)
def usulan_burst(ctx):
    """Residents' usulan (sent online at /usul/) arriving in a burst from one source: at least
    the year's count within the year's number of minutes for one RT, or from one proposer
    (the same NIK, known only by its keyed hash). The form's limits per NIK and per address
    slow a sender down; this finds what got through them, e.g. many NIKs typed in for one RT
    within minutes. The same sliding window as ``support_burst`` (``support_bursts``)."""
    usulan = ctx.in_years(ResidentUsulan.objects.all(), "year")
    years = sorted(set(usulan.values_list("year", flat=True).distinct()))
    found = []
    for year in years:
        minutes = int(ctx.value(USULAN_BURST_MINUTES.key, year))
        count = int(ctx.value(USULAN_BURST_COUNT.key, year))
        of_year = usulan.filter(year=year)
        for group in ("rt_id", "nik_hash"):
            found += [
                (group, year, minutes, burst)
                for burst in support_bursts(of_year, minutes=minutes, min_count=count, group=group)
            ]
    for group, year, minutes, burst in found:
        rows = list(
            usulan.filter(
                year=year,
                created_at__gte=burst.start,
                created_at__lte=burst.end,
                **{group: burst.group_id},
            )
            .order_by("created_at", "id")
            .values(
                "code",
                "title",
                "nik_last4",
                "rt__number",
                "kelurahan__name",
                "kelurahan__kecamatan_id",
            )
        )
        first = rows[0]
        place = f"RT {first['rt__number']:02d} Kelurahan {first['kelurahan__name']}"
        source = place if group == "rt_id" else f"satu NIK (…{first['nik_last4']})"
        start = timezone.localtime(burst.start)
        yield Raised(
            subject=f"usulan-{'rt' if group == 'rt_id' else 'nik'}:{burst.group_id}:{year}",
            year=year,
            kecamatan_id=first["kelurahan__kecamatan_id"],
            title=(
                f"{burst.count} usulan warga dalam {minutes} menit dari {source} "
                f"({start:%d-%m-%Y %H:%M})"
            ),
            figures=[
                ("Usulan dalam lonjakan", number(burst.count)),
                ("Rentang", f"{start:%d-%m-%Y %H:%M} s.d. {timezone.localtime(burst.end):%H:%M}"),
                ("Seluruh usulan warga dari sumber ini tahun itu", number(burst.total)),
                ("RT berbeda", number(len({row["rt__number"] for row in rows}))),
            ],
            links=[
                link(f"Usulan warga {row['code']}", "proposals:usulan_detail", row["code"])
                for row in rows[:MAX_LINKS]
            ],
            facts={"count": burst.count, "start": burst.start, "total": burst.total},
        )
