"""Carry-over: when a fiscal year has closed, Bappeda carries the Musrenbang entries that were
not funded into the next year (all, or of a kecamatan or kelurahan and a work type).

The next year's entry keeps the source id (so that year's import updates it rather than adding
a twin), its origin, the supports (the same NIK hashes), and points at the entry it came from
(`carried_from`; `first_year` names where the chain began). The figures count a chain once,
at its last link (`MusrenbangEntryQuerySet.counted_once`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from bangkit.errors import ActionRefused
from bangkit.history import records_actor
from bangkit.models import FiscalYear, Kecamatan, Kelurahan, WorkType
from bangkit.services import audit_record
from proposals import rules
from proposals.models import CitizenSupport, MusrenbangEntry, Proposal
from proposals.states import COMMITTED_STATES

# Copied to the next year's entry as they are, column by column (no related row is read).
CARRIED_FIELDS = tuple(
    MusrenbangEntry._meta.get_field(name).attname
    for name in ("source_id", "origin", "kelurahan", "rt", *MusrenbangEntry.CONTENT_FIELDS)
)


@dataclass(frozen=True)
class CarryFilter:
    kecamatan: Kecamatan | None = None
    kelurahan: Kelurahan | None = None
    work_type: WorkType | None = None


def unfunded_entries(year: int, chosen: CarryFilter = CarryFilter()):
    """Entries of `year` never funded (no proposal reached designation, however it ended
    later) and not carried yet, within the filter."""
    funded = Proposal.objects.filter(entry=OuterRef("pk"), state__in=COMMITTED_STATES)
    entries = MusrenbangEntry.objects.filter(year=year, carried_to__isnull=True).exclude(
        Exists(funded)
    )
    if chosen.kelurahan is not None:
        entries = entries.filter(kelurahan=chosen.kelurahan)
    elif chosen.kecamatan is not None:
        entries = entries.filter(kelurahan__kecamatan=chosen.kecamatan)
    if chosen.work_type is not None:
        entries = entries.filter(work_type=chosen.work_type)
    return entries


@dataclass(frozen=True)
class CarryOutcome:
    carried: int
    already_there: int
    supports: int


@records_actor
@transaction.atomic
def entries_carry_over(*, year: int, actor, chosen: CarryFilter = CarryFilter()) -> CarryOutcome:
    """Carry the unfunded entries of the closed `year` into `year + 1`. Running it again
    carries nothing twice; an entry whose source id the next year already holds is linked."""
    if not rules.may_carry_over(actor):
        raise ActionRefused(_("Hanya Bappeda yang dapat membawa usulan ke tahun berikutnya."))
    closing = FiscalYear.objects.filter(year=year).first()
    if closing is None or closing.status != FiscalYear.Status.CLOSED:
        raise ActionRefused(
            _("Tahun anggaran %(year)s belum ditutup: usulannya belum dapat dibawa.")
            % {"year": year}
        )
    following = FiscalYear.objects.filter(year=year + 1).first()
    if following is None or following.status == FiscalYear.Status.CLOSED:
        raise ActionRefused(
            _("Tahun anggaran %(year)s belum dibuat atau sudah ditutup.") % {"year": year + 1}
        )
    old = list(unfunded_entries(year, chosen).select_for_update(of=("self",)).order_by("id"))
    there = {
        e.source_id: e
        for e in MusrenbangEntry.objects.filter(
            year=year + 1, source_id__in=[e.source_id for e in old]
        )
    }
    new, linked = [], 0
    for entry in old:
        twin = there.get(entry.source_id)
        if twin is not None:
            if twin.carried_from_id is None:
                twin.carried_from = entry
                twin.first_year = entry.first_year or entry.year
                twin.save(update_fields=["carried_from", "first_year", "updated_at"])
            linked += 1
            continue
        new.append(
            MusrenbangEntry(
                year=year + 1,
                carried_from=entry,
                first_year=entry.first_year or entry.year,
                **{name: getattr(entry, name) for name in CARRIED_FIELDS},
            )
        )
    created = bulk_create_with_history(
        new,
        MusrenbangEntry,
        batch_size=500,
        default_user=actor,
        default_change_reason=f"Dibawa dari tahun {year}",
    )
    by_old = (
        {
            e.carried_from_id: e
            for e in MusrenbangEntry.objects.filter(
                year=year + 1, carried_from_id__in=[e.pk for e in old]
            )
        }
        if created
        else {}
    )
    supports = [
        CitizenSupport(
            entry=by_old[s.entry_id],
            nik_hash=s.nik_hash,
            nik_last4=s.nik_last4,
            nik_region=s.nik_region,
        )
        for s in CitizenSupport.objects.filter(entry_id__in=list(by_old)).only(
            "entry_id", "nik_hash", "nik_last4", "nik_region"
        )
    ]
    CitizenSupport.objects.bulk_create(supports, batch_size=1000, ignore_conflicts=True)
    audit_record(
        actor=actor,
        action="musrenbang_carry_over",
        summary=_("%(count)s usulan Musrenbang %(year)s yang belum didanai dibawa ke %(next)s")
        % {"count": len(new), "year": year, "next": year + 1},
        data={
            "year": year,
            "carried": len(new),
            "linked": linked,
            "supports": len(supports),
            "kecamatan": chosen.kecamatan.pk if chosen.kecamatan else None,
            "kelurahan": chosen.kelurahan.pk if chosen.kelurahan else None,
            "work_type": chosen.work_type.pk if chosen.work_type else None,
        },
    )
    return CarryOutcome(carried=len(new), already_there=linked, supports=len(supports))
