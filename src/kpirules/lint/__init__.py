"""`kpirules lint`: find the documented pitfalls of a sales KPI scheme.

One rule per module under `kpirules.lint.rules`, named after its code (`KPI101.py`); each
returns findings and never changes the scheme. The engine (`engine.py`) parses and
resolves the files, runs the selected rules, applies suppression comments and the
configuration, and hands the findings to an output format (`formats.py`).
"""

from __future__ import annotations

__all__ = ["Finding", "Rule"]

from kpirules.lint.finding import Finding
from kpirules.lint.rule import Rule
