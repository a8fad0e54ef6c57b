"""Who sets the envelopes: role × action × year state × area → allowed or not.

The predicate (budgets.rules.may_set_envelopes) answers for the role alone; the services and
the admin use it, and the services also refuse a closed year (a state, not a permission).
"""

import pytest
from django.contrib import admin
from django.db import transaction
from django.test import RequestFactory

from bangkit.errors import ActionRefused
from bangkit.models import FiscalYear, Role
from budgets import rules
from budgets.admin import BudgetEnvelopeAdmin
from budgets.models import BudgetEnvelope
from budgets.services import envelope_set, envelope_share_remove
from tests import factories

ROLES = [
    "rt",
    "lurah",
    "camat",
    "camat_other",
    "bappeda",
    "inspektorat",
    "admin",
    "superuser",
    "toko",
]
ACTIONS = ["predicate", "admin", "set_kecamatan", "set_kelurahan", "remove_share"]
STATES = [status for status, _ in FiscalYear.Status.choices]
# Every role that may set envelopes, written out by hand (not read from the rules).
SETTERS = {"bappeda", "admin", "superuser"}


@pytest.fixture
def city(db):
    kec = factories.KecamatanFactory(code="99.73.01", name="Kecamatan Pagu A", slug="pagu-a")
    kec_b = factories.KecamatanFactory(code="99.73.02", name="Kecamatan Pagu B", slug="pagu-b")
    kel = factories.KelurahanFactory(kecamatan=kec, name="Kelurahan Pagu A1", slug="pagu-a1")
    kel_b = factories.KelurahanFactory(kecamatan=kec_b, name="Kelurahan Pagu B1", slug="pagu-b1")
    rt = factories.RTFactory(kelurahan=kel, number=1)
    mk = factories.make_user
    users = {
        "rt": mk(Role.RT, rt, username="rt-pagu"),
        "lurah": mk(Role.KELURAHAN, kel, username="lurah-pagu"),
        "camat": mk(Role.KECAMATAN, kec, username="camat-pagu-a"),
        "camat_other": mk(Role.KECAMATAN, kec_b, username="camat-pagu-b"),
        "bappeda": mk(Role.BAPPEDA, username="bappeda-pagu"),
        "inspektorat": mk(Role.INSPEKTORAT, username="inspektorat-pagu"),
        "admin": mk(Role.ADMIN, username="admin-pagu"),
        "superuser": mk(Role.INSPEKTORAT, username="super-pagu", is_superuser=True),
        "toko": mk(Role.TOKO, username="toko-pagu"),
    }
    areas = {"kecamatan": {"same": kec, "other": kec_b}, "kelurahan": {"same": kel, "other": kel_b}}
    return areas, users


def attempt(action, user, *, fiscal_year, kecamatan, kelurahan, share):
    if action == "predicate":
        return rules.may_set_envelopes(user)
    if action == "admin":
        request = RequestFactory().get("/admin/budgets/budgetenvelope/add/")
        request.user = user
        return BudgetEnvelopeAdmin(BudgetEnvelope, admin.site).has_add_permission(request)
    try:
        if action == "set_kecamatan":
            envelope_set(actor=user, fiscal_year=fiscal_year, kecamatan=kecamatan, amount=900_000)
        elif action == "set_kelurahan":
            envelope_set(
                actor=user,
                fiscal_year=fiscal_year,
                kecamatan=kecamatan,
                kelurahan=kelurahan,
                amount=200_000,
            )
        else:
            envelope_share_remove(actor=user, envelope=share)
    except ActionRefused:
        return False
    return True


def expected(action, state, role):
    if role not in SETTERS:
        return False
    # Setting an amount in a closed year is refused by the service, whoever asks.
    return not (action.startswith("set_") and state == FiscalYear.Status.CLOSED)


@pytest.mark.parametrize("area", ["same", "other"])
@pytest.mark.parametrize("state", STATES)
def test_envelope_matrix(city, state, area):
    """ "same": the envelope of the camat's own kecamatan; "other": another kecamatan's."""
    areas, users = city
    fiscal_year = factories.FiscalYearFactory(year=2027, status=state)
    kecamatan, kelurahan = areas["kecamatan"][area], areas["kelurahan"][area]
    BudgetEnvelope.objects.create(fiscal_year=fiscal_year, kecamatan=kecamatan, amount=1_000_000)
    share = BudgetEnvelope.objects.create(
        fiscal_year=fiscal_year, kecamatan=kecamatan, kelurahan=kelurahan, amount=100_000
    )
    outcomes = {}
    for role in ROLES:
        for action in ACTIONS:
            with transaction.atomic():
                outcomes[(action, role)] = attempt(
                    action,
                    users[role],
                    fiscal_year=fiscal_year,
                    kecamatan=kecamatan,
                    kelurahan=kelurahan,
                    share=share,
                )
                transaction.set_rollback(True)

    assert outcomes == {(a, r): expected(a, state, r) for r in ROLES for a in ACTIONS}
