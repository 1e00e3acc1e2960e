"""random_number_v1: a number in [0, 1) fixed by (seed, document id), whatever the process."""

from __future__ import annotations

from dolma_tools import tagging


def test_random_number_depends_on_seed_and_id_only(tag) -> None:
    tagging.setup_worker([], seed=7)
    a = tag("random_number_v1", "text é")["random"]
    b = tag("random_number_v1", "other text")["random"]  # same id "d0": same number
    assert a[0][:2] == [0, 6] and 0.0 <= a[0][2] < 1.0
    assert a[0][2] == b[0][2]
    tagging.setup_worker([], seed=8)
    assert tag("random_number_v1", "text é")["random"][0][2] != a[0][2]
    tagging.setup_worker([], seed=1)
