"""Every change in execution and reporting: work days, contributions, photos, the report and
its review. Each service locks the proposal, checks area, role and state, writes, and records
an audit row in one transaction; the proposal moves only through the state machine."""

from __future__ import annotations

import datetime
import posixpath
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import get_random_string

from bangkit import images, storage
from bangkit.errors import ActionRefused, full_clean_or_refuse
from bangkit.files import DOCUMENT_TYPES, EXTENSIONS, check_upload_or_refuse
from bangkit.images import NO_CLIENT, ClientImage
from bangkit.money import rupiah
from bangkit.rules import require_reason
from bangkit.services import audit_record
from bangkit.templatetags.rupiah import angka
from proposals import rules
from proposals.models import Proposal, State
from proposals.services import apply_transition_locked, lock_proposal
from reporting import photos as photo_checks
from reporting import rules as reporting_rules
from reporting import selectors, tasks
from reporting.models import (
    CompletionReport,
    MaterialUsage,
    ProgressPhoto,
    SwadayaContribution,
    WorkDay,
)

# The audit actions of this app (written here, by its admin or its import) in the words of
# the audit trail; the app config registers them.
AUDIT_ACTIONS = {
    "work_day_add": "Hari kerja dicatat",
    "work_day_update": "Hari kerja diubah",
    "work_day_remove": "Hari kerja dihapus",
    "contribution_add": "Swadaya dicatat",
    "contribution_remove": "Swadaya dihapus",
    "photo_add": "Foto progres diunggah",
    "photo_withdraw": "Foto progres ditarik",
    "report_save": "Laporan penyelesaian disimpan",
    "report_countersign": "Laporan diketahui camat",
    "contractor_parameters_change": "Parameter biaya kontraktor diubah",
    "contractor_parameters_add": "Parameter biaya kontraktor ditetapkan",
}

# --- Guards ---------------------------------------------------------------------------------


def _require_recorder(proposal: Proposal, actor) -> None:
    """Records of the work are kept by the Ketua RT, or by the kelurahan on the RT's behalf."""
    if not reporting_rules.is_recorder_of(actor, proposal):
        raise ActionRefused("Hanya Ketua RT pengusul atau kelurahan yang dapat mencatat kegiatan.")


def _require_recording_state(proposal: Proposal, what: str) -> None:
    if proposal.state not in reporting_rules.RECORDING_STATES:
        if proposal.state in (State.REPORTED, State.COMPLETED):
            raise ActionRefused(
                f"{what} tidak dapat diubah: laporan sudah diajukan "
                f"(tahap '{proposal.get_state_display()}')."
            )
        raise ActionRefused(
            f"{what} dicatat setelah material diterima (tahap sekarang: "
            f"'{proposal.get_state_display()}')."
        )


def _lock_for_recording(proposal: Proposal, actor, what: str) -> Proposal:
    """The proposal locked, once the actor may record its work and the stage allows it."""
    proposal = lock_proposal(proposal, actor)
    _require_recorder(proposal, actor)
    _require_recording_state(proposal, what)
    return proposal


def _check_date(proposal: Proposal, value: datetime.date, label: str) -> None:
    if value is None:
        raise ActionRefused(f"Isi {label.lower()}.")
    if value > timezone.localdate():
        raise ActionRefused(f"{label} tidak boleh di masa depan.")
    first = selectors.designation(proposal).first_date
    if first and value < first:
        raise ActionRefused(
            f"{label} tidak boleh sebelum tanggal SK penetapan lokasi ({first:%d-%m-%Y})."
        )


# --- Work days ------------------------------------------------------------------------------


def _work_day_fields(
    day: WorkDay,
    *,
    date: datetime.date,
    men: int,
    women: int,
    activity: str,
    hours: Decimal,
    session: str,
    group: str,
) -> None:
    day.date = date
    day.men = men or 0
    day.women = women or 0
    day.hours = hours
    day.activity = (activity or "").strip()
    day.session = session or WorkDay.Session.DAY
    day.group = " ".join((group or "").split())


def _check_work_day(proposal: Proposal, day: WorkDay) -> None:
    """Date, participants, fields, and no second row for the same shift of the same group."""
    _check_date(proposal, day.date, "Tanggal hari kerja")
    if day.participants <= 0:
        raise ActionRefused("Isi jumlah peserta (laki-laki dan/atau perempuan).")
    full_clean_or_refuse(day, exclude=["proposal", "recorded_by", "attendance_photo"])
    twins = proposal.work_days.filter(date=day.date, session=day.session, group=day.group)
    if twins.exclude(pk=day.pk).exists():
        when = f"{day.date:%d-%m-%Y}" + (f" ({day.label})" if day.label else "")
        raise ActionRefused(
            f"Hari kerja tanggal {when} sudah dicatat. Ubah catatan itu, atau pilih waktu "
            "(pagi, siang–sore) atau nama kelompok yang lain bila ini kelompok kedua."
        )


def _store_attendance(day: WorkDay, attendance) -> None:
    checked = check_upload_or_refuse(attendance, allowed=DOCUMENT_TYPES)
    name = f"hadir-{get_random_string(12).lower()}.{EXTENSIONS[checked.content_type]}"
    storage.save_file(day.attendance_photo, name, attendance)
    day.attendance_content_type = checked.content_type
    day.attendance_sha256 = checked.sha256


def _work_day_data(day: WorkDay) -> dict:
    return {
        "date": day.date.isoformat(),
        "session": day.session,
        "group": day.group,
        "men": day.men,
        "women": day.women,
        "hours": f"{Decimal(day.hours).normalize():f}",
        "activity": day.activity,
        "attendance_sha256": day.attendance_sha256,
    }


@storage.atomic
def work_day_add(
    *,
    proposal: Proposal,
    actor,
    date: datetime.date,
    men: int,
    women: int,
    activity: str,
    hours: Decimal = Decimal("8"),
    session: str = WorkDay.Session.DAY,
    group: str = "",
    attendance=None,
) -> WorkDay:
    """Record a session of gotong-royong; the first one starts the work on the site."""
    proposal = _lock_for_recording(proposal, actor, "Hari kerja")
    day = WorkDay(proposal=proposal, recorded_by=actor)
    _work_day_fields(
        day,
        date=date,
        men=men,
        women=women,
        activity=activity,
        hours=hours,
        session=session,
        group=group,
    )
    _check_work_day(proposal, day)
    if attendance is not None:
        _store_attendance(day, attendance)
    day.save()
    if proposal.state == State.MATERIALS_RECEIVED:
        apply_transition_locked(
            proposal,
            actor=actor,
            action="start_work",
            note=f"Hari kerja pertama {date:%d-%m-%Y}",
        )
    audit_record(
        actor=actor,
        action="work_day_add",
        obj=proposal,
        summary=f"{proposal.code}: hari kerja {date:%d-%m-%Y}",
        data={"work_day": day.pk, **_work_day_data(day)},
    )
    return day


def _recorded(record, actor, what: str, *, for_update: bool = False):
    """A work day or contribution read again under its proposal's lock, once the actor and the
    stage are checked: (proposal, record); a record removed meanwhile is refused."""
    proposal = _lock_for_recording(record.proposal, actor, what)
    rows = type(record)._default_manager.filter(proposal=proposal, pk=record.pk)
    found = (rows.select_for_update() if for_update else rows).first()
    if found is None:
        raise ActionRefused(f"Catatan {what.lower()} ini sudah dihapus.")
    return proposal, found


@storage.atomic
def work_day_update(
    *,
    work_day: WorkDay,
    actor,
    date: datetime.date,
    men: int,
    women: int,
    activity: str,
    hours: Decimal,
    session: str = WorkDay.Session.DAY,
    group: str = "",
    attendance=None,
) -> WorkDay:
    """Correct a recorded session, until the completion report is submitted. A new attendance
    sheet replaces the old one (removed once the change is committed)."""
    proposal, day = _recorded(work_day, actor, "Hari kerja", for_update=True)
    before = _work_day_data(day)
    _work_day_fields(
        day,
        date=date,
        men=men,
        women=women,
        activity=activity,
        hours=hours,
        session=session,
        group=group,
    )
    _check_work_day(proposal, day)
    if attendance is not None:
        storage.delete_on_commit(day.attendance_photo)  # the old sheet, named now
        _store_attendance(day, attendance)
    after = _work_day_data(day)
    changed = {k: [before[k], v] for k, v in after.items() if before[k] != v}
    if not changed and attendance is None:
        return day
    day.save()
    audit_record(
        actor=actor,
        action="work_day_update",
        obj=proposal,
        summary=f"{proposal.code}: hari kerja {day.date:%d-%m-%Y} diubah",
        data={"work_day": day.pk, "changed": changed, "new_sheet": attendance is not None},
    )
    return day


@transaction.atomic
def work_day_remove(*, work_day: WorkDay, actor) -> None:
    proposal, day = _recorded(work_day, actor, "Hari kerja")
    audit_record(
        actor=actor,
        action="work_day_remove",
        obj=proposal,
        summary=f"{proposal.code}: hari kerja {day.date:%d-%m-%Y} dihapus",
        data=_work_day_data(day),
    )
    storage.delete_on_commit(day.attendance_photo)
    day.delete()


# --- Contributions --------------------------------------------------------------------------


@transaction.atomic
def contribution_add(
    *,
    proposal: Proposal,
    actor,
    kind: str,
    description: str,
    value: int,
    contributor: str,
    date: datetime.date,
    quantity: Decimal | None = None,
    unit: str = "",
) -> SwadayaContribution:
    proposal = _lock_for_recording(proposal, actor, "Swadaya")
    _check_date(proposal, date, "Tanggal swadaya")
    item = SwadayaContribution(
        proposal=proposal,
        kind=kind,
        description=(description or "").strip(),
        quantity=quantity,
        unit=(unit or "").strip(),
        value=value if value is not None else 0,
        contributor=(contributor or "").strip(),
        date=date,
        recorded_by=actor,
    )
    if item.quantity is not None and not item.unit:
        raise ActionRefused("Isi satuan untuk jumlah swadaya (mis. sak, kg, orang).")
    full_clean_or_refuse(item, exclude=["proposal", "recorded_by"])
    item.save()
    audit_record(
        actor=actor,
        action="contribution_add",
        obj=proposal,
        summary=f"{proposal.code}: swadaya {item.get_kind_display()} {rupiah(item.value)}",
        data={"contribution": item.pk, "kind": kind, "value": item.value},
    )
    return item


@transaction.atomic
def contribution_remove(*, contribution: SwadayaContribution, actor) -> None:
    proposal, item = _recorded(contribution, actor, "Swadaya")
    audit_record(
        actor=actor,
        action="contribution_remove",
        obj=proposal,
        summary=f"{proposal.code}: swadaya dihapus ({item.description})",
        data={
            "kind": item.kind,
            "description": item.description,
            "value": item.value,
            "contributor": item.contributor,
            "date": item.date.isoformat(),
        },
    )
    item.delete()


# --- Photos ---------------------------------------------------------------------------------


@dataclass
class PhotoResult:
    photo: ProgressPhoto
    created: bool


def refresh_photo_flags(proposal: Proposal) -> None:
    """Recompute the warnings of every photo of a site (after an upload or a withdrawal)."""
    site = selectors.site_facts(proposal, selectors.designation(proposal).first_date)
    everyone = selectors.comparable_photos(proposal)
    for photo in proposal.progress_photos.all():
        facts = next(f for f in everyone if f.pk == photo.pk)
        others = [f for f in everyone if f.pk != photo.pk]
        flags = photo_checks.photo_flags(facts, site=site, others=others)
        if flags != photo.flags:
            photo.flags = flags
            photo.save(update_fields=["flags"])


@storage.atomic
def photo_add(
    *,
    proposal: Proposal,
    actor,
    stage: int,
    upload,
    caption: str = "",
    client: ClientImage = NO_CLIENT,
) -> PhotoResult:
    """Keep a progress photo: checked by content, EXIF read before the public copies drop it,
    warnings computed (never blocking). A repeat of the same upload returns the first one."""
    proposal = _lock_for_recording(proposal, actor, "Foto progres")
    try:
        stage = int(stage)
    except (TypeError, ValueError) as exc:
        raise ActionRefused("Pilih tahap foto (0–100%).") from exc
    if not 0 <= stage <= 100:
        raise ActionRefused("Tahap foto harus antara 0% dan 100%.")
    client_token = client.retry_token
    if client_token:
        earlier = proposal.progress_photos.filter(client_token=client_token).first()
        if earlier is not None:
            return PhotoResult(earlier, created=False)
    try:
        processed = photo_checks.process_upload(upload)
    except ValidationError as exc:
        name = getattr(upload, "name", "") or "foto"
        message = exc.messages[0]
        if name not in message:
            message = f"{name}: {message}"
        raise ActionRefused(message) from exc
    repeat = proposal.progress_photos.filter(
        sha256=processed.sha256, stage=stage, withdrawn_at__isnull=True
    ).first()
    if repeat is not None:
        return PhotoResult(repeat, created=False)
    meta, source = client.metadata(processed.metadata)
    photo = ProgressPhoto(
        proposal=proposal,
        stage=stage,
        caption=(caption or "").strip()[:200],
        original_content_type=processed.content_type,
        original_size=processed.size,
        width=processed.width,
        height=processed.height,
        sha256=processed.sha256,
        phash=processed.phash,
        background_hash=processed.background_hash,
        taken_at=meta.taken_at,
        latitude=meta.latitude,
        longitude=meta.longitude,
        metadata_source=source,
        client_resized=bool(client.resized),
        client_token=client_token,
        uploaded_by=actor,
    )
    key = get_random_string(16).lower()
    upload.seek(0)
    # The original is deleted again if this transaction, or one around it, fails; the copies
    # to show are made by a task enqueued only once it commits.
    label = posixpath.basename(str(getattr(upload, "name", "") or "foto"))
    extension = EXTENSIONS[processed.content_type]
    storage.save_file(photo.original, f"asli-{key}.{extension}", upload, label=label)
    photo.save()
    images.copies_after_commit(tasks.make_photo_copies, photo.pk)
    refresh_photo_flags(proposal)
    photo.refresh_from_db(fields=["flags"])
    audit_record(
        actor=actor,
        action="photo_add",
        obj=proposal,
        summary=f"{proposal.code}: foto {stage}%",
        data={
            "photo": photo.pk,
            "stage": stage,
            "sha256": photo.sha256,
            "phash": photo.phash,
            "metadata_source": source,
            "flags": [f["code"] for f in photo.flags],
        },
    )
    return PhotoResult(photo, created=True)


@storage.atomic
def photo_make_copies(*, photo: ProgressPhoto) -> bool:
    """The EXIF-free display copy and thumbnail of a progress photo (the background task after
    its upload); False when they exist already, the photo is gone or its original cannot be
    read. Not audited: the record does not change. The row is locked, so two runs of the task
    make the copies once."""
    photo = ProgressPhoto.objects.select_for_update().filter(pk=photo.pk).first()
    if photo is None or (photo.display and photo.thumbnail):
        return False
    try:
        with photo.original.open("rb") as handle:
            copies = images.make_copies(handle.read())
    except (OSError, ValueError, ValidationError):
        return False
    key = posixpath.splitext(posixpath.basename(photo.original.name))[0].removeprefix("asli-")
    images.save_copies(
        photo,
        copies,
        display_name=f"tampil-{key}.jpg",
        thumbnail_name=f"kecil-{key}.jpg",
        label=posixpath.basename(photo.original.name),
    )
    photo.save(update_fields=["display", "thumbnail", "width", "height"])
    return True


@transaction.atomic
def photo_withdraw(*, photo: ProgressPhoto, actor, reason: str = "") -> ProgressPhoto:
    """Take a photo out of the report. It is kept (files, hashes, warnings) for the audit:
    a withdrawn photo used again elsewhere is still found."""
    proposal = _lock_for_recording(photo.proposal, actor, "Foto progres")
    photo = proposal.progress_photos.select_for_update().filter(pk=photo.pk).first()
    if photo is None or photo.withdrawn_at is not None:
        raise ActionRefused("Foto ini sudah ditarik.")
    photo.withdrawn_at = timezone.now()
    photo.withdrawn_by = actor
    photo.save(update_fields=["withdrawn_at", "withdrawn_by"])
    refresh_photo_flags(proposal)
    audit_record(
        actor=actor,
        action="photo_withdraw",
        obj=proposal,
        summary=f"{proposal.code}: foto {photo.stage}% ditarik",
        data={"photo": photo.pk, "sha256": photo.sha256, "reason": (reason or "").strip()},
    )
    return photo


# --- The completion report -------------------------------------------------------------------


@dataclass
class UsageInput:
    used: Decimal
    leftover: Decimal = Decimal("0")
    note: str = ""


def _require_report_writer(proposal: Proposal, actor) -> None:
    if not rules.is_rt_of(proposal, actor):
        raise ActionRefused("Laporan penyelesaian ditulis dan diajukan oleh Ketua RT pengusul.")


@transaction.atomic
def report_save(
    *,
    proposal: Proposal,
    actor,
    realised_volume: Decimal | None,
    problems: str = "",
    usage: dict[tuple[str, str], UsageInput] | None = None,
) -> CompletionReport:
    """Save the report's draft: realised volume, materials used and left over, problems."""
    proposal = lock_proposal(proposal, actor)
    _require_report_writer(proposal, actor)
    if proposal.state != State.IN_PROGRESS:
        raise ActionRefused(
            "Laporan dapat diisi saat pekerjaan berjalan (tahap sekarang: "
            f"'{proposal.get_state_display()}')."
        )
    report = CompletionReport.objects.filter(proposal=proposal).first() or CompletionReport(
        proposal=proposal
    )
    report.realised_volume = realised_volume
    report.problems = (problems or "").strip()
    report.updated_by = actor
    full_clean_or_refuse(report, exclude=["proposal", "updated_by"])
    usage = usage or {}
    rows, errors = [], []
    for position, line in enumerate(selectors.delivered_materials(proposal)):
        given = usage.get((line.description, line.unit))
        if given is None:
            continue
        used, leftover = Decimal(given.used or 0), Decimal(given.leftover or 0)
        if used < 0 or leftover < 0:
            errors.append(f"{line.description}: jumlah tidak boleh negatif.")
        elif used + leftover > line.delivered:
            errors.append(
                f"{line.description}: terpakai {angka(used)} + sisa {angka(leftover)} {line.unit} "
                f"melebihi yang diterima ({angka(line.delivered)} {line.unit})."
            )
        rows.append(
            MaterialUsage(
                description=line.description,
                unit=line.unit,
                delivered=line.delivered,
                used=used,
                leftover=leftover,
                note=(given.note or "").strip()[:200],
                position=position,
            )
        )
    if errors:
        raise ActionRefused("Pemakaian material belum benar.", problems=errors)
    report.save()
    report.material_lines.all().delete()
    for row in rows:
        row.report = report
    MaterialUsage.objects.bulk_create(rows)
    audit_record(
        actor=actor,
        action="report_save",
        obj=proposal,
        summary=f"{proposal.code}: draf laporan",
        data={
            "realised_volume": str(realised_volume) if realised_volume is not None else None,
            "materials": {
                f"{r.description} ({r.unit})": [str(r.used), str(r.leftover)] for r in rows
            },
        },
    )
    return report


@transaction.atomic
def report_submit(*, proposal: Proposal, actor) -> Proposal:
    """The Ketua RT submits the report: refused, with what is missing, until it is complete."""
    proposal = lock_proposal(proposal, actor)
    _require_report_writer(proposal, actor)
    if proposal.state != State.IN_PROGRESS:
        raise ActionRefused(
            f"Laporan tidak dapat diajukan pada tahap '{proposal.get_state_display()}'."
        )
    site = selectors.site_detail(proposal)
    if site.missing:
        raise ActionRefused("Laporan belum dapat diajukan.", problems=site.missing)
    report = CompletionReport.objects.select_for_update().get(proposal=proposal)
    report.submitted_by = actor
    report.submitted_at = timezone.now()
    report.save(update_fields=["submitted_by", "submitted_at", "updated_at"])
    totals = site.totals
    note = (
        f"Volume {angka(report.realised_volume)} {proposal.work_type.unit} dari "
        f"{angka(proposal.planned_volume)}; {totals.work_days} hari kerja, "
        f"{angka(totals.person_days)} HOK; swadaya {rupiah(totals.contributions)}"
    )
    apply_transition_locked(proposal, actor=actor, action="submit_report", note=note)
    return proposal


def checklist_gaps(items, checklist: dict | None) -> list[str]:
    """The report checklist's items not ticked in `checklist` ({pk: True}), as their text:
    accepting needs none (the review page asks to confirm only then; the service refuses)."""
    given = {str(k): bool(v) for k, v in (checklist or {}).items()}
    return [item.text for item in items if not given.get(str(item.pk))]


def _answers(proposal: Proposal, checklist: dict | None, *, required: bool) -> dict:
    items = selectors.report_checklist(proposal)
    given = {str(k): bool(v) for k, v in (checklist or {}).items()}
    if required:
        unchecked = checklist_gaps(items, checklist)
        if unchecked:
            raise ActionRefused(
                "Daftar periksa laporan belum lengkap.",
                problems=[f"Belum dicentang: {text}" for text in unchecked],
            )
    return {item.text: given.get(str(item.pk), False) for item in items}


def _report_under_review(proposal: Proposal, actor, verb: str) -> Proposal:
    """The proposal locked, once its kelurahan is the actor and a report awaits review."""
    proposal = lock_proposal(proposal, actor)
    if not rules.is_kelurahan_of(proposal, actor):
        raise ActionRefused(f"Hanya kelurahan lokasi ini yang dapat {verb} laporan.")
    if proposal.state != State.REPORTED:
        raise ActionRefused(
            f"Tidak ada laporan yang menunggu pemeriksaan (tahap '{proposal.get_state_display()}')."
        )
    return proposal


@transaction.atomic
def report_accept(*, proposal: Proposal, actor, checklist: dict | None, note: str = "") -> Proposal:
    """The kelurahan accepts the report after its checklist: the site is completed."""
    proposal = _report_under_review(proposal, actor, "menerima")
    answers = _answers(proposal, checklist, required=True)
    report = CompletionReport.objects.select_for_update().get(proposal=proposal)
    report.accepted_by = actor
    report.accepted_at = timezone.now()
    report.review_checklist = answers
    report.save(update_fields=["accepted_by", "accepted_at", "review_checklist", "updated_at"])
    return apply_transition_locked(
        proposal,
        actor=actor,
        action="accept_report",
        note=(note or "").strip() or "Laporan penyelesaian diterima",
        checklist=answers,
    )


@transaction.atomic
def report_return(
    *, proposal: Proposal, actor, reason: str, checklist: dict | None = None
) -> Proposal:
    """The kelurahan sends the report back to the Ketua RT with a reason."""
    proposal = _report_under_review(proposal, actor, "mengembalikan")
    reason = require_reason(reason)
    answers = _answers(proposal, checklist, required=False)
    report = CompletionReport.objects.select_for_update().get(proposal=proposal)
    report.returned_at = timezone.now()
    report.return_reason = reason
    report.submitted_at = None
    report.save(update_fields=["returned_at", "return_reason", "submitted_at", "updated_at"])
    return apply_transition_locked(
        proposal, actor=actor, action="return_report", note=reason, checklist=answers
    )


@transaction.atomic
def report_countersign(*, proposal: Proposal, actor, note: str = "") -> CompletionReport:
    """The Camat acknowledges (mengetahui) a completed report; once."""
    proposal = lock_proposal(proposal, actor)
    if not rules.is_kecamatan_of(proposal, actor):
        raise ActionRefused("Hanya kecamatan lokasi ini yang dapat menandatangani laporan.")
    if proposal.state != State.COMPLETED:
        raise ActionRefused("Laporan ditandatangani camat setelah diterima kelurahan.")
    report = CompletionReport.objects.select_for_update().get(proposal=proposal)
    if report.countersigned_at is not None:
        who = report.countersigned_by.get_full_name() or report.countersigned_by.username
        raise ActionRefused(
            f"Laporan ini sudah ditandatangani {who} pada "
            f"{timezone.localtime(report.countersigned_at):%d-%m-%Y %H:%M}."
        )
    report.countersigned_by = actor
    report.countersigned_at = timezone.now()
    report.countersign_note = (note or "").strip()
    report.save(
        update_fields=["countersigned_by", "countersigned_at", "countersign_note", "updated_at"]
    )
    audit_record(
        actor=actor,
        action="report_countersign",
        obj=proposal,
        summary=f"{proposal.code}: laporan diketahui camat",
        data={"note": report.countersign_note},
    )
    return report
