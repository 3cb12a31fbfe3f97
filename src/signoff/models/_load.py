"""Reading a model file: the trust rules, the format loaders, the checks.

The file is read once; the SHA-256 digest and the model both come from those
same bytes, so the digest in a manifest is the digest of what was scored.
"""

from __future__ import annotations

import hashlib
import io
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any, get_args

from ..config import ModelFormat
from ..errors import ConfigError, ModelError, SignoffError
from ._boosters import load_lightgbm, load_xgboost
from ._common import one_line
from ._loaded import LoadedModel
from ._onnx import load_onnx
from ._skops import import_skops_io

__all__ = ["load_model"]

NOT_FOUND = "model file not found"
UNKNOWN_FORMAT = "unknown model format {format!r}; expected one of: {expected}"
UNREADABLE = "could not be read as {format}: {reason}"
RUNS_CODE = (
    "{format} files run code when they are loaded, so signoff does not open them unless "
    "told to; convert the model to skops (skops.io.dump), or set `model.trusted: true` in "
    "the config (or pass --trust-model) only for files you produced yourself"
)
UNTRUSTED_TYPES = (
    "the skops file contains types that skops does not trust by default, because a "
    "crafted file could use them to run code or crash the process: {types}; set "
    "`model.trusted: true` in the config (or pass --trust-model) only for files you "
    "produced yourself"
)
NO_PREDICT_PROBA = (
    "the model ({kind}) has no predict_proba method; "
    "signoff needs a classifier that outputs probabilities"
)

FORMATS: tuple[str, ...] = get_args(ModelFormat)

Loader = Callable[[bytes, Path, bool], Any]


def load_model(
    path: str | Path, format: ModelFormat = "skops", *, trusted: bool = False
) -> LoadedModel:
    """Read a model file into a :class:`LoadedModel`.

    Parameters
    ----------
    path : str or Path
        The model file.
    format : {"skops", "joblib", "pickle", "xgboost", "lightgbm", "onnx"}
        How to read it.  ``skops`` is the safe default for scikit-learn
        models; ``xgboost`` / ``lightgbm`` read native booster files and
        ``onnx`` an ONNX graph (these three hold no code).
    trusted : bool
        Allow what can run code or crash the process when a crafted file is
        loaded: joblib and pickle files, and skops files with types skops does
        not trust by default (it does not, for one, trust the tree structures
        of tree-based sklearn models).  Only for files you produced yourself.

    Returns
    -------
    LoadedModel

    Raises
    ------
    ConfigError
        ``format`` is not one of the formats above.
    ModelError
        The file is missing, refused as untrusted, unreadable as ``format``,
        or not a classifier with ``predict_proba``.
    MissingExtraError
        The library for ``xgboost``, ``lightgbm`` or ``onnx`` is not installed.
    """
    path = Path(path)
    if format not in FORMATS:
        raise ConfigError(
            UNKNOWN_FORMAT.format(format=format, expected=", ".join(FORMATS)),
            field="model.format",
        )
    if not path.is_file():
        raise ModelError(NOT_FOUND, file=path)
    if format in ("joblib", "pickle") and not trusted:
        raise ModelError(RUNS_CODE.format(format=format), file=path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ModelError(
            UNREADABLE.format(format=format, reason=one_line(exc)), file=path
        ) from None
    try:
        estimator = _LOADERS[format](data, path, trusted)
    except SignoffError:
        raise
    except Exception as exc:  # each library raises its own types for a bad file
        raise ModelError(
            UNREADABLE.format(format=format, reason=one_line(exc)), file=path
        ) from None
    if not hasattr(estimator, "predict_proba"):
        raise ModelError(NO_PREDICT_PROBA.format(kind=type(estimator).__name__), file=path)
    names = getattr(estimator, "feature_names_in_", None)
    classes = getattr(estimator, "classes_", None)
    return LoadedModel(
        path=path,
        format=format,
        sha256=hashlib.sha256(data).hexdigest(),
        feature_names=None if names is None else tuple(str(n) for n in names),
        classes=None if classes is None else tuple(_plain(c) for c in classes),
        estimator=estimator,
    )


def _plain(value: Any) -> Any:
    """A NumPy scalar as the Python value it holds (``np.int64(1)`` → ``1``)."""
    item = getattr(value, "item", None)
    return item() if callable(item) else value


def _load_skops(data: bytes, path: Path, trusted: bool) -> Any:
    skops_io = import_skops_io()
    untrusted = sorted(skops_io.get_untrusted_types(data=data))
    if untrusted and not trusted:
        raise ModelError(UNTRUSTED_TYPES.format(types=", ".join(untrusted)), file=path)
    return skops_io.loads(data, trusted=untrusted)


def _load_joblib(data: bytes, path: Path, trusted: bool) -> Any:
    import joblib

    return joblib.load(io.BytesIO(data))


def _load_pickle(data: bytes, path: Path, trusted: bool) -> Any:
    return pickle.loads(data)  # only reached with trusted=True


_LOADERS: dict[str, Loader] = {
    "skops": _load_skops,
    "joblib": _load_joblib,
    "pickle": _load_pickle,
    "xgboost": load_xgboost,
    "lightgbm": load_lightgbm,
    "onnx": load_onnx,
}
