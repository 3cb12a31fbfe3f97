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
    View,
    build_table,
    joint_groups,
    make_grid,
    plan_views,
)
from ..metrics import average_precision, roc_auc_by_group, roc_auc_by_mapped_group, score_ranks

__all__ = ["OVERALL", "Counted", "count_arrays"]

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
    exact_auc = {OVERALL: roc_auc_by_group(y, scores, None, 1, ranked=ranked)}
    # The joint groups go through the score order once; every attribute's groups are
    # then read from them through its small map (an attribute's own codes through the
    # order would be one scattered read of every row per attribute).
    ordered = joint.codes[ranked.order]
    # The order is spent: drop it (and the joint codes) before the per-group sums.
    ranked = replace(ranked, order=np.empty(0, dtype=np.intp))
    maps = joint.maps
    del joint
    exact_auc.update(
        {
            a.name: roc_auc_by_mapped_group(ranked, ordered, maps[a.name], a.n_groups)
            for a in attributes
        }
    )
    del ordered
    ap = average_precision(y, scores, ranked=ranked)
    return Counted(table, views, exact_auc, ap)
