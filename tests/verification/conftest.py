"""Fixtures of the verification tests: a two-kecamatan city, its users, verified proposals."""

from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from bangkit.models import RT, FiscalYear, Kecamatan, Kelurahan, Role, User
from budgets.models import BudgetEnvelope
from proposals.models import Proposal, RABLine
from tests import factories
from verification.decrees.amendments import site_amend


@dataclass
class PriorityWorld:
    """Kecamatan A (kelurahan A1 in a slum area, A2, A3) and kecamatan B (B1), year 2026."""

    fiscal_year: FiscalYear
    kecamatan: Kecamatan
    kecamatan_other: Kecamatan
    kelurahan: dict[str, Kelurahan]
    rts: dict[str, RT]
    users: dict[str, User] = field(default_factory=dict)

    def envelope(self, amount, *, kelurahan=None, kecamatan=None, fiscal_year=None):
        # Updated if a walk to an SK already had Bappeda set one (tests.factories).
        envelope, _ = BudgetEnvelope.objects.update_or_create(
            fiscal_year=fiscal_year or self.fiscal_year,
            kecamatan=kecamatan or self.kecamatan,
            kelurahan=self.kelurahan[kelurahan] if isinstance(kelurahan, str) else kelurahan,
            defaults={"amount": amount},
        )
        return envelope


@pytest.fixture
def prio(db) -> PriorityWorld:
    fy = factories.FiscalYearFactory(year=2026, status=FiscalYear.Status.VERIFICATION)
    kec = factories.KecamatanFactory(code="99.72.01", name="Kecamatan Prio A", slug="prio-a")
    kec_b = factories.KecamatanFactory(code="99.72.02", name="Kecamatan Prio B", slug="prio-b")
    kel = {
        "A1": factories.KelurahanFactory(kecamatan=kec, name="Kelurahan A1", slug="prio-a1"),
        "A2": factories.KelurahanFactory(kecamatan=kec, name="Kelurahan A2", slug="prio-a2"),
        "A3": factories.KelurahanFactory(kecamatan=kec, name="Kelurahan A3", slug="prio-a3"),
        "B1": factories.KelurahanFactory(kecamatan=kec_b, name="Kelurahan B1", slug="prio-b1"),
    }
    kel["A1"].slum_areas.create(
        hectares=Decimal("12.5"), decree_number="166/2016", decree_year=2016
    )
    rts = {}
    for name, kelurahan in kel.items():
        for number in (1, 2, 3):
            rts[f"{name}.{number}"] = factories.RTFactory(
                kelurahan=kelurahan, number=number, households=80
            )
    mk = factories.make_user
    users = {
        "camat": mk(Role.KECAMATAN, kec, username="camat-prio-a", first_name="Hasan"),
        "camat_other": mk(Role.KECAMATAN, kec_b, username="camat-prio-b"),
        "lurah": mk(Role.KELURAHAN, kel["A1"], username="lurah-prio-a1"),
        "rt": mk(Role.RT, rts["A1.1"], username="rt-prio-a1-1"),
        "bappeda": mk(Role.BAPPEDA, username="bappeda-prio"),
        "inspektorat": mk(Role.INSPEKTORAT, username="inspektorat-prio"),
        "admin": mk(Role.ADMIN, username="admin-prio"),
    }
    return PriorityWorld(
        fiscal_year=fy,
        kecamatan=kec,
        kecamatan_other=kec_b,
        kelurahan=kel,
        rts=rts,
        users=users,
    )


# What the walk passes on to the Ketua RT's form; other fields only an ORM row can take.
FORM_FIELDS = {"title", "people_benefiting", "contribution_cash", "contribution_labour_people"}
# A proposal that never reached an SK: cancelled by the Camat after the verification.
CANCELLED_FROM = "kecamatan_verified"


@pytest.fixture
def make_verified(prio):
    """A proposal of an RT with one RAB line costing `cost`, in any state (kecamatan_verified),
    walked there through the services (tests.factories.ProposalFactory): designated in an SK
    Camat of its own, a `designated_budget` other than the cost set by a site amendment.

    A proposal the services would refuse is still written by the ORM, for the tests that
    need one: a cost of nothing or above the RT's ceiling, or an entry not of the RT.
    """
    counter = {"n": 0}

    def make(
        rt="A1.1",
        cost=30_000_000,
        *,
        state="kecamatan_verified",
        fiscal_year=None,
        people=160,
        **fields,
    ):
        counter["n"] += 1
        rt_obj = prio.rts[rt] if isinstance(rt, str) else rt
        fiscal_year = fiscal_year or prio.fiscal_year
        ceiling = fiscal_year.ceiling_for(rt_obj.households)
        entry = fields.get("entry")
        walkable = (
            cost
            and ceiling is not None
            and cost <= ceiling
            and (entry is None or entry.rt_id == rt_obj.pk)
            and set(fields) <= FORM_FIELDS | {"entry", "designated_budget"}
        )
        if not walkable:
            return _verified_by_orm(
                prio, counter["n"], rt_obj, cost, state, fiscal_year, people, fields
            )
        budget = fields.pop("designated_budget", None)
        proposal = factories.ProposalFactory(
            rt=rt_obj,
            fiscal_year=fiscal_year,
            work_type=factories.WorkTypeFactory(),
            title=fields.pop("title", f"Rabat beton gang {counter['n']}"),
            location_description="Gang Kenanga",
            planned_volume=Decimal("100"),
            planned_width=Decimal("1.50"),
            people_benefiting=people,
            rab=[("Semen", "ls", Decimal("1"), cost)],
            state=state,
            cancelled_from=CANCELLED_FROM,
            **fields,
        )
        if budget is not None and proposal.designated_budget not in (None, budget):
            site_amend(
                actor=factories.actor_for(Role.KECAMATAN, rt_obj.kelurahan.kecamatan),
                proposal=proposal,
                field="budget",
                new_value=str(budget),
                reason="Anggaran lokasi disesuaikan dengan hasil survei harga.",
            )
            proposal.refresh_from_db()
        return proposal

    return make


def _verified_by_orm(prio, n, rt_obj, cost, state, fiscal_year, people, fields):
    values = {
        "fiscal_year": fiscal_year,
        "rt": rt_obj,
        "kelurahan": rt_obj.kelurahan,
        "title": f"Rabat beton gang {n}",
        "work_type": factories.WorkTypeFactory(),
        "location_description": "Gang Kenanga",
        "planned_volume": Decimal("100"),
        "planned_width": Decimal("1.50"),
        "households_benefiting": 40,
        "people_benefiting": people,
        "state": state,
    }
    values.update(fields)
    proposal = Proposal.objects.create(**values)
    if cost:
        RABLine.objects.create(
            proposal=proposal, material="Semen", unit="ls", quantity=1, unit_price=cost
        )
    return proposal
