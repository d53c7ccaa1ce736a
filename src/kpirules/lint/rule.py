"""The base class of lint rules, and how a rule's documentation is read from its docstring.

A rule module `kpirules/lint/rules/KPI101.py` holds one `Rule` subclass. Its docstring's
first line is the message template (named values in braces, e.g. `{role}`); then prose on
the pitfall; then a `Bad:` and a `Good:` example, each a fenced ```kpi block. The class
declares its code, slug, default severity, a help template saying how to fix it, and the
configuration options it reads.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from kpirules.defaults import defaults
from kpirules.lint.finding import SEVERITIES, Finding

if TYPE_CHECKING:
    from kpirules.lint.context import LintContext

_EXAMPLE = re.compile(r"^(Bad|Good):\s*\n+```kpi\n(.*?)^```", re.MULTILINE | re.DOTALL)
_CODE = re.compile(r"^[A-Z]+[0-9]{3}$")


class Rule:
    """A check for one pitfall; `check` yields findings and never changes the scheme."""

    code: ClassVar[str]
    slug: ClassVar[str]
    severity: ClassVar[str]
    #: the pitfall of docs (domain brief) this rule finds, with its Chinese name
    pitfall: ClassVar[str]
    #: how to fix it: a template over the same named values as the message
    help: ClassVar[str]
    #: configuration options the rule reads (`main-kpis = [3, 5]`), by name
    options: ClassVar[tuple[str, ...]] = ()
    #: defaults of options not in kpirules/defaults.toml (third-party rules)
    option_defaults: ClassVar[dict[str, Any]] = {}
    #: the rule reads past periods' data and runs only with `kpirules lint --history`
    needs_history: ClassVar[bool] = False

    def __init__(self, settings: dict[str, Any] | None = None):
        settings = settings or {}
        self.settings = {name: settings.get(name, self.option_default(name)) for name in self.options}

    def check(self, ctx: LintContext) -> Iterable[Finding]:  # pragma: no cover - abstract
        raise NotImplementedError

    def finding(self, span, /, **args: Any) -> Finding:
        """A finding of this rule at a span (anything with path, line, column, end_line, end_column)."""
        return Finding(
            code=self.code, slug=self.slug, severity=self.severity, template=self.message_template(),
            path=span.path, line=span.line, column=span.column,
            end_line=span.end_line or span.line, end_column=span.end_column or span.column + 1,
            args={k: v if isinstance(v, (int, str)) else str(v) for k, v in args.items()},
            help_template=self.help,
        )

    # ------------------------------------------------------------ documentation

    @classmethod
    def option_default(cls, name: str) -> Any:
        builtin = defaults().get("lint", {}).get("options", {})
        if name in builtin:
            return builtin[name]
        return cls.option_defaults[name]

    @classmethod
    def documentation(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def message_template(cls) -> str:
        return cls.documentation().splitlines()[0] if cls.__doc__ else cls.slug

    @classmethod
    def examples(cls) -> dict[str, str]:
        """The `Bad` and `Good` examples of the docstring, by heading."""
        return {m.group(1).lower(): m.group(2) for m in _EXAMPLE.finditer(cls.documentation())}

    @classmethod
    def validate_declaration(cls) -> list[str]:
        """What is wrong with the class declaration itself (for registration and tests)."""
        problems = []
        for attr in ("code", "slug", "severity", "pitfall", "help"):
            if not isinstance(getattr(cls, attr, None), str):
                problems.append(f"{cls.__name__} does not declare `{attr}`")
        if problems:
            return problems
        if not _CODE.match(cls.code):
            problems.append(f"{cls.__name__}: code {cls.code!r} is not like KPI101")
        if cls.severity not in SEVERITIES:
            problems.append(f"{cls.code}: severity {cls.severity!r} is not one of {', '.join(SEVERITIES)}")
        if not cls.__doc__:
            problems.append(f"{cls.code}: no docstring (its first line is the message)")
        for name in cls.options:
            try:
                cls.option_default(name)
            except KeyError:
                problems.append(f"{cls.code}: option {name!r} has no default")
        return problems
