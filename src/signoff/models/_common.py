"""Pieces every loader shares: one-line reasons, optional imports, the adapter base.

The adapter base, :class:`FileClassifier`, gives a model read from a non-sklearn
file (a LightGBM booster, an ONNX graph) the part of the scikit-learn classifier
API that scoring and :func:`sklearn.inspection.permutation_importance` use:
``predict_proba``, ``predict``, ``classes_`` and a ``fit`` that exists (sklearn
checks for it) but refuses, because a model read from a file is scored, never
refit.
"""

from __future__ import annotations

import importlib
import re
from types import ModuleType
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, ClassifierMixin

from ..errors import MissingExtraError

__all__ = ["FileClassifier", "one_line", "require"]

NOT_REFITTABLE = "{name} wraps a model read from a file; it can be scored but not refit"

# xgboost prefixes its messages with a clock time and a source location; both
# would make the same error read differently from run to run.
_NATIVE_PREFIX = re.compile(r"^\[\d{2}:\d{2}:\d{2}\] [^:\s]+:\d+: ")


def one_line(exc: BaseException) -> str:
    """The first non-empty line of an exception's message, for a person to read."""
    name = type(exc).__name__
    for line in str(exc).splitlines():
        line = _NATIVE_PREFIX.sub("", line.strip())
        if line:
            # A KeyError's message is only the key (joblib: "110"): say what it is.
            return f"{name}: {line}" if isinstance(exc, LookupError) else line
    return name


def require(module: str, *, feature: str, extra: str) -> ModuleType:
    """Import an optional package or raise :class:`MissingExtraError` naming its extra."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtraError(feature=feature, extra=extra, module=module) from None


class FileClassifier(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """Base of the adapters that make a model file look like a fitted sklearn classifier.

    Subclasses set ``classes`` (the labels of the probability columns, or
    ``None`` when the file does not record them) and implement
    :meth:`predict_proba`.
    """

    classes: tuple[Any, ...] | None

    @property
    def classes_(self) -> NDArray[Any]:
        """The class labels, in the order of the probability columns."""
        if self.classes is None:
            raise AttributeError("this model file does not record its class labels")
        return np.asarray(self.classes)

    def __sklearn_is_fitted__(self) -> bool:
        """A model read from a file is fitted by construction."""
        return True

    def fit(self, X: Any, y: Any = None) -> FileClassifier:
        """Refuse: present only because sklearn checks that estimators have ``fit``."""
        raise NotImplementedError(NOT_REFITTABLE.format(name=type(self).__name__))

    def predict_proba(self, X: Any) -> NDArray[np.float64]:
        """Probability of each class, one column per class."""
        raise NotImplementedError

    def predict(self, X: Any) -> NDArray[Any]:
        """The most probable class of each row."""
        proba = self.predict_proba(X)
        labels = self.classes_ if self.classes is not None else np.arange(proba.shape[1])
        result: NDArray[Any] = labels[np.argmax(proba, axis=1)]
        return result
