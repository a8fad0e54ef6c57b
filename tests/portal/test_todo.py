"""What waits for each user (portal.todo): the home page's list, oldest first, each item linking
to where the action is done, the menu's counts in one query, and scoping by area."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from bangkit.models import Role
from portal import todo
from procurement.models import Delivery, DeliveryLine, Handover, PurchaseOrder, PurchaseOrderLine
from proposals.models import State, TransitionLog
from reporting.models import CompletionReport
from tests import factories
from tests.reporting import conftest as reporting_fixtures
from verification.models import Decree

world = reporting_fixtures.world
make_site = reporting_fixtures.make_site

RETURN_REASON = "Foto lokasi kurang jelas, mohon diganti dengan foto siang hari."


def log(proposal, transition, from_state, to_state, actor, note=""):
    return TransitionLog.objects.create(
        proposal=proposal,
        transition=transition,
        from_state=from_state,
        to_state=to_state,
        actor=actor,
        note=note,
    )


def handover_for(proposal, world, *, state=Handover.State.AWAITING_RT):
    return Handover.objects.create(
        proposal=proposal,
        state=state,
        number=f"BAST-{proposal.pk}",
        handover_date=timezone.localdate(),
        place="Balai RT",
        first_party_name="Sri Lubis",
        first_party_position="Lurah",
        second_party_name="Ahmad Hidayat",
        second_party_position="Ketua RT",
        items=[{"description": "Semen Portland 50 kg", "unit": "sak", "quantity": "100"}],
        recorded_by=world.users["lurah"],
    )


@pytest.fixture
def stages(world, make_site):
    """One proposal (or record) waiting at every step, in area A; a copy of some in area B."""
    rt, lurah, camat = world.users["rt"], world.users["lurah"], world.users["camat"]
    made = {}
    # The Ketua RT's: a returned proposal, a fresh draft (nothing to do), a BAST to confirm,
    # work to record, a report to finish (returned once, with the reason).
    returned = make_site(state=State.DRAFT, orders=False, decree_date=None)
    log(returned, "submit", State.DRAFT, State.SUBMITTED, rt)
    log(returned, "return_for_revision", State.SUBMITTED, State.DRAFT, lurah, RETURN_REASON)
    made["returned"] = returned
    made["fresh"] = make_site(state=State.DRAFT, orders=False, decree_date=None)
    made["bast"] = make_site(state=State.PROCUREMENT)
    handover_for(made["bast"], world)
    made["work"] = make_site(state=State.MATERIALS_RECEIVED)
    made["report"] = make_site(state=State.IN_PROGRESS)
    log(made["report"], "return_report", State.REPORTED, State.IN_PROGRESS, lurah, "Foto kurang")
    # The lurah's: a proposal to verify, a designated one with no order, a draft order, an
    # order half delivered, a site fully delivered without BAST, a report to review.
    made["submitted"] = make_site(state=State.SUBMITTED, orders=False, decree_date=None)
    log(made["submitted"], "submit", State.DRAFT, State.SUBMITTED, rt)
    made["designated"] = make_site(state=State.DESIGNATED, orders=False)
    drafted = make_site(state=State.DESIGNATED, orders=False)
    made["draft_order"] = PurchaseOrder.objects.create(
        proposal=drafted, supplier=world.supplier, total=1_000_000, created_by=lurah
    )
    half = make_site(state=State.PROCUREMENT, orders=False)
    order = PurchaseOrder.objects.create(
        proposal=half,
        supplier=world.supplier,
        state=PurchaseOrder.State.ISSUED,
        number="SP-HALF",
        total=7_500_000,
        created_by=lurah,
        issued_by=lurah,
        issued_at=timezone.now(),
    )
    line = PurchaseOrderLine.objects.create(
        order=order,
        description="Semen Portland 50 kg",
        unit="sak",
        quantity=Decimal("100"),
        unit_price=75_000,
        line_total=7_500_000,
        position=0,
    )
    delivery = Delivery.objects.create(
        order=order,
        delivered_on=timezone.localdate(),
        received_by_name="Ahmad",
        recorded_by=lurah,
    )
    DeliveryLine.objects.create(delivery=delivery, order_line=line, quantity=Decimal("40"))
    made["half_order"] = order
    made["delivered"] = make_site(state=State.PROCUREMENT)
    made["reported"] = make_site(state=State.REPORTED)
    # The camat's: a proposal to verify, a draft decree, an accepted report to countersign.
    made["verified"] = make_site(state=State.KELURAHAN_VERIFIED, orders=False, decree_date=None)
    made["decree"] = Decree.objects.create(
        kecamatan=world.kecamatan,
        fiscal_year=world.fiscal_year,
        title="Penetapan Lokasi Tahap II",
        menimbang="a. bahwa",
        mengingat="1. Perwal",
        signatory_name="Hasan Rambe",
        created_by=camat,
    )
    completed = make_site(state=State.COMPLETED)
    CompletionReport.objects.create(
        proposal=completed,
        updated_by=rt,
        submitted_by=rt,
        submitted_at=timezone.now(),
        accepted_by=lurah,
        accepted_at=timezone.now(),
    )
    made["completed"] = completed
    # Elsewhere (area B): a returned proposal and one to verify, never shown in area A.
    other = make_site(rt=world.rt_other, state=State.SUBMITTED, orders=False, decree_date=None)
    log(other, "submit", State.DRAFT, State.SUBMITTED, world.users["rt_other"])
    made["other"] = other
    return made


def kinds_of(items):
    return [t.kind for t in items]


def test_the_ketua_rt_sees_the_returned_proposal_with_its_reason_the_bast_and_the_work(
    world, stages
):
    items = todo.todo_list(world.users["rt"])

    assert sorted(kinds_of(items)) == sorted(
        ["returned", "handover_confirm", "work_record", "report_finish"]
    )
    returned = next(t for t in items if t.kind == "returned")
    assert returned.code == stages["returned"].code
    assert returned.note == RETURN_REASON
    assert returned.url == reverse("flow:resume", args=[stages["returned"].code])
    bast = next(t for t in items if t.kind == "handover_confirm")
    assert bast.url == reverse("procurement:handover", args=[stages["bast"].pk]) + "#konfirmasi"
    report = next(t for t in items if t.kind == "report_finish")
    assert report.url == reverse("reporting:report", args=[stages["report"].pk])
    assert report.note == "Foto kurang"
    assert stages["fresh"].code not in [t.code for t in items]


def test_the_lurah_sees_verifications_orders_deliveries_bast_and_reports(world, stages):
    items = todo.todo_list(world.users["lurah"])

    assert sorted(kinds_of(items)) == sorted(
        [
            "verify_kelurahan",
            "order_create",
            "order_issue",
            "delivery_record",
            "handover_record",
            "report_review",
        ]
    )
    by_kind = {t.kind: t for t in items}
    assert by_kind["verify_kelurahan"].url == (
        reverse("proposals:detail", args=[stages["submitted"].code]) + "#keputusan"
    )
    assert by_kind["order_issue"].url == reverse(
        "procurement:order", args=[stages["draft_order"].pk]
    )
    assert by_kind["delivery_record"].url == reverse(
        "procurement:delivery_create", args=[stages["half_order"].pk]
    )
    assert by_kind["handover_record"].code == stages["delivered"].code
    assert by_kind["report_review"].url == (
        reverse("reporting:review", args=[stages["reported"].pk]) + "#keputusan"
    )
    # The site whose BAST waits for the RT is not offered for a second BAST.
    assert stages["bast"].code not in [t.code for t in items]


def test_the_camat_sees_verifications_decrees_and_countersignatures(world, stages):
    items = todo.todo_list(world.users["camat"])

    assert sorted(kinds_of(items)) == ["countersign", "decree_issue", "verify_kecamatan"]
    by_kind = {t.kind: t for t in items}
    assert by_kind["decree_issue"].url == reverse(
        "verification:decree_detail", args=[stages["decree"].public_id]
    )
    assert by_kind["countersign"].code == stages["completed"].code


def test_the_shop_sees_orders_and_deliveries_to_acknowledge(client, world, stages):
    shop = factories.make_user(Role.TOKO, world.supplier, username="toko-sinar")

    items = todo.todo_list(shop)

    orders = [t for t in items if t.kind == "order_acknowledge"]
    deliveries = [t for t in items if t.kind == "delivery_acknowledge"]
    # Every issued order of the world is addressed to this shop, none acknowledged yet; the
    # draft order is not the shop's to see.
    issued = PurchaseOrder.objects.filter(state=PurchaseOrder.State.ISSUED)
    assert len(orders) == issued.count()
    assert stages["draft_order"].pk not in [int(t.url.rstrip("/").split("/")[-1]) for t in orders]
    assert len(deliveries) == Delivery.objects.count()
    assert deliveries[0].url.startswith("/pengadaan/pesanan/")
    client.force_login(shop)
    assert client.get("/").status_code == 200


def test_the_list_is_oldest_first(world, stages):
    items = todo.todo_list(world.users["lurah"])
    times = [t.since for t in items]

    assert None not in times
    assert times == sorted(times)


def test_other_areas_and_read_only_roles_see_nothing_of_area_a(world, stages):
    other_lurah = todo.todo_list(world.users["lurah_other"])

    assert [t.code for t in other_lurah] == [stages["other"].code]
    assert todo.todo_list(world.users["rt_other"]) == []
    assert todo.todo_list(world.users["camat_other"]) == []
    assert todo.todo_list(world.users["inspektorat"]) == []
    assert todo.todo_counts(world.users["bappeda"]) == {}


def test_the_counts_agree_with_the_list_in_one_query(world, stages, django_assert_num_queries):
    for name in ("rt", "lurah", "camat", "lurah_other"):
        user = world.users[name]
        with django_assert_num_queries(1):
            counts = todo.todo_counts(user)
        listed = kinds_of(todo.todo_list(user))
        assert counts == {kind.name: listed.count(kind.name) for kind in todo.kinds_for(user)}


def test_menu_counts_are_per_entry_with_the_total_on_home(world, stages):
    counts = todo.menu_counts(world.users["lurah"])

    assert counts == {
        reverse("proposals:list"): 1,
        reverse("procurement:index"): 4,
        reverse("reporting:sites"): 1,
        reverse("home"): 6,
    }


# --- The pages ---------------------------------------------------------------------------------


def test_home_lists_the_actions_and_the_menu_shows_the_counts(client, world, stages):
    client.force_login(world.users["lurah"])

    html = client.get("/").content.decode()

    assert 'id="menunggu"' in html
    assert html.count('data-todo="') == 6
    assert reverse("procurement:delivery_create", args=[stages["half_order"].pk]) in html
    assert "data-todo-total>6<" in html
    # "Pengadaan" in the menu with its 4 waiting actions.
    assert (
        f'<a href="{reverse("procurement:index")}">Pengadaan <span class="nav-count" '
        "data-todo-count>4<"
    ) in html


def test_home_of_the_ketua_rt_shows_the_returned_badge_and_reason(client, world, stages):
    client.force_login(world.users["rt"])

    html = client.get("/").content.decode()

    assert "Dikembalikan" in html
    assert RETURN_REASON in html


def test_a_role_with_nothing_to_do_has_no_list_and_no_counts(client, world, stages):
    client.force_login(world.users["bappeda"])

    html = client.get("/").content.decode()

    assert 'id="menunggu"' not in html
    assert "data-todo-count" not in html


# The home page's own reads (see tests/bangkit/test_views.py), one query for the counts (shared
# with the menu) and one per kind of action of the role: RT 4, kelurahan 6, kecamatan 3.
@pytest.mark.parametrize(("name", "queries"), [("rt", 16), ("lurah", 16), ("camat", 12)])
def test_home_query_count_does_not_grow_with_the_items(
    client, world, stages, make_site, django_assert_max_num_queries, name, queries
):
    for _ in range(3):
        make_site(state=State.SUBMITTED, orders=False, decree_date=None)
        make_site(state=State.KELURAHAN_VERIFIED, orders=False, decree_date=None)
        make_site(state=State.IN_PROGRESS)
    client.force_login(world.users[name])

    with django_assert_max_num_queries(queries):
        response = client.get("/")

    assert response.status_code == 200


def test_every_signed_in_page_pays_one_query_for_the_menu_counts(
    client, world, stages, django_assert_num_queries
):
    client.force_login(world.users["lurah"])
    client.get(reverse("proposals:list"))  # warm the session

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("proposals:list"))

    counting = [q["sql"] for q in queries.captured_queries if "counted_0" in q["sql"]]
    assert len(counting) == 1
