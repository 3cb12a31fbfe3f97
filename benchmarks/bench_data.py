"""Seeded synthetic evaluation sets for the benchmarks (generation is never timed).

Two protected attributes, ``region`` (4 groups) and ``age_band`` (3 groups),
with unequal shares.  A latent creditworthiness has group-dependent shifts;
the true label is Bernoulli with a logistic probability of the latent, and
the model's score is a noisy logistic function of the same latent with a
group-dependent offset (a slightly miscalibrated, slightly unfair model), so
every group has both classes, scores are continuous and rates differ by group.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from signoff.config import AuditConfig
from signoff.evidence import Attribute
from signoff.evidence._groups import _intersect

__all__ = ["AGE_BAND", "REGION", "Dataset", "audit_config", "make_dataset"]

REGION = ("north", "east", "south", "west")
REGION_SHARE = (0.40, 0.30, 0.20, 0.10)
REGION_SHIFT = np.array([0.0, -0.15, 0.25, -0.35])
REGION_SCORE_BIAS = np.array([0.0, 0.10, -0.05, 0.20])

AGE_BAND = ("18-29", "30-49", "50+")
AGE_SHARE = (0.25, 0.45, 0.30)
AGE_SHIFT = np.array([-0.30, 0.10, 0.20])


def _expit(x: NDArray[np.float64]) -> NDArray[np.float64]:
    out: NDArray[np.float64] = 1.0 / (1.0 + np.exp(-x))
    return out


@dataclass(frozen=True)
class Dataset:
    """One synthetic evaluation set, as the arrays signoff's core takes."""

    y: NDArray[np.int8]
    scores: NDArray[np.float64]
    attributes: tuple[Attribute, ...]  # region, age_band, region*age_band

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
    region = rng.choice(len(REGION), size=rows, p=REGION_SHARE).astype(np.intp)
    age = rng.choice(len(AGE_BAND), size=rows, p=AGE_SHARE).astype(np.intp)
    latent = rng.standard_normal(rows) + REGION_SHIFT[region] + AGE_SHIFT[age]
    y = (rng.random(rows) < _expit(-0.8 + 1.6 * latent)).astype(np.int8)
    noise = 0.6 * rng.standard_normal(rows)
    scores = _expit(-0.8 + 1.4 * latent + noise + REGION_SCORE_BIAS[region])
    a = Attribute("region", region, REGION, 0, ("region",))
    b = Attribute("age_band", age, AGE_BAND, 1, ("age_band",))
    return Dataset(y=y, scores=scores, attributes=(a, b, _intersect([a, b])))


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
