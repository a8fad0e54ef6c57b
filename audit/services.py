"""Every change the audit workspace makes: refreshing the computed flags and reviewing one."""

from __future__ import annotations

import time

from django.db import connection, transaction
from django.utils import timezone

from audit import rules
from audit.flags import RULES
from audit.flags.context import Context
from audit.models import Flag, FlagRefresh
from bangkit.errors import ActionRefused, NotInScope
from bangkit.rules import require_reason
from bangkit.services import audit_record


def compute_flags(*, years: list[int] | None = None, only: list[str] | None = None):
    """Every rule's raised flags, live, without storing them: ``{rule code: [Raised]}`` and
    the milliseconds each rule took."""
    ctx = Context(years)
    raised, timings = {}, {}
    for code, rule in RULES.items():
        if only and code not in only:
            continue
        started = time.perf_counter()
        raised[code] = list(rule.compute(ctx))
        timings[code] = round(1000 * (time.perf_counter() - started))
    return raised, timings


# Any fixed number: the key of the advisory lock two refreshes (two workers, the command and
# the task) take in turn, so that the second stores its result after the first.
REFRESH_LOCK = 14_2026


def _one_refresh_at_a_time() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [REFRESH_LOCK])


@transaction.atomic
def flags_refresh() -> FlagRefresh:
    """Recompute every rule and store the result: new flags are added, changed evidence gets
    a new fingerprint (a review given for the old one no longer holds), flags no rule raises
    any more are removed. Reviews stay in the trail (their AuditEvent rows)."""
    started_at = timezone.now()
    started = time.perf_counter()
    _one_refresh_at_a_time()
    raised, timings = compute_flags()
    now = timezone.now()
    existing = {(f.rule, f.subject): f for f in Flag.objects.select_for_update()}
    new, changed, seen = [], [], set()
    for code, flags in raised.items():
        for item in flags:
            key = (code, item.subject)
            if key in seen:
                continue
            seen.add(key)
            # What a rule decides of a flag; a stored flag that differs in any is changed.
            values = {
                "fingerprint": item.fingerprint(),
                "title": item.title[:300],
                "evidence": item.evidence(),
                "year": item.year,
                "kecamatan_id": item.kecamatan_id,
            }
            stored = existing.get(key)
            if stored is None:
                new.append(Flag(rule=code, subject=item.subject, computed_at=now, **values))
                continue
            stored.computed_at = now
            if any(getattr(stored, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(stored, name, value)
                changed.append(stored)
    Flag.objects.bulk_create(new, batch_size=500)
    fields = ["fingerprint", "title", "evidence", "year", "kecamatan_id", "computed_at"]
    Flag.objects.bulk_update(changed, fields, batch_size=500)
    stale = [f.pk for key, f in existing.items() if key not in seen]
    Flag.objects.filter(pk__in=stale).delete()
    Flag.objects.exclude(pk__in=[f.pk for f in changed]).filter(
        pk__in=[f.pk for key, f in existing.items() if key in seen]
    ).update(computed_at=now)
    return FlagRefresh.objects.create(
        started_at=started_at,
        finished_at=timezone.now(),
        duration_ms=round(1000 * (time.perf_counter() - started)),
        flags=len(seen),
        raised=len(new),
        changed=len(changed),
        retired=len(stale),
        timings=timings,
    )


@transaction.atomic
def flag_review(*, flag: Flag, actor, note: str) -> Flag:
    """The Inspektorat marks a flag reviewed with a note: kept on the flag for its current
    evidence and in the trail (an AuditEvent on the flag)."""
    if not rules.may_review_flags(actor):
        raise ActionRefused("Hanya Inspektorat yang dapat menandai tanda peringatan ditinjau.")
    note = require_reason(note, what="catatan tinjauan")
    flag = Flag.objects.visible_to(actor).select_for_update().filter(pk=flag.pk).first()
    if flag is None:
        raise NotInScope
    flag.reviewed_at = timezone.now()
    flag.reviewed_by = actor
    flag.review_note = note
    flag.reviewed_fingerprint = flag.fingerprint
    flag.save(update_fields=["reviewed_at", "reviewed_by", "review_note", "reviewed_fingerprint"])
    rule = RULES.get(flag.rule)
    audit_record(
        actor=actor,
        action="flag_review",
        obj=flag,
        summary=f"Tanda ditinjau ({rule.label if rule else flag.rule}): {flag.title}. "
        f"Catatan: {note}",
        data={
            "rule": flag.rule,
            "subject": flag.subject,
            "fingerprint": flag.fingerprint,
            "note": note,
            "year": flag.year,
            "kecamatan_id": flag.kecamatan_id,
        },
    )
    return flag
