"""The hooks a kpirules plugin can implement.

A plugin is a module or object with functions marked `@hookimpl`, registered from the
`kpirules` entry-point group of an installed package:

    # pyproject.toml of the plugin package
    [project.entry-points.kpirules]
    crm = "kpirules_crm"

    # kpirules_crm.py
    from kpirules.hookspecs import hookimpl

    @hookimpl
    def register_sources(register):
        register(CrmSource)

The built-in sources are registered through these same hooks (see `kpirules.plugins`).
This module holds only the specifications; each docstring says how results combine.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from kpirules.sources.base import Source, SourceOptions

hookspec = pluggy.HookspecMarker("kpirules")
hookimpl = pluggy.HookimplMarker("kpirules")


@hookspec
def register_sources(register: Callable[[type[Source]], None]) -> None:
    """Register data-source types.

    Every implementation is called. Each calls `register(SourceClass)` once per source
    type it offers; `SourceClass` subclasses `kpirules.sources.base.Source` and sets
    `name` (what `source = "..."` in kpirules.toml names) and `Options`. Two plugins
    registering the same name is a configuration error naming both.

    :param register: call it with each `Source` subclass.
    """


@hookspec(firstresult=True)
def describe_source(source_name: str, options: SourceOptions) -> str | None:
    """Describe a configured source in one line for people, without secrets.

    The first implementation returning a string wins; when none does, the source's own
    `describe()` is used. Used by `kpirules sources check` and in load reports.

    :param source_name: the source type, e.g. "csv".
    :param options: the binding's validated options.
    :return: the description, or None to leave it to others.
    """


@hookspec
def register_output_formats(register: Callable[..., None]) -> None:
    """Register output formats for `kpirules run` results.

    Every implementation is called; each calls `register(format)` once per format it
    offers. The format object's shape is defined by the report layer that consumes it
    (`kpirules.report`). Two formats with one name is a configuration error.

    :param register: call it with each output format.
    """


@hookspec
def register_lint_rules(register: Callable[..., None]) -> None:
    """Register lint rules for `kpirules lint`.

    Every implementation is called; each calls `register(rule)` once per rule it offers.
    The rule object's shape is defined by the lint layer (`kpirules.lint`). Two rules
    with one code is a configuration error.

    :param register: call it with each lint rule.
    """


@hookspec
def register_catalogs(register: Callable[[str, Path], None]) -> None:
    """Register message catalogs: the plugin's messages and helps in another language.

    Every implementation is called; each calls `register(lang, path)` once per catalog,
    `lang` a language code ("zh") and `path` a TOML file in the notation of kpirules' own
    catalog (`kpirules/i18n_zh.toml`), with the sections `[messages]`, `[groups]` and
    `[lint]`. Results combine by specificity: within a catalog the first pattern that
    matches translates; when the core's and a plugin's both match, the one with more
    literal text wins (a tie: the core's), so a plugin's general pattern never changes
    what the core says more precisely. A catalog of a language kpirules does not speak
    is left out; one that cannot be read or used is a configuration error naming the
    plugin.

    :param register: call it with each language and catalog file.
    """


#: Every hook, by name: for documentation and the `plugins` command.
HOOKS: dict[str, Any] = {
    name: fn for name, fn in list(globals().items())
    if callable(fn) and hasattr(fn, "kpirules_spec")
}
