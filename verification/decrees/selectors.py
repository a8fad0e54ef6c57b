"""Reads of decrees and site amendments, scoped to the user (or public, for issued acts)."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.http import Http404

from bangkit.models import Role
from bangkit.templatetags.rupiah import angka, rupiah
from proposals.models import Proposal, State
from verification.models import Amendment, Decree, DecreeLocation


def decrees_visible_to(user) -> QuerySet:
    """Decrees the user may open: drafts only for the kecamatan and city-wide roles."""
    qs = Decree.objects.visible_to(user)
    if user.role in (Role.RT, Role.KELURAHAN) and not user.is_superuser:
        qs = qs.exclude(state=Decree.State.DRAFT)
    return qs


def decree_list(user, *, year: int | None = None, kecamatan_id: int | None = None) -> QuerySet:
    """The list screen's rows, each with its location count and total, in one query."""
    qs = (
        decrees_visible_to(user)
        .select_related("kecamatan", "fiscal_year", "amends")
        .annotate(
            location_count=Count("locations"),
            total=Coalesce(Sum("locations__budget"), 0),
        )
    )
    if year:
        qs = qs.filter(fiscal_year__year=year)
    if kecamatan_id:
        qs = qs.filter(kecamatan_id=kecamatan_id)
    return qs.order_by("kecamatan__code", "-fiscal_year__year", "sequence", "created_at")


def decree_for(user, public_id: str) -> Decree:
    """One decree the user may see, or 404 (out of area is not found)."""
    decree = (
        decrees_visible_to(user)
        .select_related("kecamatan", "fiscal_year", "amends", "issued_by", "created_by")
        .filter(public_id=public_id)
        .first()
    )
    if decree is None:
        raise Http404
    return decree


def public_decree(public_id: str) -> Decree:
    """An issued (or since revoked) decree: public acts. Drafts do not exist publicly."""
    decree = (
        Decree.objects.exclude(state=Decree.State.DRAFT)
        .select_related("kecamatan", "fiscal_year", "amends")
        .filter(public_id=public_id)
        .first()
    )
    if decree is None:
        raise Http404
    return decree


def decree_locations(decree: Decree) -> list[DecreeLocation]:
    return list(
        decree.locations.select_related(
            "proposal__rt", "proposal__kelurahan", "proposal__work_type"
        ).order_by("position", "id")
    )


def decree_chain(decree: Decree) -> list[Decree]:
    """The decree and every decree it amends or that amends it, oldest first."""
    first = decree
    seen = {first.pk}
    while first.amends_id and first.amends_id not in seen:
        first = Decree.objects.select_related("kecamatan").get(pk=first.amends_id)
        seen.add(first.pk)
    chain = [first]
    while True:
        following = (
            Decree.objects.filter(amends=chain[-1])
            .exclude(pk__in=[d.pk for d in chain])
            .order_by("state", "created_at")
            .first()
        )
        if following is None:
            return chain
        chain.append(following)


def replacing_decree(decree: Decree) -> Decree | None:
    """The issued decree that replaced a revoked one."""
    if decree.state != Decree.State.REVOKED:
        return None
    return decree.amended_by.exclude(state=Decree.State.DRAFT).order_by("-issued_at").first()


def eligible_proposals(*, kecamatan, fiscal_year, decree: Decree | None = None) -> QuerySet:
    """Proposals a draft may list: verified by the kecamatan and in no other live decree,
    plus, for an amending draft, the sites of the decree it replaces."""
    taken = DecreeLocation.objects.filter(
        decree__state__in=[Decree.State.DRAFT, Decree.State.ISSUED]
    )
    condition = Q(state=State.KECAMATAN_VERIFIED)
    if decree is not None:
        taken = taken.exclude(decree_id__in=[decree.pk, decree.amends_id])
        if decree.amends_id:
            condition |= Q(decree_locations__decree_id=decree.amends_id) & ~Q(state=State.CANCELLED)
    return (
        Proposal.objects.filter(condition, fiscal_year=fiscal_year, kelurahan__kecamatan=kecamatan)
        .exclude(pk__in=taken.values("proposal_id"))
        .for_lists()
        .with_rab_total()
        .distinct()
        .order_by("kelurahan__code", "rt__number", "code")
    )


@dataclass(frozen=True)
class PublicAmendment:
    """A change to a designated site as the public sees it: no names of officials."""

    field: str
    field_label: str
    old_value: str
    new_value: str
    reason: str
    created_at: datetime
    decree_number: str
    decree_public_id: str


def _shown(amendment: Amendment, value: str) -> str:
    if amendment.field == Amendment.Field.BUDGET:
        return rupiah(value)
    if amendment.field == Amendment.Field.VOLUME:
        return f"{angka(value)} {amendment.proposal.work_type.unit}"
    return value


def _public(a: Amendment) -> PublicAmendment:
    return PublicAmendment(
        field=a.field,
        field_label=str(a.get_field_display()),
        old_value=_shown(a, a.old_value),
        new_value=_shown(a, a.new_value),
        reason=a.reason,
        created_at=a.created_at,
        decree_number=a.decree.number if a.decree else "",
        decree_public_id=a.decree.public_id if a.decree else "",
    )


def public_amendments(proposal: Proposal) -> list[PublicAmendment]:
    """Every change to a designated site, oldest first, for the public tracking page."""
    rows = (
        Amendment.objects.filter(proposal=proposal)
        .select_related("decree", "proposal__work_type")
        .order_by("created_at", "id")
    )
    return [_public(a) for a in rows]


def amendments_of_decree(decree: Decree) -> dict[int, list[PublicAmendment]]:
    """Site changes of the decree's proposals, by proposal id (for the detail screen)."""
    by_proposal: dict[int, list[PublicAmendment]] = {}
    rows = (
        Amendment.objects.filter(proposal__decree_locations__decree=decree)
        .select_related("decree", "proposal__work_type")
        .order_by("created_at", "id")
        .distinct()
    )
    for a in rows:
        by_proposal.setdefault(a.proposal_id, []).append(_public(a))
    return by_proposal
