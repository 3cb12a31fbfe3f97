"""Collection for the whole repository (the package's doctests run too, see pyproject)."""

from __future__ import annotations

import importlib.util

# The compiled kernels import numba at the top: without the `fast` extra their module
# is not collected for doctests (signoff itself never imports it then).
collect_ignore_glob = [] if importlib.util.find_spec("numba") else ["src/signoff/evidence/_jit.py"]
