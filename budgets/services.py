"""Setting the budget envelopes of a year: Bappeda's split of the programme money."""

from django.db import transaction

from bangkit.errors import ActionRefused
from bangkit.history import records_actor
from bangkit.models import FiscalYear, Kecamatan, Kelurahan
from bangkit.money import rupiah
from bangkit.services import audit_record
from budgets.figures import committed_total, lock_envelopes
from budgets.models import BudgetEnvelope
from budgets.rules import may_close_fiscal_year, may_set_envelopes

# The audit actions of this app (written here, by its admin or its import) in the words of
# the audit trail; the app config registers them.
AUDIT_ACTIONS = {
    "envelope_set": "Pagu ditetapkan",
    "envelope_share_remove": "Bagian pagu kelurahan dihapus",
    "fiscal_year_close": "Tahun anggaran ditutup",
    "fiscal_year_reopen": "Tahun anggaran dibuka kembali",
}


def committed_amount(*, fiscal_year: FiscalYear, kecamatan: Kecamatan, kelurahan=None) -> int:
    """What the kecamatan's sites (or one kelurahan's) already commit: see budgets.figures."""
    return committed_total(fiscal_year=fiscal_year, kecamatan=kecamatan, kelurahan=kelurahan)


def envelope_problems(
    *,
    fiscal_year: FiscalYear,
    kecamatan: Kecamatan,
    kelurahan: Kelurahan | None,
    amount: int,
    envelopes: dict | None = None,
) -> list[str]:
    """Why this amount cannot be set, if it cannot (in Indonesian, for the form or the admin).

    ``envelopes`` is the kecamatan's envelopes as lock_envelopes() returns them; read here when
    not given (the admin's form check, before the service checks again under the lock).
    """
    if envelopes is None:
        envelopes = {
            env.kelurahan_id: env
            for env in BudgetEnvelope.objects.filter(fiscal_year=fiscal_year, kecamatan=kecamatan)
        }
    problems = []
    if amount < 0:
        return ["Pagu tidak boleh negatif."]
    if fiscal_year.status == FiscalYear.Status.CLOSED:
        problems.append(f"Tahun anggaran {fiscal_year.year} sudah ditutup.")
    shares = {k: env for k, env in envelopes.items() if k is not None}
    if kelurahan is None:
        committed = committed_amount(fiscal_year=fiscal_year, kecamatan=kecamatan)
        if amount < committed:
            problems.append(
                f"Pagu Kecamatan {kecamatan} {rupiah(amount)} lebih kecil daripada yang sudah "
                f"terikat pada lokasi yang ditetapkan ({rupiah(committed)})."
            )
        shared = sum(env.amount for env in shares.values())
        if amount < shared:
            problems.append(
                f"Pagu Kecamatan {kecamatan} {rupiah(amount)} lebih kecil daripada jumlah pagu "
                f"kelurahannya ({rupiah(shared)}); kurangi pagu kelurahan terlebih dahulu."
            )
        others = sum(
            BudgetEnvelope.objects.filter(fiscal_year=fiscal_year, kelurahan__isnull=True)
            .exclude(kecamatan=kecamatan)
            .values_list("amount", flat=True)
        )
        if others + amount > fiscal_year.total_budget:
            problems.append(
                f"Jumlah pagu seluruh kecamatan akan menjadi {rupiah(others + amount)}, melebihi "
                f"anggaran program tahun {fiscal_year.year} {rupiah(fiscal_year.total_budget)} "
                f"(sisa yang belum dibagi {rupiah(fiscal_year.total_budget - others)})."
            )
        return problems

    if kelurahan.kecamatan_id != kecamatan.pk:
        return [f"Kelurahan {kelurahan} tidak berada di Kecamatan {kecamatan}."]
    kec_env = envelopes.get(None)
    if kec_env is None:
        return problems + [
            f"Tetapkan dahulu pagu Kecamatan {kecamatan} sebelum membaginya ke kelurahan."
        ]
    committed = committed_amount(fiscal_year=fiscal_year, kecamatan=kecamatan, kelurahan=kelurahan)
    if amount < committed:
        problems.append(
            f"Pagu Kelurahan {kelurahan} {rupiah(amount)} lebih kecil daripada yang sudah terikat "
            f"pada lokasi yang ditetapkan ({rupiah(committed)})."
        )
    others = sum(env.amount for kel_id, env in shares.items() if kel_id != kelurahan.pk)
    if others + amount > kec_env.amount:
        problems.append(
            f"Jumlah pagu kelurahan di Kecamatan {kecamatan} akan menjadi "
            f"{rupiah(others + amount)}, melebihi pagu kecamatan {rupiah(kec_env.amount)} "
            f"(sisa yang belum dibagi {rupiah(kec_env.amount - others)})."
        )
    return problems


def _lock_year(fiscal_year: FiscalYear) -> FiscalYear:
    # Every envelope change of a year queues on the year's row: the city-wide sum stays true.
    return FiscalYear.objects.select_for_update().get(pk=fiscal_year.pk)


@records_actor
@transaction.atomic
def envelope_set(
    *,
    actor,
    fiscal_year: FiscalYear,
    kecamatan: Kecamatan,
    kelurahan: Kelurahan | None = None,
    amount: int,
    note: str | None = None,
) -> BudgetEnvelope:
    """Set (create or change) a kecamatan's envelope or one kelurahan's share of it."""
    if not may_set_envelopes(actor):
        raise ActionRefused("Hanya Bappeda atau administrator yang dapat mengatur pagu anggaran.")
    try:
        amount = int(amount)
    except (TypeError, ValueError) as exc:
        raise ActionRefused("Pagu harus berupa bilangan rupiah.") from exc
    fiscal_year = _lock_year(fiscal_year)
    envelopes = lock_envelopes(fiscal_year=fiscal_year, kecamatan=kecamatan)
    problems = envelope_problems(
        fiscal_year=fiscal_year,
        kecamatan=kecamatan,
        kelurahan=kelurahan,
        amount=amount,
        envelopes=envelopes,
    )
    if problems:
        raise ActionRefused("Pagu tidak dapat ditetapkan.", problems=problems)
    key = kelurahan.pk if kelurahan is not None else None
    envelope = envelopes.get(key)
    old = envelope.amount if envelope else None
    if envelope is None:
        envelope = BudgetEnvelope(fiscal_year=fiscal_year, kecamatan=kecamatan, kelurahan=kelurahan)
    envelope.amount = amount
    if note is not None:
        envelope.note = note.strip()[:200]
    envelope.full_clean()
    envelope.save()
    area = f"Kelurahan {kelurahan}" if kelurahan else f"Kecamatan {kecamatan}"
    audit_record(
        actor=actor,
        action="envelope_set",
        obj=envelope,
        summary=(
            f"Pagu {area} {fiscal_year.year}: "
            + (f"{rupiah(old)} → {rupiah(amount)}" if old is not None else rupiah(amount))
        ),
        data={
            "year": fiscal_year.year,
            "kecamatan": kecamatan.pk,
            "kelurahan": kelurahan.pk if kelurahan else None,
            "old": old,
            "new": amount,
            "note": envelope.note,
        },
    )
    return envelope


@records_actor
@transaction.atomic
def envelope_share_remove(*, actor, envelope: BudgetEnvelope) -> None:
    """Drop a kelurahan's share: its proposals then draw on the kecamatan envelope alone."""
    if not may_set_envelopes(actor):
        raise ActionRefused("Hanya Bappeda atau administrator yang dapat mengatur pagu anggaran.")
    if envelope.kelurahan_id is None:
        raise ActionRefused("Pagu kecamatan tidak dapat dihapus; ubah nilainya bila perlu.")
    fiscal_year = _lock_year(envelope.fiscal_year)
    locked = lock_envelopes(fiscal_year=fiscal_year, kecamatan=envelope.kecamatan)
    current = locked.get(envelope.kelurahan_id)
    if current is None:
        return
    audit_record(
        actor=actor,
        action="envelope_share_remove",
        obj=current,
        summary=(
            f"Pagu Kelurahan {current.kelurahan} {fiscal_year.year} "
            f"({rupiah(current.amount)}) dihapus"
        ),
        data={
            "year": fiscal_year.year,
            "kecamatan": current.kecamatan_id,
            "kelurahan": current.kelurahan_id,
            "old": current.amount,
        },
    )
    current.delete()


# --- Closing a budget year -------------------------------------------------------------------

# A year closes from its execution; reopened, it returns there.
CLOSABLE_FROM = FiscalYear.Status.EXECUTION


def _move_year(year: FiscalYear, status: str, *, actor, action: str, summary: str) -> None:
    """Save a locked year's new status with the audit row that says from where it came."""
    before = year.status
    year.status = status
    year.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action=action,
        obj=year,
        summary=summary,
        data={"year": year.year, "from": before, "to": year.status},
    )


def fiscal_year_close(*, actor, fiscal_year: FiscalYear) -> FiscalYear:
    """Close a budget year: its records are then final (late corrections still possible, and
    shown), the dashboard reads its figures from summary rows and the purchase exports are
    kept. The summary is built by the dashboard's background task after the audit row."""
    if not may_close_fiscal_year(actor):
        raise ActionRefused("Hanya Bappeda atau administrator yang dapat menutup tahun anggaran.")
    with transaction.atomic():
        year = _lock_year(fiscal_year)
        if year.status == FiscalYear.Status.CLOSED:
            raise ActionRefused(f"Tahun anggaran {year.year} sudah ditutup.")
        if year.status != CLOSABLE_FROM:
            raise ActionRefused(
                f"Tahun anggaran {year.year} berstatus {year.get_status_display()}: hanya tahun "
                f"yang berstatus {FiscalYear.Status(CLOSABLE_FROM).label} dapat ditutup."
            )
        _move_year(
            year,
            FiscalYear.Status.CLOSED,
            actor=actor,
            action="fiscal_year_close",
            summary=f"Tahun anggaran {year.year} ditutup",
        )
    return year


def fiscal_year_reopen(*, actor, fiscal_year: FiscalYear, reason: str) -> FiscalYear:
    """Reopen a closed year (to correct its records); the reason is kept in the audit row."""
    if not may_close_fiscal_year(actor):
        raise ActionRefused(
            "Hanya Bappeda atau administrator yang dapat membuka kembali tahun anggaran."
        )
    reason = (reason or "").strip()
    if not reason:
        raise ActionRefused("Alasan membuka kembali tahun anggaran wajib diisi.")
    with transaction.atomic():
        year = _lock_year(fiscal_year)
        if year.status != FiscalYear.Status.CLOSED:
            raise ActionRefused(f"Tahun anggaran {year.year} belum ditutup.")
        _move_year(
            year,
            CLOSABLE_FROM,
            actor=actor,
            action="fiscal_year_reopen",
            summary=f"Tahun anggaran {year.year} dibuka kembali: {reason[:200]}",
        )
    return year
