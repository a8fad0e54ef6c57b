"""SK Camat services: draft, edit, issue (number, budget, designation, PDF)."""

import hashlib
from collections import defaultdict
from datetime import date

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from bangkit import storage
from bangkit.errors import ActionRefused, NotInScope
from bangkit.history import records_actor
from bangkit.models import FiscalYear, Kecamatan
from bangkit.numbering import next_number
from bangkit.services import audit_record
from budgets.figures import commitment_problems, lock_envelopes
from proposals.models import Proposal, RABLine, State
from proposals.services import apply_transition_locked, lock_proposal
from proposals.states import COMMITTED_STATES
from verification.decrees.pdf import (
    fill_placeholders,
    format_number,
    lines,
    render_decree_pdf,
    rupiah,
)
from verification.decrees.rules import require_camat_of
from verification.decrees.wording import decree_template_for
from verification.models import Decree, DecreeCounter, DecreeLocation

# The audit actions of this app (written here, by its admin or its import) in the words of
# the audit trail; the app config registers them.
AUDIT_ACTIONS = {
    "decree_create_draft": "Draf SK Camat dibuat",
    "decree_update_draft": "Draf SK Camat diubah",
    "decree_delete_draft": "Draf SK Camat dihapus",
    "decree_issue": "SK Camat ditetapkan",
    "decree_revoke": "SK Camat dicabut",
    "decree_amend": "SK perubahan ditetapkan",
    "site_amend": "Lokasi dalam SK diubah",
}

# Decrees that hold their proposals: a proposal sits in at most one of them (besides the one
# an amending draft replaces).
LIVE_STATES = [Decree.State.DRAFT, Decree.State.ISSUED]
DRAFT_FIELDS = [
    "title",
    "menimbang",
    "mengingat",
    "clauses",
    "tembusan",
    "place",
    "decree_date",
    "signatory_name",
    "signatory_rank",
    "signatory_nip",
    "paper",
]

# --- choosing locations -------------------------------------------------------------------


def _rab_totals(proposal_ids) -> dict[int, int]:
    rows = (
        RABLine.objects.filter(proposal_id__in=list(proposal_ids))
        .order_by()
        .values("proposal_id")
        .annotate(total=Sum("line_total"))
    )
    totals = {pk: 0 for pk in proposal_ids}
    totals.update({row["proposal_id"]: row["total"] or 0 for row in rows})
    return totals


def _label(p: Proposal) -> str:
    return f"{p.code} ({p.rt.label} {p.kelurahan.name})"


def _selection(
    *, kecamatan_id: int, fiscal_year: FiscalYear, proposals, decree: Decree | None
) -> list[Proposal]:
    """The proposals a draft may list, or ActionRefused naming each one that may not be."""
    ids = []
    for item in proposals:
        pk = item.pk if isinstance(item, Proposal) else int(item)
        if pk not in ids:
            ids.append(pk)
    if not ids:
        raise ActionRefused("Pilih paling sedikit satu lokasi untuk SK ini.")
    found = {
        p.pk: p
        for p in Proposal.objects.filter(pk__in=ids).select_related(
            "rt", "kelurahan", "work_type", "fiscal_year"
        )
    }
    carried = _carried_ids(decree)
    others = DecreeLocation.objects.filter(proposal_id__in=ids, decree__state__in=LIVE_STATES)
    if decree is not None:
        others = others.exclude(decree_id__in=[decree.pk, decree.amends_id])
    elsewhere = dict(others.values_list("proposal_id", "decree__number"))
    problems = []
    for pk in ids:
        p = found.get(pk)
        if p is None or p.kelurahan.kecamatan_id != kecamatan_id:
            problems.append(f"Usulan #{pk} tidak ditemukan di kecamatan ini.")
            continue
        if p.fiscal_year_id != fiscal_year.pk:
            problems.append(f"{_label(p)} adalah usulan tahun {p.fiscal_year.year}.")
        elif pk in carried:
            if p.state not in COMMITTED_STATES:
                problems.append(f"{_label(p)} sudah {p.get_state_display().lower()}.")
        elif p.state != State.KECAMATAN_VERIFIED:
            problems.append(
                f"{_label(p)} berada pada tahap '{p.get_state_display()}', "
                "bukan 'Diverifikasi kecamatan'."
            )
        elif pk in elsewhere:
            where = elsewhere[pk] or "draf SK lain"
            problems.append(f"{_label(p)} sudah tercantum dalam {where}.")
    if problems:
        raise ActionRefused("Sebagian lokasi tidak dapat dimasukkan ke SK.", problems=problems)
    return [found[pk] for pk in ids]


def _carried_ids(decree: Decree | None) -> set[int]:
    """Proposals of the decree an amending draft replaces: already designated, kept as they are."""
    if decree is None or not decree.amends_id:
        return set()
    return set(
        DecreeLocation.objects.filter(decree_id=decree.amends_id).values_list(
            "proposal_id", flat=True
        )
    )


def set_locations(decree: Decree, proposals: list[Proposal]) -> None:
    carried = _carried_ids(decree)
    totals = _rab_totals([p.pk for p in proposals])
    ordered = sorted(proposals, key=lambda p: (p.kelurahan.code, p.rt.number, p.code))
    decree.locations.all().delete()
    DecreeLocation.objects.bulk_create(
        DecreeLocation(
            decree=decree,
            proposal=p,
            position=i,
            budget=(p.designated_budget or 0) if p.pk in carried else totals[p.pk],
        )
        for i, p in enumerate(ordered, start=1)
    )


# --- drafts -------------------------------------------------------------------------------


def signatory_of(actor) -> dict:
    return {
        "signatory_name": (actor.get_full_name() or actor.username)[:100],
        "signatory_nip": actor.nip or "",
    }


def save_draft(
    decree: Decree, proposals: list[Proposal], *, actor, action, summary, data
) -> Decree:
    """Save a new draft (a first decree or an amending one) with its annex and its audit row."""
    decree.save()
    set_locations(decree, proposals)
    audit_record(actor=actor, action=action, obj=decree, summary=summary, data=data)
    return decree


@records_actor
@transaction.atomic
def decree_create_draft(
    *, actor, kecamatan: Kecamatan, fiscal_year: FiscalYear, proposals, signatory_rank: str = ""
) -> Decree:
    """The Camat starts an SK from verified proposals, worded from the year's template."""
    require_camat_of(actor, kecamatan.pk)
    chosen = _selection(
        kecamatan_id=kecamatan.pk, fiscal_year=fiscal_year, proposals=proposals, decree=None
    )
    template = decree_template_for(fiscal_year)
    values = {"year": fiscal_year.year, "kecamatan": kecamatan.name}
    decree = Decree(
        kecamatan=kecamatan,
        fiscal_year=fiscal_year,
        title=fill_placeholders(template.title, values)[:250],
        menimbang=fill_placeholders(template.menimbang, values),
        mengingat=fill_placeholders(template.mengingat, values),
        # {count} and {total} stay: they are filled from the annex when the SK is printed.
        clauses=[fill_placeholders(c, values) for c in lines(template.clauses)],
        tembusan=fill_placeholders(template.tembusan, values),
        place=template.place,
        signatory_rank=signatory_rank,
        created_by=actor,
        **signatory_of(actor),
    )
    return save_draft(
        decree,
        chosen,
        actor=actor,
        action="decree_create_draft",
        summary=f"Draf SK {kecamatan} {fiscal_year.year}: {len(chosen)} lokasi",
        data={"proposals": [p.code for p in chosen]},
    )


def lock_decree(decree: Decree) -> Decree:
    locked = (
        Decree.objects.select_for_update(of=("self",))
        .select_related("kecamatan", "fiscal_year")
        .filter(pk=decree.pk)
        .first()
    )
    if locked is None:
        raise NotInScope
    return locked


def _require_draft(decree: Decree) -> None:
    if decree.state != Decree.State.DRAFT:
        done = f"SK ini sudah {decree.get_state_display().lower()} dengan nomor {decree.number}"
        if decree.issued_by_id and decree.issued_at:
            who = decree.issued_by.get_full_name() or decree.issued_by.username
            when = timezone.localtime(decree.issued_at).strftime("%d-%m-%Y %H:%M")
            done += f" oleh {who} pada {when}"
        raise ActionRefused(done + "; SK itu tidak dapat diubah lagi.")


@records_actor
@transaction.atomic
def decree_update_draft(*, actor, decree: Decree, proposals=None, **fields) -> Decree:
    """Edit a draft's wording, date, signatory, paper and (when given) its locations."""
    decree = lock_decree(decree)
    require_camat_of(actor, decree.kecamatan_id)
    _require_draft(decree)
    unknown = set(fields) - set(DRAFT_FIELDS)
    if unknown:
        raise ActionRefused(f"Kolom tidak dikenal: {', '.join(sorted(unknown))}.")
    changed = {}
    for name, value in fields.items():
        if name == "clauses" and isinstance(value, str):
            value = lines(value)
        if getattr(decree, name) != value:
            setattr(decree, name, value)
            changed[name] = str(value)[:200]
    try:
        decree.full_clean(exclude=["state", "pdf", "number", "created_by", "issued_by", "amends"])
    except ValidationError as exc:
        raise ActionRefused("Draf SK belum benar.", problems=exc.messages) from exc
    decree.save()
    if proposals is not None:
        chosen = _selection(
            kecamatan_id=decree.kecamatan_id,
            fiscal_year=decree.fiscal_year,
            proposals=proposals,
            decree=decree,
        )
        set_locations(decree, chosen)
        changed["proposals"] = [p.code for p in chosen]
    if changed:
        audit_record(actor=actor, action="decree_update_draft", obj=decree, data=changed)
    return decree


@records_actor
@transaction.atomic
def decree_delete_draft(*, actor, decree: Decree) -> None:
    """Throw a draft away; its proposals become free for another draft."""
    decree = lock_decree(decree)
    require_camat_of(actor, decree.kecamatan_id)
    _require_draft(decree)
    audit_record(
        actor=actor,
        action="decree_delete_draft",
        obj=decree,
        summary=str(decree),
        data={"proposals": list(decree.locations.values_list("proposal__code", flat=True))},
    )
    decree.locations.all().delete()
    decree.delete()


# --- issuing ------------------------------------------------------------------------------


@records_actor
def decree_issue(
    *, actor, decree: Decree, decree_date: date | None = None, site_url: str | None = None
) -> Decree:
    """Issue a draft: check every location and the envelope under lock, number it, designate
    the proposals, freeze their budgets, store the PDF with its hash. All or nothing."""
    # The PDF written for it is deleted again if this transaction, or one around it, fails.
    with storage.atomic():
        return _issue_locked(actor=actor, decree=decree, decree_date=decree_date, site_url=site_url)


def _issue_locked(*, actor, decree, decree_date, site_url) -> Decree:
    decree = lock_decree(decree)
    require_camat_of(actor, decree.kecamatan_id)
    _require_draft(decree)
    kecamatan, fiscal_year = decree.kecamatan, decree.fiscal_year
    old = None
    if decree.amends_id:
        old = Decree.objects.select_for_update(of=("self",)).get(pk=decree.amends_id)
        if old.state != Decree.State.ISSUED:
            raise ActionRefused(
                f"SK {old.number} yang hendak diubah sudah tidak berlaku "
                f"({old.get_state_display().lower()})."
            )
    # Envelopes before proposals, always: every service that commits money queues here.
    lock_envelopes(fiscal_year=fiscal_year, kecamatan=kecamatan)
    locations = list(decree.locations.order_by("proposal_id"))
    if not locations:
        raise ActionRefused("SK belum memuat satu lokasi pun.")
    locked = {
        loc.proposal_id: lock_proposal(Proposal(pk=loc.proposal_id), actor) for loc in locations
    }
    totals = _rab_totals(locked)
    carried = _carried_ids(decree)
    problems = []
    additions: dict[int, int] = defaultdict(int)
    for pk, p in locked.items():
        if pk in carried:
            if p.state not in COMMITTED_STATES:
                problems.append(f"{_label(p)} sudah {p.get_state_display().lower()}.")
            continue
        if p.state != State.KECAMATAN_VERIFIED:
            problems.append(
                f"{_label(p)} tidak lagi berstatus 'Diverifikasi kecamatan' "
                f"(sekarang: {p.get_state_display()})."
            )
            continue
        if p.fiscal_year_id != fiscal_year.pk or p.kelurahan.kecamatan_id != kecamatan.pk:
            problems.append(f"{_label(p)} bukan usulan Kecamatan {kecamatan} {fiscal_year}.")
            continue
        ceiling = p.ceiling
        if totals[pk] <= 0:
            problems.append(f"{_label(p)}: RAB kosong.")
        elif ceiling is None:
            problems.append(f"{_label(p)}: pagu lokasi untuk RT ini belum diatur.")
        elif totals[pk] > ceiling:
            problems.append(
                f"{_label(p)}: total RAB {rupiah(totals[pk])} melebihi pagu lokasi "
                f"{rupiah(ceiling)}."
            )
        additions[p.kelurahan_id] += totals[pk]
    if old is not None:
        for p in Proposal.objects.filter(decree_locations__decree=old).exclude(pk__in=locked):
            if p.state != State.CANCELLED:
                problems.append(
                    f"{p.code} tercantum dalam SK {old.number} dan masih berjalan "
                    f"({p.get_state_display()}); batalkan usulan itu dahulu bila memang "
                    "dikeluarkan dari SK."
                )
    problems += commitment_problems(
        fiscal_year=fiscal_year, kecamatan=kecamatan, additions=dict(additions)
    )
    if problems:
        raise ActionRefused("SK belum dapat ditetapkan.", problems=problems)

    year = fiscal_year.year
    sequence = next_number(DecreeCounter, kecamatan=kecamatan, year=year)
    template = decree_template_for(fiscal_year)
    decree.sequence = sequence
    decree.number = format_number(
        template.number_format, seq=sequence, abbr=kecamatan.abbreviation, year=year
    )
    decree.decree_date = decree_date or decree.decree_date or timezone.localdate()
    for loc in locations:
        p = locked[loc.proposal_id]
        if loc.proposal_id in carried:
            loc.budget = p.designated_budget or 0
        else:
            p.designated_budget = totals[p.pk]
            loc.budget = totals[p.pk]
            apply_transition_locked(p, actor=actor, action="designate", note=decree.number)
        loc.proposal = p
        # The annex as printed: what the PDF says stays on the row, whatever changes later.
        loc.freeze()
        loc.save(update_fields=["budget", *DecreeLocation.FROZEN_FIELDS])
    if old is not None:
        old.revoke()
        old.save()
        audit_record(
            actor=actor,
            action="decree_revoke",
            obj=old,
            summary=f"{old.number} diubah dengan {decree.number}",
        )
    decree.issue()
    decree.issued_by = actor
    decree.issued_at = timezone.now()
    locations.sort(key=lambda loc: (loc.position, loc.pk))
    pdf = render_decree_pdf(decree, locations=locations, site_url=site_url)
    decree.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    storage.save_file(decree.pdf, "sk.pdf", ContentFile(pdf), label=f"PDF SK {decree.number}")
    decree.save()
    total = sum(loc.budget for loc in locations)
    audit_record(
        actor=actor,
        action="decree_issue",
        obj=decree,
        summary=f"{decree.number}: {len(locations)} lokasi, {rupiah(total)}",
        data={
            "number": decree.number,
            "sha256": decree.pdf_sha256,
            "locations": {locked[loc.proposal_id].code: loc.budget for loc in locations},
            "amends": old.number if old else None,
        },
    )
    return decree
