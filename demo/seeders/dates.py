"""Realistic, distinct dates for the ordinary demo's steps.

The walked demo goes through the real services in a minute, so every step it takes is
stamped with the same minute, and time per stage would read as zero. After seeding, each
proposal's steps taken in this run are spread back in time: the last step keeps its moment
and every earlier one moves back by the days such a step takes (a submission a few days
after the draft, a verification one or two weeks later, …), never before the start of the
demo year. A site's designation is its decree's act: that step lands on the decree's date
(the date the SK says it was issued, which /lacak/ and the SK page both show), the steps
before it lead up to that day and the ones after it follow. The audit rows of those steps
move with them, and the proposal's creation date follows its first step.

A decree issued in this run is signed on its date as well (``date_decrees``): its issue
(``issued_at``, the audit row and the history row the issue wrote) on the decree's moment,
the designation's, and its draft (its creation, its audit and history rows) earlier that
morning, after the last of its sites was verified.
"""

import random
from collections import defaultdict
from datetime import datetime, time, timedelta

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from bangkit.models import AuditEvent
from proposals.models import Proposal, TransitionLog
from verification.models import Decree, DecreeLocation

# The hour of the morning a decree is signed, on its date.
DECREE_HOUR = time(10, 0)
# How long before its signing a decree's draft is written, at most.
DRAFT_LEAD = timedelta(hours=1)

# Days a step usually takes after the one before it: (fewest, most).
GAP_DAYS = {
    "create": (0, 0),
    "submit": (1, 7),
    "verify_kelurahan": (2, 10),
    "verify_kecamatan": (3, 14),
    "return_for_revision": (2, 8),
    "reject": (2, 10),
    "defer": (5, 20),
    "cancel": (1, 10),
    "designate": (5, 20),
    "order_materials": (3, 10),
    "receive_materials": (2, 8),
    "start_work": (1, 5),
    "submit_report": (3, 10),
    "return_report": (1, 5),
    "accept_report": (1, 5),
}


def spread(steps: list[datetime], names: list[str], rng: random.Random, floor: datetime):
    """New moments for steps (oldest first) ending at the last one's, strictly increasing."""
    if not steps:
        return []
    gaps = []
    for name in names[1:]:
        low, high = GAP_DAYS.get(name, (1, 5))
        gaps.append(timedelta(days=rng.uniform(low, high) or 0.5, minutes=rng.randint(5, 600)))
    end = steps[-1]
    room = end - floor
    total = sum(gaps, timedelta())
    if total > room and total:
        gaps = [gap * (room / total) for gap in gaps]
    moments = [end]
    for gap in reversed(gaps):
        moments.append(moments[-1] - max(gap, timedelta(seconds=1)))
    return list(reversed(moments))


def spread_transition_dates(since: datetime, year: int) -> int:
    """Spread the steps logged since ``since``; returns how many log rows moved."""
    logs = defaultdict(list)
    for log in TransitionLog.objects.filter(created_at__gte=since).order_by("created_at", "id"):
        logs[log.proposal_id].append(log)
    if not logs:
        return 0
    floor = timezone.make_aware(datetime(year, 1, 2, 8, 0))
    audits = defaultdict(list)
    for event in AuditEvent.objects.filter(
        created_at__gte=since,
        action__startswith="proposal_",
        object_id__in=[str(pk) for pk in logs],
    ).order_by("created_at", "id"):
        audits[(event.object_id, event.action)].append(event)
    decreed = _decree_moments(list(logs))
    moved_logs, moved_audits, proposals = [], [], []
    for proposal_id, steps in sorted(logs.items()):
        rng = random.Random(f"dates-{proposal_id}")
        moments = _dated(steps, rng, floor, decreed.get(proposal_id))
        for log, moment in zip(steps, moments, strict=True):
            queue = audits.get((str(proposal_id), f"proposal_{log.transition}"))
            if queue:
                event = queue.pop(0)
                event.created_at = moment
                moved_audits.append(event)
            log.created_at = moment
            moved_logs.append(log)
        if steps[0].transition == "create":
            proposals.append(Proposal(pk=proposal_id, created_at=steps[0].created_at))
    # Logs and audit rows are immutable for the application (their managers refuse updates);
    # the seeder dates its own rows of this run once, before anyone has read them.
    TransitionLog._base_manager.bulk_update(moved_logs, ["created_at"], batch_size=500)
    AuditEvent._base_manager.bulk_update(moved_audits, ["created_at"], batch_size=500)
    Proposal.objects.bulk_update(proposals, ["created_at"], batch_size=500)
    return len(moved_logs)


def _decree_moments(proposal_ids: list[int]) -> dict[int, datetime]:
    """The moment each site's first decree was signed: its date, in the morning."""
    rows = (
        DecreeLocation.objects.filter(
            proposal_id__in=proposal_ids, decree__decree_date__isnull=False
        )
        .order_by("decree__decree_date", "decree_id")
        .values_list("proposal_id", "decree__decree_date")
    )
    moments: dict[int, datetime] = {}
    for proposal_id, day in rows:
        moments.setdefault(proposal_id, timezone.make_aware(datetime.combine(day, DECREE_HOUR)))
    return moments


def _dated(steps, rng: random.Random, floor: datetime, decreed: datetime | None):
    """The steps' new moments: spread back from the last one, or, for a decreed site, the
    designation on its decree's moment with the steps before and after spread around it."""
    names = [s.transition for s in steps]
    moments = [s.created_at for s in steps]
    at = names.index("designate") if "designate" in names else None
    if decreed is None or at is None:
        return spread(moments, names, rng, floor)
    anchor = min(decreed, moments[at])  # (never after the moment it was logged)
    before = spread([*moments[:at], anchor], names[: at + 1], rng, floor)
    after = spread(moments[at:], names[at:], rng, anchor)[1:]
    return before + after


def date_decrees(since: datetime) -> int:
    """Date the decrees issued since ``since`` on their decree date; returns how many. (Call
    it after ``spread_transition_dates``: a draft follows its sites' verification.)"""
    issued = list(
        Decree.objects.filter(issued_at__gte=since, decree_date__isnull=False).order_by("pk")
    )
    if not issued:
        return 0
    events = defaultdict(list)
    for event in AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(Decree),
        object_id__in=[str(d.pk) for d in issued],
        created_at__gte=since,
    ).order_by("created_at", "id"):
        events[event.object_id].append(event)
    history = Decree.history.model
    rows = defaultdict(list)
    for row in history._base_manager.filter(
        id__in=[d.pk for d in issued], history_date__gte=since
    ).order_by("history_date", "history_id"):
        rows[row.id].append(row)
    verified = _last_verified(issued)
    moved_events, moved_rows = [], []
    for decree in issued:
        logged = decree.issued_at
        signed = timezone.make_aware(datetime.combine(decree.decree_date, DECREE_HOUR))
        signed = min(signed, logged)  # (never after the moment it was issued)
        drafted = signed - DRAFT_LEAD
        last = verified.get(decree.pk)
        if last is not None and last >= drafted:
            drafted = last + (signed - last) / 2
        # The audit rows up to the issue's: the draft's that morning, the issue's at signing;
        # any later row keeps its moment.
        mine = events[str(decree.pk)]
        issue = next((n for n, e in enumerate(mine) if e.action == "decree_issue"), None)
        if issue is not None:
            for step, event in enumerate(mine[:issue]):
                event.created_at = drafted + timedelta(microseconds=step)
            mine[issue].created_at = signed
            moved_events.extend(mine[: issue + 1])
        # The history rows: the draft's that morning, the one the issue wrote at signing; each
        # keeps the new issue moment as its value.
        issued_row = False
        for step, row in enumerate(rows[decree.pk]):
            if row.issued_at is None:
                row.history_date = drafted + timedelta(microseconds=step)
            elif row.issued_at == logged:
                if not issued_row:
                    row.history_date, issued_row = signed, True
                row.issued_at = signed
            moved_rows.append(row)
        decree.issued_at, decree.created_at = signed, drafted
    # Audit and history rows are not the application's to change: the seeder dates its own
    # rows of this run once, before anyone has read them.
    Decree._base_manager.bulk_update(issued, ["issued_at", "created_at"])
    AuditEvent._base_manager.bulk_update(moved_events, ["created_at"], batch_size=500)
    history._base_manager.bulk_update(moved_rows, ["history_date", "issued_at"], batch_size=500)
    return len(issued)


def _last_verified(decrees) -> dict[int, datetime]:
    """The moment the last site of each decree passed the kecamatan's verification."""
    sites = dict(
        DecreeLocation.objects.filter(decree__in=decrees).values_list("proposal_id", "decree_id")
    )
    last: dict[int, datetime] = {}
    for proposal_id, moment in TransitionLog.objects.filter(
        proposal_id__in=sites, transition="verify_kecamatan"
    ).values_list("proposal_id", "created_at"):
        decree_id = sites[proposal_id]
        last[decree_id] = max(last.get(decree_id, moment), moment)
    return last
