"""Find .kpi files, parse them and follow their imports.

`import "x.kpi"` is resolved relative to the importing file. A file reached twice (say
`common.kpi`, imported by every role) is read once. A missing file or an import cycle
is an error at the import's position.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from kpirules.errors import ConfigError, Diagnostic, Location, SchemeError
from kpirules.lang import ast
from kpirules.lang.parser import parse_file
from kpirules.model.problems import Problems


def find_kpi_files(paths: list[str | Path]) -> list[Path]:
    """The .kpi files named by paths: files as given, directories searched recursively."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(files_under(path))
        elif path.exists():
            found.append(path)
        else:
            raise ConfigError(
                Diagnostic("E001", f"no such file or directory: {raw}", help="check the path")
            )
    if not found:
        shown = ", ".join(str(p) for p in paths) or "."
        raise ConfigError(
            Diagnostic(
                "E002",
                f"no .kpi files found in {shown}",
                help="name .kpi files or a directory that contains them",
            )
        )
    return found


def files_under(folder: Path, suffix: str = ".kpi") -> list[Path]:
    """The files named *suffix under folder, sorted; a folder that cannot be listed is
    E106, never passed over (what it holds would silently be missing)."""
    unreadable: list[OSError] = []
    found = [Path(root, name) for root, _dirs, names in os.walk(folder, onerror=unreadable.append)
             for name in names if name.endswith(suffix)]
    if unreadable:
        raise SchemeError([
            Diagnostic("E106", f"cannot read folder: {exc.strerror}",
                       Location(display_path(Path(exc.filename)), 1, 1),
                       help="give yourself permission to list it (chmod u+rx), or name the files to read")
            for exc in unreadable
        ])
    return sorted(p for p in found if p.is_file())


def display_path(path: Path) -> str:
    """A path as users see it: relative to the working directory when it is inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


@dataclass
class Loaded:
    files: list[ast.File] = field(default_factory=list)
    problems: Problems = field(default_factory=Problems)


def load(paths: list[str | Path]) -> Loaded:
    """Parse every file named (and everything it imports); collect all syntax problems."""
    loaded = Loaded()
    seen: dict[Path, ast.File | None] = {}
    for path in find_kpi_files(paths):
        _load_one(path.resolve(), [], seen, loaded)
    return loaded


def _load_one(path: Path, stack: list[Path], seen: dict, loaded: Loaded) -> None:
    if path in seen:
        return
    seen[path] = None
    try:
        parsed = parse_file(display_path(path))
    except SchemeError as exc:
        loaded.problems.extend(exc.diagnostics)
        return
    loaded.files.append(parsed)
    seen[path] = parsed
    stack = stack + [path]
    for item in parsed.items:
        if not isinstance(item, ast.Import):
            continue
        target = (path.parent / item.path).resolve()
        if target in stack:
            chain = " -> ".join(display_path(p) for p in stack[stack.index(target) :] + [target])
            loaded.problems.error(
                "E211", item.span, f"import cycle: {chain}", "remove one of the imports in the cycle"
            )
            continue
        if target.is_dir():
            loaded.problems.error(
                "E104", item.span, f"imported path is a directory, not a .kpi file: {item.path}",
                "import one .kpi file; name each file to import",
            )
            continue
        if not target.is_file():
            loaded.problems.error(
                "E210",
                item.span,
                f"imported file not found: {item.path}",
                f"the path is resolved relative to this file's folder ({display_path(path.parent)})",
            )
            continue
        _load_one(target, stack, seen, loaded)
