"""Citizen support arriving in bursts: many supports for one Musrenbang entry within minutes.

``support_bursts`` works on any queryset of ``CitizenSupport`` so that other pages (issue 16)
can ask the same question of the rows they show."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from audit.flags.common import entry_link, number
from audit.flags.registry import Raised, Threshold, rule
from proposals.models import CitizenSupport, MusrenbangEntry

BURST_MINUTES = Threshold(
    "support.burst_minutes", "Rentang waktu satu lonjakan", Decimal(10), "menit"
)
BURST_COUNT = Threshold(
    "support.burst_count", "Dukungan paling sedikit dalam rentang itu", Decimal(20), "dukungan"
)


@dataclass(frozen=True)
class Burst:
    entry_id: int
    count: int
    start: datetime
    end: datetime
    total: int  # all supports of the entry in the queryset


def support_bursts(queryset, *, minutes: int, min_count: int) -> list[Burst]:
    """For each entry, its densest run of at least ``min_count`` supports whose first and last
    are no more than ``minutes`` apart (one query, a sliding window in memory)."""
    window = timedelta(minutes=int(minutes))
    times = defaultdict(list)
    for entry_id, created in queryset.order_by("entry_id", "created_at").values_list(
        "entry_id", "created_at"
    ):
        times[entry_id].append(created)
    bursts = []
    for entry_id, stamps in times.items():
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
                Burst(
                    entry_id, best, stamps[best_start], stamps[best_start + best - 1], len(stamps)
                )
            )
    return bursts


@rule("support_burst", "Dukungan warga datang serentak", thresholds=[BURST_MINUTES, BURST_COUNT])
def support_burst(ctx):
    """Many citizen supports for one Musrenbang entry within a few minutes: at least the
    year's count within the year's number of minutes (the entry's year).

    Supports from the NIKs of another area cannot be judged afterwards: only a keyed hash and
    the last four digits of a NIK are stored, and the support service already refuses a NIK
    whose region code is outside the year's residency rule (``FiscalYear.support_residency``).
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
        yield Raised(
            subject=f"entry:{burst.entry_id}",
            year=entry["year"],
            kecamatan_id=entry["kelurahan__kecamatan_id"],
            title=(
                f"{burst.count} dukungan dalam {minutes} menit untuk usulan Musrenbang "
                f"“{entry['title'][:80]}” ({start:%d-%m-%Y %H:%M})"
            ),
            figures=[
                ("Dukungan dalam lonjakan", number(burst.count)),
                ("Rentang", f"{start:%d-%m-%Y %H:%M} s.d. {timezone.localtime(burst.end):%H:%M}"),
                ("Seluruh dukungan usulan ini", number(burst.total)),
            ],
            links=[entry_link(entry["id"], entry["title"])],
            facts={"count": burst.count, "start": burst.start, "total": burst.total},
        )
