"""Monitoring after deployment: profiles (counts), drift, data quality and fairness per window."""

from ._drift import ColumnDrift, DriftReport, PredictionDrift, Thresholds, compare_profiles
from ._fairness import PERFORMANCE_METRICS, FairnessOptions, window_fairness, window_performance
from ._pii import PII_KINDS, PiiFinding, find_pii, iban_valid, luhn_valid
from ._profile import (
    CategoricalCounts,
    GroupTable,
    NumericCounts,
    Profile,
    numeric_values,
    profile_frame,
)
from ._quality import ColumnQuality, SchemaDiff, WindowQuality, window_quality
from ._serial import (
    PROFILE_SCHEMA,
    merge_profiles,
    profile_from_dict,
    profile_sha256,
    profile_to_dict,
    profile_to_json,
)
from ._spec import AttributeSpec, ProfileSpec, make_spec
from ._stats import (
    PSI_FLOOR,
    HypothesisTest,
    chi2_homogeneity,
    holm,
    jensen_shannon,
    ks_binned,
    ks_exact,
    prepare_ks,
    psi,
    wasserstein_normalised,
)

__all__ = [
    "PERFORMANCE_METRICS",
    "PII_KINDS",
    "PROFILE_SCHEMA",
    "PSI_FLOOR",
    "AttributeSpec",
    "CategoricalCounts",
    "ColumnDrift",
    "ColumnQuality",
    "DriftReport",
    "FairnessOptions",
    "GroupTable",
    "HypothesisTest",
    "NumericCounts",
    "PiiFinding",
    "PredictionDrift",
    "Profile",
    "ProfileSpec",
    "SchemaDiff",
    "Thresholds",
    "WindowQuality",
    "chi2_homogeneity",
    "compare_profiles",
    "find_pii",
    "holm",
    "iban_valid",
    "jensen_shannon",
    "ks_binned",
    "ks_exact",
    "luhn_valid",
    "make_spec",
    "merge_profiles",
    "numeric_values",
    "prepare_ks",
    "profile_frame",
    "profile_from_dict",
    "profile_sha256",
    "profile_to_dict",
    "profile_to_json",
    "psi",
    "wasserstein_normalised",
    "window_fairness",
    "window_performance",
    "window_quality",
]
