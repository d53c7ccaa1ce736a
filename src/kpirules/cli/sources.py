"""Commands over the project configuration and data sources: plugins, sources check, init."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict
from pathlib import Path

import click

from kpirules import i18n
from kpirules.cli.common import (
    EXIT_PROBLEMS, FilePath, bad_rows_option, current_lang, default_rulesets, echo_err, handle_errors, lang_option,
    file_output, output_folder_exists, paths_argument, rejects_option, warn_rejects_unused, write_output,
)
from kpirules.errors import ConfigError, Diagnostic
from kpirules.io import forget_input
from kpirules.report.diagnostics import display_width, render_all


@click.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@lang_option
@handle_errors
def plugins_command(as_json: bool) -> None:
    """List the plugins: each one's version, the hooks it implements and its source types.

    The built-in sources are plugins too. Installed packages add plugins through the
    `kpirules` entry-point group; KPIRULES_PLUGINS=name,name limits which are loaded
    (empty: none).

    \b
    Examples:
      kpirules plugins
      kpirules plugins --json
    """
    from kpirules import plugins

    try:
        infos, broken = plugins.plugin_infos(), None
    except ConfigError as exc:
        # a plugin that fails (or clashes) while registering its sources: the others are still
        # listed, the command one debugs plugins with; the error follows (exit 2)
        infos, broken = plugins.plugin_infos(with_sources=False), exc
    if as_json:
        click.echo(json.dumps([asdict(info) for info in infos], ensure_ascii=False, indent=2))
    else:
        width = max((len(info.name) for info in infos), default=0)
        for info in infos:
            lang = current_lang()
            hooks = ", ".join(info.hooks) or "-"
            parts = [f"{info.name:<{width}}  {info.version or '-':<8}",
                     i18n.ui(lang, "plugins.hooks", f"hooks: {hooks}", hooks=hooks)]
            if info.sources:
                listed = ", ".join(info.sources)
                parts.append(i18n.ui(lang, "plugins.sources", f"sources: {listed}", sources=listed))
            click.echo("  ".join(parts))
    if broken is not None:
        raise broken


@click.group()
def sources() -> None:
    """Inspect the data sources bound in kpirules.toml.

    \b
    Example:
      kpirules sources check --env sample
    """


@sources.command("check")
@click.option("--env", help="The environment whose bindings to check (default: project.default_env).")
@click.option("--config", "config_path", type=FilePath(dir_okay=False),
              help="The config file (default: kpirules.toml here or in a parent folder).")
@bad_rows_option
@rejects_option
@lang_option
@handle_errors
def check(env: str | None, config_path: str | None, bad_rows: str, rejects: str | None) -> None:
    """Open every configured source and check its data, without evaluating anything.

    Reads each dataset's source, converts it to the declared columns and runs every
    check `kpirules run` runs (types, required, non_negative, unique, keys, the roster's
    managers, a roster with no rows). Prints one line per dataset, then the problems.

    \b
    With --on-bad-rows skip the bad rows are counted beside each dataset (and written to
    --rejects FOLDER), as `kpirules run --on-bad-rows skip` would load the data.

    \b
    Exit codes: 0 clean, 1 problems in the data, 2 configuration errors.
    Examples:
      kpirules sources check --env sample
      kpirules sources check --lang zh
      kpirules sources check --on-bad-rows skip --rejects rejects/   # every bad row, with its reason
    """
    from kpirules.config import load_config
    from kpirules.model import load_scheme
    from kpirules.sources.checks import UNKNOWN_PERSON_HELP
    from kpirules.sources.load import check_sources

    config = load_config(config_path)
    scheme = load_scheme(config.ruleset_paths())
    warn_rejects_unused(rejects, bad_rows)
    results = check_sources(scheme, config, env=env, bad_rows=bad_rows, rejects_dir=Path(rejects) if rejects else None)
    width = max((display_width(r.dataset) for r in results), default=0)  # a Chinese name is two columns a character
    lang = current_lang()
    found: list[Diagnostic] = []
    unknown_people: list[str] = []  # the datasets with rows credited to people not in the roster
    for result in results:
        if result.problems:
            n = len(result.problems)
            status = i18n.ui(lang, "sources.problems", i18n.count(n, "problem"), n=n)
            rows = (i18n.ui(lang, "sources.rows_read", f"{result.rows_read:,} rows read", n=f"{result.rows_read:,}")
                    if result.rows_read is not None else i18n.ui(lang, "sources.not_read", "not read"))
        else:
            load = result.load
            status = i18n.ui(lang, "sources.ok", "ok")
            rows = i18n.ui(lang, "sources.rows", f"{load.rows:,} {'row' if load.rows == 1 else 'rows'}", n=f"{load.rows:,}")
            unknown = load.unknown_person_rows
            if unknown:
                ids, first = load.unknown_people()
                status += i18n.ui(lang, "sources.unknown",
                                  f"; {unknown:,} {'row credits' if unknown == 1 else 'rows credit'} people not in "
                                  f"the roster ({ids}), the first at {first}", n=f"{unknown:,}", ids=ids,
                                  row=first)
                unknown_people.append(result.dataset)
            if load.no_person_rows:
                nobody = load.no_person_rows
                status += i18n.ui(lang, "sources.no_person",
                                  f"; {nobody:,} {'row has' if nobody == 1 else 'rows have'} no person",
                                  n=f"{nobody:,}")
            if load.no_date_rows:
                undated = load.no_date_rows
                if scheme.datasets[result.dataset].kind == "dataset":
                    status += i18n.ui(lang, "sources.no_date",
                                      f"; {undated:,} {'row has' if undated == 1 else 'rows have'} no date",
                                      n=f"{undated:,}")
                else:  # a target or an adjustment without its period applies nowhere
                    status += i18n.ui(lang, "sources.no_period",
                                      f"; {undated:,} {'row has' if undated == 1 else 'rows have'} no period "
                                      "(never applied)", n=f"{undated:,}")
            if load.rejected:
                status += i18n.ui(lang, "sources.skipped",
                                  f"; {load.rejected:,} bad {'row' if load.rejected == 1 else 'rows'} skipped",
                                  n=f"{load.rejected:,}")
        description = i18n.phrase(result.description, "source", lang)
        pad = " " * (width - display_width(result.dataset))
        click.echo(f"{result.dataset}{pad}  {description}  {rows}  {status}")
        found.extend(result.problems)
    if unknown_people:  # beside the table, which keeps one line per dataset: say which lines it is about
        names, why = ", ".join(unknown_people), i18n.phrase(UNKNOWN_PERSON_HELP, "help", lang)
        echo_err(i18n.labelled(lang, "help", i18n.ui(lang, "sources.unknown_help",
                                                      f"the people not in the roster ({names}): {why}",
                                                      datasets=names, help=why)))
    if found:
        bad = sum(1 for r in results if r.problems)
        echo_err("\n" + render_all(found, lang=lang))
        echo_err("\n" + i18n.ui(lang, "sources.summary", f"{i18n.count(len(found), 'problem')} in "
                                 f"{bad} of {len(results)} datasets.", n=len(found), bad=bad, datasets=len(results)))
        sys.exit(EXIT_PROBLEMS)


@click.command()
@paths_argument
@click.option("--force", is_flag=True, help="Overwrite an existing config file.")
@click.option("-o", "--output", default="kpirules.toml", show_default=True, type=FilePath(dir_okay=False, allow_dash=True),
              callback=lambda ctx, param, value: output_folder_exists(ctx, param, file_output(ctx, param, value)),
              help="Where to write the config.")
@lang_option
@handle_errors
def init(paths: tuple[str, ...], force: bool, output: str) -> None:
    """Write a starter kpirules.toml for the rulesets found (default ./rulesets).

    Binds every declared dataset, in an environment named "default", to the file
    data/<dataset>.csv, .parquet, .json or .jsonl beside the config that exists (the
    first of them, read by the source of that name), else to data/<dataset>.csv; edit
    the paths and sources to match your exports. To try the reference rulesets on
    the sample company, write its data first (`kpirules sample --out data`), then
    run init.

    \b
    Examples:
      kpirules init
      kpirules init rulesets/telesales.kpi --output kpirules.toml --force
    """
    from kpirules.config import starter_bindings, starter_config
    from kpirules.model import load_scheme

    target = Path(output)
    if target.exists() and not force:
        raise ConfigError(Diagnostic("E611", f"{output} already exists",
                                     help="pass --force to overwrite it"))
    rulesets = list(paths) or default_rulesets(
        help="init writes the configuration for schemes already written: put your .kpi files in "
             "rulesets/ (README.md, docs/language.md), or name them: kpirules init path/to/*.kpi",
    )
    scheme = load_scheme(rulesets)
    folder = target.resolve().parent
    relative = [os.path.relpath(Path(p).resolve(), folder).replace(os.sep, "/") for p in rulesets]
    bindings = starter_bindings(scheme, folder)
    from kpirules.lint.config import find_config_file

    config = find_config_file()
    if config is not None and config.resolve() == target.resolve():
        forget_input(target)  # read for its `lang` only: the configuration --force replaces
    write_output(target, starter_config(relative, bindings))
    found = sum(1 for binding in bindings.values() if (folder / binding["path"]).is_file())
    click.echo(i18n.ui(current_lang(), "init.wrote",
                       f"wrote {output}: {len(scheme.datasets)} datasets bound to files under data/, {found} of them "
                       f"found there; check them with `kpirules sources check`",
                       path=output, n=len(scheme.datasets), found=found))
