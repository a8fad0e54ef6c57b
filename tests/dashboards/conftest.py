"""A small known city for the dashboard tests, every figure computable by hand.

Kecamatan A: kelurahan A1 (RT 1, 2, 3) and A2 (RT 1); kecamatan B: kelurahan B1 (RT 1).
Years 2025 and 2026. Proposals are built by the ORM like the other apps' fixtures, with their
step log dated by hand (so stage times are known), their money figures, work days,
contributions and completion reports:

2025  p1 A1 RT1 completed   budget 10 jt, ordered/delivered/paid 10 jt
      p2 A1 RT2 completed   budget 20 jt, ordered 20, delivered 20, paid 15 jt
      p3 A2 RT1 rejected after the kelurahan's verification
      p4 B1 RT1 designated  budget 30 jt, nothing ordered
      p5 A1 RT3 submitted
2026  p6 A1 RT1 completed   budget 12 jt, all paid
      p7 B1 RT1 in progress budget 25 jt, ordered and delivered 25 jt, paid 0
      p8 A2 RT1 verified by the kecamatan
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from unittest import mock

import pytest
from django.utils import timezone

from bangkit.models import RT, FiscalYear, Kecamatan, Kelurahan, Role, SlumArea, User, WorkType
from budgets.models import BudgetEnvelope
from proposals.models import MusrenbangEntry, Proposal, TransitionLog
from reporting.models import CompletionReport, SwadayaContribution, WorkDay
from tests import factories

# Steps of the main path after each state, as the services log them.
STEPS = [
    ("submit", "draft", "submitted"),
    ("verify_kelurahan", "submitted", "kelurahan_verified"),
    ("verify_kecamatan", "kelurahan_verified", "kecamatan_verified"),
    ("designate", "kecamatan_verified", "designated"),
    ("order_materials", "designated", "procurement"),
    ("receive_materials", "procurement", "materials_received"),
    ("start_work", "materials_received", "in_progress"),
    ("submit_report", "in_progress", "reported"),
    ("accept_report", "reported", "completed"),
]


@dataclass
class City:
    years: dict[int, FiscalYear]
    work_type: WorkType
    kecamatan: dict[str, Kecamatan]
    kelurahan: dict[str, Kelurahan]
    rts: dict[str, RT]
    users: dict[str, User]
    p: dict[int, Proposal] = field(default_factory=dict)


def at(year: int, day: int) -> datetime.datetime:
    """Day `day` of the year (day 0 = 1 February), 09:00 in Jakarta."""
    start = datetime.datetime(year, 2, 1, 9, 0)
    return timezone.make_aware(start + datetime.timedelta(days=day))


def log(proposal, transition, from_state, to_state, when, actor):
    with mock.patch("django.utils.timezone.now", return_value=when):
        TransitionLog.objects.create(
            proposal=proposal,
            transition=transition,
            from_state=from_state,
            to_state=to_state,
            actor=actor,
        )


def walk(proposal, days: list[int], actor, *, end: tuple | None = None):
    """Log the main-path steps on the given days (day numbers from 1 Feb), then `end`
    (transition, from, to, day) if given."""
    year = proposal.fiscal_year.year
    for (transition, from_state, to_state), day in zip(STEPS, days, strict=False):
        log(proposal, transition, from_state, to_state, at(year, day), actor)
    if end:
        transition, from_state, to_state, day = end
        log(proposal, transition, from_state, to_state, at(year, day), actor)


@pytest.fixture
def city(db) -> City:
    return build_city()


def build_city() -> City:
    """The known city (module docstring); also used by the browser test of the dashboard."""
    years = {
        2025: factories.FiscalYearFactory(year=2025, status=FiscalYear.Status.CLOSED),
        2026: factories.FiscalYearFactory(year=2026, status=FiscalYear.Status.EXECUTION),
    }
    kec = {
        "A": factories.KecamatanFactory(code="99.73.01", name="Kecamatan A", slug="dash-a"),
        "B": factories.KecamatanFactory(code="99.73.02", name="Kecamatan B", slug="dash-b"),
    }
    kel = {
        "A1": factories.KelurahanFactory(
            kecamatan=kec["A"], code="99.73.01.1001", name="Kelurahan A1", slug="dash-a1"
        ),
        "A2": factories.KelurahanFactory(
            kecamatan=kec["A"], code="99.73.01.1002", name="Kelurahan A2", slug="dash-a2"
        ),
        "B1": factories.KelurahanFactory(
            kecamatan=kec["B"], code="99.73.02.1001", name="Kelurahan B1", slug="dash-b1"
        ),
    }
    rts = {
        "A1.1": factories.RTFactory(kelurahan=kel["A1"], number=1),
        "A1.2": factories.RTFactory(kelurahan=kel["A1"], number=2),
        "A1.3": factories.RTFactory(kelurahan=kel["A1"], number=3),
        "A2.1": factories.RTFactory(kelurahan=kel["A2"], number=1),
        "B1.1": factories.RTFactory(kelurahan=kel["B1"], number=1),
    }
    mk = factories.make_user
    users = {
        "bappeda": mk(Role.BAPPEDA, username="bappeda-dash"),
        "inspektorat": mk(Role.INSPEKTORAT, username="inspektorat-dash"),
        "walikota": mk(Role.WALIKOTA, username="walikota-dash"),
        "camat_a": mk(Role.KECAMATAN, kec["A"], username="camat-dash-a"),
        "camat_b": mk(Role.KECAMATAN, kec["B"], username="camat-dash-b"),
        "lurah_a1": mk(Role.KELURAHAN, kel["A1"], username="lurah-dash-a1"),
        "rt": mk(Role.RT, rts["A1.1"], username="rt-dash-a1-1"),
    }
    city = City(years, factories.WorkTypeFactory(), kec, kel, rts, users)
    for year, kecamatan, amount in [
        (2025, "A", 100_000_000),
        (2025, "B", 50_000_000),
        (2026, "A", 120_000_000),
        (2026, "B", 60_000_000),
    ]:
        BudgetEnvelope.objects.create(
            fiscal_year=years[year], kecamatan=kec[kecamatan], amount=amount
        )
    n = 0
    for year, place, count in [
        (2025, "A1", 4),
        (2025, "A2", 2),
        (2025, "B1", 2),
        (2026, "A1", 3),
        (2026, "A2", 1),
        (2026, "B1", 2),
    ]:
        for _ in range(count):
            n += 1
            MusrenbangEntry.objects.create(
                year=year,
                source_id=f"MR-{year}-{n:03d}",
                kelurahan=kel[place],
                title=f"Rabat beton {n}",
                work_type=city.work_type,
            )
    actor = users["bappeda"]

    def proposal(
        number,
        year,
        rt,
        state,
        *,
        budget=None,
        ordered=0,
        delivered=0,
        paid=0,
        volume="100",
        households=0,
        people=0,
    ):
        p = Proposal.objects.create(
            fiscal_year=years[year],
            rt=rts[rt],
            kelurahan=rts[rt].kelurahan,
            title=f"Usulan p{number}",
            work_type=city.work_type,
            location_description="Gang Melati",
            planned_volume=Decimal(volume),
            planned_width=Decimal("1.5"),
            designated_budget=budget,
            ordered_amount=ordered,
            delivered_amount=delivered,
            paid_amount=paid,
            households_benefiting=households,
            people_benefiting=people,
            state=state,
        )
        city.p[number] = p
        return p

    p1 = proposal(
        1,
        2025,
        "A1.1",
        "completed",
        budget=10_000_000,
        ordered=10_000_000,
        delivered=10_000_000,
        paid=10_000_000,
        volume="120",
        households=40,
        people=160,
    )
    walk(p1, [0, 5, 15, 30, 35, 45, 46, 58, 60], actor)
    p2 = proposal(
        2,
        2025,
        "A1.2",
        "completed",
        budget=20_000_000,
        ordered=20_000_000,
        delivered=20_000_000,
        paid=15_000_000,
        households=30,
        people=120,
    )
    walk(p2, [0, 3, 10, 20, 25, 40, 41, 65, 70], actor)
    p3 = proposal(3, 2025, "A2.1", "rejected")
    walk(p3, [0, 4], actor, end=("reject", "kelurahan_verified", "rejected", 9))
    p4 = proposal(4, 2025, "B1.1", "designated", budget=30_000_000, households=50, people=200)
    walk(p4, [0, 7, 14, 28], actor)
    p5 = proposal(5, 2025, "A1.3", "submitted")
    walk(p5, [0], actor)
    p6 = proposal(
        6,
        2026,
        "A1.1",
        "completed",
        budget=12_000_000,
        ordered=12_000_000,
        delivered=12_000_000,
        paid=12_000_000,
        volume="50",
        households=20,
        people=80,
    )
    walk(p6, [0, 2, 6, 12, 13, 20, 21, 29, 30], actor)
    p7 = proposal(
        7,
        2026,
        "B1.1",
        "in_progress",
        budget=25_000_000,
        ordered=25_000_000,
        delivered=25_000_000,
        households=60,
        people=240,
    )
    walk(p7, [0, 10, 20, 40, 41, 50, 51], actor)
    p8 = proposal(8, 2026, "A2.1", "kecamatan_verified")
    walk(p8, [0, 1, 2], actor)

    recorder = users["rt"]
    for p, day, men, women, hours in [
        (p1, datetime.date(2025, 3, 20), 10, 5, "8"),
        (p1, datetime.date(2025, 3, 21), 8, 4, "4"),
        (p2, datetime.date(2025, 3, 25), 6, 6, "8"),
        (p6, datetime.date(2026, 2, 25), 5, 3, "8"),
        (p7, datetime.date(2026, 3, 30), 4, 0, "8"),
    ]:
        WorkDay.objects.create(
            proposal=p,
            date=day,
            men=men,
            women=women,
            hours=Decimal(hours),
            activity="Mengecor",
            recorded_by=recorder,
        )
    for p, kind, value in [
        (p1, "cash", 1_000_000),
        (p1, "materials", 2_000_000),
        (p2, "food", 500_000),
        (p6, "labour", 600_000),
        (p6, "equipment", 400_000),
        (p7, "cash", 300_000),
    ]:
        SwadayaContribution.objects.create(
            proposal=p,
            kind=kind,
            description=kind,
            value=value,
            contributor="Warga",
            date=datetime.date(2025, 3, 1),
            recorded_by=recorder,
        )
    for p, realised in [(p1, "110"), (p2, "95"), (p6, "50")]:
        CompletionReport.objects.create(
            proposal=p, realised_volume=Decimal(realised), updated_by=recorder
        )
    SlumArea.objects.create(
        kelurahan=kel["A1"], hectares=Decimal("10.50"), decree_number="166/2016", decree_year=2016
    )
    SlumArea.objects.create(
        kelurahan=kel["B1"], hectares=Decimal("4.00"), decree_number="166/2016", decree_year=2016
    )
    SlumArea.objects.create(
        kelurahan=kel["A2"],
        hectares=Decimal("2.25"),
        decree_number="12/2025",
        decree_year=2025,
        valid_from_year=2026,
    )
    return city
