"""The dashboard kept in the shared cache until the records change.

Computing every figure for ten years takes the database about a second; Bappeda, the
Inspektorat and the Walikota's office open the same city-wide page many times between
changes. The cache key holds the code's version (the release, or a digest of the project's modules
and templates), the user's scope, the filters and the *data version*: the
largest id of every table whose rows make the figures, and of the audit trail and the admin's
log (every service that changes a record writes an audit row; every admin save a log entry).
A new, changed or removed record therefore changes the key and the next request computes the
figures afresh. Each lookup is an index probe, so reading the version costs about a
millisecond whatever the data size. A timeout bounds what a change made outside the services
and the admin (a raw SQL fix) could leave stale.

Figures of closed years only (every year up to the filters' last is read from summary rows,
dashboards.summary) have a version of their own: the summary rows' state and the small tables
the figures still read live (envelopes, slum areas, years, areas, the admin's log). A change
in the open year then leaves their cached figures alone; a change of a closed year's record
marks its summary stale, which changes the version and reads that year live until rebuilt.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

TIMEOUT = 10 * 60
# Figures of closed years only change when their summary rows are rebuilt (which changes
# their version), so they are kept for a week: the views drawn after a rebuild
# (dashboards.tasks.warm_dashboards) are then what Bappeda opens.
CLOSED_TIMEOUT = 7 * 24 * 60 * 60
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


def _read_version(tables: list, *more: str) -> str:
    """One query: the largest id of each table, when envelopes last changed, how many slum
    areas there are, and any `more` scalar subqueries; hashed."""
    quote = connection.ops.quote_name
    parts = [f"(SELECT MAX({quote(col)}) FROM {quote(table)})" for table, col in tables]
    parts.append(f"(SELECT MAX({quote('updated_at')}) FROM {quote('bangkit_budgetenvelope')})")
    parts.append(f"(SELECT COUNT(*) FROM {quote('bangkit_slumarea')})")
    parts.extend(more)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))
        row = cursor.fetchone()
    return hashlib.sha256(repr(row).encode()).hexdigest()[:20]


def data_version() -> str:
    """The largest id of each versioned table, and when envelopes last changed."""
    return _read_version(VERSIONED)


# The small tables a closed years' page still reads live.
CLOSED_VERSIONED = [
    ("django_admin_log", "id"),
    ("bangkit_budgetenvelope", "id"),
    ("bangkit_slumarea", "id"),
    ("bangkit_fiscalyear", "id"),
    ("bangkit_kelurahan", "id"),
    ("bangkit_rt", "id"),
    ("reporting_contractorcostparameters", "id"),
]


def closed_version() -> str:
    """The summary rows' state and the largest id of each small table read live."""
    quote = connection.ops.quote_name
    summaries = quote("dashboards_yearsummary")
    return "closed:" + _read_version(
        CLOSED_VERSIONED,
        f"(SELECT MAX({quote('built_at')}) FROM {summaries})",
        f"(SELECT COUNT(*) FROM {summaries} WHERE {quote('stale')})",
    )


def version_for(filters) -> str:
    """The version the figures of these filters depend on: the closed years' own when every
    year up to the last of the filters is read from summary rows, else data_version()."""
    needed = [y for y in filters.all_years if y <= filters.year_to]
    if needed and filters.summarized and all(y in filters.summarized for y in needed):
        return closed_version()
    return data_version()


@functools.cache
def code_version() -> str:
    """What the kept pages were drawn by: the release named in the settings (``RELEASE``, e.g.
    the commit a server runs), else a digest of the project's own modules and templates, read
    once per process. A release that changes how a figure is computed or drawn (here or in
    the stages it reads, the money formats …) then never serves what the previous one kept: a
    closed years' page is kept a week and its data version does not move at a release."""
    if settings.RELEASE:
        return settings.RELEASE
    base = Path(settings.BASE_DIR).resolve()
    roots = [
        Path(app.path) for app in apps.get_app_configs() if Path(app.path).is_relative_to(base)
    ]
    roots += [Path(folder) for engine in settings.TEMPLATES for folder in engine.get("DIRS", ())]
    files = sorted(
        {
            path
            for root in roots
            for path in root.rglob("*")
            if path.suffix in (".py", ".html") and "migrations" not in path.parts and path.is_file()
        }
    )
    if not files:
        raise ImproperlyConfigured(
            "No source of the project found to key the dashboard's cache: set RELEASE."
        )
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(base) if path.is_relative_to(base) else path).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def scope_of(user) -> str:
    """What the user's figures depend on: the city, or their role and area."""
    if user.is_city_wide:
        return "city"
    return f"{user.role}:{user.kecamatan_id or ''}:{user.kelurahan_id or ''}:{user.rt_id or ''}"


def cached(user, key: str, compute, *, version: str | None = None):
    """compute() once per scope, key and data version (or the given version); later calls
    read it back."""
    version = version if version is not None else data_version()
    kept_as = f"{code_version()}|{version}|{scope_of(user)}|{key}"
    full = "dasbor:" + hashlib.sha256(kept_as.encode()).hexdigest()
    value = cache.get(full)
    if value is None:
        value = compute()
        cache.set(full, value, CLOSED_TIMEOUT if version.startswith("closed:") else TIMEOUT)
    return value
