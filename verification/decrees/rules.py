"""Who may act on a decree: only the Camat of its kecamatan drafts, issues and amends it.

Predicates shared by the services (which refuse), the decree screens (which show a button only
when it would work) and the admin.
"""

from bangkit import rules as core_rules
from bangkit.errors import ActionRefused, NotInScope
from bangkit.models import Kecamatan, Role
from verification.models import Decree


def is_camat_of(user, kecamatan_id: int) -> bool:
    """The account of the Camat (kecamatan role) of this kecamatan."""
    return (
        core_rules.is_signed_in(user)
        and user.role == Role.KECAMATAN
        and user.kecamatan_id == kecamatan_id
    )


def may_draft_decrees(user) -> bool:
    """A Camat drafts the decrees of their own kecamatan (the only one they can pick)."""
    return core_rules.is_signed_in(user) and user.role == Role.KECAMATAN


def may_edit_decree(user, decree: Decree) -> bool:
    """Change, issue or delete a draft: its Camat, while it is a draft."""
    return is_camat_of(user, decree.kecamatan_id) and decree.state == Decree.State.DRAFT


def may_amend_decree(user, decree: Decree) -> bool:
    """Start an amending decree, or change one of its sites: its Camat, once it is in force."""
    return is_camat_of(user, decree.kecamatan_id) and decree.state == Decree.State.ISSUED


def may_keep_decree_templates(user) -> bool:
    """The year's decree template (numbering, wording, place) is city-wide data."""
    return core_rules.keeps_city_data(user)


def require_camat_of(actor, kecamatan_id: int) -> None:
    """Only the Camat of the kecamatan drafts and issues its decrees.

    A Camat of another kecamatan must not learn that the decree exists (NotInScope → 404);
    a city-wide or lower-level user who can see it is told plainly that it is not theirs.
    """
    if is_camat_of(actor, kecamatan_id):
        return
    if actor.role == Role.KECAMATAN:
        raise NotInScope
    if actor.is_city_wide or sees_kecamatan(actor, kecamatan_id):
        raise ActionRefused("Hanya Camat kecamatan ini yang dapat menyusun dan menetapkan SK.")
    raise NotInScope


def sees_kecamatan(actor, kecamatan_id: int) -> bool:
    return Kecamatan.objects.visible_to(actor).filter(pk=kecamatan_id).exists()
