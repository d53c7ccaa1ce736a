"""Errors a user can cause, each carrying where it happened and what to do.

Only ``cli.py`` turns these into messages and exit codes. Every error has a stable
code (``E101``), a message, an optional ``help`` line, and a location: a source span
in a ``.kpi`` file, or a dataset, row and column for data problems.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Location:
    """A place in a source file: 1-based line and column, end exclusive."""

    path: str
    line: int
    column: int
    end_line: int | None = None
    end_column: int | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


def byte_location(path: str, data: bytes, offset: int) -> Location:
    """Where byte `offset` of a file is: its line, and its column counted in characters
    (as the renderer counts them, so the caret lands under the byte that is wrong)."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    column = len(data[line_start:offset].decode("utf-8", errors="replace")) + 1
    return Location(path, data.count(b"\n", 0, offset) + 1, column)


@dataclass(frozen=True, slots=True)
class DataLocation:
    """A place in a dataset: which dataset, read from which source, which row and column."""

    dataset: str
    source: str | None = None
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        parts = [f"dataset {self.dataset}"]
        if self.source:
            parts.append(f"source {self.source}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        return ", ".join(parts)


@dataclass(slots=True)
class Diagnostic:
    """One problem found in the inputs: a code, a severity, a message and where."""

    code: str
    message: str
    location: Location | DataLocation | None = None
    help: str | None = None
    severity: str = "error"
    notes: list[str] = field(default_factory=list)

    def sort_key(self) -> tuple:
        loc = self.location
        if isinstance(loc, Location):
            return (loc.path, loc.line, loc.column, self.code)
        return (str(loc or ""), 0, 0, self.code)


class KpiError(Exception):
    """Base of every error a user can cause; carries one or more diagnostics."""

    exit_code = 1

    def __init__(self, diagnostics: Diagnostic | list[Diagnostic]):
        if isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics = diagnostics
        super().__init__("\n".join(_one_line(d) for d in diagnostics))


def _one_line(d: Diagnostic) -> str:
    where = f"{d.location}: " if d.location else ""
    return f"{where}{d.severity}[{d.code}]: {d.message}"


class SchemeError(KpiError):
    """The .kpi files are wrong: syntax, names, types or structure."""


class ConfigError(KpiError):
    """The project configuration or the command line is wrong (exit code 2)."""

    exit_code = 2


class DataError(KpiError):
    """The data a source handed over does not match the scheme's declarations."""
