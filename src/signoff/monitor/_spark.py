"""A window's profile computed by Spark: partial profiles per partition, merged on the driver.

A profile is counts (``_profile``): every part is a sum over rows, so the profile of a
DataFrame is the merge of its partitions' profiles.  Each partition's Arrow batches are
profiled on the executors by :func:`~._profile.profile_frame` itself (the same buckets,
the same code as the in-memory path) and sent back as canonical JSON, one small
document per partition; the driver merges them with :func:`~._serial.merge_profiles`.
Counts are exact; float sums agree with the in-memory profile up to the order of
addition.  The executors need signoff installed (``pip install 'signoff[spark]'``).
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np

from ..engines import SPARK_FRAME, check_names, spark_jobs
from ..errors import DataError, MissingExtraError
from ._counts import Profile
from ._profile import profile_frame
from ._serial import merge_profiles, profile_from_dict
from ._spec import ProfileSpec

__all__ = ["profile_spark"]

BAD_LABELS = "label column {column!r} is not in the DataFrame; its columns: {columns}"


def profile_spark(frame: Any, spec: ProfileSpec, *, label_column: str | None = None) -> Profile:
    """The profile of a Spark DataFrame, partition by partition (see the module docstring).

    ``label_column`` holds each row's label state (0 negative, 1 positive, 2 not yet
    labelled); without it every row is unlabelled, as in :func:`profile_frame`.
    """
    try:
        import pyarrow as pa
        from pyspark.sql import DataFrame  # noqa: F401  (the extra is installed)
    except ImportError:
        raise MissingExtraError("Profiles on Spark", "spark", "pyspark") from None
    check_names(frame.columns, SPARK_FRAME)  # a join's DataFrame: two columns of one name
    if label_column is not None and label_column not in frame.columns:
        shown = ", ".join(repr(c) for c in frame.columns)
        raise DataError(BAD_LABELS.format(column=label_column, columns=shown))

    def partition(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        from signoff.monitor import merge_profiles, profile_frame, profile_to_json

        found = None
        for batch in batches:
            rows = batch.to_pandas()
            labels = None
            if label_column is not None:
                labels = rows.pop(label_column).to_numpy(dtype=np.int8)
            here = profile_frame(rows, spec, labels=labels)
            found = here if found is None else merge_profiles(found, here)
        if found is not None:
            text = profile_to_json(found)
            yield pa.RecordBatch.from_arrays([pa.array([text], pa.binary())], ["profile"])

    with warnings.catch_warnings():  # PySpark warns about pandas 3; mapInArrow is Arrow's
        warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
        profiles = frame.mapInArrow(partition, "profile binary")
        with spark_jobs():  # executors that cannot import what ``partition`` needs
            documents = profiles.toArrow().column("profile")
    empty = frame.limit(0).toArrow().to_pandas()
    if label_column is not None:
        empty = empty.drop(columns=[label_column])
    merged = profile_frame(empty, spec, labels=np.empty(0, dtype=np.int8))
    for document in documents.to_pylist():
        merged = merge_profiles(merged, profile_from_dict(json.loads(document)))
    return merged
