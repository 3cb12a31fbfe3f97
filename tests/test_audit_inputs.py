"""Bad input gets one clear message with file and field, and the documented exit code."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from signoff.audit import _read
from signoff.engines import UNSUPPORTED
from signoff.evidence import _data, _groups


def _holdout(demo: Path) -> pd.DataFrame:
    return pd.read_csv(demo / "data" / "holdout.csv")


def _run(cli, demo: Path, tmp_path: Path):
    result = cli("audit", str(demo / "audit.yaml"), "-o", str(tmp_path / "out"))
    assert "Traceback" not in result.output
    assert not (tmp_path / "out" / "results.json").exists()  # nothing half-written
    return result


def test_missing_data_file(cli, demo, tmp_path, edit_config):
    edit_config(demo, lambda c: c["data"].update(path="data/missing.csv"))
    result = _run(cli, demo, tmp_path)
    assert result.exit_code == 3
    assert f"{demo / 'data' / 'missing.csv'}: {_read.NOT_FOUND}" in result.stderr


def test_column_missing_lists_columns(cli, demo, tmp_path, edit_config):
    edit_config(demo, lambda c: c["data"].update(target="risk"))
    result = _run(cli, demo, tmp_path)
    assert result.exit_code == 3
    assert "data.target: column(s) 'risk' named in the config are not in the data" in result.stderr
    assert "columns present: checking_status, duration_months" in result.stderr


def test_target_not_binary(cli, demo, tmp_path):
    frame = _holdout(demo)
    frame.loc[frame.index[:3], "credit_risk"] = 2
    frame.to_csv(demo / "data" / "holdout.csv", index=False)
    result = _run(cli, demo, tmp_path)
    assert result.exit_code == 3
    assert "data.target: " + _data.NOT_BINARY.format(count=3, values="0, 1, 2") in result.stderr


def test_positive_label_absent(cli, demo, tmp_path, edit_config):
    edit_config(demo, lambda c: c["data"].update(positive_label="good"))
    result = _run(cli, demo, tmp_path)
    assert result.exit_code == 3
    expected = _data.NO_POSITIVE.format(label="good", values="0, 1")
    assert f"data.positive_label: {expected}" in result.stderr


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (1.5, "scores must be in [0, 1]; found 0.1 to 1.5 (first bad value at row 2)"),
        (np.nan, "scores must be numbers in [0, 1]; 1 row(s) are missing or NaN (first at row 2)"),
        ("high", "scores must be numbers in [0, 1]; found non-numeric values such as 'high'"),
    ],
)
def test_bad_scores(cli, demo, tmp_path, edit_config, value, message):
    frame = _holdout(demo)
    frame["score"] = 0.1
    frame["score"] = frame["score"].astype(object)
    frame.loc[frame.index[1], "score"] = value
    frame.to_csv(demo / "data" / "holdout.csv", index=False)

    def change(c: dict) -> None:
        c.pop("model")
        c["data"]["score_column"] = "score"

    edit_config(demo, change)
    result = _run(cli, demo, tmp_path)
    assert result.exit_code == 3
    assert f"data.score_column: {message}" in result.stderr


def test_pickle_refused_unless_trusted(cli, demo, tmp_path, edit_config):
    import skops.io

    model = skops.io.load(demo / "model.skops")
    (demo / "model.pkl").write_bytes(pickle.dumps(model))
    edit_config(demo, lambda c: c.update(model={"path": "model.pkl", "format": "pickle"}))
    result = _run(cli, demo, tmp_path)
    assert result.exit_code == 3
    assert "model.pkl" in result.stderr
    assert "pickle" in result.stderr
    trusted = cli("audit", str(demo / "audit.yaml"), "-o", str(tmp_path / "t"), "--trust-model")
    assert trusted.exit_code == 0, trusted.output


def test_model_features_missing_from_data(cli, demo, tmp_path):
    frame = _holdout(demo).drop(columns=["savings"])
    frame.to_csv(demo / "data" / "holdout.csv", index=False)
    result = _run(cli, demo, tmp_path)
    assert result.exit_code == 3
    assert "savings" in result.stderr


def test_malformed_yaml_names_line(cli, demo, tmp_path):
    (demo / "audit.yaml").write_text("data:\n  path: x.csv\n   target: y\n")
    result = _run(cli, demo, tmp_path)
    assert result.exit_code == 2
    assert f"{demo / 'audit.yaml'}:3:" in result.stderr


def test_unknown_key_lists_allowed(cli, demo, tmp_path, edit_config):
    edit_config(demo, lambda c: c.update(thresold=0.4))
    result = _run(cli, demo, tmp_path)
    assert result.exit_code == 2
    assert "unknown key 'thresold'" in result.stderr
    assert "threshold" in result.stderr


def test_attribute_with_one_group(cli, demo, tmp_path):
    frame = _holdout(demo)
    frame["sex"] = "female"
    frame.to_csv(demo / "data" / "holdout.csv", index=False)
    result = _run(cli, demo, tmp_path)
    assert result.exit_code == 3
    assert (
        "protected_attributes.sex: " + _groups.SINGLE_GROUP.format(group="female") in result.stderr
    )


def test_unknown_privileged_group(cli, demo, tmp_path, edit_config):
    edit_config(demo, lambda c: c["protected_attributes"]["sex"].update(privileged="men"))
    result = _run(cli, demo, tmp_path)
    assert result.exit_code == 2
    expected = _groups.UNKNOWN_PRIVILEGED.format(value="men", groups="female, male")
    assert f"protected_attributes.sex.privileged: {expected}" in result.stderr


def test_values_outside_bins(cli, demo, tmp_path, edit_config):
    edit_config(demo, lambda c: c["protected_attributes"]["age_group"].update(bins=[30, 40, 120]))
    result = _run(cli, demo, tmp_path)
    assert result.exit_code == 3
    assert "protected_attributes.age_group: " in result.stderr
    assert "fall outside the bins [30, 40, 120]" in result.stderr


def test_unsupported_data_suffix(cli, demo, tmp_path, edit_config):
    (demo / "data" / "holdout.xlsx").write_bytes(b"")
    edit_config(demo, lambda c: c["data"].update(path="data/holdout.xlsx"))
    result = _run(cli, demo, tmp_path)
    assert result.exit_code == 3
    assert UNSUPPORTED.format(suffix=".xlsx") in result.stderr
