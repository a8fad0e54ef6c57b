"""The decade's evidence (demo/seeders/evidence.py): photos and supports an auditor's red flags
can be judged on, with only the few deliberate anomalies raising them."""

import io
import random
from collections import Counter, defaultdict

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from audit.flags.context import Context
from audit.flags.registry import RULES
from bangkit import geo
from bangkit.models import FiscalYear, Kelurahan
from bangkit.nik import nik_prefix, validate_nik
from demo.seeders import core, evidence
from procurement.models import Supplier
from proposals.models import CitizenSupport, MusrenbangEntry, Proposal
from reporting.models import ProgressPhoto
from reporting.photos import hamming, near_duplicate_bits
from verification.models import DecreeLocation

SCALE = 0.02
YEARS = 6  # the demo year's six before it: five under the city rule, one under the kecamatan's


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Six years at 2% (12 sites, 120 entries a year), written once, rolled back after."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_regions", verbosity=0, stdout=io.StringIO())
        with override_settings(DEBUG=True):
            call_command("seed_demo", years=YEARS, scale=SCALE, stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


@pytest.fixture
def data(seeded, db):
    return list(range(core.demo_year() - YEARS, core.demo_year()))


def raised(code: str) -> list:
    return list(RULES[code].compute(Context()))


def test_every_photo_has_its_own_hashes_but_the_deliberate_reuses(data):
    photos = list(ProgressPhoto.objects.all())
    assert len(photos) == 3 * Proposal.objects.filter(designated_budget__isnull=False).count()
    assert all(len(p.sha256) == 64 and len(p.phash) == 16 for p in photos)
    by_file = defaultdict(list)
    for photo in photos:
        by_file[photo.sha256].append(photo)
    shared = [group for group in by_file.values() if len(group) > 1]
    # One same-file reuse a year at this scale (an original may be copied in two years),
    # each copy on another site than its original.
    copies = sum(len(group) - 1 for group in shared)
    assert copies == len(data)
    for group in shared:
        original, *others = sorted(group, key=lambda p: p.pk)
        for copy in others:
            assert copy.proposal_id != original.proposal_id
            assert copy.phash == original.phash and copy.taken_at == original.taken_at
            flag = next(f for f in copy.flags if f["code"] == "duplicate")
            assert flag["photo"] == original.pk
    assert len({p.phash for p in photos}) == len(photos) - copies
    # The re-sent copies: a few bits from their original, EXIF stripped, flagged by the check.
    near = [p for p in photos if any(f["code"] == "near_duplicate" for f in p.flags)]
    assert len(near) == len(data)
    by_pk = {p.pk: p for p in photos}
    for copy in near:
        flag = next(f for f in copy.flags if f["code"] == "near_duplicate")
        original = by_pk[flag["photo"]]
        assert original.pk < copy.pk and original.proposal_id != copy.proposal_id
        assert 0 < hamming(copy.phash, original.phash) <= near_duplicate_bits()
        assert copy.taken_at is None and copy.latitude is None
    # Unrelated pictures are far apart (about 32 of 64 bits), never near-duplicates by chance.
    reused = {p.pk for group in shared for p in group} | {p.pk for p in near}
    reused |= {f["photo"] for p in near for f in p.flags if f["code"] == "near_duplicate"}
    sample = random.Random(1).sample([p for p in photos if p.pk not in reused], 60)
    assert min(hamming(a.phash, b.phash) for a in sample for b in sample if a is not b) > 10


def test_photos_are_taken_at_the_site_after_the_sk_but_a_few(data):
    boundaries = dict(Kelurahan.objects.values_list("pk", "boundary"))
    decreed = dict(DecreeLocation.objects.values_list("proposal_id", "decree__decree_date"))
    photos = ProgressPhoto.objects.select_related("proposal").filter(latitude__isnull=False)
    outside = far = early = 0
    for photo in photos:
        site = photo.proposal
        outside += not geo.contains(boundaries[site.kelurahan_id], photo.latitude, photo.longitude)
        far += geo.distance_m(photo.latitude, photo.longitude, site.latitude, site.longitude) > 300
        early += timezone.localtime(photo.taken_at).date() < decreed[site.pk]
    total = photos.count()
    assert total > 0.9 * ProgressPhoto.objects.count()  # a few lost their EXIF in a chat app
    assert photos.filter(metadata_source=ProgressPhoto.MetadataSource.FILE).count() == total
    # One outside, one far and one before the SK a year, plus what same-file copies carry.
    years = len(data)
    assert years <= outside <= 3 * years
    assert 2 * years <= far <= 4 * years
    assert years <= early <= 3 * years
    assert outside + far + early < total / 5


def test_supports_carry_their_nik_region(data):
    supports = CitizenSupport.objects.select_related("entry__kelurahan__kecamatan")
    assert supports.count() > 100 and not supports.filter(nik_region="").exists()
    outside = Counter()
    for support in supports:
        home = nik_prefix(support.entry.kelurahan.kecamatan.code)
        assert support.nik_region.startswith("1571") and len(support.nik_last4) == 4
        outside[support.entry.year] += support.nik_region != home
    for year in data:
        rule = FiscalYear.objects.get(year=year).support_residency
        assert rule == evidence.support_rule(year)
        of_year = supports.filter(entry__year=year).count()
        if rule == FiscalYear.SupportResidency.KECAMATAN:
            assert outside[year] == 0  # the service refuses another kecamatan's NIK
        else:
            assert 0 < outside[year] < of_year / 4


def test_a_synthetic_nik_is_valid_and_of_its_region():
    rng = random.Random(3)
    for _ in range(200):
        nik = evidence.random_nik("157108", 2021, rng)
        info = validate_nik(nik)
        assert info.region == "157108" and info.last4 == nik[-4:]


@pytest.mark.parametrize(
    "code",
    [
        "photo_reused",
        "outside_kelurahan",
        "photo_far_from_site",
        "photo_before_decree",
        "support_burst",
        "support_other_area",
    ],
)
def test_each_photo_and_support_rule_raises_a_few(data, code):
    flags = raised(code)
    sites = Proposal.objects.filter(designated_budget__isnull=False).count()
    entries = MusrenbangEntry.objects.count()
    # At least the deliberate one a year (support_other_area: a year under the city rule).
    years = [y for y in data if code != "support_other_area" or y in evidence.CITY_RULE_YEARS]
    assert len(years) <= len(flags) <= 4 * len(data)
    # At this scale (12 sites a year) one photo in another kelurahan is already 8% of sites.
    assert len(flags) < (entries / 20 if code.startswith("support") else sites / 3)


def test_the_bursts_and_outsiders_are_the_deliberate_ones(data):
    bursts = raised("support_burst")
    assert len(bursts) == len(data)
    assert all(20 <= b.facts["count"] <= 32 for b in bursts)
    city_years = [y for y in data if y in evidence.CITY_RULE_YEARS]
    other_area = raised("support_other_area")
    assert {f.year for f in other_area} == set(city_years)


@pytest.mark.parametrize(
    "code",
    [
        "amendment_after_order",
        "delivery_after_payment",
        "payment_before_bast",
        "price_above_reference",
        "completion_too_fast",
        "few_participants",
        "shops_sharing_identity",
    ],
)
def test_the_procedure_rules_find_the_departures(data, code):
    flags = raised(code)
    assert 1 <= len(flags) <= 4 * len(data)


def test_twin_shops_are_added_once(data):
    twins = Supplier.objects.filter(name__endswith=" Cabang")
    assert twins.count() == 2
    assert evidence.twin_shops() == 0
