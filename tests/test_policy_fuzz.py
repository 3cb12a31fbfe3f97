"""The policy parser never shows a traceback: any input is a policy or a ConfigError."""

from __future__ import annotations

import contextlib
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signoff.errors import ConfigError
from signoff.policy._load import load_policy

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(
        ["less_than", "between", "error", "warning", "accuracy", "disparate_impact", "", "x"]
    ),
    st.text(max_size=8),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=10,
)
_gate = st.fixed_dictionaries(
    {},
    optional={
        "name": _values,
        "metric": st.one_of(
            st.sampled_from(["accuracy", "demographic_parity_ratio", "roc_auc"]), _values
        ),
        "threshold": st.one_of(st.floats(-2, 2), st.lists(st.floats(-2, 2), max_size=3), _values),
        "comparison": st.one_of(
            st.sampled_from(["less_than", "between", "equal", "greater_equal"]), _values
        ),
        "severity": st.one_of(st.sampled_from(["error", "warning", "info"]), _values),
        "attributes": _values,
        "use_confidence_bound": _values,
        "id": _values,
    },
)
_policy = st.fixed_dictionaries(
    {},
    optional={
        "policy_name": _values,
        "version": _values,
        "effective_date": st.one_of(st.dates().map(str), _values),
        "gates": st.one_of(st.lists(_gate, max_size=3), _values),
        "reproducibility": _values,
        "review_cycle": _values,
        "extends": _values,
    },
)

_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@_SETTINGS
@given(data=_policy)
def test_structured_garbage_is_a_config_error_or_a_policy(tmp_path: Path, data: dict) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(data))
    try:
        loaded = load_policy(path)
    except ConfigError as exc:
        error = exc
    else:
        assert loaded.policy.policy_name
        return
    assert error.render().startswith(str(path))


@_SETTINGS
@given(text=st.text(max_size=200))
def test_any_text_is_a_config_error_or_a_policy(tmp_path: Path, text: str) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(text, encoding="utf-8")
    with contextlib.suppress(ConfigError):
        load_policy(path)
