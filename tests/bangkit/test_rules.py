"""The core predicates and the admin's use of them: role (and account state) → allowed or not.

No area here: the core predicates are about who the account is; the apps' rules add the area
and the state of what is acted on.
"""

import pytest
from django.contrib import admin
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from bangkit import rules
from bangkit.admin import FiscalYearAdmin, KecamatanAdmin
from bangkit.models import FiscalYear, Kecamatan, Role
from tests import factories


def build(account):
    """The account under test, by the factory (with its area where the role has one)."""
    if account == "anonymous":
        return AnonymousUser()
    kec = factories.KecamatanFactory(code="99.74.01", name="Kecamatan Inti", slug="inti")
    kel = factories.KelurahanFactory(kecamatan=kec, name="Kelurahan Inti", slug="inti-1")
    rt = factories.RTFactory(kelurahan=kel, number=1)
    role, area, fields = {
        "rt": (Role.RT, rt, {}),
        "kelurahan": (Role.KELURAHAN, kel, {}),
        "kecamatan": (Role.KECAMATAN, kec, {}),
        "bappeda": (Role.BAPPEDA, None, {}),
        "bappeda_without_staff_flag": (Role.BAPPEDA, None, {"is_staff": False}),
        "bappeda_disabled": (Role.BAPPEDA, None, {"is_active": False}),
        "inspektorat": (Role.INSPEKTORAT, None, {}),
        "admin": (Role.ADMIN, None, {}),
        "admin_disabled": (Role.ADMIN, None, {"is_active": False}),
        "superuser": (Role.INSPEKTORAT, None, {"is_superuser": True}),
        "toko": (Role.TOKO, None, {}),
    }[account]
    return factories.make_user(role, area, username=f"inti-{account}", **fields)


# Hand-written: what each account may do (every other cell is refused).
ALLOWED = {
    "anonymous": set(),
    "rt": {"signed_in"},
    "kelurahan": {"signed_in"},
    "kecamatan": {"signed_in"},
    "bappeda": {"signed_in", "city_data", "admin_city_data"},
    "bappeda_without_staff_flag": {"signed_in", "city_data"},
    "bappeda_disabled": set(),
    "inspektorat": {"signed_in"},
    "admin": {"signed_in", "administrator", "city_data", "admin_city_data", "admin_regions"},
    "admin_disabled": set(),
    "superuser": {"signed_in", "administrator", "city_data", "admin_city_data", "admin_regions"},
    "toko": {"signed_in"},
}
ACTIONS = ["signed_in", "administrator", "city_data", "admin_city_data", "admin_regions"]


@pytest.mark.parametrize("account", list(ALLOWED))
def test_core_matrix(db, account):
    user = build(account)
    request = RequestFactory().post("/admin/")
    request.user = user
    admin_pages = {
        # Fiscal years are Bappeda's; kecamatan (the regions' skeleton) the administrators'.
        "admin_city_data": FiscalYearAdmin(FiscalYear, admin.site),
        "admin_regions": KecamatanAdmin(Kecamatan, admin.site),
    }
    got = {
        "signed_in": rules.is_signed_in(user),
        "administrator": rules.is_administrator(user),
        "city_data": rules.keeps_city_data(user),
    }
    for action, page in admin_pages.items():
        # Add, change and delete all follow the page's edit_rule (and the staff flag).
        answers = {
            page.has_add_permission(request),
            page.has_change_permission(request),
            page.has_delete_permission(request),
        }
        assert len(answers) == 1, (action, answers)
        got[action] = answers.pop()

    assert got == {action: action in ALLOWED[account] for action in ACTIONS}


@pytest.mark.parametrize("text", [None, "", "   ", "terlambat", "  sembilan  "])
def test_a_reason_shorter_than_ten_letters_is_refused_in_the_steps_words(text):
    from bangkit.errors import ActionRefused

    assert not rules.has_reason(text)
    with pytest.raises(ActionRefused) as refused:
        rules.require_reason(text, what="alasan pembatalan")
    assert refused.value.message == "Tuliskan alasan pembatalan (paling sedikit 10 huruf)."


def test_a_long_enough_reason_comes_back_stripped():
    assert rules.has_reason("  toko tutup  ")
    assert rules.require_reason("  toko tutup  ") == "toko tutup"
    with pytest.raises(Exception) as refused:
        rules.require_reason("singkat", note="alasan ini terlihat oleh Bappeda")
    assert str(refused.value.message).endswith("huruf): alasan ini terlihat oleh Bappeda.")


def test_a_reason_with_a_nul_character_is_refused_not_stored():
    from bangkit.errors import ActionRefused

    with pytest.raises(ActionRefused) as refused:
        rules.require_reason("sudah diperiksa\x00 di lapangan", what="catatan tinjauan")
    assert refused.value.message.startswith("Tuliskan catatan tinjauan tanpa karakter NUL")
