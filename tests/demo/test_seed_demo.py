"""The ordinary demo as `seed_demo` makes it (no --years): where its sites lie and when their
steps are dated, read from one seed shared by the module."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from bangkit import geo
from bangkit.models import AuditEvent
from demo.seeders import dates
from proposals.models import MusrenbangEntry, Proposal, TransitionLog
from verification.models import Decree, DecreeLocation


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


def test_a_sites_designation_is_dated_on_its_decrees_date(seeded):
    locations = list(
        DecreeLocation.objects.filter(decree__state=Decree.State.ISSUED).select_related("decree")
    )
    assert locations
    for location in locations:
        step = TransitionLog.objects.get(proposal_id=location.proposal_id, transition="designate")
        day = timezone.localtime(step.created_at).date()
        assert day == location.decree.decree_date, location.proposal_id
        twin = AuditEvent.objects.get(
            object_id=str(location.proposal_id), action="proposal_designate"
        )
        assert twin.created_at == step.created_at
        moments = list(
            TransitionLog.objects.filter(proposal_id=location.proposal_id)
            .order_by("id")
            .values_list("created_at", flat=True)
        )
        assert moments == sorted(set(moments))  # each step after the one before it


def test_a_decree_is_issued_on_its_date_and_its_audit_and_history_rows_say_so(seeded):
    issued = list(Decree.objects.filter(state=Decree.State.ISSUED))
    assert issued
    for decree in issued:
        signed = timezone.localtime(decree.issued_at)
        assert signed.date() == decree.decree_date and signed.time() == dates.DECREE_HOUR
        # the designation it made is the same act, at the same moment
        designations = TransitionLog.objects.filter(
            proposal__decree_locations__decree=decree, transition="designate"
        )
        assert {step.created_at for step in designations} == {decree.issued_at}
        events = AuditEvent.objects.filter(
            content_type__model="decree", object_id=str(decree.pk)
        ).order_by("created_at", "id")
        when = {event.action: event.created_at for event in events}
        assert when["decree_issue"] == decree.issued_at
        drafted = when["decree_create_draft"]
        assert drafted == decree.created_at
        assert timezone.localtime(drafted).date() == decree.decree_date
        assert drafted < decree.issued_at
        verified = TransitionLog.objects.filter(
            proposal__decree_locations__decree=decree, transition="verify_kecamatan"
        ).values_list("created_at", flat=True)
        assert max(verified) < drafted  # the draft lists sites the kecamatan had verified
        rows = list(decree.history.order_by("history_date", "history_id"))
        assert timezone.localtime(rows[0].history_date).date() == decree.decree_date
        [issue] = [r for r in rows if r.issued_at is not None][:1]
        assert issue.history_date == issue.issued_at == decree.issued_at
        assert {r.issued_at for r in rows} <= {None, decree.issued_at}


def test_the_steps_before_the_decree_lead_up_to_it():
    names = ["create", "submit", "verify_kelurahan", "verify_kecamatan", "designate", "order"]
    now = timezone.now()
    floor = now - timedelta(days=300)

    class Step:
        def __init__(self, name):
            self.transition, self.created_at = name, now

    decreed = now - timedelta(days=200)
    moments = dates._dated([Step(n) for n in names], dates.random.Random(1), floor, decreed)
    assert moments[4] == decreed and moments[-1] == now
    assert moments == sorted(set(moments)) and moments[0] >= floor
