"""What a scheme test file says, read and checked against the scheme it tests.

A test file (`*.kpitest.toml`, docs/testing.md has the whole format) names a role and a
period and lists cases: a person, KPI values or raw rows, and the numbers expected. Every
problem is reported at its file:line:col with a code from E800 to E819, all of them at
once, before any case runs.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from kpirules import tomlshapes
from kpirules.engine.periods import Calendar, Period
from kpirules.errors import ConfigError, Diagnostic, KpiError, Location, SchemeError, byte_location
from kpirules.model import load_scheme
from kpirules.model.loader import display_path
from kpirules.model.problems import did_you_mean, known
from kpirules.model.scheme import Role, Scheme
from kpirules.schemetest import SUFFIX, convert
from kpirules.schemetest.expect import Expectation, ExpectationReader
from kpirules.tomlpositions import Positions, locate
from kpirules.schemetest.rows import RowReader
from kpirules.io import note_input
from kpirules.tomlfile import key_help, toml_error_place

FILE_KEYS = ("scheme", "role", "period", "person", "case")
CASE_KEYS = ("name", "role", "period", "person", "others", "values", "targets", "rows", "expect")


@dataclass
class Case:
    name: str
    location: Location
    role: Role
    period: Period
    person: dict[str, Any]  # roster column -> value
    others: list[dict[str, Any]]
    values: dict[str, Decimal | None]
    rows: dict[str, list[dict[str, Any]]]
    expectations: list[Expectation]

    @property
    def person_id(self) -> str:
        return self.person["__id__"]


@dataclass
class TestFile:
    path: Path
    shown: str
    scheme: Scheme
    cases: list[Case] = field(default_factory=list)


def _problem(code: str, message: str, where: Location, help: str | None = None) -> Diagnostic:
    return Diagnostic(code, message, where, help=help)


def read_test_file(path: Path, schemes: dict | None = None) -> TestFile:
    """Read and check one test file; raise SchemeError listing every problem in it."""
    shown = display_path(path)
    try:
        raw = path.read_bytes().removeprefix(b"\xef\xbb\xbf")
    except OSError as exc:
        raise ConfigError(Diagnostic("E815", f"cannot read {shown}: {exc.strerror}", help="check the path")) from None
    note_input(path)  # an output (test -o) must never replace it: E006
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SchemeError(_problem("E800", f"{shown} is not UTF-8 text (byte {exc.start})",
                                   byte_location(shown, raw, exc.start), "save the file as UTF-8")) from None
    try:
        data = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        line, column, message = toml_error_place(exc, text)
        raise SchemeError(_problem("E800", f"not valid TOML: {message}", Location(shown, line, column),
                                   key_help(message, text, line, column,
                                            "see https://toml.io for the syntax; strings need quotes"))) from None
    return _Reader(path, shown, data, locate(text), schemes if schemes is not None else {}).read()


class _Reader(ExpectationReader):
    def __init__(self, path: Path, shown: str, data: dict, positions: Positions, schemes: dict):
        self.path, self.shown, self.data, self.positions, self.schemes = path, shown, data, positions, schemes
        self.problems: list[Diagnostic] = []

    # ------------------------------------------------------------- where

    def at_key(self, *path) -> Location:
        line, column = self.positions.key(tuple(path))
        name = path[-1] if tuple(path) in self.positions.keys and isinstance(path[-1], str) else ""
        return Location(self.shown, line, column, line, column + len(name)) if name else Location(self.shown, line, column)

    def at_value(self, *path) -> Location:
        return Location(self.shown, *self.positions.value(tuple(path)))

    def error(self, code: str, message: str, where: Location, help: str | None = None) -> None:
        self.problems.append(_problem(code, message, where, help))

    def unknown_keys(self, table: dict, allowed, path: tuple, what: str) -> None:
        for key in table:
            if key not in allowed:
                self.error("E801", f"unknown key '{key}' in {what}", self.at_key(*path, key),
                           did_you_mean(key, allowed) or f"allowed keys: {', '.join(allowed)}")

    def table(self, value, path: tuple, what: str) -> dict:
        if not isinstance(value, dict):
            self.error("E803", f"{what} must be a table", self.at_value(*path), f"write {path[-1]} = {{ ... }}")
            return {}
        return value

    def convert(self, function, raw, path: tuple, *args, **kwargs):
        try:
            return True, function(raw, *args, **kwargs)
        except convert.Unreadable as exc:
            # the location says which case; the message names the key within it
            within = path[2:] if path[:1] == ("case",) else path
            self.error("E803", f"{'.'.join(str(p) for p in within)}: {exc}", self.at_value(*path), exc.help)
            return False, None

    # ------------------------------------------------------------- the file

    def read(self) -> TestFile:
        data = self.data
        self.unknown_keys(data, FILE_KEYS, (), "a test file")
        scheme = self.scheme()
        self.file_person = self.table(data.get("person", {}), ("person",), "person")
        result = TestFile(self.path, self.shown, scheme) if scheme is not None else None
        cases = data.get("case")
        if cases is not None and cases != [] and (
                not isinstance(cases, list) or not all(isinstance(c, dict) for c in cases)):
            self.error("E803", f"case lists the cases as [[case]] tables, not {tomlshapes.kind(cases)}",
                       self.at_key("case"), "write each case as a [[case]] table, with a name and an expect table")
            cases = []
        elif not cases:
            self.error("E802", "the test file has no cases", self.at_key("case") if cases is not None else Location(self.shown, 1, 1),
                       "add cases as [[case]] tables, each with a name and an expect table")
            cases = []
        if scheme is not None:
            calendar = Calendar(scheme.header)
            names: dict[str, int] = {}
            for index, raw in enumerate(cases):
                # the names are checked whatever else is wrong with a case: every problem at once
                name = raw.get("name")
                if isinstance(name, str):
                    at = self.at_value("case", index, "name")
                    if name in names:
                        self.error("E809", f"two cases are named '{name}'", at,
                                   f"the first is at line {names[name]}; give each case its own name")
                    if "::" in name:  # pytest's separator: the case could not be picked out by id
                        self.error("E809", f"the case name '{name}' contains '::'", at,
                                   "pytest separates test ids with '::'; use another separator in the name")
                    names.setdefault(name, at.line)
                case = self.case(index, raw, scheme, calendar)
                if case is not None:
                    result.cases.append(case)
        if self.problems:
            raise SchemeError(sorted(self.problems, key=Diagnostic.sort_key))
        return result

    def scheme(self) -> Scheme | None:
        raw = self.data.get("scheme")
        if raw is None:
            stem = self.path.name[: -len(SUFFIX)] if self.path.name.endswith(SUFFIX) else self.path.stem
            paths = [self.path.parent / f"{stem}.kpi"]
            if not paths[0].exists():
                self.error("E804", f"no scheme to test: {display_path(paths[0])} does not exist",
                           Location(self.shown, 1, 1), 'name the .kpi file(s) to test: scheme = "telesales.kpi"')
                return None
        else:
            listed = raw if isinstance(raw, list) else [raw]
            if not listed or not all(isinstance(p, str) for p in listed):
                self.error("E803", "scheme must be a path or a list of paths", self.at_value("scheme"),
                           'e.g. scheme = "telesales.kpi" (relative to this file)')
                return None
            paths = [self.path.parent / p for p in listed]
            missing = [p for p in paths if not p.exists()]
            if missing:
                self.error("E804", f"scheme: {display_path(missing[0])} does not exist", self.at_value("scheme"),
                           "paths are relative to the test file's folder")
                return None
        key = tuple(str(p.resolve()) for p in paths)
        if key not in self.schemes:
            try:
                self.schemes[key] = load_scheme(paths)
            except KpiError as exc:
                self.schemes[key] = exc
        loaded = self.schemes[key]
        if isinstance(loaded, KpiError):
            self.problems.extend(loaded.diagnostics)
            return None
        return loaded

    # ------------------------------------------------------------- a case

    def case(self, index: int, raw: dict, scheme: Scheme, calendar: Calendar) -> Case | None:
        here = ("case", index)
        before = len(self.problems)
        self.unknown_keys(raw, CASE_KEYS, here, "a case")
        where = self.at_key(*here)
        name = raw.get("name")
        if name is not None and not isinstance(name, str):
            self.error("E803", f"a case's name is text in quotes, not {convert.shown(name)}",
                       self.at_value(*here, "name"), 'write name = "what this case shows"')
            name = f"case {index + 1}"
        elif name is None or not name.strip():
            self.error("E802", "a case needs a name", where, 'add name = "what this case shows"')
            name = f"case {index + 1}"
        role = self.role(raw, here, scheme)
        period = self.period(raw, here, calendar)
        if role is None or period is None:
            return None
        roster = RowReader(self, scheme, role, period)
        person = roster.person(self.file_person, self.table(raw.get("person", {}), (*here, "person"), "person"),
                               (*here, "person"))
        others = roster.others(raw.get("others", []), (*here, "others"), person)
        values = self.values(self.table(raw.get("values", {}), (*here, "values"), "values"), (*here, "values"), role)
        rows = roster.rows(self.table(raw.get("rows", {}), (*here, "rows"), "rows"), (*here, "rows"), person)
        roster.targets(self.table(raw.get("targets", {}), (*here, "targets"), "targets"), (*here, "targets"),
                       person, rows)
        roster.column_rules()
        expectations = self.expectations(raw, here, role)
        if len(self.problems) > before:
            return None
        return Case(name, where, role, period, person, others, values, rows, expectations)

    def role(self, raw: dict, here: tuple, scheme: Scheme) -> Role | None:
        path = (*here, "role") if "role" in raw else ("role",)
        role_id = raw.get("role", self.data.get("role"))
        if role_id is None:
            self.error("E802", "the case names no role", self.at_key(*here),
                       f'add role = "..." to the file or the case; {known("roles", scheme.roles)}')
            return None
        if not isinstance(role_id, str) or role_id not in scheme.roles:
            self.error("E805", f"the scheme has no role {convert.shown(role_id)}", self.at_value(*path),
                       did_you_mean(str(role_id), scheme.roles) or known("roles", scheme.roles))
            return None
        return scheme.roles[role_id]

    def period(self, raw: dict, here: tuple, calendar: Calendar) -> Period | None:
        path = (*here, "period") if "period" in raw else ("period",)
        label = raw.get("period", self.data.get("period"))
        if label is None:
            self.error("E802", "the case names no period", self.at_key(*here),
                       'add period = "2026-03" to the file (or the case), so results never depend on today')
            return None
        if not isinstance(label, str):
            self.error("E808", f"the period must be a quoted label, not {convert.shown(label)}", self.at_value(*path),
                       'e.g. period = "2026-03"')
            return None
        try:
            periods = calendar.scheme_periods(calendar.parse(label))
        except KpiError as exc:
            first = exc.diagnostics[0]
            self.error("E808", first.message, self.at_value(*path), first.help)
            return None
        if len(periods) != 1:
            self.error("E808", f"{label} covers {len(periods)} periods of the scheme; a case evaluates one",
                       self.at_value(*path), f"name one {calendar.unit}, e.g. {periods[-1].label}")
            return None
        return periods[0]

    def kpi_of(self, role: Role, kpi_id: str, path: tuple, what: str):
        kpi = role.kpi(kpi_id)
        if kpi is None:
            self.error("E806", f"{what}: the role {role.id} has no KPI '{kpi_id}'", self.at_key(*path),
                       did_you_mean(kpi_id, [k.id for k in role.kpis]) or known("KPIs", [k.id for k in role.kpis]))
        return kpi

    def values(self, table: dict, path: tuple, role: Role) -> dict[str, Decimal | None]:
        out = {}
        for kpi_id, raw in table.items():
            kpi = self.kpi_of(role, kpi_id, (*path, kpi_id), "values")
            if kpi is None:
                continue
            ok, value = self.convert(convert.optional_number, raw, (*path, kpi_id),
                                     share=kpi.value_type == "percent", what=f"a value of {kpi_id}")
            if ok:
                out[kpi_id] = value
        return out
