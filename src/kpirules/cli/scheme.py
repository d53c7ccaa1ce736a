"""Commands over .kpi files: check, fmt, export, schema."""

from __future__ import annotations

import difflib
import errno
import json
import os
import sys

import click

from kpirules import i18n
from kpirules.cli.common import (
    EXIT_ERROR, EXIT_PROBLEMS, cannot_write, current_lang, echo_err, emit, format_of_output, handle_errors, lang_option, output_option, paths_argument,
    report_diagnostics, ruleset_paths,
)
from kpirules.errors import Diagnostic, KpiError
from kpirules.model import load_scheme
from kpirules.model.export import export_json, export_toml, scheme_json_schema
from kpirules.model.loader import find_kpi_files


def _default_paths(paths: tuple[str, ...]) -> list[str]:
    """PATHs as given; else the configuration's [project] rulesets (as `lint` and `run` read
    them); else ./rulesets, which must exist (E001)."""
    from kpirules.lint.config import find_config_file

    return ruleset_paths(paths, None if paths else find_config_file())


@click.command()
@paths_argument
@lang_option
@handle_errors
def check(paths: tuple[str, ...]) -> None:
    """Parse, resolve imports and names, and validate the meaning of .kpi files.

    Reports every problem found, each as `path:line:col: error[CODE]: message` with the
    source line, a caret under the span and a help line. PATH may be files or
    directories (searched for *.kpi); the default is the configuration's [project]
    rulesets, else ./rulesets.

    \b
    Exit codes: 0 clean, 1 problems found, 2 usage or internal error.
    Examples:
      kpirules check rulesets
      kpirules check --lang zh rulesets     # messages in Chinese
    """
    scheme = load_scheme(_default_paths(paths))
    roles = len(scheme.roles)
    kpis = sum(len(r.kpis) for r in scheme.roles.values())
    click.echo(i18n.ui(
        current_lang(), "check.ok",
        f"ok: {i18n.count(len(scheme.files), 'file')}, {i18n.count(roles, 'role')}, {i18n.count(kpis, 'KPI')}, "
        "no problems",
        files=len(scheme.files), roles=roles, kpis=kpis,
    ))


@click.command()
@paths_argument
@click.option("--check", "check_only", is_flag=True, help="Change nothing; exit 1 if any file would be reformatted.")
@click.option("--diff", "show_diff", is_flag=True,
              help="Change nothing; print a unified diff of what would change; exit 1 if any file would change.")
@lang_option
@handle_errors
def fmt(paths: tuple[str, ...], check_only: bool, show_diff: bool) -> None:
    """Rewrite .kpi files in the one canonical layout.

    Keeps every comment, never changes meaning, and is idempotent. Full-width
    punctuation (％ “ ” ： ， （ ）) is rewritten to its ASCII twin. PATH may be files or
    directories (searched for *.kpi); the default is the configuration's [project]
    rulesets, else ./rulesets. A lint suppression (# kpirules: ignore[CODE]) keeps
    silencing the same code; where no layout can keep that, the file is left
    unchanged with error E120.

    The layout is about the text: a byte-order mark is kept if the file has one
    (never added), and lines end with CRLF if every line of the file did, else
    with LF. --check passes exactly when fmt would leave the file's bytes as they
    are; --diff shows the lines whose text changes, not line-ending changes.

    \b
    Examples:
      kpirules fmt rulesets              # rewrite in place
      kpirules fmt --check rulesets      # for CI: exit 1 if a file is not formatted
      kpirules fmt --diff rulesets/telesales.kpi
    """
    from kpirules.lang.fmt import format_source
    from kpirules.lang.parser import read_source_bytes
    from kpirules.io import write_atomic

    lang = current_lang()
    changed: list[str] = []
    unformatted: list[Diagnostic] = []  # of the files that do not parse, reported together after the others
    unwritten: list[Diagnostic] = []  # of the files that could not be written (E007)
    for path in find_kpi_files(_default_paths(paths)):
        name = str(path)
        try:
            data = read_source_bytes(path)
            result = format_source(data, name)
        except KpiError as exc:
            unformatted.extend(exc.diagnostics)
            continue
        if result.data == data:
            continue
        changed.append(name)
        if show_diff and result.line_endings_only:
            echo_err(i18n.ui(lang, "fmt.eol", f"would change only the line endings of {name}: mixed, written as LF",
                             path=name))
        elif show_diff:
            sys.stdout.writelines(
                difflib.unified_diff(
                    result.original.splitlines(keepends=True), result.text.splitlines(keepends=True),
                    fromfile=name, tofile=name,
                )
            )
        elif check_only:
            echo_err(i18n.ui(lang, "fmt.would", f"would reformat {name}", path=name))
        else:
            try:
                # a read-only file is kept so (renaming a new file over it would replace it anyway),
                # for root too, who may write anything: no write permission for anyone is read-only
                if not os.access(path, os.W_OK) or not path.stat().st_mode & 0o222:
                    raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), name)
                write_atomic(path, result.data)
            except OSError as exc:
                # the file is left as it was; the other files are still formatted
                unwritten.extend(cannot_write(name, exc, "make the file and its folder writable, then run fmt again")
                                 .diagnostics)
                continue
            echo_err(i18n.ui(lang, "fmt.done", f"reformatted {name}", path=name))
    if unformatted:
        report_diagnostics(unformatted)
    if unwritten:
        sys.exit(report_diagnostics(unwritten, EXIT_ERROR))
    if check_only or show_diff:
        if changed:
            echo_err(i18n.ui(lang, "fmt.count", f"{i18n.count(len(changed), 'file')} would be reformatted",
                             n=len(changed)))
        if changed or unformatted:
            sys.exit(EXIT_PROBLEMS)
        echo_err(i18n.ui(lang, "fmt.clean", "all files are formatted"))
    elif unformatted:
        sys.exit(EXIT_PROBLEMS)


@click.command()
@paths_argument
@click.option("--format", "fmt_", type=click.Choice(["json", "toml"]), default=None,
              help="json or toml. Default: the one the --output file's extension names, else json.")
@output_option
@lang_option
@handle_errors
def export(paths: tuple[str, ...], fmt_: str, output: str | None) -> None:
    """Print the resolved scheme (imports followed, roles merged, defaults filled in).

    PATH may be files or directories (searched for *.kpi); the default is the
    configuration's [project] rulesets, else ./rulesets.

    \b
    Examples:
      kpirules export rulesets > scheme.json
      kpirules export --format toml -o scheme.toml rulesets
    """
    scheme = load_scheme(_default_paths(paths))
    fmt_ = format_of_output(fmt_, output, ["json", "toml"], "json")
    emit(export_json(scheme) if fmt_ == "json" else export_toml(scheme), output)


@click.command()
@output_option
@lang_option
@handle_errors
def schema(output: str | None) -> None:
    """Print the JSON Schema of what `kpirules export --format json` writes.

    \b
    Example:
      kpirules schema -o kpirules-scheme.schema.json
    """
    emit(json.dumps(scheme_json_schema(), ensure_ascii=False, indent=2), output)
