"""Native gradient-boosting files: xgboost (.json / .ubj) and LightGBM (text).

Neither format runs code when it is read, so neither needs ``trusted``.  Both
libraries encode class labels as 0 … k-1 before training, so those indices are
the classes a booster file knows.  Only objectives that output probabilities are
accepted: a regression or ranking booster, or a margin-only objective such as
``binary:logitraw``, is refused when loaded rather than scored as if its output
were a probability.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import ModelError
from ._common import FileClassifier, require

__all__ = ["LightGBMClassifier", "load_lightgbm", "load_xgboost"]

NOT_PROBABILISTIC = (
    "the model's objective {objective!r} does not output class probabilities; "
    "expected one of: {expected}"
)

XGBOOST_OBJECTIVES = ("binary:logistic", "multi:softprob")
LIGHTGBM_OBJECTIVES = ("binary", "cross_entropy", "multiclass", "multiclassova")

# LightGBM names features Column_0, Column_1, … when it was trained without names.
_UNNAMED = re.compile(r"Column_\d+")


def load_xgboost(data: bytes, path: Path, trusted: bool) -> Any:
    """An ``xgboost.XGBClassifier`` read from a native model file's bytes.

    Works for files written by ``XGBClassifier.save_model`` and by
    ``Booster.save_model`` alike (JSON or UBJSON).
    """
    xgboost = require("xgboost", feature="Loading xgboost models", extra="xgboost")
    model = xgboost.XGBClassifier()
    with xgboost.config_context(verbosity=0):  # no warnings printed by the native library
        model.load_model(bytearray(data))
    config = json.loads(model.get_booster().save_config())
    objective = str(config["learner"]["objective"]["name"])
    if objective not in XGBOOST_OBJECTIVES:
        raise ModelError(
            NOT_PROBABILISTIC.format(objective=objective, expected=", ".join(XGBOOST_OBJECTIVES)),
            file=path,
        )
    return model


def load_lightgbm(data: bytes, path: Path, trusted: bool) -> Any:
    """A :class:`LightGBMClassifier` read from a LightGBM text model file's bytes."""
    lightgbm = require("lightgbm", feature="Loading lightgbm models", extra="lightgbm")
    text = data.decode("utf-8")
    # On a corrupt file LightGBM's native code also writes a "[LightGBM] [Fatal]" line
    # to stderr (file descriptor 2, out of Python's reach); stdout stays clean.
    booster = lightgbm.Booster(model_str=text)
    header = _header(text)
    objective = header.get("objective", "custom").split(" ")[0]
    if objective not in LIGHTGBM_OBJECTIVES:
        raise ModelError(
            NOT_PROBABILISTIC.format(objective=objective, expected=", ".join(LIGHTGBM_OBJECTIVES)),
            file=path,
        )
    n_classes = max(2, int(header.get("num_class", "1")))
    names = [str(name) for name in booster.feature_name()]
    known = not all(_UNNAMED.fullmatch(name) for name in names)
    return LightGBMClassifier(
        booster=booster,
        classes=tuple(range(n_classes)),
        feature_names=tuple(names) if known else None,
    )


def _header(text: str) -> dict[str, str]:
    """The ``key=value`` lines before the first tree of a LightGBM model file."""
    header: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("Tree="):
            break
        key, sep, value = line.partition("=")
        if sep:
            header[key.strip()] = value.strip()
    return header


class LightGBMClassifier(FileClassifier):
    """A ``lightgbm.Booster`` behind the scikit-learn classifier API.

    Parameters
    ----------
    booster : lightgbm.Booster
        The booster read from the model file.
    classes : tuple
        Labels of the probability columns: ``0 … k-1``.
    feature_names : tuple of str or None
        The feature names the booster records, ``None`` when it was trained
        without names.
    """

    def __init__(
        self,
        booster: Any = None,
        classes: tuple[Any, ...] | None = None,
        feature_names: tuple[str, ...] | None = None,
    ) -> None:
        self.booster = booster
        self.classes = classes
        self.feature_names = feature_names
        if feature_names is not None:
            self.feature_names_in_ = np.asarray(feature_names, dtype=object)

    def predict_proba(self, X: Any) -> NDArray[np.float64]:
        """Probability of each class; a binary booster's ``p`` becomes ``[1 - p, p]``."""
        raw = np.asarray(self.booster.predict(X), dtype=np.float64)
        if raw.ndim == 1:
            return np.column_stack([1.0 - raw, raw])
        return raw
