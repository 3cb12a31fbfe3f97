"""Seeded synthetic evaluation sets for the benchmarks (generation is never timed).

The standard set: two protected attributes, ``region`` (4 groups) and ``age_band``
(3 groups), with unequal shares (12 joint groups).  The wide set
(:func:`make_wide_dataset`): four attributes of 3 groups each, every pair of them and the
four-way intersection audited too (81 joint groups, 11 views, the width of a real credit
audit); it keeps the bootstrap's cost per joint group honest.

A latent creditworthiness has group-dependent shifts; the true label is Bernoulli with a
logistic probability of the latent, and the model's score is a noisy logistic function of
the same latent with a group-dependent offset (a slightly miscalibrated, slightly unfair
model), so every group has both classes, scores are continuous and rates differ by group.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from signoff.config import AuditConfig
from signoff.evidence import Attribute, compact
from signoff.evidence._groups import _intersect

__all__ = [
    "AGE_BAND",
    "REGION",
    "WIDE",
    "Dataset",
    "audit_config",
    "config_for",
    "make_dataset",
    "make_wide_dataset",
    "wide_audit_config",
]

REGION = ("north", "east", "south", "west")
REGION_SHARE = (0.40, 0.30, 0.20, 0.10)
REGION_SHIFT = np.array([0.0, -0.15, 0.25, -0.35])
REGION_SCORE_BIAS = np.array([0.0, 0.10, -0.05, 0.20])

AGE_BAND = ("18-29", "30-49", "50+")
AGE_SHARE = (0.25, 0.45, 0.30)
AGE_SHIFT = np.array([-0.30, 0.10, 0.20])


#: The file name messages would name (the data never touches disk).
SYNTHETIC = Path("synthetic.parquet")

#: The wide set: attribute → (groups, shares, latent shift per group).
WIDE: dict[str, tuple[tuple[str, ...], tuple[float, ...], tuple[float, ...]]] = {
    "sex": (("female", "male", "other"), (0.48, 0.49, 0.03), (0.0, 0.05, -0.10)),
    "age_band": (AGE_BAND, AGE_SHARE, (-0.30, 0.10, 0.20)),
    "ethnicity": (("a", "b", "c"), (0.70, 0.20, 0.10), (0.10, -0.20, -0.05)),
    "marital": (("married", "single", "other"), (0.50, 0.40, 0.10), (0.15, -0.10, 0.0)),
}
#: The wide set's intersections: every pair, and all four attributes.
WIDE_INTERSECTIONS: tuple[tuple[str, ...], ...] = (
    *itertools.combinations(WIDE, 2),
    tuple(WIDE),
)


def _expit(x: NDArray[np.float64]) -> NDArray[np.float64]:
    out: NDArray[np.float64] = 1.0 / (1.0 + np.exp(-x))
    return out


@dataclass(frozen=True)
class Dataset:
    """One synthetic evaluation set, as the arrays signoff's core takes."""

    y: NDArray[np.int8]
    scores: NDArray[np.float64]
    attributes: tuple[Attribute, ...]  # base attributes first, then intersections
    wide: bool = False  # the 81-joint-group set (config: wide_audit_config)

    @property
    def rows(self) -> int:
        """Number of rows."""
        return int(self.y.shape[0])

    @property
    def input_bytes(self) -> int:
        """Bytes of the input arrays: labels, scores and every group-code array passed in."""
        return int(
            self.y.nbytes + self.scores.nbytes + sum(a.codes.nbytes for a in self.attributes)
        )


def make_dataset(rows: int, *, seed: int = 20261123) -> Dataset:
    """A seeded synthetic evaluation set of ``rows`` rows."""
    rng = np.random.default_rng(seed)
    region = compact(rng.choice(len(REGION), size=rows, p=REGION_SHARE), len(REGION))
    age = compact(rng.choice(len(AGE_BAND), size=rows, p=AGE_SHARE), len(AGE_BAND))
    latent = rng.standard_normal(rows) + REGION_SHIFT[region] + AGE_SHIFT[age]
    y = (rng.random(rows) < _expit(-0.8 + 1.6 * latent)).astype(np.int8)
    noise = 0.6 * rng.standard_normal(rows)
    scores = _expit(-0.8 + 1.4 * latent + noise + REGION_SCORE_BIAS[region])
    a = Attribute("region", region, REGION, 0, ("region",))
    b = Attribute("age_band", age, AGE_BAND, 1, ("age_band",))
    return Dataset(y=y, scores=scores, attributes=(a, b, _intersect([a, b], file=SYNTHETIC)))


def audit_config(*, replicates: int) -> AuditConfig:
    """The audit config of the synthetic set (predictions-only: no model)."""
    return AuditConfig.model_validate(
        {
            "data": {"path": "synthetic.parquet", "target": "y", "score_column": "score"},
            "protected_attributes": {
                "region": {"privileged": REGION[0]},
                "age_band": {"privileged": AGE_BAND[1]},
            },
            "intersections": [["region", "age_band"]],
            "threshold": 0.5,
            "bootstrap": {"replicates": replicates, "confidence": 0.95},
        }
    )


def make_wide_dataset(rows: int, *, seed: int = 20261129) -> Dataset:
    """A seeded evaluation set with four 3-group attributes (81 joint groups)."""
    rng = np.random.default_rng(seed)
    latent = rng.standard_normal(rows)
    base: dict[str, Attribute] = {}
    for index, (name, (labels, shares, shifts)) in enumerate(WIDE.items()):
        codes = compact(rng.choice(len(labels), size=rows, p=shares), len(labels))
        latent += np.asarray(shifts)[codes]
        base[name] = Attribute(name, codes, labels, 0 if index % 2 == 0 else None, (name,))
    y = (rng.random(rows) < _expit(-0.8 + 1.6 * latent)).astype(np.int8)
    noise = 0.6 * rng.standard_normal(rows)
    scores = _expit(-0.8 + 1.4 * latent + noise + 0.1 * base["ethnicity"].codes)
    crossed = [_intersect([base[a] for a in combo], file=SYNTHETIC) for combo in WIDE_INTERSECTIONS]
    return Dataset(y=y, scores=scores, attributes=(*base.values(), *crossed), wide=True)


def wide_audit_config(*, replicates: int) -> AuditConfig:
    """The audit config of the wide set (predictions-only: no model)."""
    return AuditConfig.model_validate(
        {
            "data": {"path": "synthetic.parquet", "target": "y", "score_column": "score"},
            "protected_attributes": {
                name: ({"privileged": groups[0]} if index % 2 == 0 else {})
                for index, (name, (groups, _, _)) in enumerate(WIDE.items())
            },
            "intersections": [list(combo) for combo in WIDE_INTERSECTIONS],
            "threshold": 0.5,
            "bootstrap": {"replicates": replicates, "confidence": 0.95},
        }
    )


def config_for(data: Dataset, *, replicates: int) -> AuditConfig:
    """The audit config that goes with ``data``."""
    return (wide_audit_config if data.wide else audit_config)(replicates=replicates)
