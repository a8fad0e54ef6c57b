"""Citizen support for a Musrenbang entry, given with a NIK kept only as a keyed hash."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_variables

from bangkit.errors import ActionRefused
from bangkit.models import FiscalYear
from bangkit.nik import validate_nik
from bangkit.services import audit_record
from proposals.models import CitizenSupport, MusrenbangEntry

DUPLICATE_MESSAGE = gettext_lazy("NIK ini sudah mendukung usulan ini.")


def entry_is_open_for_support(entry: MusrenbangEntry) -> bool:
    return FiscalYear.objects.filter(year=entry.year, status=FiscalYear.Status.OPEN).exists()


def _already_supported(entry: MusrenbangEntry, nik_hash: str) -> bool:
    return CitizenSupport.objects.filter(entry=entry, nik_hash=nik_hash).exists()


@sensitive_variables("nik", "info")
@transaction.atomic
def entry_support(*, entry: MusrenbangEntry, nik: str, ip: str | None = None) -> CitizenSupport:
    """Record one resident's support; refuse a bad NIK, another kecamatan, a closed year, twice.

    A NIK encodes the kecamatan where it was registered, not the kelurahan, so the check is
    at kecamatan level: NIK digits 1-6 (1571KK) against the entry's kecamatan (15.71.KK).
    """
    try:
        info = validate_nik(nik)
    except ValidationError as error:
        raise ActionRefused(" ".join(error.messages)) from None

    if not entry_is_open_for_support(entry):
        raise ActionRefused(
            _(
                "Dukungan untuk usulan Musrenbang tahun %(year)s tidak dibuka: tahun anggaran "
                "itu tidak sedang menerima usulan."
            )
            % {"year": entry.year}
        )

    kecamatan = entry.kelurahan.kecamatan
    if kecamatan.code != info.kecamatan_code:
        raise ActionRefused(
            _(
                "NIK Anda terdaftar di Kecamatan %(nik_kecamatan)s, sedangkan usulan ini berada "
                "di Kecamatan %(entry_kecamatan)s. Warga hanya dapat mendukung usulan di "
                "kecamatan tempat NIK-nya terdaftar."
            )
            % {"nik_kecamatan": info.kecamatan_name, "entry_kecamatan": kecamatan.name}
        )

    nik_hash = info.hash
    if _already_supported(entry, nik_hash):
        raise ActionRefused(str(DUPLICATE_MESSAGE))
    try:
        # A savepoint: a concurrent twin hitting the unique constraint must not break the
        # caller's transaction.
        with transaction.atomic():
            support = CitizenSupport.objects.create(
                entry=entry, nik_hash=nik_hash, nik_last4=info.last4
            )
    except IntegrityError:
        raise ActionRefused(str(DUPLICATE_MESSAGE)) from None

    audit_record(
        actor=None,
        action="citizen_support",
        obj=entry,
        summary=_("Dukungan warga (NIK …%(last4)s) untuk usulan Musrenbang %(id)s")
        % {"last4": info.last4, "id": entry.source_id},
        data={"support_id": support.pk, "nik_last4": info.last4, "ip": ip or ""},
    )
    return support
