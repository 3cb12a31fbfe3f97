"""A loaded model, and how it turns a DataFrame into scores."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ..config import ModelFormat
from ..errors import ModelError
from ._common import one_line

__all__ = ["LoadedModel"]

MISSING_FEATURES = "the data lacks feature column(s) {missing}; available columns: {available}"
UNKNOWN_POSITIVE_LABEL = "positive label {label!r} is not one of the model's classes: {classes}"
SCORING_FAILED = "the model could not score the data: {reason}"
BAD_PROBA_SHAPE = (
    "the model's predict_proba returned an array of shape {shape}; "
    "expected ({rows}, number of classes)"
)
SCORES_NAN = "the model returned {count} NaN score(s); expected probabilities in [0, 1]"
SCORES_RANGE = (
    "the model returned {count} score(s) outside [0, 1] (from {low!r} to {high!r}); "
    "expected probabilities"
)

# Probabilities computed in float32 (ONNX) or through a softmax may miss [0, 1]
# by a rounding error; such values are clipped, anything further out is refused.
RANGE_TOLERANCE = 1e-6


@dataclass(frozen=True)
class LoadedModel:
    """A model file, read and ready to score.

    Attributes
    ----------
    path : Path
        The model file.
    format : str
        How it was read: one of ``skops``, ``joblib``, ``pickle``, ``xgboost``,
        ``lightgbm``, ``onnx``.
    sha256 : str
        Hex SHA-256 digest of the exact bytes that were loaded.
    feature_names : tuple of str or None
        The input columns the model records (sklearn ``feature_names_in_``,
        booster feature names, the ONNX inputs of a per-column graph), or
        ``None`` when the file does not say.
    classes : tuple or None
        The class labels in the order of the probability columns, or ``None``
        when the file does not say (the columns then count as ``0 … k-1``).
    estimator : object
        A fitted scikit-learn-compatible classifier (``predict_proba``,
        ``predict``, ``classes_``, ``fit``): the object itself for skops,
        joblib and pickle files, an ``xgboost.XGBClassifier`` for xgboost
        files, and an adapter (``LightGBMClassifier``, ``OnnxClassifier``)
        otherwise.  Pass it, with :meth:`inputs`, to
        ``sklearn.inspection.permutation_importance``.
    """

    path: Path
    format: ModelFormat
    sha256: str
    feature_names: tuple[str, ...] | None
    classes: tuple[Any, ...] | None
    estimator: Any = field(repr=False, compare=False)

    def inputs(
        self, frame: pd.DataFrame, *, features: Sequence[str] | None = None
    ) -> pd.DataFrame | NDArray[Any]:
        """The model's input: the feature columns of ``frame``, in order.

        Parameters
        ----------
        frame : pandas.DataFrame
            The evaluation data.
        features : sequence of str, optional
            The input columns.  Default: the model's :attr:`feature_names`
            when it records them, else every column of ``frame``.

        Returns
        -------
        pandas.DataFrame or numpy.ndarray
            A DataFrame with exactly those columns, in that order; a plain
            array when the model records no feature names (it was fitted on
            an array, and sklearn would warn about names it never saw).

        Raises
        ------
        ModelError
            A feature column is not in ``frame``.
        """
        if isinstance(features, str):
            features = [features]
        if features is not None:
            columns = list(features)
        elif self.feature_names is not None:
            columns = list(self.feature_names)
        else:
            columns = list(frame.columns)
        missing = [column for column in columns if column not in frame.columns]
        if missing:
            raise ModelError(
                MISSING_FEATURES.format(
                    missing=", ".join(repr(c) for c in sorted(map(str, missing))),
                    available=", ".join(sorted(map(str, frame.columns))),
                ),
                file=self.path,
            )
        selected = frame.loc[:, columns]
        return selected if self.feature_names is not None else selected.to_numpy()

    def scores(
        self,
        frame: pd.DataFrame,
        *,
        positive_label: object,
        features: Sequence[str] | None = None,
    ) -> NDArray[np.float64]:
        """Probability of ``positive_label`` for every row of ``frame``.

        Parameters
        ----------
        frame : pandas.DataFrame
            The evaluation data.
        positive_label : object
            The class whose probability is the score.  ``1`` also matches a
            class ``"1"`` (YAML and CSV may disagree on the type).
        features : sequence of str, optional
            The input columns; see :meth:`inputs`.

        Returns
        -------
        numpy.ndarray
            float64, shape ``(len(frame),)``, every value in [0, 1].

        Raises
        ------
        ModelError
            Missing feature columns, an unknown positive label, a model that
            fails on the data, or scores that are NaN or outside [0, 1].
        """
        column = None if self.classes is None else self._column(positive_label, self.classes)
        data = self.inputs(frame, features=features)
        try:
            proba = np.asarray(self.estimator.predict_proba(data), dtype=np.float64)
        except Exception as exc:  # whatever the model's library raises
            raise ModelError(SCORING_FAILED.format(reason=one_line(exc)), file=self.path) from None
        n_classes = len(self.classes) if self.classes is not None else None
        if (
            proba.ndim != 2
            or proba.shape[0] != len(frame)
            or proba.shape[1] < 2
            or (n_classes is not None and proba.shape[1] != n_classes)
        ):
            raise ModelError(
                BAD_PROBA_SHAPE.format(shape=proba.shape, rows=len(frame)), file=self.path
            )
        if column is None:
            column = self._column(positive_label, tuple(range(proba.shape[1])))
        return self._checked(proba[:, column].copy())

    def _column(self, label: object, classes: tuple[Any, ...]) -> int:
        """Index of ``label`` among ``classes``, also when only its text matches."""
        for i, known in enumerate(classes):
            if known == label:
                return i
        as_text = [i for i, known in enumerate(classes) if str(known) == str(label)]
        if len(as_text) == 1:
            return as_text[0]
        raise ModelError(
            UNKNOWN_POSITIVE_LABEL.format(label=label, classes=", ".join(repr(c) for c in classes)),
            file=self.path,
        )

    def _checked(self, scores: NDArray[np.float64]) -> NDArray[np.float64]:
        """``scores`` if they are probabilities (rounding errors clipped), else an error."""
        nan = np.isnan(scores)
        if nan.any():
            raise ModelError(SCORES_NAN.format(count=int(nan.sum())), file=self.path)
        outside = (scores < -RANGE_TOLERANCE) | (scores > 1 + RANGE_TOLERANCE)
        if outside.any():
            raise ModelError(
                SCORES_RANGE.format(
                    count=int(outside.sum()),
                    low=float(scores.min()),
                    high=float(scores.max()),
                ),
                file=self.path,
            )
        clipped: NDArray[np.float64] = np.clip(scores, 0.0, 1.0)
        return clipped
