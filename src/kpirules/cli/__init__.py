"""The `kpirules` command line: thin commands over the library.

Each command parses its arguments, calls one library function and formats the result.
Errors the user can cause arrive as `KpiError`s and leave as messages with exit code 1
(problems in the inputs) or 2 (usage, configuration or internal errors); nothing else
prints a traceback unless KPIRULES_DEBUG=1.
"""

from __future__ import annotations

import os
import sys

import click

from kpirules import __version__
from kpirules.cli.common import echo_err
from kpirules.cli.run import explain, run
from kpirules.cli.sample import sample
from kpirules.cli.scheme import check, export, fmt, schema


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="kpirules")
def cli() -> None:
    """kpirules: sales KPI schemes as code.

    Write one .kpi file per sales role, check and lint it in CI, and evaluate it on
    your data: per person and period, each KPI's value, attainment, score, the weighted
    total, grade and payout, with an explanation a salesperson can check.

    \b
    Examples:
      kpirules check rulesets
      kpirules fmt --check rulesets
      kpirules export --format json rulesets
    """


for command in (check, fmt, export, schema):
    cli.add_command(command)
cli.add_command(sample)
cli.add_command(run)
cli.add_command(explain)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; map unexpected exceptions to exit code 2 without a traceback."""
    try:
        cli.main(args=argv, prog_name="kpirules", standalone_mode=True)
    except SystemExit:
        raise
    except Exception as exc:  # noqa: BLE001 - the last line of defence
        if os.environ.get("KPIRULES_DEBUG"):
            raise
        echo_err(
            f"internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in kpirules; please report it (set KPIRULES_DEBUG=1 for a traceback)."
        )
        sys.exit(2)
