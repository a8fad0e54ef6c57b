"""The ranking's score, the exact knapsack behind the suggested set, fairness, overrides."""

import itertools
import math

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st

from bangkit.models import FiscalYear
from proposals.models import CitizenSupport, MusrenbangEntry
from tests import factories
from verification.models import PriorityOverride, PriorityWeights
from verification.priority.knapsack import KnapsackItem, knapsack_unit, rounded_cost, solve_knapsack
from verification.priority.ranking import (
    REASON_FAIRNESS,
    REASON_NO_MONEY,
    REASON_SELECTED,
    YEARS_WAITING_CAP,
    CandidateFacts,
    rank_kecamatan,
    score_candidates,
)

# --------------------------------------------------------------------------------------------
# The knapsack against brute force
# --------------------------------------------------------------------------------------------


def feasible(subset, capacity, caps, required, unit) -> bool:
    if sum(rounded_cost(i.cost, unit) for i in subset) > capacity // unit:
        return False
    for group, cap in caps.items():
        in_group = sum(rounded_cost(i.cost, unit) for i in subset if i.group == group)
        if in_group > max(0, cap) // unit:
            return False
    return all(any(i.group == g for i in subset) for g in required)


def brute_force(items, capacity, caps, required, unit):
    """The best total value over every subset that satisfies the constraints (None: none does)."""
    best = None
    for size in range(len(items) + 1):
        for subset in itertools.combinations(items, size):
            if feasible(subset, capacity, caps, required, unit):
                value = sum(i.value for i in subset)
                best = value if best is None else max(best, value)
    return best


@st.composite
def instances(draw):
    big = draw(st.booleans())
    max_cost = 60_000_000 if big else 40
    n = draw(st.integers(0, 12))
    items = [
        KnapsackItem(
            key=k,
            cost=draw(st.integers(1, max_cost)),
            value=draw(st.one_of(st.just(0.0), st.floats(0, 100, allow_nan=False))),
            group=draw(st.integers(0, 3)),
        )
        for k in range(n)
    ]
    capacity = draw(st.integers(0, 200_000_000 if big else 150))
    caps = draw(st.dictionaries(st.integers(0, 3), st.integers(0, max(capacity, 1)), max_size=3))
    required = draw(st.sets(st.integers(0, 3)))
    # Few steps make the unit large on small numbers too, so the rounding is exercised.
    steps = draw(st.sampled_from([20_000, 50, 7]))
    return items, capacity, caps, required, steps


@settings(max_examples=300, deadline=None)
@given(instances())
def test_knapsack_is_exact_against_brute_force(instance):
    items, capacity, caps, required, steps = instance

    solution = solve_knapsack(
        items, capacity, group_caps=caps, required_groups=required, steps=steps
    )

    unit = knapsack_unit(capacity, steps)
    assert solution.unit == unit
    chosen = [i for i in items if i.key in solution.chosen]
    # Never over the real budget nor a real share, whatever the rounding.
    assert sum(i.cost for i in chosen) <= capacity
    for group, cap in caps.items():
        assert sum(i.cost for i in chosen if i.group == group) <= cap
    kept = (required & {i.group for i in items}) - set(solution.unmet_groups)
    assert feasible(chosen, capacity, caps, kept, unit)
    assert math.isclose(
        solution.total_value, brute_force(items, capacity, caps, kept, unit), abs_tol=1e-6
    )
    assert solution.total_cost == sum(i.cost for i in chosen)


@settings(max_examples=150, deadline=None)
@given(instances())
def test_fairness_rule_is_dropped_only_for_groups_that_cannot_all_be_served(instance):
    items, capacity, caps, required, steps = instance

    solution = solve_knapsack(
        items, capacity, group_caps=caps, required_groups=required, steps=steps
    )

    unit = knapsack_unit(capacity, steps)
    kept = (required & {i.group for i in items}) - set(solution.unmet_groups)
    assert set(solution.unmet_groups) <= required
    # No feasible set serves more of the required groups than the solver kept.
    for extra in solution.unmet_groups:
        assert brute_force(items, capacity, caps, kept | {extra}, unit) is None


def test_knapsack_prefers_two_cheap_sites_over_one_expensive_higher_scorer():
    items = [
        KnapsackItem("big", 90, 60.0),
        KnapsackItem("small-1", 50, 40.0),
        KnapsackItem("small-2", 50, 35.0),
    ]

    solution = solve_knapsack(items, 100)

    assert solution.chosen == {"small-1", "small-2"}
    assert solution.total_value == 75.0


def test_knapsack_units_round_costs_up_and_the_budget_down():
    capacity = 1_000_000_000
    unit = knapsack_unit(capacity)
    items = [KnapsackItem(k, 333_333_334, 1.0) for k in range(3)]

    solution = solve_knapsack(items, capacity)

    assert unit == 50_000
    assert len(solution.chosen) == 2  # three cost Rp 1.000.000.002: one more than the budget
    assert solution.total_cost <= capacity


def test_knapsack_fairness_rule_gives_each_required_group_an_item():
    items = [
        KnapsackItem("a-1", 40, 90.0, "A"),
        KnapsackItem("a-2", 40, 80.0, "A"),
        KnapsackItem("b-1", 40, 10.0, "B"),
    ]

    free = solve_knapsack(items, 80)
    fair = solve_knapsack(items, 80, required_groups={"A", "B"})

    assert free.chosen == {"a-1", "a-2"}
    assert fair.chosen == {"a-1", "b-1"}
    assert fair.unmet_groups == []


def test_knapsack_reports_groups_the_budget_cannot_reach():
    items = [
        KnapsackItem("a", 40, 90.0, "A"),
        KnapsackItem("b", 50, 10.0, "B"),
        KnapsackItem("c", 70, 10.0, "C"),
    ]

    solution = solve_knapsack(items, 100, required_groups={"A", "B", "C"})

    assert solution.unmet_groups == ["C"]
    assert solution.chosen == {"a", "b"}


def test_knapsack_respects_a_binding_group_cap():
    items = [
        KnapsackItem("a-1", 30, 50.0, "A"),
        KnapsackItem("a-2", 30, 49.0, "A"),
        KnapsackItem("b-1", 30, 10.0, "B"),
    ]

    solution = solve_knapsack(items, 90, group_caps={"A": 40})

    assert solution.chosen == {"a-1", "b-1"}


def test_knapsack_with_nothing_to_spend_chooses_nothing():
    items = [KnapsackItem("a", 10, 5.0, "A")]

    solution = solve_knapsack(items, 0, required_groups={"A"})

    assert solution.chosen == set()
    assert solution.unmet_groups == ["A"]


# --------------------------------------------------------------------------------------------
# The score
# --------------------------------------------------------------------------------------------


def test_score_normalises_each_criterion_by_the_best_candidate():
    weights = PriorityWeights()  # the defaults: 25/25/15/10/15/10
    facts = [
        CandidateFacts("x", cost=10_000_000, in_slum_area=True, people=200, contribution=2_000_000,
                       supports=10, years_waiting=5, earlier_budget_per_rt=0.0),
        CandidateFacts("y", cost=20_000_000, in_slum_area=False, people=200, contribution=0,
                       supports=5, years_waiting=1, never_funded=False,
                       earlier_budget_per_rt=3_000_000.0),
    ]  # fmt: skip

    scores = score_candidates(facts, weights)

    x = {c.key: c for c in scores["x"]}
    y = {c.key: c for c in scores["y"]}
    assert x["slum_area"].normalised == 1.0 and y["slum_area"].normalised == 0.0
    assert y["people_per_rupiah"].normalised == pytest.approx(0.5)
    assert y["contribution"].normalised == 0.0
    assert y["supports"].normalised == pytest.approx(0.5)
    assert y["years_waiting"].normalised == pytest.approx(0.2)
    # Under-served is inverted: the kelurahan that received nothing scores highest.
    assert x["underserved"].normalised == 1.0 and y["underserved"].normalised == 0.0
    assert sum(c.weighted for c in scores["x"]) == pytest.approx(100.0)
    for c in scores["y"]:
        assert c.weighted == pytest.approx(c.weight * c.normalised)
        assert 0.0 <= c.normalised <= 1.0


def test_a_criterion_nobody_has_counts_zero_for_everyone():
    facts = [CandidateFacts("x", cost=1_000, supports=0), CandidateFacts("y", cost=2_000)]

    scores = score_candidates(facts, PriorityWeights())

    assert all(c.normalised == 0.0 for c in scores["x"] if c.key == "supports")


# --------------------------------------------------------------------------------------------
# The ranking of a kecamatan, from the database
# --------------------------------------------------------------------------------------------


def by_code(ranking):
    return {row.proposal.code: row for row in ranking.rows}


def test_ranking_scores_ranks_and_explains_every_proposal(prio, make_verified):
    prio.envelope(100_000_000)
    slum = make_verified("A1.1", 40_000_000, people=300)
    cheap = make_verified("A2.1", 20_000_000, people=150)
    big = make_verified("A3.1", 80_000_000, people=100)

    ranking = rank_kecamatan(kecamatan=prio.kecamatan, fiscal_year=prio.fiscal_year)

    assert [r.rank for r in ranking.rows] == [1, 2, 3]
    assert [r.score for r in ranking.rows] == sorted((r.score for r in ranking.rows), reverse=True)
    for row in ranking.rows:
        assert row.reason
        assert [c.key for c in row.criteria] == [
            "slum_area",
            "people_per_rupiah",
            "contribution",
            "supports",
            "years_waiting",
            "underserved",
        ]
        assert sum(c.weighted for c in row.criteria) == pytest.approx(row.score)
        assert all(c.raw_display for c in row.criteria)
    rows = by_code(ranking)
    assert rows[slum.code].criteria[0].raw_display == "Ya"
    assert rows[slum.code].selected and rows[cheap.code].selected
    assert not rows[big.code].selected
    assert rows[big.code].reason.startswith(REASON_NO_MONEY)
    assert ranking.selected_total == 60_000_000
    assert ranking.remaining_after == 40_000_000


def test_ranking_never_exceeds_the_remaining_envelope(prio, make_verified):
    prio.envelope(100_000_000)
    make_verified("A1.2", 70_000_000, state="designated", designated_budget=70_000_000)
    make_verified("A1.1", 25_000_000)
    make_verified("A2.1", 20_000_000)
    make_verified("A3.1", 10_000_000)

    ranking = rank_kecamatan(kecamatan=prio.kecamatan, fiscal_year=prio.fiscal_year)

    assert ranking.committed == 70_000_000
    assert ranking.remaining_before == 30_000_000
    assert ranking.selected_total <= 30_000_000
    assert ranking.remaining_after >= 0
    assert len(ranking.rows) == 3  # the designated one is no longer a candidate


def test_without_an_envelope_nothing_is_selected_and_the_page_says_why(prio, make_verified):
    proposal = make_verified("A1.1", 25_000_000)
    make_verified("A2.1", 25_000_000)

    ranking = rank_kecamatan(kecamatan=prio.kecamatan, fiscal_year=prio.fiscal_year)

    assert ranking.envelope is None
    assert len(ranking.warnings) == 1  # not also the fairness rule's
    assert "belum ditetapkan" in ranking.warnings[0]
    row = by_code(ranking)[proposal.code]
    assert not row.selected
    assert row.reason.startswith(REASON_NO_MONEY)


def test_fairness_rule_gives_a_kelurahan_a_site_and_says_so(prio, make_verified):
    prio.envelope(60_000_000)
    top_1 = make_verified("A1.1", 30_000_000, people=600)
    top_2 = make_verified("A1.2", 30_000_000, people=580)
    low = make_verified("A2.1", 30_000_000, people=50)

    ranking = rank_kecamatan(kecamatan=prio.kecamatan, fiscal_year=prio.fiscal_year)

    rows = by_code(ranking)
    assert rows[top_1.code].selected and rows[top_1.code].reason == REASON_SELECTED
    assert not rows[top_2.code].selected
    assert rows[low.code].selected
    assert rows[low.code].reason == REASON_FAIRNESS
    assert rows[low.code].by_fairness_rule


def test_without_the_fairness_rule_the_best_scores_win(prio, make_verified):
    PriorityWeights.objects.create(fiscal_year=prio.fiscal_year, one_per_kelurahan=False)
    prio.envelope(60_000_000)
    top_1 = make_verified("A1.1", 30_000_000, people=600)
    top_2 = make_verified("A1.2", 30_000_000, people=580)
    low = make_verified("A2.1", 30_000_000, people=50)

    ranking = rank_kecamatan(kecamatan=prio.kecamatan, fiscal_year=prio.fiscal_year)

    rows = by_code(ranking)
    assert rows[top_1.code].selected and rows[top_2.code].selected
    assert not rows[low.code].selected


def test_fairness_rule_that_cannot_be_met_names_the_kelurahan(prio, make_verified):
    prio.envelope(50_000_000)
    make_verified("A1.1", 30_000_000, people=600)
    make_verified("A2.1", 45_000_000, people=50)

    ranking = rank_kecamatan(kecamatan=prio.kecamatan, fiscal_year=prio.fiscal_year)

    assert ranking.unmet_kelurahan == ["Kelurahan A2"]
    assert any("Kelurahan A2" in w and "tidak dapat dipenuhi" in w for w in ranking.warnings)
    assert ranking.selected_total <= 50_000_000


def test_kelurahan_share_limits_the_suggested_set(prio, make_verified):
    PriorityWeights.objects.create(fiscal_year=prio.fiscal_year, one_per_kelurahan=False)
    prio.envelope(100_000_000)
    prio.envelope(30_000_000, kelurahan="A1")
    first = make_verified("A1.1", 25_000_000, people=900)
    second = make_verified("A1.2", 25_000_000, people=880)
    other = make_verified("A2.1", 25_000_000, people=100)

    ranking = rank_kecamatan(kecamatan=prio.kecamatan, fiscal_year=prio.fiscal_year)

    rows = by_code(ranking)
    assert rows[first.code].selected
    assert not rows[second.code].selected
    assert "Kelurahan A1" in rows[second.code].reason
    assert rows[other.code].selected
    share = ranking.shares[0]
    assert share.selected == 25_000_000
    assert share.remaining_after == 5_000_000


def test_overrides_force_in_and_out_with_the_camat_reason(prio, make_verified):
    prio.envelope(60_000_000)
    best = make_verified("A1.1", 30_000_000, people=900)
    worst = make_verified("A2.1", 30_000_000, people=10)
    middle = make_verified("A3.1", 30_000_000, people=400)
    camat = prio.users["camat"]
    PriorityOverride.objects.create(
        proposal=best, include=False, reason="Lahan masih sengketa warga", actor=camat
    )
    PriorityOverride.objects.create(
        proposal=worst, include=True, reason="Jalan ke sekolah rusak berat", actor=camat
    )

    ranking = rank_kecamatan(kecamatan=prio.kecamatan, fiscal_year=prio.fiscal_year)

    rows = by_code(ranking)
    assert not rows[best.code].selected
    assert rows[best.code].reason == "keluar karena keputusan Camat: Lahan masih sengketa warga"
    assert rows[worst.code].selected
    assert rows[worst.code].reason == "masuk karena keputusan Camat: Jalan ke sekolah rusak berat"
    assert rows[middle.code].selected
    assert ranking.selected_total == 60_000_000


def test_a_withdrawn_override_no_longer_counts(prio, make_verified):
    prio.envelope(30_000_000)
    best = make_verified("A1.1", 30_000_000, people=900)
    from django.utils import timezone

    PriorityOverride.objects.create(
        proposal=best,
        include=False,
        reason="Lahan masih sengketa warga",
        actor=prio.users["camat"],
        withdrawn_at=timezone.now(),
    )

    ranking = rank_kecamatan(kecamatan=prio.kecamatan, fiscal_year=prio.fiscal_year)

    assert by_code(ranking)[best.code].selected


def test_forced_in_beyond_the_budget_is_kept_and_flagged(prio, make_verified):
    prio.envelope(40_000_000)
    camat = prio.users["camat"]
    for rt in ("A1.1", "A2.1"):
        PriorityOverride.objects.create(
            proposal=make_verified(rt, 30_000_000),
            include=True,
            reason="Keadaan darurat banjir",
            actor=camat,
        )
    extra = make_verified("A3.1", 5_000_000)

    ranking = rank_kecamatan(kecamatan=prio.kecamatan, fiscal_year=prio.fiscal_year)

    assert ranking.selected_total == 60_000_000
    assert ranking.remaining_after == -20_000_000
    assert any("melebihi sisa pagu" in w for w in ranking.warnings)
    assert not by_code(ranking)[extra.code].selected


def test_years_waiting_counts_from_the_rts_last_funded_site(prio, make_verified):
    prio.envelope(100_000_000)
    earlier = factories.FiscalYearFactory(year=2024, status=FiscalYear.Status.CLOSED)
    make_verified("A1.1", 40_000_000, fiscal_year=earlier, state="completed",
                  designated_budget=40_000_000)  # fmt: skip
    make_verified("A1.2", 40_000_000, fiscal_year=earlier, state="cancelled")
    funded_before = make_verified("A1.1", 20_000_000)
    cancelled_before = make_verified("A1.2", 20_000_000)

    ranking = rank_kecamatan(kecamatan=prio.kecamatan, fiscal_year=prio.fiscal_year)

    rows = by_code(ranking)
    waiting = {code: {c.key: c for c in rows[code].criteria}["years_waiting"] for code in rows}
    assert waiting[funded_before.code].raw == 2
    assert waiting[funded_before.code].raw_display == "2 tahun"
    assert waiting[cancelled_before.code].raw == YEARS_WAITING_CAP
    assert "Belum pernah didanai" in waiting[cancelled_before.code].raw_display


def test_underserved_kelurahan_and_supports_and_contribution(prio, make_verified):
    prio.envelope(100_000_000)
    earlier = factories.FiscalYearFactory(year=2025, status=FiscalYear.Status.CLOSED)
    make_verified("A1.3", 30_000_000, fiscal_year=earlier, state="completed",
                  designated_budget=30_000_000)  # fmt: skip
    entry = MusrenbangEntry.objects.create(
        year=2026, source_id="P-1", kelurahan=prio.kelurahan["A2"], title="Drainase"
    )
    for n in range(3):
        CitizenSupport.objects.create(entry=entry, nik_hash=f"h{n}", nik_last4=f"000{n}")
    served = make_verified("A1.1", 20_000_000, contribution_cash=1_000_000,
                           contribution_labour_people=10)  # fmt: skip
    unserved = make_verified("A2.1", 20_000_000, entry=entry)

    ranking = rank_kecamatan(kecamatan=prio.kecamatan, fiscal_year=prio.fiscal_year)

    rows = by_code(ranking)
    served_c = {c.key: c for c in rows[served.code].criteria}
    unserved_c = {c.key: c for c in rows[unserved.code].criteria}
    assert served_c["underserved"].raw == pytest.approx(10_000_000)  # Rp 30 juta over 3 RTs
    assert served_c["underserved"].normalised == 0.0
    assert unserved_c["underserved"].normalised == 1.0
    assert unserved_c["supports"].raw == 3 and served_c["supports"].raw == 0
    # Rp 1.000.000 cash + 10 people × Rp 120.000 = Rp 2.200.000 of a Rp 20.000.000 RAB
    assert served_c["contribution"].raw == pytest.approx(0.11)
    assert served_c["contribution"].raw_display == "Rp 2.200.000 (11,0% dari RAB)"


def test_default_weights_are_used_but_not_stored_by_reading_a_ranking(prio, make_verified):
    assert not PriorityWeights.objects.filter(fiscal_year=prio.fiscal_year).exists()

    ranking = rank_kecamatan(kecamatan=prio.kecamatan, fiscal_year=prio.fiscal_year)

    assert ranking.weights.slum_area == 25
    # A GET never writes: the defaults stay unsaved until Bappeda sets the year's weights.
    assert ranking.weights.pk is None
    assert not PriorityWeights.objects.filter(fiscal_year=prio.fiscal_year).exists()


def test_other_kecamatan_and_other_years_are_not_candidates(prio, make_verified):
    prio.envelope(100_000_000)
    other_year = factories.FiscalYearFactory(year=2025, status=FiscalYear.Status.CLOSED)
    make_verified("B1.1", 20_000_000)
    make_verified("A1.1", 20_000_000, fiscal_year=other_year)
    make_verified("A1.2", 20_000_000, state="kelurahan_verified")
    mine = make_verified("A1.3", 20_000_000)

    ranking = rank_kecamatan(kecamatan=prio.kecamatan, fiscal_year=prio.fiscal_year)

    assert [r.proposal.code for r in ranking.rows] == [mine.code]


def test_ranking_queries_do_not_grow_with_the_number_of_proposals(prio, make_verified):
    prio.envelope(100_000_000)
    prio.envelope(50_000_000, kelurahan="A1")
    camat = prio.users["camat"]
    for rt in ("A1.1", "A2.1"):
        make_verified(rt, 20_000_000)
    rank_kecamatan(kecamatan=prio.kecamatan, fiscal_year=prio.fiscal_year)  # stores the weights
    with CaptureQueriesContext(connection) as few:
        rank_kecamatan(kecamatan=prio.kecamatan, fiscal_year=prio.fiscal_year)
    for rt in ("A1.2", "A1.3", "A2.2", "A2.3", "A3.1", "A3.2", "A3.3"):
        p = make_verified(rt, 15_000_000)
        PriorityOverride.objects.create(proposal=p, include=True, reason="Alasan uji", actor=camat)
    with CaptureQueriesContext(connection) as many:
        ranking = rank_kecamatan(kecamatan=prio.kecamatan, fiscal_year=prio.fiscal_year)

    assert len(ranking.rows) == 9
    assert len(many) == len(few) == 9
