"""Remember lint results, keyed by file contents, configuration and kpirules version and code.

A warm run (nothing changed since the last one) reads the files, hashes them and prints
the stored result without parsing or importing the model: this module imports only the
standard library. An entry also records every file the run read (imports included) with
its hash; if any of them changed, the entry is not used. Entries live under
`.kpirules_cache/lint/` beside the configuration file (or in the working directory).
"""

from __future__ import annotations

import hashlib
import json
import os
from importlib.metadata import entry_points
from pathlib import Path

from kpirules import __version__
from kpirules.io import note_folder_read, note_input, write_atomic

CACHE_DIR = ".kpirules_cache"
KEEP = 32  # entries; older ones are removed


def _named(paths: list[str]) -> list[Path] | None:
    """The .kpi files named, as `find_kpi_files` finds them; None when a path is missing."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*.kpi") if p.is_file()))
        elif path.exists():
            found.append(path)
        else:
            return None
    return found or None


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _code(root: Path = Path(__file__).resolve().parents[1]) -> str:
    """The sizes and modification times of kpirules' own files (code, grammar, catalogs).

    The version alone would keep stale results after a change to the code of an editable
    install; reading the file times costs about a millisecond.
    """
    h = hashlib.sha256()
    for path in sorted(p for pattern in ("*.py", "*.lark", "*.toml") for p in root.rglob(pattern)):
        try:
            st = path.stat()
        except OSError:
            continue
        h.update(f"{path.relative_to(root)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


class LintCache:
    def __init__(self, folder: Path):
        self.folder = folder / CACHE_DIR / "lint"

    def key(self, paths: list[str], config_file: Path | None, settings: dict) -> str | None:
        named = _named(paths)
        if named is None:
            return None
        plugins = sorted(f"{ep.name}={ep.value}" for ep in entry_points(group="kpirules"))
        h = hashlib.sha256()
        parts = {
            "version": __version__,
            "code": _code(),
            "cwd": str(Path.cwd()),
            "config": str(config_file) if config_file else None,
            "config_digest": _digest(config_file) if config_file else None,
            "settings": settings,
            "plugins": plugins,
            "plugin_env": os.environ.get("KPIRULES_PLUGINS"),
        }
        h.update(json.dumps(parts, sort_keys=True, default=str).encode())
        # the .kpi files beside the named ones are read too (lint.engine): a file added there
        # (a role serving an objective) changes the findings, though it is in no entry's deps
        beside = sorted({q for folder in {p.parent for p in named} for q in folder.glob("*.kpi") if q.is_file()}
                        - set(named))
        for path in [*named, *beside]:
            h.update(str(path).encode() + b"\0" + (_digest(path) or "").encode() + b"\0")
        return h.hexdigest()

    def get(self, key: str) -> dict | None:
        entry_path = self.folder / f"{key}.json"
        try:
            entry = json.loads(entry_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        deps = entry.get("deps", {})
        for path, digest in deps.items():
            if _digest(Path(path)) != digest:
                return None
        for path in deps:  # read to check them, as a lint reads them: no output may replace one (E006)
            note_input(path)
            if path.endswith(".kpi"):  # nor join them (`-o rulesets/findings.kpi`)
                note_folder_read(Path(path).parent, ".kpi")
        return entry.get("result")

    def put(self, key: str, result: dict, deps: list[Path]) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tag = self.folder.parent / "CACHEDIR.TAG"
            if not tag.exists():
                tag.write_text("Signature: 8a477f597d28d172789f06886806bc55\n# kpirules cache; safe to delete\n")
            entry = {"deps": {str(p): _digest(p) for p in deps}, "result": result}
            write_atomic(self.folder / f"{key}.json", json.dumps(entry, ensure_ascii=False))
            entries = sorted(self.folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
            for old in entries[KEEP:]:
                old.unlink(missing_ok=True)
        except OSError:
            pass  # a read-only checkout lints without a cache
