"""Evidence: the evaluation set read once and reduced to a count table."""

from ._bootstrap import bootstrap_tables
from ._data import binary_labels, check_columns, validate_scores
from ._grid import ScoreGrid, make_grid
from ._groups import Attribute, compact, encode_attributes
from ._joint import JointGroups, joint_groups
from ._table import CountTable, FloatArray, build_table, log_loss_terms
from ._views import View, plan_views, view_table

__all__ = [
    "Attribute",
    "CountTable",
    "FloatArray",
    "JointGroups",
    "ScoreGrid",
    "View",
    "binary_labels",
    "bootstrap_tables",
    "build_table",
    "check_columns",
    "compact",
    "encode_attributes",
    "joint_groups",
    "log_loss_terms",
    "make_grid",
    "plan_views",
    "validate_scores",
    "view_table",
]
