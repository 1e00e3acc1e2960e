"""Hypothesis strategies shared by the property and fuzz tests (deterministic: ``derandomize``, no database)."""

from __future__ import annotations

import os
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st


def suite_settings(examples: int) -> settings:
    """Reproducible runs in CI: the same examples every time, no example database, no deadline.

    ``RELIABILITY_FUZZ=<k>`` turns this into a longer random campaign (k times the examples, new ones on
    every run), for fuzzing by hand."""
    scale = int(os.environ.get("RELIABILITY_FUZZ", "0") or 0)
    return settings(max_examples=examples * max(scale, 1), deadline=None, derandomize=not scale, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


#: Any Unicode text a JSON document can carry (surrogates cannot be encoded as UTF-8), biased towards the
#: characters that break offset arithmetic: astral code points, combining marks, newlines, CR, NUL.
unicode_text = st.text(
    alphabet=st.one_of(
        st.characters(exclude_categories=("Cs",)),
        st.sampled_from(["\n", "\r", " ", "\t", "\u2028", "\x00", "\u0301", "🚀", "東", "\U0010ffff", "\x1c"]),
    ),
    max_size=120,
)

json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False), unicode_text,
)

#: Nested JSON values (objects and arrays of scalars, a few levels deep).
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(unicode_text, children, max_size=4)),
    max_leaves=12,
)


@st.composite
def documents(draw: Any, n: int | None = None) -> list[dict[str, Any]]:
    """Dolma documents with unique ids, arbitrary text and nested metadata."""
    count = n if n is not None else draw(st.integers(min_value=0, max_value=8))
    texts = draw(st.lists(unicode_text, min_size=count, max_size=count))
    metas = draw(st.lists(st.one_of(st.dictionaries(unicode_text, json_values, max_size=3), json_values),
                          min_size=count, max_size=count))
    return [{"id": f"id-{i}-{draw(unicode_text)[:5]}", "text": t, "source": "hyp", "metadata": m}
            for i, (t, m) in enumerate(zip(texts, metas))]
