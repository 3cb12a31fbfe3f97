"""signoff.models: real models saved in every format, loaded back and scored.

Every model here is trained in the test on the German credit demo data or on
synthetic data, written to a real file and read back through ``load_model``;
scores are compared with the original estimator's ``predict_proba``.  The
optional libraries (xgboost, lightgbm, onnxruntime + skl2onnx) are in the
``dev`` extra, so they run for real; their absence is simulated by putting
``None`` in ``sys.modules``, which makes ``import`` raise ImportError.  Where
one is not installed, only the tests that need it are skipped (fixtures
``xgb``, ``lgb``, ``onnx`` and ``in_format``): the skops, joblib and pickle
tests, the refusals of untrusted types among them, need no optional extra.
"""

from __future__ import annotations

import hashlib
import pickle
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
import pytest
import skops.io
from sklearn.compose import ColumnTransformer
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.svm import LinearSVC

import signoff.models
from signoff.errors import ConfigError, MissingExtraError, ModelError
from signoff.models import LightGBMClassifier, LoadedModel, OnnxClassifier, load_model
from signoff.models._boosters import LIGHTGBM_OBJECTIVES, NOT_PROBABILISTIC, XGBOOST_OBJECTIVES
from signoff.models._common import NOT_REFITTABLE, one_line
from signoff.models._load import (
    NO_PREDICT_PROBA,
    NOT_FOUND,
    RUNS_CODE,
    UNKNOWN_FORMAT,
    UNREADABLE,
    UNTRUSTED_TYPES,
)
from signoff.models._loaded import (
    BAD_PROBA_SHAPE,
    MISSING_FEATURES,
    SCORES_NAN,
    SCORES_RANGE,
    SCORING_FAILED,
    UNKNOWN_POSITIVE_LABEL,
)

GERMAN_CREDIT = Path(__file__).resolve().parents[1] / "src/signoff/demo/data/german_credit.csv"
CATEGORICAL = ["checking_status", "purpose", "savings"]
NUMERIC = ["duration_months", "credit_amount", "age"]
FEATURES = CATEGORICAL + NUMERIC
HGB_TREE = "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"
EXACT = 1e-12
# skl2onnx computes in float32: about 7 significant digits, so 1e-5 on a probability.
FLOAT32 = 1e-5


# ---------------------------------------------------------------- fixtures


def _optional(module: str, extra: str) -> Any:
    """The optional library, or skip this test (only this one) when it is not installed."""
    return pytest.importorskip(module, reason=f"{module} ({extra}) not installed")


#: The optional libraries each model format needs to load.
_LIBRARIES = {"xgboost": ("xgboost",), "lightgbm": ("lightgbm",), "onnx": ("onnxruntime", "onnx")}


@pytest.fixture(scope="module")
def xgb() -> Any:
    return _optional("xgboost", "dev extra: xgboost-cpu")


@pytest.fixture(scope="module")
def lgb() -> Any:
    return _optional("lightgbm", "dev extra")


@pytest.fixture(scope="module")
def onnx() -> Any:
    """skl2onnx's tensor types, with onnxruntime and skl2onnx installed."""
    _optional("onnxruntime", "dev extra")
    _optional("skl2onnx", "dev extra")
    return pytest.importorskip("skl2onnx.common.data_types")


@pytest.fixture(scope="module")
def german() -> pd.DataFrame:
    return pd.read_csv(GERMAN_CREDIT)


@pytest.fixture(scope="module")
def y(german: pd.DataFrame) -> pd.Series:
    return german["credit_risk"]


@pytest.fixture(scope="module")
def pipeline(german: pd.DataFrame, y: pd.Series) -> Pipeline:
    transform = ColumnTransformer(
        [
            ("onehot", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL),
            ("scale", StandardScaler(), NUMERIC),
        ]
    )
    model = Pipeline([("prep", transform), ("clf", LogisticRegression(max_iter=1000))])
    return model.fit(german[FEATURES], y)


@pytest.fixture(scope="module")
def hgb(german: pd.DataFrame, y: pd.Series) -> HistGradientBoostingClassifier:
    model = HistGradientBoostingClassifier(max_iter=20, random_state=0)
    return model.fit(german[NUMERIC], y)


@pytest.fixture(scope="module")
def synthetic() -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(7)
    frame = pd.DataFrame(rng.normal(size=(400, 4)), columns=["a", "b", "c", "d"])
    target = (frame["a"] - frame["b"] + rng.normal(scale=0.8, size=400) > 0).astype(int)
    return frame, target


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


def _skops(model: Any, path: Path) -> Path:
    skops.io.dump(model, path)
    return path


def _raises(call: Callable[[], Any], kind: type[Exception] = ModelError) -> Any:
    with pytest.raises(kind) as info:
        call()
    return info.value


# ---------------------------------------------------------------- package


def test_all_is_sorted_and_complete() -> None:
    assert signoff.models.__all__ == sorted(signoff.models.__all__)
    public = {name for name in vars(signoff.models) if not name.startswith("_")}
    assert set(signoff.models.__all__) == public


# ---------------------------------------------------------------- skops


def test_skops_pipeline_scores_match_predict_proba(
    pipeline: Pipeline, german: pd.DataFrame, folder: Path
) -> None:
    path = _skops(pipeline, folder / "pipeline.skops")
    loaded = load_model(path)
    assert loaded.path == path
    assert loaded.format == "skops"
    assert loaded.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert loaded.feature_names == tuple(FEATURES)
    assert loaded.classes == (0, 1)
    expected = pipeline.predict_proba(german[FEATURES])
    scores = loaded.scores(german, positive_label=1)  # extra columns: ignored
    assert scores.dtype == np.float64
    assert scores.shape == (len(german),)
    np.testing.assert_allclose(scores, expected[:, 1], rtol=0, atol=EXACT)
    np.testing.assert_allclose(
        loaded.scores(german, positive_label=0), expected[:, 0], rtol=0, atol=EXACT
    )


def test_columns_are_taken_by_name_in_the_model_s_order(
    pipeline: Pipeline, german: pd.DataFrame, folder: Path
) -> None:
    loaded = load_model(_skops(pipeline, folder / "order.skops"))
    shuffled = german[["credit_risk", *reversed(FEATURES), "sex"]]
    inputs = loaded.inputs(shuffled)
    assert isinstance(inputs, pd.DataFrame)
    assert list(inputs.columns) == FEATURES
    np.testing.assert_allclose(
        loaded.scores(shuffled, positive_label=1),
        pipeline.predict_proba(german[FEATURES])[:, 1],
        rtol=0,
        atol=EXACT,
    )


def test_string_labels_and_a_positive_label_given_as_text(
    german: pd.DataFrame, y: pd.Series, folder: Path
) -> None:
    labels = np.where(y == 1, "good", "bad")
    model = LogisticRegression(max_iter=1000).fit(german[NUMERIC], labels)
    loaded = load_model(_skops(model, folder / "strings.skops"))
    assert loaded.classes == ("bad", "good")
    expected = model.predict_proba(german[NUMERIC])[:, 1]
    np.testing.assert_allclose(
        loaded.scores(german, positive_label="good"), expected, rtol=0, atol=EXACT
    )
    numeric = load_model(_skops(LogisticRegression().fit(german[NUMERIC], y), folder / "n.skops"))
    np.testing.assert_array_equal(
        numeric.scores(german, positive_label="1"), numeric.scores(german, positive_label=1)
    )


def test_skops_tree_model_is_refused_unless_trusted(
    hgb: HistGradientBoostingClassifier, german: pd.DataFrame, folder: Path
) -> None:
    path = _skops(hgb, folder / "hgb.skops")
    error = _raises(lambda: load_model(path))
    assert error.message == UNTRUSTED_TYPES.format(types=HGB_TREE)
    assert error.file == str(path)
    loaded = load_model(path, trusted=True)
    assert loaded.feature_names == tuple(NUMERIC)
    np.testing.assert_allclose(
        loaded.scores(german, positive_label=1),
        hgb.predict_proba(german[NUMERIC])[:, 1],
        rtol=0,
        atol=EXACT,
    )


# ---------------------------------------------------------------- joblib / pickle


def _dump(fmt: str, model: Any, path: Path) -> Path:
    if fmt == "joblib":
        joblib.dump(model, path)
    else:
        path.write_bytes(pickle.dumps(model))
    return path


@pytest.mark.parametrize("fmt", ["joblib", "pickle"])
def test_code_running_formats_are_refused_unless_trusted(
    fmt: str, pipeline: Pipeline, german: pd.DataFrame, folder: Path
) -> None:
    path = _dump(fmt, pipeline, folder / f"pipeline.{fmt}")
    error = _raises(lambda: load_model(path, fmt))  # type: ignore[arg-type]
    assert error.message == RUNS_CODE.format(format=fmt)
    assert error.file == str(path)
    loaded = load_model(path, fmt, trusted=True)  # type: ignore[arg-type]
    assert loaded.format == fmt
    assert loaded.feature_names == tuple(FEATURES)
    np.testing.assert_allclose(
        loaded.scores(german, positive_label=1),
        pipeline.predict_proba(german[FEATURES])[:, 1],
        rtol=0,
        atol=EXACT,
    )


# ---------------------------------------------------------------- xgboost


@pytest.mark.parametrize("suffix", ["json", "ubj"])
def test_xgboost_classifier_file(
    xgb: Any, suffix: str, synthetic: tuple[pd.DataFrame, pd.Series], folder: Path
) -> None:
    frame, target = synthetic
    model = xgb.XGBClassifier(n_estimators=8, max_depth=3, random_state=0).fit(frame, target)
    path = folder / f"xgb.{suffix}"
    model.save_model(path)
    loaded = load_model(path, "xgboost")
    assert loaded.feature_names == ("a", "b", "c", "d")
    assert loaded.classes == (0, 1)
    assert isinstance(loaded.estimator, xgb.XGBClassifier)
    np.testing.assert_allclose(
        loaded.scores(frame[["d", "c", "b", "a"]], positive_label=1),
        model.predict_proba(frame)[:, 1],
        rtol=0,
        atol=EXACT,
    )


def test_xgboost_raw_booster_without_names_uses_every_column(
    xgb: Any, synthetic: tuple[pd.DataFrame, pd.Series], folder: Path
) -> None:
    frame, target = synthetic
    dtrain = xgb.DMatrix(frame.to_numpy(), label=target.to_numpy())
    booster = xgb.train({"objective": "binary:logistic", "max_depth": 2}, dtrain, 6)
    path = folder / "booster.json"
    booster.save_model(path)
    loaded = load_model(path, "xgboost")
    assert loaded.feature_names is None
    assert isinstance(loaded.inputs(frame), np.ndarray)
    expected = booster.predict(xgb.DMatrix(frame.to_numpy()))
    np.testing.assert_allclose(loaded.scores(frame, positive_label=1), expected, atol=EXACT)


def test_xgboost_multiclass(
    xgb: Any, synthetic: tuple[pd.DataFrame, pd.Series], folder: Path
) -> None:
    frame, _ = synthetic
    target = pd.cut(frame["a"], [-np.inf, -0.5, 0.5, np.inf], labels=False)
    model = xgb.XGBClassifier(n_estimators=5, max_depth=2).fit(frame, target)
    path = folder / "multi.json"
    model.save_model(path)
    loaded = load_model(path, "xgboost")
    assert loaded.classes == (0, 1, 2)
    np.testing.assert_allclose(
        loaded.scores(frame, positive_label=2), model.predict_proba(frame)[:, 2], atol=EXACT
    )


def test_xgboost_regression_booster_is_refused(
    xgb: Any, synthetic: tuple[pd.DataFrame, pd.Series], folder: Path
) -> None:
    frame, _ = synthetic
    booster = xgb.train({"objective": "reg:squarederror"}, xgb.DMatrix(frame, label=frame["a"]), 3)
    path = folder / "regression.json"
    booster.save_model(path)
    error = _raises(lambda: load_model(path, "xgboost"))
    expected = NOT_PROBABILISTIC.format(
        objective="reg:squarederror", expected=", ".join(XGBOOST_OBJECTIVES)
    )
    assert error.message == expected
    assert error.file == str(path)


# ---------------------------------------------------------------- lightgbm


def test_lightgbm_booster_file(
    lgb: Any,
    synthetic: tuple[pd.DataFrame, pd.Series],
    folder: Path,
    capfd: pytest.CaptureFixture[str],
) -> None:
    frame, target = synthetic
    model = lgb.LGBMClassifier(n_estimators=10, num_leaves=7, verbose=-1).fit(frame, target)
    path = folder / "lgb.txt"
    model.booster_.save_model(path)
    loaded = load_model(path, "lightgbm")
    assert loaded.feature_names == ("a", "b", "c", "d")
    assert loaded.classes == (0, 1)
    assert isinstance(loaded.estimator, LightGBMClassifier)
    expected = model.predict_proba(frame)
    np.testing.assert_allclose(loaded.scores(frame, positive_label=1), expected[:, 1], atol=EXACT)
    np.testing.assert_allclose(loaded.scores(frame, positive_label=0), expected[:, 0], atol=EXACT)
    np.testing.assert_array_equal(loaded.estimator.predict(frame), model.predict(frame))
    assert capfd.readouterr() == ("", "")


def test_lightgbm_unnamed_and_multiclass(
    lgb: Any, synthetic: tuple[pd.DataFrame, pd.Series], folder: Path
) -> None:
    frame, _ = synthetic
    target = pd.cut(frame["a"], [-np.inf, -0.5, 0.5, np.inf], labels=False)
    model = lgb.LGBMClassifier(n_estimators=5, num_leaves=5, verbose=-1)
    model.fit(frame.to_numpy(), target)
    path = folder / "lgb_multi.txt"
    model.booster_.save_model(path)
    loaded = load_model(path, "lightgbm")
    assert loaded.feature_names is None
    assert loaded.classes == (0, 1, 2)
    np.testing.assert_allclose(
        loaded.scores(frame, positive_label=1),
        model.predict_proba(frame.to_numpy())[:, 1],
        atol=EXACT,
    )


def test_lightgbm_regression_booster_is_refused(
    lgb: Any, synthetic: tuple[pd.DataFrame, pd.Series], folder: Path
) -> None:
    frame, _ = synthetic
    model = lgb.LGBMRegressor(n_estimators=3, verbose=-1).fit(frame, frame["a"])
    path = folder / "lgb_regression.txt"
    model.booster_.save_model(path)
    error = _raises(lambda: load_model(path, "lightgbm"))
    expected = NOT_PROBABILISTIC.format(
        objective="regression", expected=", ".join(LIGHTGBM_OBJECTIVES)
    )
    assert error.message == expected


# ---------------------------------------------------------------- onnx


def _onnx(model: Any, path: Path, initial_types: list[Any], **options: Any) -> Path:
    import skl2onnx  # the `onnx` fixture skipped the test when it is missing

    proto = skl2onnx.convert_sklearn(model, initial_types=initial_types, options=options or None)
    path.write_bytes(proto.SerializeToString())
    return path


def test_onnx_pipeline_with_one_input_per_column_and_zipmap(
    onnx: Any,
    pipeline: Pipeline,
    german: pd.DataFrame,
    folder: Path,
    capfd: pytest.CaptureFixture[str],
) -> None:
    types = [(c, onnx.StringTensorType([None, 1])) for c in CATEGORICAL]
    types += [(c, onnx.FloatTensorType([None, 1])) for c in NUMERIC]
    path = _onnx(pipeline, folder / "pipeline.onnx", types)
    loaded = load_model(path, "onnx")
    assert loaded.feature_names == tuple(FEATURES)
    assert loaded.classes == (0, 1)
    assert isinstance(loaded.estimator, OnnxClassifier)
    assert loaded.estimator.zipmap
    expected = pipeline.predict_proba(german[FEATURES])[:, 1]
    np.testing.assert_allclose(
        loaded.scores(german, positive_label=1), expected, rtol=0, atol=FLOAT32
    )
    assert capfd.readouterr() == ("", "")


def test_onnx_single_float_tensor_without_zipmap(
    onnx: Any, german: pd.DataFrame, y: pd.Series, folder: Path
) -> None:
    model = LogisticRegression(max_iter=1000).fit(german[NUMERIC].to_numpy(), y)
    types = [("X", onnx.FloatTensorType([None, len(NUMERIC)]))]
    path = _onnx(model, folder / "tensor.onnx", types, zipmap=False)
    loaded = load_model(path, "onnx")
    assert loaded.feature_names is None
    assert loaded.classes == (0, 1)
    assert not loaded.estimator.zipmap
    expected = model.predict_proba(german[NUMERIC].to_numpy())[:, 1]
    scores = loaded.scores(german, positive_label=1, features=NUMERIC)
    np.testing.assert_allclose(scores, expected, rtol=0, atol=FLOAT32)


def test_onnx_double_tensor_is_exact_and_string_labels_come_from_zipmap(
    onnx: Any, german: pd.DataFrame, y: pd.Series, folder: Path
) -> None:
    data = german[NUMERIC].to_numpy(dtype=np.float64)
    model = LogisticRegression(max_iter=1000).fit(data, y)
    types = [("X", onnx.DoubleTensorType([None, 3]))]
    double = _onnx(model, folder / "double.onnx", types, zipmap=False)  # ZipMap is float-only
    loaded = load_model(double, "onnx")
    expected = model.predict_proba(data)[:, 1]
    # Computed in float64 end to end: agrees like any other float64 implementation.
    np.testing.assert_allclose(
        loaded.scores(german, positive_label=1, features=NUMERIC), expected, rtol=0, atol=EXACT
    )
    named = LogisticRegression(max_iter=1000).fit(data, np.where(y == 1, "good", "bad"))
    path = _onnx(named, folder / "named.onnx", [("X", onnx.FloatTensorType([None, 3]))])
    loaded = load_model(path, "onnx")
    assert loaded.classes == ("bad", "good")
    np.testing.assert_allclose(
        loaded.scores(german, positive_label="good", features=NUMERIC),
        named.predict_proba(data)[:, 1],
        rtol=0,
        atol=FLOAT32,
    )


def test_onnx_adapter_survives_pickling(
    onnx: Any, pipeline: Pipeline, german: pd.DataFrame, folder: Path
) -> None:
    types = [(c, onnx.StringTensorType([None, 1])) for c in CATEGORICAL]
    types += [(c, onnx.FloatTensorType([None, 1])) for c in NUMERIC]
    loaded = load_model(_onnx(pipeline, folder / "pickled.onnx", types), "onnx")
    inputs = loaded.inputs(german)
    before = loaded.estimator.predict_proba(inputs)
    copy = pickle.loads(pickle.dumps(loaded.estimator))
    np.testing.assert_array_equal(copy.predict_proba(inputs), before)


# ---------------------------------------------------------------- permutation importance


FORMATS = ("skops", "joblib", "xgboost", "lightgbm", "onnx")
InFormat = Callable[[str], tuple[LoadedModel, Any]]


@pytest.fixture(scope="module")
def in_format(german: pd.DataFrame, y: pd.Series, folder: Path) -> InFormat:
    """One model per format, all on the numeric German credit columns, built when first asked.

    A format whose optional library is missing skips only the test that asks for it.
    """
    numeric = german[NUMERIC].astype(np.float64)
    sk = LogisticRegression(max_iter=1000).fit(numeric, y)
    built: dict[str, tuple[LoadedModel, Any]] = {}

    def build(fmt: str) -> tuple[LoadedModel, Any]:
        if fmt == "skops":
            return load_model(_skops(sk, folder / "pi.skops")), sk
        if fmt == "joblib":
            return load_model(_dump("joblib", sk, folder / "pi.joblib"), "joblib", trusted=True), sk
        if fmt == "xgboost":
            xg = _optional("xgboost", "dev extra: xgboost-cpu").XGBClassifier(
                n_estimators=6, max_depth=2, random_state=0
            )
            xg.fit(numeric, y).save_model(folder / "pi.json")
            return load_model(folder / "pi.json", "xgboost"), xg
        if fmt == "lightgbm":
            lgb = _optional("lightgbm", "dev extra")
            lg = lgb.LGBMClassifier(n_estimators=6, num_leaves=5, verbose=-1).fit(numeric, y)
            lg.booster_.save_model(folder / "pi.txt")
            return load_model(folder / "pi.txt", "lightgbm"), lg
        _optional("onnxruntime", "dev extra")
        _optional("skl2onnx", "dev extra")
        types = pytest.importorskip("skl2onnx.common.data_types")
        path = _onnx(
            sk, folder / "pi.onnx", [("X", types.FloatTensorType([None, 3]))], zipmap=False
        )
        return load_model(path, "onnx"), sk

    def get(fmt: str) -> tuple[LoadedModel, Any]:
        if fmt not in built:
            built[fmt] = build(fmt)
        return built[fmt]

    return get


@pytest.mark.parametrize("fmt", FORMATS)
def test_permutation_importance_runs_on_every_estimator(
    fmt: str, in_format: InFormat, german: pd.DataFrame, y: pd.Series
) -> None:
    loaded, original = in_format(fmt)
    frame = german[NUMERIC].astype(np.float64)
    inputs = loaded.inputs(frame)
    ours = permutation_importance(
        loaded.estimator, inputs, y, scoring="roc_auc", n_repeats=3, random_state=0
    )
    theirs = permutation_importance(
        original, frame, y, scoring="roc_auc", n_repeats=3, random_state=0
    )
    tolerance = FLOAT32 if fmt == "onnx" else EXACT
    np.testing.assert_allclose(ours.importances, theirs.importances, rtol=0, atol=tolerance)


def test_adapters_refuse_to_be_refit(in_format: InFormat) -> None:
    estimator = in_format("lightgbm")[0].estimator
    error = _raises(lambda: estimator.fit(None, None), NotImplementedError)
    assert str(error) == NOT_REFITTABLE.format(name="LightGBMClassifier")


@pytest.mark.parametrize("fmt", FORMATS)
def test_loading_is_deterministic(fmt: str, in_format: InFormat) -> None:
    loaded, _ = in_format(fmt)
    again = load_model(loaded.path, loaded.format, trusted=True)
    assert again == loaded


# ---------------------------------------------------------------- errors


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.skops"
    error = _raises(lambda: load_model(path))
    assert error.message == NOT_FOUND
    assert str(error) == f"{path}: model file not found"


def test_unknown_format(tmp_path: Path) -> None:
    error = _raises(lambda: load_model(tmp_path / "m.bin", "h5"), ConfigError)  # type: ignore[arg-type]
    expected = "skops, joblib, pickle, xgboost, lightgbm, onnx"
    assert error.message == UNKNOWN_FORMAT.format(format="h5", expected=expected)
    assert error.field == "model.format"


@pytest.mark.parametrize("content", [b"\x80binary junk\n\xff", b"not a model\nat all\n"])
@pytest.mark.parametrize("fmt", ["skops", "joblib", "pickle", "xgboost", "lightgbm", "onnx"])
def test_corrupt_file_is_one_line_with_the_library_s_reason(
    fmt: str, content: bytes, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    for module in _LIBRARIES.get(fmt, ()):
        _optional(module, "dev extra")
    path = tmp_path / "corrupt.bin"
    path.write_bytes(content)
    error = _raises(lambda: load_model(path, fmt, trusted=True))  # type: ignore[arg-type]
    prefix = UNREADABLE.format(format=fmt, reason="")
    assert error.message.startswith(prefix)
    reason = error.message.removeprefix(prefix)
    assert reason
    assert "\n" not in error.message
    assert "Traceback" not in error.message
    assert not re.match(r"\[\d\d:\d\d:\d\d\]", reason)  # no clock time from xgboost
    assert error.file == str(path)
    assert capfd.readouterr().out == ""  # stdout stays clean (LightGBM writes to stderr)


def test_corrupt_pickle_names_pickle_s_exact_reason(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.pkl"
    path.write_bytes(b"not a pickle")
    with pytest.raises(pickle.UnpicklingError) as direct:
        pickle.loads(path.read_bytes())
    error = _raises(lambda: load_model(path, "pickle", trusted=True))
    assert error.message == UNREADABLE.format(format="pickle", reason=one_line(direct.value))


def test_model_without_predict_proba(
    synthetic: tuple[pd.DataFrame, pd.Series], tmp_path: Path
) -> None:
    frame, target = synthetic
    path = _skops(LinearSVC().fit(frame, target), tmp_path / "svc.skops")
    error = _raises(lambda: load_model(path))
    assert error.message == NO_PREDICT_PROBA.format(kind="LinearSVC")
    assert error.file == str(path)


def test_positive_label_not_among_the_classes(
    pipeline: Pipeline, german: pd.DataFrame, tmp_path: Path
) -> None:
    loaded = load_model(_skops(pipeline, tmp_path / "p.skops"))
    error = _raises(lambda: loaded.scores(german, positive_label="yes"))
    assert error.message == UNKNOWN_POSITIVE_LABEL.format(label="yes", classes="0, 1")
    assert error.file == str(loaded.path)


class ProbaOnly:
    """A model that knows probabilities but not its class labels (no ``classes_``)."""

    def predict_proba(self, X: Any) -> np.ndarray:
        p = 1.0 / (1.0 + np.exp(-np.asarray(X, dtype=np.float64)[:, 0]))
        return np.column_stack([1.0 - p, p])


def test_without_class_labels_the_columns_count_as_0_to_k(
    synthetic: tuple[pd.DataFrame, pd.Series], tmp_path: Path
) -> None:
    frame, _ = synthetic
    path = _dump("pickle", ProbaOnly(), tmp_path / "bare.pkl")
    loaded = load_model(path, "pickle", trusted=True)
    assert loaded.classes is None
    assert loaded.feature_names is None
    expected = ProbaOnly().predict_proba(frame)
    np.testing.assert_array_equal(loaded.scores(frame, positive_label=1), expected[:, 1])
    np.testing.assert_array_equal(loaded.scores(frame, positive_label=0), expected[:, 0])
    error = _raises(lambda: loaded.scores(frame, positive_label=2))
    assert error.message == UNKNOWN_POSITIVE_LABEL.format(label=2, classes="0, 1")


def test_onnx_without_label_attributes_takes_labels_from_the_output_width(
    onnx: Any, german: pd.DataFrame, y: pd.Series, tmp_path: Path
) -> None:
    data = german[NUMERIC].to_numpy(dtype=np.float64)
    model = LogisticRegression(max_iter=1000).fit(data, y)
    # A float64 LogisticRegression becomes MatMul + Sigmoid: no label attributes.
    types = [("X", onnx.DoubleTensorType([None, 3]))]
    loaded = load_model(_onnx(model, tmp_path / "plain.onnx", types, zipmap=False), "onnx")
    assert loaded.classes == (0, 1)
    error = _raises(lambda: loaded.scores(german, positive_label=2, features=NUMERIC))
    assert error.message == UNKNOWN_POSITIVE_LABEL.format(label=2, classes="0, 1")


def test_missing_features_are_listed_sorted(
    pipeline: Pipeline, german: pd.DataFrame, tmp_path: Path
) -> None:
    loaded = load_model(_skops(pipeline, tmp_path / "p.skops"))
    frame = german[["savings", "age", "duration_months", "checking_status"]]
    error = _raises(lambda: loaded.scores(frame, positive_label=1))
    assert error.message == MISSING_FEATURES.format(
        missing="'credit_amount', 'purpose'",
        available="age, checking_status, duration_months, savings",
    )
    error = _raises(lambda: loaded.scores(german, positive_label=1, features=["zeta", "alpha"]))
    assert error.message.startswith("the data lacks feature column(s) 'alpha', 'zeta'; ")


def _dummy(frame: pd.DataFrame, target: pd.Series, prior: list[float]) -> DummyClassifier:
    """A real DummyClassifier whose fitted class prior is edited to ``prior``."""
    model = DummyClassifier(strategy="prior").fit(frame, target)
    model.class_prior_ = np.asarray(prior)
    return model


def test_nan_scores_are_refused(synthetic: tuple[pd.DataFrame, pd.Series], tmp_path: Path) -> None:
    frame, target = synthetic
    loaded = load_model(_skops(_dummy(frame, target, [np.nan, np.nan]), tmp_path / "nan.skops"))
    error = _raises(lambda: loaded.scores(frame, positive_label=1))
    assert error.message == SCORES_NAN.format(count=len(frame))
    assert error.file == str(loaded.path)


def test_scores_outside_zero_one_are_refused(
    synthetic: tuple[pd.DataFrame, pd.Series], tmp_path: Path
) -> None:
    frame, target = synthetic
    loaded = load_model(_skops(_dummy(frame, target, [-0.5, 1.5]), tmp_path / "range.skops"))
    error = _raises(lambda: loaded.scores(frame, positive_label=1))
    assert error.message == SCORES_RANGE.format(count=len(frame), low=1.5, high=1.5)


def test_probabilities_of_the_wrong_shape_are_refused(
    synthetic: tuple[pd.DataFrame, pd.Series], tmp_path: Path
) -> None:
    frame, target = synthetic
    model = _dummy(frame, target, [0.2, 0.3, 0.5])
    loaded = load_model(_skops(model, tmp_path / "shape.skops"))
    error = _raises(lambda: loaded.scores(frame, positive_label=1))
    assert error.message == BAD_PROBA_SHAPE.format(shape=(len(frame), 3), rows=len(frame))


def test_model_failing_on_the_data(german: pd.DataFrame, y: pd.Series, tmp_path: Path) -> None:
    strict = Pipeline(
        [
            ("prep", ColumnTransformer([("onehot", OneHotEncoder(), CATEGORICAL)])),
            ("clf", LogisticRegression(max_iter=1000)),
        ]
    ).fit(german[CATEGORICAL], y)
    loaded = load_model(_skops(strict, tmp_path / "strict.skops"))
    unseen = german.assign(purpose="time_travel")
    with pytest.raises(ValueError, match="unknown categor") as direct:
        strict.predict_proba(unseen[CATEGORICAL])
    error = _raises(lambda: loaded.scores(unseen, positive_label=1))
    assert error.message == SCORING_FAILED.format(reason=one_line(direct.value))


@pytest.mark.parametrize(
    ("fmt", "module", "extra", "feature"),
    [
        ("xgboost", "xgboost", "xgboost", "Loading xgboost models"),
        ("lightgbm", "lightgbm", "lightgbm", "Loading lightgbm models"),
        ("onnx", "onnxruntime", "onnx", "Loading ONNX models"),
        ("onnx", "onnx", "onnx", "Loading ONNX models"),
    ],
)
def test_missing_optional_library(
    fmt: str,
    module: str,
    extra: str,
    feature: str,
    in_format: InFormat,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = in_format(fmt)[0].path
    monkeypatch.setitem(sys.modules, module, None)  # import now raises ImportError
    error = _raises(lambda: load_model(path, fmt), MissingExtraError)  # type: ignore[arg-type]
    assert str(error) == str(MissingExtraError(feature=feature, extra=extra, module=module))
    assert error.extra == extra
