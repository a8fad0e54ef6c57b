"""Read queries behind the signed-in proposal screens, always scoped to the user."""

from dataclasses import dataclass, field

from django.db.models import Exists, F, OuterRef, Prefetch, Q, Subquery
from django.shortcuts import get_object_or_404

from bangkit.models import ChecklistItem, FiscalYear, Kelurahan, RequiredDocument, Role, WorkType
from bangkit.queries import REGION_HEAVY_FIELDS, counts_by, without_boundaries
from bangkit.years import year_numbers
from proposals.models import (
    Attachment,
    MusrenbangEntry,
    Proposal,
    State,
    TransitionLog,
)
from proposals.services import CHECKLIST_STAGE
from proposals.states import transition_label

DOCUMENT_KINDS = set(RequiredDocument.Kind.values)

# The state each office works through by default: its queue.
QUEUE_STATE = {
    Role.KELURAHAN: State.SUBMITTED,
    Role.KECAMATAN: State.KELURAHAN_VERIFIED,
}


@dataclass
class ProposalFilters:
    state: str = ""
    kelurahan: int | None = None
    work_type: int | None = None
    year: int | None = None
    q: str = ""


def queue_state_for(user) -> str:
    """The state a user's list opens on ('' for all states)."""
    return QUEUE_STATE.get(user.role, "")


def sees_kelurahan_filter(user) -> bool:
    return user.role == Role.KECAMATAN or user.is_city_wide


def proposal_list(*, user, filters: ProposalFilters):
    """The user's proposals matching the filters, ready for a list (no per-row queries)."""
    qs = _filtered(user, filters)
    if filters.state:
        qs = qs.filter(state=filters.state)
    return qs.for_lists().with_rab_total().with_last_step().order_by("-created_at", "-id")


def proposal_state_counts(*, user, filters: ProposalFilters) -> list[tuple[str, str, int]]:
    """(state, label, count) for every state, under all filters except the state itself."""
    counts = counts_by(_filtered(user, filters), "state")
    return [(value, label, counts.get(value, 0)) for value, label in State.choices]


def _filtered(user, filters: ProposalFilters):
    qs = Proposal.objects.visible_to(user)
    if filters.kelurahan:
        qs = qs.filter(kelurahan_id=filters.kelurahan)
    if filters.work_type:
        qs = qs.filter(work_type_id=filters.work_type)
    if filters.year:
        qs = qs.filter(fiscal_year__year=filters.year)
    q = filters.q.strip()
    if q:
        qs = qs.filter(Q(code__icontains=q) | Q(title__icontains=q))
    return qs


def filter_choices(user) -> dict:
    """Options of the list filters, limited to what the user may see."""
    kelurahan = []
    if sees_kelurahan_filter(user):
        kelurahan = list(
            without_boundaries(
                Kelurahan.objects.visible_to(user).select_related("kecamatan"), "kecamatan"
            )
            .defer(*REGION_HEAVY_FIELDS)
            .order_by("kecamatan__name", "name")
        )
    return {
        "kelurahan": kelurahan,
        "work_types": list(WorkType.objects.order_by("name")),
        "years": list(year_numbers()),
    }


def musrenbang_entries_for(user):
    """Musrenbang entries of years open for proposals, with support and any live proposal."""
    open_years = FiscalYear.objects.filter(status=FiscalYear.Status.OPEN).values("year")
    live = Proposal.objects.filter(entry=OuterRef("pk")).exclude(state=State.CANCELLED)
    return (
        MusrenbangEntry.objects.visible_to(user)
        .filter(year__in=open_years)
        .select_related("rt", "kelurahan", "work_type")
        .with_support_count()
        .annotate(
            live_code=Subquery(live.values("code")[:1]),
            live_state=Subquery(live.values("state")[:1]),
            live_returned=Exists(live.returned()),
        )
        .order_by("-year", F("priority").asc(nulls_last=True), "source_id")
    )


def proposal_detail(*, user, code: str) -> Proposal:
    """One proposal the user may see, with everything its pages show (404 otherwise)."""
    qs = (
        Proposal.objects.select_related(
            "rt",
            "kelurahan__kecamatan",
            "work_type",
            "fiscal_year",
            "entry",
            "created_by",
        )
        .prefetch_related(
            "rab_lines",
            Prefetch("attachments", queryset=Attachment.objects.order_by("kind", "uploaded_at")),
            Prefetch(
                "transitions",
                queryset=TransitionLog.objects.select_related("actor").order_by("created_at", "id"),
            ),
            "fiscal_year__ceiling_tiers",
            "fiscal_year__required_documents",
            "fiscal_year__checklist_items",
        )
        .with_rab_total()
    )
    return qs.get_visible_or_404(user, code=code)


@dataclass
class Receipt:
    proposal: Proposal
    submitted_at: object  # the latest submission, None before the first


def receipt_for(*, user, pk) -> Receipt:
    """What a proposal's receipt shows: a proposal the user may see (404 otherwise) and when
    it was last submitted."""
    proposal = Proposal.objects.for_lists().get_visible_or_404(user, pk=pk)
    submitted = (
        proposal.transitions.filter(transition="submit").order_by("-created_at", "-id").first()
    )
    return Receipt(proposal=proposal, submitted_at=submitted.created_at if submitted else None)


def entry_support_count(proposal: Proposal) -> int | None:
    if proposal.entry_id is None:
        return None
    return proposal.entry.supports.count()


def attachment_for(*, user, code: str, pk) -> Attachment:
    """One attachment of a proposal the user may see (404 for anything else)."""
    proposal = Proposal.objects.get_visible_or_404(user, code=code)
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        pk = 0
    return get_object_or_404(
        Attachment.objects.select_related("proposal"), pk=pk, proposal=proposal
    )


@dataclass
class DocumentProgress:
    kind: str
    label: str
    min_count: int
    attachments: list = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.attachments)

    @property
    def complete(self) -> bool:
        return self.count >= self.min_count


def document_progress(proposal: Proposal) -> list[DocumentProgress]:
    """The year's required documents with this proposal's files, then any other files."""
    by_kind: dict[str, list] = {}
    for attachment in proposal.attachments.all():
        by_kind.setdefault(attachment.kind, []).append(attachment)
    rows = [
        DocumentProgress(doc.kind, doc.label, doc.min_count, by_kind.pop(doc.kind, []))
        for doc in proposal.fiscal_year.required_documents.all()
    ]
    other_label = dict(Attachment._meta.get_field("kind").choices)
    if "other" not in {row.kind for row in rows}:
        rows.append(
            DocumentProgress("other", str(other_label["other"]), 0, by_kind.pop("other", []))
        )
    for kind, attachments in by_kind.items():  # kinds no longer required this year
        rows.append(DocumentProgress(kind, str(other_label.get(kind, kind)), 0, attachments))
    return rows


def checklist_for(proposal: Proposal, action: str) -> list[ChecklistItem]:
    stage = CHECKLIST_STAGE.get(action)
    if stage is None:
        return []
    return [item for item in proposal.fiscal_year.checklist_items.all() if item.stage == stage]


def pending_return(proposal: Proposal) -> TransitionLog | None:
    """The return for revision the RT still has to act on, if the last step was one."""
    transitions = list(proposal.transitions.all())
    if proposal.state != State.DRAFT or not transitions:
        return None
    last = transitions[-1]
    return last if last.transition == "return_for_revision" else None


def timeline(proposal) -> list:
    """Every logged step of the proposal with its Indonesian label, oldest first."""
    return [(log, transition_label(log.transition)) for log in proposal.transitions.all()]
