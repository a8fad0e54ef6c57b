"""Totals of related rows in the same query: zero where there are none, never multiplied."""

from django.db.models import IntegerField

from bangkit.models import RT, Kecamatan, Kelurahan
from bangkit.queries import count_of, counts_at_once, sum_of
from tests.factories import KelurahanFactory, RTFactory


def test_sum_and_count_of_related_rows_in_one_query(db, django_assert_num_queries):
    busy, empty = KelurahanFactory(), KelurahanFactory()
    RTFactory(kelurahan=busy, households=80)
    RTFactory(kelurahan=busy, households=45)
    RTFactory(kelurahan=busy, households=30, active=False)

    with django_assert_num_queries(1):
        rows = {
            k.pk: (k.households, k.rt_count)
            for k in Kelurahan.objects.filter(pk__in=[busy.pk, empty.pk]).annotate(
                households=sum_of(
                    RT.objects.filter(active=True),
                    "households",
                    per="kelurahan",
                    output_field=IntegerField(),
                ),
                rt_count=count_of(RT.objects.all(), per="kelurahan"),
            )
        }

    assert rows == {busy.pk: (125, 3), empty.pk: (0, 0)}


def test_counts_of_querysets_of_different_models_in_one_query(db, django_assert_num_queries):
    busy = KelurahanFactory()
    RTFactory.create_batch(3, kelurahan=busy, households=40)
    RTFactory(kelurahan=busy, households=80)

    with django_assert_num_queries(1):
        counts = counts_at_once(
            {
                "small_rts": RT.objects.filter(households__lt=60),
                "kelurahan": Kelurahan.objects.filter(pk=busy.pk),
                "none": Kecamatan.objects.filter(pk=-1),
            }
        )

    assert counts == {"small_rts": 3, "kelurahan": 1, "none": 0}
    assert counts_at_once({}) == {}
