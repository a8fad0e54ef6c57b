"""The audit trail is written once: no row, single or bulk, can be changed or deleted."""

import pytest
from django.core.exceptions import ValidationError

from bangkit.models import AuditEvent
from bangkit.services import audit_record
from tests.factories import make_user


def test_audit_record_keeps_actor_action_and_object(regions):
    user = make_user("bappeda")
    event = audit_record(actor=user, action="fiscal_year_open", obj=user, summary="dibuka")

    assert event.actor == user
    assert event.object_id == str(user.pk)
    assert event.content_type.model == "user"


def test_bulk_update_and_delete_of_audit_rows_are_refused(db):
    audit_record(actor=None, action="x", summary="asli")

    with pytest.raises(ValidationError):
        AuditEvent.objects.filter(action="x").update(summary="dipalsukan")
    with pytest.raises(ValidationError):
        AuditEvent.objects.filter(action="x").delete()

    assert AuditEvent.objects.get(action="x").summary == "asli"


def test_a_saved_audit_row_cannot_be_saved_again(db):
    event = audit_record(actor=None, action="x")
    event.summary = "dipalsukan"

    with pytest.raises(ValidationError):
        event.save()
