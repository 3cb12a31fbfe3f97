"""The Spark engine, part 4: proxy statistics in Spark SQL, from a few aggregates.

The DuckDB engine's arithmetic (``_duck_proxy``), in Spark SQL over the view ``keyed``
(each row's joint combination ``k`` and the feature columns ``f0``, ``f1``, …): the
correlation ratio η of a numeric feature from three passes — each feature's largest
magnitude and range, the mean of the scaled values, then per ``k`` the count, sum and
sum of squares of the centred scaled values — and Cramér's V of a categorical one from
its (category, attribute group) counts, χ² = Σ_observed (O − E)²/E + (n − Σ_observed E).
A column is numeric exactly when pandas reads it as numbers (the Arrow type of its
Spark type), so each feature gets the NumPy path's measure.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..metrics import ProxyAssociation
from ._engine_evidence import correlation_ratios_from_sums
from ._spark import SparkReduced

__all__ = ["spark_proxies"]

_NUMERIC_KINDS = frozenset("iufmM")
_FINITE = "({x} IS NOT NULL AND NOT isnan({x}) AND abs({x}) < CAST('Infinity' AS DOUBLE))"


def _pandas_kind(field: Any) -> str:
    """The dtype kind pandas gives the column (as the NumPy path reads the Parquet file)."""
    import pyarrow as pa
    from pyspark.sql.pandas.types import to_arrow_type

    empty = pa.table({"c": pa.array([], type=to_arrow_type(field.dataType))})
    return str(empty.to_pandas()["c"].dtype.kind)


def _first(spark: Any, query: str) -> list[Any]:
    return list(spark.sql(query).first())


def _correlation_ratios(
    reduced: SparkReduced, numeric: dict[str, tuple[str, str]]
) -> dict[str, list[float | None]]:
    spark = reduced.spark
    names = list(numeric)
    xs = {
        f: f"CAST(unix_micros({col}) AS DOUBLE)" if kind == "M" else f"CAST({col} AS DOUBLE)"
        for f, (col, kind) in numeric.items()
    }
    ok = {f: _FINITE.format(x=xs[f]) for f in names}
    first = ", ".join(
        f"max(abs({xs[f]})) FILTER (WHERE {ok[f]}), min({xs[f]}) FILTER (WHERE {ok[f]}), "
        f"max({xs[f]}) FILTER (WHERE {ok[f]})"
        for f in names
    )
    found = _first(spark, f"SELECT {first} FROM keyed")
    ranges = {f: found[3 * i : 3 * i + 3] for i, f in enumerate(names)}
    live = [f for f in names if ranges[f][0] is not None and ranges[f][1] != ranges[f][2]]
    out: dict[str, list[float | None]] = {f: [None] * len(reduced.attributes) for f in names}
    if not live:
        return out
    scaled, tops = {}, {}
    for f in live:
        top, low, high = ranges[f]
        if numeric[f][1] == "M":  # seconds since the earliest, as pandas' total_seconds()
            scaled[f] = f"(({xs[f]} - CAST('{float(low)!r}' AS DOUBLE)) / 1000000.0D)"
            tops[f] = (float(high) - float(low)) / 1e6
        else:
            scaled[f] = xs[f]
            tops[f] = float(top)
    z = {f: f"({scaled[f]} / CAST('{tops[f]!r}' AS DOUBLE))" for f in live}
    means = _first(
        spark,
        "SELECT " + ", ".join(f"avg({z[f]}) FILTER (WHERE {ok[f]})" for f in live) + " FROM keyed",
    )
    c = {f: f"({z[f]} - CAST('{float(m)!r}' AS DOUBLE))" for f, m in zip(live, means, strict=True)}
    sums = ", ".join(
        f"count_if({ok[f]}), sum({c[f]}) FILTER (WHERE {ok[f]}), "
        f"sum({c[f]} * {c[f]}) FILTER (WHERE {ok[f]})"
        for f in live
    )
    rows = spark.sql(f"SELECT k, {sums} FROM keyed GROUP BY k ORDER BY k").collect()
    correlation_ratios_from_sums(rows, reduced.combos, reduced.attributes, live, out)
    return out


#: Cramér's V of every categorical feature ``f`` against every view ``a`` at once: their
#: (category, combination) counts ``proxy_cells`` (categories as text: one column for all
#: features; each feature's are grouped by their own values first) joined to ``proxy_map``
#: — each view's group ``g`` of every combination ``k`` — then, per feature and view, the
#: categories and groups seen, the rows, Σ (O − E)²/E over the observed cells and Σ E.
CRAMERS_V = """
WITH t AS (SELECT f, a, v, g, sum(o) AS o FROM proxy_cells JOIN proxy_map USING (k)
           GROUP BY f, a, v, g),
r AS (SELECT f, a, v, sum(o) AS r FROM t GROUP BY f, a, v),
c AS (SELECT f, a, g, sum(o) AS c FROM t GROUP BY f, a, g),
n AS (SELECT f, a, sum(o) AS n FROM t GROUP BY f, a),
e AS (SELECT t.f, t.a, t.o AS o, r.r * c.c / n.n AS e
      FROM t JOIN r USING (f, a, v) JOIN c USING (f, a, g) JOIN n USING (f, a)),
rc AS (SELECT f, a, count(*) AS categories FROM r GROUP BY f, a),
cc AS (SELECT f, a, count(*) AS groups FROM c GROUP BY f, a),
es AS (SELECT f, a, sum((o - e) * (o - e) / e) AS observed, sum(e) AS expected
       FROM e GROUP BY f, a)
SELECT f, a, categories, groups, n, observed, expected
FROM n JOIN rc USING (f, a) JOIN cc USING (f, a) JOIN es USING (f, a)
"""


def _cramers_v(reduced: SparkReduced, columns: list[str]) -> list[list[float | None]]:
    """Cramér's V of each feature column against each view (None: fewer than two
    categories or groups, or no row with a value), in one query."""
    import pyarrow as pa

    spark = reduced.spark
    spark.sql(
        " UNION ALL ".join(
            f"SELECT {i} AS f, k, CAST({column} AS STRING) AS v, "
            f"CAST(count(*) AS DOUBLE) AS o FROM keyed "
            f"WHERE {column} IS NOT NULL GROUP BY k, {column}"
            for i, column in enumerate(columns)
        )
    ).createOrReplaceTempView("proxy_cells")
    views = len(reduced.attributes)
    size = len(reduced.combos)
    mapping = pa.table(
        {
            "a": np.repeat(np.arange(views, dtype=np.int64), size),
            "k": np.tile(np.asarray(reduced.combos, dtype=np.int64), views),
            "g": np.concatenate([a.codes.astype(np.int64) for a in reduced.attributes]),
        }
    )
    spark.createDataFrame(mapping).createOrReplaceTempView("proxy_map")
    out: list[list[float | None]] = [[None] * views for _ in columns]
    for f, a, categories, groups, n, observed, expected in spark.sql(CRAMERS_V).collect():
        k = min(int(categories), int(groups))
        if n is None or k < 2:
            continue
        chi2 = float(observed) + max(float(n) - float(expected), 0.0)
        out[int(f)][int(a)] = float(math.sqrt(min(1.0, chi2 / (float(n) * (k - 1)))))
    return out


def spark_proxies(reduced: SparkReduced, features: list[str]) -> tuple[ProxyAssociation, ...]:
    """Every (feature, attribute) association, in the NumPy path's order."""
    if not features:
        return ()
    reduced.keyed.createOrReplaceTempView("keyed")
    fields = {f.name: f for f in reduced.keyed.schema.fields}
    columns = {f: f"`f{j}`" for j, f in enumerate(reduced.features)}
    kinds = {f: _pandas_kind(fields[columns[f].strip("`")]) for f in features}
    numeric = {f: (columns[f], k) for f, k in kinds.items() if k in _NUMERIC_KINDS}
    ratios = _correlation_ratios(reduced, numeric) if numeric else {}
    categorical = [f for f in features if f not in numeric]
    if categorical:
        found = _cramers_v(reduced, [columns[f] for f in categorical])
        ratios.update(zip(categorical, found, strict=True))
    results: list[ProxyAssociation] = []
    for feature in features:
        values = ratios[feature]
        measure = "correlation_ratio" if feature in numeric else "cramers_v"
        results.extend(
            ProxyAssociation(feature, a.name, measure, value)  # type: ignore[arg-type]
            for a, value in zip(reduced.attributes, values, strict=True)
        )
    return tuple(results)
