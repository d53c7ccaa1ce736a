"""Parse the files to lint (on both cores when there are many) and group them into schemes.

Files that import each other make up one scheme (a `Unit`): usually `common.kpi` and the
role files importing it. A file that does not parse, or whose imports fail, is reported
with its own errors and left out; the files that import it are skipped (they cannot be
resolved without it), and every other file is still linted.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from kpirules.errors import Diagnostic, SchemeError
from kpirules.lang import ast
from kpirules.lang.parser import parse_file
from kpirules.model.loader import display_path

#: below this many files a second process costs more than it saves
PARALLEL_FROM = 24


@dataclass
class Parsed:
    """Every file read: syntax trees, problems by file, and who imports whom."""

    trees: dict[Path, ast.File] = field(default_factory=dict)
    problems: dict[Path, list[Diagnostic]] = field(default_factory=dict)
    imports: dict[Path, list[Path]] = field(default_factory=dict)
    order: list[Path] = field(default_factory=list)

    def display(self, path: Path) -> str:
        tree = self.trees.get(path)
        return tree.path if tree is not None else display_path(path)


def _parse(path: Path) -> ast.File | list[Diagnostic]:
    try:
        return parse_file(display_path(path))
    except SchemeError as exc:
        return exc.diagnostics


def _idle_cores() -> int:
    """Cores free for a helper process: handing syntax trees back costs about a third of
    parsing them, so a second process pays off only when a core is otherwise idle."""
    cores = os.cpu_count() or 1
    try:
        busy = os.getloadavg()[0]
    except OSError:
        return 1
    return 2 if cores > 1 and busy < cores - 1 else 1


def _parse_many(paths: list[Path]) -> list[ast.File | list[Diagnostic]]:
    return [_parse(p) for p in paths]


def _can_fork() -> bool:
    """Whether forking is safe: the platform forks and this process runs one thread.

    A fork copies only the calling thread; a lock another thread holds (DuckDB's threads,
    once a connection is open) stays locked in the child, which can then hang or crash.
    Threads are counted where the system lists them (/proc); elsewhere nothing forks.
    """
    if "fork" not in multiprocessing.get_all_start_methods():
        return False
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return False


def parse_files(named: list[Path], jobs: int | None = None) -> Parsed:
    """Parse the named files and everything they import."""
    parsed = Parsed()
    named = [p.resolve() for p in named]
    jobs = jobs if jobs is not None else _idle_cores()
    results: dict[Path, ast.File | list[Diagnostic]] = {}
    if jobs > 1 and len(named) >= PARALLEL_FROM and _can_fork():
        # fork after the imports: the helper process starts warm; this process parses the
        # first half while it parses the second (and the rest itself if the helper dies)
        half = len(named) // 2
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
            other = pool.submit(_parse_many, named[half:])
            for path in named[:half]:
                results[path] = _parse(path)
            try:
                results.update(zip(named[half:], other.result()))
            except BrokenProcessPool:
                pass
    for path in named:
        _follow(path, [], parsed, results)
    return parsed


def _follow(path: Path, stack: list[Path], parsed: Parsed, results: dict) -> None:
    if path in parsed.imports:
        return
    parsed.imports[path] = []
    parsed.order.append(path)
    outcome = results[path] if path in results else _parse(path)
    if not isinstance(outcome, ast.File):
        parsed.problems[path] = list(outcome)
        return
    parsed.trees[path] = outcome
    stack = stack + [path]
    for item in outcome.items:
        if not isinstance(item, ast.Import):
            continue
        target = (path.parent / item.path).resolve()
        problem = None
        if target in stack:
            chain = " -> ".join(display_path(p) for p in stack[stack.index(target):] + [target])
            problem = Diagnostic("E211", f"import cycle: {chain}", item.span.location(),
                                 help="remove one of the imports in the cycle")
        elif target.is_dir():
            problem = Diagnostic("E104", f"imported path is a directory, not a .kpi file: {item.path}",
                                 item.span.location(), help="import one .kpi file; name each file to import")
        elif not target.is_file():
            problem = Diagnostic(
                "E210", f"imported file not found: {item.path}", item.span.location(),
                help=f"the path is resolved relative to this file's folder ({display_path(path.parent)})",
            )
        if problem is not None:
            parsed.problems.setdefault(path, []).append(problem)
            continue
        parsed.imports[path].append(target)
        _follow(target, stack, parsed, results)


@dataclass
class Unit:
    """Files that make up one scheme, in the order read."""

    files: list[Path]


def units(parsed: Parsed) -> list[Unit]:
    """Group the files into schemes: the connected parts of the import graph."""
    neighbours: dict[Path, set[Path]] = {p: set() for p in parsed.order}
    for path, targets in parsed.imports.items():
        for target in targets:
            neighbours[path].add(target)
            neighbours.setdefault(target, set()).add(path)
    seen: set[Path] = set()
    found = []
    for start in parsed.order:
        if start in seen:
            continue
        part, todo = set(), [start]
        while todo:
            path = todo.pop()
            if path in part:
                continue
            part.add(path)
            todo.extend(neighbours.get(path, ()))
        seen |= part
        found.append(part)
    # a part without a scheme header joins the one part of its folder that has one, as `check`
    # reads a folder as one scheme: role files beside common.kpi need not import it
    headed = [part for part in found if any(_has_header(parsed, p) for p in part)]
    for part in [part for part in found if part not in headed]:
        folders = {p.parent for p in part}
        homes = [h for h in headed if any(p.parent in folders for p in h)]
        if len(homes) == 1:
            homes[0] |= part
            found.remove(part)
    return [Unit([p for p in parsed.order if p in part]) for part in found]


def _has_header(parsed: Parsed, path: Path) -> bool:
    tree = parsed.trees.get(path)
    return tree is not None and any(isinstance(item, ast.SchemeDecl) for item in tree.items)


def importers(path: Path, parsed: Parsed, within: list[Path]) -> set[Path]:
    """The files in `within` that import path, directly or through other files."""
    found: set[Path] = set()
    changed = True
    while changed:
        changed = False
        for candidate in within:
            if candidate in found or candidate == path:
                continue
            if any(t == path or t in found for t in parsed.imports.get(candidate, ())):
                found.add(candidate)
                changed = True
    return found
