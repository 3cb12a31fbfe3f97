"""Monitoring windows counted by DuckDB (out of core, in SQL): the NumPy path's results.

The same monitor-results.json — every count, label, flag, PII finding and window bound
identical, every float equal to 1e-12 (sums added in another order) — and the same
profiles, through ``data.engine`` and ``data.path`` in the monitor config.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from scipy import stats

from signoff.errors import ConfigError, DataError
from signoff.monitor import profile_frame, profile_to_dict, run_monitor
from signoff.monitor._baseline import build_baseline

pytest.importorskip("duckdb")

TOLERANCE = 1e-12
TODAY = dt.date(2025, 3, 10)
CONFIG = """\
model: fraud
reference: {{path: reference.parquet}}
columns: {{prediction_id: id, timestamp: {timestamp}, score: score, target: label}}
data: {{engine: {engine}, path: {path}}}
protected_attributes:
  region: {{}}
  age: {{bins: [18, 40, 65, 120], labels: [young, middle, old]}}
intersections: [[region, age]]
{window}
bootstrap: {{replicates: 50}}
"""


def _frame(seed: int, rows: int, *, shift: float = 0.0) -> pd.DataFrame:
    """Nulls, ±∞, unseen categories, tied scores, unlabelled rows, e-mail addresses,
    yes/no text and booleans."""
    rng = np.random.default_rng(seed)
    x = rng.normal(shift, 1.0, rows)
    x[rng.random(rows) < 0.05] = np.nan
    x[rng.random(rows) < 0.002] = np.inf
    count = rng.poisson(3.0, rows).astype(np.int64)
    kind = pd.array(rng.choice(np.array(["a", "b", "c", "new"]), rows), dtype=object)
    kind[rng.random(rows) < 0.04] = None
    region = rng.choice(np.array(["north", "south", "east"]), rows, p=[0.5, 0.3, 0.2])
    age = rng.integers(10, 100, rows).astype(float)
    age[rng.random(rows) < 0.03] = np.nan
    score = np.round(rng.beta(2, 3, rows), 2)
    label = (rng.random(rows) < score).astype(float)
    label[rng.random(rows) < 0.3] = np.nan
    contact = np.where(
        rng.random(rows) < 0.3,
        [f"user{i}@example.org" for i in range(rows)],
        [f"note {i}" for i in range(rows)],
    )
    start = pd.Timestamp("2025-03-01T00:00:00Z")
    at = start + pd.to_timedelta(rng.integers(0, 3 * 86_400, rows), unit="s")
    return pd.DataFrame(
        {
            "id": np.arange(rows) + seed * 1_000_000,
            "scored_at": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "epoch": (at - pd.Timestamp("1970-01-01T00:00:00Z")) // pd.Timedelta(seconds=1),
            "x": x,
            "count": count,
            "kind": kind,
            "region": region,
            "age": age,
            "contact": contact,
            "answer": rng.choice(np.array(["yes", "no"]), rows),  # DuckDB's CSV sniffer: BOOLEAN
            "flag": rng.random(rows) < 0.3,  # true booleans
            "score": score,
            "label": label,
        }
    )


def _project(
    folder: Path,
    *,
    engine: str,
    path: str = "batch.parquet",
    timestamp: str = "scored_at",
    window: str | None = "1d",
) -> Path:
    if not (folder / "reference.parquet").exists():
        ref = _frame(1, 3000).drop(columns=["id", "scored_at", "epoch"])
        ref["kind"] = ref["kind"].where(ref["kind"] != "new", "a")
        ref.to_parquet(folder / "reference.parquet", index=False)
    config = folder / f"monitor-{engine}.yaml"
    config.write_text(
        CONFIG.format(
            engine=engine,
            path=path,
            timestamp=timestamp,
            window=f"window: {window}" if window else "",
        )
    )
    return config


def _compare(a: Any, b: Any, where: str = "") -> None:
    if isinstance(a, dict):
        assert isinstance(b, dict), where
        assert sorted(a) == sorted(b), where
        for key in a:
            _compare(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, list):
        assert isinstance(b, list), where
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _compare(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            assert math.isnan(a), where
            assert math.isnan(b), where
        else:
            assert math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=TOLERANCE), (where, a, b)
    else:
        assert a == b, (where, a, b)


def _measured(document: dict[str, Any]) -> dict[str, Any]:
    """What is measured: not the config, the engine's name or the profiles' hashes (float
    sums added in another order), the reference's included (the engine profiles it too)."""
    out = {k: v for k, v in document.items() if k != "config"}
    out["reference"] = {k: v for k, v in document["reference"].items() if k != "profile_sha256"}
    out["batch"] = {k: v for k, v in document["batch"].items() if k != "engine"}
    out["windows"] = [{k: v for k, v in w.items() if k != "profile_sha256"} for w in out["windows"]]
    return out


def _profiles_equal(a: Any, b: Any) -> None:
    _compare(profile_to_dict(a), profile_to_dict(b))


@pytest.mark.parametrize(("timestamp", "window"), [("scored_at", "1d"), ("epoch", "6h"),
                                                   ("scored_at", None), (None, None)])  # fmt: skip
def test_duckdb_windows_equal_numpy(tmp_path: Path, timestamp: str | None, window: str | None):
    batch = pd.concat([_frame(2, 2500), _frame(3, 2500, shift=0.4)], ignore_index=True)
    batch.to_parquet(tmp_path / "batch.parquet", index=False)
    stamp = timestamp or "scored_at"
    runs = {}
    for engine in ("numpy", "duckdb"):
        config = _project(tmp_path, engine=engine, timestamp=stamp, window=window)
        if timestamp is None:
            text = config.read_text().replace("timestamp: scored_at, ", "")
            config.write_text(text)
        runs[engine] = run_monitor(config, today=TODAY)
    numpy_run, duck_run = runs["numpy"], runs["duckdb"]
    assert duck_run.document["batch"]["engine"] == "duckdb"
    assert numpy_run.document["batch"]["engine"] == "numpy"
    _compare(_measured(duck_run.document), _measured(numpy_run.document))
    assert len(duck_run.profiles) == len(numpy_run.profiles) == (3 if window == "1d" else
                                                                 12 if window else 1)  # fmt: skip
    for a, b in zip(duck_run.profiles, numpy_run.profiles, strict=True):
        _profiles_equal(a, b)
    first = duck_run.document["windows"][0]
    assert [p["column"] for p in first["quality"]["pii"]] == ["contact"]
    assert first["quality"]["pii"][0]["sampled"] == min(first["rows"], 1000)


def test_profile_counts_against_an_independent_count(tmp_path: Path) -> None:
    """Buckets checked against numpy.histogram over the reference edges, KS against SciPy."""
    batch = _frame(4, 3000, shift=0.3)
    batch.to_parquet(tmp_path / "batch.parquet", index=False)
    config = _project(tmp_path, engine="duckdb", window=None)
    run = run_monitor(config, today=TODAY)
    (profile,) = run.profiles
    base = build_baseline(config)
    edges = base.spec.numeric["x"]
    values = batch["x"].to_numpy()
    finite = values[np.isfinite(values)]
    inside = finite[(finite >= edges[0]) & (finite <= edges[-1])]
    histogram, _ = np.histogram(inside, bins=edges)
    counts = profile.numeric["x"].counts
    assert counts[0] == int(np.isnan(values).sum())
    assert counts[1] == int((finite < edges[0]).sum())
    assert counts[-1] == int((values > edges[-1]).sum())
    assert counts[2:-1].tolist() == histogram.tolist()
    reference = pd.read_parquet(tmp_path / "reference.parquet")["count"].to_numpy()
    expected = stats.ks_2samp(reference, batch["count"].to_numpy(), method="asymp")
    drift = run.document["windows"][0]["drift"]["columns"]["count"]
    assert drift["method"] == "ks"
    assert drift["statistic"] == pytest.approx(expected.statistic, rel=1e-12)
    in_memory = profile_frame(batch, base.spec)
    assert profile.categorical["kind"].counts.tolist() == (
        in_memory.categorical["kind"].counts.tolist()
    )


def test_folder_and_glob_of_parquet_and_csv(tmp_path: Path) -> None:
    batch = _frame(5, 3000)
    (tmp_path / "parts").mkdir()
    for i in range(3):
        part = batch.iloc[i * 1000 : (i + 1) * 1000]
        part.to_parquet(tmp_path / "parts" / f"part-{i}.parquet", index=False)
    batch.to_csv(tmp_path / "batch.csv", index=False)
    batch.to_parquet(tmp_path / "batch.parquet", index=False)
    whole = run_monitor(_project(tmp_path, engine="numpy"), today=TODAY)
    for engine, path in (("duckdb", "parts"), ("duckdb", "'parts/*.parquet'"),
                         ("numpy", "parts"), ("duckdb", "batch.csv")):  # fmt: skip
        run = run_monitor(_project(tmp_path, engine=engine, path=path), today=TODAY)
        assert run.document["batch"]["rows"] == 3000
        _compare(_measured(run.document)["windows"], _measured(whole.document)["windows"])


def test_auto_counts_in_memory_within_the_budget(tmp_path: Path) -> None:
    _frame(6, 500).to_parquet(tmp_path / "batch.parquet", index=False)
    run = run_monitor(_project(tmp_path, engine="auto"), today=TODAY)
    assert run.document["batch"]["engine"] == "numpy"
    assert (
        run.document["batch"]["sha256"]
        == hashlib.sha256((tmp_path / "batch.parquet").read_bytes()).hexdigest()
    )


def test_bad_input_is_named(tmp_path: Path) -> None:
    _frame(7, 500).to_parquet(tmp_path / "batch.parquet", index=False)
    with pytest.raises(DataError, match=re.escape("no .csv or .parquet file matches this path")):
        run_monitor(_project(tmp_path, engine="duckdb", path="'none/*.parquet'"), today=TODAY)
    (tmp_path / "mixed").mkdir()
    good = _frame(8, 100)
    good.to_parquet(tmp_path / "mixed" / "a.parquet", index=False)
    good.assign(x=good["x"].astype(str)).to_parquet(tmp_path / "mixed" / "b.parquet", index=False)
    with pytest.raises(DataError) as caught:
        run_monitor(_project(tmp_path, engine="duckdb", path="mixed"), today=TODAY)
    assert "column 'x' has the type large_string here but double in a.parquet" in str(caught.value)
    assert str(caught.value.file).endswith("b.parquet")
    bad = _frame(9, 300)
    bad.loc[123, "score"] = 1.5
    bad.to_parquet(tmp_path / "bad.parquet", index=False)
    with pytest.raises(DataError, match="row 124"):
        run_monitor(_project(tmp_path, engine="duckdb", path="bad.parquet"), today=TODAY)
    late = _frame(9, 300)
    late.loc[77, "scored_at"] = "yesterday"
    late.to_parquet(tmp_path / "late.parquet", index=False)
    with pytest.raises(DataError, match="cannot read 'yesterday' as a timestamp \\(row 78"):
        run_monitor(_project(tmp_path, engine="duckdb", path="late.parquet"), today=TODAY)
    config = _project(tmp_path, engine="duckdb")
    config.write_text(config.read_text().replace("path: batch.parquet", "path: null"))
    with pytest.raises(ConfigError, match=re.escape("give --batch, or `data.path`")):
        run_monitor(config, today=TODAY)
    assert pq.read_schema(tmp_path / "batch.parquet").names[0] == "id"


@pytest.mark.parametrize("block", [7, 1000, 1 << 16])
def test_sample_rows_found_by_blocks_of_each_file(tmp_path: Path, block: int) -> None:
    """The PII sample's rows, found through per-(window, file, block) counts, are the rows
    at the sample positions of each window of the files concatenated in name order."""
    from signoff.engines import find_source
    from signoff.monitor._pii import sample_positions
    from signoff.monitor._sql import open_batch
    from signoff.monitor._sql_columns import sampled_rows

    batch = _frame(12, 9000)
    (tmp_path / "parts").mkdir()
    for i in range(3):
        batch.iloc[i * 3000 : (i + 1) * 3000].to_parquet(tmp_path / "parts" / f"p{i}.parquet")
    db = open_batch("duckdb", find_source(tmp_path / "parts"))
    try:
        db.window = "CAST(epoch_us(CAST(scored_at AS TIMESTAMPTZ)) // 86400000000 AS BIGINT) AS __w"
        day = batch["epoch"] // 86_400
        rows = {int(w): int(n) for w, n in day.value_counts().sort_index().items()}
        found = sampled_rows(db, rows, ["contact"], block=block)
    finally:
        db.close()
    for w, n in rows.items():
        window = batch[(day == w).to_numpy()].reset_index(drop=True)
        positions, _ = sample_positions(n)
        assert positions is not None  # > 2,000 rows: a sample is drawn
        expected = window["contact"].iloc[positions].tolist()
        assert found[found["__w"] == w]["contact"].tolist() == expected


def test_score_bins_by_binary_search_equal_numpy_searchsorted() -> None:
    """The group table's score bin in SQL (nested CASEs) is NumPy's ``searchsorted``,
    on values equal to edges, between them, at both ends, and for repeated edges."""
    import duckdb

    from signoff.monitor._sql_profile import _edges_at_or_below

    rng = np.random.default_rng(8)
    for edges in (
        np.unique(np.concatenate([np.linspace(0, 1, 11), rng.random(100), [0.5]])),
        np.array([0.0, 0.2, 0.2, 0.2, 0.7, 1.0]),
        np.array([0.5]),
    ):
        values = np.concatenate([rng.random(5000), edges, [0.0, 1.0, 1e-300]])
        con = duckdb.connect()
        con.register("t", pd.DataFrame({"v": values}))
        found = con.sql(f"SELECT {_edges_at_or_below('v', edges, 0, len(edges))} AS b FROM t")
        expected = np.searchsorted(edges, values, side="right")
        assert found.fetchnumpy()["b"].tolist() == expected.tolist()
        con.close()
