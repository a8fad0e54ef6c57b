"""The audit workspace's reads: a camat held to their kecamatan, a proposal's code read as its
site (as typed, by the code's index), and the areas of the filter form."""

import pytest
from django.http import Http404

from audit import selectors

NO_FILTERS = dict(
    kecamatan=None, kelurahan=None, actor="", model=None, action=None, since=None, until=None
)


def _filters(user, **given):
    return selectors.trail_filters(user, **{**NO_FILTERS, "text": "", **given})


def test_a_camat_is_held_to_their_own_kecamatan_without_looking_it_up(
    audit_world, django_assert_num_queries
):
    camat = audit_world.camat
    with django_assert_num_queries(0):
        assert _filters(camat).kecamatan_id == camat.kecamatan_id
        assert _filters(camat, kecamatan=camat.kecamatan_id).kecamatan_id == camat.kecamatan_id
    with pytest.raises(Http404):
        _filters(camat, kecamatan=audit_world.other_camat.kecamatan_id)


def test_the_city_may_narrow_to_any_kecamatan_and_an_unknown_one_is_a_404(audit_world):
    theirs = audit_world.other_camat.kecamatan_id
    assert _filters(audit_world.inspektorat, kecamatan=theirs).kecamatan_id == theirs
    with pytest.raises(Http404):
        _filters(audit_world.inspektorat, kecamatan=999_999)


def test_a_proposals_code_as_typed_is_read_as_its_site(audit_world):
    code = audit_world.site.code
    for typed in (code, code.lower()):
        filters = _filters(audit_world.inspektorat, text=typed)
        assert (filters.proposal_id, filters.text) == (audit_world.site.pk, "")
    # outside the camat's kecamatan a code is only a word to search for
    other = _filters(audit_world.camat, text=audit_world.other.code)
    assert (other.proposal_id, other.text) == (None, audit_world.other.code)


def test_the_form_lists_only_the_areas_the_user_sees_by_name(audit_world):
    camat = audit_world.camat
    assert [k.pk for k in selectors.kecamatan_choices(camat)] == [camat.kecamatan_id]
    kelurahan = list(selectors.kelurahan_choices(camat, camat.kecamatan_id))
    assert audit_world.site.kelurahan_id in {k.pk for k in kelurahan}
    assert {k.kecamatan_id for k in kelurahan} == {camat.kecamatan_id}
    assert "boundary" in kelurahan[0].get_deferred_fields()
