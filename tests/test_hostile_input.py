"""Hostile audit inputs: each case one clear message and its exit code, never a traceback.

Configs, data files, group labels and policies that once gave a traceback (exit 1, the
code for "a gate failed") or silently merged groups; and bounded fuzzing of policy
evaluation on a real ``results.json``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from signoff.audit._read import NESTED_COLUMN, ROW_FIELDS
from signoff.cli import app
from signoff.config._schema import ATTRIBUTE_NAME_STAR, DUPLICATE_LABELS
from signoff.engines import check_parsed_rows as _check_parsed_rows
from signoff.engines import check_rows as _check_rows
from signoff.errors import ConfigError, DataError
from signoff.evidence._groups import STAR_IN_LABEL, TOO_MANY_GROUPS, missing_label
from signoff.metrics import METRICS
from signoff.policy import COMPARISONS, SEVERITIES, AuditContext, Policy, evaluate
from signoff.policy._schema import EMPTY_ATTRIBUTES

ROWS = 400


def _frame() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    return pd.DataFrame(
        {
            "y": rng.integers(0, 2, ROWS),
            "s": rng.random(ROWS).round(4),
            "sex": rng.choice(["female", "male"], ROWS),
            "region": rng.choice(["north", "south"], ROWS),
            "age": rng.integers(18, 90, ROWS),
            "customer": [f"c{i}" for i in range(ROWS)],
        }
    )


def _config(**extra: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "data": {"path": "data.csv", "target": "y", "score_column": "s"},
        "protected_attributes": {"sex": {}, "region": {}},
        "bootstrap": {"replicates": 0},
        "explain": {"permutation_repeats": 0},
    }
    config.update(extra)
    return config


def _audit(folder: Path, config: dict[str, Any], *args: str, frame: pd.DataFrame | None = None):
    if frame is not None:
        frame.to_csv(folder / "data.csv", index=False)
    elif not (folder / "data.csv").exists():
        _frame().to_csv(folder / "data.csv", index=False)
    (folder / "audit.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    out = folder / "out"
    result = CliRunner().invoke(app, ["audit", str(folder / "audit.yaml"), "-o", str(out), *args])
    assert "Traceback" not in result.output
    return result


def _said(result: Any, text: str) -> bool:
    return " ".join(text.split()) in " ".join(result.output.split())


# --- configs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"seed": True}, "seed: expected an integer, got true"),
        ({"threshold": True}, "threshold: expected a number, got true"),
        ({"bootstrap": {"replicates": False}}, "bootstrap.replicates: expected an integer"),
        ({"min_group_size": 2.5}, "min_group_size: expected an integer, got 2.5"),
        (
            {"protected_attributes": {"age": {"bins": [float("-inf"), 40, float("inf")]}}},
            "protected_attributes.age.bins[0]: expected a finite number, got -inf",
        ),
        (
            {"protected_attributes": {"age": {"bins": [0, 40, 120], "labels": ["a", "a"]}}},
            "protected_attributes.age.labels: " + DUPLICATE_LABELS.format(label="a"),
        ),
        (
            {"protected_attributes": {"sex*region": {"column": "sex"}, "sex": {}}},
            "protected_attributes: " + ATTRIBUTE_NAME_STAR.format(name="sex*region"),
        ),
        ({"max_groups": 1}, "max_groups: must be at least 2, got 1"),
        (
            {"model": {"path": "m.skops", "trusted": "yes"}},
            "model.trusted: expected true/false, got 'yes'",
        ),
    ],
    ids=["seed-bool", "threshold-bool", "replicates-bool", "float-int", "inf-bins", "dup-labels",
         "star-name", "max-groups", "trusted-text"],
)  # fmt: skip
def test_bad_config_values_are_exit_2(tmp_path: Path, change: dict[str, Any], message: str):
    result = _audit(tmp_path, _config(**change))
    assert result.exit_code == 2, result.output
    assert _said(result, message), result.output


# --- data ------------------------------------------------------------------------------


def test_a_value_literally_missing_keeps_its_own_group(tmp_path: Path):
    frame = _frame()
    frame.loc[:49, "region"] = "(missing)"
    frame.loc[50:99, "region"] = None
    result = _audit(tmp_path, _config(), "--format", "json", frame=frame)
    assert result.exit_code == 0, result.output
    document = json.loads((tmp_path / "out" / "results.json").read_text())
    region = document["by_attribute"]["region"]["groups"]
    counts = {label: group["count"]["value"] for label, group in region.items()}
    assert counts["(missing)"] == 50  # the real value
    assert counts["((missing))"] == 50  # the missing ones, under a label no value has
    assert sum(counts.values()) == ROWS
    assert missing_label(["a", "(missing)", "((missing))"]) == "(((missing)))"


def test_a_star_in_a_label_of_an_intersected_attribute_is_refused(tmp_path: Path):
    frame = _frame()
    frame.loc[:9, "sex"] = "fe*male"
    result = _audit(tmp_path, _config(intersections=[["sex", "region"]]), frame=frame)
    assert result.exit_code == 3
    message = STAR_IN_LABEL.format(label="fe*male", name="sex*region", attribute="sex")
    assert _said(result, f"protected_attributes.sex: {message}")
    alone = _audit(tmp_path, _config(), frame=frame)  # not intersected: a plain label
    assert alone.exit_code == 0, alone.output


def test_an_id_like_attribute_is_refused_naming_it_and_its_count(tmp_path: Path):
    config = _config(protected_attributes={"sex": {}, "customer": {}})
    result = _audit(tmp_path, config)
    assert result.exit_code == 3
    message = TOO_MANY_GROUPS.format(count=ROWS, limit=100)
    assert _said(result, f"data.csv: protected_attributes.customer: {message}")
    few = _frame()
    few["customer"] = [f"c{i % 120}" for i in range(ROWS)]
    raised = _audit(tmp_path, {**config, "max_groups": 150}, frame=few)
    assert raised.exit_code == 0, raised.output


def test_a_csv_row_with_too_few_fields_is_refused_with_its_line(tmp_path: Path):
    _frame().to_csv(tmp_path / "data.csv", index=False)
    lines = (tmp_path / "data.csv").read_text().splitlines()
    lines[5] = ",".join(lines[5].split(",")[:-2])  # line 6 lost its last two fields
    (tmp_path / "data.csv").write_text("\n".join(lines) + "\n")
    result = _audit(tmp_path, _config())
    assert result.exit_code == 3
    assert _said(result, f"data.csv:6: {ROW_FIELDS.format(found=4, expected=6)}")


def _row_check(check: object, text: str) -> tuple[int | None, str] | None:
    try:
        check(text, Path("data.csv"))  # type: ignore[operator]
    except DataError as exc:
        return exc.line, exc.message
    return None


@pytest.mark.parametrize(
    "text",
    [
        "a,b,c\n1,2,3\n4,5,6\n",
        "a,b,c\n1,2,3\n4,5,6",  # no final line end
        "a,b,c\r\n1,2,3\r\n\r\n4,5\r\n",  # Windows line ends, a blank line, a short row
        "a,b,c\n\n\n1,2,3\n4,5,6,7\n",  # blank lines before a long row
        "a,b,c\n1,2,3\n   \n",  # a line of spaces is one field
        "a,b,c\n1,,\n,,\n1,2\n",  # empty fields count
        'a,b,c\n1,"2,5",3\n4,5\n',  # quotes: the csv reader decides
        'a,b,c\n1,"two\nlines",3\n4,5\n',
        "a,b,c\r1,2,3\r4,5\r",  # old Mac line ends
    ],
)
def test_the_fast_row_check_says_what_the_csv_reader_says(text: str) -> None:
    assert _row_check(_check_rows, text) == _row_check(_check_parsed_rows, text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab, \n\r", max_size=60))
def test_the_fast_row_check_agrees_on_any_unquoted_text(text: str) -> None:
    assert _row_check(_check_rows, text) == _row_check(_check_parsed_rows, text)


@pytest.mark.parametrize(
    ("column", "kind"),
    [
        ([["a"], ["b", "c"]] * (ROWS // 2), "list<element: string>"),
        ([{"k": 1}] * ROWS, "struct<k: int64>"),
        ([b"\xff\xfe"] * ROWS, "binary"),
    ],
    ids=["list", "struct", "binary"],
)
def test_parquet_columns_that_are_not_flat_are_refused(tmp_path: Path, column: list, kind: str):
    pytest.importorskip("pyarrow")
    frame = _frame()
    frame["extra"] = column  # not even used by the audit
    frame.to_parquet(tmp_path / "data.parquet")
    config = _config()
    config["data"]["path"] = "data.parquet"
    result = _audit(tmp_path, config)
    assert result.exit_code == 3
    assert _said(result, f"data.parquet: {NESTED_COLUMN.format(column='extra', kind=kind)}")


def test_the_manifest_hash_is_of_the_bytes_audited(tmp_path: Path):
    result = _audit(tmp_path, _config())
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    expected = hashlib.sha256((tmp_path / "data.csv").read_bytes()).hexdigest()
    assert manifest["inputs"]["data"]["sha256"] == expected


# --- policies --------------------------------------------------------------------------


def _policy(gate: dict[str, Any]) -> dict[str, Any]:
    base = {"name": "g", "metric": "accuracy", "threshold": 0.5, "comparison": "greater_than"}
    return {"policy_name": "p", "version": "1", "gates": [{**base, **gate}]}


@pytest.mark.parametrize(
    ("gate", "message"),
    [
        ({"threshold": float("inf")}, "gates[0].threshold: expected a finite number or a list"),
        ({"threshold": True}, "gates[0].threshold: expected a number or a list, got true"),
        ({"attributes": []}, "gates[0].attributes: " + EMPTY_ATTRIBUTES),
    ],
    ids=["inf", "bool", "no-attributes"],
)
def test_bad_policy_values_are_exit_2(tmp_path: Path, gate: dict[str, Any], message: str):
    policy = tmp_path / "policy.yaml"
    policy.write_text(yaml.safe_dump(_policy(gate)))
    linted = CliRunner().invoke(app, ["policy", "lint", str(policy)])
    assert linted.exit_code == 2
    assert _said(linted, message), linted.output
    result = _audit(tmp_path, _config(), "--policy", str(policy))
    assert result.exit_code == 2
    assert _said(result, message)


class _Document(dict):  # type: ignore[type-arg]
    def __repr__(self) -> str:  # hypothesis prints the arguments of a failing example
        return "<results.json>"


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A real results.json, with intersections and intervals."""
    folder = tmp_path_factory.mktemp("results")
    config = _config(intersections=[["sex", "region"]], bootstrap={"replicates": 50})
    result = _audit(folder, config)
    assert result.exit_code == 0, result.output
    return _Document(json.loads((folder / "out" / "results.json").read_text()))


_ATTRIBUTES = ["sex", "region", "sex*region", "age", "[/]", "*", ""]
_gates = st.fixed_dictionaries(
    {
        "name": st.text(min_size=1, max_size=12),
        "metric": st.one_of(st.sampled_from(sorted(METRICS)), st.text(max_size=10)),
        "threshold": st.one_of(
            st.floats(-2, 2, allow_nan=False),
            st.tuples(st.floats(-2, 0, allow_nan=False), st.floats(0, 2, allow_nan=False)),
        ),
        "comparison": st.sampled_from(COMPARISONS),
        "severity": st.sampled_from(SEVERITIES),
        "use_confidence_bound": st.booleans(),
    },
    optional={"attributes": st.lists(st.sampled_from(_ATTRIBUTES), min_size=1, max_size=3)},
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(gates=st.lists(_gates, min_size=1, max_size=4, unique_by=lambda g: g["name"]))
def test_policy_evaluation_on_real_results_never_crashes(
    results: dict[str, Any], gates: list[dict[str, Any]]
):
    try:
        policy = Policy.model_validate({"policy_name": "fuzz", "version": "1", "gates": gates})
    except ValueError:  # a threshold that does not fit its comparison: refused by the schema
        return
    try:
        judged = evaluate(policy, results, AuditContext(today=pd.Timestamp("2026-01-01").date()))
    except ConfigError:
        return
    assert len(judged) >= len(gates)
    for gate in judged:
        assert gate.status in {"PASS", "WARN", "FAIL", "ERROR", "INFO"}
        assert gate.message


# --- models ----------------------------------------------------------------------------


def _onnx_with_external_data(folder: Path) -> Path:
    """softmax(X @ W): the weights W an initializer kept in a side file."""
    pytest.importorskip("onnxruntime")
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    weights = numpy_helper.from_array(np.arange(6, dtype=np.float32).reshape(3, 2) / 10, "W")
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["X", "W"], ["Z"]), helper.make_node("Softmax", ["Z"], ["P"])],
        "tiny",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, 3])],
        [helper.make_tensor_value_info("P", TensorProto.FLOAT, [None, 2])],
        initializer=[weights],
    )
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    proto.ir_version = 8
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "model.onnx"
    onnx.save_model(
        proto, str(path), save_as_external_data=True, location="weights.bin", size_threshold=0
    )
    return path


def _relocate(path: Path, location: str) -> None:
    import onnx

    proto = onnx.load_model(str(path), load_external_data=False)
    for tensor in proto.graph.initializer:
        for entry in tensor.external_data:
            if entry.key == "location":
                entry.value = location
    path.write_bytes(proto.SerializeToString())


def test_onnx_external_data_is_read_from_the_models_folder_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from signoff.errors import ModelError
    from signoff.models import load_model
    from signoff.models._onnx import EXTERNAL_OUTSIDE

    path = _onnx_with_external_data(tmp_path / "model")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the runtime alone would look here
    loaded = load_model(path, "onnx")
    assert loaded.scores(pd.DataFrame(np.ones((2, 3))), positive_label=1).shape == (2,)

    (elsewhere / "weights.bin").write_bytes((path.parent / "weights.bin").read_bytes())
    (tmp_path / "weights.bin").write_bytes((path.parent / "weights.bin").read_bytes())
    (path.parent / "link.bin").symlink_to(tmp_path / "weights.bin")
    import onnx

    first = onnx.load_model(str(path), load_external_data=False).graph.initializer[0].name
    for location in ("../weights.bin", str(elsewhere / "weights.bin"), "link.bin"):
        _relocate(path, location)
        with pytest.raises(ModelError) as caught:
            load_model(path, "onnx")
        assert caught.value.file == str(path)
        assert caught.value.message == EXTERNAL_OUTSIDE.format(tensor=first, location=location)


# --- whole audits, fuzzed ------------------------------------------------------------

_cells = st.one_of(
    st.none(),
    st.sampled_from(["a", "b", "(missing)", "*", "x*y", "[/]", "<b>", "", " ", "nan", "1"]),
    st.integers(-3, 3),
    st.floats(allow_nan=True, allow_infinity=True),
)
_frames = st.integers(8, 40).flatmap(
    lambda n: st.fixed_dictionaries(
        {
            "y": st.one_of(
                st.lists(st.sampled_from([0, 1]), min_size=n, max_size=n),
                st.lists(st.one_of(st.sampled_from([0, 1]), _cells), min_size=n, max_size=n),
            ),
            "s": st.one_of(
                st.lists(st.floats(0, 1), min_size=n, max_size=n),
                st.lists(st.one_of(st.floats(0, 1), _cells), min_size=n, max_size=n),
            ),
            "g": st.lists(_cells, min_size=n, max_size=n),
            "h": st.lists(st.sampled_from(["p", "q", "*"]), min_size=n, max_size=n),
        }
    )
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(columns=_frames, intersect=st.booleans(), bins=st.booleans())
def test_fuzzed_audits_end_in_a_documented_exit_code(
    tmp_path: Path, columns: dict[str, list[Any]], intersect: bool, bins: bool
):
    import uuid

    folder = tmp_path / uuid.uuid4().hex
    folder.mkdir()
    attributes: dict[str, Any] = {"g": {}, "h": {}}
    if bins:
        attributes["g"] = {"bins": [-3, 0, 4]}
    config = _config(protected_attributes=attributes)
    if intersect:
        config["intersections"] = [["g", "h"]]
    result = _audit(folder, config, frame=pd.DataFrame(columns))
    assert result.exit_code in (0, 1, 2, 3), result.output
    if result.exit_code in (2, 3):
        assert result.output.count("error:") == 1, result.output


def test_markup_in_a_warned_group_and_a_path_is_printed_as_written(tmp_path: Path):
    frame = _frame()
    frame.loc[:4, "region"] = "[/]"  # a small group: it is named in a warning
    folder = tmp_path / "[bold]"
    folder.mkdir()
    result = _audit(folder, _config(), frame=frame)
    assert result.exit_code == 0, result.output
    assert "[/]" in result.output
    assert "[bold]" in result.output
