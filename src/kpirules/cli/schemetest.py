"""`kpirules test`: run the scheme tests (*.kpitest.toml) next to the rulesets."""

from __future__ import annotations

import json
from pathlib import Path

import click

from kpirules.cli.common import (
    EXIT_CLEAN, EXIT_PROBLEMS, FilePath, emit, handle_errors, lang_option, output_option, paths_argument,
    ruleset_paths,
)
from kpirules.errors import ConfigError, Diagnostic


@click.command()
@paths_argument
@click.option("--coverage", "with_coverage", is_flag=True,
              help="Also list the scoring tiers, target branches, payout rows and gate outcomes no case exercises "
                   "(any such item makes the exit code 1).")
@click.option("--format", "fmt_", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: PASS/FAIL per case; json: the same as data.")
@click.option("-q", "--quiet", is_flag=True, help="Leave out the cases that pass.")
@click.option("--config", "config_path", type=FilePath(dir_okay=False),
              help="The project configuration whose [project] rulesets are searched (default: found from the current folder up).")
@output_option
@lang_option
@handle_errors
def test(paths, with_coverage, fmt_, quiet, config_path, output) -> None:
    """Run the scheme tests: cases with a person, KPI values or raw rows, and the expected
    attainment, score, total, grade, factor and payout, evaluated by the real engine.

    PATH may be test files (*.kpitest.toml), folders (searched for them) or .kpi files
    (their twin test file beside them); the default is the configuration's [project]
    rulesets, else ./rulesets.
    The format is in docs/testing.md.

    \b
    Exit codes: 0 every case passed, 1 a case failed, a test file is wrong, or (with
    --coverage) something is not exercised, 2 usage or configuration error.
    Examples:
      kpirules test
      kpirules test rulesets/telesales.kpitest.toml
      kpirules test --coverage
      kpirules test --format json -o test-results.json
    """
    from kpirules.schemetest.render import as_json, render_text
    from kpirules.lint.config import find_config_file
    from kpirules.schemetest.suite import run_suite

    if config_path and not Path(config_path).is_file():
        # a configuration that is not there is E600, as every command reports it
        what = "is a directory, not a config file" if Path(config_path).is_dir() else None
        raise ConfigError(Diagnostic("E600", f"{config_path} {what}" if what else f"config file not found: {config_path}",
                                     help="check the path"))
    configured = Path(config_path) if config_path else None if paths else find_config_file()
    chosen = [Path(p) for p in ruleset_paths(paths, configured)]
    missing = next((p for p in chosen if not p.exists()), None)
    if not paths and missing is not None:
        # the configured rulesets, as check, lint, fmt and export report them; E815 is for a PATH given
        raise ConfigError(Diagnostic("E001", f"no such file or directory: {missing}", help="check the path"))
    result = run_suite(chosen, with_coverage=with_coverage)
    if fmt_ == "json":
        emit(json.dumps(as_json(result), ensure_ascii=False, indent=2), output)
    else:
        emit(render_text(result, verbose=not quiet), output)
    clean = result.passed and (result.coverage is None or not result.coverage.uncovered)
    raise SystemExit(EXIT_CLEAN if clean else EXIT_PROBLEMS)
