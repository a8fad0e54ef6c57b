"""Citizen support for a Musrenbang entry, given with a NIK kept only as a keyed hash."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_variables

from bangkit.errors import ActionRefused
from bangkit.models import FiscalYear
from bangkit.nik import validate_nik
from bangkit.services import audit_record
from proposals.models import CitizenSupport, MusrenbangEntry

# The age at which residents get a KTP: family cards also list children's NIKs.
MINIMUM_AGE = 17

DUPLICATE_MESSAGE = gettext_lazy("NIK ini sudah mendukung usulan ini.")


def entry_is_open_for_support(entry: MusrenbangEntry) -> bool:
    return FiscalYear.objects.filter(year=entry.year, status=FiscalYear.Status.OPEN).exists()


def _age(birth_date) -> int:
    today = timezone.localdate()
    return (
        today.year
        - birth_date.year
        - ((today.month, today.day) < (birth_date.month, birth_date.day))
    )


def _already_supported(entry: MusrenbangEntry, nik_hash: str) -> bool:
    return CitizenSupport.objects.filter(entry=entry, nik_hash=nik_hash).exists()


@sensitive_variables("nik", "info")
@transaction.atomic
def entry_support(*, entry: MusrenbangEntry, nik: str, ip: str | None = None) -> CitizenSupport:
    """Record one resident's support; refuse a bad NIK, a child, a closed year, a second time.

    Any valid Kota Jambi NIK may support any entry of the city: a NIK keeps the kecamatan of
    its first registration (residents move, kecamatan were split in 2016), so it cannot prove
    which kelurahan someone lives in today.
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

    if _age(info.birth_date) < MINIMUM_AGE:
        raise ActionRefused(
            _("Dukungan hanya dapat diberikan oleh warga berusia %(age)s tahun ke atas (usia KTP).")
            % {"age": MINIMUM_AGE}
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
        # No IP address: it is personal data too, and the rate limiter does not need it kept.
        data={"support_id": support.pk, "nik_last4": info.last4},
    )
    return support
