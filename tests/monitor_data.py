"""Seeded synthetic monitoring data: 20 feature columns, a score and two groups.

Shared by the acceptance tests and ``benchmarks/bench_monitor.py``.  Fourteen
numeric columns (normal, log-normal, integer counts) and six categorical
ones; ``make_batch(..., shifted=True)`` moves exactly four of them:

* ``x00``: mean + 0.5 σ;
* ``x01``: variance × 1.5;
* ``c00``: the share of category ``"c"`` + 15 points (the others shrink in proportion);
* ``x02``: nulls 0 → 10 %.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["SHIFTED", "make_batch"]

SHIFTED = ("x00", "x01", "x02", "c00")
_CATEGORIES = {
    "c00": ("a", "b", "c", "d", "e"),
    "c01": ("red", "green", "blue"),
    "c02": ("p", "q", "r", "s", "t", "u", "v", "w"),
    "c03": ("yes", "no"),
    "c04": ("k1", "k2", "k3", "k4"),
    "c05": ("m", "n", "o", "p", "q", "r"),
}


def _shares(k: int, rng_seed: int) -> np.ndarray:
    weights = np.random.default_rng(rng_seed).uniform(0.5, 2.0, size=k)
    return weights / weights.sum()


def make_batch(rows: int, *, seed: int, shifted: bool = False) -> pd.DataFrame:
    """One batch of ``rows`` rows; the distribution is fixed, ``seed`` draws the sample."""
    rng = np.random.default_rng(seed)
    data: dict[str, np.ndarray] = {}
    for i in range(14):
        mean, scale = 10.0 * i, 1.0 + i / 4
        if i % 3 == 2 and i != 2:
            data[f"x{i:02d}"] = rng.lognormal(mean=1.0, sigma=0.5, size=rows) * scale
        elif i % 5 == 4:
            data[f"x{i:02d}"] = rng.poisson(3.0 + i, size=rows).astype(np.float64)
        else:
            data[f"x{i:02d}"] = rng.normal(mean, scale, size=rows)
    if shifted:
        data["x00"] = data["x00"] + 0.5 * 1.0
        data["x01"] = 10.0 + (data["x01"] - 10.0) * np.sqrt(1.5)
        data["x02"][rng.random(rows) < 0.10] = np.nan
    for j, (name, categories) in enumerate(_CATEGORIES.items()):
        p = _shares(len(categories), 100 + j)
        if shifted and name == "c00":
            k = categories.index("c")
            rest = np.arange(len(p)) != k
            new = p.copy()
            new[k] = p[k] + 0.15
            new[rest] = p[rest] * (1.0 - new[k]) / (1.0 - p[k])
            p = new
        data[name] = np.asarray(categories, dtype=object)[
            rng.choice(len(categories), size=rows, p=p)
        ]
    frame = pd.DataFrame(data)
    latent = (frame["x03"] - 30.0) / 1.75 + rng.normal(size=rows)
    frame["group"] = np.where(rng.random(rows) < 0.4, "g1", "g2")
    frame["score"] = 1.0 / (1.0 + np.exp(-latent))
    frame["label"] = (rng.random(rows) < frame["score"]).astype(np.int64)
    frame["id"] = np.arange(rows) + seed * 10_000_000
    return frame
