"""History of the rules and of users (bangkit.history, bangkit.admin_scoping): every change
keeps who made it, when, and the old and new values; the history pages are scoped."""

import pytest
from django.apps import apps
from django.core.cache import cache
from django.urls import reverse

from bangkit.history import acting, records_actor
from bangkit.models import CeilingTier, ChecklistItem, FiscalYear, RequiredDocument, Role, User
from tests import factories
from tests.admin_forms import change_form_data
from tests.factories import PASSWORD, make_user


def url(model: str, view: str, *args) -> str:
    return reverse(f"admin:bangkit_{model}_{view}", args=args)


def history_models():
    return [model for model in apps.get_models() if hasattr(model, "instance_type")]


@pytest.fixture
def bappeda(city):
    return make_user(Role.BAPPEDA, username="bappeda-riwayat")


# --- Who is recorded ----------------------------------------------------------------------------


def test_a_save_outside_a_request_names_the_services_actor(fiscal_year, bappeda):
    tier = fiscal_year.ceiling_tiers.get(min_households=100)

    @records_actor
    def tier_set(*, actor, amount):
        tier.amount = amount
        tier.save()

    tier_set(actor=bappeda, amount=110_000_000)
    tier.amount = 120_000_000
    tier.save()  # no actor, no request: nobody to name

    latest, middle = tier.history.all()[:2]
    assert (middle.amount, middle.history_user) == (110_000_000, bappeda)
    assert (latest.amount, latest.history_user) == (120_000_000, None)


def test_an_anonymous_actor_is_not_recorded(fiscal_year, bappeda):
    from django.contrib.auth.models import AnonymousUser

    item = fiscal_year.checklist_items.first()
    with acting(bappeda), acting(AnonymousUser()):
        item.text = "Lokasi bukan tanah sengketa"
        item.save()

    assert item.history.first().history_user is None


# --- Fiscal years and their rules --------------------------------------------------------------


def test_a_tier_changed_in_the_admin_keeps_old_and_new_amount_and_who(client, fiscal_year, bappeda):
    client.force_login(bappeda)
    change = url("fiscalyear", "change", fiscal_year.pk)
    page = client.get(change)
    data = change_form_data(page)
    tiers = page.context["inline_admin_formsets"][0].formset
    row = next(f for f in tiers.initial_forms if f.instance.min_households == 60)
    data[row.add_prefix("amount")] = "75000000"

    response = client.post(change, data)

    assert response.status_code == 302, response.context and response.context["errors"]
    tier = CeilingTier.objects.get(fiscal_year=fiscal_year, min_households=60)
    new, old = tier.history.all()[:2]
    assert (old.amount, new.amount) == (70_000_000, 75_000_000)
    assert (new.history_type, new.history_user) == ("~", bappeda)
    history = client.get(url("fiscalyear", "history", fiscal_year.pk))
    assert history.status_code == 200
    html = history.content.decode()
    assert "Riwayat pagu per jumlah KK" in html
    assert "Pagu (Rp):</strong>\n                    Rp 70.000.000" in html
    assert "Rp 75.000.000" in html
    assert bappeda.username in html


def test_the_year_itself_documents_and_checklists_keep_their_history(fiscal_year, bappeda):
    with acting(bappeda):
        fiscal_year.status = FiscalYear.Status.VERIFICATION
        fiscal_year.save()
        document = fiscal_year.required_documents.get(kind=RequiredDocument.Kind.SITE_PHOTO)
        document.min_count = 3
        document.save()
        item = fiscal_year.checklist_items.first()
        item_id = item.pk
        item.delete()
        fiscal_year.work_types.clear()

    year = fiscal_year.history.all()
    status_change = year.filter(status=FiscalYear.Status.VERIFICATION).last()
    delta = status_change.diff_against(status_change.prev_record)
    assert delta.changed_fields == ["status"]
    assert status_change.history_user == bappeda
    # Clearing the work types is a change of the year too, and the row keeps none of them.
    assert year.first().work_types.count() == 0
    assert year.first().prev_record.work_types.count() > 0
    assert [r.min_count for r in document.history.all()[:2]] == [3, 2]
    deleted = ChecklistItem.history.get(id=item_id, history_type="-")
    assert deleted.history_user == bappeda


def test_the_history_page_lists_the_years_rules_in_few_queries(
    client, fiscal_year, bappeda, django_assert_max_num_queries
):
    with acting(bappeda):
        for tier in fiscal_year.ceiling_tiers.all():
            tier.amount += 1_000_000
            tier.save()
    client.force_login(bappeda)

    with django_assert_max_num_queries(20):
        page = client.get(url("fiscalyear", "history", fiscal_year.pk))

    assert page.status_code == 200
    assert len(page.context["history_sections"]) == 3
    assert page.context["history_sections"][0]["page_obj"].paginator.count == 6


def test_only_city_wide_staff_read_the_history_of_a_year(client, city, fiscal_year):
    client.force_login(make_user(Role.KECAMATAN, city.kec_1, is_staff=True))

    assert client.get(url("fiscalyear", "history", fiscal_year.pk)).status_code == 404


# --- Users' roles and areas --------------------------------------------------------------------


def test_a_users_role_and_area_changed_in_the_admin_are_kept(client, city):
    root = make_user(Role.ADMIN, username="root-riwayat", is_superuser=True)
    lurah = make_user(Role.KELURAHAN, city.kel_a, username="lurah-pindah")
    client.force_login(root)
    change = url("user", "change", lurah.pk)
    data = change_form_data(client.get(change)) | {
        "role": Role.KECAMATAN,
        "kelurahan": "",
        "kecamatan": city.kec_2.pk,
    }

    response = client.post(change, data)

    assert response.status_code == 302, response.context and response.context["errors"]
    new, old = lurah.history.all()[:2]
    assert (old.role, old.kelurahan, old.kecamatan) == (Role.KELURAHAN, city.kel_a, None)
    assert (new.role, new.kelurahan, new.kecamatan) == (Role.KECAMATAN, None, city.kec_2)
    assert new.history_user == root
    assert {"role", "kelurahan", "kecamatan"} <= set(new.diff_against(old).changed_fields)
    html = client.get(url("user", "history", lurah.pk)).content.decode()
    assert "Kelurahan / Lurah" in html and "Kecamatan / Camat" in html
    assert "Kecamatan Dua" in html


def test_the_user_history_keeps_no_password_and_a_login_writes_no_row(client, city):
    cache.clear()  # sign-in attempts are counted in the cache
    user = make_user(Role.BAPPEDA, username="bappeda-masuk")
    rows = user.history.count()

    response = client.post(reverse("login"), {"username": "bappeda-masuk", "password": PASSWORD})

    assert response.status_code == 302

    user.refresh_from_db()
    assert user.last_login is not None
    assert user.history.count() == rows
    columns = {field.name for field in User.history.model._meta.fields}
    assert "password" not in columns and "last_login" not in columns


def test_staff_of_an_area_cannot_read_a_users_history(client, city):
    other = make_user(Role.KELURAHAN, city.kel_c, username="lurah-lain")
    client.force_login(make_user(Role.KECAMATAN, city.kec_1, is_staff=True))

    assert client.get(url("user", "history", other.pk)).status_code == 404
    history = other.history.first()
    assert client.get(url("user", "simple_history", other.pk, history.pk)).status_code == 404


# --- Personal data -----------------------------------------------------------------------------


def test_no_history_table_has_a_nik_column():
    assert history_models()
    for model in history_models():
        for field in model._meta.fields:
            assert "nik" not in field.name.lower(), f"{model.__name__}.{field.name}"


def test_each_history_table_lives_in_its_models_app():
    for model in history_models():
        assert model._meta.app_label == model.instance_type._meta.app_label
        assert model._meta.db_table.startswith(f"{model._meta.app_label}_historical")


# --- the kecamatan each history row keeps -------------------------------------------------------


def test_the_history_of_a_record_with_an_area_keeps_its_kecamatan_and_others_have_none():
    from bangkit.history import AREA_FIELD, has_one_kecamatan
    from bangkit.scoping import area_path, path_may_repeat_rows

    tracked = [
        m for m in apps.get_models() if getattr(m._meta, "simple_history_manager_attribute", None)
    ]
    for model in tracked:
        path = area_path(model, "kecamatan")
        expected = path is not None and not path_may_repeat_rows(model, path)
        history = model.history.model
        # decided while the models were being defined, the same as the running scope says
        assert has_one_kecamatan(model) is expected, model
        assert hasattr(history, AREA_FIELD) is expected, model
        names = {index.name for index in history._meta.indexes}
        assert any(n.endswith("_kec") for n in names) is expected, model


def test_a_saved_and_a_bulk_written_history_row_keep_the_kecamatan_of_their_record(
    db, django_assert_max_num_queries
):
    from simple_history.utils import bulk_create_with_history

    from proposals.models import RABLine

    proposal = factories.ProposalFactory()
    kecamatan_id = proposal.kelurahan.kecamatan_id
    assert proposal.history.latest().history_kecamatan_id == kecamatan_id
    lines = [
        RABLine(
            proposal=proposal, material=f"Uji wilayah {n}", unit="zak", quantity=1, unit_price=1
        )
        for n in range(20)
    ]
    fresh = type(proposal).objects.get(pk=proposal.pk)  # its kelurahan not loaded
    for line in lines:
        line.proposal = fresh
    with django_assert_max_num_queries(4):  # one look-up for the twenty lines' kecamatan
        bulk_create_with_history(lines, RABLine)
    rows = RABLine.history.filter(proposal_id=proposal.pk, material__startswith="Uji wilayah ")
    assert rows.count() == 20
    assert set(rows.values_list("history_kecamatan_id", flat=True)) == {kecamatan_id}


def test_the_migrations_fill_the_kecamatan_of_rows_written_before(db):
    from bangkit.history import fill_history_kecamatan
    from proposals.models import Proposal, RABLine

    proposal = factories.ProposalFactory()
    kecamatan_id = proposal.kelurahan.kecamatan_id
    Proposal.history.update(history_kecamatan=None)
    RABLine.history.update(history_kecamatan=None)

    fill_history_kecamatan("proposals")(apps, None)

    assert set(proposal.history.values_list("history_kecamatan_id", flat=True)) == {kecamatan_id}
    lines = RABLine.history.filter(proposal_id=proposal.pk)
    assert lines.exists()
    assert set(lines.values_list("history_kecamatan_id", flat=True)) == {kecamatan_id}
