"""Where the two sides of a diff come from: a path on disk, or the rulesets at a git revision.

A side is read from disk when a file or folder of that name exists (paths win over
revisions). The project folder itself (`.` in a project) means the rulesets its
configuration lists. Anything else is a git revision: `REV` is the project's rulesets
as of REV, `REV:path` a file or folder as of REV (the path starts at the repository's
top folder, as in `git show`; `REV:./path` starts at the current folder). A revision's
.kpi files are written into a temporary folder at their places in the repository, so
relative imports keep working; positions are shown as `REV:path:line`.
"""

from __future__ import annotations

import dataclasses
import io
import posixpath
import subprocess
import tarfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

from kpirules.config import ProjectConfig
from kpirules.errors import ConfigError, Diagnostic, KpiError, Location
from kpirules.lang.ast import Span
from kpirules.tomlfile import kpirules_tables


@dataclass
class Side:
    """One side of a diff: what the user wrote, and the .kpi files or folders it names."""

    spec: str
    paths: list[Path]
    #: the commit a revision names (short hash); None for a path on disk
    commit: str | None = None
    #: the folder a revision was written into, shown as "REV:" in positions
    checkout: Path | None = None

    @property
    def description(self) -> str:
        shown = ", ".join(self.show(str(p)) for p in self.paths)
        if self.commit is None:
            return shown
        return f"{shown} (commit {self.commit})"

    def show(self, path: str) -> str:
        """A file path as users know it: `REV:rulesets/x.kpi` for a file of a revision."""
        if self.checkout is not None:
            root = str(self.checkout)
            if path == root:
                return f"{self.spec.partition(':')[0]}:"
            if path.startswith(root + "/"):
                return f"{self.spec.partition(':')[0]}:{path[len(root) + 1:]}"
        return path

    def position(self, span: Span | None) -> str | None:
        """path:line of a span, the path as users know it."""
        return None if span is None else f"{self.show(span.path)}:{span.line}"

    def relocate(self, exc: KpiError, which: str) -> KpiError:
        """The same error with revision paths shown as `REV:path`, and a note naming the side."""
        for d in exc.diagnostics:
            if isinstance(d.location, Location):
                d.location = dataclasses.replace(d.location, path=self.show(d.location.path))
            d.notes.append(f"in {which} ({self.spec})")
        return exc


def resolve_side(spec: str, config: ProjectConfig | None, workspace: Path) -> Side:
    """The side `spec` names: an existing path, else a git revision written into `workspace`."""
    if not spec.strip():
        raise _error("E820", "an empty name is neither a path nor a git revision",
                     "name a folder of .kpi files (rulesets), `.` for the project, or a revision (HEAD~1)")
    path = Path(spec)
    if path.exists():
        if config is not None and path.is_dir() and path.resolve() == config.root.resolve():
            return Side(spec, [_shown(p) for p in config.ruleset_paths()])
        return Side(spec, [path])
    return _revision_side(spec, config, workspace)


def _shown(path: Path) -> Path:
    """A configured path relative to the current folder when it is inside it (as the loader shows it)."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path


# ---------------------------------------------------------------------- git


def _revision_side(spec: str, config: ProjectConfig | None, workspace: Path) -> Side:
    rev, colon, inner = spec.partition(":")
    top = _toplevel(spec)
    commit = _commit(rev, top)
    prefix = _git(["rev-parse", "--show-prefix"], Path.cwd()).stdout.decode().strip()
    if colon and inner:
        wanted = [_repo_path(inner, prefix)]
    else:
        wanted = _project_rulesets(commit, config, top, prefix)
    for repo_path in wanted:
        if _git(["cat-file", "-e", f"{commit}:{repo_path}"], top, check=False).returncode != 0:
            if colon and inner:
                hint = ("paths after ':' start at the repository's top folder, as in git; "
                        f"write {rev}:./PATH for a path relative to the current folder")
            else:
                hint = f"the project's rulesets were elsewhere then: name them, as in {rev}:PATH"
            raise _error("E822", f"path {repo_path or '.'} is not in {rev}", hint)
    checkout = (workspace / f"{len(list(workspace.iterdir()))}").resolve()
    checkout.mkdir()
    _write_kpi_files(commit, top, checkout, rev)
    paths = [checkout / repo_path if repo_path else checkout for repo_path in wanted]
    missing = [p for p in paths if not p.exists()]
    if missing:
        shown = posixpath.relpath(str(missing[0]), str(checkout))
        raise _error("E824", f"no .kpi files in {rev}:{shown}",
                     "name a folder that holds .kpi files at that revision")
    short = _git(["rev-parse", "--short", commit], top).stdout.decode().strip()
    return Side(spec, paths, commit=short, checkout=checkout)


def _toplevel(spec: str) -> Path:
    found = _git(["rev-parse", "--show-toplevel"], Path.cwd(), check=False)
    if found.returncode != 0:
        raise _error(
            "E820", f"no such file or folder: {spec}, and the current folder is not in a git repository, "
            "so it cannot be a revision either",
            "name an existing folder of .kpi files, or run kpirules diff inside a git repository",
        )
    return Path(found.stdout.decode().strip())


def _commit(rev: str, top: Path) -> str:
    found = _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"], top, check=False)
    if found.returncode != 0 or not rev:
        raise _error(
            "E821", f"revision {rev} does not exist in this repository, and no file or folder has that name",
            "name a commit, branch or tag (HEAD~1, main, v1.2), or an existing folder of .kpi files",
        )
    return found.stdout.decode().strip()


def _repo_path(inner: str, prefix: str) -> str:
    """A path inside the repository: from its top, or from the current folder with ./ or ../."""
    if inner.startswith(("./", "../")) or inner in (".", ".."):
        inner = prefix + inner
    normal = posixpath.normpath(inner)
    if normal.startswith(".."):
        raise _error("E822", f"path {inner} is outside the repository", "name a path inside the repository")
    return "" if normal == "." else normal


def _project_rulesets(commit: str, config: ProjectConfig | None, top: Path, prefix: str) -> list[str]:
    """The ruleset folders the project configuration lists, as the configuration was at `commit`."""
    if config is None:
        return [_repo_path(".", prefix)]
    try:
        config_dir = config.root.resolve().relative_to(top.resolve()).as_posix()
    except ValueError:  # the configuration lives outside this repository
        return [_repo_path(".", prefix)]
    rulesets = list(config.project.rulesets)
    config_file = posixpath.join(config_dir, config.path.name) if config_dir != "." else config.path.name
    shown = _git(["show", f"{commit}:{config_file}"], top, check=False)
    if shown.returncode == 0:
        try:
            data = tomllib.loads(shown.stdout.decode("utf-8-sig"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            data = {}
        data, _ = kpirules_tables(config.path, data)
        then = data.get("project", {}).get("rulesets")
        if isinstance(then, list) and all(isinstance(p, str) for p in then):
            rulesets = then
    return [_repo_path(posixpath.join(config_dir, p), "") for p in rulesets]


def _write_kpi_files(commit: str, top: Path, checkout: Path, rev: str) -> None:
    """Every .kpi file of the commit, at its place in the repository: imports may reach anywhere."""
    listed = _git(["ls-tree", "-r", "-z", "--name-only", commit], top).stdout.decode("utf-8", "surrogateescape")
    names = [n for n in listed.split("\0") if n.endswith(".kpi")]
    if not names:
        raise _error("E824", f"{rev} holds no .kpi files", "name a revision in which the rulesets exist")
    archive = _git(["archive", "--format=tar", commit, "--", *names], top).stdout
    try:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(checkout, filter="data")  # refuses links that point out of the folder
    except tarfile.TarError as exc:
        raise _error("E823", f"the .kpi files of {rev} cannot be unpacked: {exc}",
                     "a .kpi file of that revision may be a link out of the repository") from None


def _git(args: list[str], cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        raise _error("E823", "git is not installed, so revisions cannot be read",
                     "install git, or compare two folders of .kpi files") from None
    if check and done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise _error("E823", f"git {args[0]} failed: {reason[-1] if reason else 'no message'}",
                     "check that the repository is readable (git status)")
    return done


def _error(code: str, message: str, help: str) -> ConfigError:
    return ConfigError(Diagnostic(code, message, help=help))
