"""Proxy detection: how strongly each feature tracks a protected attribute.

A feature that predicts a protected attribute lets a model treat groups
differently without seeing the attribute (in the German credit data
``personal_status`` encodes ``sex`` exactly).  Each (feature, attribute) pair
gets a 0–1 association: Cramér's V for a categorical feature, the correlation
ratio η for a numeric one.  Protected attributes are always categorical here
(numeric ones are banded before this step), given as integer codes ``0..k-1``;
a negative code (pandas' ``-1``) marks a missing row, which is left out.
Both measures come from ``np.bincount`` counts and sums, never from a loop
over groups.  Where a measure is undefined (no rows, one group or category,
a constant feature) the result is ``None``: no exception, no warning.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ProxyAssociation", "correlation_ratio", "cramers_v", "proxy_associations"]

ProxyMeasure = Literal["cramers_v", "correlation_ratio"]

NOT_ONE_DIMENSIONAL = "{name} must be one-dimensional, got {ndim} dimensions"
NOT_INTEGER_CODES = "{name} must hold integer codes 0..k-1 (negative: missing), got {dtype}"
LENGTH_MISMATCH = "{name} has {got} rows, expected {expected}"

_NUMERIC_KINDS = frozenset("iufmM")  # integers, floats, timedeltas, datetimes


@dataclass(frozen=True)
class ProxyAssociation:
    """The association between one feature and one protected attribute.

    Attributes
    ----------
    feature : str
        The feature column's name.
    attribute : str
        The protected attribute's name.
    measure : {"cramers_v", "correlation_ratio"}
        Cramér's V for a categorical feature, the correlation ratio η for a
        numeric one.
    value : float or None
        The association in ``[0, 1]``; ``None`` where it is undefined.
    """

    feature: str
    attribute: str
    measure: ProxyMeasure
    value: float | None

    def to_dict(self) -> dict[str, Any]:
        """The association as a JSON-ready dict with a fixed key order."""
        return {
            "feature": self.feature,
            "attribute": self.attribute,
            "measure": self.measure,
            "value": self.value,
        }


def _checked(codes: npt.ArrayLike, name: str) -> npt.NDArray[Any]:
    """``codes`` as an array, checked to be one-dimensional integer (or boolean) codes."""
    array = np.asarray(codes)
    if array.ndim != 1:
        raise ValueError(NOT_ONE_DIMENSIONAL.format(name=name, ndim=array.ndim))
    if array.size and array.dtype.kind not in "iub":
        raise ValueError(NOT_INTEGER_CODES.format(name=name, dtype=array.dtype))
    return array


def _codes(codes: npt.ArrayLike, name: str) -> npt.NDArray[np.int64]:
    return _checked(codes, name).astype(np.int64, copy=False)


def _check_length(array: npt.NDArray[Any], name: str, expected: int) -> None:
    if array.shape[0] != expected:
        raise ValueError(LENGTH_MISMATCH.format(name=name, got=array.shape[0], expected=expected))


def cramers_v(x: npt.ArrayLike, y: npt.ArrayLike) -> float | None:
    """Cramér's V between two categorical variables given as integer codes.

    ``V = sqrt(chi2 / (n * (min(r, c) - 1)))`` with the uncorrected Pearson
    χ² of the ``r × c`` contingency table of the observed categories; the
    same value as ``scipy.stats.contingency.association(table,
    method="cramer")``.  No small-sample bias correction: a feature with many
    rare categories (an id, a postcode) scores high by chance alone.

    Parameters
    ----------
    x, y : array-like of int, shape (n,)
        Category codes ``0..k-1``; rows where either is negative are left out.

    Returns
    -------
    float or None
        V in ``[0, 1]``, or ``None`` when fewer than two categories of ``x``
        or of ``y`` are observed.
    """
    x_codes = _codes(x, "x")
    y_codes = _codes(y, "y")
    _check_length(y_codes, "y", x_codes.shape[0])
    keep = (x_codes >= 0) & (y_codes >= 0)
    x_codes, y_codes = x_codes[keep], y_codes[keep]
    if x_codes.size == 0:
        return None
    x_levels, y_levels = int(x_codes.max()) + 1, int(y_codes.max()) + 1
    cells = np.bincount(x_codes * y_levels + y_codes, minlength=x_levels * y_levels)
    table = cells.reshape(x_levels, y_levels).astype(np.float64)
    rows, cols = table.sum(axis=1), table.sum(axis=0)
    table = table[rows > 0][:, cols > 0]
    rows, cols = rows[rows > 0], cols[cols > 0]
    k = min(table.shape)
    if k < 2:
        return None
    n = float(rows.sum())
    expected = np.outer(rows, cols) / n
    chi2 = float(((table - expected) ** 2 / expected).sum())
    return float(np.sqrt(min(1.0, chi2 / (n * (k - 1)))))


def correlation_ratio(groups: npt.ArrayLike, values: npt.ArrayLike) -> float | None:
    """The correlation ratio η of numeric values across groups.

    ``η² = SS_between / SS_total``: the R² of an OLS fit of ``values`` on
    group dummies (one-way ANOVA).  For two groups η equals ``|point-biserial
    r|``.  Shifting or scaling ``values`` does not change η.

    Parameters
    ----------
    groups : array-like of int, shape (n,)
        Group codes ``0..k-1``; rows with a negative code are left out.
    values : array-like of float, shape (n,)
        The numeric variable; rows where it is NaN or infinite are left out.

    Returns
    -------
    float or None
        η in ``[0, 1]``, or ``None`` when no rows remain, fewer than two
        groups are observed, or the values are constant.
    """
    codes = _codes(groups, "groups")
    data = np.asarray(values, dtype=np.float64)
    if data.ndim != 1:
        raise ValueError(NOT_ONE_DIMENSIONAL.format(name="values", ndim=data.ndim))
    _check_length(data, "values", codes.shape[0])
    keep = (codes >= 0) & np.isfinite(data)
    codes, data = codes[keep], data[keep]
    if data.size == 0 or data.min() == data.max():
        return None
    counts = np.bincount(codes)
    present = counts > 0
    if np.count_nonzero(present) < 2:
        return None
    scaled = data / np.abs(data).max()  # η is scale-free; this keeps the sums finite
    centred = scaled - scaled.mean()
    sums = np.bincount(codes, weights=centred)
    ss_between = float((sums[present] ** 2 / counts[present]).sum())
    ss_total = float((centred**2).sum())
    if not ss_total > 0.0:  # values too close together to resolve in float64
        return None
    return float(np.sqrt(min(1.0, ss_between / ss_total)))


def _numeric_values(series: pd.Series[Any]) -> npt.NDArray[np.float64]:
    if series.dtype.kind == "M":  # datetimes: seconds since the earliest (η is shift-free)
        series = series - series.min()
    if series.dtype.kind in "mM":
        series = series.dt.total_seconds()
    return series.to_numpy(dtype=np.float64, na_value=np.nan)


def proxy_associations(
    features: pd.DataFrame, protected: Mapping[str, npt.ArrayLike]
) -> tuple[ProxyAssociation, ...]:
    """Measure how strongly every feature tracks every protected attribute.

    A column is numeric when its dtype holds integers, floats, datetimes or
    timedeltas (datetimes as seconds), and categorical otherwise (object,
    string, category, bool, ...).  A numeric column with few distinct values
    (a 1–4 rating, a 0/1 flag) stays numeric and gets η; cast it to
    ``"category"`` first to measure it with Cramér's V instead.  For a 0/1
    flag against a two-group attribute the two measures agree.

    Parameters
    ----------
    features : pandas.DataFrame
        The model's features, one row per evaluation row; leave the
        protected attributes themselves out.
    protected : mapping of str to array-like of int
        Attribute name → group codes ``0..k-1``, one per row of ``features``;
        a negative code marks a missing group.

    Returns
    -------
    tuple of ProxyAssociation
        One per (feature, attribute) pair, ordered by feature (frame column
        order) then attribute (mapping order).  Rows where the feature or the
        group is missing are left out of that pair only.
    """
    import pandas as pd

    n_rows = len(features)
    checked = {name: _checked(codes, f"protected[{name!r}]") for name, codes in protected.items()}
    for name, codes in checked.items():
        _check_length(codes, f"protected[{name!r}]", n_rows)
    if features.shape[1] == 0:  # (no copy of every attribute's codes for nothing)
        return ()
    attributes = {name: codes.astype(np.int64, copy=False) for name, codes in checked.items()}
    results: list[ProxyAssociation] = []
    for position, column in enumerate(features.columns):
        series = features.iloc[:, position]
        numeric = series.dtype.kind in _NUMERIC_KINDS
        measure: ProxyMeasure = "correlation_ratio" if numeric else "cramers_v"
        metric = correlation_ratio if numeric else cramers_v  # both take (codes, data)
        data = _numeric_values(series) if numeric else pd.factorize(series)[0]
        results.extend(
            ProxyAssociation(str(column), name, measure, metric(groups, data))
            for name, groups in attributes.items()
        )
    return tuple(results)
