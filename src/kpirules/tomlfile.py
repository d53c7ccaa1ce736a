"""Reading TOML files (the configuration, scheme tests) and saying where one goes wrong.

Only the standard library and `errors`: `kpirules lint` reads its settings through this
before deciding whether it needs anything heavier.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from kpirules.errors import ConfigError, Diagnostic, Location, byte_location
from kpirules.io import note_input

# Python 3.11's TOMLDecodeError has no lineno/colno: the message ends "(at line L,
# column C)", or "(at end of document)"
_PLACE = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)$")


def toml_error_place(exc: tomllib.TOMLDecodeError, text: str) -> tuple[int, int, str]:
    """The line and column of a TOML syntax error, and its reason without the place.

    An error at the end of the document is put just after the last thing written (the
    `[` never closed), not on the empty line after it.
    """
    message = str(exc)
    found = _PLACE.search(message)
    if found is None:
        return 1, 1, message
    reason = message[:found.start()]
    if found[1]:
        return int(found[1]), int(found[2]), reason
    written = text.rstrip()
    last = written.rsplit("\n", 1)[-1]
    return written.count("\n") + 1, len(last) + 1, f"{reason} at the end of the file"


def read_config_toml(path: Path) -> tuple[str, dict[str, Any]]:
    """The text and tables of a configuration file (kpirules.toml, pyproject.toml).

    A byte that is not UTF-8, or a TOML syntax error, is E601 at its line and column
    (the file named relative to the working directory, as every command names it); an
    OSError is the caller's to report.
    """
    data = path.read_bytes().removeprefix(b"\xef\xbb\xbf")
    note_input(path)  # an output (lint -o, run -o) must never replace it: E006
    try:
        shown = str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        shown = str(path.resolve())
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(Diagnostic(
            "E601", f"file is not valid UTF-8 (byte 0x{data[exc.start]:02x} cannot be decoded)",
            byte_location(shown, data, exc.start), help="save the file as UTF-8",
        )) from None
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line, column, reason = toml_error_place(exc, text)
        raise ConfigError(Diagnostic(
            "E601", f"invalid TOML: {reason}", Location(shown, line, column),
            help="see https://toml.io for the syntax",
        )) from None
