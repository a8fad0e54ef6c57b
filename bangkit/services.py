"""Writes that belong to the core domain: the audit trail."""

from django.contrib.contenttypes.models import ContentType

from bangkit.models import AuditEvent
from bangkit.scoping import kecamatan_of


def audit_record(*, actor, action: str, obj=None, summary: str = "", data: dict | None = None):
    """Write one immutable audit row; call it inside the transaction of the change it records.

    The row keeps the kecamatan ``obj`` lies in (none for a record without an area: such
    rows are seen only city-wide)."""
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None else "",
        summary=summary,
        data=data or {},
        kecamatan_id=kecamatan_of(obj),
    )
