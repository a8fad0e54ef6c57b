"""Who may act on budget envelopes: predicates shared by services, views and the admin."""

from bangkit import rules as core_rules


def may_set_envelopes(user) -> bool:
    """Bappeda (or an administrator) sets the year's envelopes and the kelurahan shares."""
    return core_rules.keeps_city_data(user)


def may_close_fiscal_year(user) -> bool:
    """Bappeda (or an administrator) closes a budget year once its work is done, and reopens
    it to correct a record; never the Inspektorat or an area office."""
    return core_rules.keeps_city_data(user)
