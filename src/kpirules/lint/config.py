"""Lint configuration: `[tool.kpirules.lint]` in pyproject.toml or `[lint]` in kpirules.toml.

    [lint]
    select = ["KPI1", "KPI201"]          # codes, prefixes, slugs or "ALL" (default: all)
    ignore = ["KPI702"]
    fail-level = "warning"               # exit 1 on findings at or above this severity
    main-kpis = [3, 5]                   # rule options, by name
    max-weight-share = 0.5
    [lint.severity]
    KPI104 = "info"
    [lint.per-file-ignores]
    "rulesets/legacy/*.kpi" = ["KPI105"]

The file is found like the project configuration: the nearest kpirules.toml, or
pyproject.toml with a [tool.kpirules] table, in the working directory or above. A wrong
key, an unknown rule code or a value of the wrong type is a `ConfigError` (exit 2)
naming the key and the file.
"""

from __future__ import annotations

import difflib
import fnmatch
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kpirules import tomlshapes
from kpirules.defaults import defaults
from kpirules.errors import ConfigError, Diagnostic, Location
from kpirules.lint.finding import SEVERITIES
from kpirules.tomlfile import configures_kpirules, kpirules_tables, read_config_toml
from kpirules.tomlpositions import locate_file

KEYS = {"select", "ignore", "fail-level", "severity", "per-file-ignores"}


@dataclass
class LintConfig:
    select: list[str] = field(default_factory=lambda: ["ALL"])
    ignore: list[str] = field(default_factory=list)
    fail_level: str = "error"
    severity: dict[str, str] = field(default_factory=dict)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    #: the file it was read from, and its folder (per-file-ignores patterns are relative to it)
    source: Path | None = None

    @property
    def root(self) -> Path:
        return self.source.parent if self.source else Path.cwd()

    def fingerprint(self) -> str:
        data = {k: v for k, v in self.__dict__.items() if k != "source"}
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()

    def ignored_in(self, path: str) -> set[str]:
        """Codes per-file-ignores turns off for a file (given as displayed)."""
        try:
            relative = Path(path).resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            relative = Path(path).as_posix()
        found: set[str] = set()
        for pattern, codes in self.per_file_ignores.items():
            if fnmatch.fnmatch(relative, pattern) or fnmatch.fnmatch(Path(path).as_posix(), pattern):
                found.update(codes)
        return found


def find_config_file(start: Path | None = None) -> Path | None:
    """The nearest kpirules.toml, or pyproject.toml with [tool.kpirules], at start or above.

    The same search as `kpirules.config.find_config` (the project configuration), kept
    free of heavy imports so that a cached `kpirules lint` starts fast; a test holds the
    two to the same answers.
    """
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "kpirules.toml"
        if candidate.is_file() or candidate.is_dir():  # a folder of that name is refused where it is read
            return candidate
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and configures_kpirules(pyproject):
            return pyproject
    return None


def _where(path: Path, key: tuple[str, ...]) -> Location:
    """The line a key (`("lint", "select")`) is written on, best effort, so the error points
    at it: its `name =`, or its `[table]` or `[[table]]` header. The file is named as every
    other configuration error names it (relative to the working folder)."""
    number, column = locate_file(path).key(key)
    try:
        line = path.read_text(encoding="utf-8-sig").splitlines()[number - 1]
    except (OSError, UnicodeDecodeError, IndexError):
        line = None
    try:
        path = path.resolve().relative_to(Path.cwd().resolve())
    except (OSError, ValueError):
        pass
    if line is None:
        return Location(str(path), number, column)
    return Location(str(path), number, column, number, len(line) + 1)


def _toml_key(name: str) -> str:
    """A key as a dotted name writes it: `KPI105`, or `"legacy/*.kpi"` in quotes."""
    return name if name and all(c.isascii() and (c.isalnum() or c in "_-") for c in name) else json.dumps(name, ensure_ascii=False)


def _error(path: Path | None, table: str, key: str, message: str, help: str, entry: str | None = None) -> ConfigError:
    """E701 at the key's line (the location names the file; a key of "" is the table itself).
    An `entry` of a table-valued key (`KPI105` of [lint.severity]) is named and pointed at."""
    keys = (*table.split("."), key) if key else tuple(table.split("."))
    if entry is not None:
        keys, key = (*keys, entry), f"{key}.{_toml_key(entry)}"
    return ConfigError(Diagnostic(
        "E701", f"{table}.{key}: {message}" if key else f"{table}: {message}",
        _where(path, keys) if path else None, help=help,
    ))


#: the tables a configuration has (`kpirules.config.ProjectConfig` reads the same; a test
#: holds them together): lint, which does not load the whole configuration, still refuses
#: a misspelt one, as `run` does (E602)
TOP_LEVEL_KEYS = ("project", "env", "lint")


def read_config(path: Path | None) -> tuple[dict[str, Any], str]:
    """The raw lint table of a configuration file and its name as written in messages."""
    if path is None:
        return {}, "lint"
    try:
        # not UTF-8 or not TOML: E601 at the place, as every command that reads the file says it
        _, data = read_config_toml(path)
    except OSError as exc:
        raise ConfigError(Diagnostic("E702", f"cannot read {path}: {exc.strerror}", help="check the path")) from None
    top, prefix = kpirules_tables(path, data)
    table, name = top.get("lint", {}), ".".join((*prefix, "lint"))
    if not isinstance(table, dict):
        raise _not_a_table(path, name, table)
    unknown = [key for key in top if key not in TOP_LEVEL_KEYS]
    if unknown:  # `[lnit]`: the settings would be silently dropped; said as `run` says it
        close = difflib.get_close_matches(unknown[0], TOP_LEVEL_KEYS, n=1, cutoff=0.6)
        raise ConfigError(Diagnostic(
            "E602", f"unknown key {'.'.join((*prefix, unknown[0]))}", _where(path, (*prefix, unknown[0])),
            help=f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(TOP_LEVEL_KEYS)}"))
    return table, name


def _not_a_table(path: Path, name: str, value: Any) -> ConfigError:
    """E701 for a lint table written as something else: `[[lint]]`, `lint = 3`."""
    key = tuple(name.split("."))
    written_as_array = key in locate_file(path).array_tables
    return ConfigError(tomlshapes.not_a_table("E701", name, name, value, written_as_array, _where(path, key)))


def _strings(path, table, key, value, entry: str | None = None) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        example = key if entry is None else _toml_key(entry)
        raise _error(path, table, key, "must be a list of rule codes", f'e.g. {example} = ["KPI101", "KPI1"]', entry)
    return value


#: the values each built-in option takes (the type is checked against its default)
_RANGES: dict[str, tuple[Any, str]] = {
    "main-kpis": (lambda v: all(isinstance(n, int) for n in v) and 1 <= v[0] <= v[1], "two whole numbers, the fewest then the most, e.g. [3, 5]"),
    "max-weight-share": (lambda v: 0 < v <= 1, "a share above 0 and at most 1, e.g. 0.5"),
    "min-weight": (lambda v: 0 <= v < 1, "a share from 0 up to (not including) 1, e.g. 0.05"),
    "equal-weights-from": (lambda v: isinstance(v, int) and v >= 2, "a whole number of KPIs, at least 2"),
    "history-periods": (lambda v: isinstance(v, int) and v >= 1, "a whole number of periods, at least 1"),
    "stretch-quantile": (lambda v: 0 < v < 1, "a share between 0 and 1, e.g. 0.9"),
    "sparse-share": (lambda v: 0 <= v <= 1, "a share from 0 to 1, e.g. 0.5"),
    # an empty word is in every text: every KPI would count as one about customers
    "customer-keywords": (lambda v: all(w.strip() for w in v), 'words that are not empty, e.g. ["满意", "renew"]'),
}


def _toml(value: Any) -> str:
    """A value as TOML writes it (true, "text", [1, 2]), for messages about the file."""
    return json.dumps(value, ensure_ascii=False)


def _same_shape(value: Any, default: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return type(value) is type(default)
    if isinstance(default, (int, float)):
        return isinstance(value, (int, float))
    if isinstance(default, list):
        return isinstance(value, list) and (
            not default or all(_same_shape(v, default[0]) for v in value)
        ) and (len(value) == len(default) or isinstance(default[0], str))
    return isinstance(value, type(default))


def load_config(path: Path | None, option_defaults: dict[str, Any]) -> LintConfig:
    """Read and check the lint configuration; `option_defaults` are the rules' options."""
    raw, table = read_config(path)
    config = LintConfig(source=path, fail_level=defaults().get("lint", {}).get("fail-level", "error"))
    for key, value in raw.items():
        if key == "select":
            config.select = _strings(path, table, key, value)
        elif key == "ignore":
            config.ignore = _strings(path, table, key, value)
        elif key == "fail-level":
            if value not in SEVERITIES:
                raise _error(path, table, key, f"{_toml(value)} is not a severity", f"one of: {', '.join(SEVERITIES)}")
            config.fail_level = value
        elif key in ("severity", "per-file-ignores") and not isinstance(value, dict) and path is not None:
            raise _not_a_table(path, f"{table}.{key}", value)
        elif key == "severity":
            if not isinstance(value, dict):
                raise _error(path, table, key, "must map rule codes to a severity",
                             'e.g. [lint.severity] KPI104 = "info" (error, warning or info)')
            for code, level in value.items():
                if level not in SEVERITIES:
                    raise _error(path, table, key, f"{_toml(level)} is not a severity",
                                 f'write {_toml_key(code)} = "error", "warning" or "info"', code)
            config.severity = dict(value)
        elif key == "per-file-ignores":
            if not isinstance(value, dict):
                raise _error(path, table, key, "must map file patterns to lists of codes",
                             '[lint.per-file-ignores] "legacy/*.kpi" = ["KPI105"]')
            config.per_file_ignores = {p: _strings(path, table, key, c, p) for p, c in value.items()}
        elif key in option_defaults:
            if not _same_shape(value, option_defaults[key]):
                raise _error(path, table, key, f"{_toml(value)} does not fit this option",
                             f"the default is {json.dumps(option_defaults[key], ensure_ascii=False)}")
            if key in _RANGES and not _RANGES[key][0](value):
                raise _error(path, table, key, f"{_toml(value)} is out of range", _RANGES[key][1])
            config.options[key] = value
        else:
            known = sorted(KEYS | set(option_defaults))
            raise _error(path, table, key, "unknown key", "known keys: " + ", ".join(known))
    return config


def expand(selectors: list[str], rules: dict[str, Any], path: Path | None, table: str, key: str,
           entry: str | None = None) -> set[str]:
    """Rule codes named by selectors: a code, a prefix (`KPI1`), a slug (`weights-sum`) or ALL.
    An unknown one is E701 at `key` (at its `entry`, for a code of [lint.severity] or a
    pattern of [lint.per-file-ignores]), or E703 for a command-line option (no path)."""
    slugs = {rule.slug: code for code, rule in rules.items()}
    codes: set[str] = set()
    for selector in selectors:
        if selector.upper() == "ALL":
            codes.update(rules)
        elif selector.lower() in slugs:  # slugs, as codes, in any case (`WEIGHTS-SUM`)
            codes.add(slugs[selector.lower()])
        elif any(code.startswith(selector.upper()) for code in rules):
            codes.update(code for code in rules if code.startswith(selector.upper()))
        else:
            # a slug misspelt, or one of its words (`dominant` for dominant-weight)
            near = difflib.get_close_matches(selector.lower(), list(slugs), n=1, cutoff=0.6) or [
                slug for slug in slugs if selector.lower() in slug.split("-")][:1]
            if near:
                slug = near[0]
                code = slugs[slug]
                help = f"did you mean {code} ({slug})?"
            else:
                help = "known codes: " + ", ".join(sorted(rules)) + " (run `kpirules rules` to list them)"
            if path is None:
                raise ConfigError(Diagnostic("E703", f"--{key}: unknown rule code {selector!r}", help=help))
            raise _error(path, table, key, f"unknown rule code {selector!r}", help, entry)
    return codes
