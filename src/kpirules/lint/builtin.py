"""The built-in rules as a plugin, registered through `register_lint_rules` like any other.

A third-party package registers its rules the same way:

    # kpirules_myrules.py, listed under [project.entry-points.kpirules]
    from kpirules.hookspecs import hookimpl

    @hookimpl
    def register_lint_rules(register):
        register(MyRule)   # a kpirules.lint.Rule subclass, code e.g. "ACME101"
"""

from __future__ import annotations

from kpirules.hookspecs import hookimpl


@hookimpl
def register_lint_rules(register) -> None:
    from kpirules.lint.registry import builtin_rules

    for rule in builtin_rules():
        register(rule)
