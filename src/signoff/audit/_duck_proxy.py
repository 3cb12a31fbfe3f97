"""The DuckDB engine, part 3: proxy statistics in SQL, out of core.

The same associations as :func:`~signoff.metrics.proxy_associations` — Cramér's V for a
categorical feature, the correlation ratio η for a numeric one, against every audited
attribute and intersection — from a few aggregates over the rows, never the rows
themselves.  A column is numeric exactly when pandas would read it as numbers
(integers, floats, timestamps as seconds since the earliest), decided from its Arrow
type, so each feature gets the NumPy path's measure.

* η: one pass for each feature's largest magnitude and range, one for the mean of the
  scaled values, then one ``GROUP BY`` joint combination ``k`` for the count, the sum
  and the sum of squares of the centred scaled values — the NumPy path's arithmetic.
  An attribute's group sums are sums over its combinations.
* Cramér's V: per (category, attribute group) the row count, by one ``GROUP BY`` per
  feature into a temporary table and one per attribute over that table; then
  χ² = Σ_observed (O − E)²/E + Σ_unobserved E, where the second sum is n − Σ_observed E
  (every cell's E adds up to n), summed in SQL: a column of a million distinct values
  never becomes a dense table in memory.
"""

from __future__ import annotations

import math

from ..metrics import ProxyAssociation
from ._duck import Reduced, quote, register_map
from ._engine_evidence import correlation_ratios_from_sums

__all__ = ["duck_proxies"]

#: As metrics._proxy; Parquet durations reach DuckDB as integers (pandas: timedeltas, read
#: as seconds): the same η, which does not depend on the unit.
_NUMERIC_KINDS = frozenset("iufmM")


def _pandas_kind(reduced: Reduced, column: str) -> str:
    """The dtype kind pandas gives the column (as the NumPy path reads it)."""
    kind = dict(zip(reduced.columns, reduced.kinds, strict=True))[column]
    if reduced.source.kind == "csv":  # pandas reads CSV text: numbers or strings only
        numeric = kind.startswith(("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "FLOAT", "DOUBLE"))
        return "f" if numeric else "O"
    schema = reduced.con.sql(f"SELECT {quote(column)} FROM src LIMIT 0").to_arrow_table().schema
    return str(schema.empty_table().to_pandas()[column].dtype.kind)


def _values(column: str, kind: str) -> str:
    """SQL: the feature as DOUBLE (timestamps: microseconds, scaled to seconds later)."""
    q = quote(column)
    return f"epoch_us({q})::DOUBLE" if kind == "M" else f"{q}::DOUBLE"


def _correlation_ratios(reduced: Reduced, numeric: dict[str, str]) -> dict[str, list[float | None]]:
    con = reduced.con
    names = list(numeric)
    xs = {f: _values(f, numeric[f]) for f in names}
    ok = {f: f"isfinite({xs[f]})" for f in names}
    first = ", ".join(
        f"max(abs({xs[f]})) FILTER ({ok[f]}), min({xs[f]}) FILTER ({ok[f]}), "
        f"max({xs[f]}) FILTER ({ok[f]})"
        for f in names
    )
    found = con.execute(f"SELECT {first} FROM src").fetchall()[0]
    ranges = {f: found[3 * i : 3 * i + 3] for i, f in enumerate(names)}
    live = [f for f in names if ranges[f][0] is not None and ranges[f][1] != ranges[f][2]]
    out: dict[str, list[float | None]] = {f: [None] * len(reduced.attributes) for f in names}
    if not live:
        return out
    scaled, tops = {}, {}
    for f in live:
        top, low, high = ranges[f]
        if numeric[f] == "M":  # seconds since the earliest, as pandas' total_seconds()
            scaled[f] = f"(({xs[f]} - {float(low)!r}) / 1000000.0)"
            tops[f] = (float(high) - float(low)) / 1e6  # the largest magnitude after the shift
        else:
            scaled[f] = xs[f]
            tops[f] = float(top)
    z = {f: f"({scaled[f]} / {tops[f]!r})" for f in live}
    means = con.execute(
        "SELECT " + ", ".join(f"avg({z[f]}) FILTER ({ok[f]})" for f in live) + " FROM src"
    ).fetchall()[0]
    c = {f: f"({z[f]} - {float(m)!r})" for f, m in zip(live, means, strict=True)}
    sums = ", ".join(
        f"count_if({ok[f]}), sum({c[f]}) FILTER ({ok[f]}), sum({c[f]} * {c[f]}) FILTER ({ok[f]})"
        for f in live
    )
    rows = con.execute(f"SELECT __k, {sums} FROM keyed GROUP BY __k ORDER BY __k").fetchall()
    correlation_ratios_from_sums(rows, reduced.combos, reduced.attributes, live, out)
    return out


def _cramers_v(reduced: Reduced, feature: str) -> list[float | None]:
    con = reduced.con
    q = quote(feature)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE proxy_cells AS SELECT __k AS k, {q} AS v, "
        f"count(*)::DOUBLE AS o FROM keyed WHERE {q} IS NOT NULL GROUP BY ALL"
    )
    out: list[float | None] = []
    for a, attribute in enumerate(reduced.attributes):
        register_map(con, f"proxy_map{a}", reduced.combos, attribute.codes)
        found = con.execute(
            "WITH t AS (SELECT v, g, sum(o) AS o FROM proxy_cells "
            f"JOIN proxy_map{a} USING (k) GROUP BY v, g), "
            "r AS (SELECT v, sum(o) AS r FROM t GROUP BY v), "
            "c AS (SELECT g, sum(o) AS c FROM t GROUP BY g), "
            "n AS (SELECT sum(o) AS n FROM t), "
            "e AS (SELECT t.o AS o, r.r * c.c / n.n AS e FROM t JOIN r USING (v) "
            "JOIN c USING (g), n) "
            "SELECT (SELECT count(*) FROM r), (SELECT count(*) FROM c), (SELECT n FROM n), "
            "(SELECT sum((o - e) * (o - e) / e) FROM e), (SELECT sum(e) FROM e)"
        ).fetchall()[0]
        categories, groups, n, observed, expected = found
        k = min(int(categories), int(groups))
        if n is None or k < 2:
            out.append(None)
            continue
        chi2 = float(observed) + max(float(n) - float(expected), 0.0)
        out.append(float(math.sqrt(min(1.0, chi2 / (float(n) * (k - 1))))))
    con.execute("DROP TABLE proxy_cells")
    return out


def duck_proxies(reduced: Reduced, features: list[str]) -> tuple[ProxyAssociation, ...]:
    """Every (feature, attribute) association, in the NumPy path's order."""
    if not features:
        return ()
    kinds = {f: _pandas_kind(reduced, f) for f in features}
    numeric = {f: k for f, k in kinds.items() if k in _NUMERIC_KINDS}
    ratios = _correlation_ratios(reduced, numeric) if numeric else {}
    results: list[ProxyAssociation] = []
    for feature in features:
        if feature in numeric:
            values = ratios[feature]
            measure = "correlation_ratio"
        else:
            values = _cramers_v(reduced, feature)
            measure = "cramers_v"
        results.extend(
            ProxyAssociation(feature, a.name, measure, value)  # type: ignore[arg-type]
            for a, value in zip(reduced.attributes, values, strict=True)
        )
    return tuple(results)
