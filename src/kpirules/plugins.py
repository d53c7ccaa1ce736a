"""The one plugin manager: built-in sources and installed plugins, through the same hooks.

The built-in sources are modules listed in `DEFAULT_PLUGINS`, registered exactly as an
installed package's plugin is. Installed plugins come from the `kpirules` entry-point
group and are loaded lazily, on first use. `KPIRULES_PLUGINS` limits which: a
comma-separated list of entry-point (or distribution) names; empty means none.

Plugin authors import `hookimpl` from `kpirules.hookspecs`. Tests may `pm.register(...)`
a plugin object and call `reset_plugins()` afterwards.
"""

from __future__ import annotations

import difflib
import importlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

from kpirules import __version__, hookspecs, i18n
from kpirules.errors import ConfigError, Diagnostic, KpiError

if TYPE_CHECKING:
    from kpirules.sources.base import Source

DEFAULT_PLUGINS: tuple[str, ...] = (
    "kpirules.sources.csv",
    "kpirules.sources.parquet",
    "kpirules.sources.json",
    "kpirules.sources.xlsx",
    "kpirules.sources.sqlite",
    "kpirules.sources.duckdb",
    "kpirules.sources.postgres",
)
#: every built-in plugin as `kpirules plugins` lists it: the sources above, the output formats
#: (`kpirules.report.formats`) and the lint rules (`kpirules.lint.builtin`); they always load,
#: so `KPIRULES_PLUGINS` may name them, to no effect
BUILT_IN_PLUGINS: tuple[str, ...] = (*DEFAULT_PLUGINS, "kpirules.report.formats", "kpirules.lint.builtin")
ENTRY_POINT_GROUP = "kpirules"
SELECT_ENV = "KPIRULES_PLUGINS"

pm = pluggy.PluginManager("kpirules")
pm.add_hookspecs(hookspecs)

_versions: dict[str, str | None] = {}
_installed_loaded = False
#: the plugins whose catalogs were registered
_catalogs_loaded: set[str] = set()


@dataclass(frozen=True)
class RegisteredSource:
    """A source type and the plugin that registered it."""

    cls: type[Source]
    plugin: str


@dataclass(frozen=True)
class PluginInfo:
    name: str
    version: str | None
    hooks: list[str]
    sources: list[str]


def load_plugins() -> None:
    """Register the built-in plugins, and the installed ones once; check every hook is known."""
    global _installed_loaded
    for module_name in DEFAULT_PLUGINS:
        if pm.get_plugin(module_name) is None:
            pm.register(importlib.import_module(module_name), name=module_name)
            _versions[module_name] = __version__
    if not _installed_loaded:
        _installed_loaded = True
        for ep in _selected_entry_points():
            if pm.get_plugin(ep.name) is not None:
                continue
            try:
                plugin = ep.load()
                pm.register(plugin, name=ep.name)
            except Exception as exc:  # noqa: BLE001 - any failure is the plugin's
                raise _plugin_error("E620", ep.name, f"failed to load ({ep.value}): {_why(exc)}") from None
            _versions[ep.name] = ep.dist.version if ep.dist else None
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        name = pm.get_name(exc.plugin) or repr(exc.plugin)
        first = str(exc).split("\n")[0]
        # pluggy says "unknown hook 'x' in plugin <module ...>": the hook's name is what helps
        hook = re.search(r"unknown hook '([^']+)'", first)
        raise _plugin_error(
            "E623", name, f"unknown hook '{hook.group(1)}'" if hook else first,
            help=f"the hooks kpirules knows are: {', '.join(hookspecs.HOOKS)}",
        ) from None
    _load_catalogs()


def _load_catalogs() -> None:
    """Each registered plugin's message catalogs, added once to those `kpirules.i18n` reads."""
    for impl in pm.hook.register_catalogs.get_hookimpls():
        plugin = impl.plugin_name
        if plugin in _catalogs_loaded:
            continue
        _catalogs_loaded.add(plugin)

        def register(lang: str, path: Path, _plugin: str = plugin) -> None:
            try:
                i18n.extend(str(lang), Path(path))
            except ValueError as exc:
                raise _plugin_error("E620", _plugin, f"registered a catalog kpirules cannot use: {exc}") from None

        call_hook(impl, "raised while registering catalogs", register=register)


def _selected_entry_points() -> list:
    available = list(entry_points(group=ENTRY_POINT_GROUP))
    wanted = os.environ.get(SELECT_ENV)
    if wanted is None:
        return available
    names = [n.strip() for n in wanted.split(",") if n.strip()]
    chosen = []
    for name in names:
        match = [ep for ep in available if name in (ep.name, ep.dist.name if ep.dist else None)]
        if not match and name in BUILT_IN_PLUGINS:
            continue  # a built-in plugin, as `kpirules plugins` lists it: it loads anyway
        if not match:
            known = sorted({ep.name for ep in available})
            hint = difflib.get_close_matches(name, known, n=1)
            raise ConfigError(Diagnostic(
                "E624", f"{SELECT_ENV} names '{name}', which is not an installed kpirules plugin",
                help=(f"did you mean '{hint[0]}'? " if hint else "")
                + (f"installed: {', '.join(known)}" if known else "no kpirules plugins are installed"),
            ))
        chosen.extend(match)
    return chosen


def reset_plugins() -> None:
    """Unregister every plugin but the built-in ones; installed plugins load again on next use."""
    global _installed_loaded
    for name, plugin in list(pm.list_name_plugin()):
        if name not in DEFAULT_PLUGINS:
            pm.unregister(plugin, name=name)
            _versions.pop(name, None)
    _installed_loaded = False
    _catalogs_loaded.clear()
    i18n.forget_extensions()


def source_types() -> dict[str, RegisteredSource]:
    """Every registered source type by name, asking each plugin's `register_sources`."""
    from kpirules.sources.base import Source, SourceOptions

    load_plugins()
    found: dict[str, RegisteredSource] = {}
    for impl in pm.hook.register_sources.get_hookimpls():
        plugin = impl.plugin_name

        def register(cls: Any, _plugin: str = plugin) -> None:
            if not (isinstance(cls, type) and issubclass(cls, Source)):
                raise _plugin_error("E622", _plugin, f"registered {cls!r}, which is not a Source subclass")
            name = getattr(cls, "name", None)
            if not isinstance(name, str) or not name:
                raise _plugin_error("E622", _plugin, f"source class {cls.__name__} has no `name`")
            if not (isinstance(cls.Options, type) and issubclass(cls.Options, SourceOptions)):
                raise _plugin_error("E622", _plugin, f"{cls.__name__}.Options is not a SourceOptions subclass")
            if name in found:
                first = found[name].plugin
                if first == _plugin:
                    message = f"source type '{name}' is registered twice by plugin {_plugin}"
                    help = "register each source class once in register_sources"
                else:
                    message = f"source type '{name}' is registered by two plugins: {first} and {_plugin}"
                    help = (f"'{name}' is a built-in source type: give the plugin's source another `name`"
                            if {first, _plugin} & set(BUILT_IN_PLUGINS)
                            else f"uninstall one, or limit plugins with {SELECT_ENV}")
                raise ConfigError(Diagnostic("E621", message, help=help))
            found[name] = RegisteredSource(cls, _plugin)

        call_hook(impl, "raised while registering sources", register=register)
    return found


def get_source_type(name: str) -> RegisteredSource | None:
    return source_types().get(name)


def unknown_source_help(name: str) -> str:
    """The help of E605 for the source type `name` that no loaded plugin registers: the
    installed plugin that provides it when `KPIRULES_PLUGINS` leaves that plugin out, else a
    close name or the types there are."""
    types = source_types()
    provider = _left_out_provider(name)
    if provider is not None:
        return (f"the installed plugin {provider} provides it, but {SELECT_ENV} leaves that plugin out: "
                f"add {provider} to {SELECT_ENV}, or unset {SELECT_ENV}")
    # an installed plugin that implements no hook at all: its functions lack @hookimpl
    silent = sorted(plugin for plugin, obj in pm.list_name_plugin()
                    if obj is not None and plugin not in BUILT_IN_PLUGINS and not pm.get_hookcallers(obj))
    if silent:
        plugin = silent[0]
        return (f"the installed plugin {plugin} implements no hook: mark its register_sources with "
                "@hookimpl (from kpirules.hookspecs import hookimpl)")
    hint = difflib.get_close_matches(name, list(types), n=1, cutoff=0.6)
    return f"did you mean '{hint[0]}'?" if hint else f"source types: {', '.join(sorted(types))}"


def _left_out_provider(name: str) -> str | None:
    """The installed plugin `KPIRULES_PLUGINS` leaves out that registers the source type
    `name`, asked in a manager of its own (nothing is registered here); None when there is
    none, or when a left-out plugin cannot say (it fails to load: it was left out)."""
    if os.environ.get(SELECT_ENV) is None:
        return None
    chosen = {ep.name for ep in _selected_entry_points()}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in chosen:
            continue
        found: list[str] = []
        try:
            probe = pluggy.PluginManager("kpirules")
            probe.add_hookspecs(hookspecs)
            probe.register(ep.load(), name=ep.name)
            for impl in probe.hook.register_sources.get_hookimpls():
                call_hook(impl, "raised while registering sources",
                          register=lambda cls: found.append(getattr(cls, "name", None)))
        except Exception:  # noqa: BLE001 - a plugin left out may be broken: it only cannot tell
            continue
        if name in found:
            return ep.name
    return None


def describe(source: Source) -> str:
    """A one-line description of a configured source: a plugin's `describe_source`, else its own."""
    load_plugins()
    # each implementation in pluggy's order (the last registered first), so that a failure
    # names its plugin; the first string wins (firstresult)
    for impl in reversed(pm.hook.describe_source.get_hookimpls()):
        text = call_hook(impl, f"raised in describe_source for dataset {source.context.dataset.id} "
                               f"(source {source.name} in [{source.context.config_key}])",
                         source_name=source.name, options=source.options)
        if isinstance(text, str):
            return text
    return source_call(source, "describe", source.describe)


def source_call(source: Source, what: str, call: Callable[[], Any]) -> Any:
    """A source's own method (`describe`, `locator`, `close`) other than `read`: a failure is
    its plugin's, E620 naming the plugin, the dataset and the method."""
    try:
        return call()
    except KpiError:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure is the plugin's
        registered = source_types().get(source.name)
        plugin = registered.plugin if registered is not None else source.name
        raise _plugin_error("E620", plugin, f"raised in {what} of source {source.name} (dataset "
                                            f"{source.context.dataset.id}): {_why(exc)}") from None


def plugin_infos(with_sources: bool = True) -> list[PluginInfo]:
    """Each registered plugin: name, version, the hooks it implements and (`with_sources`)
    its source types, which asks every plugin to register them."""
    sources = source_types() if with_sources else {}
    infos = []
    for name, plugin in sorted(pm.list_name_plugin(), key=lambda item: item[0]):
        if plugin is None:
            continue
        hooks = sorted(caller.name for caller in pm.get_hookcallers(plugin) or [])
        infos.append(PluginInfo(
            name=name,
            version=_versions.get(name),
            hooks=hooks,
            sources=sorted(s for s, reg in sources.items() if reg.plugin == name),
        ))
    return infos


def call_hook(impl, failing: str, **kwargs: Any) -> Any:
    """A plugin's hook implementation, called with the arguments it names (a plugin may take
    fewer than the hook offers). A kpirules error it raises (E62x from a `register`
    callback) passes as it is; any other failure is the plugin's, E620: `plugin P {failing}:
    Type: message`."""
    try:
        return impl.function(*[kwargs[arg] for arg in impl.argnames])
    except KpiError:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure is the plugin's
        raise _plugin_error("E620", impl.plugin_name, f"{failing}: {_why(exc)}") from None


def _plugin_error(code: str, plugin: str, what: str, help: str | None = None) -> ConfigError:
    return ConfigError(Diagnostic(
        code, f"plugin {plugin} {what}",
        help=help or f"fix or uninstall the plugin, or leave it out with {SELECT_ENV}",
    ))


def _why(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"
