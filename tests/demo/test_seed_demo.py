"""The ordinary demo as `seed_demo` makes it (no --years): where its sites lie, read from one
seed shared by the module."""

import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from bangkit import geo
from proposals.models import MusrenbangEntry, Proposal


@pytest.fixture(scope="module")
def seeded_once(django_db_setup, django_db_blocker, tmp_path_factory):
    """The real regions and the whole ordinary demo, made once for the module inside a
    transaction rolled back at the end; each test runs in a savepoint."""
    with (
        django_db_blocker.unblock(),
        override_settings(DEBUG=True, MEDIA_ROOT=tmp_path_factory.mktemp("demo-media")),
        transaction.atomic(),
    ):
        call_command("load_regions", verbosity=0, stdout=io.StringIO())
        call_command("seed_demo", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


@pytest.fixture
def seeded(seeded_once, db):
    return None


def test_every_site_and_entry_with_a_point_lies_in_its_kelurahan(seeded):
    sites = list(Proposal.objects.exclude(latitude=None).select_related("kelurahan"))
    assert len(sites) >= 10  # the walked proposals and the sites at work
    for site in sites:
        assert site.kelurahan.boundary
        assert geo.contains(site.kelurahan.boundary, site.latitude, site.longitude), site.code
    at_work = Proposal.objects.filter(decree_locations__isnull=False).distinct()
    assert at_work.exists() and not at_work.filter(latitude=None).exists()
    # (the entries the demo writes itself: tests/demo/test_proposals.py; the sample file's are
    # imported as Bappeda sent them, and a site made from one is pinned inside by its RT)
    imported = MusrenbangEntry.objects.filter(proposals__in=sites).exclude(latitude=None)
    assert imported.exists()
