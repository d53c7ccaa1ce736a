"""Which rules exist: the built-in rule modules, and rules that plugins register.

Built-in rules live one per module in `kpirules.lint.rules`, each module named after its
rule's code. They are registered through the same `register_lint_rules` hook third-party
plugins use (when the plugin system is present), so both are listed, configured and
documented alike.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
import pkgutil
import re

from kpirules.lint.rule import Rule

_MODULE = re.compile(r"^[A-Z]+[0-9]{3}$")


def builtin_rules() -> list[type[Rule]]:
    """The rule classes of kpirules.lint.rules, in code order."""
    from kpirules.lint import rules as package

    found = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if not _MODULE.match(info.name):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        classes = [
            obj for obj in vars(module).values()
            if isinstance(obj, type) and issubclass(obj, Rule) and obj is not Rule and obj.__module__ == module.__name__
        ]
        if len(classes) != 1 or getattr(classes[0], "code", None) != info.name:
            raise RuntimeError(f"{module.__name__} must define exactly one Rule whose code is {info.name}")
        found.append(classes[0])
    return found


class Registry:
    """Rules by code; registering a code twice, or a malformed rule, is an error."""

    def __init__(self) -> None:
        self.rules: dict[str, type[Rule]] = {}

    def register(self, rule: type[Rule]) -> None:
        problems = rule.validate_declaration()
        if problems:
            raise RuntimeError("; ".join(problems))
        if rule.code in self.rules and self.rules[rule.code] is not rule:
            raise RuntimeError(f"two rules have the code {rule.code}: {self.rules[rule.code].__module__} and {rule.__module__}")
        self.rules[rule.code] = rule


BUILTIN_PLUGIN = "kpirules.lint.builtin"


def all_rules() -> dict[str, type[Rule]]:
    """Every rule, built-in and from plugins, by code (sorted)."""
    registry = Registry()
    _register_through_plugins(registry.register)
    return dict(sorted(registry.rules.items()))


def _register_through_plugins(register) -> None:
    """Call every plugin's register_lint_rules hook, the built-in rules' plugin included."""
    from kpirules import plugins
    from kpirules.errors import ConfigError, Diagnostic
    from kpirules.lint import builtin

    if plugins.pm.get_plugin(BUILTIN_PLUGIN) is None:
        plugins.pm.register(builtin, name=BUILTIN_PLUGIN)
    # installed plugins are loaded only when there are some: the built-in data sources
    # (DuckDB, Arrow, Excel readers) register no lint rules and cost half a second to import
    if any(True for _ in entry_points(group=plugins.ENTRY_POINT_GROUP)):
        plugins.load_plugins()
    for impl in plugins.pm.hook.register_lint_rules.get_hookimpls():

        def register_rule(rule, _plugin=impl.plugin_name):
            if not (isinstance(rule, type) and issubclass(rule, Rule)):
                raise ConfigError(Diagnostic(
                    "E620", f"plugin {_plugin} registered {rule!r}, which is not a lint Rule subclass",
                    help="register subclasses of kpirules.lint.rule.Rule (docs/plugins.md, register_lint_rules)",
                ))
            register(rule)

        plugins.call_hook(impl, "failed to register its lint rules", register=register_rule)


def option_defaults(rules: dict[str, type[Rule]]) -> dict[str, object]:
    return {name: rule.option_default(name) for rule in rules.values() for name in rule.options}
