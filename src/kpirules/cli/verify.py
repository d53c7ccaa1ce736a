"""`kpirules verify`: re-run the evaluation a manifest describes and compare, field by field."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from kpirules.cli.common import EXIT_PROBLEMS, FilePath, current_lang, emit, handle_errors, lang_option, output_option
from kpirules.cli.run import config_option, env_option, manifest, prepare, run_arguments, status
from kpirules.errors import ConfigError, Diagnostic, KpiError
from kpirules.io import note_input


@click.command()
@click.argument("manifest_path", metavar="MANIFEST", type=FilePath(exists=True))
@click.option("--snapshot", "snapshot_dir", type=FilePath(exists=True, file_okay=False),
              help="Re-run on the inputs kept by `kpirules run --snapshot DIR` instead of the live sources.")
@env_option
@config_option
@click.option("--format", "fmt_", type=click.Choice(["text", "json"]), default="text", show_default=True)
@output_option
@lang_option
@handle_errors
def verify(manifest_path, snapshot_dir, env, config_path, fmt_, output) -> None:
    """Re-run the evaluation a run manifest describes: confirm the results are identical, or
    say exactly what differs (scheme files, data fingerprints, the version of kpirules, results).

    MANIFEST is the file `kpirules run --manifest FILE` wrote, the JSON output of
    `kpirules run --format json`, or a snapshot folder. The run is repeated with its own
    arguments (periods, roles, people, environment) from the folder it was made in.
    A manifest inside a snapshot folder is verified from the snapshot. Exit code 0: identical;
    1: differences (or an edited manifest); 2: usage or configuration problems.

    \b
    Examples:
      kpirules verify run.manifest.json
      kpirules verify run.manifest.json --snapshot snapshots/2026-12
      kpirules verify snapshots/2026-12 --format json
    """
    from kpirules.report import manifest as manifests
    from kpirules.report import snapshot
    from kpirules.report import verify as comparing

    path = Path(manifest_path)
    given_snapshot = snapshot_dir is not None
    if path.is_dir():
        snapshot_dir = snapshot_dir or path
        path = path / snapshot.MANIFEST_NAME
    if snapshot_dir:
        snapshot.check_folder(snapshot_dir)
    recorded = manifests.read(path)
    if snapshot_dir and (env or config_path):
        if given_snapshot:
            raise ConfigError(Diagnostic(
                "E847", "--snapshot reads the snapshot's own configuration: --env and --config do not apply",
                help="leave out --env and --config, or leave out --snapshot to verify against live sources",
            ))
        raise ConfigError(Diagnostic(
            "E847", f"{manifest_path} is a snapshot, verified with its own configuration: --env and --config do "
            "not apply",
            help="leave out --env and --config, or name the snapshot's manifest.json to verify it against live "
                 "sources",
        ))
    # a manifest inside a snapshot folder is verified from it, unless live sources are named
    folder = Path(snapshot_dir) if snapshot_dir else (None if env or config_path else snapshot.find(path))
    arguments = recorded.arguments
    if folder is not None:
        note_input(folder)  # the snapshot, kept as it was written: no output goes into it (E006)
        layout = snapshot.scheme_layout(recorded.model_dump())
        config_path, env, rulesets = str(folder / snapshot.CONFIG_NAME), snapshot.ENV, None

        def where(key: str) -> Path:
            return folder / snapshot.SCHEME_DIR / layout[key]
    else:
        config_path, env, rulesets = config_path or arguments.config, env or arguments.env, arguments.rulesets
        _check_config(config_path, recorded.directory)
        # recorded paths are relative to the folder the run was made in; find that folder
        # again from the configuration, which may be named from elsewhere (--config)
        made_in = Path(recorded.directory)
        offset = os.path.relpath(made_in, (made_in / arguments.config).parent) if arguments.config else "."
        base = Path(os.path.normpath(Path(config_path).resolve().parent / offset)) if config_path else Path.cwd()

        def where(key: str) -> Path:
            return Path(os.path.relpath(base / key)) if not Path(key).is_absolute() else Path(key)

        # the ruleset PATHs the run was given are found as its scheme files are
        rulesets = [str(where(path)) for path in rulesets] if rulesets else None
    verification = comparing.Verification(str(path), recorded, snapshot=None if folder is None else str(folder),
                                          env=env, config=config_path)
    period = arguments.period or (recorded.periods[0] if len(recorded.periods) == 1 else None)
    try:
        with status("re-running the evaluation"):
            prepared = prepare(rulesets, period, env, config_path, arguments.bad_rows)
            result = _evaluate(prepared, arguments)
    except KpiError:
        verification.differences = comparing.scheme_differences(recorded.scheme_files, None, where)
        verification.rerun_failed = True
        emit(_render(verification, fmt_), output)
        raise
    current = manifests.Manifest.model_validate(
        manifest(prepared, result, run_arguments(prepared, rulesets or (), period, arguments.roles,
                                                 arguments.persons, arguments.bad_rows)))
    loaded = current.scheme_files
    verification.differences = (comparing.scheme_differences(recorded.scheme_files, loaded, where)
                                + comparing.compare(recorded, current, rejected=folder is None))
    if current.duckdb_version != recorded.duckdb_version:
        verification.duckdb_now = current.duckdb_version
    emit(_render(verification, fmt_), output)
    if not verification.identical:
        sys.exit(EXIT_PROBLEMS)


def _evaluate(prepared, arguments):
    from kpirules.engine.evaluate import evaluate

    return evaluate(prepared.scheme, prepared.con, prepared.periods, roles=arguments.roles or None,
                    persons=arguments.persons or None, period_reason=prepared.period_reason,
                    loads=prepared.load_report)


def _check_config(config_path: str, directory: str) -> None:
    if not Path(config_path).is_file():
        raise ConfigError(Diagnostic(
            "E848", f"the run read its configuration from {config_path}, which is not here "
            f"(the run was made in {directory})",
            help="run verify from the folder the run was made in, or name the configuration with --config",
        ))


def _render(verification, fmt_: str) -> str:
    from kpirules.report import verify as comparing

    if fmt_ == "json":
        return comparing.render_json(verification)
    return comparing.render_text(verification, current_lang())
