"""Late labels (``--labels``) joined by DuckDB: the in-memory join's results, exactly.

The labels file's rows join the batch's by prediction id (compared as pandas' text of
them); the window's group table, fairness and performance are then those of the
in-memory path (counts exactly, floats to 1e-12), and so are the join's counts, which
are also checked against an independent count here.  Bad labels files fail as in
memory: the same message, file and column.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from signoff.errors import DataError
from signoff.monitor import profile_to_dict, run_monitor

pytest.importorskip("duckdb")

from test_monitor_engines import TODAY, _compare, _frame, _measured, _project


def late_labels(batch: pd.DataFrame, seed: int, *, as_text: bool = False) -> pd.DataFrame:
    """Labels for a random 60 % of the batch (some null), ties of ids avoided, plus ids
    the batch never had, shuffled."""
    rng = np.random.default_rng(seed)
    picked = batch.sample(frac=0.6, random_state=seed)
    extra = pd.DataFrame({"id": np.arange(50) + 90_000_000})
    frame = pd.concat([picked.loc[:, ["id"]], extra], ignore_index=True)
    label = (rng.random(len(frame)) < 0.4).astype(float)
    label[rng.random(len(frame)) < 0.1] = np.nan
    frame["label"] = label
    frame = frame.sample(frac=1.0, random_state=seed + 1).reset_index(drop=True)
    if as_text:
        frame["id"] = frame["id"].astype(str)
        frame["label"] = frame["label"].map({1.0: "yes", 0.0: "no"})
    return frame


def _runs(folder: Path, labels: Path, engines: tuple[str, ...] = ("numpy", "duckdb"), **kw: Any):
    out = {}
    for engine in engines:
        config = _project(folder, engine=engine, **kw)
        out[engine] = run_monitor(config, labels_path=labels, today=TODAY)
    return out


def _same(runs: dict[str, Any], engine: str) -> None:
    assert runs[engine].document["batch"]["engine"] == engine
    _compare(_measured(runs[engine].document), _measured(runs["numpy"].document))
    for a, b in zip(runs[engine].profiles, runs["numpy"].profiles, strict=True):
        _compare(profile_to_dict(a), profile_to_dict(b))


@pytest.mark.parametrize("kind", ["parquet", "csv"])
def test_late_labels_on_duckdb_equal_numpy(tmp_path: Path, kind: str) -> None:
    batch = pd.concat([_frame(2, 2000), _frame(3, 2000, shift=0.4)], ignore_index=True)
    batch.to_parquet(tmp_path / "batch.parquet", index=False)
    labels = late_labels(batch, 7)
    path = tmp_path / f"labels.{kind}"
    labels.to_parquet(path, index=False) if kind == "parquet" else labels.to_csv(path, index=False)
    runs = _runs(tmp_path, path)
    _same(runs, "duckdb")
    # The join's counts against an independent count (a pandas merge).
    merged = batch.loc[:, ["id"]].merge(labels, on="id", how="left")
    found = runs["duckdb"].document["labels"]
    assert found["label_rows"] == len(labels)
    assert found["matched_batch_rows"] == int(merged["label"].notna().sum())
    assert found["unmatched_labels"] == int((~labels["id"].isin(batch["id"])).sum()) == 50
    # A late label overrides the batch's own target; rows without one keep it.
    labelled = sum(w["performance"]["labelled_rows"] for w in runs["duckdb"].document["windows"])
    own = batch["label"].notna() & merged["label"].isna()
    assert labelled == int(merged["label"].notna().sum() + own.sum())


def test_text_ids_labels_and_ids_with_nulls(tmp_path: Path) -> None:
    """Text labels matched on a positive label given as text; integer ids with nulls are
    floats in pandas (17 is "17.0"), and so in SQL: the same (no) matches."""
    batch = _frame(4, 3000)
    batch["label"] = batch["label"].map({1.0: "yes", 0.0: "no"})
    batch.to_parquet(tmp_path / "batch.parquet", index=False)
    labels = late_labels(batch, 8, as_text=True)
    labels.to_csv(tmp_path / "labels.csv", index=False)
    (tmp_path / "reference.parquet").unlink(missing_ok=True)
    config = {}
    for engine in ("numpy", "duckdb"):
        config[engine] = _project(tmp_path, engine=engine)
        text = config[engine].read_text() + "positive_label: 'yes'\n"
        config[engine].write_text(text)
    runs = {
        e: run_monitor(c, labels_path=tmp_path / "labels.csv", today=TODAY)
        for e, c in config.items()
    }
    _same(runs, "duckdb")
    assert runs["duckdb"].document["labels"]["matched_batch_rows"] > 1000
    # Ids with holes: floats in the batch (17.0 matches the labels' 17), a null id in
    # both files matches nothing.
    holes = batch.assign(id=batch["id"].astype(float))
    holes.loc[::97, "id"] = np.nan
    holes.to_parquet(tmp_path / "batch.parquet", index=False)
    labels = late_labels(batch, 9)
    labels["id"] = labels["id"].astype(float)
    labels.loc[5, "id"] = np.nan
    labels.to_parquet(tmp_path / "labels.parquet", index=False)
    runs = {
        e: run_monitor(c, labels_path=tmp_path / "labels.parquet", today=TODAY)
        for e, c in config.items()
    }
    _same(runs, "duckdb")
    expected = holes.loc[:, ["id"]].dropna().merge(labels.dropna(), on="id")
    assert runs["duckdb"].document["labels"]["matched_batch_rows"] == len(expected) > 1000
    unmatched = (~labels["id"].isin(holes["id"].dropna())).sum()
    assert runs["duckdb"].document["labels"]["unmatched_labels"] == unmatched


def test_bad_labels_files_fail_as_in_memory(tmp_path: Path) -> None:
    batch = _frame(5, 1500)
    batch.to_parquet(tmp_path / "batch.parquet", index=False)
    labels = late_labels(batch, 10)
    cases = {
        "repeated.csv": pd.concat([labels, labels.iloc[[17, 17]]], ignore_index=True),
        "no_id.parquet": labels.rename(columns={"id": "key"}),
        "no_label.csv": labels.drop(columns=["label"]),
        "empty.parquet": labels.iloc[:0],
    }
    for name, frame in cases.items():
        path = tmp_path / name
        frame.to_csv(path, index=False) if name.endswith("csv") else frame.to_parquet(path)
    (tmp_path / "labels.txt").write_text("id,label\n1,0\n")
    expected = {
        "repeated.csv": f"prediction id {int(labels['id'][17])} has 3 labels; each id needs one",
        "no_id.parquet": "the labels file lacks column(s) 'id' named in the monitor config",
        "no_label.csv": "the labels file lacks column(s) 'label' named in the monitor config",
        "empty.parquet": "the labels file has no rows",
        "labels.txt": "cannot read '.txt' files; expected .csv or .parquet",
        "absent.csv": "labels file not found",
    }
    for name, message in expected.items():
        errors = []
        for engine in ("numpy", "duckdb"):
            config = _project(tmp_path, engine=engine)
            with pytest.raises(DataError, match=re.escape(message)) as caught:
                run_monitor(config, labels_path=tmp_path / name, today=TODAY)
            errors.append((str(caught.value), caught.value.file, caught.value.field))
        assert errors[0] == errors[1], name
