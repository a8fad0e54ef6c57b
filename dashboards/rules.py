"""Who may open the dashboards: the city's offices for the whole city, a camat for their
kecamatan, a lurah for their kelurahan. Everyone else gets a 404 (see views)."""

from bangkit.models import Role
from bangkit.rules import is_signed_in

AREA_ROLES = {Role.KECAMATAN, Role.KELURAHAN}


def may_see_dashboards(user) -> bool:
    """Bappeda, the Inspektorat (read-only: the dashboards change nothing), administrators,
    and the camat and lurah for their own area."""
    if not is_signed_in(user):
        return False
    return user.is_city_wide or user.role in AREA_ROLES
