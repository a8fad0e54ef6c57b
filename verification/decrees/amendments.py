"""Changing what a decree decided: an amending decree, or a dated change to one designated site."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from bangkit.errors import ActionRefused, NotInScope
from bangkit.history import records_actor
from bangkit.money import MAX_RUPIAH, parse_rupiah, rupiah
from bangkit.rules import require_reason
from bangkit.services import audit_record
from budgets.figures import commitment_problems, lock_envelopes
from proposals.forms import parse_decimal
from proposals.models import Proposal, State
from proposals.services import lock_proposal
from verification.decrees.rules import require_camat_of
from verification.decrees.services import lock_decree, save_draft, signatory_of
from verification.models import Amendment, Decree

# A designated site may still change (with an Amendment) until its report is submitted.
AMENDABLE_SITE_STATES = [
    State.DESIGNATED,
    State.PROCUREMENT,
    State.MATERIALS_RECEIVED,
    State.IN_PROGRESS,
]

# --- amending -----------------------------------------------------------------------------


@records_actor
@transaction.atomic
def decree_amend(*, actor, decree: Decree, reason: str) -> Decree:
    """A new draft that, once issued, replaces an issued decree (which is then revoked)."""
    decree = lock_decree(decree)
    require_camat_of(actor, decree.kecamatan_id)
    if decree.state != Decree.State.ISSUED:
        raise ActionRefused("Hanya SK yang sedang berlaku yang dapat diubah.")
    reason = require_reason(reason, what="alasan perubahan yang jelas")
    pending = decree.amended_by.filter(state=Decree.State.DRAFT).first()
    if pending is not None:
        raise ActionRefused("Sudah ada draf perubahan untuk SK ini; lanjutkan draf itu.")
    kec = decree.kecamatan.name
    original = f"Keputusan Camat {kec} Nomor {decree.number} tentang {decree.title}"
    reason_text = reason[0].lower() + reason[1:]
    reason_text = reason_text if reason_text.startswith("bahwa") else "bahwa " + reason_text
    clauses = list(decree.clauses)
    body, last = (clauses[1:-1], clauses[-1:]) if len(clauses) > 1 else ([], clauses)
    amendment = Decree(
        kecamatan=decree.kecamatan,
        fiscal_year=decree.fiscal_year,
        amends=decree,
        title=f"Perubahan atas Keputusan Camat {kec} Nomor {decree.number}"[:250],
        menimbang="\n".join(
            [
                "bahwa lokasi kegiatan Program Bangkit Berdaya Kecamatan "
                f"{kec} Tahun Anggaran {decree.fiscal_year.year} telah ditetapkan dengan "
                f"{original};",
                reason_text.rstrip(";.") + ", sehingga Keputusan tersebut perlu diubah;",
                "bahwa berdasarkan pertimbangan sebagaimana dimaksud dalam huruf a dan huruf "
                f"b, perlu menetapkan Keputusan Camat {kec} tentang Perubahan atas {original};",
            ]
        ),
        mengingat=decree.mengingat,
        clauses=[
            f"Mengubah {original}, sehingga lokasi kegiatan Program Bangkit Berdaya "
            "Kecamatan {kecamatan} Tahun Anggaran {year} menjadi sebanyak {count} lokasi "
            "dengan nilai seluruhnya {total}, sebagaimana tercantum dalam Lampiran yang "
            "merupakan bagian tidak terpisahkan dari Keputusan ini.",
            *body,
            f"Dengan ditetapkannya Keputusan ini, {original} dicabut dan dinyatakan tidak berlaku.",
            *last,
        ],
        tembusan=decree.tembusan,
        place=decree.place,
        paper=decree.paper,
        signatory_rank=decree.signatory_rank,
        created_by=actor,
        **signatory_of(actor),
    )
    keep = list(
        Proposal.objects.filter(decree_locations__decree=decree)
        .exclude(state=State.CANCELLED)
        .select_related("rt", "kelurahan")
    )
    return save_draft(
        amendment,
        keep,
        actor=actor,
        action="decree_amend",
        summary=f"Draf perubahan atas {decree.number}",
        data={"amends": decree.number, "reason": reason},
    )


# --- changes to a designated site -----------------------------------------------------------


# Proposal.planned_volume holds 10 digits with 2 decimals.
MAX_VOLUME = Decimal("99999999.99")


def _parse_amendment_value(field: str, value) -> tuple:
    """The new value, read strictly: junk is refused with a message, never guessed at."""
    text = str(value if value is not None else "").strip()
    if field == Amendment.Field.LOCATION:
        if not text or len(text) > 300:
            raise ActionRefused("Uraian lokasi baru harus diisi (paling banyak 300 huruf).")
        return text, text
    if field == Amendment.Field.VOLUME:
        # Indonesian writing: "1.250,5" is one thousand two hundred and fifty and a half.
        try:
            number = parse_decimal(text)
        except ValidationError:
            number = None
        if number is None or number <= 0 or number.as_tuple().exponent < -2:
            raise ActionRefused("Volume baru harus angka lebih dari nol (paling banyak 2 desimal).")
        if number > MAX_VOLUME:
            raise ActionRefused("Volume baru terlalu besar. Periksa angkanya.")
        return number, f"{number.normalize():f}"
    if field == Amendment.Field.BUDGET:
        # Whole rupiah as people write them ("45.000.000", "Rp 45.000.000,-"); "-5", "1e9"
        # or "12,34,56" are refused rather than read as their digits.
        try:
            amount = parse_rupiah(text)
        except ValidationError:
            amount = None
        if amount is None or amount <= 0:
            raise ActionRefused(
                "Anggaran baru harus bilangan rupiah lebih dari nol, misalnya 45.000.000."
            )
        if amount > MAX_RUPIAH:
            raise ActionRefused("Anggaran baru terlalu besar. Periksa angkanya.")
        return amount, str(amount)
    raise ActionRefused("Yang dapat diubah hanya lokasi, volume atau anggaran.")


@records_actor
@transaction.atomic
def site_amend(*, actor, proposal: Proposal, field: str, new_value, reason: str) -> Amendment:
    """Change a designated site's location text, volume or budget, with a public reason."""
    fresh = (
        Proposal.objects.select_related("kelurahan__kecamatan", "fiscal_year")
        .filter(pk=proposal.pk)
        .first()
    )
    if fresh is None:
        raise NotInScope
    require_camat_of(actor, fresh.kelurahan.kecamatan_id)
    value, value_text = _parse_amendment_value(field, new_value)
    reason = require_reason(reason, what="alasan perubahan yang jelas")
    if field == Amendment.Field.BUDGET:
        # Envelopes first, as in decree_issue: the same order everywhere, no deadlock.
        lock_envelopes(fiscal_year=fresh.fiscal_year, kecamatan=fresh.kelurahan.kecamatan)
    p = lock_proposal(fresh, actor)
    if p.state not in AMENDABLE_SITE_STATES:
        raise ActionRefused(
            f"Usulan pada tahap '{p.get_state_display()}' tidak dapat diubah melalui "
            "perubahan lokasi."
        )
    if field == Amendment.Field.LOCATION:
        old_text = p.location_description
        p.location_description = value
    elif field == Amendment.Field.VOLUME:
        old_text = f"{p.planned_volume.normalize():f}"
        p.planned_volume = value
    else:
        old_budget = p.designated_budget or 0
        old_text = str(old_budget)
        ceiling = p.ceiling
        if ceiling is not None and value > ceiling:
            raise ActionRefused(
                f"Anggaran baru {rupiah(value)} melebihi pagu lokasi {rupiah(ceiling)}."
            )
        # Money already ordered is bound to the shops (procurement keeps the figure on the
        # proposal under its row lock, which we hold): the budget never drops below it.
        if value < p.ordered_amount:
            raise ActionRefused(
                f"Anggaran baru {rupiah(value)} terlalu kecil: anggaran lokasi tidak boleh di "
                "bawah nilai pesanan yang sudah diterbitkan "
                f"({rupiah(p.ordered_amount)})."
            )
        if value > old_budget:
            problems = commitment_problems(
                fiscal_year=p.fiscal_year,
                kecamatan=p.kelurahan.kecamatan,
                additions={p.kelurahan_id: value - old_budget},
            )
            if problems:
                raise ActionRefused("Tambahan anggaran melebihi pagu.", problems=problems)
        p.designated_budget = value
    if old_text == value_text:
        raise ActionRefused("Nilai baru sama dengan nilai sekarang.")
    p.save()
    decree = (
        Decree.objects.filter(locations__proposal=p, state=Decree.State.ISSUED)
        .order_by("-issued_at")
        .first()
    )
    amendment = Amendment.objects.create(
        proposal=p,
        decree=decree,
        field=field,
        old_value=old_text[:300],
        new_value=value_text[:300],
        reason=reason,
        actor=actor,
    )
    audit_record(
        actor=actor,
        action="site_amend",
        obj=p,
        summary=f"{p.code}: {amendment.get_field_display()} {old_text} → {value_text}",
        data={
            "field": field,
            "old": old_text,
            "new": value_text,
            "reason": reason,
            "amendment": amendment.pk,
            "decree": decree.number if decree else None,
        },
    )
    return amendment
