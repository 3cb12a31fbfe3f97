"""Importing ``skops.io`` without recomputing its default trusted types every run.

``import skops.io`` spends about a second, most of a model audit's fixed cost, in
one module, ``skops.io._trusted_types``: it walks and imports every public
scikit-learn module (``sklearn.utils.all_estimators``, which also imports
pytest) and scans every loaded module for each SciPy and NumPy ufunc, only to
build the lists of type names skops trusts by default.  Those lists are a
function of the installed packages, so signoff keeps them in a cache file, keyed
by the versions and locations of skops, scikit-learn, SciPy, NumPy and Python:

* on a miss, ``skops.io`` is imported as usual and its lists are written to the
  cache (best effort: a read-only cache folder only costs the speed-up);
* on a hit, a module holding exactly those lists is registered as
  ``skops.io._trusted_types`` before ``skops.io`` is imported, so skops checks
  every file against the very lists it computed itself, and the checks stay as
  strict as skops makes them.

The cache folder is ``SIGNOFF_CACHE_DIR``, else ``$XDG_CACHE_HOME/signoff``,
else ``~/.cache/signoff``; the file is written owner-only.  Like the installed
packages themselves, it must be writable only by the user who runs audits.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import types
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = ["cache_path", "import_skops_io"]

TRUSTED_MODULE = "skops.io._trusted_types"
CACHE_FORMAT = 1
PACKAGES = ("skops", "scikit-learn", "scipy", "numpy")


def cache_dir() -> Path:
    """The folder of signoff's caches (see the module docstring)."""
    explicit = os.environ.get("SIGNOFF_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "signoff"


def cache_path() -> Path:
    """The cache file of skops' default trusted types for the installed packages."""
    parts: list[str] = [str(CACHE_FORMAT), sys.version, sys.prefix]
    for name in PACKAGES:
        dist = metadata.distribution(name)
        parts += [name, dist.version, str(dist.locate_file(""))]
    key = hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]
    return cache_dir() / f"skops-trusted-types-{key}.json"


def import_skops_io() -> Any:
    """``skops.io``, imported with its trusted-type lists from the cache when they are there."""
    if "skops.io" in sys.modules:
        return sys.modules["skops.io"]
    try:
        path = cache_path()
    except metadata.PackageNotFoundError:  # skops missing: let the import say so
        path = None
    lists = None if path is None else _read(path)
    if lists is not None:
        module = types.ModuleType(TRUSTED_MODULE)
        module.__dict__.update(lists)
        sys.modules[TRUSTED_MODULE] = module
        try:
            import skops.io

            skops.io._trusted_types = module
            return skops.io
        except ImportError:  # the lists do not fit this skops: import it the long way
            for name in [m for m in sys.modules if m == "skops.io" or m.startswith("skops.io.")]:
                del sys.modules[name]
    import skops.io

    if path is not None:
        _write(path, _lists_of(sys.modules[TRUSTED_MODULE]))
    return skops.io


def _lists_of(module: types.ModuleType) -> dict[str, list[str]]:
    """The module's public constants that are lists of type names."""
    return {
        name: list(value)
        for name, value in vars(module).items()
        if name.isupper()
        and isinstance(value, list)
        and all(isinstance(item, str) for item in value)
    }


def _read(path: Path) -> dict[str, list[str]] | None:
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(loaded, dict) or loaded.get("format") != CACHE_FORMAT:
        return None
    lists = loaded.get("lists")
    if not isinstance(lists, dict) or not lists:
        return None
    for name, value in lists.items():
        if not (
            isinstance(name, str)
            and name.isupper()
            and isinstance(value, list)
            and all(isinstance(item, str) for item in value)
        ):
            return None
    return lists


def _write(path: Path, lists: dict[str, list[str]]) -> None:
    text = json.dumps({"format": CACHE_FORMAT, "lists": lists}, sort_keys=True)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".skops-", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError:
        return  # no writable cache: every run computes the lists, as skops does
