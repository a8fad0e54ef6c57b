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


APPS = ["bangkit", "proposals", "budgets", "verification", "procurement", "reporting", "portal"]


def _written_actions() -> dict[str, str]:
    """Every audit action the code writes as a literal: audit_record(action="…"), an importer's
    audit_action = "…", and the lifecycle steps apply_transition_locked(action="…") audits
    as "proposal_<step>"."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    found = {}
    for app in APPS:
        for path in (root / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Call):
                    name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                    for kw in node.keywords:
                        if kw.arg == "action" and isinstance(kw.value, ast.Constant):
                            if name == "audit_record":
                                found[kw.value.value] = str(path)
                            elif name == "apply_transition_locked":
                                found[f"proposal_{kw.value.value}"] = str(path)
                elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                    targets = [getattr(t, "id", "") for t in node.targets]
                    if "audit_action" in targets and node.value.value:
                        found[node.value.value] = str(path)
    return found


def test_every_audit_action_the_code_writes_has_indonesian_words():
    from bangkit.models import AUDIT_ACTION_LABELS, audit_action_label

    written = _written_actions()
    assert len(written) > 40  # the scan found the services, importers and admin actions
    missing = {code: where for code, where in written.items() if code not in AUDIT_ACTION_LABELS}
    assert missing == {}
    for label in AUDIT_ACTION_LABELS.values():
        assert "_" not in label and label[0].isupper(), label
    assert audit_action_label("proposal_submit") == "Tahap usulan: Diajukan ke kelurahan"
    assert audit_action_label("work_day_update") == "Hari kerja diubah"


def test_the_audit_trail_in_the_admin_shows_the_words_not_the_code(client, regions):
    admin_user = make_user("admin", username="sysadmin", is_staff=True, is_superuser=True)
    audit_record(actor=admin_user, action="decree_issue", summary="SK 1")
    client.force_login(admin_user)

    page = client.get("/admin/bangkit/auditevent/").content.decode()
    assert "SK Camat ditetapkan" in page
    assert "decree_issue</" not in page and ">decree_issue<" not in page
    filtered = client.get("/admin/bangkit/auditevent/", {"tindakan": "decree_issue"})
    assert filtered.status_code == 200 and "SK 1" in filtered.content.decode()
    event = AuditEvent.objects.get(action="decree_issue")
    detail = client.get(f"/admin/bangkit/auditevent/{event.pk}/change/").content.decode()
    assert "SK Camat ditetapkan" in detail


# --- the kecamatan each row keeps ---------------------------------------------------------------


def test_audit_record_keeps_the_kecamatan_of_its_record(db):
    from proposals.models import RABLine
    from tests.factories import ProposalFactory

    proposal = ProposalFactory()
    line = RABLine.objects.filter(proposal=proposal).first()
    assert line is not None
    kecamatan_id = proposal.kelurahan.kecamatan_id

    assert audit_record(actor=None, action="x", obj=proposal).kecamatan_id == kecamatan_id
    line = RABLine.objects.get(pk=line.pk)  # its proposal not loaded: read with one query
    assert audit_record(actor=None, action="x", obj=line).kecamatan_id == kecamatan_id
    kecamatan = proposal.kelurahan.kecamatan
    assert audit_record(actor=None, action="x", obj=kecamatan).kecamatan_id == kecamatan_id


def test_a_row_of_a_record_without_an_area_keeps_no_kecamatan(db):
    from tests.factories import FiscalYearFactory

    year = FiscalYearFactory()
    assert audit_record(actor=None, action="x", obj=year).kecamatan_id is None
    assert audit_record(actor=None, action="x").kecamatan_id is None
