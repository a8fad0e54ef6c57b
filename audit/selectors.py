"""Reads of the audit workspace, scoped to the user: who may open it, which areas they see,
the trail's filters and the sites whose evidence they may take."""

from django.db.models import Q
from django.http import Http404

from audit import rules
from audit.trail import ACTIONS, Filters, model_choices
from bangkit.models import Kecamatan, Kelurahan, Role, User
from bangkit.params import plain_int
from proposals.codes import normalize_code
from proposals.models import Proposal

# How many accounts one actor search may stand for (a name, not a list of everyone).
MAX_ACTORS = 50


def require_audit_access(user) -> None:
    """Anyone who may not open the workspace finds nothing here (404)."""
    if not rules.may_open_audit(user):
        raise Http404


def is_camat(user) -> bool:
    return user.role == Role.KECAMATAN and not user.is_city_wide


def kecamatan_choices(user):
    # (the names only: an area's boundary is most of its row)
    return Kecamatan.objects.visible_to(user).only("pk", "name").order_by("name")


def kelurahan_choices(user, kecamatan_id: int | None):
    kelurahan = Kelurahan.objects.visible_to(user).only("pk", "name", "kecamatan_id")
    if kecamatan_id is not None:
        kelurahan = kelurahan.filter(kecamatan_id=kecamatan_id)
    return kelurahan.order_by("name")


def matching_actors(text: str) -> list[int]:
    """The accounts whose username or name holds ``text`` (at most MAX_ACTORS)."""
    words = Q(username__icontains=text) | Q(first_name__icontains=text)
    words |= Q(last_name__icontains=text)
    return list(User.objects.filter(words).order_by("pk").values_list("pk", flat=True)[:MAX_ACTORS])


def trail_filters(
    user,
    *,
    kecamatan: int | None,
    kelurahan: int | None,
    actor: str,
    model: str | None,
    action: str | None,
    since,
    until,
    text: str,
) -> Filters:
    """The trail's filters for ``user``: a camat is held to their own kecamatan, and an area
    outside what the user sees is a 404 (as an out-of-scope record is)."""
    filters = Filters(text=text, since=since, until=until)
    site = _site_by_code(user, text)
    if site is not None:
        # A proposal's code: its site's whole trail, read by the records' keys, not by text.
        filters.text, filters.proposal_id = "", site
    if is_camat(user):
        if kecamatan is not None and kecamatan != user.kecamatan_id:
            raise Http404
        filters.kecamatan_id = kecamatan = user.kecamatan_id  # their own: no need to look
    elif kecamatan is not None:
        if not kecamatan_choices(user).filter(pk=kecamatan).exists():
            raise Http404
        filters.kecamatan_id = kecamatan
    if kelurahan is not None:
        if not kelurahan_choices(user, kecamatan).filter(pk=kelurahan).exists():
            raise Http404
        filters.kelurahan_id = kelurahan
    if actor:
        filters.actor_ids = matching_actors(actor)
    if model in dict(model_choices()):
        filters.model = model
    if action in ACTIONS:
        filters.action = action
    return filters


def _site_by_code(user, text: str) -> int | None:
    """The visible site whose code ``text`` is (as stored, or as typed: lower case, O for 0),
    read by the code's unique index."""
    if not text or " " in text or len(text) > 40 or not text.upper().startswith("BB-"):
        return None
    codes = {text, text.upper(), normalize_code(text)} - {None}
    return (
        Proposal.objects.visible_to(user)
        .filter(code__in=codes)
        .values_list("pk", flat=True)
        .first()
    )


def site_for(user, code_or_pk: str) -> Proposal:
    """A site (proposal) the user may audit, by its code or id; anything else is a 404."""
    require_audit_access(user)
    number = plain_int(code_or_pk)
    lookup = {"pk": number} if number is not None else {"code": code_or_pk}
    return Proposal.objects.select_related(
        "kelurahan__kecamatan", "rt", "fiscal_year", "work_type"
    ).get_visible_or_404(user, **lookup)
