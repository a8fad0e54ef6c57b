"""The exact 0/1 knapsack of the suggested set: a pure module (numpy only, no database)."""

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

import numpy as np

KNAPSACK_STEPS = 20_000

#
# Dynamic programming over cost. Rupiah costs are counted in units of
# u = max(1, ceil(capacity / KNAPSACK_STEPS)): every cost is rounded UP to whole units and the
# capacity DOWN, so a set that fits in units always fits the real budget. The answer is the
# exact optimum for the rounded costs. Measured in real rupiah it can only miss a set that
# would need the last (k + 1) × u rupiah of the budget (k = that set's number of items),
# because rounding adds less than one unit per item and the capacity loses less than one
# unit: with 20,000 steps that is under 0.005 % of the budget per item (Rp 50.000 on a
# Rp 1 miliar envelope).
#
# Both constraints are solved exactly too:
# - a group's cap (a kelurahan share): the group is solved alone within its cap and its
#   Pareto-best (cost, value) points are merged into the budget;
# - the fairness rule (at least one item per required group): a two-flag state per group,
#   "the group has an item already" or "not yet", and a required group must end in the first.
#   When the rule cannot hold for every group, the most groups keep it (cheapest first: that
#   maximises their number) and the others are reported as unmet and solved without it.

_NEG = -np.inf


@dataclass(frozen=True)
class KnapsackItem:
    key: Hashable
    cost: int
    value: float
    group: Hashable = None


@dataclass
class KnapsackSolution:
    chosen: set = field(default_factory=set)
    unit: int = 1
    total_cost: int = 0
    total_value: float = 0.0
    unmet_groups: list = field(default_factory=list)


def knapsack_unit(capacity: int, steps: int = KNAPSACK_STEPS) -> int:
    return max(1, -(-max(0, int(capacity)) // steps))


def rounded_cost(cost: int, unit: int) -> int:
    """A cost in whole units, rounded up."""
    return -(-int(cost) // unit)


def _group_pass(base: np.ndarray, weights: Sequence[int], values: Sequence[float]):
    """Best value with at least one item of the group on top of ``base``, for every budget.

    ``base[c]`` is the best value with cost ≤ c before the group. Returns ``(best1, decisions)``;
    ``decisions[i, c]`` says how item i entered ``best1[c]``: 0 not taken, 1 taken on top of an
    earlier item of the group, 2 taken as the group's first item (on top of ``base``).
    """
    size = base.shape[0]
    best1 = np.full(size, _NEG)
    decisions = np.zeros((len(weights), size), dtype=np.int8)
    for i, (w, v) in enumerate(zip(weights, values, strict=True)):
        if w >= size:
            continue
        span = size - w
        from_group = best1[:span] + v
        from_base = base[:span] + v
        take = np.maximum(from_group, from_base)
        source = np.where(from_base >= from_group, 2, 1).astype(np.int8)
        better = take > best1[w:]
        best1[w:] = np.where(better, take, best1[w:])
        decisions[i, w:] = np.where(better, source, 0)
    return best1, decisions


def _walk_back(decisions: np.ndarray, weights: Sequence[int], c: int) -> tuple[list[int], int]:
    """The group's items behind ``best1[c]``, and the budget that was left before the group."""
    taken = []
    for i in range(len(weights) - 1, -1, -1):
        d = decisions[i, c]
        if d == 0:
            continue
        taken.append(i)
        c -= weights[i]
        if d == 2:
            return taken, c
    raise AssertionError("knapsack walk-back lost its way")  # pragma: no cover


def _unmet_groups(groups, required, weights_of, caps, capacity_units) -> list:
    """Required groups that cannot get an item, keeping the rule for as many groups as fit."""
    cheapest = {}
    unmet = []
    for g in groups:
        if g not in required:
            continue
        limit = min(capacity_units, caps.get(g, capacity_units))
        fitting = [w for w in weights_of[g] if w <= limit]
        if fitting:
            cheapest[g] = min(fitting)
        else:
            unmet.append(g)
    used = 0
    for g in sorted(cheapest, key=lambda g: cheapest[g]):
        if used + cheapest[g] <= capacity_units:
            used += cheapest[g]
        else:
            unmet.append(g)
    return unmet


def solve_knapsack(
    items: Sequence[KnapsackItem],
    capacity: int,
    *,
    group_caps: dict | None = None,
    required_groups=(),
    steps: int = KNAPSACK_STEPS,
) -> KnapsackSolution:
    """The items with the highest total value whose rounded costs fit ``capacity``.

    Items earlier in ``items`` win ties. ``group_caps`` maps a group to the most its items may
    cost together; ``required_groups`` must each get an item where the budget allows.
    """
    capacity = max(0, int(capacity))
    unit = knapsack_unit(capacity, steps)
    cap_units = capacity // unit
    caps = {g: max(0, int(c)) // unit for g, c in (group_caps or {}).items()}

    groups: dict = {}
    for index, item in enumerate(items):
        if item.cost <= 0:
            raise ValueError("every item must cost something")
        groups.setdefault(item.group, []).append(index)
    if len({item.key for item in items}) != len(items):
        raise ValueError("item keys must be unique")
    weights = [rounded_cost(item.cost, unit) for item in items]
    weights_of = {g: [weights[i] for i in members] for g, members in groups.items()}
    required = set(required_groups) & set(groups)
    unmet = _unmet_groups(groups, required, weights_of, caps, cap_units)
    required -= set(unmet)

    dp = np.zeros(cap_units + 1)
    trail = []
    for g, members in groups.items():
        w = [weights[i] for i in members]
        v = [float(items[i].value) for i in members]
        must = g in required
        cap = caps.get(g)
        if cap is not None and cap < cap_units and sum(w) > cap:
            local, decisions = _group_pass(np.zeros(cap + 1), w, v)
            points = [] if must else [(0, 0.0)]
            best = _NEG if must else 0.0
            for c in np.flatnonzero(np.isfinite(local)):
                if local[c] > best:
                    best = float(local[c])
                    points.append((int(c), best))
            merged = np.full(cap_units + 1, _NEG)
            pick = np.full(cap_units + 1, -1, dtype=np.int32)
            for j, (cost, value) in enumerate(points):
                candidate = dp[: cap_units + 1 - cost] + value
                better = candidate > merged[cost:]
                merged[cost:] = np.where(better, candidate, merged[cost:])
                pick[cost:] = np.where(better, j, pick[cost:])
            dp = merged
            trail.append(("merge", members, w, decisions, (points, pick)))
        else:
            best1, decisions = _group_pass(dp, w, v)
            if must:
                trail.append(("items", members, w, decisions, None))
                dp = best1
            else:
                trail.append(("items", members, w, decisions, best1 > dp))
                dp = np.maximum(dp, best1)

    solution = KnapsackSolution(unit=unit, unmet_groups=unmet)
    c = cap_units
    if not np.isfinite(dp[c]):  # pragma: no cover - _unmet_groups keeps the rule feasible
        raise AssertionError("fairness rule infeasible after relaxing it")
    for kind, members, w, decisions, extra in reversed(trail):
        if kind == "merge":
            points, pick = extra
            cost = points[pick[c]][0]
            if cost:
                taken, _ = _walk_back(decisions, w, cost)
                solution.chosen.update(items[members[i]].key for i in taken)
            c -= cost
        elif extra is None or extra[c]:
            taken, c = _walk_back(decisions, w, c)
            solution.chosen.update(items[members[i]].key for i in taken)
    chosen = [item for item in items if item.key in solution.chosen]
    solution.total_cost = sum(item.cost for item in chosen)
    solution.total_value = sum(float(item.value) for item in chosen)
    return solution
