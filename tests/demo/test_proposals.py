"""The demo seed: proposals in every early state, made through the services, once."""

import io
import signal
from collections import Counter
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count
from django.test import override_settings
from PIL import Image

from bangkit import geo
from bangkit.models import RT, AuditEvent, FiscalYear, User, WorkType
from demo.seeders import core as core_demo
from demo.seeders import proposals as demo
from proposals import rules
from proposals.models import (
    Attachment,
    MusrenbangEntry,
    Proposal,
    RABLine,
    TransitionLog,
)

STATES = [
    "draft",
    "submitted",
    "kelurahan_verified",
    "kecamatan_verified",
    "rejected",
    "deferred",
    "cancelled",
]


def table_sizes() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            MusrenbangEntry,
            Proposal,
            RABLine,
            Attachment,
            TransitionLog,
            AuditEvent,
            RT,
            User,
        )
    }


@pytest.fixture(scope="module")
def seeded_once(django_db_setup, django_db_blocker, tmp_path_factory):
    """The real regions, the core demo and this seed, made once for the module (a seed takes
    seconds) inside a transaction rolled back at the end; each test runs in a savepoint."""
    media = tmp_path_factory.mktemp("demo-media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media),
        transaction.atomic(),
    ):
        call_command("load_regions", verbosity=0, stdout=io.StringIO())
        core_demo.seed_core()
        yield demo.seed(), media
        transaction.set_rollback(True)


@pytest.fixture
def seeded(seeded_once, db, settings):
    summary, media = seeded_once
    settings.MEDIA_ROOT = media
    return summary


def test_the_demo_has_at_least_three_proposals_in_each_state(seeded):
    counts = Counter(Proposal.objects.values_list("state", flat=True))

    assert {state: counts[state] for state in STATES} == {
        state: max(3, counts[state]) for state in STATES
    }
    assert set(counts) <= set(STATES)
    assert f"{sum(counts.values())} usulan kegiatan baru" in seeded


def test_every_proposal_was_made_by_the_services(seeded):
    proposals = Proposal.objects.annotate(logs=Count("transitions")).select_related("rt")
    for proposal in proposals:
        logs = list(proposal.transitions.all())
        # Created from its entry by the Ketua RT, then moved step by step to where it is.
        assert logs[0].transition == "create"
        assert logs[0].actor.rt_id == proposal.rt_id
        assert logs[-1].to_state == proposal.state
        for before, after in zip(logs, logs[1:], strict=False):
            assert after.from_state == before.to_state
        assert AuditEvent.objects.filter(
            object_id=str(proposal.pk), action="proposal_create"
        ).exists()
        assert proposal.entry is not None
        assert 0 < proposal.rab_total <= proposal.ceiling


def test_every_decision_in_the_demo_has_its_reason_and_checklist(seeded):
    for log in TransitionLog.objects.exclude(transition__in=["create", "submit"]):
        if log.transition in rules.REQUIRED_REASON:
            assert len(log.note) >= 10
        if log.transition.startswith("verify_"):
            assert log.checklist and all(log.checklist.values())


def test_submitted_proposals_carry_every_required_document(seeded):
    fiscal_year = FiscalYear.objects.get(year=core_demo.demo_year())
    photos = Attachment.objects.filter(kind="site_photo")

    for proposal in Proposal.objects.exclude(state__in=["draft", "cancelled"]):
        assert rules.missing_documents(proposal) == []
    assert fiscal_year.required_documents.count() == 3
    with photos.first().file.open("rb") as stored:
        image = Image.open(io.BytesIO(stored.read()))
        assert (image.format, image.size) == ("JPEG", (640, 480))
    assert all(a.size < 200_000 for a in photos)
    letter = Attachment.objects.filter(kind="proposal_letter").first()
    assert letter.content_type == "application/pdf"


def test_the_demo_accounts_each_have_work_waiting(seeded):
    rt_user = User.objects.get(username="rt.simpang-iv-sipin.01")
    lurah = User.objects.get(username="lurah.simpang-iv-sipin")
    camat = User.objects.get(username="camat.telanaipura")

    own_drafts = Proposal.objects.visible_to(rt_user).filter(state="draft")
    ready = [p for p in own_drafts if rules.is_complete_for_submission(p)]
    returned = [p for p in own_drafts if p.transitions.last().transition == "return_for_revision"]
    assert ready and returned
    assert len(returned[0].transitions.last().note) >= 10
    assert Proposal.objects.visible_to(lurah).filter(state="submitted").count() >= 3
    assert Proposal.objects.visible_to(camat).filter(state="kelurahan_verified").count() >= 3
    # And the rest of the city has proposals too.
    kecamatan = set(Proposal.objects.values_list("kelurahan__kecamatan__slug", flat=True))
    assert len(kecamatan) >= 6


def test_the_entries_come_through_the_importer(seeded):
    assert "impor musrenbang_sample.csv" in seeded
    assert MusrenbangEntry.objects.filter(source_id__startswith="MR-").count() >= 140
    assert AuditEvent.objects.filter(action="musrenbang_import").count() == 1


def test_a_second_run_creates_nothing(seeded):
    before = table_sizes()

    summary = demo.seed()

    assert table_sizes() == before
    assert summary.startswith("0 usulan Musrenbang baru")
    assert "0 usulan kegiatan baru" in summary


def test_without_the_sample_file_entries_are_written_directly(regions, monkeypatch, tmp_path):
    # The next year: this module's seeded year already has its entries.
    core_demo.seed_core()
    monkeypatch.setattr(demo, "SAMPLE_FILE", tmp_path / "tidak-ada.csv")
    year = core_demo.demo_year() + 1

    created, source = demo.seed_entries(year)
    again = demo.seed_entries(year)

    entries = MusrenbangEntry.objects.filter(year=year)
    assert (source, again) == ("dibuat langsung", (0, "sudah ada"))
    assert 120 <= created == entries.count() <= 200
    assert entries.values("kelurahan").distinct().count() >= 60
    for entry in entries.select_related("work_type", "rt", "kelurahan"):
        entry.full_clean()
        assert entry.rt.kelurahan_id == entry.kelurahan_id
        assert geo.contains(entry.kelurahan.boundary, entry.latitude, entry.longitude)
        assert entry.work_type is not None and entry.volume > 0
    assert entries.first().history.exists()


@contextmanager
def at_most(seconds: float):
    """Fail, instead of hanging the suite, when the block runs longer than ``seconds``."""

    def expired(signum, frame):
        raise TimeoutError(f"did not return within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_plan_rab_returns_for_a_long_bridge_under_the_lowest_ceiling():
    # 29 m of jembatan kecil at 1.5 m under Rp 50 M: scaling by limit/total rounded back to
    # 29 m, and the old loop never ended.
    bridge = WorkType(code="jembatan-kecil", unit="m", has_width=True)

    with at_most(2):
        volume, lines = demo.plan_rab(bridge, Decimal("29"), Decimal("1.5"), 50_000_000)

    assert volume < 29
    assert demo._total(lines) <= 45_000_000


@pytest.mark.parametrize("code", sorted(demo.RAB_BUILDERS))
def test_plan_rab_always_returns_within_the_ceiling_or_at_its_smallest(code):
    unit = "unit" if code in ("gorong-gorong", "mck", "pos-ronda", "sumur-bor") else "m"
    work_type = WorkType(code=code, unit=unit)
    with at_most(10):
        for ceiling in (None, 50_000_000, 70_000_000, 100_000_000, 5_000_000):
            for width in (None, Decimal("1"), Decimal("1.5"), Decimal("3")):
                for wanted in [*range(1, 61), 75, 120, 250, 1000]:
                    volume, lines = demo.plan_rab(work_type, Decimal(wanted), width, ceiling)
                    limit = int((ceiling or 50_000_000) * 0.9)
                    assert 1 <= volume <= max(1, wanted)
                    assert demo._total(lines) <= limit or volume == 1, (ceiling, width, wanted)
