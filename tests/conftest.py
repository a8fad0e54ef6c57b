"""Shared fixtures: media in a temp dir, the real regions, and users of every role."""

import io

import pytest
from django.core.management import call_command

from tests import factories


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_content_types():
    # Transactional tests flush and re-create content types with new ids: never reuse a
    # cached one from an earlier test (a stale id breaks audit rows on PostgreSQL).
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()


@pytest.fixture
def regions(db):
    """The real 11 kecamatan and 68 kelurahan, loaded by the real command."""
    call_command("load_regions", verbosity=0, stdout=io.StringIO())


@pytest.fixture
def fiscal_year(db):
    return factories.FiscalYearFactory()


@pytest.fixture
def make_user(db):
    return factories.make_user
