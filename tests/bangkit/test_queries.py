"""Totals of related rows in the same query: zero where there are none, never multiplied."""

from django.db.models import IntegerField

from bangkit.models import RT, Kelurahan
from bangkit.queries import count_of, sum_of
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
