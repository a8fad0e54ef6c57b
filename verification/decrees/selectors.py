"""Reads of decrees and site amendments, scoped to the user (or public, for issued acts)."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

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
    return get_object_or_404(
        decrees_visible_to(user).select_related(
            "kecamatan", "fiscal_year", "amends", "issued_by", "created_by"
        ),
        public_id=public_id,
    )


def public_decree(public_id: str) -> Decree:
    """An issued (or since revoked) decree: public acts. Drafts do not exist publicly."""
    return get_object_or_404(
        Decree.objects.exclude(state=Decree.State.DRAFT).select_related(
            "kecamatan", "fiscal_year", "amends"
        ),
        public_id=public_id,
    )


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
    proposal_code: str = ""
    site: str = ""


_AMENDMENT_RELATED = ("decree", "proposal__work_type", "proposal__rt", "proposal__kelurahan")


# A location is described in free text ("depan rumah Pak …"): public pages, which name no
# residents, say that it changed, not what it says (the issued PDF and the staff screens do).
LOCATION_TEXT_WITHHELD = ("uraian lokasi semula", "uraian lokasi baru")


def _shown(amendment: Amendment, value: str) -> str:
    if amendment.field == Amendment.Field.BUDGET:
        return rupiah(value)
    if amendment.field == Amendment.Field.VOLUME:
        return f"{angka(value)} {amendment.proposal.work_type.unit}"
    return value


def _public(a: Amendment, *, location_text: bool = True) -> PublicAmendment:
    if a.field == Amendment.Field.LOCATION and not location_text:
        old_value, new_value = LOCATION_TEXT_WITHHELD
    else:
        old_value, new_value = _shown(a, a.old_value), _shown(a, a.new_value)
    return PublicAmendment(
        field=a.field,
        field_label=str(a.get_field_display()),
        old_value=old_value,
        new_value=new_value,
        reason=a.reason,
        created_at=a.created_at,
        decree_number=a.decree.number if a.decree else "",
        decree_public_id=a.decree.public_id if a.decree else "",
        proposal_code=a.proposal.code,
        site=f"{a.proposal.rt.label}, Kelurahan {a.proposal.kelurahan.name}",
    )


def public_amendments(proposal: Proposal, *, location_text: bool = True) -> list[PublicAmendment]:
    """Every change to a designated site, oldest first (the tracking page passes
    location_text=False)."""
    rows = (
        Amendment.objects.filter(proposal=proposal)
        .select_related(*_AMENDMENT_RELATED)
        .order_by("created_at", "id")
    )
    return [_public(a, location_text=location_text) for a in rows]


def _amendments_under(decree: Decree) -> QuerySet:
    """The site changes made while the decree was in force (each names the decree then in
    force; rows from before they did: the decree's sites, since its issue)."""
    rows = Amendment.objects.filter(decree=decree)
    if decree.issued_at is not None:
        rows = rows | Amendment.objects.filter(
            decree__isnull=True,
            proposal__decree_locations__decree=decree,
            created_at__gte=decree.issued_at,
        )
    return rows.select_related(*_AMENDMENT_RELATED).order_by("created_at", "id").distinct()


def amendments_of_decree(decree: Decree) -> dict[int, list[PublicAmendment]]:
    """Site changes made under the decree, by proposal id (for the detail screen)."""
    by_proposal: dict[int, list[PublicAmendment]] = {}
    for a in _amendments_under(decree):
        by_proposal.setdefault(a.proposal_id, []).append(_public(a))
    return by_proposal


def decree_public_amendments(decree: Decree) -> list[PublicAmendment]:
    """The site changes made while this decree was in force, oldest first, for its public
    page: they change the proposals, not the decree as issued, so they are listed apart from
    its annex (location texts withheld, as on every public page)."""
    return [_public(a, location_text=False) for a in _amendments_under(decree)]
