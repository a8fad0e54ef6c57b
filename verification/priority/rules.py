"""Who decides on priority: predicates shared by the services, the ranking page and the admin."""

from bangkit import rules as core_rules
from bangkit.models import Role
from proposals.models import State


def may_decide_priority(user, kecamatan) -> bool:
    """Only the Camat (kecamatan role) of this kecamatan overrides its ranking and drafts an SK
    from it; city-wide roles read the ranking, they do not decide on it."""
    return (
        core_rules.is_signed_in(user)
        and user.role == Role.KECAMATAN
        and kecamatan is not None
        and user.kecamatan_id == kecamatan.pk
    )


def may_override_priority(user, proposal) -> bool:
    """Put a proposal into or out of the suggested set (or take that back): the Camat of its
    kecamatan, while it waits, verified, for a decree."""
    return (
        may_decide_priority(user, proposal.kelurahan.kecamatan)
        and proposal.state == State.KECAMATAN_VERIFIED
    )


def may_set_priority_weights(user) -> bool:
    """The year's scoring weights are city-wide data, kept by Bappeda."""
    return core_rules.keeps_city_data(user)
