"""`kpirules diff OLD NEW`: the structural change between two versions of the rulesets and,
on the configured data, what it does to each person's score, grade and payout."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kpirules import i18n
from kpirules.cli.common import (
    EXIT_PROBLEMS, FilePath, bad_rows_option, check_outside_rejects, current_lang, echo_err, emit, handle_errors,
    lang_option, output_option, rejects_option, warn_rejects_unused,
)
from kpirules.errors import ConfigError, Diagnostic


@click.command()
@click.argument("old")
@click.argument("new", default=".")
@click.option("--period", "periods", multiple=True, metavar="PERIOD",
              help="Evaluate this period (repeatable): 2026-03, 2026Q1, ... (default: the latest the data covers).")
@click.option("--env", help="The configured environment whose data sources to read.")
@click.option("--config", "config_path", type=FilePath(dir_okay=False),
              help="The project configuration (default: kpirules.toml found from the current folder up).")
@click.option("--no-impact", is_flag=True, help="Compare the rulesets only; read no data.")
@click.option("--format", "fmt_", type=click.Choice(["text", "markdown", "json"]), default="text",
              show_default=True, help="text for the terminal, markdown for a pull-request comment, json for tools.")
@click.option("--top", type=click.IntRange(min=0), default=20, show_default=True,
              help="How many of the people whose result changes to list, largest payout change first (0: all).")
@click.option("--exit-code", is_flag=True, help="Exit with 1 when anything differs (like git diff --exit-code).")
@output_option
@bad_rows_option
@rejects_option
@lang_option
@handle_errors
def diff(old, new, periods, env, config_path, no_impact, fmt_, top, exit_code, output, bad_rows, rejects) -> None:
    """Show what a scheme change does before it ships: the structural change and its impact.

    OLD and NEW are folders or files of .kpi files, or git revisions: REV means the
    project's rulesets as of REV, REV:path a file or folder as of REV (the path starts at
    the repository's top folder; REV:./path at the current folder). An existing path wins
    over a revision of the same name; `.` is the project (the rulesets kpirules.toml lists).
    NEW defaults to `.`.

    Prints every KPI, weight, target, tier, gate, commission and grade added, removed or
    changed, with its file and line on each side. With a project configuration, both
    versions are evaluated on its data for the same periods: per person the score, grade
    and payout before and after, the payout cost change, and who gains or loses.

    Exit code 0 whether or not anything changed (1 with --exit-code when something did);
    1 for problems in the rulesets or data, 2 for a bad revision, path or option.

    \b
    Examples:
      kpirules diff HEAD~1 .
      kpirules diff main:rulesets rulesets --period 2026-06 --format markdown -o comment.md
      kpirules diff old_rulesets rulesets --no-impact
      kpirules diff HEAD --period 2026Q2 --format json
    """
    from kpirules.config import find_config, load_config
    from kpirules.diff import diff_schemes
    from kpirules.diff.render import render

    if no_impact and (periods or env or rejects or bad_rows != "stop"):
        raise ConfigError(Diagnostic(
            "E825", "--period, --env, --on-bad-rows and --rejects choose the data for the impact, but --no-impact "
            "reads no data",
            help="drop --no-impact, or drop the options that choose the data",
        ))
    check_outside_rejects(rejects, ("-o", output))
    warn_rejects_unused(rejects, bad_rows)
    # the configuration says what `.` means even when no data is read; asked for data
    # without one, load_config reports the missing configuration
    found = config_path or find_config()
    config = load_config(found) if found is not None or periods or env else None
    impact, note = not no_impact, None
    if config is None:
        note = "not computed: no kpirules.toml here or above (pass --config to name one)"
    elif impact and not config.envs and not (periods or env):
        impact, note = False, f"not computed: {config.path.name} binds no data (no [env.NAME] tables)"
    report = diff_schemes(old, new, config, impact=impact, env=env, periods=list(periods), impact_note=note,
                          bad_rows=bad_rows, rejects=Path(rejects) if rejects else None)
    lang = current_lang()
    for warning in report.impact.warnings if report.impact is not None else []:  # bad rows skipped
        echo_err(i18n.labelled(lang, "warning", i18n.phrase(warning, "warning", lang)))
    emit(render(report, fmt_, top).rstrip("\n"), output)
    if exit_code and report.differs:
        sys.exit(EXIT_PROBLEMS)
