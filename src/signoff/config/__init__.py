"""signoff.config: the audit config file, read with the position of every value.

``load_config`` reads and validates an audit config; ``read_yaml`` and
``validation_error`` are the reusable parts (policies and the governance config
use them too) that point every error at ``file:line:column``.
"""

from __future__ import annotations

from ._load import LoadedConfig, config_from_mapping, load_config
from ._messages import validation_error
from ._schema import (
    AuditConfig,
    BootstrapConfig,
    DataConfig,
    ExplainConfig,
    ModelCardConfig,
    ModelConfig,
    ModelFormat,
    ProtectedAttribute,
)
from ._yaml import YamlDocument, read_yaml

__all__ = [
    "AuditConfig",
    "BootstrapConfig",
    "DataConfig",
    "ExplainConfig",
    "LoadedConfig",
    "ModelCardConfig",
    "ModelConfig",
    "ModelFormat",
    "ProtectedAttribute",
    "YamlDocument",
    "config_from_mapping",
    "load_config",
    "read_yaml",
    "validation_error",
]
