"""Who may act on a decree: only the Camat of its kecamatan drafts, issues and amends it."""

from bangkit.errors import ActionRefused, NotInScope
from bangkit.models import Kecamatan, Role


def require_camat_of(actor, kecamatan_id: int) -> None:
    """Only the Camat of the kecamatan drafts and issues its decrees.

    A Camat of another kecamatan must not learn that the decree exists (NotInScope → 404);
    a city-wide or lower-level user who can see it is told plainly that it is not theirs.
    """
    if actor.role == Role.KECAMATAN:
        if actor.kecamatan_id != kecamatan_id:
            raise NotInScope
        return
    if actor.is_city_wide or sees_kecamatan(actor, kecamatan_id):
        raise ActionRefused("Hanya Camat kecamatan ini yang dapat menyusun dan menetapkan SK.")
    raise NotInScope


def sees_kecamatan(actor, kecamatan_id: int) -> bool:
    return Kecamatan.objects.visible_to(actor).filter(pk=kecamatan_id).exists()
