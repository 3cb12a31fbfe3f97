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


def _cramers_v(reduced: SparkReduced, column: str) -> list[float | None]:
    import pyarrow as pa

    spark = reduced.spark
    cells = spark.sql(
        f"SELECT k, {column} AS v, CAST(count(*) AS DOUBLE) AS o FROM keyed "
        f"WHERE {column} IS NOT NULL GROUP BY k, {column}"
    ).cache()
    cells.createOrReplaceTempView("proxy_cells")
    out: list[float | None] = []
    try:
        for attribute in reduced.attributes:
            mapping = pa.table({"k": reduced.combos, "g": attribute.codes.astype(np.int64)})
            spark.createDataFrame(mapping).createOrReplaceTempView("proxy_map")
            found = _first(
                spark,
                "WITH t AS (SELECT v, g, sum(o) AS o FROM proxy_cells "
                "JOIN proxy_map USING (k) GROUP BY v, g), "
                "r AS (SELECT v, sum(o) AS r FROM t GROUP BY v), "
                "c AS (SELECT g, sum(o) AS c FROM t GROUP BY g), "
                "n AS (SELECT sum(o) AS n FROM t), "
                "e AS (SELECT t.o AS o, r.r * c.c / n.n AS e FROM t JOIN r USING (v) "
                "JOIN c USING (g) CROSS JOIN n) "
                "SELECT (SELECT count(*) FROM r), (SELECT count(*) FROM c), (SELECT n FROM n), "
                "(SELECT sum((o - e) * (o - e) / e) FROM e), (SELECT sum(e) FROM e)",
            )
            categories, groups, n, observed, expected = found
            k = min(int(categories), int(groups))
            if n is None or k < 2:
                out.append(None)
                continue
            chi2 = float(observed) + max(float(n) - float(expected), 0.0)
            out.append(float(math.sqrt(min(1.0, chi2 / (float(n) * (k - 1))))))
    finally:
        cells.unpersist()
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
    results: list[ProxyAssociation] = []
    for feature in features:
        if feature in numeric:
            values = ratios[feature]
            measure = "correlation_ratio"
        else:
            values = _cramers_v(reduced, columns[feature])
            measure = "cramers_v"
        results.extend(
            ProxyAssociation(feature, a.name, measure, value)  # type: ignore[arg-type]
            for a, value in zip(reduced.attributes, values, strict=True)
        )
    return tuple(results)
