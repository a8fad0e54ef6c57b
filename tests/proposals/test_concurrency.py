"""Two people deciding the same proposal at the same moment: exactly one decision stands.

These need real row locks (SELECT … FOR UPDATE), so they run on PostgreSQL only; SQLite
serialises whole transactions instead and would prove nothing.
"""

import threading
import time

import pytest
from django.db import connection, transaction

from bangkit.errors import ActionRefused
from bangkit.models import Role
from proposals import services
from proposals.models import Proposal, TransitionLog
from tests import factories
from tests.proposals.conftest import checklist_for, new_audits, new_logs

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL row locks (SELECT FOR UPDATE)"
    ),
    pytest.mark.concurrency,
    # Real commits. The flush afterwards also wipes the work types the migrations load: the
    # factories recreate them (serialized_rollback collided with other transactional tests).
    pytest.mark.django_db(transaction=True),
]

REASON = "Lokasi berada di lahan sengketa, belum ada surat hibah."
TIMEOUT = 30


def race(*calls):
    """Run each call in its own thread, all released at once; return results or exceptions."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=TIMEOUT)
            results[index] = call()
        except Exception as exc:  # the outcome under test, collected for the main thread
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck on a lock"
    return results


def wait_until_a_session_waits_for_a_lock(seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            # Inside a transaction the activity view is a snapshot unless cleared.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.05)
    return False


def one_winner(results):
    winners = [r for r in results if isinstance(r, Proposal)]
    losers = [r for r in results if not isinstance(r, Proposal)]
    assert len(winners) == 1, results
    assert len(losers) == len(results) - 1
    for loser in losers:
        assert isinstance(loser, ActionRefused), repr(loser)
        assert "sudah diproses oleh" in loser.message
    return winners[0]


@pytest.fixture
def second_lurah_staff(world):
    return factories.make_user(
        Role.KELURAHAN, world.kelurahan, username="staf-kelurahan", first_name="Rohani"
    )


@pytest.mark.parametrize("attempt", range(3))
def test_verify_and_reject_at_the_same_moment(world, make_proposal, second_lurah_staff, attempt):
    # Given a submitted proposal open on two kelurahan screens
    proposal = make_proposal("submitted")
    screen_a = Proposal.objects.get(pk=proposal.pk)
    screen_b = Proposal.objects.get(pk=proposal.pk)
    checklist = checklist_for(proposal, "kelurahan")
    lurah = world.users["kelurahan_own"]

    # When the lurah verifies and a colleague rejects at the same moment
    results = race(
        lambda: services.proposal_transition(
            proposal=screen_a, actor=lurah, action="verify_kelurahan", checklist=checklist
        ),
        lambda: services.proposal_transition(
            proposal=screen_b, actor=second_lurah_staff, action="reject", note=REASON
        ),
    )

    # Then exactly one decision stands, logged and audited once; the other is told who won
    winner = one_winner(results)
    final = Proposal.objects.get(pk=proposal.pk)
    assert final.state == winner.state
    assert final.state in ("kelurahan_verified", "rejected")
    log = new_logs(proposal).get(proposal=proposal)
    assert log.to_state == final.state
    assert new_audits(proposal).filter(object_id=str(proposal.pk)).count() == 1
    loser = next(r for r in results if isinstance(r, ActionRefused))
    assert (log.actor.first_name in loser.message) and (log.get_to_state_display() in loser.message)


def test_two_verifications_of_the_same_proposal(world, make_proposal, second_lurah_staff):
    proposal = make_proposal("submitted")
    checklist = checklist_for(proposal, "kelurahan")
    screens = [
        (world.users["kelurahan_own"], Proposal.objects.get(pk=proposal.pk)),
        (second_lurah_staff, Proposal.objects.get(pk=proposal.pk)),
    ]

    results = race(
        *[
            lambda user=user, seen=seen: services.proposal_transition(
                proposal=seen, actor=user, action="verify_kelurahan", checklist=checklist
            )
            for user, seen in screens
        ]
    )

    one_winner(results)
    assert Proposal.objects.get(pk=proposal.pk).state == "kelurahan_verified"
    assert (
        TransitionLog.objects.filter(proposal=proposal, transition="verify_kelurahan").count() == 1
    )


def test_a_double_submission_of_the_same_draft(world, make_proposal):
    # Given a complete draft, and the Ketua RT pressing "Ajukan" on a phone and a laptop
    proposal = make_proposal("draft")
    rt_user = world.users["rt_own"]
    screens = [Proposal.objects.get(pk=proposal.pk) for _ in range(3)]

    results = race(
        *[
            lambda seen=seen: services.proposal_transition(
                proposal=seen, actor=rt_user, action="submit"
            )
            for seen in screens
        ]
    )

    one_winner(results)
    assert Proposal.objects.get(pk=proposal.pk).state == "submitted"
    assert new_logs(proposal).filter(proposal=proposal).count() == 1


def test_a_decision_waits_for_the_row_lock_then_sees_the_new_state(world, make_proposal):
    """The same race made deterministic: hold the lock, start the rival, then decide."""
    proposal = make_proposal("submitted")
    lurah = world.users["kelurahan_own"]
    rival_screen = Proposal.objects.get(pk=proposal.pk)
    outcome = {}

    def rival():
        try:
            services.proposal_transition(
                proposal=rival_screen, actor=lurah, action="reject", note=REASON
            )
        except Exception as exc:
            outcome["error"] = exc
        finally:
            connection.close()

    with transaction.atomic():
        services.proposal_transition(
            proposal=proposal,
            actor=lurah,
            action="verify_kelurahan",
            checklist=checklist_for(proposal, "kelurahan"),
        )
        thread = threading.Thread(target=rival)
        thread.start()
        # The rival cannot read the row for update until this transaction commits.
        assert wait_until_a_session_waits_for_a_lock()
        assert thread.is_alive()
    thread.join(TIMEOUT)

    assert not thread.is_alive()
    assert isinstance(outcome.get("error"), ActionRefused)
    assert "sudah diproses oleh Sri Lubis (Diverifikasi kelurahan)" in outcome["error"].message
    assert Proposal.objects.get(pk=proposal.pk).state == "kelurahan_verified"
    assert new_logs(proposal).filter(proposal=proposal).count() == 1
