"""The Rust core rounds scores exactly like Python's round(x, 5), ties included."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dolma_tools._rust import round_score5


def test_exact_binary_ties_round_half_even() -> None:
    # 1/64 = 0.015625 and 3/64 = 0.046875 are exact in binary: ties at the 5th decimal
    assert round_score5(0.015625) == round(0.015625, 5) == 0.01562
    assert round_score5(0.046875) == round(0.046875, 5) == 0.04688


@settings(max_examples=3000, deadline=None)
@given(st.one_of(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
                 st.integers(0, 10**6).map(lambda k: k / 64), st.integers(0, 10**7).map(lambda k: k / 10**6)))
def test_matches_python_round(x: float) -> None:
    assert round_score5(x) == round(x, 5)
