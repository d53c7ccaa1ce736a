"""Where each key and value of a TOML file was written, so errors in scheme-test files and in
the configuration can say file:line:col.

`tomllib` reads values but forgets positions. `locate` scans the same text once more and
records, for every key path (`("case", 2, "values", "outbound_calls")`, array elements by
index, each `[[table]]` header too), the line and column of the key and of its value. The
text has already been parsed by tomllib, so the scanner may assume it is valid TOML.

Only the standard library: `kpirules lint` reads its settings through this.
"""

from __future__ import annotations

import bisect
import tomllib
from dataclasses import dataclass, field
from pathlib import Path as FilePath

Path = tuple  # of str keys and int indices

_BARE = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


@dataclass
class Positions:
    """Line and column (1-based) of each key path's key and of its value."""

    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)
    values: dict[Path, tuple[int, int]] = field(default_factory=dict)
    #: the key paths written as `[[table]]` headers (a list of tables)
    array_tables: set[Path] = field(default_factory=set)

    def key(self, path: Path) -> tuple[int, int]:
        """Where the key of `path` (or of its nearest written parent) is."""
        return self._nearest(path, self.keys)

    def value(self, path: Path) -> tuple[int, int]:
        """Where the value of `path` starts (else where its key is)."""
        if path in self.values:
            return self.values[path]
        return self.key(path)

    def _nearest(self, path: Path, table: dict) -> tuple[int, int]:
        """The path's own place; else, for a table never written as a header of its own
        (`[env.sample.datasets.calls]` makes `env.sample`), the first key inside it; else its
        nearest written parent's."""
        if path in table or path in self.values:
            return table.get(path) or self.values[path]
        inside = [where for key, where in table.items() if key[:len(path)] == path]
        if inside:
            return min(inside)
        for end in range(len(path) - 1, 0, -1):
            if path[:end] in table:
                return table[path[:end]]
            if path[:end] in self.values:
                return self.values[path[:end]]
        return (1, 1)


def locate(text: str) -> Positions:
    return _Scanner(text).run()


def locate_file(path: FilePath) -> Positions:
    """Where each key of a TOML file is written; nothing is found when the file cannot be read
    again, or is no longer valid TOML (it changed since it was parsed)."""
    try:
        text = path.read_text("utf-8-sig")
        tomllib.loads(text)  # the scanner assumes valid TOML
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return Positions()
    return locate(text)


class _Scanner:
    def __init__(self, text: str):
        self.text = text
        self.i = 0
        self.starts = [0] + [n + 1 for n, ch in enumerate(text) if ch == "\n"]
        self.found = Positions()
        self.arrays: dict[Path, int] = {}  # array-of-tables path -> elements so far

    def where(self, index: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, index)
        return line, index - self.starts[line - 1] + 1

    def peek(self, n: int = 1) -> str:
        return self.text[self.i:self.i + n]

    def run(self) -> Positions:
        current: Path = ()
        while self.i < len(self.text):
            self.skip(newlines=True)
            if self.i >= len(self.text):
                break
            start = self.i
            if self.peek(2) == "[[":
                self.i += 2
                keys = self.keys()
                self.i += 2
                base = self.resolve(keys[:-1])
                path = base + (keys[-1],)
                index = self.arrays.get(path, 0)
                self.arrays[path] = index + 1
                self.found.array_tables.add(path)
                self.found.keys.setdefault(path, self.where(start))
                current = path + (index,)
                self.found.keys[current] = self.where(start)
            elif self.peek() == "[":
                self.i += 1
                keys = self.keys()
                self.i += 1
                current = self.resolve(keys)
                self.found.keys.setdefault(current, self.where(start))
            else:
                self.pair(current)
        return self.found

    def resolve(self, keys: list[str]) -> Path:
        """A header's keys as a path: an array of tables on the way means its last element."""
        path: Path = ()
        for key in keys:
            path = path + (key,)
            if path in self.arrays:
                path = path + (self.arrays[path] - 1,)
        return path

    # ------------------------------------------------------------- pieces

    def skip(self, newlines: bool) -> None:
        while self.i < len(self.text):
            ch = self.text[self.i]
            if ch in " \t\r" or (newlines and ch == "\n"):
                self.i += 1
            elif ch == "#":
                while self.i < len(self.text) and self.text[self.i] != "\n":
                    self.i += 1
            else:
                return

    def keys(self) -> list[str]:
        """A dotted key up to `=` or a header's closing bracket (left unread)."""
        return [key for key, _ in self.placed_keys()]

    def placed_keys(self) -> list[tuple[str, int]]:
        """A dotted key's parts, each with the index where it starts (quoted keys as written)."""
        keys = []
        while True:
            self.skip(newlines=False)
            ch = self.peek()
            at = self.i
            if ch in "\"'":
                keys.append((self.string(), at))
            else:
                while self.i < len(self.text) and self.text[self.i] in _BARE:
                    self.i += 1
                keys.append((self.text[at:self.i], at))
            self.skip(newlines=False)
            if self.peek() != ".":
                return keys
            self.i += 1

    def pair(self, table: Path) -> None:
        placed = self.placed_keys()
        keys = tuple(key for key, _ in placed)
        for n, (_, at) in enumerate(placed, start=1):
            self.found.keys.setdefault(table + keys[:n], self.where(at))
        self.i += 1  # "="
        self.skip(newlines=False)
        self.value(table + keys)

    def value(self, path: Path) -> None:
        self.found.values[path] = self.where(self.i)
        ch = self.peek()
        if ch in "\"'":
            self.string()
        elif ch == "[":
            self.i += 1
            index = 0
            while True:
                self.skip(newlines=True)
                if self.peek() == "]":
                    self.i += 1
                    return
                self.value(path + (index,))
                index += 1
                self.skip(newlines=True)
                if self.peek() == ",":
                    self.i += 1
        elif ch == "{":
            self.i += 1
            while True:
                self.skip(newlines=True)
                if self.peek() == "}":
                    self.i += 1
                    return
                self.pair(path)
                self.skip(newlines=True)
                if self.peek() == ",":
                    self.i += 1
        else:
            while self.i < len(self.text) and self.text[self.i] not in ",]}\n#":
                self.i += 1

    def string(self) -> str:
        """Read a string of any of TOML's four kinds; return its text (escapes kept as written)."""
        quote = self.peek()
        if self.peek(3) == quote * 3:
            self.i += 3
            start = self.i
            while self.peek(3) != quote * 3:
                self.i += 2 if quote == '"' and self.peek() == "\\" else 1
            while self.peek(4) == quote * 4:  # up to two quotes may end the content
                self.i += 1
            text = self.text[start:self.i]
            self.i += 3
            return text
        self.i += 1
        start = self.i
        while self.peek() != quote:
            self.i += 2 if quote == '"' and self.peek() == "\\" else 1
        text = self.text[start:self.i]
        self.i += 1
        return text
