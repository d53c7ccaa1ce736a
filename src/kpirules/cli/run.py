"""`kpirules run` and `kpirules explain`: evaluate the scheme on the configured data."""

from __future__ import annotations

import json
import os
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import click

from kpirules import i18n
from kpirules.cli.common import (
    Day, FilePath, bad_rows_option, check_not_input, check_outside_rejects, current_lang, echo_err, emit, format_of_output,
    handle_errors, lang_option, output_folder_exists, output_option, outputs_staged, paths_argument, place,
    rejects_option, terminal_width, warn_rejects_unused,
)
from kpirules.errors import ConfigError, DataError, Diagnostic
from kpirules.lang.parser import gc_paused


@dataclass
class Prepared:
    scheme: object
    con: object
    config: object
    load_report: object
    periods: list
    period_reason: str
    files: list[str]


@contextmanager
def status(text: str):
    """A spinner on stderr while a step runs, only when stderr is a terminal."""
    if sys.stderr.isatty():
        from rich.console import Console

        with Console(stderr=True).status(text):
            yield
    else:
        yield


def prepare(paths, period_label, env, config_path, bad_rows="stop", rejects=None, as_of=None) -> Prepared:
    import duckdb

    from kpirules.config import load_config
    from kpirules.engine.data_dates import check_covered, default_period
    from kpirules.engine.periods import Calendar
    from kpirules.model import load_scheme
    from kpirules.sources import checks
    from kpirules.sources.load import load_datasets

    config = load_config(Path(config_path) if config_path else None)
    if paths:
        rulesets = list(paths)
    else:
        rulesets = [str(p) for p in config.ruleset_paths()]
    with status("reading the scheme"):
        scheme = load_scheme(rulesets)
    calendar = Calendar(scheme.header)
    if as_of is not None:  # pacing (run --as-of): the scheme period that contains the day
        from kpirules.report.pacing import pacing_period

        period_label = pacing_period(calendar, period_label, as_of).label
    if period_label is not None:  # a mistyped period (or an empty one) is reported before any data is read
        requested = calendar.parse(period_label)
        periods = calendar.scheme_periods(requested)
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")  # our own status line speaks, only on a terminal
    with status("loading datasets"):
        report = load_datasets(scheme, config, con, env=env, bad_rows=bad_rows,
                               rejects_dir=Path(rejects) if rejects else None)
    roster = next((d for d in report.datasets if scheme.roster and d.dataset == scheme.roster.id), None)
    empty = checks.empty_roster(roster) if roster is not None else None
    if empty is not None:
        raise DataError(empty)
    if period_label is not None:
        periods, reason = check_covered(scheme, con, requested, periods, report)
    else:
        period, reason = default_period(scheme, con, report)
        periods = [period]
    return Prepared(scheme, con, config, report, periods, reason, list(scheme.files))


def check_persons(prepared: Prepared, persons) -> None:
    """Refuse (E513) person ids that are not in the roster, before anything is evaluated."""
    from kpirules.engine.sql import quote
    from kpirules.model.problems import did_you_mean

    if not persons:
        return
    roster = prepared.scheme.roster
    ids = [str(r[0]) for r in prepared.con.execute(
        f"SELECT {quote(roster.bindings['id'])} FROM {quote(roster.id)}").fetchall()]
    for person in persons:
        if person not in ids:
            # quoted when blanks would not show (an empty id, a space at either end)
            shown = person if person and person == person.strip() else repr(person)
            raise DataError(Diagnostic(
                "E513", f"person {shown} is not in the roster ({roster.id})",
                help=did_you_mean(person, ids) or "check the id: kpirules run lists everyone evaluated",
            ))


def check_roles(scheme, roles) -> None:
    """Refuse (E004) a --role the scheme does not have."""
    unknown = [r for r in roles if r not in scheme.roles]
    if unknown:
        role = unknown[0] if unknown[0].strip() and unknown[0] == unknown[0].strip() else repr(unknown[0])
        raise ConfigError(Diagnostic("E004", f"unknown role {role}", help=f"roles: {', '.join(scheme.roles)}"))


def manifest(prepared: Prepared, result=None, arguments: dict | None = None) -> dict:
    """The run manifest: what the run read; with its result and arguments, the sealed manifest
    `kpirules verify` checks (kpirules.report.manifest)."""
    from kpirules.report import manifest as manifests

    read = manifests.inputs(prepared.files, prepared.load_report.datasets,
                            [p.label for p in prepared.periods], prepared.period_reason)
    return read if result is None else manifests.build(read, arguments or {}, result)


def run_arguments(prepared: Prepared, paths, period_label, roles, persons, bad_rows) -> dict:
    """The arguments a re-run needs (`kpirules verify`), with paths as this run saw them: the
    configuration relative to the folder the run is made in, outside it too (`../kpirules.toml`),
    so that verify, run from that folder in a copy of the project, reads the copy's."""
    try:
        config = os.path.relpath(prepared.config.path.resolve(), Path.cwd().resolve())
    except ValueError:  # on another drive (Windows): as it is
        config = str(prepared.config.path.resolve())
    return {"rulesets": list(paths) or None, "period": period_label, "env": prepared.load_report.env,
            "config": config, "roles": list(roles), "persons": list(persons), "bad_rows": bad_rows}


def _warnings(prepared: Prepared, result, roles=None, stale: bool = True) -> list[str]:
    """The run's warnings about its inputs; `stale` (not for pacing, whose period has just
    begun) adds the sources that stop before the period."""
    from kpirules.engine.data_dates import stale_sources
    from kpirules.sources.checks import UNKNOWN_PERSON_HELP

    out = []
    for load in prepared.load_report.datasets:
        if load.unknown_person_rows:
            ids, first = load.unknown_people()
            n = load.unknown_person_rows
            whom = "row credited to a person" if n == 1 else "rows credited to people"
            out.append(f"{load.dataset}: {n} {whom} not in the roster ({ids}), the first at {first} of "
                       f"{load.locator}: {UNKNOWN_PERSON_HELP}")
        if load.no_person_rows:
            n, column = load.no_person_rows, prepared.scheme.datasets[load.dataset].person_column
            out.append(f"{load.dataset}: {n} {'row has' if n == 1 else 'rows have'} no {column}: "
                       f"{'it counts' if n == 1 else 'they count'} for nobody")
        if load.no_date_rows:
            ds = prepared.scheme.datasets[load.dataset]
            n = load.no_date_rows
            if ds.kind == "dataset":
                out.append(f"{load.dataset}: {n} {'row has' if n == 1 else 'rows have'} no {ds.date_column}: "
                           f"{'it is' if n == 1 else 'they are'} in no period (a KPI placing rows `on` another "
                           "column still reads them)")
            else:  # a target or an adjustment for no period
                out.append(f"{load.dataset}: {n} {'row has' if n == 1 else 'rows have'} no {ds.bindings['period']}: "
                           f"{'it is' if n == 1 else 'they are'} never applied")
    out += prepared.load_report.skipped()
    out += _outside_effective(prepared.scheme.header, prepared.periods)
    out += _filters_matching_nothing(prepared, roles)
    if stale:
        out += stale_sources(prepared.scheme, prepared.con, prepared.periods, roles)
    if result.unmatched_people:
        shown = ", ".join(result.unmatched_people[:10]) + (" ..." if len(result.unmatched_people) > 10 else "")
        n = len(result.unmatched_people)
        out.append(f"{i18n.people(n)} in the roster {'matches' if n == 1 else 'match'} no role: {shown}")
    return out


def _filters_matching_nothing(prepared: Prepared, roles=None) -> list[str]:
    """Warnings for texts the roles' filters compare a column with that no row holds
    (`deal_stage == "won"` where the data says `Won`): kpirules.engine.filters."""
    from kpirules.engine.filters import unmatched_texts
    from kpirules.engine.ir import build_plan

    chosen = [r for r in prepared.scheme.roles if roles is None or r in roles]
    return unmatched_texts(prepared.scheme, prepared.con, build_plan(prepared.scheme, chosen).aggregates)


def _outside_effective(header, periods) -> list[str]:
    """A warning for periods not wholly inside the scheme's `effective` dates (evaluated all the same)."""
    start, end = header.effective_from, header.effective_to  # both or neither (`effective A to B`)
    if start is None:
        return []
    outside = [p.label for p in periods if p.start < start or p.last_day > end]
    if not outside:
        return []
    labels = ", ".join(outside)
    if len(outside) == 1:
        return [f"period {labels} is not wholly inside the scheme's effective dates ({start} to {end}): evaluated "
                "with this scheme all the same; check --period, or the scheme's `effective` line"]
    return [f"periods {labels} are not wholly inside the scheme's effective dates ({start} to {end}): evaluated "
            "with this scheme all the same; check --period, or the scheme's `effective` line"]


config_option = click.option("--config", "config_path", type=FilePath(dir_okay=False),
                             help="The project configuration (default: kpirules.toml found from the current folder up).")
env_option = click.option("--env", help="The configured environment whose data sources to read.")


def _one_period(ctx, param, values):
    """The --period given, at most once: a second one was silently the only one evaluated."""
    if len(values) > 1:
        raise click.BadParameter(f"given {len(values)} times ({', '.join(values)}): give one period; a longer one "
                                 "covers its shorter periods (--period 2026Q1 evaluates each of its months)")
    return values[0] if values else None


period_option = click.option("--period", "period_label", metavar="PERIOD", multiple=True, callback=_one_period,
                             help="2026-03, 2026Q1, 2026H1 or 2026 (default: the latest period the data covers).")


@click.command()
@paths_argument
@period_option
@env_option
@config_option
@click.option("--role", "roles", multiple=True, help="Only this role (repeatable).")
@click.option("--person", "persons", multiple=True, help="Only this person id (repeatable).")
@click.option("--format", "fmt_", default=None, metavar="FORMAT",
              help="table, csv, json (with the run manifest), jsonl, xlsx, or a format a plugin adds. "
                   "Default: the one the --output file's extension names (results.xlsx: xlsx), else table.")
@output_option
@bad_rows_option
@rejects_option
@click.option("--as-of", "as_of", type=Day(), metavar="YYYY-MM-DD",
              help="Pace the period that contains this day: values to date, pace, projection and "
                   "on track / at risk / off track (docs/pacing.md).")
@click.option("--manifest", "manifest_path", type=FilePath(dir_okay=False, writable=True),
              callback=output_folder_exists,
              help="Also write the run manifest (sealed) to this file, for `kpirules verify`.")
@click.option("--snapshot", "snapshot_dir", type=FilePath(file_okay=False),
              help="Also keep the exact inputs read (Parquet), the scheme files and the manifest in this folder.")
@click.option("--force", is_flag=True, help="With --snapshot: replace an earlier snapshot in that folder (never a folder of other files).")
@lang_option
@handle_errors
def run(paths, period_label, env, config_path, roles, persons, fmt_, output, bad_rows, rejects, as_of,
        manifest_path, snapshot_dir, force) -> None:
    """Evaluate the scheme: per person, each KPI's value, attainment and score, the total,
    grade and payout.

    Reads the rulesets and data sources named in kpirules.toml (or the .kpi PATHs given).
    The output states which period was evaluated and why.

    \b
    Examples:
      kpirules run
      kpirules run --period 2026-03 --role telesales
      kpirules run --period 2026Q1 --format json -o results.json
      kpirules run --lang zh                 # the table and warnings in Chinese
      kpirules run --as-of 2026-12-10        # pacing: on track, at risk or off track so far
      kpirules run --manifest run.manifest.json --snapshot snapshot-2026-12
    """
    from kpirules.report.formats import output_formats

    fmt_ = format_of_output(fmt_, output, [name for name in output_formats() if name != "table"], "table")
    if as_of is not None:  # pacing during the period: kpirules.cli.pacing, docs/pacing.md
        from kpirules.cli.pacing import run_as_of

        if manifest_path or snapshot_dir:
            raise ConfigError(Diagnostic(
                "E884", "--as-of shows a projection, which --manifest and --snapshot do not record",
                help="record the run when the period is over: kpirules run --period P --manifest FILE",
            ))
        # what a run says of its options before the work, a projection says too
        _check_places(output, None, None, rejects)
        warn_rejects_unused(rejects, bad_rows)
        if force:
            _warn_force_without_snapshot()
        return run_as_of(paths, period_label, env, config_path, roles, persons, fmt_, output, bad_rows, rejects,
                         as_of)
    from kpirules.model.problems import did_you_mean

    formats = output_formats()
    if fmt_ not in formats:
        raise ConfigError(Diagnostic(
            "E005", f"unknown output format '{fmt_}'",
            help=did_you_mean(fmt_, formats) or f"formats: {', '.join(formats)}",
        ))
    chosen = formats[fmt_]
    if chosen.binary and not output:
        raise ConfigError(Diagnostic("E003", f"--format {fmt_} needs --output FILE", help=f"e.g. -o results.{fmt_}"))
    _check_places(output, manifest_path, snapshot_dir, rejects)  # before the work, not after it
    warn_rejects_unused(rejects, bad_rows)
    if force and not snapshot_dir:
        _warn_force_without_snapshot()
    if snapshot_dir:
        from kpirules.report import snapshot

        snapshot.check_target(snapshot_dir, force)
    prepared = prepare(paths, period_label, env, config_path, bad_rows, rejects)
    for path in (output, manifest_path):  # the inputs are known once they are read, still before the work
        if path:
            check_not_input(path)
    check_roles(prepared.scheme, roles)
    check_persons(prepared, persons)
    # the results and their output are many small objects that live until the command ends
    # and that reference counting frees: collections walking them all cost as much as
    # making them (a short-lived command has no cycles worth collecting)
    with gc_paused():
        _evaluate_and_write(prepared, chosen, paths, period_label, roles, persons, fmt_, output, bad_rows,
                            manifest_path, snapshot_dir, force)


def _evaluate_and_write(prepared, chosen, paths, period_label, roles, persons, fmt_, output, bad_rows,
                        manifest_path, snapshot_dir, force) -> None:
    from kpirules.engine.evaluate import evaluate

    with status("evaluating"):
        result = evaluate(prepared.scheme, prepared.con, prepared.periods, roles=list(roles) or None,
                          persons=list(persons) or None, period_reason=prepared.period_reason,
                          trace_rows=chosen.traces, loads=prepared.load_report)
    result.warnings.extend(_warnings(prepared, result, list(roles) or None))
    if persons:
        left_out = _left_out_by_role(prepared, result, roles, persons) if roles else {}
        result.warnings.extend(left_out.values())
        result.warnings.extend(_persons_not_evaluated(prepared, result, persons, left_out))
    sealed = None
    if (fmt_ != "table" and chosen.manifest) or manifest_path or snapshot_dir:
        sealed = manifest(prepared, result, run_arguments(prepared, paths, period_label, roles, persons, bad_rows))
    lang = current_lang()
    if fmt_ == "table":  # the format people read, so in their language; the others are data
        from kpirules.report.run_output import render_table

        rendered = render_table(result, terminal_width(output), lang=lang)
    else:
        from kpirules.report.formats import render

        rendered = render(chosen, result, sealed)
        from kpirules.report.explain import period_line

        # which period and why, beside the data (JSON also carries it as period_reason)
        echo_err(period_line(result, lang))
        for warning in result.warnings:
            echo_err(i18n.labelled(lang, "warning", i18n.phrase(warning, "warning", lang)))
    outputs: dict[str, str | bytes] = {}
    if output:
        outputs[output] = rendered if isinstance(rendered, bytes) else rendered.rstrip("\n") + "\n"
    if manifest_path:
        from kpirules.report import manifest as manifests

        outputs[manifest_path] = manifests.render(sealed)
    # every file is written in full first: one that cannot be leaves none of them, and no snapshot
    with outputs_staged(outputs) as put_in_place:
        if snapshot_dir:
            from kpirules.report import snapshot

            snapshot.write(snapshot_dir, prepared.con, sealed, force, then=put_in_place)
        else:
            put_in_place()
    if not output:
        click.echo(rendered.rstrip("\n"))
    elif isinstance(rendered, bytes):
        echo_err(i18n.ui(lang, "run.wrote", f"wrote {output}", path=output))


def _left_out_by_role(prepared: Prepared, result, roles, persons,
                      periods: list[str] | None = None) -> dict[tuple[str, str], str]:
    """A warning for each --person and period (of `periods`, else the result's) whom --role left
    out (their role is another): the run says "0 people evaluated" and nothing else would say why."""
    from kpirules.engine.evaluate import evaluate

    evaluated = {(p.person_id, p.period) for p in result.people}
    missing = [p for p in dict.fromkeys(persons)
               if not any((p, label) in evaluated for label in (periods or result.periods))]
    if not missing:
        return {}
    theirs = evaluate(prepared.scheme, prepared.con, prepared.periods, persons=missing,
                      period_reason=prepared.period_reason, loads=prepared.load_report)
    chosen = ", ".join(roles)
    return {(p.person_id, p.period): f"--person {p.person_id} was not evaluated for {p.period}: their role is "
                                     f"{p.role}, which --role {chosen} leaves out"
            for p in theirs.people if (p.person_id, p.period) not in evaluated}


def _persons_not_evaluated(prepared: Prepared, result, persons, said: dict[tuple[str, str], str],
                           periods: list[str] | None = None) -> list[str]:
    """A warning for each --person and period (of `periods`, else the result's) with no result
    and none in `said`: not active then, or in no role (the run said "0 people evaluated" and
    no more). `result` is a run's or a projection's (`--as-of`)."""
    from kpirules.report.explain import Context

    evaluated = {(p.person_id, p.period) for p in result.people}
    missing = [(p, label) for p in dict.fromkeys(persons) for label in (periods or result.periods)
               if (p, label) not in evaluated and (p, label) not in said]
    if not missing:
        return []
    context = Context.read(prepared.scheme, prepared.con)
    return [f"--person {p} was not evaluated for {label}: {context.not_evaluated(p, label)}" for p, label in missing]


def _warn_force_without_snapshot() -> None:
    lang = current_lang()
    echo_err(i18n.labelled(lang, "warning", i18n.ui(
        lang, "run.force_without_snapshot", "--force replaces an earlier --snapshot folder; without --snapshot "
        "it does nothing")))


def _check_places(output, manifest_path, snapshot_dir, rejects=None) -> None:
    """Refuse (E008), before the work, outputs that would take each other's place."""
    if output and manifest_path and place(output) == place(manifest_path):
        raise ConfigError(Diagnostic(
            "E008", f"-o {output} and --manifest {manifest_path} name the same file: one would replace the other",
            help="write the results and the manifest to two files (--format json also holds the manifest)",
        ))
    check_outside_rejects(rejects, ("-o", output), ("--manifest", manifest_path))
    if not snapshot_dir:
        return
    folder = place(snapshot_dir)
    for option, path in (("-o", output), ("--manifest", manifest_path)):
        if path and (place(path) == folder or folder in place(path).parents):
            raise ConfigError(Diagnostic(
                "E008", f"{option} {path} is inside the --snapshot folder {snapshot_dir}, which the snapshot "
                "replaces as a whole",
                help="write it outside the snapshot folder (the snapshot keeps its own manifest.json)",
            ))




@click.command()
@click.argument("person")
@period_option
@env_option
@config_option
@click.option("--format", "fmt_", type=click.Choice(["text", "json"]), default=None,
              help="text or json. Default: json when the --output file's name ends in .json, else text.")
@output_option
@bad_rows_option
@rejects_option
@lang_option
@handle_errors
def explain(person, period_label, env, config_path, fmt_, output, bad_rows, rejects) -> None:
    """Explain one person's calculation step by step, each step pointing at its .kpi line.

    For each KPI: the dataset, the filter as written, the rows matched, the value, the
    target and where it came from, attainment, the curve rule applied, weight and
    contribution; then the grade and every payout step.

    \b
    Examples:
      kpirules explain P007
      kpirules explain P007 --period 2026-03 --format json
      kpirules explain P007 --lang zh        # the statement in Chinese
      kpirules explain P007 --on-bad-rows skip   # as a run that skipped the bad rows
    """
    from kpirules.engine.evaluate import evaluate
    from kpirules.report.explain import Context, explain_periods, period_line
    from kpirules.report.explain_json import explain_items

    fmt_ = format_of_output(fmt_, output, ["json"], "text")
    check_outside_rejects(rejects, ("-o", output))
    warn_rejects_unused(rejects, bad_rows)
    prepared = prepare((), period_label, env, config_path, bad_rows, rejects)
    if output:
        check_not_input(output)
    check_persons(prepared, [person])
    result = evaluate(prepared.scheme, prepared.con, prepared.periods, persons=[person],
                      period_reason=prepared.period_reason, trace_rows=True, loads=prepared.load_report)
    context = Context.read(prepared.scheme, prepared.con)
    if not result.people:
        reasons = [f"in {period}: {context.not_evaluated(person, period)}" for period in result.periods]
        active = [context.active(person, period) for period in result.periods]
        if not any(active):
            why = "was not active in the period" if len(active) == 1 else "was not active in any of the periods"
            outside = context.outside(person, *result.periods)
            notes = [outside] if outside else reasons
        else:  # each period says why: the day the role is read on, or inactive in some of them
            notes = reasons
            why = "matches no role" if all(active) else "was evaluated in none of the periods"
        raise DataError(Diagnostic(
            "E514", f"person {person} {why}, so there is nothing to explain for {', '.join(result.periods)}",
            help="choose another --period, or check the person's roster attributes",
            notes=notes,
        ))
    lang = current_lang()
    for warning in prepared.load_report.skipped():  # what the steps do not see
        echo_err(i18n.labelled(lang, "warning", i18n.phrase(warning, "warning", lang)))
    if fmt_ == "json":
        text = json.dumps(explain_items(result, person, context), ensure_ascii=False, indent=2)
        echo_err(period_line(result, lang))
    else:
        text = period_line(result, lang) + "\n\n" + "\n\n".join(explain_periods(result, person, lang, context))
    emit(text, output)
