"""Area scoping: each role sees its own area and nothing else; out of scope is a 404."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404

from bangkit.models import RT, FiscalYear, Kecamatan, Kelurahan, Role, SlumArea, User
from bangkit.scoping import ScopedQuerySet, path_may_repeat_rows
from tests.factories import make_user

CITY_ROLES = [Role.BAPPEDA, Role.INSPEKTORAT, Role.ADMIN]


def visible(model, user) -> set:
    rows = list(model.objects.visible_to(user))
    assert len(rows) == len(set(rows)), "visible_to repeated a row"
    return set(rows)


def test_rt_head_sees_only_their_own_rt(city):
    user = make_user(Role.RT, city.rt_a1)

    assert visible(RT, user) == {city.rt_a1}
    assert visible(Kelurahan, user) == {city.kel_a}
    assert visible(Kecamatan, user) == {city.kec_1}


def test_lurah_sees_only_the_rts_of_their_kelurahan(city):
    user = make_user(Role.KELURAHAN, city.kel_a)

    assert visible(RT, user) == {city.rt_a1, city.rt_a2}
    assert visible(Kelurahan, user) == {city.kel_a}
    assert visible(Kecamatan, user) == {city.kec_1}


def test_camat_sees_only_their_kecamatan(city):
    user = make_user(Role.KECAMATAN, city.kec_1)

    assert visible(RT, user) == {city.rt_a1, city.rt_a2, city.rt_b1}
    assert visible(Kelurahan, user) == {city.kel_a, city.kel_b}
    assert visible(Kecamatan, user) == {city.kec_1}


def test_camat_of_the_other_kecamatan_sees_the_other_side(city):
    user = make_user(Role.KECAMATAN, city.kec_2)

    assert visible(RT, user) == {city.rt_c1}
    assert visible(Kelurahan, user) == {city.kel_c}
    assert visible(Kecamatan, user) == {city.kec_2}


@pytest.mark.parametrize("role", CITY_ROLES)
def test_city_wide_roles_see_everything(city, role):
    user = make_user(role)

    assert visible(RT, user) == set(RT.objects.all())
    assert len(visible(RT, user)) == 4
    assert visible(Kelurahan, user) == {city.kel_a, city.kel_b, city.kel_c}
    assert visible(Kecamatan, user) == {city.kec_1, city.kec_2}


def test_superuser_without_a_city_role_sees_everything(city):
    user = User.objects.create_superuser("akar", password="x-rahasia-123")

    assert user.role == Role.ADMIN
    assert len(visible(RT, user)) == 4


def test_anonymous_and_nobody_see_nothing(city):
    for user in (AnonymousUser(), None):
        assert visible(RT, user) == set()
        assert visible(Kelurahan, user) == set()
        assert visible(Kecamatan, user) == set()


@pytest.mark.parametrize(
    ("role", "area"),
    [(Role.RT, "rt_a1"), (Role.KELURAHAN, "kel_a"), (Role.KECAMATAN, "kec_1"), (Role.BAPPEDA, "")],
)
def test_inactive_users_see_nothing(city, role, area):
    user = make_user(role, getattr(city, area) if area else None, is_active=False)

    assert visible(RT, user) == set()
    assert visible(Kelurahan, user) == set()
    assert visible(Kecamatan, user) == set()


def _shop(city):
    from procurement.models import Supplier

    return Supplier.objects.create(
        name="TB Sinar Jaya", owner_name="Hasan", address="Jl. Uji 1", kelurahan=city.kel_a
    )


def test_supplier_sees_no_regions(city):
    user = make_user(Role.TOKO, _shop(city))

    assert visible(RT, user) == set()
    assert visible(Kecamatan, user) == set()


def test_slum_areas_follow_the_same_scope(city):
    in_a = SlumArea.objects.create(
        kelurahan=city.kel_a, hectares=12, decree_number="166 Tahun 2016", decree_year=2016
    )
    in_c = SlumArea.objects.create(
        kelurahan=city.kel_c, hectares=7, decree_number="166 Tahun 2016", decree_year=2016
    )

    assert visible(SlumArea, make_user(Role.RT, city.rt_a2)) == {in_a}
    assert visible(SlumArea, make_user(Role.KECAMATAN, city.kec_2)) == {in_c}
    assert visible(SlumArea, make_user(Role.INSPEKTORAT)) == {in_a, in_c}


def test_visible_to_is_a_single_query_that_composes(city, django_assert_num_queries):
    user = make_user(Role.KECAMATAN, city.kec_1)

    with django_assert_num_queries(1):
        numbers = list(
            RT.objects.visible_to(user)
            .filter(kelurahan=city.kel_a)
            .values_list("number", flat=True)
        )
    assert sorted(numbers) == [1, 2]


def test_scoped_querysets_lock_rows_without_distinct(city):
    # DISTINCT would make PostgreSQL refuse FOR UPDATE: services lock what users may see.
    user = make_user(Role.RT, city.rt_a1)
    qs = Kecamatan.objects.visible_to(user)

    assert "DISTINCT" not in str(qs.query).upper()
    with transaction.atomic():
        assert list(qs.select_for_update()) == [city.kec_1]
        assert list(Kelurahan.objects.visible_to(user).select_for_update()) == [city.kel_a]


@pytest.mark.parametrize(
    ("model", "path", "repeats"),
    [
        (RT, "pk", False),
        (RT, "kelurahan__kecamatan", False),
        (Kelurahan, "rts", False),
        (Kecamatan, "kelurahan_set__rts", False),
        (SlumArea, "kelurahan__rts", False),
        (Kecamatan, "kelurahan_set__kecamatan", True),
        (FiscalYear, "work_types", True),
        (RT, "no_such_field", True),
    ],
)
def test_path_may_repeat_rows(model, path, repeats):
    assert path_may_repeat_rows(model, path) is repeats


def test_a_fanning_path_returns_each_row_once(city):
    # Kecamatan -> its kelurahan -> back to their kecamatan: two kelurahan, one kecamatan.
    queryset = type("Fanning", (ScopedQuerySet,), {"scope_kecamatan": "kelurahan_set__kecamatan"})
    user = make_user(Role.KECAMATAN, city.kec_1)

    qs = queryset(model=Kecamatan).visible_to(user)

    assert list(qs) == [city.kec_1]
    assert qs.count() == 1
    with transaction.atomic():
        assert list(qs.select_for_update()) == [city.kec_1]


def test_rt_head_gets_404_for_another_rt(city):
    user = make_user(Role.RT, city.rt_a1)

    assert RT.objects.get_visible_or_404(user, pk=city.rt_a1.pk) == city.rt_a1
    for other in (city.rt_a2, city.rt_b1, city.rt_c1):
        with pytest.raises(Http404):
            RT.objects.get_visible_or_404(user, pk=other.pk)


def test_get_visible_or_404_answers_404_for_missing_and_malformed_keys(city):
    user = make_user(Role.BAPPEDA)

    for pk in (999_999, "abc", None):
        with pytest.raises(Http404):
            RT.objects.get_visible_or_404(user, pk=pk)


def test_lurah_gets_404_for_another_kelurahan(city):
    user = make_user(Role.KELURAHAN, city.kel_b)

    with pytest.raises(Http404):
        Kelurahan.objects.get_visible_or_404(user, pk=city.kel_a.pk)
    assert Kelurahan.objects.get_visible_or_404(user, slug=city.kel_b.slug) == city.kel_b


def test_database_refuses_rt_role_without_an_rt(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_user(Role.RT, None, username="rt-tanpa-rt")
    assert not User.objects.filter(username="rt-tanpa-rt").exists()


def test_database_refuses_kelurahan_role_with_a_kecamatan(city):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_user(Role.KELURAHAN, city.kel_a, kecamatan=city.kec_1)


@pytest.mark.parametrize(
    ("role", "fields"),
    [
        (Role.KECAMATAN, {}),
        (Role.KECAMATAN, {"kecamatan": "kec_1", "kelurahan": "kel_a"}),
        (Role.BAPPEDA, {"kecamatan": "kec_1"}),
        (Role.INSPEKTORAT, {"rt": "rt_a1"}),
        (Role.RT, {"rt": "rt_a1", "kelurahan": "kel_a"}),
        ("", {}),
    ],
)
def test_database_refuses_every_other_mismatch(city, role, fields):
    values = {name: getattr(city, key) for name, key in fields.items()}
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="salah", role=role, **values)


def test_database_accepts_each_role_with_its_own_area(city):
    make_user(Role.RT, city.rt_a1)
    make_user(Role.KELURAHAN, city.kel_a)
    make_user(Role.KECAMATAN, city.kec_1)
    make_user(Role.TOKO, _shop(city))
    for role in CITY_ROLES:
        make_user(role)
    assert User.objects.count() == 7


def test_clean_names_the_missing_area_in_indonesian(db):
    with pytest.raises(ValidationError) as excinfo:
        User(username="rt-baru", role=Role.RT).clean()

    assert excinfo.value.message_dict == {"rt": ["Peran Ketua RT harus memiliki RT."]}


def test_clean_names_the_forbidden_area_in_indonesian(city):
    user = User(username="lurah-baru", role=Role.KELURAHAN, kelurahan=city.kel_a)
    user.kecamatan = city.kec_1

    with pytest.raises(ValidationError) as excinfo:
        user.clean()

    assert excinfo.value.message_dict == {
        "kecamatan": ["Peran Kelurahan / Lurah tidak boleh memiliki kecamatan."]
    }


def test_clean_reports_every_wrong_field_of_a_city_role(city):
    user = User(username="bappeda-salah", role=Role.BAPPEDA, rt=city.rt_a1, kecamatan=city.kec_1)

    with pytest.raises(ValidationError) as excinfo:
        user.clean()

    errors = excinfo.value.message_dict
    assert set(errors) == {"rt", "kecamatan"}
    assert errors["rt"] == ["Peran Bappeda tidak boleh memiliki RT."]


def test_clean_accepts_a_matching_area(city):
    User(username="camat-baru", role=Role.KECAMATAN, kecamatan=city.kec_2).clean()


def test_area_label_names_the_users_area(city):
    assert make_user(Role.RT, city.rt_a1).area_label == ("RT 01 Kelurahan A, Kec. Kecamatan Satu")
    assert make_user(Role.KELURAHAN, city.kel_c).area_label == (
        "Kelurahan Kelurahan C (Kecamatan Dua)"
    )
    assert make_user(Role.KECAMATAN, city.kec_2).area_label == "Kecamatan Kecamatan Dua"
    assert make_user(Role.INSPEKTORAT).area_label == "Seluruh Kota Jambi"


def test_read_only_and_city_wide_flags(city):
    inspektorat = make_user(Role.INSPEKTORAT)
    lurah = make_user(Role.KELURAHAN, city.kel_a)

    assert inspektorat.is_read_only and inspektorat.is_city_wide
    assert not lurah.is_read_only and not lurah.is_city_wide
    assert make_user(Role.RT, city.rt_b1).kelurahan_id_in_scope == city.kel_b.pk
    assert lurah.kelurahan_id_in_scope == city.kel_a.pk
    assert lurah.area == city.kel_a


def test_kecamatan_of_reads_loaded_parents_without_a_query_and_the_rest_with_one(
    db, django_assert_num_queries
):
    from bangkit.scoping import kecamatan_of
    from procurement.models import Delivery
    from proposals.states import State
    from tests.factories import ProposalFactory

    proposal = ProposalFactory(state=State.MATERIALS_RECEIVED)
    kecamatan_id = proposal.kelurahan.kecamatan_id
    delivery = Delivery.objects.select_related("order__proposal__kelurahan__kecamatan").get(
        order__proposal=proposal
    )
    with django_assert_num_queries(0):
        assert kecamatan_of(delivery) == kecamatan_id
        assert kecamatan_of(delivery.order.proposal.kelurahan.kecamatan) == kecamatan_id
    delivery = Delivery.objects.get(pk=delivery.pk)
    with django_assert_num_queries(1):
        assert kecamatan_of(delivery) == kecamatan_id
    assert kecamatan_of(FiscalYear(year=2020)) is None
    assert kecamatan_of(None) is None
