"""Every change to a proposal: create, edit, attach, and move through the state machine."""

import posixpath
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed
from simple_history.utils import bulk_create_with_history

from bangkit import images, storage
from bangkit.errors import ActionRefused, NotInScope, full_clean_or_refuse
from bangkit.files import EXTENSIONS, check_upload_or_refuse
from bangkit.history import records_actor
from bangkit.images import NO_CLIENT, ClientImage, MetadataSource, make_copies
from bangkit.models import ChecklistItem, FiscalYear
from bangkit.rules import require_reason
from bangkit.services import audit_record
from proposals import rules, tasks
from proposals.codes import new_tracking_code
from proposals.models import (
    Attachment,
    MusrenbangEntry,
    Proposal,
    RABLine,
    State,
    TransitionLog,
)
from proposals.states import PROPOSAL_PAGE_ACTIONS, transition_label

# The audit actions of this app (written here, by its admin or its import) in the words of
# the audit trail; the app config registers them.
AUDIT_ACTIONS = {
    "proposal_create": "Usulan dibuat",
    "proposal_update": "Usulan diubah",
    "proposal_admin_edit": "Usulan diubah lewat admin",
    "attachment_add": "Lampiran diunggah",
    "attachment_remove": "Lampiran dihapus",
    "citizen_support": "Dukungan warga dicatat",
    "musrenbang_admin_edit": "Usulan Musrenbang diubah lewat admin",
    "musrenbang_admin_add": "Usulan Musrenbang ditambahkan lewat admin",
    "musrenbang_import": "Impor usulan Musrenbang",
    # e-Planning
    "resident_usulan_submit": "Usulan warga dikirim",
    "resident_usulan_accept": "Usulan warga diterima ke daftar Musrenbang",
    "resident_usulan_merge": "Usulan warga digabung dengan usulan Musrenbang",
    "resident_usulan_reject": "Usulan warga ditolak",
    "rt_list_order": "Urutan daftar usulan RT diubah",
    "rt_meeting_record": "Rapat RT dicatat",
    "musrenbang_carry_over": "Usulan Musrenbang dibawa ke tahun berikutnya",
}

# Which checklist a transition answers.
CHECKLIST_STAGE = {
    "verify_kelurahan": ChecklistItem.Stage.KELURAHAN,
    "verify_kecamatan": ChecklistItem.Stage.KECAMATAN,
}
PROPOSAL_FIELDS = [
    "title",
    "work_type",
    "location_description",
    "latitude",
    "longitude",
    "planned_volume",
    "planned_width",
    "households_benefiting",
    "people_benefiting",
    "contribution_labour_people",
    "contribution_cash",
    "contribution_materials",
    "contribution_materials_value",
]


@dataclass
class RABInput:
    material: str
    unit: str
    quantity: Decimal
    unit_price: int
    # From a form that shows the catalogue: whether the line was picked from it, at which
    # reference price. None (a form without the catalogue) keeps the mark of the line that had
    # the same material and unit; a renamed line becomes a free line.
    from_catalogue: bool | None = None
    reference_price: int | None = None


def _lock(proposal: Proposal, actor) -> Proposal:
    """Lock the row for this transaction and check the actor may see it at all."""
    # of=("self",): lock the proposal only, not its year, RT or kecamatan (every transition
    # in the city would queue behind the fiscal-year row).
    locked = (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("rt", "kelurahan__kecamatan", "fiscal_year", "work_type")
        .filter(pk=proposal.pk)
        .first()
    )
    if locked is None or not Proposal.objects.visible_to(actor).filter(pk=proposal.pk).exists():
        raise NotInScope
    return locked


def _require_rt_editor(proposal: Proposal, actor) -> None:
    if not rules.is_rt_of(proposal, actor):
        raise ActionRefused(_("Hanya Ketua RT pengusul yang dapat mengubah usulan ini."))
    if not rules.may_edit_proposal(actor, proposal):
        raise ActionRefused(
            _("Usulan pada tahap '%(state)s' tidak dapat diubah lagi.")
            % {"state": proposal.get_state_display()}
        )


def _unused_tracking_code(year: int) -> str:
    """A fresh code: with 6,000 proposals a year a clash on the unique column happens about
    once in 60 years, and must then cost one more draw, not a failed save."""
    while True:
        code = new_tracking_code(year)
        if not Proposal.objects.filter(code=code).exists():
            return code


def proposal_values_from_entry(entry: MusrenbangEntry) -> dict:
    """The proposal fields a Musrenbang entry fills in before the Ketua RT changes them."""
    return {
        "title": entry.title,
        "work_type": entry.work_type,
        "location_description": entry.location_text or entry.title,
        "planned_volume": entry.volume or Decimal("1"),
        "latitude": entry.latitude,
        "longitude": entry.longitude,
        # An RT whose households are not known yet: the Ketua RT fills in the figure.
        "households_benefiting": (entry.rt.households or 0) if entry.rt else 0,
    }


@records_actor
@transaction.atomic
def proposal_create_from_entry(*, entry: MusrenbangEntry, actor, **fields) -> Proposal:
    """The Ketua RT starts a proposal from one of the RT's Musrenbang entries."""
    # of=("self",): PostgreSQL cannot lock the nullable side of the outer join to RT.
    entry = (
        MusrenbangEntry.objects.select_for_update(of=("self",))
        .select_related("rt", "kelurahan")
        .get(pk=entry.pk)
    )
    if not rules.may_start_proposal_from(actor, entry):
        raise NotInScope
    fiscal_year = FiscalYear.objects.filter(year=entry.year).first()
    if fiscal_year is None or fiscal_year.status != FiscalYear.Status.OPEN:
        raise ActionRefused(
            _("Pengajuan usulan tahun %(year)s tidak sedang dibuka.") % {"year": entry.year}
        )
    if entry.proposals.exclude(state=State.CANCELLED).exists():
        raise ActionRefused(_("Usulan Musrenbang ini sudah memiliki usulan kegiatan."))
    values = proposal_values_from_entry(entry)
    values.update({k: v for k, v in fields.items() if k in PROPOSAL_FIELDS})
    if values["work_type"] is None:
        raise ActionRefused(_("Pilih jenis kegiatan terlebih dahulu."))
    proposal = Proposal(
        code=_unused_tracking_code(fiscal_year.year),
        fiscal_year=fiscal_year,
        entry=entry,
        rt=entry.rt,
        kelurahan=entry.kelurahan,
        created_by=actor,
        **values,
    )
    full_clean_or_refuse(proposal, exclude=["state", "code"], message=_("Data usulan belum benar."))
    proposal.save()
    TransitionLog.objects.create(
        proposal=proposal,
        transition="create",
        from_state=State.MUSRENBANG,
        to_state=proposal.state,
        actor=actor,
        note=_("Usulan dibuat dari Musrenbang %(id)s") % {"id": entry.source_id},
    )
    audit_record(actor=actor, action="proposal_create", obj=proposal, summary=proposal.code)
    return proposal


@records_actor
@transaction.atomic
def proposal_update(
    *, proposal: Proposal, actor, data: dict, rab_lines: list[RABInput] | None = None
) -> Proposal:
    """Save the form of a draft: its fields and, when given, the whole RAB (replaced)."""
    proposal = _lock(proposal, actor)
    _require_rt_editor(proposal, actor)
    changed = {}
    for name in PROPOSAL_FIELDS:
        if name in data and getattr(proposal, name) != data[name]:
            changed[name] = str(data[name])
            setattr(proposal, name, data[name])
    # A ValidationError here keeps its field names, so the edit form shows it by the field.
    proposal.full_clean(exclude=["state", "code"])
    proposal.save()
    if rab_lines is not None:
        marks = {
            (line.material, line.unit): (line.from_catalogue, line.reference_price)
            for line in proposal.rab_lines.all()
        }
        proposal.rab_lines.all().delete()
        lines = []
        for i, given in enumerate(rab_lines):
            if given.from_catalogue is None:
                from_catalogue, reference = marks.get((given.material, given.unit), (False, None))
            else:
                from_catalogue = given.from_catalogue
                reference = given.reference_price if given.from_catalogue else None
            lines.append(
                RABLine(
                    proposal=proposal,
                    position=i,
                    material=given.material,
                    unit=given.unit,
                    quantity=given.quantity,
                    unit_price=given.unit_price,
                    from_catalogue=from_catalogue,
                    reference_price=reference,
                )
            )
        for line in lines:
            line.full_clean(exclude=["proposal"])
            line.line_total = line.compute_total()
        # A plain bulk_create would skip simple_history: the RAB's history must be complete.
        bulk_create_with_history(lines, RABLine, default_user=actor)
        changed["rab"] = f"{len(lines)} baris, total {sum(line.line_total for line in lines)}"
        changed["rab_from_catalogue"] = sum(line.from_catalogue for line in lines)
    if changed:
        audit_record(actor=actor, action="proposal_update", obj=proposal, data=changed)
    return proposal


@records_actor
@storage.atomic
def attachment_add(
    *,
    proposal: Proposal,
    actor,
    kind: str,
    upload,
    client: ClientImage = NO_CLIENT,
) -> Attachment:
    """Keep one document file. An image also gets its time and GPS: from the file's EXIF, else
    what the phone read from its original before resizing it (kept marked as such, nonsense
    dropped); its EXIF-free display copy and thumbnail (HEIC too) are made by a background task
    once the upload commits (`proposals.tasks.make_attachment_copies`). A repeat of the same
    upload (same client token, a retry after a lost answer) returns the first one."""
    proposal = _lock(proposal, actor)
    _require_rt_editor(proposal, actor)
    client_token = client.retry_token
    if client_token:
        earlier = proposal.attachments.filter(client_token=client_token).first()
        if earlier is not None:
            return earlier
    checked = check_upload_or_refuse(upload)
    if kind == "site_photo" and not checked.content_type.startswith("image/"):
        raise ActionRefused(_("Foto lokasi harus berupa gambar (JPEG, PNG, WebP atau HEIC)."))
    attachment = Attachment(
        proposal=proposal,
        kind=kind,
        original_name=str(getattr(upload, "name", ""))[:255],
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=actor,
        client_token=client_token,
        client_resized=bool(client.resized),
    )
    attachment.full_clean(exclude=["file", "display", "thumbnail", "proposal", "uploaded_by"])
    label = attachment.original_name or "berkas"
    stored_name = _safe_name(upload, checked.content_type)
    if attachment.is_image:
        upload.seek(0)
        try:
            facts = images.inspect(upload.read())
        except ValidationError as exc:
            raise ActionRefused(f"{label}: {exc.messages[0]}") from exc
        upload.seek(0)
        meta, source = client.metadata(facts.metadata)
        attachment.taken_at, attachment.latitude, attachment.longitude = (
            meta.taken_at,
            meta.latitude,
            meta.longitude,
        )
        attachment.metadata_source = source
        attachment.width, attachment.height = facts.width, facts.height
    # Every file is deleted again if this transaction, or one around it, does not commit.
    storage.save_file(attachment.file, stored_name, upload, label=label)
    attachment.save()
    if attachment.is_image:
        images.copies_after_commit(tasks.make_attachment_copies, attachment.pk)
    audit_record(
        actor=actor,
        action="attachment_add",
        obj=proposal,
        data={
            "kind": kind,
            "sha256": checked.sha256,
            "size": checked.size,
            "metadata_source": attachment.metadata_source,
        },
    )
    return attachment


@storage.atomic
def attachment_make_copies(*, attachment: Attachment) -> bool:
    """The display copy and thumbnail of an image attachment (the background task after its
    upload, or `manage.py attachment_copies` for older ones), and its EXIF time and GPS when
    none were kept; False when there is nothing to do (already made, not an image, removed
    meanwhile) or the original cannot be read. Not audited: the document itself does not
    change. The row is locked, so two runs of the task make the copies once."""
    attachment = Attachment.objects.select_for_update().filter(pk=attachment.pk).first()
    if attachment is None or not attachment.is_image or attachment.has_copies:
        return False
    try:
        with attachment.file.open("rb") as handle:
            copies = make_copies(handle.read())
    except (OSError, ValueError, ValidationError):
        return False
    key = posixpath.splitext(posixpath.basename(attachment.file.name))[0]
    images.save_copies(
        attachment,
        copies,
        display_name=f"{key}-tampil.jpg",
        thumbnail_name=f"{key}-kecil.jpg",
        label=attachment.original_name or "berkas",
    )
    fields = ["display", "thumbnail", "width", "height"]
    if attachment.metadata_source == MetadataSource.NONE and not copies.metadata.empty:
        attachment.taken_at = copies.metadata.taken_at
        attachment.latitude = copies.metadata.latitude
        attachment.longitude = copies.metadata.longitude
        attachment.metadata_source = MetadataSource.FILE
        fields += ["taken_at", "latitude", "longitude", "metadata_source"]
    attachment.save(update_fields=fields)
    return True


@records_actor
@transaction.atomic
def attachment_remove(*, attachment: Attachment, actor) -> None:
    proposal = _lock(attachment.proposal, actor)
    _require_rt_editor(proposal, actor)
    audit_record(
        actor=actor,
        action="attachment_remove",
        obj=proposal,
        data={"kind": attachment.kind, "sha256": attachment.sha256},
    )
    # Only once the deletion is committed: a rollback must find the file still there.
    storage.delete_on_commit(attachment.file, attachment.display, attachment.thumbnail)
    attachment.delete()


def _safe_name(upload, content_type: str) -> str:
    from django.utils.crypto import get_random_string

    return f"{get_random_string(12).lower()}.{EXTENSIONS[content_type]}"


def _permitted(method, user) -> bool:
    """The transition's permission alone (django-fsm's has_transition_perm also checks guards)."""
    meta = method._django_fsm
    return meta.has_transition_perm(method.__self__, meta.field.get_state(method.__self__), user)


def _already_done_message(proposal: Proposal) -> str:
    last = proposal.transitions.select_related("actor").order_by("-created_at", "-id").first()
    if last is None:
        return _("Usulan ini sudah berada pada tahap '%(state)s'.") % {
            "state": proposal.get_state_display()
        }
    who = last.actor.get_full_name() or last.actor.username
    return _("Usulan ini sudah diproses oleh %(who)s (%(state)s) pada %(when)s.") % {
        "who": who,
        "state": last.get_to_state_display(),
        "when": timezone.localtime(last.created_at).strftime("%d-%m-%Y %H:%M"),
    }


def _checked_answers(proposal: Proposal, action: str, checklist: dict | None) -> dict:
    stage = CHECKLIST_STAGE.get(action)
    if stage is None:
        return {}
    items = list(proposal.fiscal_year.checklist_items.filter(stage=stage))
    answers = {str(k): bool(v) for k, v in (checklist or {}).items()}
    unanswered = [item.text for item in items if not answers.get(str(item.pk))]
    if unanswered:
        raise ActionRefused(
            _("Daftar periksa belum lengkap. Belum dicentang: %(items)s")
            % {"items": "; ".join(unanswered)},
            problems=unanswered,
        )
    return {item.text: answers.get(str(item.pk), False) for item in items}


@records_actor
@transaction.atomic
def proposal_transition(
    *,
    proposal: Proposal,
    actor,
    action: str,
    note: str = "",
    checklist: dict | None = None,
    expected_state: str | None = None,
) -> Proposal:
    """Move a proposal one step: lock, check scope, state, permission and guards, log, audit.

    ``expected_state`` is the state the actor saw when deciding; if someone else moved the
    proposal meanwhile, the actor is told who did, instead of acting on a stale page.
    """
    if action not in PROPOSAL_PAGE_ACTIONS:
        raise ActionRefused(_("Tindakan tidak dikenal."))
    seen_state = expected_state or proposal.state
    proposal = _lock(proposal, actor)
    if proposal.state != seen_state:
        raise ActionRefused(_already_done_message(proposal))
    method = getattr(proposal, action)
    if not can_proceed(method, check_conditions=False):
        raise ActionRefused(
            _("'%(action)s' tidak dapat dilakukan pada tahap '%(state)s'.")
            % {"action": transition_label(action), "state": proposal.get_state_display()}
        )
    if not _permitted(method, actor):
        raise ActionRefused(_("Anda tidak berwenang melakukan tindakan ini pada usulan ini."))
    note = (note or "").strip()
    if action in rules.REQUIRED_REASON:
        require_reason(note)
    if action == "submit":
        problems = rules.submission_problems(proposal)
        if problems:
            raise ActionRefused(_("Usulan belum dapat diajukan."), problems=problems)
    if action == "verify_kecamatan" and not rules.fits_ceiling(proposal):
        raise ActionRefused(_("Total RAB melebihi pagu lokasi atau RAB kosong."))
    answers = _checked_answers(proposal, action, checklist) if action in CHECKLIST_STAGE else {}
    return apply_transition_locked(
        proposal, actor=actor, action=action, note=note, checklist=answers
    )


@records_actor
def apply_transition_locked(
    proposal: Proposal, *, actor, action: str, note: str = "", checklist: dict | None = None
) -> Proposal:
    """Take one step on a proposal the caller has already locked (select_for_update).

    For the services of later stages (decree, purchases, reports), which check their own
    domain rules first; the state machine's source state, guards and permission are checked
    here again, and the step is logged and audited in the caller's transaction.
    """
    method = getattr(proposal, action)
    if not can_proceed(method, check_conditions=False):
        raise ActionRefused(_already_done_message(proposal))
    if not _permitted(method, actor):
        raise ActionRefused(_("Anda tidak berwenang melakukan tindakan ini pada usulan ini."))
    if not can_proceed(method):
        raise ActionRefused(_("Syarat tindakan ini belum terpenuhi."))
    from_state = proposal.state
    method()
    proposal.save()
    TransitionLog.objects.create(
        proposal=proposal,
        transition=action,
        from_state=from_state,
        to_state=proposal.state,
        actor=actor,
        note=note,
        checklist=checklist or {},
    )
    audit_record(
        actor=actor,
        action=f"proposal_{action}",
        obj=proposal,
        summary=f"{proposal.code}: {State(from_state).label} → {proposal.get_state_display()}",
        data={"note": note, "checklist": checklist or {}},
    )
    return proposal


def lock_proposal(proposal: Proposal, actor) -> Proposal:
    """Lock a proposal row for a later-stage service; NotInScope if the actor cannot see it."""
    return _lock(proposal, actor)


def available_actions(proposal: Proposal, user) -> list[str]:
    """The transitions this user may offer on this proposal now (for buttons, not for trust)."""
    actions = []
    for name in PROPOSAL_PAGE_ACTIONS:
        method = getattr(proposal, name)
        if can_proceed(method, check_conditions=False) and _permitted(method, user):
            actions.append(name)
    return actions
