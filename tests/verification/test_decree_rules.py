"""Who acts on a decree: role × action × decree state × area → allowed or not.

"same" puts the decree in kecamatan A (the camat's, lurah's and RT's own), "other" in
kecamatan B (camat_other's).
"""

import datetime

import pytest

from bangkit.errors import ActionRefused, NotInScope
from verification.decrees import rules
from verification.models import Decree

ROLES = ["camat", "camat_other", "lurah", "rt", "bappeda", "inspektorat", "admin"]
STATES = [Decree.State.DRAFT, Decree.State.ISSUED, Decree.State.REVOKED]
CAMAT = {"same": "camat", "other": "camat_other"}
# Who can see the decree's kecamatan (and so is told plainly that it is not theirs).
SEES = {
    "same": {"lurah", "rt", "bappeda", "inspektorat", "admin"},
    "other": {"bappeda", "inspektorat", "admin"},
}
# Hand-written, per action: the decree states in which its own Camat may act.
CAMAT_STATES = {
    "edit": {Decree.State.DRAFT},
    "amend": {Decree.State.ISSUED},
}


def make_decree(prio, kecamatan, state):
    """A decree row in `state` (by ORM, as the reporting fixtures build them)."""
    issued = state != Decree.State.DRAFT
    return Decree.objects.create(
        kecamatan=kecamatan,
        fiscal_year=prio.fiscal_year,
        state=state,
        number=f"1/SK/BB/{kecamatan.pk}/2026" if issued else "",
        title="Penetapan Lokasi Kegiatan Bangkit Berdaya",
        menimbang="a. bahwa",
        mengingat="1. Perwal",
        clauses=["Menetapkan lokasi"],
        decree_date=datetime.date(2026, 3, 2) if issued else None,
        signatory_name="Hasan",
        created_by=prio.users["camat"],
    )


def required(user, kecamatan_id):
    try:
        rules.require_camat_of(user, kecamatan_id)
    except (ActionRefused, NotInScope) as exc:
        return type(exc)
    return "allowed"


@pytest.mark.parametrize("area", ["same", "other"])
@pytest.mark.parametrize("state", STATES)
def test_decree_matrix(prio, state, area):
    kecamatan = prio.kecamatan if area == "same" else prio.kecamatan_other
    decree = make_decree(prio, kecamatan, state)
    got, want = {}, {}
    for role in ROLES:
        user = prio.users[role]
        got[("camat_of", role)] = rules.is_camat_of(user, kecamatan.pk)
        got[("draft", role)] = rules.may_draft_decrees(user)
        got[("edit", role)] = rules.may_edit_decree(user, decree)
        got[("amend", role)] = rules.may_amend_decree(user, decree)
        got[("templates", role)] = rules.may_keep_decree_templates(user)
        got[("require", role)] = required(user, kecamatan.pk)

        own = role == CAMAT[area]
        want[("camat_of", role)] = own
        want[("draft", role)] = role in {"camat", "camat_other"}
        want[("edit", role)] = own and state in CAMAT_STATES["edit"]
        want[("amend", role)] = own and state in CAMAT_STATES["amend"]
        want[("templates", role)] = role in {"bappeda", "admin"}
        if own:
            want[("require", role)] = "allowed"
        else:
            want[("require", role)] = ActionRefused if role in SEES[area] else NotInScope

    assert got == want
