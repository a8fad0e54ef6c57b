"""The dashboard kept in the shared cache until the records change.

Computing every figure for ten years takes the database about a second; Bappeda, the
Inspektorat and the Walikota's office open the same city-wide page many times between
changes. The cache key holds the user's scope, the filters and the *data version*: the
largest id of every table whose rows make the figures, and of the audit trail and the admin's
log (every service that changes a record writes an audit row; every admin save a log entry).
A new, changed or removed record therefore changes the key and the next request computes the
figures afresh. Each lookup is an index probe, so reading the version costs about a
millisecond whatever the data size. A timeout bounds what a change made outside the services
and the admin (a raw SQL fix) could leave stale.
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.db import connection

TIMEOUT = 10 * 60
# Tables whose largest id moves whenever a figure can change (id columns are indexed).
VERSIONED = [
    ("bangkit_auditevent", "id"),
    ("django_admin_log", "id"),
    ("proposals_proposal", "id"),
    ("proposals_transitionlog", "id"),
    ("proposals_musrenbangentry", "id"),
    ("reporting_workday", "id"),
    ("reporting_swadayacontribution", "id"),
    ("reporting_completionreport", "id"),
    ("bangkit_budgetenvelope", "id"),
    ("bangkit_slumarea", "id"),
    ("bangkit_fiscalyear", "id"),
]


def data_version() -> str:
    """One query: the largest id of each versioned table, and when envelopes last changed."""
    quote = connection.ops.quote_name
    parts = [f"(SELECT MAX({quote(col)}) FROM {quote(table)})" for table, col in VERSIONED]
    parts.append(f"(SELECT MAX({quote('updated_at')}) FROM {quote('bangkit_budgetenvelope')})")
    parts.append(f"(SELECT COUNT(*) FROM {quote('bangkit_slumarea')})")
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))
        row = cursor.fetchone()
    return hashlib.sha256(repr(row).encode()).hexdigest()[:20]


def scope_of(user) -> str:
    """What the user's figures depend on: the city, or their role and area."""
    if user.is_city_wide:
        return "city"
    return f"{user.role}:{user.kecamatan_id or ''}:{user.kelurahan_id or ''}:{user.rt_id or ''}"


def cached(user, key: str, compute):
    """compute() once per scope, key and data version; later calls read it back."""
    full = (
        "dasbor:" + hashlib.sha256(f"{data_version()}|{scope_of(user)}|{key}".encode()).hexdigest()
    )
    value = cache.get(full)
    if value is None:
        value = compute()
        cache.set(full, value, TIMEOUT)
    return value
