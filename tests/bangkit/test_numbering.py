"""Gap-free numbering: each series counts on its own, from 1, one number at a time."""

from django.db import transaction

from bangkit.numbering import next_number
from procurement.models import OrderCounter
from tests.factories import KelurahanFactory


def test_each_series_counts_from_one_and_a_rollback_gives_the_number_back(db):
    first, second = KelurahanFactory(), KelurahanFactory()

    assert next_number(OrderCounter, kelurahan=first, year=2026) == 1
    assert next_number(OrderCounter, kelurahan=first, year=2026) == 2
    assert next_number(OrderCounter, kelurahan=first, year=2027) == 1
    assert next_number(OrderCounter, kelurahan=second, year=2026) == 1
    try:
        with transaction.atomic():
            assert next_number(OrderCounter, kelurahan=first, year=2026) == 3
            raise RuntimeError("the order is not issued after all")
    except RuntimeError:
        pass
    assert next_number(OrderCounter, kelurahan=first, year=2026) == 3
