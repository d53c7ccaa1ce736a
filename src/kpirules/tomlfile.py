"""Reading TOML files (the configuration, scheme tests) and saying where one goes wrong.

Only the standard library and `errors`: `kpirules lint` reads its settings through this
before deciding whether it needs anything heavier.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

from kpirules.errors import ConfigError, Diagnostic, Location, byte_location
from kpirules.io import note_input

# Python 3.11's TOMLDecodeError has no lineno/colno: the message ends "(at line L,
# column C)", or "(at end of document)"
_PLACE = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)$")


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
# where a key written without quotes ends: a dot, a bracket, an equals sign, a space
_KEY_END = re.compile(r"[.\]=\s]")


def toml_key(*parts: str) -> str:
    """A dotted TOML key as a user writes it: parts other than A-Z, a-z, 0-9, _ and - are
    quoted (`env."本地".datasets."人员"`), so that a help line can be pasted as it is."""
    return ".".join(part if _BARE_KEY.fullmatch(part) else json.dumps(part, ensure_ascii=False) for part in parts)


def unquoted_key(reason: str, text: str, line: int, column: int) -> str | None:
    """The key a TOML error stopped at when it is a key of other characters than a bare key
    may hold (Chinese, accented, spaces inside brackets), written without quotes; else None."""
    if not reason.startswith(("Invalid initial character for a key part", "Invalid statement")):
        return None
    lines = text.splitlines()
    rest = lines[line - 1][column - 1:] if 0 < line <= len(lines) else ""
    word = _KEY_END.split(rest, 1)[0]
    if not word or word[0] in "\"'#" or _BARE_KEY.fullmatch(word):
        return None
    return word


def key_help(reason: str, text: str, line: int, column: int, otherwise: str) -> str:
    """The help of a TOML syntax error: how to quote a key that needs quotes, how to close a
    list or an inline table left open, else `otherwise`."""
    if reason.startswith("Unclosed array"):
        return "close the list with ']' after its last item"
    if reason.startswith("Unclosed inline table"):
        return "close the table with '}' on the line it starts on"
    word = unquoted_key(reason, text, line, column)
    if word is None:
        return otherwise
    return (f"write the key in quotes: {toml_key(word)} (a key of other characters than A-Z, a-z, 0-9, _ "
            'and - needs them, as in [env."本地".datasets."人员"])')


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
        line, column = int(found[1]), int(found[2])
        if reason.startswith(("Unclosed array", "Unclosed inline table")):
            # said where the next thing starts: point at the bracket left open instead
            opened = _open_bracket(text, _offset(text, line, column))
            if opened is not None:
                return text.count("\n", 0, opened) + 1, opened - text.rfind("\n", 0, opened), reason
        return line, column, reason
    written = text.rstrip()
    last = written.rsplit("\n", 1)[-1]
    return written.count("\n") + 1, len(last) + 1, f"{reason} at the end of the file"


def _offset(text: str, line: int, column: int) -> int:
    """The index in text of a 1-based line and column."""
    starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
    return min(starts[line - 1] + column - 1, len(text)) if 0 < line <= len(starts) else len(text)


def _open_bracket(text: str, end: int) -> int | None:
    """The index of the innermost `[` or `{` still open at `end` (strings and comments
    skipped), or None."""
    stack: list[int] = []
    i = 0
    while i < end:
        c = text[i]
        if c == "#":
            i = text.find("\n", i)
            if i < 0:
                break
        elif c in "\"'":
            quote = c * 3 if text.startswith(c * 3, i) else c
            close = i + len(quote)
            while True:  # to the closing quote (a basic string's escaped quote is not one)
                close = text.find(quote, close)
                if close < 0 or quote[0] == "'" or text[close - 1] != "\\":
                    break
                close += 1
            if close < 0 or (len(quote) == 1 and "\n" in text[i:close]):
                i = text.find("\n", i)  # unterminated: the rest of the line
                if i < 0:
                    break
            else:
                i = close + len(quote) - 1
        elif c in "[{":
            stack.append(i)
        elif c in "]}" and stack:
            stack.pop()
        i += 1
    return stack[-1] if stack else None


def kpirules_tables(path: Path, data: Any) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The tables of a configuration that are kpirules': all of a kpirules.toml, those under
    [tool.kpirules] of a pyproject.toml; and the keys in front of them (`("tool", "kpirules")`).
    Anything that is not a table is none."""
    prefix: tuple[str, ...] = ()
    if path.name == "pyproject.toml":
        tool = data.get("tool", {}) if isinstance(data, dict) else {}
        data, prefix = tool.get("kpirules", {}) if isinstance(tool, dict) else {}, ("tool", "kpirules")
    return (data if isinstance(data, dict) else {}), prefix


def read_config_toml(path: Path) -> tuple[str, dict[str, Any]]:
    """The text and tables of a configuration file (kpirules.toml, pyproject.toml).

    A byte that is not UTF-8, or a TOML syntax error, is E601 at its line and column
    (the file named relative to the working directory, as every command names it); a folder
    is E600; another OSError is the caller's to report.
    """
    try:
        shown = str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        shown = str(path.resolve())
    try:
        data = path.read_bytes().removeprefix(b"\xef\xbb\xbf")
    except IsADirectoryError:  # a folder named kpirules.toml, found where the config is looked for
        raise ConfigError(Diagnostic(
            "E600", f"{shown} is a folder, not a config file",
            help="the configuration is a file: rename or move the folder, and run `kpirules init` to write a "
                 "starter kpirules.toml")) from None
    note_input(path)  # an output (lint -o, run -o) must never replace it: E006
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
            help=key_help(reason, text, line, column, "see https://toml.io for the syntax"),
        )) from None


#: E603 for `rulesets = []`, said alike by the configuration (kpirules.config) and by lint,
#: which reads the rulesets without loading it (cli.common._rulesets_in)
RULESETS_EMPTY = "must name at least one .kpi file or folder"
RULESETS_EMPTY_HELP = 'e.g. rulesets = ["rulesets"]'


def configures_kpirules(pyproject: Path) -> bool:
    """Whether a pyproject.toml holds kpirules' configuration ([tool.kpirules]): also when it
    starts with a byte-order mark, and when it does not read as TOML but writes
    `[tool.kpirules`, so that its error (E601 at its line) is said rather than the file
    passed over in silence."""
    try:
        text = pyproject.read_text("utf-8-sig")
    except (UnicodeDecodeError, OSError):
        return False
    try:
        return "kpirules" in tomllib.loads(text).get("tool", {})
    except tomllib.TOMLDecodeError:
        return "[tool.kpirules" in text
