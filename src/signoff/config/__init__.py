"""signoff.config: the audit config file, read with the position of every value.

``load_config`` reads and validates an audit config; ``read_yaml`` and
``validation_error`` are the reusable parts (policies and the governance config
use them too) that point every error at ``file:line:column``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_attributes
from ._messages import validation_error
from ._yaml import YamlDocument, read_yaml

if TYPE_CHECKING:
    from ._load import LoadedConfig, config_from_mapping, is_uri, load_config
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

# The audit config's schema is built on first use, so that commands which only read YAML
# (the governance config, policies) start without it (PEP 562).
__getattr__ = lazy_attributes(
    __name__,
    globals(),
    {
        "_load": ("LoadedConfig", "config_from_mapping", "is_uri", "load_config"),
        "_schema": (
            "AuditConfig",
            "BootstrapConfig",
            "DataConfig",
            "ExplainConfig",
            "ModelCardConfig",
            "ModelConfig",
            "ModelFormat",
            "ProtectedAttribute",
        ),
    },
)


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
    "is_uri",
    "load_config",
    "read_yaml",
    "validation_error",
]
