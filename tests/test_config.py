"""signoff.config: reading the audit config, and every message a person can get from it."""

from __future__ import annotations

import hashlib
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, ValidationError

import signoff.config
from signoff.config import (
    AuditConfig,
    LoadedConfig,
    YamlDocument,
    config_from_mapping,
    load_config,
    read_yaml,
    validation_error,
)
from signoff.errors import ConfigError

VALID = """\
# Audit config for the credit model
model:
  path: models/credit.skops
  format: skops
data:
  path: data/eval.csv
  target: approved
  positive_label: 1
  features: [income, age, duration]
protected_attributes:
  sex:
    privileged: male
  age_group:
    column: age
    bins: [0, 25, 120]
    labels: [young, older]
intersections:
  - [sex, age_group]
proxies: [postcode]
threshold: 0.6
seed: 7
bootstrap:
  replicates: 200
  confidence: 0.9
explain:
  permutation_repeats: 3
  max_rows: 1000
  scoring: accuracy
calibration_bins: 15
min_group_size: 20
power_effect: 0.1
shift_delta: 0.2
shift_metric: recall
proxy_threshold: 0.4
"""

TOP_LEVEL_KEYS = (
    "bootstrap, calibration_bins, data, explain, intersections, max_groups, min_group_size, model, "
    "model_card, power_effect, protected_attributes, proxies, proxy_threshold, seed, shift_delta, "
    "shift_metric, threshold"
)


def edit(old: str, new: str) -> str:
    """VALID with one piece of text replaced (which must be there)."""
    assert old in VALID
    return VALID.replace(old, new, 1)


def write(folder: Path, text: str, name: str = "audit.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def message_of(path: Path) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.exit_code == 2
    return str(info.value)


# --- a valid config -------------------------------------------------------------------


def test_valid_config_round_trips(tmp_path: Path) -> None:
    path = write(tmp_path, VALID)
    loaded = load_config(path)
    assert isinstance(loaded, LoadedConfig)
    assert loaded.config == AuditConfig.model_validate(yaml.safe_load(VALID))
    assert loaded.config.model is not None
    assert loaded.config.model.path == "models/credit.skops"
    assert loaded.config.protected_attributes["age_group"].bins == [0, 25, 120]
    assert loaded.config.intersections == [["sex", "age_group"]]
    assert loaded.config.explain.scoring == "accuracy"
    assert loaded.config.attribute_column("age_group") == "age"
    assert loaded.path == path.resolve()
    assert loaded.base_dir == tmp_path.resolve()
    assert loaded.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert loaded.document.text_sha256 == loaded.sha256
    assert loaded.document.data == yaml.safe_load(VALID)
    # the validated config, dumped and read again, is the same config
    again = load_config(write(tmp_path, yaml.safe_dump(loaded.config.model_dump()), "again.yaml"))
    assert again.config == loaded.config


def test_resolve_is_relative_to_the_config_folder(tmp_path: Path) -> None:
    loaded = load_config(write(tmp_path, VALID))
    assert loaded.resolve("data/eval.csv") == tmp_path.resolve() / "data" / "eval.csv"
    assert loaded.resolve(str(tmp_path / "x.csv")) == tmp_path / "x.csv"


def test_minimal_config_takes_the_defaults(tmp_path: Path) -> None:
    text = "data: {path: e.csv, target: y, score_column: s}\nprotected_attributes: {sex: {}}\n"
    config = load_config(write(tmp_path, text)).config
    assert config.model is None
    assert (config.threshold, config.seed, config.bootstrap.replicates) == (0.5, 42, 1000)


# --- every bad input, with its exact message -----------------------------------------

BAD = {
    "bad indentation": (
        edit("  target: approved", "   target: approved"),
        ":7:10: malformed YAML: mapping values are not allowed here "
        "(check the indentation, or quote a value with ': ')",
    ),
    "key dedented into nowhere": (
        edit("  target: approved", " target: approved"),
        ":7:2: malformed YAML: while parsing a block mapping (from line 2), "
        "expected <block end>, but found '<block mapping start>' (check the indentation)",
    ),
    "tab indentation": (
        "data:\n\tpath: x\n",
        ":2:1: malformed YAML: while scanning for the next token, found character '\\t' "
        "that cannot start any token (indent with spaces, not tabs)",
    ),
    "unclosed list": (
        "proxies: [a, b\nseed: 1\n",
        ":2:5: malformed YAML: while parsing a flow sequence (from line 1), "
        "expected ',' or ']', but got ':'",
    ),
    "two documents": (
        "seed: 1\n---\nseed: 2\n",
        ":2:1: malformed YAML: expected a single document in the stream (from line 1), "
        "but found another document",
    ),
    "control character": (
        "seed: 1\nproxies: [\x07]\n",
        ":2:11: malformed YAML: character #x0007: special characters are not allowed",
    ),
    "empty file": ("", ": config file is empty"),
    "only comments": ("# nothing yet\n\n", ": config file is empty"),
    "list at top level": (
        "- data\n- model\n",
        ":1:1: config file must be a mapping of keys to values, got a list",
    ),
    "text at top level": (
        "hello\n",
        ":1:1: config file must be a mapping of keys to values, got 'hello'",
    ),
    "duplicate key": (
        VALID + "threshold: 0.7\n",
        ":35:1: duplicate key 'threshold' (first written on line 20)",
    ),
    "duplicate nested key": (
        edit("  format: skops", "  format: skops\n  path: other.skops"),
        ":5:3: duplicate key 'path' (first written on line 3)",
    ),
    "key read as a boolean": (
        edit("  sex:", "  no:"),
        ":11:3: key no is read as false, not text; write it in quotes: 'no'",
    ),
    "list as a key": ("? [a, b]\n: 1\n", ":1:3: keys must be text, not a list"),
    "python tag": (
        "seed: !!python/object/apply:os.system [echo]\n",
        ":1:7: unsupported YAML tag '!!python/object/apply:os.system': only text, numbers, "
        "true/false, null, lists and mappings are allowed",
    ),
    "custom tag": (
        "seed: !env SEED\n",
        ":1:7: unsupported YAML tag '!env': only text, numbers, true/false, null, lists "
        "and mappings are allowed",
    ),
    "binary": (
        "seed: !!binary aGVsbG8=\n",
        ":1:7: unsupported YAML tag '!!binary': only text, numbers, true/false, null, lists "
        "and mappings are allowed",
    ),
    "bad explicit int": ("seed: !!int seven\n", ":1:7: cannot read 'seven' as !!int"),
    "recursive alias": (
        "proxies: &p [a, *p]\n",
        ":1:10: this anchored value contains an alias to itself",
    ),
    "recursive merge": (
        "seed: &m {<<: *m}\n",
        ":1:7: this anchored value contains an alias to itself",
    ),
    "bad merge": (
        "bootstrap:\n  <<: [1]\n",
        ":2:8: a merge key (<<) takes a mapping or a list of mappings, not a single value",
    ),
    "alias bomb": (
        "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
        + "".join(
            f"{n}: &{n} [{', '.join([f'*{p}'] * 10)}]\n"
            for p, n in zip("abcde", "bcdef", strict=True)
        ),
        ":2:4: aliases expand to more than 100000 values",
    ),
    "nested too deeply": (
        "seed: " + "[" * 5000 + "]" * 5000 + "\n",
        ": malformed YAML: values are nested too deeply",
    ),
    "unknown top-level key": (
        VALID + "tresh: 0.5\n",
        ":35:1: unknown key 'tresh' (did you mean 'threshold'?); "
        f"allowed keys here: {TOP_LEVEL_KEYS}",
    ),
    "unknown top-level key, no close match": (
        VALID + "colour: blue\n",
        f":35:1: unknown key 'colour'; allowed keys here: {TOP_LEVEL_KEYS}",
    ),
    "unknown nested key": (
        edit("  target: approved", "  tagret: approved"),
        ":7:3: data: unknown key 'tagret' (did you mean 'target'?); "
        "allowed keys here: engine, features, path, positive_label, score_column, target",
    ),
    "unknown key under a named attribute": (
        edit("    privileged: male", "    privileged: male\n    colum: gender"),
        ":13:5: protected_attributes.sex: unknown key 'colum' (did you mean 'column'?); "
        "allowed keys here: bins, column, labels, privileged",
    ),
    "missing nested key": (
        edit("  target: approved\n", ""),
        ":5:1: data: missing required key 'target'",
    ),
    "missing top-level key": (
        "data: {path: e.csv, target: y, score_column: s}\n",
        ":1:1: missing required key 'protected_attributes'",
    ),
    "threshold not a number": (
        edit("threshold: 0.6", "threshold: high"),
        ":20:12: threshold: expected a number, got 'high'",
    ),
    "threshold out of range": (
        edit("threshold: 0.6", "threshold: 1.5"),
        ":20:12: threshold: must be at most 1, got 1.5",
    ),
    "confidence out of range": (
        edit("  confidence: 0.9", "  confidence: 1"),
        ":24:15: bootstrap.confidence: must be less than 1, got 1",
    ),
    "seed not whole": (
        edit("seed: 7", "seed: 7.5"),
        ":21:7: seed: expected an integer, got 7.5",
    ),
    "target not text": (
        edit("  target: approved", "  target: 2024"),
        ":7:11: data.target: expected a string, got 2024",
    ),
    "section not a mapping": (
        edit("bootstrap:\n  replicates: 200\n  confidence: 0.9\n", "bootstrap: lots\n"),
        ":22:12: bootstrap: expected a mapping, got 'lots'",
    ),
    "empty section": (
        "data: {path: e.csv, target: y, score_column: s}\nprotected_attributes: {}\n",
        ":2:1: protected_attributes: needs at least 1 entry, got 0",
    ),
    "bad model format": (
        edit("  format: skops", "  format: h5"),
        ":4:11: model.format: expected one of: skops, joblib, pickle, xgboost, lightgbm, "
        "onnx; got 'h5'",
    ),
    "bad scoring": (
        edit("  scoring: accuracy", "  scoring: f1"),
        ":28:12: explain.scoring: expected one of: roc_auc, accuracy, neg_log_loss, "
        "average_precision; got 'f1'",
    ),
    "label of the wrong kind": (
        edit("  positive_label: 1", "  positive_label: [1]"),
        ":8:3: data.positive_label: expected an integer, a string or true/false, got a list",
    ),
    "bins not a number": (
        edit("[0, 25, 120]", "[0, twenty, 120]"),
        ":15:15: protected_attributes.age_group.bins[1]: expected a number, got 'twenty'",
    ),
    "bins not increasing": (
        edit("[0, 25, 120]", "[0, 25, 25]"),
        ":15:5: protected_attributes.age_group.bins: bins must be strictly increasing",
    ),
    "bins with NaN": (
        edit("[0, 25, 120]", "[0, .nan, 120]"),
        ":15:15: protected_attributes.age_group.bins[1]: expected a finite number, got nan",
    ),
    "labels count mismatch": (
        edit("[young, older]", "[young, older, old]"),
        ":13:3: protected_attributes.age_group: labels must have one name per band: "
        "2 for 3 edges, got 3",
    ),
    "intersection of an unknown attribute": (
        edit("  - [sex, age_group]", "  - [sex, region]"),
        ":17:1: intersections: intersection ['sex', 'region'] names ['region'], which are "
        "not protected attributes; known: ['age_group', 'sex']",
    ),
    "intersection of one attribute": (
        edit("  - [sex, age_group]", "  - [sex]"),
        ":17:1: intersections: an intersection needs two or more attributes, got ['sex']",
    ),
    "neither model nor score column": (
        edit("model:\n  path: models/credit.skops\n  format: skops\n", ""),
        ":2:1: give either a model (model.path) or a score column (data.score_column)",
    ),
    "several problems, in file order": (
        edit("seed: 7", "seed: x").replace("threshold: 0.6", "threshold: high"),
        ":20:12: threshold: expected a number, got 'high'\n  {path}:21:7: seed: expected an "
        "integer, got 'x'",
    ),
}


@pytest.mark.parametrize(("text", "expected"), BAD.values(), ids=BAD.keys())
def test_bad_config_message(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    assert message_of(path) == f"{path}{expected}".replace("{path}", str(path))


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    assert message_of(path) == f"{path}: config file not found"


def test_what_names_the_kind_of_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope\.yaml: policy file not found$"):
        read_yaml(tmp_path / "nope.yaml", what="policy")


def test_directory(tmp_path: Path) -> None:
    assert message_of(tmp_path) == f"{tmp_path}: config path is a directory, not a file"


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("seed: 1\nproxies: [café]\n".encode("latin-1"))
    assert message_of(path) == (
        f"{path}:2:14: config file is not UTF-8 text: byte 0xe9 cannot be decoded"
    )


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + VALID.encode())
    assert load_config(path).config == load_config(write(tmp_path, VALID)).config


def test_error_fields(tmp_path: Path) -> None:
    path = write(tmp_path, edit("[0, 25, 120]", "[0, 25, 25]"))
    with pytest.raises(ConfigError) as info:
        load_config(path)
    error = info.value
    assert (error.file, error.line, error.column) == (str(path), 15, 5)
    assert error.field == "protected_attributes.age_group.bins"
    assert error.message == "bins must be strictly increasing"
    assert error.__cause__ is None  # no pydantic traceback behind it


def test_many_problems_are_cut_short(tmp_path: Path) -> None:
    text = "".join(f"key{i}: 1\n" for i in range(12)) + "data: {}\n"
    message = message_of(write(tmp_path, text))
    lines = message.splitlines()
    assert lines[-1] == "  and 5 more"
    assert len(lines) == 11


# --- YAML that is plain but unusual ----------------------------------------------------


def test_anchors_aliases_and_merge_keys(tmp_path: Path) -> None:
    text = "base: &b {x: 1, y: 2}\nmore: &m {z: 3}\nc:\n  <<: [*b, *m]\n  y: 9\nd: *b\n"
    doc = read_yaml(write(tmp_path, text))
    assert doc.data["c"] == {"x": 1, "y": 9, "z": 3}
    assert doc.data["d"] == {"x": 1, "y": 2}
    assert doc.data["d"] is not doc.data["base"]  # copies, not shared objects
    assert doc.locate(("c", "x"), key=True) == (1, 11)  # where the merged key is written
    assert doc.locate(("c", "y"), key=True) == (5, 3)


def test_timestamps_and_special_numbers_stay_plain(tmp_path: Path) -> None:
    text = "when: 2025-01-01\nbig: 1_000\nhex: 0x10\ninf: .inf\nempty:\nquoted: '1'\neq: =\n"
    doc = read_yaml(write(tmp_path, text))
    assert doc.data == {
        "eq": "=",
        "when": "2025-01-01",
        "big": 1000,
        "hex": 16,
        "inf": math.inf,
        "empty": None,
        "quoted": "1",
    }


# --- locate -------------------------------------------------------------------------------


def test_marks_and_locate(tmp_path: Path) -> None:
    doc = read_yaml(write(tmp_path, VALID))
    assert isinstance(doc, YamlDocument)
    assert doc.marks[()] == (2, 1)
    assert doc.marks[("threshold",)] == (20, 12)
    assert doc.key_marks[("threshold",)] == (20, 1)
    assert doc.marks[("protected_attributes", "age_group", "bins", 2)] == (15, 19)
    assert doc.marks[("intersections", 0, 1)] == (18, 11)
    assert doc.locate(("threshold",)) == (20, 12)
    assert doc.locate(["threshold"], key=True) == (20, 1)
    # a block mapping starts at its first key; its own key is one line up
    assert doc.locate(("bootstrap",)) == (23, 3)
    assert doc.locate(("bootstrap",), key=True) == (22, 1)
    # unknown parts walk up to the nearest known ancestor
    assert doc.locate(("bootstrap", "nope", 3)) == (23, 3)
    assert doc.locate(("bootstrap", "nope"), key=True) == (22, 1)
    assert doc.locate(("intersections", 0, 7)) == (18, 5)
    assert doc.locate(("nowhere",)) == (2, 1)
    assert doc.locate(()) == (2, 1)
    empty = YamlDocument(Path("x.yaml"), {}, {}, {}, "")
    assert empty.locate(("a",)) == (None, None)


# --- validation_error and config_from_mapping -----------------------------------------


def test_config_from_mapping() -> None:
    data = yaml.safe_load(VALID)
    assert config_from_mapping(data) == AuditConfig.model_validate(data)
    moved = config_from_mapping(data, base_dir=Path("/project"))
    assert moved.data.path == str(Path("/project/data/eval.csv"))
    assert moved.model is not None
    assert moved.model.path == str(Path("/project/models/credit.skops"))
    assert moved.threshold == 0.6


def test_config_from_mapping_errors_have_no_file_or_line() -> None:
    data = yaml.safe_load(edit("threshold: 0.6", "threshold: high"))
    with pytest.raises(ConfigError) as info:
        config_from_mapping(data)
    assert str(info.value) == "threshold: expected a number, got 'high'"
    assert (info.value.file, info.value.line) == (None, None)
    with pytest.raises(ConfigError) as info:
        config_from_mapping(["data"])  # type: ignore[arg-type]
    assert str(info.value) == "the config must be a mapping of keys to values, got a list"


class _Free(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str


def test_validation_error_without_a_model(tmp_path: Path) -> None:
    doc = read_yaml(write(tmp_path, "name: a\nnmae: b\n"))
    with pytest.raises(ValidationError) as info:
        _Free.model_validate(doc.data)
    error = validation_error(info.value, doc)
    assert str(error) == f"{doc.path}:2:1: unknown key 'nmae'"
    named = validation_error(info.value, doc, model=_Free)
    assert named.message == "unknown key 'nmae' (did you mean 'name'?); allowed keys here: name"


def test_all_is_sorted_and_complete() -> None:
    public = signoff.config.__all__
    assert public == sorted(public)
    assert all(hasattr(signoff.config, name) for name in public)


# --- fuzz: nothing but ConfigError, ever ----------------------------------------------

_FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
)
yaml_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)


def _load_or_config_error(path: Path) -> LoadedConfig | None:
    """The config, or None when loading it raised ConfigError (anything else fails the test)."""
    error: ConfigError | None = None
    try:
        return load_config(path)
    except ConfigError as raised:
        error = raised
    assert str(error).startswith(str(path))
    return None


@_FUZZ
@given(text=st.text())
def test_fuzz_any_text(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    _load_or_config_error(write(_folder(tmp_path_factory), text))


@_FUZZ
@given(raw=st.binary())
def test_fuzz_any_bytes(tmp_path_factory: pytest.TempPathFactory, raw: bytes) -> None:
    path = _folder(tmp_path_factory) / "audit.yaml"
    path.write_bytes(raw)
    _load_or_config_error(path)


@_FUZZ
@given(data=st.dictionaries(st.text(max_size=10), yaml_values, max_size=5))
def test_fuzz_yaml_data_reads_back_with_every_position(
    tmp_path_factory: pytest.TempPathFactory, data: dict[str, Any]
) -> None:
    path = write(_folder(tmp_path_factory), yaml.safe_dump(data))
    doc = read_yaml(path)
    assert doc.data == data
    for loc, _ in _paths(data):
        assert loc in doc.marks
        assert (loc in doc.key_marks) == (loc != () and isinstance(_at(data, loc[:-1]), dict))
    _load_or_config_error(path)


@st.composite
def broken_configs(draw: st.DrawFn) -> dict[str, Any]:
    """VALID with one to three values replaced, deleted or added."""
    config: dict[str, Any] = yaml.safe_load(VALID)
    for _ in range(draw(st.integers(1, 3))):
        paths = [loc for loc, _ in _paths(config) if loc]
        if not paths:
            break
        loc = draw(st.sampled_from(paths))
        parent = _at(config, loc[:-1])
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace":
            parent[loc[-1]] = draw(yaml_values)
        elif action == "delete":
            del parent[loc[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.text(max_size=10))] = draw(yaml_values)
        else:
            parent.append(draw(yaml_values))
    return config


@_FUZZ
@given(config=broken_configs())
def test_fuzz_broken_configs(
    tmp_path_factory: pytest.TempPathFactory, config: dict[str, Any]
) -> None:
    path = write(_folder(tmp_path_factory), yaml.safe_dump(config))
    loaded = _load_or_config_error(path)
    try:
        expected: AuditConfig | None = AuditConfig.model_validate(config)
    except ValidationError:
        expected = None
    assert (loaded.config if loaded else None) == expected


@st.composite
def valid_configs(draw: st.DrawFn) -> dict[str, Any]:
    plain = st.text(min_size=1, max_size=8).filter(lambda name: "*" not in name)  # "*" joins
    names = draw(st.lists(plain, min_size=1, max_size=3, unique=True))
    attributes: dict[str, Any] = {}
    for name in names:
        edges = draw(st.lists(st.integers(-100, 100), min_size=2, max_size=4, unique=True))
        attribute: dict[str, Any] = {}
        if draw(st.booleans()):
            attribute["bins"] = sorted(edges)
            if draw(st.booleans()):
                attribute["labels"] = [f"band{i}" for i in range(len(edges) - 1)]
        attributes[name] = attribute
    config: dict[str, Any] = {
        "data": {"path": draw(st.text(min_size=1)), "target": draw(st.text(max_size=8))},
        "protected_attributes": attributes,
        "threshold": draw(st.floats(0, 1)),
        "seed": draw(st.integers(0, 2**32)),
        "bootstrap": {"replicates": draw(st.integers(0, 100_000))},
    }
    if draw(st.booleans()):
        config["model"] = {"path": "m.skops", "format": draw(st.sampled_from(["skops", "onnx"]))}
    else:
        config["data"]["score_column"] = "score"
    if len(names) > 1:
        config["intersections"] = [names[:2]]
    return config


@_FUZZ
@given(config=valid_configs())
def test_fuzz_valid_configs_load(
    tmp_path_factory: pytest.TempPathFactory, config: dict[str, Any]
) -> None:
    path = write(_folder(tmp_path_factory), yaml.safe_dump(config))
    assert load_config(path).config == AuditConfig.model_validate(config)


def _folder(factory: pytest.TempPathFactory) -> Path:
    folder = factory.getbasetemp() / "fuzz"
    folder.mkdir(exist_ok=True)
    return folder


def _paths(value: Any, loc: tuple[str | int, ...] = ()) -> list[tuple[tuple[str | int, ...], Any]]:
    found = [(loc, value)]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*loc, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*loc, index))
    return found


def _at(value: Any, loc: tuple[str | int, ...]) -> Any:
    for part in loc:
        value = value[part]
    return value
