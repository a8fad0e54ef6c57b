"""Residents' usulan sent online (e-Planning): the submission, and the kelurahan's decision
on it (accept into the RT's Musrenbang list, merge into an entry already there, or reject with
a public reason), with the likely duplicates the kelurahan is shown.

The proposer is known only by a keyed hash of the NIK and its last four digits. Their NIK
counts as a support of the entry the usulan becomes or is merged into. Each decision writes an
audit row; the e-mail to the proposer (when they gave and confirmed an address) is sent by the
portal after commit, once per usulan (`ResidentUsulan.outcome_mailed_at`).
"""

from __future__ import annotations

import difflib
import re
import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from bangkit import geo, storage
from bangkit.errors import ActionRefused
from bangkit.files import IMAGE_TYPES, check_upload
from bangkit.history import records_actor
from bangkit.images import make_copies
from bangkit.models import RT, FiscalYear, Kelurahan, WorkType
from bangkit.nik import validate_nik
from bangkit.services import audit_record
from proposals import rules
from proposals.codes import new_tracking_code
from proposals.models import CitizenSupport, EntryOrigin, MusrenbangEntry, Proposal, ResidentUsulan
from proposals.support import MINIMUM_AGE, age_of, kecamatan_refusal

PHOTO_MAX_BYTES = 15 * 1024 * 1024
# A suggested duplicate: this similar in words, or this close on the map.
SIMILARITY_THRESHOLD = 0.35
NEAR_METRES = 100

Status = ResidentUsulan.Status


def open_year() -> FiscalYear | None:
    """The year residents propose for: the latest fiscal year open for proposals."""
    return FiscalYear.objects.filter(status=FiscalYear.Status.OPEN).order_by("-year").first()


def _unused_code(year: int) -> str:
    while True:
        code = new_tracking_code(year)
        if not (
            ResidentUsulan.objects.filter(code=code).exists()
            or Proposal.objects.filter(code=code).exists()
        ):
            return code


@dataclass(frozen=True)
class UsulanInput:
    kelurahan: Kelurahan
    rt: RT
    title: str
    location_text: str
    problem: str
    work_type: WorkType | None = None
    latitude: object = None
    longitude: object = None
    email: str = ""


@sensitive_variables("nik", "info")
def check_proposer_nik(nik: str, *, fiscal_year: FiscalYear, kelurahan: Kelurahan):
    """The NIK's checks for proposing in `kelurahan`: valid, of age, and by the year's
    residency rule issued in the kelurahan's kecamatan. Returns the NikInfo; ActionRefused."""
    try:
        info = validate_nik(nik)
    except ValidationError as error:
        raise ActionRefused(" ".join(error.messages)) from None
    if age_of(info.birth_date) < MINIMUM_AGE:
        raise ActionRefused(
            _("Usulan hanya dapat diajukan oleh warga berusia %(age)s tahun ke atas (usia KTP).")
            % {"age": MINIMUM_AGE}
        )
    refusal = kecamatan_refusal(
        fiscal_year,
        info,
        kelurahan.kecamatan,
        _(
            "Usulan di Kecamatan %(kecamatan)s hanya dapat diajukan oleh warga yang NIK-nya "
            "terdaftar di kecamatan itu (NIK diawali %(prefix)s). NIK yang Anda isi terdaftar "
            "di Kecamatan %(nik_kecamatan)s."
        ),
    )
    if refusal:
        raise ActionRefused(refusal)
    return info


def _store_photo(usulan: ResidentUsulan, upload) -> None:
    """Only the EXIF-free display copy and thumbnail are kept, never the phone's original."""
    try:
        check_upload(upload, allowed=IMAGE_TYPES, max_bytes=PHOTO_MAX_BYTES)
        upload.seek(0)
        copies = make_copies(upload.read())
    except ValidationError as exc:
        raise ActionRefused(_("Foto: %(problem)s") % {"problem": exc.messages[0]}) from exc
    storage.save_file(usulan.photo, "foto.jpg", ContentFile(copies.display), label="foto")
    storage.save_file(
        usulan.photo_thumbnail, "foto-kecil.jpg", ContentFile(copies.thumbnail), label="foto"
    )


@sensitive_variables("nik", "info")
@storage.atomic
def usulan_submit(*, data: UsulanInput, nik: str, photo=None) -> ResidentUsulan:
    """A resident's usulan, without an account: for the open year, in a kelurahan that exists
    that year and one of its RTs, by a NIK allowed there. Refusals say what to fix."""
    fiscal_year = open_year()
    if fiscal_year is None:
        raise ActionRefused(_("Saat ini tidak ada tahun anggaran yang menerima usulan."))
    kelurahan = data.kelurahan
    if not Kelurahan.objects.existing_in(fiscal_year.year).filter(pk=kelurahan.pk).exists():
        raise ActionRefused(
            _("Kelurahan %(name)s tidak ada pada tahun %(year)s.")
            % {"name": kelurahan.name, "year": fiscal_year.year}
        )
    if data.rt.kelurahan_id != kelurahan.pk:
        raise ActionRefused(
            _("%(rt)s tidak berada di Kelurahan %(name)s.")
            % {"rt": data.rt.label, "name": kelurahan.name}
        )
    info = check_proposer_nik(nik, fiscal_year=fiscal_year, kelurahan=kelurahan)
    usulan = ResidentUsulan(
        code=_unused_code(fiscal_year.year),
        year=fiscal_year.year,
        kelurahan=kelurahan,
        rt=data.rt,
        title=data.title.strip(),
        location_text=data.location_text.strip(),
        problem=data.problem.strip(),
        work_type=data.work_type,
        latitude=data.latitude,
        longitude=data.longitude,
        nik_hash=info.hash,
        nik_last4=info.last4,
        email=(data.email or "").strip().lower(),
        email_token=secrets.token_urlsafe(32) if data.email else "",
    )
    try:
        usulan.full_clean(exclude=["photo", "photo_thumbnail"])
    except ValidationError as exc:
        raise ActionRefused(_("Data usulan belum benar."), problems=exc.messages) from None
    if photo is not None:
        _store_photo(usulan, photo)
    usulan.save()
    audit_record(
        actor=None,
        action="resident_usulan_submit",
        obj=usulan,
        summary=_("Usulan warga %(code)s (NIK …%(last4)s)")
        % {"code": usulan.code, "last4": info.last4},
        data={"nik_last4": info.last4, "rt_id": data.rt.pk, "photo": bool(photo)},
    )
    return usulan


def usulan_confirm_email(*, token: str) -> ResidentUsulan | None:
    """The proposer confirmed the address (double opt-in); None for an unknown token."""
    if not token or len(token) > 64:
        return None
    with transaction.atomic():
        usulan = ResidentUsulan.objects.select_for_update().filter(email_token=token).first()
        if usulan is None or not usulan.email:
            return None
        if usulan.email_confirmed_at is None:
            usulan.email_confirmed_at = timezone.now()
            usulan.save(update_fields=["email_confirmed_at"])
    return usulan


# --- the kelurahan's decision ---------------------------------------------------------------


def _lock_pending(usulan: ResidentUsulan, actor) -> ResidentUsulan:
    locked = (
        ResidentUsulan.objects.select_for_update()
        .select_related("kelurahan", "rt")
        .filter(pk=usulan.pk)
        .first()
    )
    if locked is None or not rules.may_moderate_usulan(actor, locked):
        raise ActionRefused(
            _("Hanya lurah atau staf kelurahan usulan ini yang dapat memutuskannya.")
        )
    if not locked.is_pending:
        raise ActionRefused(
            _("Usulan %(code)s sudah diputuskan: %(status)s.")
            % {"code": locked.code, "status": locked.get_status_display()}
        )
    return locked


def _add_proposer_support(usulan: ResidentUsulan, entry: MusrenbangEntry) -> None:
    CitizenSupport.objects.get_or_create(
        entry=entry, nik_hash=usulan.nik_hash, defaults={"nik_last4": usulan.nik_last4}
    )


def _decided(
    usulan: ResidentUsulan, actor, status: str, *, action: str, summary: str, data: dict, **fields
) -> None:
    """Store the kelurahan's decision (with the given fields) and its audit row."""
    usulan.status = status
    usulan.decided_by = actor
    usulan.decided_at = timezone.now()
    for name, value in fields.items():
        setattr(usulan, name, value)
    usulan.save()
    audit_record(actor=actor, action=action, obj=usulan, summary=summary, data=data)


def _joined(
    usulan: ResidentUsulan, actor, entry: MusrenbangEntry, status: str, *, action: str, summary
) -> MusrenbangEntry:
    """Accepted or merged: the usulan lives on in an entry, which the proposer's NIK supports."""
    _add_proposer_support(usulan, entry)
    _decided(
        usulan,
        actor,
        status,
        action=action,
        summary=summary,
        data={"entry_id": entry.pk},
        entry=entry,
    )
    return entry


@records_actor
@transaction.atomic
def usulan_accept(
    *, usulan: ResidentUsulan, actor, work_type: WorkType | None = None
) -> MusrenbangEntry:
    """Into the RT's Musrenbang list for the year, as an entry whose origin is the resident's
    usulan and whose source id is its tracking code (so the import never adds a twin)."""
    usulan = _lock_pending(usulan, actor)
    if MusrenbangEntry.objects.filter(year=usulan.year, source_id=usulan.code).exists():
        raise ActionRefused(
            _("Usulan %(code)s sudah ada di daftar Musrenbang.") % {"code": usulan.code}
        )
    entry = MusrenbangEntry(
        year=usulan.year,
        source_id=usulan.code,
        origin=EntryOrigin.RESIDENT,
        kelurahan=usulan.kelurahan,
        rt=usulan.rt,
        title=usulan.title[:300],
        problem=usulan.problem,
        work_type=work_type or usulan.work_type,
        work_type_text=(work_type or usulan.work_type).name
        if (work_type or usulan.work_type)
        else "",
        location_text=usulan.location_text[:300],
        latitude=usulan.latitude,
        longitude=usulan.longitude,
        first_year=usulan.year,
    )
    entry.full_clean()
    entry.save()
    return _joined(
        usulan,
        actor,
        entry,
        Status.ACCEPTED,
        action="resident_usulan_accept",
        summary=_("Usulan warga %(code)s diterima ke daftar Musrenbang %(rt)s")
        % {"code": usulan.code, "rt": usulan.rt.label},
    )


@records_actor
@transaction.atomic
def usulan_merge(*, usulan: ResidentUsulan, actor, entry: MusrenbangEntry) -> MusrenbangEntry:
    """The same wish is already on the list: the usulan joins that entry (its NIK supports it)."""
    usulan = _lock_pending(usulan, actor)
    if entry.year != usulan.year or entry.kelurahan_id != usulan.kelurahan_id:
        raise ActionRefused(
            _(
                "Usulan hanya dapat digabung dengan usulan Musrenbang tahun %(year)s di "
                "kelurahan yang sama."
            )
            % {"year": usulan.year}
        )
    return _joined(
        usulan,
        actor,
        entry,
        Status.MERGED,
        action="resident_usulan_merge",
        summary=_("Usulan warga %(code)s digabung dengan %(source)s")
        % {"code": usulan.code, "source": entry.source_id},
    )


@records_actor
@transaction.atomic
def usulan_reject(*, usulan: ResidentUsulan, actor, reason: str, note: str = "") -> None:
    """Refused, with a reason the public tracking page shows (never who proposed it)."""
    usulan = _lock_pending(usulan, actor)
    if reason not in ResidentUsulan.RejectReason.values:
        raise ActionRefused(_("Pilih alasan penolakan."))
    note = (note or "").strip()
    if reason == ResidentUsulan.RejectReason.OTHER and not note:
        raise ActionRefused(_("Tuliskan alasan penolakan untuk warga."))
    _decided(
        usulan,
        actor,
        Status.REJECTED,
        action="resident_usulan_reject",
        summary=_("Usulan warga %(code)s ditolak: %(reason)s")
        % {"code": usulan.code, "reason": ResidentUsulan.RejectReason(reason).label},
        data={"reason": reason, "note": note[:500]},
        reject_reason=reason,
        public_note=note[:500],
    )


# --- likely duplicates ----------------------------------------------------------------------

_WORD = re.compile(r"[a-z0-9]+")
# Words every usulan has: they say nothing about which wish it is.
_STOPWORDS = {
    "di",
    "ke",
    "dan",
    "yang",
    "rt",
    "rw",
    "jl",
    "jalan",
    "gg",
    "gang",
    "depan",
    "pembangunan",
    "pembuatan",
    "perbaikan",
    "rehab",
    "rehabilitasi",
    "peningkatan",
    "no",
    "untuk",
    "dari",
    "dengan",
    "sudah",
    "belum",
    "ada",
    "tidak",
    "warga",
    "kami",
    "saat",
}


def _tokens(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOPWORDS and len(w) > 1}


def similarity(a: str, b: str) -> float:
    """0..1: the words two wishes share (Jaccard), or how alike their spelling is (difflib),
    whichever says more; "Drainase Gg. Mawar" and "saluran air gang mawar" meet on the place."""
    ta, tb = _tokens(a), _tokens(b)
    jaccard = len(ta & tb) / len(ta | tb) if ta and tb else 0.0
    ratio = difflib.SequenceMatcher(None, a.lower(), b.lower()).ratio()
    return max(jaccard, ratio * 0.8)


@dataclass(frozen=True)
class Suggestion:
    entry: MusrenbangEntry
    score: float
    distance_m: float | None


def duplicate_suggestions(usulan: ResidentUsulan, *, limit: int = 5) -> list[Suggestion]:
    """Entries of the usulan's RT and year that look like the same wish: similar words in the
    title and place, or within NEAR_METRES of its point. Best first."""
    text = f"{usulan.title} {usulan.location_text}"
    found = []
    candidates = MusrenbangEntry.objects.filter(year=usulan.year, rt_id=usulan.rt_id).only(
        "id",
        "year",
        "source_id",
        "title",
        "location_text",
        "latitude",
        "longitude",
        "rt_id",
        "kelurahan_id",
        "origin",
    )
    for entry in candidates:
        score = similarity(text, f"{entry.title} {entry.location_text}")
        distance = None
        if None not in (usulan.latitude, usulan.longitude, entry.latitude, entry.longitude):
            distance = geo.distance_m(
                usulan.latitude, usulan.longitude, entry.latitude, entry.longitude
            )
        if score >= SIMILARITY_THRESHOLD or (distance is not None and distance <= NEAR_METRES):
            found.append(Suggestion(entry, round(score, 2), distance))
    found.sort(key=lambda s: (-s.score, s.distance_m if s.distance_m is not None else 1e9))
    return found[:limit]
