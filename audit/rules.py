"""Who may open the audit workspace: the Inspektorat (and an administrator) for the whole city,
a camat for their own kecamatan. Everyone else gets a 404. Marking a flag reviewed is the one
thing the workspace writes, and only the Inspektorat (or an administrator) does it: the trail
itself is never altered from here."""

from bangkit.models import Role
from bangkit.rules import is_administrator, is_signed_in


def may_open_audit(user) -> bool:
    """The Inspektorat, an administrator, or a camat (their kecamatan only, by ``visible_to``)."""
    if not is_signed_in(user):
        return False
    return is_administrator(user) or user.role in {Role.INSPEKTORAT, Role.KECAMATAN}


def may_review_flags(user) -> bool:
    """Only the Inspektorat (or an administrator) marks a red flag reviewed."""
    return is_signed_in(user) and (is_administrator(user) or user.role == Role.INSPEKTORAT)
