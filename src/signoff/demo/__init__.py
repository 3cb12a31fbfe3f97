"""The bundled demo: German Credit data and ``signoff quickstart``."""

from ._quickstart import EXCLUDED_FROM_MODEL, POLICY, german_credit, write_demo_project

__all__ = ["EXCLUDED_FROM_MODEL", "POLICY", "german_credit", "write_demo_project"]
