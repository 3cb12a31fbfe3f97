"""Explainability evidence: what drives the model's scores."""

from ._permutation import FeatureImportance, Scorer, importance_rank, permutation_importances

__all__ = ["FeatureImportance", "Scorer", "importance_rank", "permutation_importances"]
