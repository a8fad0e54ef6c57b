"""Citizen support for a Musrenbang entry, given with a NIK kept only as a keyed hash.

Who may support is the fiscal year's rule (`FiscalYear.support_residency`), checked against
the NIK's region code (digits 1–6: province, city, kecamatan where the NIK was issued):

- "kecamatan" (the default): only NIKs issued in the entry's kecamatan;
- "city": any Kota Jambi NIK.

There is no kelurahan rule: a NIK does not carry the kelurahan, so such a rule could only
trust what the citizen types. The kecamatan rule has a known limit too: a NIK never changes,
so a resident who moved to another kecamatan (or whose area became a new kecamatan when
kecamatan were split) keeps the old code and is refused; a year that must count them uses the
city rule.

Besides the keyed hash, a support keeps the NIK's last four digits and its region code (the
first six digits, for the audit's "support from another area" flag); never more of it, and
neither is shown on a public page.

A repeated support is answered exactly like a first one (the caller must not tell them
apart), so the page cannot be used to learn whether a given NIK has supported an entry.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from bangkit.errors import ActionRefused
from bangkit.models import FiscalYear
from bangkit.nik import NikInfo, nik_prefix, validate_nik
from bangkit.services import audit_record
from proposals.models import CitizenSupport, MusrenbangEntry

# The age at which residents get a KTP: family cards also list children's NIKs.
MINIMUM_AGE = 17


@dataclass(frozen=True)
class SupportOutcome:
    """The support row and whether this call created it. Views answer both cases alike."""

    support: CitizenSupport
    created: bool


def open_fiscal_year(entry: MusrenbangEntry) -> FiscalYear | None:
    """The entry's fiscal year if it is open for proposals (and so for support), else None."""
    return FiscalYear.objects.filter(year=entry.year, status=FiscalYear.Status.OPEN).first()


def age_of(birth_date) -> int:
    today = timezone.localdate()
    return (
        today.year
        - birth_date.year
        - ((today.month, today.day) < (birth_date.month, birth_date.day))
    )


def residency_refusal(fiscal_year: FiscalYear, info: NikInfo, entry: MusrenbangEntry) -> str:
    """Why this NIK may not support the entry under the year's rule; "" when it may."""
    return kecamatan_refusal(
        fiscal_year,
        info,
        entry.kelurahan.kecamatan,
        _(
            "Usulan ini hanya dapat didukung oleh warga yang NIK-nya terdaftar di Kecamatan "
            "%(kecamatan)s (NIK diawali %(prefix)s). NIK yang Anda isi terdaftar di Kecamatan "
            "%(nik_kecamatan)s, sehingga dukungan tidak dicatat."
        ),
    )


def kecamatan_refusal(fiscal_year: FiscalYear, info: NikInfo, kecamatan, message: str) -> str:
    """The year's residency rule for a place in `kecamatan`: "" when the NIK may act there,
    else `message` filled with the kecamatan, its NIK prefix and the NIK's own kecamatan."""
    if fiscal_year.support_residency == FiscalYear.SupportResidency.CITY:
        return ""  # validate_nik already requires a Kota Jambi NIK
    if info.issued_in(kecamatan.code):
        return ""
    return message % {
        "kecamatan": kecamatan.name,
        "prefix": nik_prefix(kecamatan.code),
        "nik_kecamatan": info.kecamatan_name,
    }


def residency_text(fiscal_year: FiscalYear, entry: MusrenbangEntry | None = None) -> str:
    """Who may support, in a sentence for the public pages (for one entry, or for the year)."""
    if fiscal_year.support_residency == FiscalYear.SupportResidency.CITY:
        return _(
            "Warga yang NIK-nya terdaftar di Kota Jambi (NIK diawali 1571) dapat mendukung, "
            "satu kali per NIK untuk setiap usulan."
        )
    if entry is None:
        return _(
            "Warga dapat mendukung usulan di kecamatan tempat NIK-nya terdaftar (angka ke-5 dan "
            "ke-6 NIK), satu kali per NIK untuk setiap usulan."
        )
    kecamatan = entry.kelurahan.kecamatan
    return _(
        "Hanya warga yang NIK-nya terdaftar di Kecamatan %(kecamatan)s (NIK diawali "
        "%(prefix)s) yang dapat mendukung usulan ini, satu kali per NIK."
    ) % {"kecamatan": kecamatan.name, "prefix": nik_prefix(kecamatan.code)}


def _existing(entry: MusrenbangEntry, nik_hash: str) -> CitizenSupport | None:
    return CitizenSupport.objects.filter(entry=entry, nik_hash=nik_hash).first()


@sensitive_variables("nik", "info")
@transaction.atomic
def entry_support(*, entry: MusrenbangEntry, nik: str, ip: str | None = None) -> SupportOutcome:
    """Record one resident's support; refuse a bad NIK, a child, a closed year, a NIK from
    outside the year's area. A second support by the same NIK counts nothing and is not an
    error: the outcome says `created=False`, for tests and figures, never for the citizen."""
    try:
        info = validate_nik(nik)
    except ValidationError as error:
        raise ActionRefused(" ".join(error.messages)) from None

    fiscal_year = open_fiscal_year(entry)
    if fiscal_year is None:
        raise ActionRefused(
            _(
                "Dukungan untuk usulan Musrenbang tahun %(year)s tidak dibuka: tahun anggaran "
                "itu tidak sedang menerima usulan."
            )
            % {"year": entry.year}
        )

    if age_of(info.birth_date) < MINIMUM_AGE:
        raise ActionRefused(
            _("Dukungan hanya dapat diberikan oleh warga berusia %(age)s tahun ke atas (usia KTP).")
            % {"age": MINIMUM_AGE}
        )

    # Every refusal depends only on the NIK typed and the entry, never on earlier supports.
    refusal = residency_refusal(fiscal_year, info, entry)
    if refusal:
        raise ActionRefused(refusal)

    nik_hash = info.hash
    existing = _existing(entry, nik_hash)
    if existing is not None:
        return SupportOutcome(existing, created=False)
    try:
        # A savepoint: a concurrent twin hitting the unique constraint must not break the
        # caller's transaction.
        with transaction.atomic():
            support = CitizenSupport.objects.create(
                entry=entry, nik_hash=nik_hash, nik_last4=info.last4, nik_region=info.region
            )
    except IntegrityError:
        return SupportOutcome(CitizenSupport.objects.get(entry=entry, nik_hash=nik_hash), False)

    audit_record(
        actor=None,
        action="citizen_support",
        obj=entry,
        summary=_("Dukungan warga (NIK …%(last4)s) untuk usulan Musrenbang %(id)s")
        % {"last4": info.last4, "id": entry.source_id},
        # No IP address: it is personal data too, and the rate limiter does not need it kept.
        data={"support_id": support.pk, "nik_last4": info.last4},
    )
    return SupportOutcome(support, created=True)
