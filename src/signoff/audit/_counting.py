"""The NumPy engine's counting pass: what every engine hands on to :func:`summarise`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from ..config import AuditConfig
from ..evidence import (
    Attribute,
    CountTable,
    FloatArray,
    JointGroups,
    View,
    build_table,
    joint_groups,
    make_grid,
    plan_views,
)
from ..metrics import (
    Ranked,
    average_precision,
    roc_auc_by_group,
    roc_auc_by_mapped_group,
    score_ranks,
)

__all__ = ["OVERALL", "Counted", "count_arrays", "exact_aucs"]

OVERALL = "__overall__"


@dataclass(frozen=True)
class Counted:
    """What every engine computes from the rows; the rest works on it alone.

    Attributes
    ----------
    table : CountTable
        Over the joint groups of every protected attribute.
    views : list of View
        How each view (overall first) sums from the joint groups.
    exact_auc : dict
        View → exact ROC AUC of each group (from the rows, not the bins).
    average_precision : float
        Exact average precision overall.
    """

    table: CountTable
    views: list[View]
    exact_auc: dict[str, FloatArray]
    average_precision: float


def count_arrays(
    y: NDArray[np.int8], scores: FloatArray, attributes: Sequence[Attribute], config: AuditConfig
) -> Counted:
    """The NumPy engine: count the rows held in memory.

    The per-row joint codes and the score order die here, so they do not add to peak
    memory later.
    """
    grid = make_grid(scores, threshold=config.threshold, calibration_bins=config.calibration_bins)
    joint = joint_groups(attributes)
    table = build_table(y, scores, joint.codes, joint.n_groups, grid)
    views = plan_views(attributes, joint, overall=OVERALL)
    ranked = score_ranks(y, scores)
    exact_auc = exact_aucs(y, scores, ranked, joint, attributes)
    del joint
    # The order is spent: drop it before average precision's per-run terms.
    ranked = replace(ranked, order=np.empty(0, dtype=np.intp))
    ap = average_precision(y, scores, ranked=ranked)
    return Counted(table, views, exact_auc, ap)


def exact_aucs(
    y: NDArray[np.int8],
    scores: FloatArray,
    ranked: Ranked,
    joint: JointGroups,
    attributes: Sequence[Attribute],
) -> dict[str, FloatArray]:
    """The exact ROC AUC of every view from the rows in score order: the joint groups go
    through the order once, and every attribute reads its groups from them through its
    small map (an attribute's own codes through the order would be one scattered read
    of every row per attribute)."""
    exact = {OVERALL: roc_auc_by_group(y, scores, None, 1, ranked=ranked)}
    ordered = joint.codes[ranked.order]
    for a in attributes:
        exact[a.name] = roc_auc_by_mapped_group(ranked, ordered, joint.maps[a.name], a.n_groups)
    return exact
