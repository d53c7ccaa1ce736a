"""A run's snapshot: the exact inputs it read, kept so the run can be verified later.

    DIR/
      manifest.json      the run manifest (kpirules.report.manifest)
      kpirules.toml      binds every dataset to its Parquet file; rulesets = ["scheme"]
      scheme/...         copies of the scheme files, in their folders relative to each other
      data/<id>.parquet  each dataset as loaded: declared columns and types, bad rows left out
      README.txt         what this folder is, for whoever finds it

A run over live sources (a database, a CRM) changes under it; the snapshot does not, so
`kpirules verify DIR/manifest.json` re-runs the evaluation on what the run saw, and
`kpirules run --config DIR/kpirules.toml` evaluates it again. The folder is built beside
its destination and renamed into place, so it is complete or absent.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import tomli_w

from kpirules.errors import ConfigError, DataError, Diagnostic
from kpirules.io import write_folder_atomic
from kpirules.report import manifest as manifests
from kpirules.sources.convert import literal, quote

MANIFEST_NAME = "manifest.json"
CONFIG_NAME = "kpirules.toml"
SCHEME_DIR = "scheme"
DATA_DIR = "data"
ENV = "snapshot"

README = """\
This folder is a kpirules snapshot: the exact inputs of one run, kept to verify it later.

  manifest.json      what the run read and computed (sealed: do not edit it)
  kpirules.toml      binds each dataset to its Parquet file in data/
  scheme/            copies of the scheme (.kpi) files the run read
  data/              each dataset as the run loaded it

Verify the run from this folder:    kpirules verify {folder}/manifest.json
Evaluate these inputs again:        kpirules run --config {folder}/kpirules.toml
See docs/reproducible.md of kpirules.
"""


def check_target(folder: str | Path, force: bool) -> None:
    """Refuse a destination that holds something, unless forced (checked before the run works)."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ConfigError(Diagnostic("E845", f"--snapshot {folder} is a file, not a folder",
                                     help="name a new or empty folder for the snapshot"))
    _check_parent(folder)
    if folder.is_dir() and any(folder.iterdir()):
        if not force:
            raise ConfigError(Diagnostic(
                "E845", f"--snapshot {folder} is not empty",
                help="name a new or empty folder, or pass --force to replace an earlier snapshot",
            ))
        if not ((folder / MANIFEST_NAME).is_file() and (folder / SCHEME_DIR).is_dir()):
            # --force replaces an earlier snapshot, never a folder of other files (data, rulesets)
            raise ConfigError(Diagnostic(
                "E845", f"--snapshot {folder} holds files that are not a kpirules snapshot",
                help="name a new or empty folder; --force replaces only an earlier snapshot",
            ))


def _check_parent(folder: Path) -> None:
    """The snapshot folder may be created, but not the folders above it: a typo in the path
    must not put pay data somewhere nobody chose (as --per-person and -o refuse it too)."""
    parent = folder.parent
    if parent.is_dir():
        return
    blocking = next((above for above in (parent, *parent.parents) if above.exists()), None)
    if blocking is not None and not blocking.is_dir():
        raise ConfigError(Diagnostic("E845", f"--snapshot {folder}: {blocking} is a file, not a folder",
                                     help="name a folder whose parent folder exists"))
    raise ConfigError(Diagnostic(
        "E845", f"--snapshot {folder}: the folder {parent} does not exist",
        help="create it first, or choose another path (the snapshot folder itself is created; its parent must exist)",
    ))


def scheme_layout(manifest: dict[str, Any]) -> dict[str, str]:
    """Where each scheme file of the manifest is copied, under scheme/: relative to their common folder.

    Files keep their places relative to each other, so `import "common.kpi"` still finds
    its file; the layout is computed from the manifest alone, by the writer and by verify.
    """
    base = Path(manifest["directory"])
    resolved = {key: Path(os.path.normpath(base / key)) for key in manifest["scheme_files"]}
    if not resolved:
        return {}
    root = Path(os.path.commonpath([str(p.parent) for p in resolved.values()]))
    return {key: p.relative_to(root).as_posix() for key, p in resolved.items()}


def check_apart(folder: str | Path, manifest: dict[str, Any]) -> None:
    """Refuse a snapshot folder that holds the project's files or sits among the scheme files.

    Replacing a folder that holds the scheme or the configuration would delete them, and a
    snapshot inside a rulesets folder would be read as part of the scheme by the next run;
    --force does not change that.
    """
    target = Path(os.path.abspath(folder))
    base = Path(manifest["directory"])
    config = manifest["arguments"].get("config")
    schemes = [Path(os.path.normpath(base / key)) for key in manifest["scheme_files"]]
    holds = schemes + ([Path(os.path.normpath(base / config))] if config else [])
    for path in holds:
        inside_schemes = path in schemes and path.parent in target.parents
        if target in path.parents or inside_schemes:
            raise ConfigError(Diagnostic(
                "E845", f"--snapshot {folder} would hold or sit beside the run's own inputs ({path})",
                help="name a folder outside the project's rulesets, e.g. --snapshot snapshots/2026-12",
            ))


def write(folder: str | Path, con, manifest: dict[str, Any], force: bool = False,
          then: Callable[[], None] | None = None) -> None:
    """Write the snapshot of a run whose datasets are loaded in `con` and whose manifest is given.

    `then()` runs once the snapshot is in place (the run's other outputs put in place); if
    it fails, the snapshot is removed again and a snapshot it replaced is put back.
    """
    folder = Path(folder)
    check_target(folder, force)
    check_apart(folder, manifest)
    try:
        write_folder_atomic(folder, fill=lambda building: _fill(building, con, manifest, folder), then=then)
    except OSError as exc:
        raise ConfigError(Diagnostic("E845", f"cannot write the snapshot {folder}: {exc.strerror or exc}",
                                     help="name a folder you can write to")) from None


def _fill(building: Path, con, manifest: dict[str, Any], folder: Path) -> None:
    for key, relative in scheme_layout(manifest).items():
        content = Path(key).read_bytes()
        if hashlib.sha256(content).hexdigest() != manifest["scheme_files"][key]:
            # the copy must be the file the run read, not one edited since
            raise DataError(Diagnostic(
                "E846", f"{key} changed while the run was being made, so the snapshot cannot copy it",
                help="run again once nobody is editing the scheme files",
            ))
        target = building / SCHEME_DIR / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    (building / DATA_DIR).mkdir()
    datasets = {}
    for dataset in manifest["datasets"]:
        path = building / DATA_DIR / f"{dataset}.parquet"
        con.execute(f"COPY (SELECT * FROM {quote(dataset)}) TO {literal(str(path))} (FORMAT parquet)")
        datasets[dataset] = {"source": "parquet", "path": f"{DATA_DIR}/{dataset}.parquet"}
    config = {"project": {"rulesets": [SCHEME_DIR], "default_env": ENV}, "env": {ENV: {"datasets": datasets}}}
    header = ("# A kpirules snapshot: the inputs of the run in manifest.json, as it read them.\n"
              "# kpirules run --config <this folder>/kpirules.toml evaluates them again.\n\n")
    (building / CONFIG_NAME).write_text(header + tomli_w.dumps(config), encoding="utf-8")
    (building / MANIFEST_NAME).write_text(manifests.render(manifest), encoding="utf-8")
    (building / "README.txt").write_text(README.format(folder=folder.as_posix()), encoding="utf-8")


def find(manifest_path: str | Path) -> Path | None:
    """The snapshot folder a manifest sits in, or None when it is a manifest on its own."""
    path = Path(manifest_path)
    folder = path.parent
    if path.name == MANIFEST_NAME and (folder / CONFIG_NAME).is_file() and (folder / DATA_DIR).is_dir():
        return folder
    return None


def check_folder(folder: str | Path) -> Path:
    """A folder given as --snapshot must be one: its manifest, configuration and data."""
    folder = Path(folder)
    missing = [name for name in (MANIFEST_NAME, CONFIG_NAME, DATA_DIR, SCHEME_DIR) if not (folder / name).exists()]
    if missing:
        raise ConfigError(Diagnostic(
            "E844", f"{folder} is not a kpirules snapshot: it has no {', '.join(missing)}",
            help="name the folder `kpirules run --snapshot DIR` wrote",
        ))
    return folder
