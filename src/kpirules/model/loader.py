"""Find .kpi files, parse them and follow their imports.

`import "x.kpi"` is resolved relative to the importing file. A file reached twice (say
`common.kpi`, imported by every role) is read once. A missing file or an import cycle
is an error at the import's position.
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass, field
from pathlib import Path

from kpirules.errors import ConfigError, Diagnostic, Location, SchemeError
from kpirules.io import note_folder_read
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
        elif path.exists() or path.is_symlink():  # a broken link is read, and said to be broken
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
    note_folder_read(folder, suffix)  # an output named *suffix there would be read next time (E006)
    # a link that leads nowhere is kept: reading it says so (a .kpi file silently missing would
    # drop its roles from the scheme)
    return sorted(p for p in found if p.is_file() or (p.is_symlink() and not p.is_dir()))


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
        broken = broken_link(path)
        if broken is not None:  # a .kpi file silently missing would drop its roles from the scheme
            loaded.problems.diagnostics.append(Diagnostic(
                "E105", broken, Location(_unresolved(path), 1, 1), help="point the link at the file, or remove it"))
            continue
        _load_one(path.resolve(), [], seen, loaded)
    return loaded


def _unresolved(path: Path) -> str:
    """A link as users see it, not followed: relative to the working directory when inside it."""
    try:
        return str(path.absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def broken_link(path: Path) -> str | None:
    """Why a path is a symbolic link that leads to no file (it loops, or its target does not
    exist), or None."""
    if not path.is_symlink() or path.exists():
        return None
    if _loops(path):
        return "a symbolic link that loops (it leads back to itself)"
    return f"a symbolic link to {os.readlink(path)}, which does not exist"


def _loops(path: Path) -> bool:
    try:
        os.stat(path)
    except OSError as exc:
        return exc.errno == errno.ELOOP
    return False


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
        written = path.parent / item.path
        if broken_link(written) is not None:
            message = (f"imported file {item.path} is a symbolic link that loops (it leads back to itself)"
                       if _loops(written) else
                       f"imported file {item.path} is a symbolic link to {os.readlink(written)}, which does not exist")
            loaded.problems.error("E210", item.span, message, "point the link at the file, or import the file itself")
            continue
        target = written.resolve()
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
