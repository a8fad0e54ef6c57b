"""The admin: the Inspektorat reads everything and changes nothing; staff see their area only."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from bangkit.models import RT, AuditEvent, FiscalYear, Kelurahan, Role, User
from bangkit.services import audit_record
from tests.factories import make_user

MODELS = ["kelurahan", "rt", "fiscalyear", "user", "auditevent"]


def url(model: str, view: str, *args) -> str:
    return reverse(f"admin:bangkit_{model}_{view}", args=args)


@pytest.fixture
def inspektorat(city, client):
    user = make_user(Role.INSPEKTORAT, username="auditor")
    client.force_login(user)
    return user


@pytest.fixture
def objects(city, fiscal_year):
    """One object of each model the Inspektorat audits, keyed by admin model name."""
    lurah = make_user(Role.KELURAHAN, city.kel_a, username="lurah.a", first_name="Siti")
    return {
        "kelurahan": city.kel_a,
        "rt": city.rt_a1,
        "fiscalyear": fiscal_year,
        "user": lurah,
        "auditevent": audit_record(actor=lurah, action="uji", obj=city.rt_a1, summary="Uji"),
    }


def snapshot():
    return {
        model: list(model.objects.order_by("pk").values())
        for model in (Kelurahan, RT, FiscalYear, User, AuditEvent)
    }


@pytest.mark.parametrize("model", MODELS)
def test_inspektorat_opens_changelists_and_change_views(inspektorat, objects, client, model):
    changelist = client.get(url(model, "changelist"))
    change = client.get(url(model, "change", objects[model].pk))

    assert changelist.status_code == 200
    assert changelist.context["cl"].result_count >= 1
    assert change.status_code == 200
    # Read-only view: no save buttons, no add or delete links.
    page = change.content.decode()
    assert 'name="_save"' not in page
    assert url(model, "delete", objects[model].pk) not in page
    assert url(model, "add") not in changelist.content.decode()
    assert change.context["has_change_permission"] is False


@pytest.mark.parametrize("model", MODELS)
def test_inspektorat_cannot_post_a_change(inspektorat, objects, client, model):
    before = snapshot()

    response = client.post(
        url(model, "change", objects[model].pk), {"name": "Diubah", "summary": "Diubah"}
    )

    assert response.status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("model", MODELS)
def test_inspektorat_cannot_add(inspektorat, objects, client, model):
    before = snapshot()

    assert client.get(url(model, "add")).status_code == 403
    assert client.post(url(model, "add"), {"name": "Baru", "year": 2030}).status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("model", MODELS)
def test_inspektorat_cannot_delete(inspektorat, objects, client, model):
    before = snapshot()
    pk = objects[model].pk

    assert client.get(url(model, "delete", pk)).status_code == 403
    assert client.post(url(model, "delete", pk), {"post": "yes"}).status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("model", MODELS)
def test_inspektorat_has_no_bulk_delete_action(inspektorat, objects, client, model):
    before = snapshot()

    response = client.post(
        url(model, "changelist"),
        {"action": "delete_selected", "_selected_action": [objects[model].pk], "post": "yes"},
    )

    assert response.status_code in (200, 302)
    assert snapshot() == before


def test_inspektorat_cannot_set_a_users_password(inspektorat, objects, client):
    lurah = objects["user"]
    old_hash = lurah.password

    response = client.post(
        reverse("admin:auth_user_password_change", args=[lurah.pk]),
        {"password1": "kata-sandi-baru-77", "password2": "kata-sandi-baru-77"},
    )

    assert response.status_code == 403
    lurah.refresh_from_db()
    assert lurah.password == old_hash


def test_bappeda_edits_a_fiscal_year(db, client):
    fy = FiscalYear.objects.create(year=2027, total_budget=9_000_000_000)
    client.force_login(make_user(Role.BAPPEDA))
    data = {
        "year": 2027,
        "status": FiscalYear.Status.OPEN,
        "regulation": "Perwal 18/2025",
        "ceiling_amount": "50000000",
        "daily_wage": 125_000,
        "total_budget": 11_000_000_000,
        "support_residency": FiscalYear.SupportResidency.CITY,
    }
    for prefix in ("ceiling_tiers", "required_documents", "checklist_items"):
        data |= {
            f"{prefix}-TOTAL_FORMS": 0,
            f"{prefix}-INITIAL_FORMS": 0,
            f"{prefix}-MIN_NUM_FORMS": 0,
            f"{prefix}-MAX_NUM_FORMS": 1000,
        }

    page = client.get(url("fiscalyear", "change", fy.pk))
    response = client.post(url("fiscalyear", "change", fy.pk), data)

    assert 'name="_save"' in page.content.decode()
    assert response.status_code == 302, response.context and response.context["errors"]
    fy.refresh_from_db()
    assert fy.status == FiscalYear.Status.OPEN
    assert fy.ceiling_amount == 50_000_000
    assert fy.total_budget == 11_000_000_000
    assert fy.support_residency == FiscalYear.SupportResidency.CITY


def test_bappeda_cannot_edit_kelurahan(city, client):
    client.force_login(make_user(Role.BAPPEDA))

    response = client.post(url("kelurahan", "change", city.kel_a.pk), {"name": "Diubah"})

    assert response.status_code == 403
    city.kel_a.refresh_from_db()
    assert city.kel_a.name == "Kelurahan A"


def test_kecamatan_staff_sees_only_their_rts(city, client):
    client.force_login(make_user(Role.KECAMATAN, city.kec_1, is_staff=True))

    response = client.get(url("rt", "changelist"))

    assert response.status_code == 200
    assert set(response.context["cl"].queryset) == {city.rt_a1, city.rt_a2, city.rt_b1}
    assert response.context["cl"].result_count == 3
    # No count of the whole table is shown at all (it would leak other areas' size).
    assert response.context["cl"].full_result_count is None


def test_kecamatan_staff_cannot_open_another_kecamatans_rt(city, client):
    client.force_login(make_user(Role.KECAMATAN, city.kec_1, is_staff=True))
    other = city.rt_c1

    for view in ("change", "history"):
        response = client.get(url("rt", view, other.pk))
        assert response.status_code != 200
        assert response.status_code in (302, 404)
    assert client.get(url("rt", "delete", other.pk)).status_code in (302, 403, 404)
    assert client.get(url("rt", "change", city.rt_b1.pk)).status_code == 200


def test_kecamatan_staff_cannot_change_rts_or_list_users(city, client):
    client.force_login(make_user(Role.KECAMATAN, city.kec_1, is_staff=True))
    make_user(Role.BAPPEDA)

    response = client.post(url("rt", "change", city.rt_a1.pk), {"head_name": "Orang Lain"})
    users = client.get(url("user", "changelist"))

    assert response.status_code == 403
    city.rt_a1.refresh_from_db()
    assert city.rt_a1.head_name == "Ahmad Hidayat"
    assert users.context["cl"].result_count == 0


def test_users_without_staff_flag_are_sent_to_the_admin_login(city, client):
    client.force_login(make_user(Role.KELURAHAN, city.kel_a))

    response = client.get(url("rt", "changelist"))

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_rt_autocomplete_is_scoped(city, client):
    client.force_login(make_user(Role.KECAMATAN, city.kec_2, is_staff=True))

    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "bangkit", "model_name": "user", "field_name": "rt", "term": ""},
    )

    assert response.status_code == 200
    assert {int(r["id"]) for r in response.json()["results"]} == {city.rt_c1.pk}


def test_administrator_can_change_a_kelurahan_but_not_an_audit_event(city, client):
    admin = User.objects.create_superuser("root", password="akar-rahasia-123")
    event = audit_record(actor=admin, action="uji", obj=city.kel_a)
    client.force_login(admin)

    assert client.get(url("kelurahan", "change", city.kel_a.pk)).status_code == 200
    assert client.post(url("auditevent", "change", event.pk), {}).status_code == 403
    assert client.post(url("auditevent", "delete", event.pk), {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_audit_event_cannot_be_changed_or_deleted(city):
    event = audit_record(actor=None, action="uji", obj=city.rt_a1, summary="Asli")

    event.summary = "Dipalsukan"
    with pytest.raises(ValidationError, match="tidak dapat diubah"):
        event.save()
    with pytest.raises(ValidationError, match="tidak dapat dihapus"):
        event.delete()

    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.summary == "Asli"
    assert stored.object_id == str(city.rt_a1.pk)
    assert stored.content_type.model == "rt"


def add_user_data(**fields):
    return {
        "username": "rt.baru",
        "usable_password": "true",
        "password1": "gotong-royong-2026",
        "password2": "gotong-royong-2026",
        **fields,
    }


def test_administrator_adds_a_user_with_their_area(city, client):
    client.force_login(User.objects.create_superuser("root", password="akar-rahasia-123"))

    response = client.post(url("user", "add"), add_user_data(role=Role.RT, rt=city.rt_b1.pk))

    assert response.status_code == 302
    user = User.objects.get(username="rt.baru")
    assert (user.role, user.rt) == (Role.RT, city.rt_b1)


def test_admin_user_form_names_the_missing_area_in_indonesian(city, client):
    client.force_login(User.objects.create_superuser("root", password="akar-rahasia-123"))

    response = client.post(url("user", "add"), add_user_data(role=Role.RT, kecamatan=city.kec_1.pk))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Peran Ketua RT harus memiliki RT." in page
    assert "Peran Ketua RT tidak boleh memiliki kecamatan." in page
    assert not User.objects.filter(username="rt.baru").exists()


def test_kelurahan_changelist_finds_other_spellings(regions, client):
    client.force_login(make_user(Role.INSPEKTORAT))

    response = client.get(url("kelurahan", "changelist"), {"q": "the hok"})

    assert [k.name for k in response.context["cl"].result_list] == ["Thehok"]


# --- Changelists over big tables (issue 12) ---------------------------------------------------


def _audit_rows(actor, count):
    rows = [AuditEvent(actor=actor, action="uji", summary=f"Uji {n}") for n in range(count)]
    AuditEvent.objects.bulk_create(rows)


def test_audit_changelist_takes_the_same_queries_for_few_or_many_rows(
    inspektorat, objects, client, django_assert_max_num_queries
):
    client.get(url("auditevent", "changelist"))  # warm the content types
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(url("auditevent", "changelist")).status_code == 200
    _audit_rows(objects["user"], 120)
    with django_assert_max_num_queries(len(few)):
        page = client.get(url("auditevent", "changelist"))
    html = page.content.decode()
    # No date_hierarchy (it reads every row's date), no "(N total)" second count.
    assert "xfull" not in html and 'class="xfull"' not in html
    assert page.context["cl"].date_hierarchy is None
    assert page.context["cl"].show_full_result_count is False
    assert len(page.context["cl"].result_list) == 50


def test_audit_changelist_filters_by_year_and_recent_days(inspektorat, objects, client):
    from datetime import timedelta

    from django.utils import timezone

    old = audit_record(actor=objects["user"], action="uji", summary="Lama")
    AuditEvent._base_manager.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(days=400)
    )
    old.refresh_from_db()
    this_year = timezone.localdate().year
    recent = client.get(url("auditevent", "changelist"), {"waktu": "30"})
    shown = {e.pk for e in recent.context["cl"].result_list}
    assert objects["auditevent"].pk in shown and old.pk not in shown
    page = client.get(url("auditevent", "changelist"), {"waktu": str(old.created_at.year)})
    assert old.pk in {e.pk for e in page.context["cl"].result_list}
    if old.created_at.year != this_year:
        assert objects["auditevent"].pk not in {e.pk for e in page.context["cl"].result_list}
    assert client.get(url("auditevent", "changelist"), {"waktu": "abc"}).status_code == 200
    # The action filter lists the registered actions without reading the table.
    filters = page.context["cl"].filter_specs
    assert any(f.title == "tindakan" for f in filters)


def test_big_unfiltered_tables_are_counted_by_estimate_filtered_ones_exactly(db, settings):
    from django.db import connection

    from bangkit.admin_scoping import EstimatedCountPaginator

    actor = make_user(Role.BAPPEDA, username="bappeda.x")
    _audit_rows(actor, 30)
    exact = EstimatedCountPaginator(AuditEvent.objects.all(), 50)
    assert exact.count == 30  # a small table: counted
    filtered = EstimatedCountPaginator(AuditEvent.objects.filter(summary="Uji 1"), 50)
    assert filtered.count == 1
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE bangkit_auditevent")
        EstimatedCountPaginator.ESTIMATE_FROM, saved = 10, EstimatedCountPaginator.ESTIMATE_FROM
        try:
            estimated = EstimatedCountPaginator(AuditEvent.objects.all(), 50)
            assert 20 <= estimated.count <= 40  # pg_class.reltuples, not a count
        finally:
            EstimatedCountPaginator.ESTIMATE_FROM = saved


@pytest.mark.parametrize(
    "query",
    [
        "year__exact=²",
        "year__exact=99999999999999999999",
    ],
)
def test_the_year_filter_takes_junk(db, client, query):
    client.force_login(User.objects.create_superuser("root", password="akar-rahasia-123"))
    response = client.get(f"{reverse('admin:proposals_musrenbangentry_changelist')}?{query}")
    assert response.status_code == 200


@pytest.mark.parametrize("value", ["1", "²", "99999999999999999999"])
def test_the_kecamatan_filter_takes_its_own_links_and_junk(db, client, value):
    client.force_login(User.objects.create_superuser("root", password="akar-rahasia-123"))
    url = reverse("admin:proposals_musrenbangentry_changelist")
    response = client.get(url, {"kelurahan__kecamatan__id__exact": value})
    assert response.status_code == 200


@pytest.mark.parametrize("junk", ["²", "99999999999999999999"])
def test_the_time_filter_takes_junk(db, client, junk):
    client.force_login(User.objects.create_superuser("root", password="akar-rahasia-123"))
    response = client.get(reverse("admin:bangkit_auditevent_changelist"), {"waktu": junk})
    assert response.status_code == 200
