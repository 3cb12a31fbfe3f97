"""Monitoring after deployment: profiles (counts), drift, data quality and fairness per window.

``run_monitor`` reads ``monitor.yaml``, the reference and a production batch,
profiles each tumbling window into the reference's buckets, measures drift,
quality, fairness and performance, and judges the monitoring policy with the
audit's policy engine.  See ``docs/monitoring.md``.
"""

from ._baseline import NEEDS_REGISTRY, Baseline, build_baseline
from ._chart import Point, line_chart
from ._config import (
    ActionsConfig,
    ColumnsConfig,
    DriftConfig,
    DriftThresholds,
    LoadedMonitorConfig,
    MonitorConfig,
    MonitorDataConfig,
    ReferenceConfig,
    load_monitor_config,
)
from ._counts import CategoricalCounts, GroupTable, NumericCounts, Profile
from ._drift import compare_profiles
from ._drift_types import ColumnDrift, DriftReport, PredictionDrift, Thresholds
from ._fairness import PERFORMANCE_METRICS, FairnessOptions, window_fairness, window_performance
from ._history import COLUMN_METRICS, metric_value, prometheus_text
from ._inputs import file_sha256, read_table, read_tables
from ._metrics import MONITOR_CATALOGUE, MONITOR_METRICS, window_evidence
from ._pii import PII_KINDS, PiiFinding, find_pii, iban_valid, luhn_valid
from ._profile import numeric_values, profile_frame
from ._quality import ColumnQuality, SchemaDiff, WindowQuality, window_quality
from ._report import TREND_METRICS, render_monitor_report
from ._run import RESULTS_SCHEMA, MonitorRun, run_monitor
from ._serial import (
    PROFILE_SCHEMA,
    merge_profiles,
    profile_from_dict,
    profile_sha256,
    profile_to_dict,
    profile_to_json,
)
from ._spark import profile_spark
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
from ._windows import Window, split_windows

__all__ = [
    "COLUMN_METRICS",
    "MONITOR_CATALOGUE",
    "MONITOR_METRICS",
    "NEEDS_REGISTRY",
    "PERFORMANCE_METRICS",
    "PII_KINDS",
    "PROFILE_SCHEMA",
    "PSI_FLOOR",
    "RESULTS_SCHEMA",
    "TREND_METRICS",
    "ActionsConfig",
    "AttributeSpec",
    "Baseline",
    "CategoricalCounts",
    "ColumnDrift",
    "ColumnQuality",
    "ColumnsConfig",
    "DriftConfig",
    "DriftReport",
    "DriftThresholds",
    "FairnessOptions",
    "GroupTable",
    "HypothesisTest",
    "LoadedMonitorConfig",
    "MonitorConfig",
    "MonitorDataConfig",
    "MonitorRun",
    "NumericCounts",
    "PiiFinding",
    "Point",
    "PredictionDrift",
    "Profile",
    "ProfileSpec",
    "ReferenceConfig",
    "SchemaDiff",
    "Thresholds",
    "Window",
    "WindowQuality",
    "build_baseline",
    "chi2_homogeneity",
    "compare_profiles",
    "file_sha256",
    "find_pii",
    "holm",
    "iban_valid",
    "jensen_shannon",
    "ks_binned",
    "ks_exact",
    "line_chart",
    "load_monitor_config",
    "luhn_valid",
    "make_spec",
    "merge_profiles",
    "metric_value",
    "numeric_values",
    "prepare_ks",
    "profile_frame",
    "profile_from_dict",
    "profile_sha256",
    "profile_spark",
    "profile_to_dict",
    "profile_to_json",
    "prometheus_text",
    "psi",
    "read_table",
    "read_tables",
    "render_monitor_report",
    "run_monitor",
    "split_windows",
    "wasserstein_normalised",
    "window_evidence",
    "window_fairness",
    "window_performance",
    "window_quality",
]
