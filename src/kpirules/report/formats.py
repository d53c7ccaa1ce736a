"""Output formats of `kpirules run`, registered through the `register_output_formats` hook.

The built-in formats (table, csv, json, jsonl, xlsx) are a plugin like any other; a
third-party package adds one the same way:

    # kpirules_myformat.py, listed under [project.entry-points.kpirules]
    from kpirules.hookspecs import hookimpl
    from kpirules.report.formats import OutputFormat

    @hookimpl
    def register_output_formats(register):
        register(OutputFormat("payroll", "payroll system import", render_payroll))

`render(result, manifest)` returns text, or bytes when the format is declared `binary`
(which needs `--output`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import entry_points

from kpirules.engine.results import RunResult
from kpirules.errors import ConfigError, Diagnostic
from kpirules.hookspecs import hookimpl


@dataclass(frozen=True)
class OutputFormat:
    name: str
    description: str
    render: Callable[[RunResult, dict], str | bytes]
    binary: bool = False
    #: the format shows rows matched per aggregate, so the run counts them
    traces: bool = False
    #: the format writes the run manifest; without it `render` gets None, and the run skips
    #: building it (a digest of every result: seconds for ten thousand people)
    manifest: bool = True


def _table(result, manifest):
    from kpirules.report.run_output import render_table

    return render_table(result)


def _csv(result, manifest):
    from kpirules.report.run_output import render_csv

    return render_csv(result)


def _json(result, manifest):
    from kpirules.report.run_output import render_json

    return render_json(result, manifest)


def _jsonl(result, manifest):
    from kpirules.report.run_output import render_jsonl

    return render_jsonl(result)


def _xlsx(result, manifest):
    from kpirules.report.run_output import render_xlsx

    return render_xlsx(result)


BUILTIN = (
    OutputFormat("table", "a readable table per role (the default)", _table, manifest=False),
    OutputFormat("csv", "one row per person and KPI", _csv, manifest=False),
    OutputFormat("json", "the full breakdown and the run manifest", _json, traces=True),
    OutputFormat("jsonl", "one JSON object per person", _jsonl, traces=True, manifest=False),
    OutputFormat("xlsx", "an Excel workbook: a summary sheet and one sheet per role", _xlsx, binary=True,
                 manifest=False),
)


@hookimpl
def register_output_formats(register) -> None:
    for fmt in BUILTIN:
        register(fmt)


PLUGIN_NAME = "kpirules.report.formats"


def output_formats() -> dict[str, OutputFormat]:
    """Every output format, built-in and from plugins, by name."""
    import sys

    from kpirules import plugins

    if plugins.pm.get_plugin(PLUGIN_NAME) is None:
        plugins.pm.register(sys.modules[__name__], name=PLUGIN_NAME)
    if any(True for _ in entry_points(group=plugins.ENTRY_POINT_GROUP)):
        plugins.load_plugins()
    found: dict[str, OutputFormat] = {}
    _OWNERS.clear()
    for impl in plugins.pm.hook.register_output_formats.get_hookimpls():

        def register(fmt, _plugin=impl.plugin_name):
            if not isinstance(fmt, OutputFormat):
                raise ConfigError(Diagnostic(
                    "E625", f"plugin {_plugin} registered {fmt!r}, which is not an OutputFormat",
                    help="register kpirules.report.formats.OutputFormat objects",
                ))
            if fmt.name in found:
                raise _clash(fmt.name, _OWNERS[fmt.name], _plugin)
            found[fmt.name] = fmt
            _OWNERS[fmt.name] = _plugin

        plugins.call_hook(impl, "raised while registering output formats", register=register)
    return found


#: the plugin that registered each output format (output_formats fills it)
_OWNERS: dict[str, str] = {}


def _clash(name: str, first: str, second: str) -> ConfigError:
    """E626 naming both plugins that register the format `name` (as E621 does for sources)."""
    help = "uninstall one of the plugins, or limit plugins with KPIRULES_PLUGINS"
    if first == second:
        message = f"output format '{name}' is registered twice by plugin {first}"
    elif PLUGIN_NAME in (first, second):
        plugin = second if first == PLUGIN_NAME else first
        message = f"plugin {plugin} registers output format '{name}', which is a built-in format"
        help = "rename the plugin's format, or leave the plugin out with KPIRULES_PLUGINS"
    else:
        message = f"output format '{name}' is registered by two plugins: {first} and {second}"
    return ConfigError(Diagnostic("E626", message, help=help))


def render(fmt: OutputFormat, result: RunResult, manifest: dict | None) -> str | bytes:
    """`fmt.render`, with a plugin's failure reported as the plugin's (E627, exit 2): a
    built-in format's failure stays an internal error of kpirules."""
    owner = _OWNERS.get(fmt.name, PLUGIN_NAME)
    try:
        rendered = fmt.render(result, manifest)
    except Exception as exc:
        if owner == PLUGIN_NAME:
            raise
        raise ConfigError(Diagnostic(
            "E627", f"output format '{fmt.name}' of plugin {owner} failed: {type(exc).__name__}: {exc}",
            help="this is a bug in the plugin; report it to its authors, or choose another --format",
        )) from None
    if not isinstance(rendered, (str, bytes)):
        raise ConfigError(Diagnostic(
            "E627", f"output format '{fmt.name}' of plugin {owner} returned {type(rendered).__name__}, not text or bytes",
            help="this is a bug in the plugin; report it to its authors, or choose another --format",
        ))
    if isinstance(rendered, bytes) and not fmt.binary:
        raise ConfigError(Diagnostic(
            "E627", f"output format '{fmt.name}' of plugin {owner} returned bytes but is not declared binary",
            help="this is a bug in the plugin: a format that returns bytes declares binary=True (and then needs "
                 "--output); report it to its authors, or choose another --format",
        ))
    return rendered
