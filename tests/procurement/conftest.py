"""Fixtures for procurement: two kecamatan, shops, a small catalogue, designated proposals."""

import io
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from bangkit.models import RT, FiscalYear, Kecamatan, Kelurahan, Role, User
from budgets.models import BudgetEnvelope
from procurement.models import Material, ReferencePrice, Supplier
from proposals.models import Proposal, RABLine, WorkType
from tests import factories
from verification.decrees.amendments import site_amend

CATALOGUE = [
    # name, unit, category, reference price
    ("Semen Portland 50 kg", "sak", "semen", 75_000),
    ("Pasir cor", "m³", "agregat", 250_000),
    ("Batu split 2/3", "m³", "agregat", 320_000),
    ("Besi beton 10 mm", "batang", "besi", 85_000),
    ("Papan cor 2x20x400 cm", "lembar", "kayu", 45_000),
]
# NPWPs that pass the Luhn check (see tests/procurement/test_npwp.py).
VALID_NPWP = ["013121660091000", "021832415000000", "016090524017000"]


@dataclass
class World:
    fiscal_year: FiscalYear
    work_type: WorkType
    kecamatan: Kecamatan
    kecamatan_other: Kecamatan
    kelurahan: Kelurahan
    kelurahan_same_kec: Kelurahan
    kelurahan_other: Kelurahan
    rt: RT
    rt_other: RT
    shop_here: Supplier
    shop_same_kec: Supplier
    shop_far: Supplier
    materials: dict = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    envelope: BudgetEnvelope | None = None


@pytest.fixture
def world(db) -> World:
    fy = factories.FiscalYearFactory(status=FiscalYear.Status.EXECUTION)
    kec = factories.KecamatanFactory(code="99.71.01", name="Kecamatan Uji A", slug="kec-a")
    kec_b = factories.KecamatanFactory(code="99.71.02", name="Kecamatan Uji B", slug="kec-b")
    kel = factories.KelurahanFactory(kecamatan=kec, name="Kelurahan A1", slug="kel-a1")
    kel_a2 = factories.KelurahanFactory(kecamatan=kec, name="Kelurahan A2", slug="kel-a2")
    kel_b1 = factories.KelurahanFactory(kecamatan=kec_b, name="Kelurahan B1", slug="kel-b1")
    rt = factories.RTFactory(kelurahan=kel, number=3, households=80, head_name="Ahmad Hidayat")
    rt_b = factories.RTFactory(kelurahan=kel_b1, number=1, households=80)
    mk = factories.make_user
    users = {
        "lurah": mk(
            Role.KELURAHAN,
            kel,
            username="lurah-a1",
            first_name="Sri",
            last_name="Lubis",
            position="Lurah A1",
            nip="197501012000031001",
        ),
        "lurah_same_kec": mk(Role.KELURAHAN, kel_a2, username="lurah-a2"),
        "lurah_other": mk(Role.KELURAHAN, kel_b1, username="lurah-b1"),
        "camat": mk(Role.KECAMATAN, kec, username="camat-a"),
        "camat_other": mk(Role.KECAMATAN, kec_b, username="camat-b"),
        "rt": mk(Role.RT, rt, username="rt-a1-03", first_name="Ahmad", last_name="Hidayat"),
        "rt_other": mk(Role.RT, rt_b, username="rt-b1-01"),
        "inspektorat": mk(Role.INSPEKTORAT, username="inspektorat"),
        "bappeda": mk(Role.BAPPEDA, username="bappeda"),
    }
    envelope = BudgetEnvelope.objects.create(fiscal_year=fy, kecamatan=kec, amount=1_000_000_000)
    BudgetEnvelope.objects.create(fiscal_year=fy, kecamatan=kec_b, amount=1_000_000_000)
    materials = {}
    for name, unit, category, price in CATALOGUE:
        material = Material.objects.create(name=name, unit=unit, category=category)
        ReferencePrice.objects.create(fiscal_year=fy, material=material, price=price)
        materials[name] = material

    def shop(name, kelurahan, npwp):
        return Supplier.objects.create(
            name=name,
            owner_name=f"Pemilik {name}",
            address="Jl. Uji No. 1",
            kelurahan=kelurahan,
            npwp=npwp,
            bank_name="Bank Jambi",
            bank_account_number="1234567890",
            bank_account_holder=f"Pemilik {name}",
        )

    world = World(
        fiscal_year=fy,
        work_type=factories.WorkTypeFactory(),
        kecamatan=kec,
        kecamatan_other=kec_b,
        kelurahan=kel,
        kelurahan_same_kec=kel_a2,
        kelurahan_other=kel_b1,
        rt=rt,
        rt_other=rt_b,
        shop_here=shop("TB Sinar Jaya", kel, VALID_NPWP[0]),
        shop_same_kec=shop("TB Maju Bersama", kel_a2, VALID_NPWP[1]),
        shop_far=shop("TB Sumber Rezeki", kel_b1, VALID_NPWP[2]),
        materials=materials,
        users=users,
        envelope=envelope,
    )
    # The shop's own account sees only TB Sinar Jaya's orders.
    world.users["toko"] = mk(Role.TOKO, world.shop_here, username="toko-a1")
    return world


DEFAULT_RAB = [
    ("Semen 50 kg", "sak", Decimal("100"), 75_000),  # matched to the catalogue by name
    ("Pasir cor", "m³", Decimal("10"), 250_000),
]


@pytest.fixture
def make_designated(world):
    """A proposal designated in an SK Camat with its RAB, walked there through the services
    (tests.factories.ProposalFactory): verified, SK issued, a `budget` other than the RAB's
    total set by the Camat's site amendment.

    Two kinds of site the services refuse are still written by the ORM, for the tests about
    them: a RAB or budget above the RT's ceiling (the limits' own tests), and a later `state`
    asked for without its records (the rules matrix is about the state alone).
    """

    def make(*, budget=None, rab=None, rt=None, state="designated"):
        rt = rt or world.rt
        rab = DEFAULT_RAB if rab is None else rab
        total = sum(int(Decimal(qty) * price) for _, _, qty, price in rab)
        ceiling = world.fiscal_year.ceiling_for(rt.households)
        if state != "designated" or ceiling is None or max(total, budget or 0) > ceiling:
            return _designated_by_orm(world, budget=budget, rab=rab, rt=rt, state=state)
        proposal = factories.ProposalFactory(
            rt=rt,
            fiscal_year=world.fiscal_year,
            work_type=world.work_type,
            title="Rabat beton gang Melati",
            location_description="Gang Melati",
            planned_volume=Decimal("50"),
            planned_width=Decimal("1.5"),
            rab=rab,
            state="designated",
        )
        if budget is not None and budget != proposal.designated_budget:
            site_amend(
                actor=factories.actor_for(Role.KECAMATAN, rt.kelurahan.kecamatan),
                proposal=proposal,
                field="budget",
                new_value=str(budget),
                reason="Anggaran lokasi disesuaikan dengan hasil survei harga.",
            )
            proposal.refresh_from_db()
        return proposal

    return make


def _designated_by_orm(world, *, budget, rab, rt, state):
    proposal = Proposal.objects.create(
        fiscal_year=world.fiscal_year,
        rt=rt,
        kelurahan=rt.kelurahan,
        title="Rabat beton gang Melati",
        work_type=world.work_type,
        location_description="Gang Melati",
        planned_volume=Decimal("50"),
        planned_width=Decimal("1.5"),
        state=state,
    )
    for i, (material, unit, qty, price) in enumerate(rab):
        RABLine.objects.create(
            proposal=proposal,
            material=material,
            unit=unit,
            quantity=qty,
            unit_price=price,
            position=i,
        )
    proposal.designated_budget = budget if budget is not None else proposal.rab_total
    proposal.save(update_fields=["designated_budget"])
    return proposal


def photo(name="kirim.jpg", size=(64, 48)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (180, 120, 60)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


# "Rabat beton per 100 m, lebar 1,5 m": what width changes, and the formwork that it does not.
RABAT_TEMPLATE = [
    # material, quantity per 100 m at 1.5 m, scales with the width
    ("Semen Portland 50 kg", Decimal("98"), True),
    ("Pasir cor", Decimal("8.1"), True),
    ("Batu split 2/3", Decimal("11.4"), True),
    ("Papan cor 2x20x400 cm", Decimal("25"), False),
]


@pytest.fixture
def rabat_template(world):
    """The year's rabat beton template, built through the service as Bappeda."""
    from procurement import services

    return services.rab_template_create(
        fiscal_year=world.fiscal_year,
        work_type=world.work_type,
        name="Rabat beton tebal 10 cm",
        base_volume=Decimal("100"),
        base_width=Decimal("1.5"),
        lines=[
            services.TemplateLineInput(world.materials[name], quantity, scales)
            for name, quantity, scales in RABAT_TEMPLATE
        ],
        actor=world.users["bappeda"],
    )
