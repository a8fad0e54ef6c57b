"""What waits for each user: the actions their role takes next, across every stage, oldest first.

The selector of the home page's to-do list and the menu's counts. It reads every stage (the
proposal, decrees, purchases, the BAST, the report), so it lives in the top app; every read
starts from the stage's own `visible_to(user)`, so it is scoped to the user's area. Each kind
of action is one queryset, used both for the list and for the counts, so the two always agree.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, F, Max, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.urls import reverse

from bangkit.models import Role
from bangkit.queries import counts_at_once
from procurement.models import Delivery, Handover, PurchaseOrder, PurchaseOrderLine
from procurement.selectors import delivered_per_line
from proposals.models import Proposal, State, Transition
from reporting.models import CompletionReport
from verification.models import Decree

# The steps that send something back with a reason the user is to act on.
SENT_BACK = (Transition.RETURN_FOR_REVISION, Transition.RETURN_REPORT)

# How many items of each kind the home page lists; the count in the heading is the real total.
LIST_LIMIT = 20


@dataclass(frozen=True)
class Todo:
    kind: str
    action: str  # what to do, in the user's words
    subject: str  # what it is about (a proposal's title, an order's number)
    code: str  # the proposal's tracking code, when there is one
    url: str  # where the action is done
    since: datetime | None  # waiting since
    note: str = ""  # the reason given, when something was sent back


@dataclass(frozen=True)
class Kind:
    name: str
    role: str
    section: str  # the menu entry (URL name) whose count includes this kind
    action: str
    rows: Callable[[object], QuerySet]  # the user's rows, annotated with `waiting_since`
    item: Callable[[object], Todo]


# --- The rows of each kind ---------------------------------------------------------------------


def _proposals(user, *states) -> QuerySet:
    """The user's proposals in `states`, waiting since their latest logged step."""
    return (
        Proposal.objects.visible_to(user)
        .filter(state__in=states)
        .select_related("rt", "kelurahan")
        .with_last_step()
        .annotate(waiting_since=Coalesce("last_step_at", "updated_at"))
    )


def _returned(user) -> QuerySet:
    return _proposals(user, State.DRAFT).filter(last_transition=Transition.RETURN_FOR_REVISION)


def _waiting(model, user, condition: Q, *, since: str, related: str) -> QuerySet:
    """The user's rows of ``model`` meeting ``condition``, waiting since their field ``since``."""
    return (
        model.objects.visible_to(user)
        .filter(condition)
        .select_related(related)
        .annotate(waiting_since=F(since))
    )


def _handovers_to_confirm(user) -> QuerySet:
    mine = Q(state=Handover.State.AWAITING_RT, proposal__rt_id=user.rt_id)
    return _waiting(Handover, user, mine, since="recorded_at", related="proposal")


def _designated_without_order(user) -> QuerySet:
    live_orders = PurchaseOrder.objects.filter(proposal=OuterRef("pk")).exclude(
        state=PurchaseOrder.State.CANCELLED
    )
    return _proposals(user, State.DESIGNATED).filter(~Exists(live_orders))


def _orders(user, state) -> QuerySet:
    return (
        PurchaseOrder.objects.visible_to(user)
        .filter(state=state)
        .select_related("proposal", "supplier")
    )


def _draft_orders(user) -> QuerySet:
    return _orders(user, PurchaseOrder.State.DRAFT).annotate(waiting_since=F("created_at"))


def _short_lines(**outer):
    """Order lines (tied to the outer row by ``outer``) of which not everything has arrived."""
    return (
        PurchaseOrderLine.objects.filter(**outer)
        .annotate(arrived=delivered_per_line())
        .filter(arrived__lt=F("quantity"))
    )


def _orders_awaiting_delivery(user) -> QuerySet:
    return (
        _orders(user, PurchaseOrder.State.ISSUED)
        .filter(proposal__state=State.PROCUREMENT)
        .filter(Exists(_short_lines(order=OuterRef("pk"))))
        .annotate(waiting_since=F("issued_at"))
    )


def _ready_for_handover(user) -> QuerySet:
    """Everything ordered has arrived, and no BAST yet."""
    issued = PurchaseOrder.objects.filter(proposal=OuterRef("pk"), state=PurchaseOrder.State.ISSUED)
    short = _short_lines(order__proposal=OuterRef("pk"), order__state=PurchaseOrder.State.ISSUED)
    last_delivery = (
        Delivery.objects.filter(
            order__proposal=OuterRef("pk"), order__state=PurchaseOrder.State.ISSUED
        )
        .order_by()
        .values("order__proposal")
        .annotate(at=Max("recorded_at"))
        .values("at")[:1]
    )
    return (
        Proposal.objects.visible_to(user)
        .filter(state=State.PROCUREMENT, handover__isnull=True)
        .filter(Exists(issued), ~Exists(short))
        .select_related("rt", "kelurahan")
        .annotate(waiting_since=Coalesce(last_delivery, "updated_at"))
    )


def _reports_to_countersign(user) -> QuerySet:
    return (
        CompletionReport.objects.filter(
            proposal__in=Proposal.objects.visible_to(user).filter(state=State.COMPLETED),
            countersigned_at__isnull=True,
        )
        .select_related("proposal")
        .annotate(waiting_since=F("accepted_at"))
    )


def _draft_decrees(user) -> QuerySet:
    drafts = Q(state=Decree.State.DRAFT, kecamatan_id=user.kecamatan_id)
    return _waiting(Decree, user, drafts, since="created_at", related="fiscal_year")


def _orders_to_acknowledge(user) -> QuerySet:
    return (
        _orders(user, PurchaseOrder.State.ISSUED)
        .filter(confirmed_at__isnull=True)
        .annotate(waiting_since=F("issued_at"))
    )


def _deliveries_to_acknowledge(user) -> QuerySet:
    unconfirmed = Q(supplier_confirmed_at__isnull=True) & ~Q(
        order__state=PurchaseOrder.State.CANCELLED
    )
    return _waiting(Delivery, user, unconfirmed, since="recorded_at", related="order__proposal")


# --- Each kind as an item ----------------------------------------------------------------------


def _proposal_item(kind: str, action: str, url_name: str, anchor: str = "", by_pk=False):
    def item(p) -> Todo:
        arg = p.pk if by_pk else p.code
        note = ""
        if getattr(p, "last_transition", None) in SENT_BACK:
            note = p.last_note or ""
        return Todo(
            kind=kind,
            action=action,
            subject=p.title,
            code=p.code,
            url=reverse(url_name, args=[arg]) + anchor,
            since=p.waiting_since,
            note=note,
        )

    return item


def _about_proposal(kind: str, action: str, url: Callable[[object], str], via: str = "proposal"):
    """An item of a row that belongs to a proposal (`row.proposal`, or the path `via`)."""

    def item(row) -> Todo:
        proposal = row
        for name in via.split("."):
            proposal = getattr(proposal, name)
        return Todo(
            kind=kind,
            action=action,
            subject=proposal.title,
            code=proposal.code,
            url=url(row),
            since=row.waiting_since,
        )

    return item


def _order_item(kind: str, action: str, url_name: str):
    def item(order) -> Todo:
        number = order.number or f"draf #{order.pk}"
        return Todo(
            kind=kind,
            action=action,
            subject=f"Surat pesanan {number} · {order.supplier.name} · {order.proposal.title}",
            code=order.proposal.code,
            url=reverse(url_name, args=[order.pk]),
            since=order.waiting_since,
        )

    return item


def _decree_item(decree) -> Todo:
    return Todo(
        kind="decree_issue",
        action="Tetapkan SK Camat",
        subject=f"Draf {decree.title} tahun {decree.fiscal_year.year}",
        code="",
        url=reverse("verification:decree_detail", args=[decree.public_id]),
        since=decree.waiting_since,
    )


KINDS = [
    # Ketua RT
    Kind(
        "returned",
        Role.RT,
        "proposals:list",
        "Perbaiki usulan yang dikembalikan",
        _returned,
        _proposal_item(
            "returned", "Perbaiki usulan yang dikembalikan, lalu ajukan lagi", "flow:resume"
        ),
    ),
    Kind(
        "handover_confirm",
        Role.RT,
        "procurement:index",
        "Konfirmasi BAST material",
        _handovers_to_confirm,
        _about_proposal(
            "handover_confirm",
            "Periksa material dan konfirmasi BAST",
            lambda h: reverse("procurement:handover", args=[h.proposal_id]) + "#konfirmasi",
        ),
    ),
    Kind(
        "work_record",
        Role.RT,
        "reporting:sites",
        "Catat pekerjaan",
        lambda user: _proposals(user, State.MATERIALS_RECEIVED),
        _proposal_item(
            "work_record", "Catat hari kerja, swadaya dan foto", "reporting:site", by_pk=True
        ),
    ),
    Kind(
        "report_finish",
        Role.RT,
        "reporting:sites",
        "Selesaikan laporan",
        lambda user: _proposals(user, State.IN_PROGRESS),
        _proposal_item(
            "report_finish",
            "Selesaikan dan ajukan laporan penyelesaian",
            "reporting:report",
            by_pk=True,
        ),
    ),
    # Kelurahan / Lurah
    Kind(
        "verify_kelurahan",
        Role.KELURAHAN,
        "proposals:list",
        "Verifikasi usulan",
        lambda user: _proposals(user, State.SUBMITTED),
        _proposal_item(
            "verify_kelurahan", "Verifikasi usulan", "proposals:detail", anchor="#keputusan"
        ),
    ),
    Kind(
        "order_create",
        Role.KELURAHAN,
        "procurement:index",
        "Buat surat pesanan",
        _designated_without_order,
        _proposal_item(
            "order_create", "Buat surat pesanan dari RAB", "procurement:proposal", by_pk=True
        ),
    ),
    Kind(
        "order_issue",
        Role.KELURAHAN,
        "procurement:index",
        "Terbitkan surat pesanan",
        _draft_orders,
        _order_item("order_issue", "Periksa dan terbitkan surat pesanan", "procurement:order"),
    ),
    Kind(
        "delivery_record",
        Role.KELURAHAN,
        "procurement:index",
        "Catat penerimaan material",
        _orders_awaiting_delivery,
        _order_item(
            "delivery_record", "Catat material yang diterima", "procurement:delivery_create"
        ),
    ),
    Kind(
        "handover_record",
        Role.KELURAHAN,
        "procurement:index",
        "Buat BAST",
        _ready_for_handover,
        _proposal_item(
            "handover_record",
            "Semua material diterima: buat BAST",
            "procurement:handover",
            by_pk=True,
        ),
    ),
    Kind(
        "report_review",
        Role.KELURAHAN,
        "reporting:sites",
        "Periksa laporan",
        lambda user: _proposals(user, State.REPORTED),
        _proposal_item(
            "report_review",
            "Periksa laporan penyelesaian",
            "reporting:review",
            anchor="#keputusan",
            by_pk=True,
        ),
    ),
    # Kecamatan / Camat
    Kind(
        "verify_kecamatan",
        Role.KECAMATAN,
        "proposals:list",
        "Verifikasi usulan",
        lambda user: _proposals(user, State.KELURAHAN_VERIFIED),
        _proposal_item(
            "verify_kecamatan", "Verifikasi usulan", "proposals:detail", anchor="#keputusan"
        ),
    ),
    Kind(
        "decree_issue",
        Role.KECAMATAN,
        "verification:decree_list",
        "Tetapkan SK Camat",
        _draft_decrees,
        _decree_item,
    ),
    Kind(
        "countersign",
        Role.KECAMATAN,
        "reporting:sites",
        "Ketahui laporan",
        _reports_to_countersign,
        _about_proposal(
            "countersign",
            "Ketahui (tanda tangani) laporan yang diterima kelurahan",
            lambda r: reverse("reporting:review", args=[r.proposal_id]) + "#ketahui",
        ),
    ),
    # Toko bangunan
    Kind(
        "order_acknowledge",
        Role.TOKO,
        "procurement:index",
        "Konfirmasi pesanan",
        _orders_to_acknowledge,
        _order_item("order_acknowledge", "Konfirmasi surat pesanan", "procurement:order"),
    ),
    Kind(
        "delivery_acknowledge",
        Role.TOKO,
        "procurement:index",
        "Konfirmasi pengiriman",
        _deliveries_to_acknowledge,
        _about_proposal(
            "delivery_acknowledge",
            "Konfirmasi pengiriman yang dicatat kelurahan",
            lambda d: reverse("procurement:order", args=[d.order_id]),
            via="order.proposal",
        ),
    ),
]


def kinds_for(user) -> list[Kind]:
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    return [kind for kind in KINDS if kind.role == user.role]


def todo_list(user) -> list[Todo]:
    """Everything waiting for the user, oldest first (at most LIST_LIMIT of each kind)."""
    items = []
    for kind in kinds_for(user):
        rows = kind.rows(user).order_by(F("waiting_since").asc(nulls_last=True), "pk")
        items.extend(kind.item(row) for row in rows[:LIST_LIMIT])
    return sorted(items, key=lambda t: (t.since is None, t.since or datetime.min))


def todo_counts(user) -> dict[str, int]:
    """How many actions of each kind wait for the user, in one query (no query for roles
    that have nothing to do)."""
    return counts_at_once({kind.name: kind.rows(user) for kind in kinds_for(user)})


def menu_counts(user, counts: dict[str, int] | None = None) -> dict[str, int]:
    """The counts per menu entry, keyed by the entry's URL, with the total on the home page's
    entry; entries with nothing waiting are left out."""
    counts = todo_counts(user) if counts is None else counts
    by_url: dict[str, int] = {}
    for kind in kinds_for(user):
        n = counts.get(kind.name, 0)
        if n:
            url = reverse(kind.section)
            by_url[url] = by_url.get(url, 0) + n
    total = sum(counts.values())
    if total:
        by_url[reverse("home")] = total
    return by_url
