"""Writing output files atomically: a failed run never leaves a partial file behind."""

from __future__ import annotations

import errno
import os
import re
import stat
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path


#: every file this process read as an input (scheme files, the config, data files) and every
#: folder a source reads: an output (`-o`, `--manifest`) must never replace one of those
#: files nor be written into one of those folders
_INPUTS: set[Path] = set()
_SUFFIXES_READ: dict[Path, set[str]] = {}  # folder -> the suffixes of the files read from it


def note_input(path: str | Path) -> None:
    """Remember a file read as an input, so that no output replaces it, or a folder read as
    an input, so that no output is written into it (`is_input`)."""
    try:
        _INPUTS.add(Path(path).resolve())
    except (OSError, RuntimeError):
        pass


def note_folder_read(folder: str | Path, suffix: str) -> None:
    """Remember a folder whose *suffix files were read as inputs (the .kpi files of a
    rulesets folder): an output named so inside it would be read with them next time."""
    try:
        _SUFFIXES_READ.setdefault(Path(folder).resolve(), set()).add(suffix)
    except (OSError, RuntimeError):
        pass


def folder_read_for(path: str | Path) -> tuple[Path, str] | None:
    """The folder (and the suffix) whose files of that suffix path would join; None: none."""
    try:
        resolved = Path(path).resolve()
    except (OSError, RuntimeError):
        return None
    for folder in resolved.parents:
        for suffix in _SUFFIXES_READ.get(folder, ()):
            if resolved.name.endswith(suffix):
                return folder, suffix
    return None


def forget_input(path: str | Path) -> None:
    """A file read only for what an output replaces (init --force reads the configuration it rewrites)."""
    try:
        _INPUTS.discard(Path(path).resolve())
    except (OSError, RuntimeError):
        pass


def forget_inputs() -> None:
    """Start a command afresh: what an earlier command in this process read is not its input."""
    _INPUTS.clear()
    _SUFFIXES_READ.clear()


def is_input(path: str | Path) -> bool:
    """Whether path is a file this process read as an input, or lies in a folder it read."""
    return input_holding(path) is not None


def input_holding(path: str | Path) -> Path | None:
    """The input path is, or the input folder path lies in (a source that reads a folder
    reads what is in it, so an output written there would be read as data next time);
    None when path is no input."""
    try:
        resolved = Path(path).resolve()
    except (OSError, RuntimeError):
        return None
    return next((p for p in (resolved, *resolved.parents) if p in _INPUTS), None)


def write_atomic(path: str | Path, data: str | bytes) -> None:
    """Write data to path through a temporary file in the same folder, then rename it.

    A device or a pipe (`-o /dev/null`, a FIFO) is written to as it is: renaming a file
    over it would replace the device itself; `/dev/stdout`, `/dev/stderr` and `/dev/fd/N`
    are written into that descriptor. A symbolic link keeps pointing where it did: the
    file it names is the one replaced. OSError when the path cannot be written.
    """
    target = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    descriptor = _descriptor(target)
    if descriptor is not None:
        _write_to_descriptor(descriptor, payload)
        return
    if written_in_place(target):
        with open(target, "wb") as fh:
            fh.write(payload)
        return
    tmp, target = _staged(target, payload)
    try:
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def written_in_place(path: str | Path) -> bool:
    """Whether path is an open descriptor (`/dev/stdout`), a device or a pipe (`/dev/null`,
    a FIFO): written into as it is, never replaced by a file renamed over it."""
    target = Path(path)
    if _descriptor(target) is not None:
        return True
    try:
        mode = target.stat().st_mode
    except OSError:  # missing, or unreachable: a file to write, whose writing says why
        return False
    return stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


def write_files_atomic(files: dict[Path, bytes]) -> None:
    """Write a set of files so that a failure leaves every one of them as it was.

    Each target must be missing or a regular file (a folder in its place is refused
    before anything is written). Every file is first written in full to a temporary
    file beside it; only when all are written are they renamed into place, each rename
    replacing one file at once. So no permission, full disk or folder in the way leaves
    a mix of old and new files; only a rename failing after the others have succeeded
    (another program racing for the folder) could. OSError naming the target.
    """
    staged = StagedFiles(files)
    try:
        staged.put_in_place()
    finally:
        staged.discard()


class StagedFiles:
    """Files written in full beside their places, then put in place together or discarded.

    Staging refuses a folder in a target's place before anything is written; OSError
    names the target (the files staged until then are removed). Putting in place renames
    each file over its target; `discard` removes what was not put in place, so that
    other work failing between the two (a snapshot folder) leaves every target as it was.
    """

    def __init__(self, files: dict[Path, bytes]) -> None:
        for path in files:
            if Path(path).exists() and not Path(path).is_file():
                code = errno.EISDIR if Path(path).is_dir() else errno.EEXIST
                raise OSError(code, os.strerror(code), str(path))
        self._staged: list[tuple[Path, Path]] = []
        try:
            for path, payload in files.items():
                try:
                    self._staged.append(_staged(Path(path), payload))
                except OSError as exc:
                    raise OSError(exc.errno, exc.strerror, str(path)) from exc
        except BaseException:
            self.discard()
            raise

    def put_in_place(self) -> None:
        while self._staged:
            tmp, target = self._staged[0]
            try:
                os.replace(tmp, target)
            except OSError as exc:
                raise OSError(exc.errno, exc.strerror, str(target)) from exc
            self._staged.pop(0)

    def discard(self) -> None:
        for tmp, _target in self._staged:
            tmp.unlink(missing_ok=True)
        self._staged.clear()


def _staged(target: Path, payload: bytes) -> tuple[Path, Path]:
    """Write payload to a temporary file beside target, with the permissions target has
    (or a new file would get); return it and the file to rename it over (the file a
    symbolic link names, so that the link keeps pointing where it did)."""
    if target.is_symlink():
        target = Path(os.path.realpath(target))
    try:
        mode = target.stat().st_mode & 0o7777  # keep an existing file's permissions
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask  # what a plain open() would have created
    fd, tmp = tempfile.mkstemp(dir=target.parent or ".", prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        os.chmod(tmp, mode)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp), target


_DESCRIPTOR = re.compile(r"/(?:dev/fd|proc/self/fd|proc/\d+/fd)/(\d+)")
_STANDARD = {"/dev/stdout": 1, "/dev/stderr": 2}


def _descriptor(path: Path) -> int | None:
    """The open file descriptor a path names (`/dev/stdout`, `/dev/fd/3`), else None:
    renaming a file over what it resolves to would replace the file the shell redirected
    to (`>> log.txt`), so the output is written into the descriptor."""
    text = os.path.abspath(path)
    if text in _STANDARD:
        return _STANDARD[text]
    found = _DESCRIPTOR.fullmatch(text)
    return int(found.group(1)) if found else None


def _write_to_descriptor(descriptor: int, payload: bytes) -> None:
    for stream in (sys.stdout, sys.stderr):  # what Python holds for the descriptor goes first
        try:
            if stream.fileno() == descriptor:
                stream.flush()
        except (AttributeError, OSError, ValueError):
            pass
    view = memoryview(payload)
    while view:
        view = view[os.write(descriptor, view):]


def write_folder_atomic(path: str | Path, files: dict[str, bytes] | None = None,
                        fill: Callable[[Path], None] | None = None,
                        then: Callable[[], None] | None = None) -> None:
    """Make `path` a folder holding exactly `files` (name -> content), all or nothing.

    The files are written into a temporary sibling folder (then `fill(folder)` may write
    more into it, e.g. DuckDB's COPY), which then takes the place of `path` (an existing
    folder there is moved aside first and deleted last); if anything fails, `path` is
    left as it was. `then()` runs once the new folder is in place and the old one not yet
    deleted (other outputs of the same command renamed into place); if it fails, the new
    folder is removed and the old one put back.
    """
    import shutil

    target = Path(path)
    parent = target.parent
    fresh = Path(tempfile.mkdtemp(dir=parent, prefix=f".{target.name}.", suffix=".tmp"))
    old: Path | None = None
    placed = False
    try:
        for name, payload in (files or {}).items():
            (fresh / name).write_bytes(payload)
        if fill is not None:
            fill(fresh)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(fresh, 0o777 & ~umask)  # what a plain mkdir() would have created
        if target.exists():
            old = Path(tempfile.mkdtemp(dir=parent, prefix=f".{target.name}.", suffix=".old"))
            os.replace(target, old / target.name)
        os.replace(fresh, target)
        placed = True
        if then is not None:
            then()
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        if placed:
            shutil.rmtree(target, ignore_errors=True)
        if old is not None and (old / target.name).exists() and not target.exists():
            os.replace(old / target.name, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
