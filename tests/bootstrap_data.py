"""The audit config the bootstrap tests share: a scores-only audit of ``y`` and ``s`` with
the given attributes (``a``'s privileged group ``x``) and intersections."""

from __future__ import annotations

from signoff.config import AuditConfig


def scores_config(
    attributes: list[str], intersections: list[list[str]], replicates: int
) -> AuditConfig:
    """Threshold 0.5, 90 % intervals from ``replicates`` replicates."""
    return AuditConfig.model_validate(
        {
            "data": {"path": "x.parquet", "target": "y", "score_column": "s"},
            "protected_attributes": {
                name: ({"privileged": "x"} if name == "a" else {}) for name in attributes
            },
            "intersections": intersections,
            "threshold": 0.5,
            "bootstrap": {"replicates": replicates, "confidence": 0.9},
        }
    )
