"""ONNX models, as written by skl2onnx from scikit-learn classifiers.

Two input layouts are understood:

* one tensor input ``[n, n_features]``: the features, in order (the model does
  not record their names);
* one input per column, each ``[n, 1]`` (what skl2onnx makes of a pipeline that
  starts with a ``ColumnTransformer``): the input names are the feature names.

The probability output is the first output that is either a float tensor
``[n, n_classes]`` or a ZipMap (a sequence of ``{label: probability}`` maps).
Class labels come from the graph (the ZipMap's labels, else the classifier
node's ``classlabels_*``); when the graph does not record them the columns are
taken to be labels ``0 … k-1``.  ONNX files hold no code, so ``trusted`` does
not apply.  skl2onnx computes in float32 by default, so scores agree with the
original estimator to about 1e-6, not to the last bit.

External data (tensors kept in side files, for models over 2 GB) is read only from
the model file's own folder: a location that is absolute, holds ``..`` or resolves
(through a link) outside that folder is refused, and the data is embedded before the
runtime sees the model, so onnxruntime never resolves a path itself (it would resolve
it against the current folder).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ..errors import ModelError
from ._common import FileClassifier, require

__all__ = ["OnnxClassifier", "load_onnx"]

NO_PROBABILITY_OUTPUT = (
    "the ONNX model has no probability output (a float tensor [n, classes] or a ZipMap); "
    "outputs: {outputs}"
)
UNSUPPORTED_INPUT = "the ONNX input {name!r} has type {type}, which signoff cannot feed"
EXTERNAL_OUTSIDE = (
    "tensor {tensor!r} keeps its data in {location!r}, outside the model's folder; "
    "external data must sit next to the model file"
)
EXTERNAL_MISSING = "tensor {tensor!r} keeps its data in {location!r}, which does not exist"
EXTERNAL_UNREADABLE = "the external data of the ONNX model cannot be read: {reason}"

_FEATURE = "Loading ONNX models"
_DTYPES: dict[str, Any] = {
    "tensor(float)": np.float32,
    "tensor(double)": np.float64,
    "tensor(int64)": np.int64,
    "tensor(int32)": np.int32,
    "tensor(bool)": np.bool_,
    "tensor(string)": object,
}
_CLASSIFIERS = ("LinearClassifier", "SVMClassifier", "TreeEnsembleClassifier")


def load_onnx(data: bytes, path: Path, trusted: bool) -> OnnxClassifier:
    """An :class:`OnnxClassifier` over an ONNX file's bytes."""
    onnx = require("onnx", feature=_FEATURE, extra="onnx")
    data = _embed_external_data(onnx, data, path)
    session = _new_session(data)
    inputs = session.get_inputs()
    for node in inputs:
        if node.type not in _DTYPES:
            raise ModelError(UNSUPPORTED_INPUT.format(name=node.name, type=node.type), file=path)
    outputs = session.get_outputs()
    chosen = [o for o in outputs if o.type.startswith("seq(map(") or _is_proba_tensor(o)]
    if not chosen:
        listed = ", ".join(f"{o.name} {o.type}" for o in outputs)
        raise ModelError(NO_PROBABILITY_OUTPUT.format(outputs=listed), file=path)
    output = chosen[0]
    zipmap = output.type.startswith("seq(map(")
    classes = _class_labels(onnx.load_model_from_string(data))
    if classes is None and not zipmap and isinstance(output.shape[1], int):
        classes = tuple(range(output.shape[1]))
    model = OnnxClassifier(
        model=data,
        output=output.name,
        zipmap=zipmap,
        classes=classes,
        feature_names=tuple(node.name for node in inputs) if len(inputs) > 1 else None,
    )
    model.__dict__["_session"] = session  # already built: do not parse the model twice
    return model


def _tensors(graph: Any) -> Any:
    """Every tensor of a graph and its subgraphs (initializers and node attributes)."""
    yield from graph.initializer
    for sparse in graph.sparse_initializer:
        yield sparse.values
        yield sparse.indices
    for node in graph.node:
        for attribute in node.attribute:
            if attribute.HasField("t"):
                yield attribute.t
            yield from attribute.tensors
            if attribute.HasField("g"):
                yield from _tensors(attribute.g)
            for subgraph in attribute.graphs:
                yield from _tensors(subgraph)


def _embed_external_data(onnx: Any, data: bytes, path: Path) -> bytes:
    """The model with its external data read from ``path``'s folder only, embedded."""
    try:
        proto = onnx.load_model_from_string(data)
    except Exception:  # not ONNX at all: the runtime gives the clearer message
        return data
    folder = path.parent.resolve()
    external = [t for t in _tensors(proto.graph) if t.data_location == onnx.TensorProto.EXTERNAL]
    if not external:
        return data
    for tensor in external:
        location = next((e.value for e in tensor.external_data if e.key == "location"), "")
        target = (folder / location).resolve()
        parts = Path(location).parts
        if not location or Path(location).is_absolute() or ".." in parts:
            message = EXTERNAL_OUTSIDE.format(tensor=tensor.name, location=location)
            raise ModelError(message, file=path)
        if not target.is_relative_to(folder):
            message = EXTERNAL_OUTSIDE.format(tensor=tensor.name, location=location)
            raise ModelError(message, file=path)
        if not target.is_file():
            message = EXTERNAL_MISSING.format(tensor=tensor.name, location=location)
            raise ModelError(message, file=path)
    try:
        onnx.external_data_helper.load_external_data_for_model(proto, str(folder))
        embedded: bytes = proto.SerializeToString()
    except Exception as exc:  # a short file, a bad offset, a model over 2 GB
        raise ModelError(EXTERNAL_UNREADABLE.format(reason=exc), file=path) from None
    return embedded


def _new_session(data: bytes) -> Any:
    ort = require("onnxruntime", feature=_FEATURE, extra="onnx")
    options = ort.SessionOptions()
    options.log_severity_level = 3  # errors only: no warnings on stderr
    return ort.InferenceSession(data, sess_options=options, providers=["CPUExecutionProvider"])


def _is_proba_tensor(output: Any) -> bool:
    return output.type in ("tensor(float)", "tensor(double)") and len(output.shape) == 2


def _class_labels(proto: Any) -> tuple[Any, ...] | None:
    """Labels recorded by the ZipMap node, else by the last classifier node."""
    nodes = [
        node
        for node in proto.graph.node
        if node.domain == "ai.onnx.ml" and node.op_type in ("ZipMap", *_CLASSIFIERS)
    ]
    zipmaps = [node for node in nodes if node.op_type == "ZipMap"]
    for node in zipmaps[:1] or nodes[::-1]:
        for attribute in node.attribute:
            if attribute.name.startswith("classlabels_"):
                values = list(attribute.ints) or [s.decode("utf-8") for s in attribute.strings]
                if values:
                    return tuple(values)
    return None


class OnnxClassifier(FileClassifier):
    """An ONNX graph behind the scikit-learn classifier API.

    Parameters
    ----------
    model : bytes
        The serialized ONNX model.  The onnxruntime session is built from it
        when first needed and is not pickled, so the adapter can be sent to
        worker processes (``n_jobs`` in permutation importance).
    output : str
        Name of the probability output.
    zipmap : bool
        Whether that output is a ZipMap (a sequence of ``{label: p}`` maps)
        rather than a ``[n, classes]`` tensor.
    classes : tuple or None
        Labels of the probability columns, ``None`` when unknown.
    feature_names : tuple of str or None
        The input names of a graph with one input per column, else ``None``.
    """

    def __init__(
        self,
        model: bytes = b"",
        output: str = "",
        zipmap: bool = False,
        classes: tuple[Any, ...] | None = None,
        feature_names: tuple[str, ...] | None = None,
    ) -> None:
        self.model = model
        self.output = output
        self.zipmap = zipmap
        self.classes = classes
        self.feature_names = feature_names
        if feature_names is not None:
            self.feature_names_in_ = np.asarray(feature_names, dtype=object)

    def session(self) -> Any:
        """The onnxruntime session over :attr:`model`, built once per process."""
        session = self.__dict__.get("_session")
        if session is None:
            session = self.__dict__["_session"] = _new_session(self.model)
        return session

    def __getstate__(self) -> dict[str, Any]:
        state: dict[str, Any] = dict(super().__getstate__())
        state.pop("_session", None)
        return state

    def predict_proba(self, X: Any) -> NDArray[np.float64]:
        """Probability of each class, one float64 column per class."""
        session = self.session()
        inputs = session.get_inputs()
        if len(inputs) == 1:
            feed = {inputs[0].name: _as_input(X, inputs[0])}
        else:
            frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(X)
            columns = [
                frame[node.name] if node.name in frame else frame.iloc[:, i]
                for i, node in enumerate(inputs)
            ]
            feed = {
                node.name: _as_input(col, node) for node, col in zip(inputs, columns, strict=True)
            }
        (result,) = session.run([self.output], feed)
        if not self.zipmap:
            return np.asarray(result, dtype=np.float64)
        labels = self.classes if self.classes is not None else tuple(result[0] if result else ())
        table = pd.DataFrame.from_records(result, columns=list(labels))
        return table.to_numpy(dtype=np.float64)


def _as_input(values: Any, node: Any) -> Any:
    """``values`` as the array an ONNX input of this type and rank accepts."""
    dtype = _DTYPES[node.type]
    if isinstance(values, pd.Series | pd.DataFrame):
        array = values.astype(str).to_numpy(dtype=object) if dtype is object else values.to_numpy()
    else:
        array = np.asarray(values)
        if dtype is object:
            array = array.astype(str).astype(object)
    array = array.astype(dtype, copy=False)
    if len(node.shape) == 2 and array.ndim == 1:
        array = array.reshape(-1, 1)
    return array
