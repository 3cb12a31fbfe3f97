"""Evidence: the evaluation set read once and reduced to a count table."""

from ._bootstrap import BOOTSTRAP_SCHEME, bootstrap_counts, bootstrap_tables
from ._chunk import Replicates, raw_fine
from ._data import (
    SCORES_NAN,
    SCORES_NOT_NUMERIC,
    SCORES_RANGE,
    TARGET_NULLS,
    binary_labels,
    check_columns,
    validate_scores,
)
from ._grid import (
    ScoreGrid,
    make_grid,
    make_grid_from_order,
    quantile_ranks,
    quantiles_from_order,
)
from ._groups import Attribute, add_intersections, compact, encode_attribute, encode_attributes
from ._joint import JointGroups, joint_groups
from ._kernel import loaded as compiled_kernels
from ._pipeline import THREADS_ENV, pipelined
from ._replicates import (
    Mode,
    Step,
    choose_mode,
    coarse_grid,
    coarse_table,
    replicate_steps,
    replicate_tables,
)
from ._table import LOG_LOSS_EPS, CountTable, FloatArray, build_table, log_loss_terms
from ._views import View, plan_views, view_counts, view_table

__all__ = [
    "BOOTSTRAP_SCHEME",
    "LOG_LOSS_EPS",
    "SCORES_NAN",
    "SCORES_NOT_NUMERIC",
    "SCORES_RANGE",
    "TARGET_NULLS",
    "THREADS_ENV",
    "Attribute",
    "CountTable",
    "FloatArray",
    "JointGroups",
    "Mode",
    "Replicates",
    "ScoreGrid",
    "Step",
    "View",
    "add_intersections",
    "binary_labels",
    "bootstrap_counts",
    "bootstrap_tables",
    "build_table",
    "check_columns",
    "choose_mode",
    "coarse_grid",
    "coarse_table",
    "compact",
    "compiled_kernels",
    "encode_attribute",
    "encode_attributes",
    "joint_groups",
    "log_loss_terms",
    "make_grid",
    "make_grid_from_order",
    "pipelined",
    "plan_views",
    "quantile_ranks",
    "quantiles_from_order",
    "raw_fine",
    "replicate_steps",
    "replicate_tables",
    "validate_scores",
    "view_counts",
    "view_table",
]
