"""Evidence: the evaluation set read once and reduced to a count table."""

from ._bootstrap import bootstrap_tables
from ._data import binary_labels, check_columns, validate_scores
from ._grid import ScoreGrid, make_grid
from ._groups import Attribute, JointGroups, encode_attributes, joint_groups
from ._table import CountTable, FloatArray, build_table, log_loss_terms

__all__ = [
    "Attribute",
    "CountTable",
    "FloatArray",
    "JointGroups",
    "ScoreGrid",
    "binary_labels",
    "bootstrap_tables",
    "build_table",
    "check_columns",
    "encode_attributes",
    "joint_groups",
    "log_loss_terms",
    "make_grid",
    "validate_scores",
]
