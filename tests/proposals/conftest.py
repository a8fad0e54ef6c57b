"""Fixtures for proposal tests: a small two-kecamatan world, its users, proposals walked
through the services (or ORM rows where the services cannot, or should not, make them)."""

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max

from bangkit.models import RT, AuditEvent, FiscalYear, Kecamatan, Kelurahan, Role, User, WorkType
from proposals.models import Attachment, MusrenbangEntry, Proposal, RABLine, TransitionLog
from proposals.services import PROPOSAL_FIELDS
from tests import factories

# Attachments the FiscalYearFactory requires before submission, and a RAB of Rp 10.000.000.
COMPLETE_DOCUMENTS = factories.COMPLETE_DOCUMENTS
DEFAULT_RAB = factories.DEFAULT_RAB
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


# The states make_proposal walks to through the services. From the SK Camat on, a proposal
# stays an ORM row here: these tests are about the proposal's own state, and the rules
# matrices would otherwise issue hundreds of SKs, orders and reports (about 1 s each).
WALKED_STATES = {
    "draft",
    "submitted",
    "kelurahan_verified",
    "kecamatan_verified",
    "rejected",
    "deferred",
    "cancelled",
}


def _walkable(world, state, rt, documents, rab, fields) -> bool:
    """Whether the services can make this proposal (else the test is about what they refuse)."""
    if state not in WALKED_STATES or not set(fields) <= set(PROPOSAL_FIELDS):
        return False
    if state in ("draft", "cancelled"):
        return True
    complete = all((documents or {}).get(k, 0) >= n for k, n in COMPLETE_DOCUMENTS.items())
    total = sum(int(Decimal(qty) * price) for _, _, qty, price in rab or [])
    ceiling = world.fiscal_year.ceiling_for(rt.households)
    return complete and 0 < total <= (ceiling or 0)


# Where the log and the audit trail stood when each proposal was made (walked or not): its
# walk writes rows of its own, and a test sees only those written after it (new_logs…).
_MADE_AT: dict[int, tuple[int, int]] = {}


def _mark(proposal: Proposal) -> Proposal:
    _MADE_AT[proposal.pk] = (
        TransitionLog.objects.aggregate(m=Max("pk"))["m"] or 0,
        AuditEvent.objects.aggregate(m=Max("pk"))["m"] or 0,
    )
    return proposal


def new_logs(proposal: Proposal):
    """The transition log rows written since `proposal` was made by make_proposal."""
    return TransitionLog.objects.filter(pk__gt=_MADE_AT[proposal.pk][0])


def new_audits(proposal: Proposal):
    """The audit rows written since `proposal` was made by make_proposal."""
    return AuditEvent.objects.filter(pk__gt=_MADE_AT[proposal.pk][1])


@pytest.fixture
def make_proposal(world):
    """A proposal in any state; complete documents and RAB by default.

    Walked through the services (tests.factories.ProposalFactory) up to the kecamatan's
    verification, rejected, deferred or cancelled (by the Ketua RT, from the draft). An ORM
    row (fast) for a later state, a state the services refuse to reach with these documents
    or RAB, or `orm=True` (a test of what the database itself refuses): its documents share
    one small stored file and are inserted in one query.
    """

    def make(
        state="draft",
        *,
        rt=None,
        documents=COMPLETE_DOCUMENTS,
        rab=DEFAULT_RAB,
        entry=None,
        orm=False,
        **fields,
    ) -> Proposal:
        rt = rt or world.rt
        if not orm and _walkable(world, state, rt, documents, rab, fields):
            values = {
                "title": "Rabat beton gang Kenanga",
                "work_type": world.work_type,
                "location_description": "Gang Kenanga, dari masjid sampai ujung",
                "planned_volume": Decimal("120"),
                "planned_width": Decimal("1.50"),
                "households_benefiting": 40,
            }
            values.update(fields)
            return _mark(
                factories.ProposalFactory(
                    rt=rt,
                    fiscal_year=world.fiscal_year,
                    state=state,
                    documents=documents,
                    rab=rab,
                    entry=entry,
                    **values,
                )
            )
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
        return _mark(proposal)

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
