"""Who may act on budget envelopes: predicates shared by services, views and the admin."""

from bangkit import rules as core_rules


def may_set_envelopes(user) -> bool:
    """Bappeda (or an administrator) sets the year's envelopes and the kelurahan shares."""
    return core_rules.keeps_city_data(user)
