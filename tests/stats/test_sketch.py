"""The quantile sketch: quantiles within its documented relative error, exact merges, histograms, bounds."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dolma_tools.stats.sketch import DEFAULT_ALPHA, MIN_MAGNITUDE, LogSketch

QS = [i / 200 for i in range(201)]


def exact_quantile(sorted_values: np.ndarray, q: float) -> float:
    """The documented reference: the value of rank floor(q * (n - 1)) of the sorted input."""
    return float(sorted_values[math.floor(q * (len(sorted_values) - 1))])


def assert_within_bound(sketch: LogSketch, values: np.ndarray, alpha: float = DEFAULT_ALPHA) -> None:
    ordered = np.sort(values)
    for q, got in zip(QS, sketch.quantiles(QS)):
        want = exact_quantile(ordered, q)
        bound = alpha * abs(want) + (MIN_MAGNITUDE if abs(want) < MIN_MAGNITUDE else 0) + 1e-12 * abs(want)
        assert abs(got - want) <= bound, (q, got, want)


DISTRIBUTIONS = {
    "lognormal lengths": lambda rng: rng.lognormal(6, 1.5, 20_000),
    "probabilities": lambda rng: rng.random(20_000),
    "signed": lambda rng: rng.normal(0, 3, 20_000),
    "integer counts": lambda rng: rng.integers(0, 5_000, 20_000).astype(float),
    "scores rounded to 5 decimals": lambda rng: np.round(rng.beta(0.3, 0.3, 20_000), 5),
    "heavy tail with zeros": lambda rng: np.concatenate([np.zeros(3000), rng.pareto(1.2, 17_000) * 1e3]),
}


@pytest.mark.parametrize("name", sorted(DISTRIBUTIONS))
def test_quantiles_within_relative_error(name):
    values = DISTRIBUTIONS[name](np.random.default_rng(7))
    sketch = LogSketch()
    for chunk in np.array_split(values, 13):
        sketch.add(chunk)
    assert sketch.count == len(values)
    assert sketch.min == values.min() and sketch.max == values.max()
    assert sketch.mean == pytest.approx(values.mean(), rel=1e-9, abs=1e-12)
    assert_within_bound(sketch, values)


@pytest.mark.parametrize("alpha", [0.05, 0.001])
def test_other_accuracies_hold_their_bound(alpha):
    values = np.random.default_rng(3).lognormal(0, 3, 5000)
    sketch = LogSketch(alpha)
    sketch.add(values)
    assert_within_bound(sketch, values, alpha)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.floats(-1e12, 1e12, allow_nan=False), st.integers(-10**6, 10**6).map(float)),
                min_size=1, max_size=300))
def test_quantile_bound_on_arbitrary_inputs(values):
    arr = np.array(values)
    sketch = LogSketch()
    sketch.add(arr)
    assert_within_bound(sketch, arr)


def test_small_integers_and_constants_are_exact():
    sketch = LogSketch()
    values = np.array([0, 1, 2, 3, 3, 7, 10, 49])
    sketch.add(values)
    assert sketch.quantiles([0, 0.5, 1]) == [0, 3, 49]
    constant = LogSketch()
    constant.add([1.0] * 50)
    assert constant.quantiles([0.01, 0.5, 0.99]) == [1.0, 1.0, 1.0]


def test_merge_is_identical_to_a_single_pass_in_any_order():
    rng = np.random.default_rng(11)
    values = np.concatenate([rng.lognormal(2, 2, 5000), -rng.random(500), np.zeros(20)])
    single = LogSketch()
    single.add(values)
    parts = np.array_split(rng.permutation(values), 7)
    sketches = []
    for part in parts:
        s = LogSketch()
        s.add(part)
        sketches.append(s)
    for order in (range(7), reversed(range(7)), [3, 0, 6, 1, 5, 2, 4]):
        merged = LogSketch()
        for i in order:
            merged.merge(sketches[i])
        a, b = merged.to_json(), single.to_json()
        assert a.pop("sum") == pytest.approx(b.pop("sum"), rel=1e-12)
        assert a == b
        assert merged.quantiles(QS) == single.quantiles(QS)


def test_merge_refuses_different_accuracies():
    with pytest.raises(ValueError):
        LogSketch(0.01).merge(LogSketch(0.02))


def test_json_round_trip():
    sketch = LogSketch()
    sketch.add(np.random.default_rng(1).normal(5, 2, 1000))
    again = LogSketch.from_json(sketch.to_json())
    assert again.to_json() == sketch.to_json()
    assert again.quantiles(QS) == sketch.quantiles(QS)


def test_histogram_misplaces_only_values_next_to_an_edge():
    values = np.random.default_rng(5).gamma(2.0, 50.0, 10_000)
    sketch = LogSketch()
    sketch.add(values)
    for log in (False, True):
        edges, counts = sketch.histogram(25, log=log)
        assert sum(counts) == len(values)
        exact, _ = np.histogram(values, bins=np.array(edges))
        near_edge = [int(np.sum(np.abs(values - e) <= 2.1 * DEFAULT_ALPHA * np.abs(values))) for e in edges]
        for i, (got, want) in enumerate(zip(counts, exact)):
            assert abs(got - want) <= near_edge[i] + near_edge[i + 1] + 1


def test_histogram_of_uniform_scores_has_no_comb_pattern():
    """Log buckets are narrower than linear bins near 0 and wider near 1; spreading them keeps it flat."""
    values = np.random.default_rng(9).random(200_000)
    sketch = LogSketch()
    sketch.add(values)
    _, counts = sketch.histogram(40)
    assert max(counts) / min(counts) < 1.15  # exact counts vary by about +-2% here


def test_histogram_of_small_integers_is_exact():
    values = np.random.default_rng(2).integers(0, 30, 5000).astype(float)
    sketch = LogSketch()
    sketch.add(values)
    edges, counts = sketch.histogram(10)
    exact, _ = np.histogram(values, bins=np.array(edges))
    assert counts == exact.tolist()


def test_non_finite_values_are_counted_apart():
    sketch = LogSketch()
    sketch.add([1.0, math.nan, math.inf, 2.0])
    assert sketch.count == 2 and sketch.non_finite == 2 and sketch.max == 2.0


def test_memory_is_bounded_by_the_index_range():
    sketch = LogSketch()
    sketch.add([MIN_MAGNITUDE, 1e300, -1e300, -MIN_MAGNITUDE])
    # the dense stores cover the whole double range above MIN_MAGNITUDE: about 36,000 buckets per sign
    assert len(sketch.positive.counts) < 40_000 and len(sketch.negative.counts) < 40_000
    assert_within_bound(sketch, np.array([MIN_MAGNITUDE, 1e300, -1e300, -MIN_MAGNITUDE]))
