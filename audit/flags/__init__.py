"""Red-flag rules (issue 14): the registry and every rule, each in the module of its topic.

Importing this package registers every rule in ``RULES`` (code → Rule) in the order below,
which is the order the list page shows them in."""

from audit.flags import orders, places, prices, shops, support, work  # noqa: F401
from audit.flags.registry import RULES, THRESHOLDS, Raised, Rule, Threshold

__all__ = ["RULES", "THRESHOLDS", "Raised", "Rule", "Threshold"]

# The order of the issue (prices, shops, orders, places, photos, work, RTs, steps, support).
ORDER = [
    "price_above_reference",
    "shop_dominance",
    "shops_sharing_identity",
    "orders_split",
    "outside_kelurahan",
    "photo_far_from_site",
    "photo_reused",
    "photo_before_decree",
    "completion_too_fast",
    "few_participants",
    "rt_funded_repeatedly",
    "amendment_after_order",
    "delivery_after_payment",
    "payment_before_bast",
    "support_burst",
    "support_other_area",
    "usulan_burst",
]
_ordered = {code: RULES[code] for code in ORDER if code in RULES}
_ordered.update({code: r for code, r in RULES.items() if code not in _ordered})
RULES.clear()
RULES.update(_ordered)
