"""Background (re)building of the closed years' summary rows (Django's tasks API,
`manage.py db_worker` runs them).

``build_summary(year)`` rebuilds one year's rows (dashboards.summary.build_year). It runs:
- when a year closes or reopens: the close service (budgets.services) and the admin write an
  audit row for the fiscal year; on a close it also keeps the year's purchase exports;
- when a record of a closed year changes (a late payment, a corrected work day): every change
  writes an ``AuditEvent``, and a ``post_save`` receiver on it (connected in
  ``DashboardsConfig.ready``, as audit/tasks.py does for the red flags) finds the year of the
  record, marks that year's summary stale at once (the dashboard then reads it live, so the
  change shows on the next request) and asks for one rebuild after a short delay (more changes
  meanwhile join it);
- from ``manage.py build_dashboard_summary``.
Tests run without the receiver (``DASHBOARD_SUMMARY_ON_CHANGE`` is off while testing) unless
they turn it on.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import models, transaction
from django.db.models.signals import post_save
from django.utils import timezone
from django_tasks import task

from bangkit.models import AuditEvent, FiscalYear, Kecamatan, Role, User
from dashboards import selectors, summary
from dashboards.filters import Filters
from dashboards.models import YearSummary

QUEUED_KEY = "dasbor:summary:queued:{year}"
REBUILD_DELAY = timedelta(minutes=1)
# How far a record's foreign keys are followed to find its fiscal year (a payment's order's
# proposal's year is three steps).
MAX_DEPTH = 4
_paths: dict = {}


@task()
def build_summary(year: int, *, exports: bool = False) -> int:
    """Rebuild the year's summary rows (removed if the year is not closed); returns the number
    of proposal rows. With ``exports``, also keep the closed year's purchase exports."""
    cache.delete(QUEUED_KEY.format(year=year))
    fiscal_year = FiscalYear.objects.filter(year=year).first()
    if fiscal_year is None:
        return 0
    built = summary.build_year(fiscal_year)
    if exports and built is not None:
        from procurement import exports as procurement_exports

        procurement_exports.build_closed_year(year)
    warm_dashboards()
    return built.proposals if built else 0


# How many of the last closed years the warmed range covers (the annual report's trend).
WARM_YEARS = 10


def warm_views(user) -> list[Filters]:
    """The city's most read views of the closed years: the last closed year, the range of
    up to ten closed years to it, and that range for each kecamatan."""
    years = sorted(summary.summarized_years())
    if not years:
        return []
    all_years = tuple(FiscalYear.objects.order_by("year").values_list("year", flat=True))
    last = years[-1]
    first = max(years[0], last - WARM_YEARS + 1)
    year = Filters(year_from=last, year_to=last, all_years=all_years)
    decade = year.narrowed(year_from=first)
    by_kecamatan = [decade.narrowed(kecamatan=k) for k in Kecamatan.objects.order_by("code")]
    return [year, decade, *by_kecamatan]


def warm_dashboards() -> int:
    """Draw the city's most read closed-year views into the cache after their summary rows
    change, so that the first reader gets them as the next ones do (they are kept for as
    long as the rows stay as they are: dashboards.cache.CLOSED_TIMEOUT). Returns how many."""
    user = User.objects.filter(is_active=True, role=Role.BAPPEDA).order_by("pk").first()
    if user is None:
        return 0
    views = warm_views(user)
    for filters in views:
        selectors.dashboard_html(user, filters)
    return len(views)


def enqueue_build(year: int, *, exports: bool = False, delay: timedelta = REBUILD_DELAY) -> None:
    """Ask for one rebuild of the year after `delay`, unless one is already waiting."""
    if not exports and not cache.add(
        QUEUED_KEY.format(year=year), 1, timeout=int(delay.total_seconds()) * 2 + 60
    ):
        return
    job = build_summary
    if delay and job.get_backend().supports_defer:
        job = job.using(run_after=timezone.now() + delay)
    job.enqueue(year, exports=exports)


def year_path(model) -> str | None:
    """The lookup from a row of `model` to its fiscal year's number ("year" for a model that
    keeps the number itself), following foreign keys; None when there is none."""
    if model in _paths:
        return _paths[model]
    found = None
    if model is FiscalYear:
        found = "year"
    else:
        frontier = [(model, "")]
        for _ in range(MAX_DEPTH):
            step = []
            for current, prefix in frontier:
                fields = current._meta.concrete_fields
                if prefix == "" and any(f.name == "year" for f in fields):
                    found = "year"  # a Musrenbang entry keeps its year's number
                    break
                for f in fields:
                    if isinstance(f, models.ForeignKey):
                        if f.related_model is FiscalYear:
                            found = f"{prefix}{f.name}__year"
                            break
                        step.append((f.related_model, f"{prefix}{f.name}__"))
                if found:
                    break
            if found:
                break
            frontier = step
    _paths[model] = found
    return found


def years_of(content_type_id, object_id) -> set[int] | None:
    """The fiscal years of the record an audit row is about; None when unknown (a removed
    record: every summarized year is then rebuilt)."""
    if content_type_id is None or not object_id:
        return set()
    model = ContentType.objects.get_for_id(content_type_id).model_class()
    if model is None:
        return set()
    path = year_path(model)
    if path is None:
        return set()
    found = set(model._base_manager.filter(pk=object_id).values_list(path, flat=True).distinct())
    found.discard(None)
    return found or None


def on_change(action: str, content_type_id, object_id: str, data: dict) -> None:
    """After the commit of a change: mark the years it touched stale, ask for their rebuild.
    A change of a record when no year has summary rows costs one query."""
    if action in ("fiscal_year_close", "fiscal_year_reopen"):
        year = (data or {}).get("year")
        if year is not None:
            summary.mark_stale([year])
            enqueue_build(int(year), exports=action == "fiscal_year_close", delay=timedelta(0))
        return
    if ContentType.objects.get_for_id(content_type_id).model_class() is FiscalYear:
        # A status set in the admin: build (or remove) the year's rows at once.
        for year in years_of(content_type_id, object_id) or ():
            summary.mark_stale([year])
            enqueue_build(year, delay=timedelta(0))
        return
    summarized = set(YearSummary.objects.values_list("fiscal_year__year", flat=True))
    if not summarized:
        return
    years = years_of(content_type_id, object_id)
    touched = summarized if years is None else summarized & years
    if touched:
        summary.mark_stale(touched)
        for year in touched:
            enqueue_build(year)


def rebuild_on_change() -> bool:
    return getattr(settings, "DASHBOARD_SUMMARY_ON_CHANGE", not settings.TESTING)


def on_change_recorded(sender, instance, created, raw=False, **kwargs):
    """post_save of AuditEvent: a record changed; after the commit, see whose year it is."""
    if not created or raw or instance.content_type_id is None or not rebuild_on_change():
        return
    transaction.on_commit(
        lambda: on_change(
            instance.action, instance.content_type_id, instance.object_id, instance.data
        ),
        robust=True,
    )


def connect_signals() -> None:
    post_save.connect(
        on_change_recorded, sender=AuditEvent, dispatch_uid="dashboards-summary-rebuild"
    )
