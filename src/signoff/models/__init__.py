"""Models: read a model file and turn a DataFrame into scores.

:func:`load_model` reads a file in one of six formats into a
:class:`LoadedModel`, which records the file's SHA-256 digest, the feature
names and class labels the model knows, and a fitted scikit-learn-compatible
classifier (``LoadedModel.estimator``) that :meth:`LoadedModel.scores` and
permutation importance both use.

=========  ==================================  =====================================
format     read with                           estimator
=========  ==================================  =====================================
skops      ``skops.io.loads``                  the saved object
joblib     ``joblib.load`` (trusted only)      the saved object
pickle     ``pickle.loads`` (trusted only)     the saved object
xgboost    ``XGBClassifier.load_model``        ``xgboost.XGBClassifier``
lightgbm   ``lightgbm.Booster(model_str=…)``   ``LightGBMClassifier`` adapter
onnx       ``onnxruntime.InferenceSession``    ``OnnxClassifier`` adapter
=========  ==================================  =====================================

Trust: joblib and pickle files run code when loaded and are refused unless
``trusted``; a skops file is refused when it holds types skops does not trust
by default (for example the tree structures of tree-based sklearn models,
which a crafted file could use to crash the process), again unless
``trusted``.  Native booster and ONNX files hold no code.

:func:`score_parquet` scores Parquet files larger than memory, 65,536 rows at a
time, into one Parquet file; :func:`score_source` does the same for a data set of
Parquet or CSV files (CSV copied to Parquet out of core first).
"""

from ._batches import score_parquet, score_source
from ._boosters import LightGBMClassifier
from ._load import load_model
from ._loaded import LoadedModel
from ._onnx import OnnxClassifier

__all__ = [
    "LightGBMClassifier",
    "LoadedModel",
    "OnnxClassifier",
    "load_model",
    "score_parquet",
    "score_source",
]
