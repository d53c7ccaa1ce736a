"""`kpirules lint`, `kpirules rule CODE` and `kpirules rules`: the linter's commands."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kpirules import i18n
from kpirules.cli.common import (
    EXIT_CLEAN, EXIT_PROBLEMS, FilePath, current_lang, echo_err, emit, handle_errors, lang_option, output_file,
    paths_argument, ruleset_paths,
)
from kpirules.errors import ConfigError, Diagnostic
from kpirules.lint.finding import SEVERITIES
from kpirules.lint.formats import FORMATS




def _codes(value: str | None) -> list[str] | None:
    return [c.strip() for c in value.split(",") if c.strip()] if value else None


@click.command()
@paths_argument
@click.option("--output-format", "--format", "output_format", type=click.Choice(FORMATS), default="text",
              show_default=True,
              help="text: findings with the source line and a caret; concise: one line each; json; sarif (2.1.0, "
                   "for code scanning); github (workflow annotations); junit (XML report, one test case per file). "
                   "--format is the same option, as the other commands name it.")
@click.option("-o", "--output", type=FilePath(dir_okay=False, writable=True, allow_dash=True), callback=output_file,
              help="Write the report to this file (atomically) instead of standard output (also `-o -`).")
@click.option("--fail-level", type=click.Choice(SEVERITIES), default=None,
              help="Exit 1 when a finding is at or above this severity (default: error, or fail-level in [lint]).")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings (usage and configuration errors still exit 2).")
@click.option("--statistics", is_flag=True,
              help="Print how many findings each rule has, instead of the findings (JSON with --output-format json).")
@click.option("--select", multiple=True,
              help="Comma-separated rule codes, prefixes (KPI1) or slugs to run instead of [lint] select (repeatable).")
@click.option("--ignore", multiple=True,
              help="Comma-separated rule codes, prefixes or slugs to skip, on top of [lint] ignore (repeatable).")
@click.option("--config", "config_file", type=FilePath(exists=True, dir_okay=False),
              help="Read [lint] from this file (or [tool.kpirules.lint], when it is a pyproject.toml) instead of the nearest kpirules.toml or pyproject.toml.")
@click.option("--history", is_flag=True,
              help="Also run the history rules (KPI8xx): evaluate past periods on the configured data sources.")
@click.option("--env", "env_name", help="With --history: the data environment of kpirules.toml to read.")
@click.option("--no-cache", is_flag=True, help="Lint from scratch; neither read nor write .kpirules_cache.")
@lang_option
@handle_errors
def lint(paths: tuple[str, ...], output_format: str, output: str | None, fail_level: str | None, exit_zero: bool,
         statistics: bool, select: tuple[str, ...], ignore: tuple[str, ...], config_file: str | None, history: bool,
         env_name: str | None, no_cache: bool) -> None:
    """Find the documented pitfalls of KPI schemes: unbalanced weights, unquantifiable or
    manual KPIs, results-only or revenue-only roles, missing periods, reviews and payouts.

    Each finding is `path:line:col: CODE [severity] message` with the source line, a caret
    and a help line. Configure rules in [lint] of kpirules.toml (or [tool.kpirules.lint] of
    pyproject.toml); silence one finding with `# kpirules: ignore[CODE] reason` on or
    above its line. `kpirules rules` lists the rules; `kpirules rule CODE` explains one.
    PATH may be .kpi files or folders; the default is [project] rulesets of the
    configuration, else ./rulesets.

    \b
    Exit codes: 0 clean, 1 findings at or above --fail-level (a file that does not
    parse counts), 2 usage, configuration or internal error.
    Examples:
      kpirules lint rulesets
      kpirules lint --output-format github rulesets          # GitHub Actions annotations
      kpirules lint --output-format sarif -o lint.sarif rulesets
      kpirules lint --select KPI1 --fail-level warning rulesets/telesales.kpi
      kpirules lint --lang zh rulesets                      # findings in Chinese
    """
    from kpirules.lint.cache import LintCache
    from kpirules.lint.config import find_config_file

    if statistics and output_format not in ("text", "concise", "json"):
        raise click.BadOptionUsage("statistics", f"--statistics counts the findings as a table or JSON; "
                                   f"it has no {output_format} form: use --output-format text or json")
    # repeated, they add up (`--ignore KPI3 --ignore KPI101`: the last alone was kept)
    select, ignore = (",".join(given) if given else None for given in (select, ignore))
    for option, value in (("--select", select), ("--ignore", ignore)):
        if value is not None and not _codes(value):  # `--select ""` ran every rule
            raise click.BadParameter("it is empty: name rule codes, prefixes (KPI1) or slugs, separated by commas",
                                     param_hint=f"'{option}'")
    if env_name and not history:
        lang = current_lang()
        echo_err(i18n.labelled(lang, "warning", i18n.ui(
            lang, "lint.env_without_history", f"--env {env_name} chooses the data of the history rules; without "
            "--history no data is read", env=env_name)))
    history_named = [c for c in _codes(select) or [] if c.upper().startswith("KPI8") or c.lower() in _HISTORY_SLUGS]
    if history_named and not history:
        # `--select KPI801` alone ran nothing and said "No findings"
        lang = current_lang()
        echo_err(i18n.labelled(lang, "warning", i18n.ui(
            lang, "lint.history_without_history", f"{', '.join(history_named)} runs only with --history, which "
            "evaluates past periods on the data: add --history", codes=", ".join(history_named))))
    config_path = Path(config_file) if config_file else find_config_file()
    targets = ruleset_paths(paths, config_path, validate=False)
    settings = {"paths": targets, "select": select, "ignore": ignore}
    cache = None if (no_cache or history) else LintCache(config_path.parent if config_path else Path.cwd())
    key = cache.key(targets, config_path, settings) if cache else None
    stored = cache.get(key) if key else None
    configured_level = _configured_fail_level(config_path)
    from kpirules.lint.result import LintResult

    if stored is not None:
        result = LintResult.from_dict(stored)
    else:
        result, read = _lint(targets, config_path, select, ignore, history, env_name)
        if key:
            cache.put(key, result.to_dict(), read)
    level = fail_level or configured_level
    _report(result, output_format, output, statistics, level, current_lang())
    if not exit_zero and result.at_or_above(level):
        sys.exit(EXIT_PROBLEMS)
    sys.exit(EXIT_CLEAN)


#: the slugs of the history rules (KPI801-803), which run only with --history
_HISTORY_SLUGS = ("unreachable-target", "no-stretch-target", "sparse-data")


def _configured_fail_level(config_path: Path | None) -> str:
    from kpirules.defaults import defaults
    from kpirules.lint.config import read_config

    raw, _ = read_config(config_path)
    level = raw.get("fail-level", defaults()["lint"]["fail-level"])
    return level if level in SEVERITIES else "error"  # a wrong value is reported when the config is loaded


def _lint(targets, config_path, select, ignore, history, env_name):
    from kpirules.lint.config import load_config
    from kpirules.lint.engine import Linter, Selection
    from kpirules.lint.registry import all_rules, option_defaults

    config = load_config(config_path, option_defaults(all_rules()))
    selection = Selection.build(config, _codes(select), _codes(ignore), history)
    past = None
    if history:
        from kpirules.lint.history import open_history
        from kpirules.lint.rule import Rule

        periods = config.options.get("history-periods", Rule.option_default("history-periods"))
        past = open_history(config_path, env_name, periods)
    linter = Linter(config, selection, past)
    result = linter.lint(targets)
    return result, linter.read_files


def _report(result, output_format: str, output: str | None, statistics: bool, level: str, lang: str = "en") -> None:
    from kpirules.lint import formats
    from kpirules.lint.localize import localize_result

    english, result = result, localize_result(result, lang)
    if statistics and output_format == "json":
        emit(formats.render_statistics(result, as_json=True), output)
        echo_err(formats.summary(result, lang))
        return
    if statistics:
        text = formats.render_statistics(result)
        emit("\n".join(t for t in (text, formats.summary(result, lang)) if t), output)
        return
    rules = None
    if output_format == "sarif":
        from kpirules.lint.registry import all_rules

        rules = all_rules()
    text = formats.render(result, output_format, fail_level=level, rules=rules, lang=lang, english=english)
    if output or output_format not in ("text", "concise"):
        if text or output:
            emit(text, output)
        if output_format not in ("text", "concise") or output:
            echo_err(formats.summary(result, lang))
    else:
        emit(text, None)


@click.command()
@click.argument("code")
@lang_option
@handle_errors
def rule(code: str) -> None:
    """Print a lint rule's documentation: message, why it matters, a bad and a good example.

    CODE is a rule code (KPI101) or slug (weights-sum).

    \b
    Example:
      kpirules rule KPI101
    """
    from kpirules.lint.docs import rule_text
    from kpirules.lint.registry import all_rules
    from kpirules.model.problems import did_you_mean

    rules = all_rules()
    found = rules.get(code.upper()) or next((r for r in rules.values() if r.slug == code.lower()), None)
    if found is None:
        # a prefix (KPI1) names the rules it covers, not the closest spelling (KPI901)
        covered = sorted(c for c in rules if c.startswith(code.upper())) if code.strip() else []
        hint = (f"{code} begins several rule codes; name one: {', '.join(covered)}" if covered else
                did_you_mean(code, [r.slug for r in rules.values()]) or did_you_mean(code.upper(), rules))
        raise ConfigError(Diagnostic("E703", f"unknown rule {code!r}", help=hint or "run `kpirules rules` to list them"))
    click.echo(rule_text(found))


@click.command()
@click.option("--markdown", is_flag=True, help="Print docs/rules.md: every rule's documentation in Markdown.")
@click.option("-o", "--output", type=FilePath(dir_okay=False, writable=True, allow_dash=True), callback=output_file,
              help="Write to this file (atomically) instead of standard output (also `-o -`).")
@lang_option
@handle_errors
def rules(markdown: bool, output: str | None) -> None:
    """List the lint rules: code, slug, default severity and message.

    \b
    Examples:
      kpirules rules
      kpirules rules --markdown -o docs/rules.md
    """
    from kpirules.lint.docs import rules_markdown, rules_table
    from kpirules.lint.registry import all_rules

    emit(rules_markdown(all_rules()) if markdown else rules_table(all_rules(), current_lang()), output)


__all__ = ["lint", "rule", "rules"]
