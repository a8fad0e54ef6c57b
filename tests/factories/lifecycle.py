"""Factories for the lifecycle, each state reached through the real services.

    proposal = ProposalFactory(state="in_progress", rt=rt)

creates a Musrenbang entry, starts the proposal from it as the RT's Ketua RT, writes its RAB,
uploads its documents, submits it, has the kelurahan and the kecamatan verify it (checklists
ticked), issues an SK Camat designating it, orders and receives its materials, records and
confirms the BAST and records a work day: every step leaves the transition log and audit rows
the real users leave. `advance(proposal, "completed")` takes an existing proposal further.

The actors are the area's own users (the first one of the role, as a world made them), or new
ones when the area has none. Two things a walk needs are set up when missing, as Bappeda would:
the kecamatan's budget envelope (through `budgets.services.envelope_set`) and a shop in the
kelurahan. A year that is no longer open (verification, execution) is opened for the moment a
proposal is created and submitted, and put back: proposals are only made in an open year, and
a test of a later stage needs one made then.
"""

import io
from contextlib import contextmanager
from datetime import date
from decimal import Decimal

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.utils import timezone
from PIL import Image

from bangkit.models import FiscalYear, Kecamatan, Role, User
from budgets import services as budget_services
from budgets.models import BudgetEnvelope
from procurement import services as procurement_services
from procurement.models import Handover, PurchaseOrder, Supplier
from proposals import resident_usulan as ru
from proposals import services as proposal_services
from proposals.models import MusrenbangEntry, Proposal
from proposals.rules import STAGE_OWNER
from proposals.states import State
from reporting import selectors as reporting_selectors
from reporting import services as reporting_services
from reporting.models import REQUIRED_STAGES
from tests.factories import (
    FiscalYearFactory,
    KelurahanFactory,
    RTFactory,
    WorkTypeFactory,
    make_user,
    pdf_bytes,
)
from verification.decrees import services as decree_services
from verification.models import Decree

# The main road, in order; every other state branches off it (see SIDE_STATES).
PATH = [
    State.DRAFT,
    State.SUBMITTED,
    State.KELURAHAN_VERIFIED,
    State.KECAMATAN_VERIFIED,
    State.DESIGNATED,
    State.PROCUREMENT,
    State.MATERIALS_RECEIVED,
    State.IN_PROGRESS,
    State.REPORTED,
    State.COMPLETED,
]
# state: (the state it branches from, the transition, who takes it)
SIDE_STATES = {
    State.REJECTED: (State.SUBMITTED, "reject", Role.KELURAHAN),
    State.DEFERRED: (State.KECAMATAN_VERIFIED, "defer", Role.KECAMATAN),
}
# Attachments the FiscalYearFactory requires before submission: kind → how many.
COMPLETE_DOCUMENTS = {"proposal_letter": 1, "site_photo": 2, "attendance": 1}
# Rp 7.500.000 + Rp 2.500.000 = Rp 10.000.000: well under every tier.
DEFAULT_RAB = [
    ("Semen 50 kg", "sak", Decimal("100"), 75_000),
    ("Pasir", "m³", Decimal("10"), 250_000),
]
ENVELOPE = 1_000_000_000
REASON = "Alasan tertulis untuk uji: keputusan diambil setelah pemeriksaan lapangan."
JUSTIFICATION = "Tidak ada di katalog atau tanpa harga acuan; harga survei tiga toko setempat."


# --- who acts --------------------------------------------------------------------------------


def actor_for(role: str, area=None) -> User:
    """The area's first active user of `role` (Bappeda: anyone's), or a new one."""
    users = User.objects.filter(role=role, is_active=True)
    field = User.AREA_FIELD.get(role)
    if field and area is not None:
        users = users.filter(**{field: area})
    user = users.order_by("pk").first()
    return user or make_user(role, area)


def _rt_user(proposal):
    return actor_for(Role.RT, proposal.rt)


def _lurah(proposal):
    return actor_for(Role.KELURAHAN, proposal.kelurahan)


def _camat(proposal):
    return actor_for(Role.KECAMATAN, proposal.kelurahan.kecamatan)


def _name(user) -> str:
    return user.get_full_name() or user.username


# --- files -----------------------------------------------------------------------------------


def _pdf(name="berkas.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")


def _jpeg(name="foto.jpg", colour=(180, 120, 60), size=(64, 48)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def _progress_photo(proposal, stage: int) -> SimpleUploadedFile:
    from demo.seeders.reporting import site_photo

    data = site_photo(f"{proposal.code}-{stage}", stage, size=(320, 240))
    return SimpleUploadedFile(f"foto-{stage}.jpg", data, content_type="image/jpeg")


@contextmanager
def _year_as(fiscal_year: FiscalYear, wanted: str, *, only_from=None):
    """The year in status `wanted` for a moment (only if it is in `only_from`), then back."""
    status = FiscalYear.objects.values_list("status", flat=True).get(pk=fiscal_year.pk)
    if status == wanted or (only_from is not None and status not in only_from):
        yield
        return
    FiscalYear.objects.filter(pk=fiscal_year.pk).update(status=wanted)
    try:
        yield
    finally:
        FiscalYear.objects.filter(pk=fiscal_year.pk).update(status=status)
        fiscal_year.status = status


def _year_open(fiscal_year: FiscalYear):
    """Proposals are made and submitted in an open year: open it for that moment only."""
    return _year_as(fiscal_year, FiscalYear.Status.OPEN)


def _year_not_closed(fiscal_year: FiscalYear):
    """A closed year's history happened while it ran: walk it as a year in execution."""
    closed = [FiscalYear.Status.CLOSED]
    return _year_as(fiscal_year, FiscalYear.Status.EXECUTION, only_from=closed)


def _ticked(proposal, stage) -> dict:
    items = proposal.fiscal_year.checklist_items.filter(stage=stage)
    return {str(pk): True for pk in items.values_list("pk", flat=True)}


# --- plain records (no state of their own) ---------------------------------------------------


def resident_usulan(rt, *, nik: str, title: str = "Rabat beton Gang Mawar", **fields):
    """A resident's usulan for ``rt`` sent through the real service (as /usul/ sends it)."""
    fields = {"location_text": "Gg. Mawar", "problem": "Becek", **fields}
    return ru.usulan_submit(
        data=ru.UsulanInput(kelurahan=rt.kelurahan, rt=rt, title=title, **fields), nik=nik
    )


class MusrenbangEntryFactory(factory.django.DjangoModelFactory):
    """An imported Musrenbang entry of an RT: the data a proposal starts from."""

    class Meta:
        model = MusrenbangEntry

    rt = factory.SubFactory(RTFactory)
    kelurahan = factory.SelfAttribute("rt.kelurahan")
    year = 2026
    source_id = factory.Sequence(lambda n: f"UJI-F{n:05d}")
    title = "Semenisasi gang Melati"
    work_type = factory.SubFactory(WorkTypeFactory)
    location_text = "Gang Melati"
    volume = Decimal("100")
    estimated_cost = 45_000_000


class SupplierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Supplier

    name = factory.Sequence(lambda n: f"TB Uji {n}")
    owner_name = factory.LazyAttribute(lambda o: f"Pemilik {o.name}")
    address = "Jl. Uji No. 1"
    kelurahan = factory.SubFactory(KelurahanFactory)


def ensure_envelope(fiscal_year: FiscalYear, kecamatan: Kecamatan, *, amount: int = ENVELOPE):
    """The kecamatan's envelope for the year, set by Bappeda if there is none yet."""
    envelope = BudgetEnvelope.objects.filter(
        fiscal_year=fiscal_year, kecamatan=kecamatan, kelurahan__isnull=True
    ).first()
    if envelope is not None:
        return envelope
    return budget_services.envelope_set(
        actor=actor_for(Role.BAPPEDA),
        fiscal_year=fiscal_year,
        kecamatan=kecamatan,
        amount=amount,
        note="Pagu uji",
    )


# --- the steps -------------------------------------------------------------------------------


def _transition(proposal, action, role, *, note="", stage=None):
    actor = {Role.RT: _rt_user, Role.KELURAHAN: _lurah, Role.KECAMATAN: _camat}[role](proposal)
    return proposal_services.proposal_transition(
        proposal=proposal,
        actor=actor,
        action=action,
        note=note,
        checklist=_ticked(proposal, stage) if stage else None,
    )


def _submit(proposal, **_):
    with _year_open(proposal.fiscal_year):
        return _transition(proposal, "submit", Role.RT)


def _verify_kelurahan(proposal, **_):
    return _transition(proposal, "verify_kelurahan", Role.KELURAHAN, stage="kelurahan")


def _verify_kecamatan(proposal, **_):
    return _transition(proposal, "verify_kecamatan", Role.KECAMATAN, stage="kecamatan")


def _designate(proposal, *, decree_date=None, **_):
    designate([proposal], decree_date=decree_date)
    return proposal


def _order(proposal, *, supplier=None, **_):
    PurchaseOrderFactory(proposal=proposal, supplier=supplier)
    return proposal


def _receive(proposal, *, paid=False, bast_on_paper=False, **_):
    lurah = _lurah(proposal)
    for order in proposal.purchase_orders.filter(state=PurchaseOrder.State.ISSUED):
        deliver(order)
        if paid and order.payments.count() == 0:
            pay(order)
    rt_user = _rt_user(proposal)
    handover = procurement_services.handover_record(
        proposal=proposal,
        actor=lurah,
        handover_date=timezone.localdate(),
        place=f"Lokasi kegiatan, {proposal.kelurahan.name}",
        first_party_name=_name(lurah),
        first_party_position=f"Lurah {proposal.kelurahan.name}",
        second_party_name=_name(rt_user),
        second_party_position=f"Ketua {proposal.rt.label}",
        signed_on_paper=bast_on_paper,
        paper_scan=_pdf("bast.pdf") if bast_on_paper else None,
    )
    if not bast_on_paper:
        procurement_services.handover_confirm_by_rt(handover=handover, actor=rt_user)
    return proposal


def _start_work(proposal, *, work_date=None, **_):
    reporting_services.work_day_add(
        proposal=proposal,
        actor=_rt_user(proposal),
        date=work_date or timezone.localdate(),
        men=6,
        women=4,
        activity="Gotong-royong pengecoran",
    )
    return proposal


def copies_made():
    """Run the background tasks the uploads inside enqueue on commit (their copies), as the
    worker would once they committed: a test's transaction never commits."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def _report(proposal, **_):
    rt_user = _rt_user(proposal)
    for stage in REQUIRED_STAGES:
        with copies_made():
            reporting_services.photo_add(
                proposal=proposal,
                actor=rt_user,
                stage=stage,
                upload=_progress_photo(proposal, stage),
            )
    usage = {
        (line.description, line.unit): reporting_services.UsageInput(used=line.delivered)
        for line in reporting_selectors.delivered_materials(proposal)
    }
    reporting_services.report_save(
        proposal=proposal, actor=rt_user, realised_volume=proposal.planned_volume, usage=usage
    )
    return reporting_services.report_submit(proposal=proposal, actor=rt_user)


def _accept(proposal, **_):
    items = reporting_selectors.report_checklist(proposal)
    return reporting_services.report_accept(
        proposal=proposal,
        actor=_lurah(proposal),
        checklist={str(item.pk): True for item in items},
    )


# state → the step that leaves it for the next state on PATH
STEPS = {
    State.DRAFT: _submit,
    State.SUBMITTED: _verify_kelurahan,
    State.KELURAHAN_VERIFIED: _verify_kecamatan,
    State.KECAMATAN_VERIFIED: _designate,
    State.DESIGNATED: _order,
    State.PROCUREMENT: _receive,
    State.MATERIALS_RECEIVED: _start_work,
    State.IN_PROGRESS: _report,
    State.REPORTED: _accept,
}


def advance(proposal: Proposal, state: str, *, cancelled_from: str | None = None, **options):
    """Move `proposal` forward to `state` through the services, one step at a time.

    Options reach the steps: `decree_date`, `supplier`, `paid` (pay each order in full),
    `bast_on_paper` (the BAST signed on paper, else confirmed by the Ketua RT), `work_date`.
    A cancelled proposal is cancelled by its stage's owner from `cancelled_from` (draft).
    """
    state = State(state)
    proposal = _refreshed(proposal)  # a stale object must not walk a step twice
    if state == State.CANCELLED:
        proposal = advance(proposal, cancelled_from or State.DRAFT, **options)
        owner = STAGE_OWNER[proposal.state]
        return _refreshed(_transition(proposal, "cancel", owner, note=REASON))
    if state in SIDE_STATES:
        source, action, role = SIDE_STATES[state]
        proposal = advance(proposal, source, **options)
        return _refreshed(_transition(proposal, action, role, note=REASON))
    target = PATH.index(state)
    while PATH.index(State(proposal.state)) < target:
        with _year_not_closed(proposal.fiscal_year):
            proposal = _refreshed(STEPS[proposal.state](proposal, **options))
    if proposal.state != state:
        raise ValueError(f"{proposal} is already {proposal.state}, past {state}")
    return proposal


def _refreshed(proposal: Proposal) -> Proposal:
    return Proposal.objects.select_related("fiscal_year", "rt", "kelurahan__kecamatan").get(
        pk=proposal.pk
    )


# --- the factories ---------------------------------------------------------------------------


class ProposalFactory(factory.Factory):
    """A proposal of `rt` walked to `state` (draft by default) through the services.

    `rab` is a list of (material, unit, quantity, unit price), `documents` {kind: count} (only
    while a draft: a submission refuses a proposal without them). Any other keyword is a
    proposal field the Ketua RT fills in (title, planned_volume, people_benefiting…), or an
    option of `advance`.
    """

    class Meta:
        model = Proposal

    rt = factory.SubFactory(RTFactory)
    fiscal_year = factory.SubFactory(FiscalYearFactory)
    work_type = factory.SubFactory(WorkTypeFactory)
    state = State.DRAFT
    title = "Rabat beton gang Kenanga"
    location_description = "Gang Kenanga, dari masjid sampai ujung"
    planned_volume = Decimal("120")
    planned_width = Decimal("1.50")
    households_benefiting = 40
    rab = DEFAULT_RAB
    documents = COMPLETE_DOCUMENTS
    entry = None

    @classmethod
    def _create(cls, model_class, *, rt, fiscal_year, state, rab, documents, entry, **fields):
        options = {
            name: fields.pop(name)
            for name in ("decree_date", "supplier", "paid", "bast_on_paper", "work_date")
            if name in fields
        }
        cancelled_from = fields.pop("cancelled_from", None)
        unknown = set(fields) - set(proposal_services.PROPOSAL_FIELDS)
        if unknown:
            raise TypeError(f"ProposalFactory: unknown fields {sorted(unknown)}")
        rt_user = actor_for(Role.RT, rt)
        if entry is None:
            entry = MusrenbangEntryFactory(
                rt=rt,
                year=fiscal_year.year,
                work_type=fields["work_type"],
                title=fields["title"],
                location_text=fields["location_description"],
            )
        with _year_open(fiscal_year):
            proposal = proposal_services.proposal_create_from_entry(
                entry=entry, actor=rt_user, **fields
            )
            if rab:
                proposal = proposal_services.proposal_update(
                    proposal=proposal,
                    actor=rt_user,
                    data={},
                    rab_lines=[
                        proposal_services.RABInput(material, unit, Decimal(qty), price)
                        for material, unit, qty, price in rab
                    ],
                )
            for kind, count in (documents or {}).items():
                for number in range(count):
                    upload = (
                        _jpeg(f"foto-lokasi-{number + 1}.jpg", (90 + 40 * number, 120, 60))
                        if kind == "site_photo"
                        else _pdf(f"{kind}.pdf")
                    )
                    with copies_made():
                        proposal_services.attachment_add(
                            proposal=proposal, actor=rt_user, kind=kind, upload=upload
                        )
        return advance(_refreshed(proposal), state, cancelled_from=cancelled_from, **options)


def designate(proposals, *, decree_date: date | None = None) -> Decree:
    """One SK Camat issued for `proposals` (verified, of one kecamatan and year)."""
    return DecreeFactory(proposals=proposals, decree_date=decree_date)


class DecreeFactory(factory.Factory):
    """An SK Camat for `proposals` (kecamatan-verified, one kecamatan and year) drafted and,
    unless `issued=False`, issued by the Camat: the proposals are then designated."""

    class Meta:
        model = Decree

    proposals = factory.LazyFunction(list)
    issued = True
    decree_date = None

    @classmethod
    def _create(cls, model_class, *, proposals, issued, decree_date):
        proposals = [_refreshed(p) for p in proposals]
        if not proposals:
            raise ValueError("DecreeFactory needs the proposals it designates")
        first = proposals[0]
        kecamatan, fiscal_year = first.kelurahan.kecamatan, first.fiscal_year
        camat = actor_for(Role.KECAMATAN, kecamatan)
        ensure_envelope(fiscal_year, kecamatan)
        decree = decree_services.decree_create_draft(
            actor=camat, kecamatan=kecamatan, fiscal_year=fiscal_year, proposals=proposals
        )
        if issued:
            decree = decree_services.decree_issue(
                actor=camat, decree=decree, decree_date=decree_date
            )
        return decree


def _order_inputs(order, *, justify: bool):
    return [
        procurement_services.OrderLineInput(
            material=line.material,
            description=line.description,
            unit=line.unit,
            quantity=line.quantity,
            unit_price=line.unit_price,
            justification=line.justification or (JUSTIFICATION if justify else ""),
            rab_line_id=line.rab_line_id,
        )
        for line in order.lines.select_related("material")
    ]


class PurchaseOrderFactory(factory.Factory):
    """A purchase order for a designated proposal, from what its RAB still needs, drafted and,
    unless `issued=False`, issued by the kelurahan (a line outside the catalogue or above its
    reference price carries a written reason)."""

    class Meta:
        model = PurchaseOrder

    proposal = None
    supplier = None
    issued = True

    @classmethod
    def _create(cls, model_class, *, proposal, supplier, issued):
        proposal = _refreshed(proposal)
        lurah = _lurah(proposal)
        if supplier is None:
            supplier = (
                Supplier.objects.filter(kelurahan=proposal.kelurahan, active=True)
                .order_by("pk")
                .first()
            ) or SupplierFactory(kelurahan=proposal.kelurahan)
        order = procurement_services.order_create_from_rab(
            proposal=proposal, actor=lurah, supplier=supplier
        )
        if procurement_services.issue_problems(order):
            order = procurement_services.order_update(
                order=order,
                actor=lurah,
                supplier=supplier,
                lines=_order_inputs(order, justify=True),
                supplier_reason=JUSTIFICATION if order.is_outside_kecamatan else "",
                delivery_address=order.delivery_address,
            )
        if issued:
            order = procurement_services.order_issue(order=order, actor=lurah)
        return order


def deliver(order: PurchaseOrder, *, delivered_on: date | None = None):
    """Everything still missing from an issued order arrives today, accepted in full (None if
    nothing is missing)."""
    from procurement import selectors

    proposal = order.proposal
    quantities = {
        line.pk: (line.shortfall, Decimal("0"))
        for line in selectors.order_lines_with_progress(order)
        if line.shortfall > 0
    }
    if not quantities:
        return None
    return procurement_services.delivery_record(
        order=order,
        actor=_lurah(proposal),
        delivered_on=delivered_on or timezone.localdate(),
        received_by_name=proposal.rt.head_name or _name(_rt_user(proposal)),
        quantities=quantities,
        photo=_jpeg("kirim.jpg"),
    )


def pay(order: PurchaseOrder, *, amount: int | None = None):
    """The order paid in full (or `amount`), today, against one invoice."""
    return procurement_services.payment_record(
        order=order,
        actor=_lurah(order.proposal),
        invoice_number=f"INV-{order.pk}-{order.payments.count() + 1}",
        amount=order.total if amount is None else amount,
        paid_on=timezone.localdate(),
        reference=f"SP2D {order.pk}",
    )


def handover_of(proposal: Proposal) -> Handover | None:
    return Handover.objects.filter(proposal=proposal).first()
