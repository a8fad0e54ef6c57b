"""The RT's Musrenbang list for a year (imported and residents' entries): the order its
meeting decided, and the meeting itself (date, attendance, minutes), which is what the
Musrenbang kelurahan receives."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from bangkit import storage
from bangkit.errors import ActionRefused
from bangkit.files import DOCUMENT_TYPES, check_upload_or_refuse
from bangkit.history import records_actor
from bangkit.models import RT
from bangkit.services import audit_record
from proposals import rules
from proposals.models import MusrenbangEntry, RTMeeting


def rt_list(rt: RT, year: int):
    """The RT's entries of the year in the meeting's order (then the import's priority)."""
    return (
        MusrenbangEntry.objects.filter(rt=rt, year=year)
        .select_related("work_type")
        .with_support_count()
        .order_by(
            F("rt_rank").asc(nulls_last=True), F("priority").asc(nulls_last=True), "source_id", "id"
        )
    )


def _require_keeper(actor, rt: RT) -> None:
    if not rules.may_keep_rt_list(actor, rt):
        raise ActionRefused(_("Hanya Ketua RT ini yang dapat mengatur daftar usulan RT."))


@records_actor
@transaction.atomic
def rt_list_move(*, entry: MusrenbangEntry, actor, direction: str) -> None:
    """Move one entry a place up or down; the whole list is numbered 1..n as it now stands."""
    if direction not in ("up", "down"):
        raise ActionRefused(_("Arah urutan tidak dikenal."))
    rt = entry.rt
    if rt is None:
        raise ActionRefused(_("Usulan ini tidak terdaftar pada RT mana pun."))
    _require_keeper(actor, rt)
    # Locks the RT's rows of the year: two moves at once are taken one after the other.
    list(
        MusrenbangEntry.objects.select_for_update()
        .filter(rt=rt, year=entry.year)
        .values_list("pk", flat=True)
    )
    ids = list(rt_list(rt, entry.year).values_list("pk", flat=True))
    at = ids.index(entry.pk)
    other = at - 1 if direction == "up" else at + 1
    if 0 <= other < len(ids):
        ids[at], ids[other] = ids[other], ids[at]
    entries = MusrenbangEntry.objects.in_bulk(ids)
    changed = []
    for rank, pk in enumerate(ids, start=1):
        if entries[pk].rt_rank != rank:
            entries[pk].rt_rank = rank
            entries[pk].save(update_fields=["rt_rank", "updated_at"])
            changed.append(pk)
    audit_record(
        actor=actor,
        action="rt_list_order",
        obj=entry,
        summary=_("Urutan daftar usulan %(rt)s tahun %(year)s diubah")
        % {"rt": rt.label, "year": entry.year},
        data={"order": ids, "moved": entry.pk, "direction": direction},
    )


@records_actor
@storage.atomic
def rt_meeting_record(
    *, rt: RT, year: int, actor, held_on: datetime.date, attendance: int, minutes
) -> RTMeeting:
    """Record (or record again) the RT's meeting of the year with its minutes as a document."""
    _require_keeper(actor, rt)
    if held_on > datetime.date.today():
        raise ActionRefused(_("Tanggal rapat tidak boleh di masa depan."))
    if attendance < 1:
        raise ActionRefused(_("Jumlah hadir paling sedikit 1 orang."))
    checked = check_upload_or_refuse(
        minutes, allowed=DOCUMENT_TYPES, refusal=_("Notulen: %(problem)s")
    )
    meeting = RTMeeting.objects.select_for_update().filter(rt=rt, year=year).first()
    old_file = meeting.minutes if meeting else None
    if meeting is None:
        meeting = RTMeeting(rt=rt, year=year)
    meeting.held_on = held_on
    meeting.attendance = attendance
    meeting.recorded_by = actor
    meeting.minutes_sha256 = checked.sha256
    extension = "pdf" if checked.content_type == "application/pdf" else "jpg"
    minutes.seek(0)
    storage.save_file(meeting.minutes, f"notulen.{extension}", minutes, label=_("notulen"))
    meeting.save()
    if old_file:
        storage.delete_on_commit(old_file)
    audit_record(
        actor=actor,
        action="rt_meeting_record",
        obj=meeting,
        summary=_("Rapat %(rt)s tahun %(year)s dicatat: %(count)s hadir")
        % {"rt": rt.label, "year": year, "count": attendance},
        data={"held_on": held_on.isoformat(), "attendance": attendance, "sha256": checked.sha256},
    )
    return meeting
