"""Shared pieces of the commands: error handling, output options, exit codes."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable

import click

from kpirules.errors import Diagnostic, KpiError
from kpirules.io import write_atomic
from kpirules.report.diagnostics import render_all

EXIT_CLEAN, EXIT_PROBLEMS, EXIT_ERROR = 0, 1, 2


def echo_err(text: str) -> None:
    click.echo(text, err=True)


def summary(diagnostics: list[Diagnostic], files: int | None = None) -> str:
    errors = sum(1 for d in diagnostics if d.severity == "error")
    others = len(diagnostics) - errors
    parts = [f"{errors} error{'s' if errors != 1 else ''}"]
    if others:
        parts.append(f"{others} other finding{'s' if others != 1 else ''}")
    where = ""
    paths = {d.location.path for d in diagnostics if hasattr(d.location, "path")}
    if paths:
        where = f" in {len(paths)} file{'s' if len(paths) != 1 else ''}"
    return f"Found {' and '.join(parts)}{where}."


def report_error(exc: KpiError) -> int:
    """Print a KpiError's diagnostics to stderr; return its exit code."""
    echo_err(render_all(exc.diagnostics))
    if exc.exit_code == EXIT_PROBLEMS:
        echo_err("\n" + summary(exc.diagnostics))
    return exc.exit_code


def handle_errors(func: Callable) -> Callable:
    """Turn the library's errors into messages and exit codes."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except KpiError as exc:
            sys.exit(report_error(exc))

    return wrapper


def output_option(func: Callable) -> Callable:
    return click.option(
        "-o", "--output", type=click.Path(dir_okay=False, writable=True),
        help="Write to this file (atomically) instead of standard output.",
    )(func)


def emit(text: str, output: str | None) -> None:
    """Print text, or write it to a file atomically."""
    if output:
        write_atomic(output, text if text.endswith("\n") else text + "\n")
    else:
        click.echo(text)


paths_argument = click.argument(
    "paths", nargs=-1, type=click.Path(), metavar="PATH...",
)
