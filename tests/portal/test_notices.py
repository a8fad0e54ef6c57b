"""Staff in-app notices: one per change and user it concerns, only after commit, scoped to the
user's area, never to the actor; the page, read/unread, and the menu's count in the to-do
query."""

import pytest
from django.db import transaction
from django.test import RequestFactory
from django.urls import reverse

from bangkit.models import Role
from portal import notices
from portal.context_processors import UNREAD_ATTRIBUTE, menu_figures
from portal.notices import StaffNotice
from proposals.models import State, TransitionLog
from tests.factories import KelurahanFactory, ProposalFactory, make_user
from tests.factories.lifecycle import actor_for, advance

pytestmark = pytest.mark.django_db

LIST = "/pemberitahuan/"


@pytest.fixture
def people(db):
    draft = ProposalFactory()
    kelurahan = draft.kelurahan
    other_kelurahan = KelurahanFactory(kecamatan=kelurahan.kecamatan)
    return {
        "draft": draft,
        "lurah": actor_for(Role.KELURAHAN, kelurahan),  # the one the services act as
        "staff": make_user(Role.KELURAHAN, kelurahan, username="staf-kelurahan"),
        "elsewhere": make_user(Role.KELURAHAN, other_kelurahan, username="lurah-lain"),
        "camat": actor_for(Role.KECAMATAN, kelurahan.kecamatan),
        "rt": actor_for(Role.RT, draft.rt),
    }


def test_a_submitted_proposal_tells_its_kelurahan_staff_once_after_commit(
    people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submitted = advance(people["draft"], State.SUBMITTED)
        assert not StaffNotice.objects.exists()  # nothing before the commit
    told = set(StaffNotice.objects.values_list("user__username", flat=True))
    assert told == {people["lurah"].username, people["staff"].username}
    notice = StaffNotice.objects.get(user=people["staff"])
    assert notice.proposal_id == submitted.pk and notice.read_at is None
    assert "menunggu verifikasi kelurahan" in notice.message
    # Run again (a retried callback): no second notice.
    log = TransitionLog.objects.filter(proposal=submitted).order_by("-id").first()
    assert notices.notice_stage_change(log.pk) == 0
    assert StaffNotice.objects.filter(transition_log=log).count() == 2

    with django_capture_on_commit_callbacks(execute=True):
        advance(submitted, State.KELURAHAN_VERIFIED)
    verified = StaffNotice.objects.filter(message__startswith="Diverifikasi kelurahan")
    # The camat is told; the lurah who verified is not told of their own step.
    assert set(verified.values_list("user", flat=True)) == {people["camat"].pk}


def test_a_change_that_rolls_back_leaves_no_notice(people, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        advance(people["draft"], State.SUBMITTED)
        raise RuntimeError
    assert not StaffNotice.objects.exists()


def _submitted(people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return advance(people["draft"], State.SUBMITTED)


def test_the_page_lists_the_users_notices_and_marks_them_read(
    client, people, django_capture_on_commit_callbacks
):
    proposal = _submitted(people, django_capture_on_commit_callbacks)
    client.force_login(people["staff"])
    page = client.get(LIST).content.decode()
    assert proposal.title in page and "Baru" in page
    assert reverse("proposals:detail", kwargs={"code": proposal.code}) in page
    # The menu carries the unread count.
    assert 'href="/pemberitahuan/"' in page
    mine = StaffNotice.objects.get(user=people["staff"])
    theirs = StaffNotice.objects.get(user=people["lurah"])
    # Another user's notice cannot be marked from here.
    client.post(reverse("notices:read"), {"pemberitahuan": theirs.pk})
    theirs.refresh_from_db()
    assert theirs.read_at is None
    client.post(reverse("notices:read"), {"pemberitahuan": mine.pk})
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert "Baru" not in client.get(LIST).content.decode()
    client.post(reverse("notices:read"), {"pemberitahuan": "abc"})  # no 500
    client.force_login(people["lurah"])
    client.post(reverse("notices:read"), {"semua": "1"})
    assert not notices.unread(people["lurah"]).exists()


def test_notices_are_scoped_to_the_users_area_and_role(
    client, people, django_capture_on_commit_callbacks
):
    _submitted(people, django_capture_on_commit_callbacks)
    for name in ("elsewhere", "camat"):
        assert notices.latest(people[name]) == []
    # A user moved to another kelurahan no longer reads the old area's notices.
    moved = people["staff"]
    moved.kelurahan = people["elsewhere"].kelurahan
    moved.save(update_fields=["kelurahan"])
    assert notices.latest(moved) == []
    # Roles without notices have no page (404), a visitor is sent to sign in.
    client.force_login(people["rt"])
    assert client.get(LIST).status_code == 404
    client.logout()
    assert client.get(LIST).status_code == 302


def test_the_unread_count_rides_in_the_to_do_query(
    people, django_capture_on_commit_callbacks, django_assert_num_queries
):
    _submitted(people, django_capture_on_commit_callbacks)
    request = RequestFactory().get("/")
    request.user = people["staff"]
    with django_assert_num_queries(1):
        menu_figures(request)
    assert getattr(request, UNREAD_ATTRIBUTE) == 1
