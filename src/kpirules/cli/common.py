"""Shared pieces of the commands: error handling, output options, exit codes, the language."""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from kpirules import i18n
from kpirules.errors import ConfigError, Diagnostic, KpiError, Location
from kpirules.io import (StagedFiles, folder_read_for, input_holding, note_folder_read, note_input, write_atomic,
                         written_in_place)
from kpirules.report.diagnostics import render_all

EXIT_CLEAN, EXIT_PROBLEMS, EXIT_ERROR = 0, 1, 2


def echo_err(text: str) -> None:
    """A line for standard error. When nobody reads it any more (`2>&1 | head -1`, the reader
    gone) the command goes on and writes its outputs: messages are not its work. click would
    stop it with exit code 1, with nothing written."""
    try:
        click.echo(text, err=True)
    except BrokenPipeError:
        # later messages, and the interpreter's last flush, go nowhere instead of failing
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, sys.stderr.fileno())
        finally:
            os.close(devnull)


# ---------------------------------------------------------------------- the language

_GLOBAL_LANG, _COMMAND_LANG, _LANG = "kpirules.lang.global", "kpirules.lang.command", "kpirules.lang"
LANG_HELP = "Language of the messages: en (default) or zh. Also KPIRULES_LANG, or lang in [project] of kpirules.toml."


def _remember(key: str) -> Callable:
    def callback(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
        if value is not None:
            ctx.meta[key] = value

    return callback


def lang_option(func: Callable, key: str = _COMMAND_LANG) -> Callable:
    """--lang en|zh; the command's own option wins over `kpirules --lang`."""
    return click.option(
        "--lang", type=click.Choice(i18n.LANGS, case_sensitive=False), default=None, expose_value=False,
        callback=_remember(key), help=LANG_HELP,
    )(func)


def global_lang_option(func: Callable) -> Callable:
    return lang_option(func, _GLOBAL_LANG)


#: the language the last command resolved (English until one does)
LAST_LANG = i18n.DEFAULT_LANG


def resolve_lang(config_path: str | Path | None = None) -> str:
    """The language of this run: --lang, then KPIRULES_LANG, then the configuration, else English."""
    ctx = click.get_current_context(silent=True)
    meta = ctx.meta if ctx is not None else {}
    chosen = meta.get(_COMMAND_LANG) or meta.get(_GLOBAL_LANG)
    if chosen:
        lang = chosen.lower()
    elif os.environ.get(i18n.ENV_VAR):
        lang = i18n.check_lang(os.environ[i18n.ENV_VAR], i18n.ENV_VAR)
    else:
        from kpirules.lint.config import find_config_file  # the cheap search, free of heavy imports

        found = Path(config_path) if config_path else find_config_file()
        lang = i18n.configured_lang(found)
        if found is not None and found.is_file():
            note_input(found)  # read for its `lang`: no output may replace it (E006)
    meta[_LANG] = lang
    global LAST_LANG
    LAST_LANG = lang  # for the last line of defence, which runs after the command's context is gone
    return lang


def current_lang() -> str:
    """The language resolved when the command started (English before that, or outside a command)."""
    ctx = click.get_current_context(silent=True)
    return ctx.meta.get(_LANG, i18n.DEFAULT_LANG) if ctx is not None else i18n.DEFAULT_LANG


# ---------------------------------------------------------------------- problems


def summary(diagnostics: list[Diagnostic], files: int | None = None, lang: str = "en") -> str:
    errors = sum(1 for d in diagnostics if d.severity == "error")
    others = len(diagnostics) - errors
    parts = [i18n.count(errors, "error")]
    if others:
        parts.append(i18n.count(others, "other finding"))
    where = ""
    paths = {d.location.path for d in diagnostics if hasattr(d.location, "path")}
    if paths:
        where = f" in {i18n.count(len(paths), 'file')}"
    if lang == "en":
        return f"Found {' and '.join(parts)}{where}."
    text = i18n.ui(lang, "summary.errors", "", errors=errors)
    if others:
        text += i18n.ui(lang, "summary.others", "", others=others)
    if paths:
        text += i18n.ui(lang, "summary.files", "", files=len(paths))
    return text + "。"


def report_error(exc: KpiError) -> int:
    """Print a KpiError's diagnostics to stderr, in the run's language; return its exit code."""
    return report_diagnostics(exc.diagnostics, exc.exit_code)


def report_diagnostics(diagnostics: list[Diagnostic], exit_code: int = EXIT_PROBLEMS) -> int:
    """Print diagnostics to stderr, in the run's language, with one summary of them all
    when they are problems in the inputs (exit code 1); return the exit code."""
    lang = current_lang()
    echo_err(render_all(diagnostics, lang=lang))
    if exit_code == EXIT_PROBLEMS:
        echo_err("\n" + summary(diagnostics, lang=lang))
    return exit_code


def handle_errors(func: Callable) -> Callable:
    """Turn the library's errors into messages and exit codes, in the language of the run.

    The language is settled first (a command's `--config` names the configuration whose
    [project] lang counts), so that every message of the command is in it.
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        WRITTEN.clear()  # several commands may run in one process (tests, the library's callers)
        try:
            resolve_lang(kwargs.get("config_path") or kwargs.get("config_file"))
            return func(*args, **kwargs)
        except KpiError as exc:
            sys.exit(report_error(exc))
        except KeyboardInterrupt:
            sys.exit(report_interrupt())
        except Exception as exc:
            # Ctrl-C inside a DuckDB query surfaces as DuckDB's own error (or as one from its
            # clean-up), not as KeyboardInterrupt
            if INTERRUPTED or type(exc).__name__ == "InterruptException":
                sys.exit(report_interrupt())
            raise

    return wrapper


#: set by kpirules' Ctrl-C handler (`kpirules.cli.main`)
INTERRUPTED = False
#: the files this command has put in place (`write_output`, `outputs_staged`): a Ctrl-C after
#: them leaves them whole, and the work done
WRITTEN: list[str] = []


def report_interrupt() -> int:
    """Ctrl-C: said as such (not as a bug, nor as problems in the inputs); outputs are written
    atomically, so none is left half-written. After the command has put its files in place
    (it was closing down), they are whole: said so, and the exit code is the work's, 0."""
    lang = current_lang()
    if WRITTEN:
        files = ", ".join(WRITTEN)
        echo_err(i18n.ui(lang, "interrupted_after", f"interrupted after kpirules had written {files}: "
                                                    "they are complete", files=files))
        return EXIT_CLEAN
    echo_err(i18n.ui(lang, "interrupted", "interrupted: kpirules stopped before it finished; no output was "
                                          "written or changed"))
    return EXIT_ERROR


class FilePath(click.Path):
    """click.Path that refuses an empty value: `-o ""` was the working folder to some
    commands ("cannot write .") and no output at all to others."""

    def convert(self, value, param, ctx):
        if isinstance(value, str) and not value.strip():
            self.fail("the path is empty: name a file or folder", param, ctx)
        return super().convert(value, param, ctx)


def output_folder_exists(ctx, param, value):
    """Refuse, before any work, an --output whose folder is missing or not writable."""
    if value:
        try:
            folder = Path(value).resolve().parent
        except (OSError, RuntimeError):  # a link that loops
            raise click.BadParameter(f"{value} is a symbolic link that loops; choose another path") from None
        if folder.exists() and not folder.is_dir():
            raise click.BadParameter(f"{folder} is a file, not a folder; choose another path")
        if not folder.is_dir():
            raise click.BadParameter(f"the folder {folder} does not exist; create it first, or choose another path")
        if not os.access(folder, os.W_OK):
            raise click.BadParameter(f"the folder {folder} is not writable; choose a folder you may write to")
    return value


class Day(click.ParamType):
    """A calendar day written YYYY-MM-DD; a day the calendar lacks (2025-02-29) is refused as one,
    not as a format the text does not match."""

    name = "date"

    def convert(self, value, param, ctx) -> dt.date:
        if isinstance(value, dt.date):
            return value
        written = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", value.strip())
        if not written:
            self.fail(f"'{value}' is not a date: write it as YYYY-MM-DD", param, ctx)
        year, month, day = (int(part) for part in written.groups())
        why = None
        if year == 0 or month == 0 or day == 0:
            why = f"there is no {'year' if year == 0 else 'month' if month == 0 else 'day'} 0"
        elif month > 12:
            why = f"there is no month {month}"
        elif day > (days := calendar.monthrange(year, month)[1]):
            why = f"{calendar.month_name[month]} {year} has {days} days"
        if why:
            self.fail(f"'{value}' is not a date: {why}", param, ctx)
        return dt.date(year, month, day)


def output_file(ctx, param, value):
    """-o FILE, checked as output_folder_exists checks it; `-o -` is standard output."""
    return None if value == "-" else output_folder_exists(ctx, param, value)


def file_output(ctx, param, value):
    """-o FILE of a command that writes a file only (a report, a config): `-o -` names standard
    output, which it does not write to (it wrote a file named `-`)."""
    if value == "-":
        raise click.BadParameter("it names standard output, and this command writes a file: name one",
                                 ctx=ctx, param=param)
    return value


def output_option(func: Callable) -> Callable:
    return click.option(
        "-o", "--output", type=FilePath(dir_okay=False, writable=True, allow_dash=True), callback=output_file,
        help="Write to this file (atomically) instead of standard output (also `-o -`).",
    )(func)


bad_rows_option = click.option(
    "--on-bad-rows", "bad_rows", type=click.Choice(["stop", "skip"]), default="stop", show_default=True,
    help="stop: list bad rows and stop; skip: leave them out, count them, write them to --rejects.")
rejects_option = click.option("--rejects", type=FilePath(file_okay=False),
                              help="Folder for rows skipped with --on-bad-rows skip.")


def warn_rejects_unused(rejects: str | None, bad_rows: str) -> None:
    """With stop, a bad row stops the command and nothing is set aside: say so."""
    if rejects and bad_rows != "skip":
        lang = current_lang()
        echo_err(i18n.labelled(lang, "warning", i18n.ui(
            lang, "run.rejects_without_skip", f"--rejects {rejects} is written only with --on-bad-rows skip; "
            "without it a bad row stops the run", folder=rejects)))


def place(path: str | Path) -> Path:
    """Where a path leads, links followed (as far as they lead somewhere)."""
    try:
        return Path(path).resolve()
    except (OSError, RuntimeError):  # a link that loops
        return Path(os.path.abspath(path))


def format_of_output(fmt: str | None, output: str | None, by_extension: list[str], default: str) -> str:
    """The output format: --format as given, else the one the --output file's extension names
    (`results.xlsx`: xlsx), else `default`. A --format that another format's extension
    contradicts (`--format json -o results.csv`) is E009: one of the two is a slip."""
    named = Path(output).suffix.lower().lstrip(".") if output else ""
    named = named if named in by_extension else ""
    if fmt is None:
        return named or default
    known = fmt.lower() in by_extension or fmt.lower() == default  # an unknown one is the command's to refuse
    if named and known and named != fmt.lower():
        raise ConfigError(Diagnostic(
            "E009", f"--format {fmt} contradicts the output's name, {output}, which names {named}",
            help=f"leave out --format (the name chooses {named}), or name the file for {fmt}",
        ))
    return fmt


def check_outside_rejects(rejects: str | None, *outputs: tuple[str, str | None]) -> None:
    """Refuse (E008), before the work, an output (option, path) inside the --rejects folder:
    the command writes and removes <dataset>.csv there, so either could replace the other."""
    for option, path in outputs:
        if path and rejects and place(rejects) in place(path).parents:
            raise ConfigError(Diagnostic(
                "E008", f"{option} {path} is inside the --rejects folder {rejects}, whose files the run replaces",
                help="write it outside the rejects folder",
            ))


def project_data() -> tuple[Path | None, list[Path], list[Path]]:
    """The configuration, the data files (for a pattern such as `exports/*.csv`, the folder)
    that it binds, and its rulesets (files and folders; ./rulesets without a configuration),
    whether or not this command reads them. Read as TOML alone; a file that does not read
    binds nothing here (the commands that need it report it)."""
    import tomllib

    from kpirules.lint.config import find_config_file
    from kpirules.tomlfile import kpirules_tables

    ctx = click.get_current_context(silent=True)
    chosen = (ctx.params.get("config_path") or ctx.params.get("config_file")) if ctx is not None else None
    found = Path(chosen) if chosen else find_config_file()
    if found is None:
        return None, [], [place("rulesets")]
    try:
        data = tomllib.loads(found.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return found, [], []
    data, _ = kpirules_tables(found, data)
    project = data.get("project", {})
    listed = project.get("rulesets", ["rulesets"]) if isinstance(project, dict) else []
    rulesets = [place(found.parent / r) for r in listed if isinstance(r, str) and r] if isinstance(listed, list) else []
    bound = []
    envs = data.get("env", {})
    for env in envs.values() if isinstance(envs, dict) else ():
        datasets = env.get("datasets", {}) if isinstance(env, dict) else {}
        for binding in datasets.values() if isinstance(datasets, dict) else ():
            where = binding.get("path") if isinstance(binding, dict) else None
            if isinstance(where, str) and where:
                path = found.parent / where
                bound.append(place(path.parent if any(c in where for c in "*?[") else path))
    return found, bound, rulesets


def check_not_input(path: str | Path) -> None:
    """E006 when path is a file this command read as an input (a scheme file, the config, a
    data file) or lies in a folder it reads: known once the command has loaded its inputs.
    The data files the project binds are never replaced either, by any command."""
    joined = folder_read_for(path)
    if joined is not None and input_holding(path) is None:
        folder, suffix = joined
        raise ConfigError(Diagnostic(
            "E006", f"{path} is in {_shown(folder)}, where this command reads the {suffix} files: the next "
            f"command would read it with them",
            help=f"write the output outside that folder, or give it a name that does not end in {suffix}",
        ))
    holder = input_holding(path)
    if holder is not None and holder.is_dir():
        raise ConfigError(Diagnostic(
            "E006", f"{path} is in {_shown(holder)}, a folder this command reads as input: "
            "kpirules never writes where it reads its data",
            help="write the output to a file outside that folder",
        ))
    if holder is not None:
        raise ConfigError(Diagnostic(
            "E006", f"{path} is one of this command's inputs: kpirules never writes over its inputs",
            help="write the output to another file",
        ))
    config, bound, rulesets = project_data()
    target = place(path)
    scheme_file = next((suffix for suffix in (".kpi", ".kpitest.toml") if target.name.endswith(suffix)), None)
    for folder in rulesets if scheme_file else ():
        # the schemes and their tests, for every command: `rules -o rulesets/telesales.kpi`
        # replaced a scheme (rules and schema read none), `run -o` a .kpitest.toml
        if folder == target or folder in target.parents:
            raise ConfigError(Diagnostic(
                "E006", f"{path} is in the project's rulesets ({_shown(folder)}), where its {scheme_file} files are "
                "read: kpirules never writes over its inputs",
                help=f"write the output outside that folder, or give it a name that does not end in {scheme_file}",
            ))
    for data in bound:
        if data == target or (data.is_dir() and data in target.parents):
            shown, folder = _shown(config), _shown(data)
            message = (f"{path} is a data file bound in {shown}: kpirules never writes over its inputs" if data == target
                       else f"{path} is in {folder}, a data folder bound in {shown}: kpirules never writes where it "
                       "reads its data")
            raise ConfigError(Diagnostic("E006", message, help="write the output to another file"))


WRITE_HELP = "name a file in a folder you can write to (and not a link that loops)"


def terminal_width(output: str | None) -> int | None:
    """The width a table printed to a terminal wraps at; None for a file or a pipe, where a
    table is as wide as its cells (a table cut at 160 columns wrapped `no data → 0`)."""
    import shutil

    if output or not sys.stdout.isatty():
        return None
    return shutil.get_terminal_size().columns


def stop_if_interrupted() -> None:
    """A Ctrl-C that a library swallowed (`kpirules.cli._on_unraisable`) still stops the
    command before it writes an output."""
    if INTERRUPTED:
        raise KeyboardInterrupt


def write_output(path: str | Path, data: str | bytes) -> None:
    """Write an output file atomically, never over a file this command read as an input (E006)."""
    stop_if_interrupted()
    check_not_input(path)
    try:
        write_atomic(path, data)
    except OSError as exc:
        raise cannot_write(path, exc, WRITE_HELP) from None
    WRITTEN.append(str(path))


@contextmanager
def outputs_staged(outputs: dict[str, str | bytes]) -> Iterator[Callable[[], None]]:
    """A command's output files, written together: all of them, or none.

    Each is checked as `write_output` checks it (E006), then written in full beside its
    place (`kpirules.io.StagedFiles`); the block puts them all in place by calling the
    function it is given, after other work that must succeed first (a snapshot folder).
    An error before that leaves every place as it was. Descriptors, devices and pipes
    (`-o /dev/stdout`) are written into last, as `write_output` writes them. E007 names a
    file that cannot be written.
    """
    for path in outputs:
        check_not_input(path)
    payloads = {path: data.encode("utf-8") if isinstance(data, str) else data for path, data in outputs.items()}
    streams = {path: data for path, data in payloads.items() if written_in_place(path)}
    places = {Path(path): path for path in payloads if path not in streams}  # each as the user wrote it
    try:
        staged = StagedFiles({place: payloads[path] for place, path in places.items()})
    except OSError as exc:
        raise cannot_write(places.get(Path(exc.filename), exc.filename), exc, WRITE_HELP) from None

    def put_in_place() -> None:
        stop_if_interrupted()
        try:
            staged.put_in_place()
        except OSError as exc:
            raise cannot_write(places.get(Path(exc.filename), exc.filename), exc, WRITE_HELP) from None
        for path, data in streams.items():
            try:
                write_atomic(path, data)
            except OSError as exc:
                raise cannot_write(path, exc, WRITE_HELP) from None
        WRITTEN.extend(str(path) for path in outputs)

    try:
        yield put_in_place
    finally:
        staged.discard()


def cannot_write(path: str | Path, exc: OSError, help: str) -> ConfigError:
    """E007: an output cannot be written, with the operating system's reason."""
    return ConfigError(Diagnostic("E007", f"cannot write {path}: {exc.strerror or exc}", help=help))


def emit(text: str, output: str | None) -> None:
    """Print text, or write it to a file atomically."""
    if output:
        write_output(output, text if text.endswith("\n") else text + "\n")
    else:
        stop_if_interrupted()
        # the same bytes as the file: one line break at the end, not two
        click.echo(text, nl=not text.endswith("\n"))


# readable=False: a file that cannot be read is the scheme's E106 at that file, not a usage error
paths_argument = click.argument(
    "paths", nargs=-1, type=FilePath(readable=False), metavar="[PATH]...",
)


#: the folder a command reads when neither PATHs nor a configuration name the rulesets
DEFAULT_RULESETS = "rulesets"


def default_rulesets(help: str | None = None) -> list[str]:
    """./rulesets, or E001 (exit 2) when it does not exist: a command never falls back to
    searching the working folder, where `fmt` would rewrite every .kpi file below it."""
    if not Path(DEFAULT_RULESETS).exists():
        raise ConfigError(Diagnostic(
            "E001", f"no such file or directory: {DEFAULT_RULESETS}",
            help=help or "name the .kpi files or folders to read, put them in rulesets/, "
                         "or list them as rulesets under [project] in kpirules.toml",
        ))
    return [DEFAULT_RULESETS]


def ruleset_paths(paths: tuple[str, ...], config_path: Path | None, *, validate: bool = True) -> list[str]:
    """The .kpi paths a command reads: PATHs as given; else the configuration's [project]
    rulesets (`config_path`); else ./rulesets, which must exist (E001).

    A configuration that does not load is an error here as for `run` (exit 2), never
    passed over for the default folders. With validate=False (lint, whose cached runs must
    not pay for pydantic and the plugins) only the file's TOML and `project.rulesets` are
    checked; `run` and `sources check` report the rest.
    """
    chosen = _rulesets_chosen(paths, config_path, validate)
    for path in chosen:  # an output named *.kpi or *.kpitest.toml there would join them (E006)
        if Path(path).is_dir():
            note_folder_read(path, ".kpi")
            note_folder_read(path, ".kpitest.toml")
    return chosen


def _rulesets_chosen(paths: tuple[str, ...], config_path: Path | None, validate: bool) -> list[str]:
    if paths:
        return list(paths)
    if config_path is not None:
        if validate:
            from kpirules.config import load_config

            project = load_config(config_path).project
            rulesets, listed = project.rulesets, "rulesets" in project.model_fields_set
        else:
            rulesets, listed = _rulesets_in(config_path)
        missing = next((r for r in rulesets if not (config_path.parent / r).exists()), None) if listed else None
        if missing is not None:
            from kpirules.config import missing_ruleset

            raise missing_ruleset(config_path, missing)
        if rulesets:
            return [_shown(config_path.parent / r) for r in rulesets]
    return default_rulesets()


def _rulesets_in(config_path: Path) -> tuple[list[str], bool]:
    """`project.rulesets` of a configuration file, read with the standard library only, and
    whether the file lists them (else they are the default, ["rulesets"]).

    Its problems are worded as load_config words them (E603 at the key), so that `lint`
    says what every other command says.
    """
    from kpirules import tomlshapes
    from kpirules.tomlfile import RULESETS_EMPTY, RULESETS_EMPTY_HELP, kpirules_tables, read_config_toml
    from kpirules.tomlpositions import locate

    text, data = read_config_toml(config_path)
    data, prefix = kpirules_tables(config_path, data)
    project = data.get("project", {})
    rulesets = project.get("rulesets", ["rulesets"]) if isinstance(project, dict) else None
    if isinstance(rulesets, list) and rulesets and all(isinstance(r, str) for r in rulesets):
        return rulesets, "rulesets" in project
    positions = locate(text)

    def at(*key) -> Location:
        return Location(_shown(config_path), *positions.key((*prefix, *key)))

    header = ".".join((*prefix, "project"))  # in a pyproject.toml, tool.kpirules.project
    if not isinstance(project, dict):
        raise ConfigError(tomlshapes.not_a_table("E603", header, header, project,
                                                 (*prefix, "project") in positions.array_tables, at("project")))
    if rulesets == []:
        raise ConfigError(Diagnostic("E603", f"{header}.rulesets: {RULESETS_EMPTY}", at("project", "rulesets"),
                                     help=RULESETS_EMPTY_HELP))
    wrong = None if not isinstance(rulesets, list) else next(n for n, r in enumerate(rulesets) if not isinstance(r, str))
    value = rulesets if wrong is None else rulesets[wrong]
    where = at("project", "rulesets") if wrong is None else at("project", "rulesets", wrong)
    raise ConfigError(tomlshapes.not_a_list("E603", f"{header}.rulesets", *tomlshapes.RULESETS_ITEMS, value,
                                            None if wrong is None else wrong + 1, where))


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
