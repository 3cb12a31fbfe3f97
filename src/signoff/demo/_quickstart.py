"""``signoff quickstart``: a small, honest demo project on German Credit.

The model is trained on one split and audited on a held-out split, and the
protected attributes (sex, age, foreign worker — and personal status, which
encodes sex) are kept out of its features: the audit still reports every one
of them.  Auditing a model on its own training rows would teach the wrong
thing.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd
import yaml
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from ..errors import ConfigError

__all__ = ["EXCLUDED_FROM_MODEL", "POLICY", "german_credit", "write_demo_project"]

#: Columns the demo model must not see: protected attributes and a direct proxy.
EXCLUDED_FROM_MODEL = ("sex", "personal_status", "age", "foreign_worker")
TARGET = "credit_risk"
#: The demo's policy file: a copy of the bundled credit baseline template.
POLICY = "policy.yaml"
NOT_EMPTY = "folder is not empty; choose a new folder or pass --force to overwrite the demo files"


def german_credit() -> pd.DataFrame:
    """The bundled Statlog German Credit data (CC BY 4.0, Hofmann 1994)."""
    with resources.files("signoff.demo").joinpath("data/german_credit.csv").open("rb") as fh:
        return pd.read_csv(fh)


def _model(features: pd.DataFrame) -> Pipeline:
    categorical = [c for c in features.columns if not pd.api.types.is_numeric_dtype(features[c])]
    numeric = [c for c in features.columns if c not in categorical]
    prep = ColumnTransformer(
        [
            ("categorical", OneHotEncoder(handle_unknown="ignore"), categorical),
            ("numeric", StandardScaler(), numeric),
        ]
    )
    return Pipeline([("prepare", prep), ("classify", LogisticRegression(max_iter=2000))])


def _config() -> dict[str, object]:
    return {
        "model": {"path": "model.skops", "format": "skops"},
        "data": {"path": "data/holdout.csv", "target": TARGET, "positive_label": 1},
        "protected_attributes": {
            "sex": {"privileged": "male"},
            "age_group": {"column": "age", "bins": [0, 25, 120], "labels": ["<25", ">=25"]},
            "foreign_worker": {"privileged": "no"},
        },
        "intersections": [["sex", "age_group"]],
        "proxies": ["personal_status"],
        "threshold": 0.5,
        "seed": 42,
        "bootstrap": {"replicates": 1000, "confidence": 0.95},
        "explain": {"permutation_repeats": 5, "max_rows": 5000},
    }


def write_demo_project(folder: Path, *, force: bool = False, seed: int = 42) -> Path:
    """Write the demo project into ``folder``; returns the audit config's path.

    Writes ``data/train.csv`` and ``data/holdout.csv`` (a stratified 70/30
    split), ``model.skops`` (logistic regression trained on the train split
    without protected attributes), ``audit.yaml`` and ``policy.yaml`` (the
    bundled organisation credit baseline).
    """
    import skops.io

    if folder.exists() and any(folder.iterdir()) and not force:
        raise ConfigError(NOT_EMPTY, file=folder)
    (folder / "data").mkdir(parents=True, exist_ok=True)
    frame = german_credit()
    train, holdout = train_test_split(
        frame, test_size=0.3, random_state=seed, stratify=frame[TARGET]
    )
    train.to_csv(folder / "data" / "train.csv", index=False)
    holdout.to_csv(folder / "data" / "holdout.csv", index=False)

    features = train.drop(columns=[TARGET, *EXCLUDED_FROM_MODEL])
    model = _model(features).fit(features, train[TARGET])
    skops.io.dump(model, folder / "model.skops")

    header = (
        "# signoff audit config for the German Credit demo (see docs/config.md).\n"
        "# The model never saw sex, age, foreign_worker or personal_status;\n"
        "# the audit still measures how its decisions fall across them.\n"
    )
    baseline = resources.files("signoff.policy").joinpath("templates/credit_baseline.yaml")
    (folder / POLICY).write_bytes(baseline.read_bytes())
    config_path = folder / "audit.yaml"
    config_path.write_text(header + yaml.safe_dump(_config(), sort_keys=False), encoding="utf-8")
    return config_path
