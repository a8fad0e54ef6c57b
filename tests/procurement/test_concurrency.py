"""Concurrent issues: the budget is never exceeded and order numbers have no gaps (PostgreSQL)."""

import threading
from decimal import Decimal

import pytest
from django.db import close_old_connections, connection

from bangkit.errors import ActionRefused
from procurement import services
from procurement.models import OrderCounter, PurchaseOrder

pytestmark = [
    pytest.mark.concurrency,
    # No serialized_rollback: mixing it with plain transactional tests in one process makes
    # the flush and the reload of content types collide. The fixtures build what they need.
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite has no row locks (select_for_update); run with DATABASE_URL=postgres://…",
    ),
]


@pytest.fixture(autouse=True)
def _fresh_content_types():
    """An earlier transactional test may have emptied the table behind the cache's back."""
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
    yield
    ContentType.objects.clear_cache()


def _run_together(jobs):
    """Start every job at the same instant; return what each returned or raised."""
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def run(i, job):
        try:
            barrier.wait(timeout=10)
            results[i] = job()
        except Exception as exc:  # noqa: BLE001 - the test inspects what happened
            results[i] = exc
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _draft(world, proposal, quantity):
    lurah = world.users["lurah"]
    order = PurchaseOrder.objects.create(
        proposal=proposal, supplier=world.shop_here, created_by=lurah
    )
    return services.order_update(
        order=order,
        actor=lurah,
        supplier=world.shop_here,
        lines=[
            services.OrderLineInput(
                material=world.materials["Semen Portland 50 kg"],
                description="Semen Portland 50 kg",
                unit="sak",
                quantity=Decimal(quantity),
                unit_price=75_000,
            )
        ],
    )


def test_concurrent_orders_never_exceed_the_designated_budget(world, make_designated):
    # Each order alone fits (Rp 6.000.000 of Rp 10.000.000); any two together do not.
    proposal = make_designated(budget=10_000_000)
    drafts = [_draft(world, proposal, 80) for _ in range(4)]
    lurah = world.users["lurah"]

    results = _run_together(
        [lambda d=d: services.order_issue(order=d, actor=lurah) for d in drafts]
    )

    issued = [r for r in results if isinstance(r, PurchaseOrder)]
    refused = [r for r in results if isinstance(r, ActionRefused)]
    assert len(issued) == 1, results
    assert len(refused) == 3, results
    total = sum(o.total for o in PurchaseOrder.objects.filter(state="issued", proposal=proposal))
    assert total == 6_000_000 <= proposal.designated_budget
    proposal.refresh_from_db()
    assert proposal.state == "procurement"


def test_concurrent_issues_number_orders_without_gaps(world, make_designated):
    proposals = [make_designated() for _ in range(6)]
    drafts = [_draft(world, p, 10) for p in proposals]
    lurah = world.users["lurah"]

    results = _run_together(
        [lambda d=d: services.order_issue(order=d, actor=lurah) for d in drafts]
    )

    assert all(isinstance(r, PurchaseOrder) for r in results), results
    sequences = sorted(
        PurchaseOrder.objects.filter(state="issued").values_list("sequence", flat=True)
    )
    assert sequences == [1, 2, 3, 4, 5, 6]
    numbers = set(PurchaseOrder.objects.values_list("number", flat=True))
    assert len(numbers) == 6
    counter = OrderCounter.objects.get(kelurahan=world.kelurahan, year=world.fiscal_year.year)
    assert counter.last_number == 6
