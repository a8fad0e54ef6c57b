"""History of the budget envelopes: each amount set through the service, from the admin or
elsewhere, keeps who set it, when, and the old and new amount; scoped like the envelope."""

import pytest
from django.urls import reverse

from bangkit.models import Role
from budgets.models import BudgetEnvelope
from budgets.services import envelope_set, envelope_share_remove
from tests import factories
from tests.admin_forms import change_form_data


@pytest.fixture
def city(db):
    kec = factories.KecamatanFactory(code="99.74.01", name="Kecamatan Riwayat A", slug="riw-a")
    kec_b = factories.KecamatanFactory(code="99.74.02", name="Kecamatan Riwayat B", slug="riw-b")
    kel = factories.KelurahanFactory(kecamatan=kec, name="Kelurahan Riwayat A1", slug="riw-a1")
    mk = factories.make_user
    return {
        "fiscal_year": factories.FiscalYearFactory(),
        "kecamatan": kec,
        "kecamatan_other": kec_b,
        "kelurahan": kel,
        "bappeda": mk(Role.BAPPEDA, username="bappeda-riwayat"),
        "camat": mk(Role.KECAMATAN, kec, username="camat-riwayat-a", is_staff=True),
        "camat_other": mk(Role.KECAMATAN, kec_b, username="camat-riwayat-b", is_staff=True),
    }


def url(view: str, *args) -> str:
    return reverse(f"admin:budgets_budgetenvelope_{view}", args=args)


def test_each_amount_set_through_the_service_is_kept_with_who_set_it(city):
    bappeda = city["bappeda"]
    where = {"fiscal_year": city["fiscal_year"], "kecamatan": city["kecamatan"]}

    envelope = envelope_set(actor=bappeda, amount=900_000_000, **where)
    envelope_set(actor=bappeda, amount=850_000_000, note="Refocusing", **where)

    new, old = envelope.history.all()
    assert (old.history_type, old.amount, old.history_user) == ("+", 900_000_000, bappeda)
    assert (new.history_type, new.amount, new.note, new.history_user) == (
        "~",
        850_000_000,
        "Refocusing",
        bappeda,
    )
    assert set(new.diff_against(old).changed_fields) == {"amount", "note"}
    assert BudgetEnvelope.history.model._meta.db_table == "budgets_historicalbudgetenvelope"


def test_a_removed_share_stays_in_the_history(city):
    bappeda = city["bappeda"]
    where = {"fiscal_year": city["fiscal_year"], "kecamatan": city["kecamatan"]}
    envelope_set(actor=bappeda, amount=900_000_000, **where)
    share = envelope_set(actor=bappeda, amount=300_000_000, kelurahan=city["kelurahan"], **where)

    envelope_share_remove(actor=bappeda, envelope=share)

    removed = BudgetEnvelope.history.get(id=share.pk, history_type="-")
    assert (removed.amount, removed.history_user) == (300_000_000, bappeda)


def test_an_amount_changed_in_the_admin_shows_old_and_new_on_its_history_page(client, city):
    envelope = envelope_set(
        actor=city["bappeda"],
        fiscal_year=city["fiscal_year"],
        kecamatan=city["kecamatan"],
        amount=900_000_000,
    )
    client.force_login(city["bappeda"])
    change = url("change", envelope.pk)

    response = client.post(change, change_form_data(client.get(change)) | {"amount": "950000000"})

    assert response.status_code == 302
    page = client.get(url("history", envelope.pk)).content.decode()
    assert "Pagu anggaran (Rp):</strong>\n                    Rp 900.000.000" in page
    assert "Rp 950.000.000" in page
    assert envelope.history.first().history_user == city["bappeda"]


def test_the_history_of_another_kecamatans_envelope_is_not_found(client, city):
    envelope = envelope_set(
        actor=city["bappeda"],
        fiscal_year=city["fiscal_year"],
        kecamatan=city["kecamatan"],
        amount=900_000_000,
    )
    version = envelope.history.first()

    client.force_login(city["camat_other"])
    assert client.get(url("history", envelope.pk)).status_code == 404
    assert client.get(url("simple_history", envelope.pk, version.pk)).status_code == 404
    client.force_login(city["camat"])
    assert client.get(url("history", envelope.pk)).status_code == 200
