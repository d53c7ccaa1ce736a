"""Messages in the reader's language: English (the default) or Chinese (`zh`).

Diagnostics are written in English where a problem is found, and stay so in the library
(tests, JSON and the English output rely on that text). Only what a person reads is
translated, at the edge: `localize(diagnostic, "zh")` rebuilds the message, help line and
notes from the diagnostic's code and the values its English text carries.

The catalog (`i18n_zh.toml` in the package, data only) pairs an English pattern with a
Chinese template:

    ("unknown {noun} '{name}'{owner?}", "未知的{noun:noun} '{name}'{owner:owner}")

`{name}` captures a non-empty part of the English text (as little as will do), `{name?}`
a possibly empty one, `{name*}` as much as will do; `{{` and `}}` are literal braces. In the Chinese template, `{name:group}` translates the
captured value through another group of patterns first (a type name, a "did you mean"
line); a value no pattern of the group knows (a KPI id, a number, a path) is kept as it
is. Codes, names, values, paths and code snippets are never translated.

The language comes from `--lang`, then the `KPIRULES_LANG` environment variable, then
`lang` under `[project]` of the configuration, else English.

A plugin adds its own messages with a catalog in the same notation (`[messages]`,
`[groups]`, `[lint]`), registered through the `register_catalogs` hook (`extend`). Within
a catalog the first pattern that matches translates; when the core's and a plugin's both
match, the more specific wins, the pattern with more literal text (a tie: the core's), so
a plugin's general pattern never takes a message the core says more precisely.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import string
import tomllib
from collections.abc import Callable, Iterable
from pathlib import Path

from kpirules.errors import ConfigError, DataLocation, Diagnostic, Location

LANGS = ("en", "zh")
DEFAULT_LANG = "en"
ENV_VAR = "KPIRULES_LANG"

_FIELD = re.compile(r"\{\{|\}\}|\{(\w+)([?*])?\}")
_HOLE = {None: ".+?", "?": ".*?", "*": ".+"}


def lang_problem(value: object, key: str, location: Location | None = None) -> Diagnostic | None:
    """What is wrong with a language setting (None when it names a language kpirules speaks)."""
    if isinstance(value, str) and value.strip().lower() in LANGS:
        return None
    return Diagnostic(
        "E603", f"{key}: unknown language {value!r}", location,
        help=f"choose one of: {', '.join(LANGS)} (en is the default)",
    )


def check_lang(value: object, key: str, location: Location | None = None) -> str:
    """The language value names (en, zh), or a ConfigError naming key and the choices."""
    problem = lang_problem(value, key, location)
    if problem is not None:
        raise ConfigError(problem)
    return str(value).strip().lower()


def configured_lang(path: Path | None) -> str:
    """`lang` under [project] of a kpirules.toml ([tool.kpirules.project] of a pyproject.toml).

    Read on its own, cheaply, before a command runs, so that its problems are already
    in the reader's language; a file that cannot be read says nothing here (the command
    reports it if it needs the file). An unknown language is a ConfigError.
    """
    if path is None:
        return DEFAULT_LANG
    try:
        text = path.read_text(encoding="utf-8-sig")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return DEFAULT_LANG
    prefix = ""
    if path.name == "pyproject.toml":
        data, prefix = data.get("tool", {}).get("kpirules", {}), "tool.kpirules."
    project = data.get("project", {}) if isinstance(data, dict) else {}
    if not isinstance(project, dict) or "lang" not in project:
        return DEFAULT_LANG
    line = next((n for n, row in enumerate(text.splitlines(), start=1) if re.match(r"\s*lang\s*=", row)), 1)
    try:
        shown = str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        shown = str(path)
    return check_lang(project["lang"], f"{prefix}project.lang", Location(shown, line, 1))


# ---------------------------------------------------------------------- patterns


@dataclasses.dataclass(frozen=True)
class Pattern:
    """An English text with named holes, and its translation."""

    english: str
    regex: re.Pattern
    template: str
    #: how specific it is: the characters of the English text outside its holes
    literal: int = 0
    #: the catalog it comes from: 0 the core's, then each plugin's in turn
    origin: int = 0

    @classmethod
    def compile(cls, english: str, template: str, origin: int = 0) -> Pattern:
        parts, pos = [], 0
        for match in _FIELD.finditer(english):
            parts.append(re.escape(english[pos:match.start()]))
            token = match.group(0)
            if token in ("{{", "}}"):
                parts.append(re.escape(token[0]))
            else:
                parts.append(f"(?P<{match.group(1)}>{_HOLE[match.group(2)]})")
            pos = match.end()
        parts.append(re.escape(english[pos:]))
        literal = len(_FIELD.sub(lambda m: m.group(0)[0] if m.group(0) in ("{{", "}}") else "", english))
        return cls(english, re.compile("".join(parts), re.DOTALL), template, literal, origin)


class _Formatter(string.Formatter):
    """str.format where a field's format spec names the group that translates its value."""

    def __init__(self, catalog: Catalog):
        super().__init__()
        self.catalog = catalog

    def format_field(self, value, format_spec: str) -> str:
        text = "" if value is None else str(value)
        return self.catalog.phrase(text, format_spec) if format_spec else text


class Catalog:
    """One language's patterns: messages by code, and named groups of phrases."""

    def __init__(self, data: dict, extensions: Iterable[dict] = ()) -> None:
        self.messages: dict[str, list[Pattern]] = {}
        self.groups: dict[str, list[Pattern] | Callable] = dict(_TAKEN_APART)
        self.lint: dict[str, tuple[str, str]] = {}
        for origin, patterns in enumerate((data, *extensions)):
            self._add(patterns, origin)
        self.meanings: dict[str, str] = data["meanings"]
        self.ui: dict[str, str] = data["ui"]
        self.formatter = _Formatter(self)

    def _add(self, data: dict, origin: int) -> None:
        """One catalog's patterns, after those already there; a lint rule's entry only where it has none."""
        for code, pairs in data.get("messages", {}).items():
            self.messages.setdefault(code, []).extend(Pattern.compile(*pair, origin) for pair in pairs)
        for name, pairs in data.get("groups", {}).items():
            self.groups.setdefault(name, []).extend(Pattern.compile(*pair, origin) for pair in pairs)
        for code, pair in data.get("lint", {}).items():
            self.lint.setdefault(code, tuple(pair))

    def fill(self, template: str, values: dict) -> str:
        return self.formatter.vformat(template, (), values)

    def _first(self, patterns: Iterable[Pattern], text: str) -> str | None:
        """The translation by the first pattern of a catalog that matches; when the first
        matches of several catalogs (the core's and plugins') compete, the more specific
        wins, the one with more literal text (a tie: the earlier catalog's)."""
        best, tried = None, set()
        for pattern in patterns:
            if pattern.origin in tried:
                continue
            match = pattern.regex.fullmatch(text)
            if match:
                tried.add(pattern.origin)
                if best is None or pattern.literal > best[0].literal:
                    best = (pattern, match)
        return None if best is None else self.fill(best[0].template, best[1].groupdict())

    def phrase(self, text: str, group: str) -> str:
        """text translated through a group, or unchanged when no pattern of it matches."""
        if not text:
            return text
        entries = self.groups[group]
        if callable(entries):
            return entries(self, text)
        found = self._first(entries, text)
        return text if found is None else found

    def message(self, code: str, text: str) -> str | None:
        return self._first(self.messages.get(code, ()), text)


#: the plugins' catalogs by language, in the order they were added (see `extend`)
_extensions: dict[str, list[dict]] = {}


@functools.cache
def catalog(lang: str) -> Catalog | None:
    """The catalog of a language, the core's patterns and the plugins'; None for English,
    the language the messages are written in."""
    if lang == DEFAULT_LANG:
        return None
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}")
    with open(Path(__file__).with_name(f"i18n_{lang}.toml"), "rb") as fh:
        return Catalog(tomllib.load(fh), _extensions.get(lang, ()))


def extend(lang: str, path: Path) -> None:
    """Add a plugin's catalog of lang (see `Catalog._first` for which pattern translates).

    A language kpirules does not speak (or English, the messages' own) is left out, so a
    plugin may ship catalogs for languages a later kpirules adds. ValueError says what is
    wrong with a catalog that cannot be used.
    """
    if lang == DEFAULT_LANG or lang not in LANGS:
        return
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"cannot read {path}: {exc}") from None
    problem = _extension_problem(data, lang)
    if problem:
        raise ValueError(f"{path}: {problem}")
    _extensions.setdefault(lang, []).append(data)
    catalog.cache_clear()


def forget_extensions() -> None:
    """Leave out every plugin's catalog (when the plugins are unregistered)."""
    _extensions.clear()
    catalog.cache_clear()


_SECTIONS = ("messages", "groups", "lint")


def _extension_problem(data: dict, lang: str) -> str | None:
    """What makes a plugin's catalog unusable: sections, pairs, holes and groups, checked
    before any message needs it."""
    unknown = sorted(set(data) - set(_SECTIONS))
    if unknown:
        return f"unknown section {unknown[0]!r} (a plugin's catalog has {', '.join(_SECTIONS)})"
    taken_apart = sorted(set(data.get("groups", {})) & set(_TAKEN_APART))
    if taken_apart:
        return f"the group {taken_apart[0]!r} is read by code and takes no patterns"
    with open(Path(__file__).with_name(f"i18n_{lang}.toml"), "rb") as fh:
        core = tomllib.load(fh)
    groups = set(core["groups"]) | set(_TAKEN_APART) | set(data.get("groups", {}))
    entries = [(f"[messages] {code}", pair) for code, pairs in data.get("messages", {}).items() for pair in pairs]
    entries += [(f"[groups] {name}", pair) for name, pairs in data.get("groups", {}).items() for pair in pairs]
    for where, pair in entries:
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(t, str) for t in pair)):
            return f"{where}: {pair!r} is not a pair [english, translation]"
        holes = {m.group(1) for m in _FIELD.finditer(pair[0]) if m.group(1)}
        try:
            Pattern.compile(*pair)
            fields = [(field, spec) for _, field, spec, _ in string.Formatter().parse(pair[1])]
        except (re.error, ValueError) as exc:
            return f"{where}: {pair!r}: {exc}"
        for field, spec in fields:
            if field is not None and field not in holes:
                return f"{where}: the translation {pair[1]!r} names {{{field}}}, which {pair[0]!r} does not capture"
            if spec and spec not in groups:
                return f"{where}: the translation {pair[1]!r} names the group {spec!r}, which no catalog has"
    for code, pair in data.get("lint", {}).items():
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(t, str) for t in pair)):
            return f"[lint] {code}: {pair!r} is not a pair [message, help]"
    return None


# ---------------------------------------------------------------------- English lists, taken apart
# Lists and row references are built in English code (", " and " or 3 more", "row 5 (line
# 6)"); these read them and rebuild them with the catalog's words.


def _expected(found: Catalog, text: str) -> str:
    """A syntax error's choices: 'kpi', a number, ... or 3 more."""
    more = re.search(r" or (\d+) more$", text)
    body = text[: more.start()] if more else text
    items = found.ui["list.separator"].join(found.phrase(item, "terminal") for item in body.split(", ") if item)
    return found.fill(found.ui["list.more"], {"items": items, "n": more.group(1)}) if more else items


def _and_list(found: Catalog, text: str) -> str:
    return text.replace(" and ", found.ui["list.separator"])


def _alternatives(found: Catalog, text: str, group: str = "kind") -> str:
    """'a or b', and 'a, b or c'."""
    return found.ui["list.or"].join(found.phrase(item, group) for item in re.split(r", | or ", text))


def _period_units(found: Catalog, text: str) -> str:
    """Period units as alternatives: 'month or quarter'."""
    return _alternatives(found, text, "period")


_ROW = re.compile(r"\brow (\d+)(?: \((line|sheet row) (\d+)\))?")


def _rows(found: Catalog, text: str) -> str:
    def one(match: re.Match) -> str:
        if not match.group(2):
            return found.fill(found.ui["note.row"], {"row": match.group(1)})
        label = found.ui["note." + match.group(2)]
        return found.fill(found.ui["note.row_at"], {"row": match.group(1), "label": label, "line": match.group(3)})

    return _ROW.sub(one, text).replace(", ", found.ui["list.separator"]).replace(" and ", found.ui["list.separator"])


def _note(found: Catalog, text: str) -> str:
    """A note under a data problem: which rows, and what they hold (values stay as they are)."""
    more = re.fullmatch(r"\.\.\. and (\d+) more", text)
    if more:
        return found.fill(found.ui["note.more"], {"n": more.group(1)})
    repeated = re.fullmatch(r"(?P<value>.*) in (?P<rows>row \d+.*?)(?: and (?P<n>\d+) more)?", text, re.DOTALL)
    if repeated and not repeated.group("value").startswith("row "):
        values = {"value": repeated.group("value"), "rows": _rows(found, repeated.group("rows")), "n": repeated.group("n")}
        return found.fill(found.ui["note.in_more" if repeated.group("n") else "note.in"], values)
    head = re.match(r"row \d+(?: \((?:line|sheet row) \d+\))?", text)
    if head is None:
        return found.phrase(text, "explain")
    rest = text[head.end():]
    if rest.startswith(": "):
        rest = rest[2:]
        reason, sep, after = rest.partition(": ")
        if sep and found.phrase(reason, "reason") != reason:  # an unreadable record: why, then its text
            rest = found.fill(found.ui["note.reason"], {"reason": found.phrase(reason, "reason"), "text": after})
        return found.fill(found.ui["note.value"], {"rows": _rows(found, head.group(0)), "value": rest})
    return _rows(found, head.group(0)) + rest


_DETAILS = re.compile(r"(?P<head>.*) \((?P<details>[^()]*)\)")


def _source(found: Catalog, text: str) -> str:
    """A data source's description: `CSV path (utf-8, detected, comma-separated)`, `Excel
    path, sheet 'S'`; the path, encoding and sheet stay as they are. A plugin's source
    says what it reads in its own words (`Jiandaoyun form F`): the source_head group."""
    parts = _DETAILS.fullmatch(text)
    if parts:
        details = [found.phrase(d, "source_detail") for d in parts.group("details").split(", ")]
        text = f"{found.phrase(parts.group('head'), 'source_head')}（{found.ui['list.separator'].join(details)}）"
    else:
        text = found.phrase(text, "source_head")
    return text.replace(", sheet ", found.ui["source.sheet"])


_TAKEN_APART: dict[str, Callable[[Catalog, str], str]] = {
    "expected": _expected, "and_list": _and_list, "alternatives": _alternatives, "period_units": _period_units,
    "note": _note,
    "source": _source,
}


# ---------------------------------------------------------------------- diagnostics


def localize(diagnostic: Diagnostic, lang: str) -> Diagnostic:
    """The diagnostic with its message, help and notes in lang (the same code, place and severity)."""
    found = catalog(lang)
    if found is None:
        return diagnostic
    return dataclasses.replace(
        diagnostic,
        message=message_text(found, diagnostic.code, diagnostic.message),
        help=found.phrase(diagnostic.help, "help") if diagnostic.help else diagnostic.help,
        notes=[found.phrase(note, "note") for note in diagnostic.notes],
    )


def message_text(found: Catalog, code: str, text: str) -> str:
    translated = found.message(code, text)
    if translated is not None:
        return translated
    # a message the catalog does not know (a plugin's own, say): the code's meaning, then the text
    meaning = found.meanings.get(code)
    return found.fill(found.ui["unknown_message"], {"meaning": meaning, "text": text}) if meaning else text


def location_text(location: Location | DataLocation | None, lang: str) -> str:
    """Where a diagnostic points, as its reader reads it ("" when nowhere)."""
    if location is None:
        return ""
    found = catalog(lang)
    if found is None or isinstance(location, Location):
        return str(location)
    parts = [found.fill(found.ui["where.dataset"], {"dataset": location.dataset})]
    if location.source:
        # `data/p.db (table people)`, `:memory: (query)`: the path as it is, the rest in lang
        parts.append(found.fill(found.ui["where.source"], {"source": _source(found, location.source)}))
    if location.row is not None:
        parts.append(found.fill(found.ui["where.row"], {"row": location.row}))
    if location.column:
        parts.append(found.fill(found.ui["where.column"], {"column": location.column}))
    return found.ui["where.separator"].join(parts)


def phrase(text: str, group: str, lang: str) -> str:
    """A phrase of a known group (a run warning, an explanation step) in lang."""
    found = catalog(lang)
    return text if found is None else found.phrase(text, group)


def ui(lang: str, key: str, english: str, **values) -> str:
    """A fixed text of the interface: the English as the caller wrote it, or the catalog's template."""
    found = catalog(lang)
    return english if found is None else found.fill(found.ui[key], values)


def count(n: int, noun: str, plural: str | None = None) -> str:
    """"1 role", "2 roles", "0 KPIs": a count of things in English (catalogs say it their
    own way); plural when the noun does not just take an s."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def people(n: int) -> str:
    """"1 person", "2 people": a count of people in English."""
    return count(n, "person", "people")


def labelled(lang: str, label: str, text: str) -> str:
    """"help: text" (or "note", "warning"), the label in lang."""
    found = catalog(lang)
    return f"{label}: {text}" if found is None else found.fill(found.ui["labelled"], {"label": found.ui["label." + label], "text": text})


# ---------------------------------------------------------------------- lint findings


def lint_templates(code: str, lang: str) -> tuple[str, str] | None:
    """A lint rule's message and help templates in lang (None for English or an unknown rule)."""
    found = catalog(lang)
    return None if found is None else found.lint.get(code)


def fill(lang: str, template: str, values: dict) -> str:
    """A template of the catalog filled with values (fields may name a group: `{kind:decl}`)."""
    found = catalog(lang)
    return template.format(**values) if found is None else found.fill(template, values)
