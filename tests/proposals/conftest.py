"""Fixtures for proposal tests: a small two-kecamatan world, its users, proposals by ORM."""

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from bangkit.models import RT, FiscalYear, Kecamatan, Kelurahan, Role, User, WorkType
from proposals.models import Attachment, MusrenbangEntry, Proposal, RABLine
from tests import factories

# Attachments the FiscalYearFactory requires before submission: kind → how many.
COMPLETE_DOCUMENTS = {"proposal_letter": 1, "site_photo": 2, "attendance": 1}
# Rp 7.500.000 + Rp 2.500.000 = Rp 10.000.000: well under every tier.
DEFAULT_RAB = [
    ("Semen 50 kg", "sak", Decimal("100"), 75_000),
    ("Pasir", "m³", Decimal("10"), 250_000),
]
SMALL_PDF = factories.pdf_bytes()


@dataclass
class World:
    """Kecamatan A (kelurahan A1 with RT 1 and RT 2, kelurahan A2) and kecamatan B."""

    fiscal_year: FiscalYear
    work_type: WorkType
    kecamatan: Kecamatan
    kecamatan_other: Kecamatan
    kelurahan: Kelurahan
    kelurahan_other: Kelurahan
    rt: RT
    rt_other: RT
    users: dict[str, User] = field(default_factory=dict)


def build_world() -> World:
    fy = factories.FiscalYearFactory()
    kec = factories.KecamatanFactory(code="99.71.01", name="Kecamatan Uji A", slug="kec-a")
    kec_b = factories.KecamatanFactory(code="99.71.02", name="Kecamatan Uji B", slug="kec-b")
    kel = factories.KelurahanFactory(kecamatan=kec, name="Kelurahan A1", slug="kel-a1")
    kel_a2 = factories.KelurahanFactory(kecamatan=kec, name="Kelurahan A2", slug="kel-a2")
    kel_b1 = factories.KelurahanFactory(kecamatan=kec_b, name="Kelurahan B1", slug="kel-b1")
    rt = factories.RTFactory(kelurahan=kel, number=1, households=80)
    rt_2 = factories.RTFactory(kelurahan=kel, number=2, households=80)
    factories.RTFactory(kelurahan=kel_b1, number=1, households=80)
    mk = factories.make_user
    users = {
        "rt_own": mk(Role.RT, rt, username="rt-own", first_name="Ahmad", last_name="Hidayat"),
        "rt_other": mk(Role.RT, rt_2, username="rt-other"),
        "kelurahan_own": mk(
            Role.KELURAHAN, kel, username="lurah-own", first_name="Sri", last_name="Lubis"
        ),
        "kelurahan_other": mk(Role.KELURAHAN, kel_a2, username="lurah-other"),
        "kecamatan_own": mk(
            Role.KECAMATAN, kec, username="camat-own", first_name="Hasan", last_name="Rambe"
        ),
        "kecamatan_other": mk(Role.KECAMATAN, kec_b, username="camat-other"),
        "bappeda": mk(Role.BAPPEDA, username="bappeda"),
        "inspektorat": mk(Role.INSPEKTORAT, username="inspektorat"),
    }
    return World(
        fiscal_year=fy,
        work_type=factories.WorkTypeFactory(),
        kecamatan=kec,
        kecamatan_other=kec_b,
        kelurahan=kel,
        kelurahan_other=kel_a2,
        rt=rt,
        rt_other=rt_2,
        users=users,
    )


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker):
    """The same world built once per module, in a transaction rolled back afterwards.

    Each test still runs in its own savepoint (the `db` fixture), so tests stay isolated;
    only the ~50 inserts of the world are shared. Use it for large parametrized tests.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


def add_attachment(proposal, kind, user, content=SMALL_PDF, name="berkas.pdf"):
    """One attachment row with a real (small) stored file, without the upload checks."""
    return Attachment.objects.create(
        proposal=proposal,
        kind=kind,
        file=ContentFile(content, name=name),
        original_name=name,
        content_type="application/pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=user,
    )


def add_rab_lines(proposal, rab):
    lines = [
        RABLine(
            proposal=proposal,
            material=material,
            unit=unit,
            quantity=quantity,
            unit_price=price,
            position=position,
        )
        for position, (material, unit, quantity, price) in enumerate(rab)
    ]
    for line in lines:
        line.line_total = line.compute_total()
    RABLine.objects.bulk_create(lines)


@pytest.fixture
def make_proposal(world):
    """A proposal in any state, built by the ORM (fast); complete documents and RAB by default.

    The documents share one small stored file and are inserted in one query: the matrix
    builds hundreds of proposals and only their count matters to the guards.
    """

    def make(
        state="draft",
        *,
        rt=None,
        documents=COMPLETE_DOCUMENTS,
        rab=DEFAULT_RAB,
        entry=None,
        **fields,
    ) -> Proposal:
        rt = rt or world.rt
        values = {
            "fiscal_year": world.fiscal_year,
            "rt": rt,
            "kelurahan": rt.kelurahan,
            "title": "Rabat beton gang Kenanga",
            "work_type": world.work_type,
            "location_description": "Gang Kenanga, dari masjid sampai ujung",
            "planned_volume": Decimal("120"),
            "planned_width": Decimal("1.50"),
            "households_benefiting": 40,
            "state": state,
            "entry": entry,
        }
        values.update(fields)
        proposal = Proposal.objects.create(**values)
        if documents:
            stored = default_storage.save(
                f"proposals/{proposal.code}/berkas.pdf", ContentFile(SMALL_PDF)
            )
            Attachment.objects.bulk_create(
                Attachment(
                    proposal=proposal,
                    kind=kind,
                    file=stored,
                    original_name="berkas.pdf",
                    content_type="application/pdf",
                    size=len(SMALL_PDF),
                    sha256=hashlib.sha256(SMALL_PDF).hexdigest(),
                    uploaded_by=world.users["rt_own"],
                )
                for kind, count in documents.items()
                for _ in range(count)
            )
        if rab:
            add_rab_lines(proposal, rab)
        return proposal

    return make


@pytest.fixture
def make_entry(world):
    counter = {"n": 0}

    def make(**fields) -> MusrenbangEntry:
        counter["n"] += 1
        values = {
            "year": world.fiscal_year.year,
            "source_id": f"UJI-{counter['n']:04d}",
            "kelurahan": world.kelurahan,
            "rt": world.rt,
            "title": "Semenisasi gang Melati",
            "work_type": world.work_type,
            "location_text": "Gang Melati RT 01",
            "volume": Decimal("100"),
            "estimated_cost": 45_000_000,
        }
        values.update(fields)
        return MusrenbangEntry.objects.create(**values)

    return make


def checklist_for(proposal, stage) -> dict:
    """Every item of the year's checklist for `stage`, ticked."""
    items = proposal.fiscal_year.checklist_items.filter(stage=stage)
    return {str(pk): True for pk in items.values_list("pk", flat=True)}
