"""Fixtures of the core-domain tests: a small city of two kecamatan built with factories."""

from types import SimpleNamespace

import pytest

from tests.factories import KecamatanFactory, KelurahanFactory, RTFactory


@pytest.fixture
def city(db):
    """Two kecamatan; the first has kelurahan A (RT 1, 2) and B (RT 1), the second C (RT 1)."""
    kec_1 = KecamatanFactory(name="Kecamatan Satu")
    kec_2 = KecamatanFactory(name="Kecamatan Dua")
    kel_a = KelurahanFactory(kecamatan=kec_1, name="Kelurahan A")
    kel_b = KelurahanFactory(kecamatan=kec_1, name="Kelurahan B")
    kel_c = KelurahanFactory(kecamatan=kec_2, name="Kelurahan C")
    return SimpleNamespace(
        kec_1=kec_1,
        kec_2=kec_2,
        kel_a=kel_a,
        kel_b=kel_b,
        kel_c=kel_c,
        rt_a1=RTFactory(kelurahan=kel_a, number=1),
        rt_a2=RTFactory(kelurahan=kel_a, number=2),
        rt_b1=RTFactory(kelurahan=kel_b, number=1),
        rt_c1=RTFactory(kelurahan=kel_c, number=1),
    )
