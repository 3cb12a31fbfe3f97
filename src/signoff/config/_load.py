"""Load the audit config: read the YAML with positions, validate it once."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ..errors import ConfigError
from ._messages import validation_error
from ._schema import AuditConfig
from ._yaml import YamlDocument, read_yaml
from ._yaml_build import describe

__all__ = ["LoadedConfig", "config_from_mapping", "is_uri", "load_config"]

NOT_A_MAPPING = "the config must be a mapping of keys to values, got {got}"
#: ``scheme://…`` (``hdfs://``, ``s3a://``, ``file://``): a location the engine reads, not
#: a file here (a scheme of two letters or more, so ``C:/…`` stays a path).
URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]+://")


def is_uri(path: str | Path) -> bool:
    """Whether a data path is a URI (``hdfs://…``, ``s3a://…``, ``file:///…``), which only
    the spark engine reads, through the cluster's file systems, and which is never joined
    onto the config's folder."""
    return isinstance(path, str) and URI.match(path) is not None


@dataclass(frozen=True)
class LoadedConfig:
    """An audit config read from a file, with what is needed to reproduce it.

    Attributes
    ----------
    config : AuditConfig
        The validated config.
    path : Path
        The config file (resolved).
    base_dir : Path
        The config file's folder: relative paths in the config start here.
    sha256 : str
        SHA-256 (hex) of the file's bytes, for the manifest.
    document : YamlDocument
        The file as read, with the position of every value.
    """

    config: AuditConfig
    path: Path
    base_dir: Path
    sha256: str
    document: YamlDocument

    def resolve(self, relative: str) -> Path:
        """A path from the config, made relative to :attr:`base_dir` (absolute paths kept)."""
        return _under(self.base_dir, relative)


def load_config(path: str | Path) -> LoadedConfig:
    """Read and validate an audit config file.

    Parameters
    ----------
    path : str or Path
        The YAML config file.

    Returns
    -------
    LoadedConfig

    Raises
    ------
    ConfigError
        With ``file:line:column``, the field and what was expected.
    """
    document = read_yaml(path, what="config")
    try:
        config = AuditConfig.model_validate(document.data)
    except ValidationError as exc:
        raise validation_error(exc, document, model=AuditConfig) from None
    resolved = Path(path).resolve()
    return LoadedConfig(config, resolved, resolved.parent, document.text_sha256, document)


def config_from_mapping(data: Mapping[str, Any], *, base_dir: Path | None = None) -> AuditConfig:
    """Validate an audit config given as Python values (the Python API's way in).

    Parameters
    ----------
    data : Mapping
        The same keys as the YAML config file.
    base_dir : Path, optional
        When given, relative ``model.path`` and ``data.path`` are joined onto
        it (``~`` expanded), so the returned config no longer depends on the working directory.

    Returns
    -------
    AuditConfig

    Raises
    ------
    ConfigError
        Naming the field and what was expected (no file, no line).
    """
    if not isinstance(data, Mapping):
        raise ConfigError(NOT_A_MAPPING.format(got=describe(data)))
    try:
        config = AuditConfig.model_validate(dict(data))
    except ValidationError as exc:
        raise validation_error(exc, None, model=AuditConfig) from None
    if base_dir is None:
        return config
    data_path = config.data.path
    if not is_uri(data_path):
        data_path = str(_under(base_dir, data_path))
    update: dict[str, BaseModel] = {"data": config.data.model_copy(update={"path": data_path})}
    if config.model is not None:
        model_path = str(_under(base_dir, config.model.path))
        update["model"] = config.model.model_copy(update={"path": model_path})
    return config.model_copy(update=update)


def _under(base_dir: Path, relative: str) -> Path:
    path = Path(relative).expanduser()
    return path if path.is_absolute() else base_dir / path
