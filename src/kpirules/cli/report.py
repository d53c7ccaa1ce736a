"""`kpirules report`: the team overview and everyone's statement, as HTML or a workbook."""

from __future__ import annotations

import os
from pathlib import Path

import click

from kpirules import i18n
from kpirules.cli.common import (
    FilePath, bad_rows_option, check_not_input, check_outside_rejects, current_lang, echo_err, file_output, format_of_output,
    handle_errors, lang_option, paths_argument, place, rejects_option, warn_rejects_unused, write_output,
)
from kpirules.cli.run import _warnings, check_roles, config_option, env_option, period_option, prepare, status
from kpirules.errors import ConfigError, DataError, Diagnostic
from kpirules.io import StagedFiles, write_folder_atomic, written_in_place

#: Written into a --per-person folder so that a later run knows it may replace the folder.
MARKER = ".kpirules-statements"


@click.command()
@paths_argument
@period_option
@env_option
@config_option
@click.option("--role", "roles", multiple=True, help="Only this role (repeatable).")
@click.option("--format", "fmt_", type=click.Choice(["html", "xlsx"]), default=None,
              help="html (default) or xlsx; an --output ending in .xlsx means xlsx.")
@click.option("-o", "--output", required=True, type=FilePath(dir_okay=False, allow_dash=True), callback=file_output,
              help="The report file to write (atomically).")
@click.option("--per-person", "per_person", type=FilePath(), metavar="DIR",
              help="Also write one statement file per person into this folder (replaced as a whole).")
@click.option("--no-payouts", "no_payouts", is_flag=True,
              help="Leave every amount of pay out of the report (statements in --per-person keep their own).")
@bad_rows_option
@rejects_option
@lang_option
@handle_errors
def report(paths, period_label, env, config_path, roles, fmt_, output, per_person, no_payouts, bad_rows,
           rejects) -> None:
    """Write the team overview and everyone's statement: an HTML page to open in any
    browser without a network, or an Excel workbook.

    The overview shows the score distribution, payout by role and team, an attainment
    heat map per KPI and who is below a floor; each statement shows the person's KPIs
    against their targets and the payout steps in plain words. Pay is private:
    --per-person writes one file per person, --no-payouts leaves amounts out.

    \b
    Examples:
      kpirules report --period 2026-03 -o report.html
      kpirules report --period 2026-03 -o team.html --no-payouts --per-person statements
      kpirules report --period 2026Q1 --format xlsx -o report.xlsx
      kpirules report --lang zh -o report.html   # the report's words in Chinese
    """
    from kpirules.engine.evaluate import evaluate

    given = fmt_
    fmt_ = format_of_output(fmt_, output, ["html", "xlsx"], "html")
    target = Path(output)
    suffix = target.suffix.lower().lstrip(".")
    if given is None and suffix not in ("html", "htm", "xlsx"):
        # `-o report.pdf` wrote HTML under that name without a word
        lang = current_lang()
        echo_err(i18n.labelled(lang, "warning", i18n.ui(
            lang, "report.other_extension", f"{output} is written as HTML: the report is HTML or xlsx (name the file "
            f".html or .xlsx, or give --format)", path=output)))
    folder = Path(per_person) if per_person else None
    _check_places(target, folder, fmt_)  # before the work: a typo costs nothing
    check_outside_rejects(rejects, ("-o", output))
    if folder is not None and rejects:
        a, b = place(folder), place(rejects)
        if a == b or a in b.parents or b in a.parents:
            raise ConfigError(Diagnostic(
                "E008", f"--per-person {folder} and --rejects {rejects} share a folder, whose files each replaces",
                help="give the statements and the rejects a folder each",
            ))
    warn_rejects_unused(rejects, bad_rows)
    prepared = prepare(paths, period_label, env, config_path, bad_rows, rejects)
    check_roles(prepared.scheme, roles)
    with status("evaluating"):
        result = evaluate(prepared.scheme, prepared.con, prepared.periods, roles=list(roles) or None,
                          period_reason=prepared.period_reason, trace_rows=True, loads=prepared.load_report)
    result.warnings.extend(_warnings(prepared, result, list(roles) or None))
    if not result.people:
        raise DataError(Diagnostic(
            "E863", f"nobody was evaluated for {', '.join(result.periods)}: there is nothing to report",
            help="choose another --period or --role, or check the roster",
        ))
    lang = current_lang()
    label = prepared.scheme.header.label
    with status("writing the report"):
        if fmt_ == "xlsx":
            from kpirules.report.workbook import render_workbook

            payload: str | bytes = render_workbook(result, prepared.scheme, lang, payouts=not no_payouts)
        else:
            from kpirules.report.explain import Context
            from kpirules.report.html import render_report, render_statement_file, statement_files

            # what `kpirules explain` reads besides the results, so the statements say what it says
            context = Context.read(prepared.scheme, prepared.con)
            payload = render_report(result, lang, payouts=not no_payouts, scheme_label=label, context=context)
            if folder is not None:  # statements are HTML only (E864)
                files = {name: render_statement_file(people, result, lang, label, context).encode("utf-8")
                         for name, people in statement_files(result).items()}
                files[MARKER] = b"Statements written by kpirules report; the next run replaces this folder.\n"
        if folder is None or written_in_place(target):
            if folder is not None:
                _write(lambda: write_folder_atomic(folder, files), folder)
            _write(lambda: write_output(target, payload), target)
        else:
            _write_together(target, payload, folder, files)
    for warning in result.warnings:
        echo_err(i18n.labelled(lang, "warning", i18n.phrase(warning, "warning", lang)))
    echo_err(i18n.ui(lang, "run.wrote", f"wrote {output}", path=output))
    if folder is not None:
        echo_err(i18n.ui(lang, "report.wrote_statements", f"wrote {len(files) - 1} statements to {folder}",
                         n=len(files) - 1, path=folder))


def _check_places(target: Path, folder: Path | None, fmt_: str) -> None:
    """Refuse places the report cannot be written to, before anything is evaluated."""
    _check_writable(target)  # an --output that is a folder is refused by click (dir_okay=False)
    if folder is None:
        return
    if fmt_ != "html":
        raise ConfigError(Diagnostic("E864", f"--per-person writes HTML statements, not {fmt_}",
                                     help="use --per-person with --format html"))
    if folder.resolve() == target.resolve():
        raise ConfigError(Diagnostic("E865", f"--output {target} and --per-person {folder} name one path",
                                     help="write the report to a file and the statements to a folder of their "
                                          "own, e.g. -o report.html --per-person statements"))
    if folder.exists() and not folder.is_dir():
        raise ConfigError(Diagnostic("E861", f"--per-person {folder} is a file, not a folder",
                                     help="name a folder (it is created), or move the file away"))
    _check_writable(folder)
    if folder.is_dir() and any(folder.iterdir()) and not (folder / MARKER).is_file():
        raise ConfigError(Diagnostic(
            "E862", f"--per-person {folder} holds files that kpirules report did not write",
            help="name a new or empty folder: kpirules replaces only a folder of statements it wrote",
        ))
    if folder.resolve() in target.resolve().parents:
        raise ConfigError(Diagnostic("E865", f"--output {target} is inside the --per-person folder {folder}",
                                     help="write the report outside the statements folder"))


def _check_writable(path: Path) -> None:
    parent = path.resolve().parent
    if not parent.is_dir():
        why = "No such file or directory" if not parent.exists() else "Not a directory"
        raise ConfigError(Diagnostic("E860", f"cannot write {path}: {why}",
                                     help="check the path: its folder must exist"))
    if not os.access(parent, os.W_OK):
        raise ConfigError(Diagnostic("E860", f"cannot write {path}: Permission denied",
                                     help="choose a folder you may write to"))


def _write_together(target: Path, payload: str | bytes, folder: Path, files: dict[str, bytes]) -> None:
    """The report file and the statements folder, both or neither: the report is written in
    full beside its place, the folder takes its place, then the report is renamed over its
    own (a failure then puts the old folder back)."""
    check_not_input(target)
    data = payload.encode("utf-8") if isinstance(payload, str) else payload
    staged = _write(lambda: StagedFiles({target: data}), target)
    try:
        _write(lambda: write_folder_atomic(folder, files, then=lambda: _write(staged.put_in_place, target)), folder)
    finally:
        staged.discard()


def _write(write, path: Path):
    """What `write()` returns; E860 naming `path` when it cannot write."""
    try:
        return write()
    except OSError as exc:
        raise ConfigError(Diagnostic("E860", f"cannot write {path}: {exc.strerror or exc}",
                                     help="choose a folder you may write to")) from exc
