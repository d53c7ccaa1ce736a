"""Resolve parsed .kpi files into one checked `Scheme`, reporting every problem found.

Resolution gathers the declarations of all files, fills in defaults, merges roles
with the roles they extend, resolves every name and type-checks every expression.
It reports all problems it finds, not only the first, each at the span concerned.
"""

from __future__ import annotations

from decimal import Decimal

from kpirules.defaults import defaults
from kpirules.lang import ast
from kpirules.model import scheme as m
from kpirules.model.bands import bound_problem, bound_value, check_coverage, format_bound
from kpirules.model.currency_words import is_currency_code
from kpirules.model.literals import check_numbers
from kpirules.model.problems import Problems, date_column_help, did_you_mean, suggest
from kpirules.model.resolve_kpis import KpiResolver, unreadable_name
from kpirules.model.types import UNKNOWN, ExprChecker, Scope, family, type_name
from kpirules.model.vocabulary import (
    BINDINGS, COLUMN_TYPES, DATE_BINDINGS, MONTHS, PERIODS, REQUIRED_BINDING_COLUMNS, REVIEWS,
    ROUNDING_MODES, is_time_zone,
)

class Resolver(KpiResolver):
    def __init__(self, files: list[ast.File], problems: Problems | None = None):
        self.files = files
        self.problems = problems if problems is not None else Problems()
        self.d = defaults()
        #: the bounds of each `by value` scoring table as written, by the table's place: an
        #: override that changes the KPI's measure checks them again (resolve_kpis)
        self.value_bounds: dict[ast.Span, list[ast.Literal_]] = {}

    # ================================================================ entry

    def resolve(self) -> m.Scheme | None:
        check_numbers(self.files, self.problems)
        decls = self._collect()
        schemes = decls["scheme"]
        if not schemes:
            span = None
            if self.files:  # at the first declaration read, or the top of a file with none
                first = self.files[0]
                span = first.items[0].span if first.items else ast.Span(first.path, 1, 1, 1, 1)
            self.problems.error(
                "E241",
                span,
                "no scheme header found",
                "declare one `scheme <id> \"label\" { period month  currency CNY ... }`, usually in common.kpi",
            )
            return None
        header = self._header(schemes[0])
        datasets = {d.id.name: self._dataset(d, header) for d in decls["dataset"]}
        rosters = [d for d in datasets.values() if d.kind == "roster"]
        for extra in rosters[1:]:
            self.problems.error(
                "E242", extra.span, f"a second roster '{extra.id}'; a scheme has one roster",
                f"the roster is '{rosters[0].id}'",
            )
        grades = {g.id.name: self._grades(g.table, g.id.name, g.label) for g in decls["grades"]}
        self.scheme_parts = (header, datasets, grades)
        if decls["role"] and not rosters:
            self.problems.error(
                "E240", decls["role"][0].span, "roles need a roster, and none is declared",
                "declare `roster people { id person_id  role role  column person_id string ... }`",
            )
        roles = self._roles(decls["role"], header, datasets, grades)
        if rosters:
            self._roles_matching_nobody(decls["role"], rosters[0])
        if self.problems:
            return None
        return m.Scheme(
            header=header,
            datasets=datasets,
            grades=grades,
            roles=roles,
            files=[f.path for f in self.files],
        )

    def _collect(self) -> dict[str, list]:
        decls: dict[str, list] = {"scheme": [], "dataset": [], "grades": [], "role": []}
        first_seen: dict[tuple[str, str], ast.Node] = {}
        for file in self.files:
            for item in file.items:
                if isinstance(item, ast.Import):
                    continue
                kind = item.node
                name = item.id.name
                group = "dataset" if kind == "dataset" else kind
                key = ("scheme", "") if kind == "scheme" else (group, name)
                if key in first_seen:
                    what = "scheme header" if kind == "scheme" else f"{group} '{name}'"
                    self.problems.error(
                        "E220", item.id.span, f"duplicate {what}",
                        f"first declared at {first_seen[key].span}",
                    )
                    continue
                first_seen[key] = item
                decls[group].append(item)
        return decls

    # ================================================================ helpers

    def _settings(self, body, allowed: set[str], where: str) -> dict[str, ast.Setting]:
        found: dict[str, ast.Setting] = {}
        for stmt in body:
            if not isinstance(stmt, ast.Setting):
                continue
            if stmt.key not in allowed:  # pragma: no cover - the grammar admits only these
                self.problems.error("E221", stmt.key_span, f"'{stmt.key}' is not allowed in {where}",
                                    f"{where} takes: {', '.join(sorted(allowed))}")
                continue
            if stmt.key in found:
                self.problems.error(
                    "E222", stmt.key_span, f"'{stmt.key}' is given twice in {where}",
                    f"the first is at line {found[stmt.key].span.line}; keep one",
                )
                continue
            found[stmt.key] = stmt
        return found

    def _once(self, body, cls, where: str, name: str):
        found = [s for s in body if isinstance(s, cls)]
        for extra in found[1:]:
            self.problems.error(
                "E222", extra.span, f"'{name}' is given twice in {where}",
                f"the first is at line {found[0].span.line}; keep one",
            )
        return found[0] if found else None

    def _word(self, setting: ast.Setting | None, choices, what: str, default=None):
        """The value of a setting that takes one word from a fixed list."""
        if setting is None:
            return default
        value = setting.value
        word = value.name if isinstance(value, ast.Ident) else None
        if word in choices:
            return word
        shown = word if word is not None else getattr(value, "text", "?")
        self.problems.error(
            "E230", value.span, f"'{shown}' is not a valid {what}",
            suggest(shown, choices, f"{what} is one of: {', '.join(choices)}"),
        )
        return default

    def _text(self, setting: ast.Setting | None) -> str | None:
        if setting is None:
            return None
        value = setting.value
        if isinstance(value, ast.Literal_) and value.type == "string":
            return value.value
        self.problems.error("E231", value.span, f"'{setting.key}' takes a quoted text",
                            f'put it in quotes: {setting.key} "..."')
        return None

    def _constant(self, expr, what: str, kinds=("number", "percent")) -> Decimal | None:
        """A constant number: `30%`, `0.5`, `-10`, or `3000 CNY` when money is allowed."""
        node = expr.inner if isinstance(expr, ast.Paren) else expr
        sign = 1
        if isinstance(node, ast.Unary) and node.op == "-":
            sign, node = -1, node.operand
        if isinstance(node, ast.Literal_) and node.type in kinds:
            self.problems.foreign_amount(node, self.currency)
            return sign * node.value
        expected = {"number": "a number", "percent": "a percentage", "money": "an amount"}
        # an expression (`1 + 1`, `2.0 / 0`) is not taken here even when it is a number: the
        # value is written as it is
        written = "" if isinstance(node, ast.Literal_) else " written as it is, not worked out"
        if kinds == ("percent",) and isinstance(node, ast.Literal_) and node.type == "number":
            # `weight 30`, `floor 50`: the percentage without its sign
            percent = ("-" if sign < 0 else "") + node.text + "%"
            if 0 < node.value <= 2 and node.value != 1:  # 0.3 may be the fraction 30%
                fraction, whole = node.text, format_bound(node.value * 100)
                help = f"write {percent} (or {whole}% for the fraction {fraction})"
            else:
                help = f"write {percent}"
        else:
            help = "write a constant, e.g. " + {"percent": "30%", "number": "1.5", "money": "3000 CNY"}[kinds[0]]
        self.problems.error(
            "E232", expr.span, f"{what} must be {' or '.join(expected[k] for k in kinds)}{written}", help)
        return None

    def _percent_as_points(self, expr, what: str) -> bool:
        """Report (E232) a score written as a percentage, `60%` (the number 0.6) where points
        are meant; True when it did."""
        node = expr.inner if isinstance(expr, ast.Paren) else expr
        sign = ""
        if isinstance(node, ast.Unary) and node.op == "-":
            sign, node = "-", node.operand
        if not (isinstance(node, ast.Literal_) and node.type == "percent"):
            return False
        points = sign + format((node.value * 100).normalize(), "f")
        self.problems.error(
            "E232", expr.span,
            f"{what} is in points, not a percentage ({sign}{node.text} is {sign}{node.value.normalize():f})",
            f"write {points}: scores are numbers of points",
        )
        return True

    def _score(self, expr, what: str = "no_data score") -> Decimal:
        """A constant score in points (0 in place of one reported wrong: the errors stop the load)."""
        value = None if self._percent_as_points(expr, what) else self._constant(expr, what)
        return Decimal(0) if value is None else value

    def _check(self, expr, scope: Scope) -> str:
        return ExprChecker(self.problems, scope).check(expr)

    # ================================================================ header

    def _header(self, decl: ast.SchemeDecl) -> m.Header:
        where = "the scheme header"
        s = self._settings(
            decl.body,
            {"period", "fiscal_year_start", "fiscal_year_named_by", "review", "currency",
             "timezone", "owner", "description"},
            where,
        )
        sd = self.d["scheme"]
        currency = "XXX"
        if "currency" not in s:
            self.problems.error(
                "E243", decl.id.span, "the scheme has no currency",
                "add `currency CNY` (an ISO 4217 code) to the scheme header",
            )
        else:
            value = s["currency"].value
            code = value.name if isinstance(value, ast.Ident) else ""
            if is_currency_code(code):
                currency = code
            elif code.isascii() and is_currency_code(code.upper()):
                # `currency cny`: said once, and the amounts in CNY are then read as the scheme's
                currency = code.upper()
                self.problems.error("E305", value.span, f"'{code}' is not a currency code",
                                    f"write it in capitals: currency {currency}")
            else:
                self.problems.error(
                    "E305", value.span, f"'{code or getattr(value, 'text', '?')}' is not a currency code",
                    "write an ISO 4217 code in capitals, e.g. CNY, USD, EUR",
                )
        self.currency = currency
        timezone = self._text(s.get("timezone")) or sd["timezone"]
        if "timezone" in s:
            zone = self._text(s["timezone"]) or ""  # `timezone ""` was the default, UTC, without a word
            if not is_time_zone(zone):
                self.problems.error(
                    "E233", s["timezone"].value.span, f"unknown time zone '{zone}'",
                    "use an IANA name such as \"Asia/Shanghai\" or \"UTC\"",
                )
                timezone = "UTC"
        effective = self._once(decl.body, ast.Effective, where, "effective")
        if effective and effective.start.value > effective.end.value:
            self.problems.error(
                "E234", effective.span, "the effective range ends before it starts",
                "write `effective <start date> to <end date>`",
            )
        objectives: list[m.Objective] = []
        for stmt in decl.body:
            if isinstance(stmt, ast.Objective):
                first = next((o for o in objectives if o.id == stmt.id.name), None)
                if first is not None:
                    self.problems.error("E220", stmt.id.span, f"duplicate objective '{stmt.id.name}'",
                                        f"first declared at {first.span}")
                    continue
                objectives.append(m.Objective(id=stmt.id.name, label=stmt.label, span=stmt.span))
        no_data = self._once(decl.body, ast.NoData, where, "no_data")
        return m.Header(
            id=decl.id.name,
            label=decl.label,
            description=self._text(s.get("description")),
            owner=self._text(s.get("owner")),
            period=self._word(s.get("period"), PERIODS, "period"),
            fiscal_year_start=self._fiscal_start(s.get("fiscal_year_start")),
            fiscal_year_named_by=self._word(
                s.get("fiscal_year_named_by"), ("start", "end"), "fiscal year naming",
                sd["fiscal_year_named_by"],
            ),
            review=self._word(s.get("review"), REVIEWS, "review cadence"),
            currency=currency,
            timezone=timezone,
            effective_from=effective.start.value if effective else None,
            effective_to=effective.end.value if effective else None,
            objectives=objectives,
            rounding=self._rounding(self._once(decl.body, ast.Rounding, where, "rounding"), None),
            no_data_score=self._score(no_data.score) if no_data else Decimal(sd["no_data_score"]),
            no_data_from="scheme" if no_data else "default",
            span=decl.span,
        )

    def _fiscal_start(self, setting: ast.Setting | None) -> int:
        if setting is None:
            return self.d["scheme"]["fiscal_year_start"]
        value = setting.value
        if isinstance(value, ast.Literal_):
            # a month's number as written: 4, not 4.0 or 4%
            if value.type == "number" and value.text.isdigit() and 1 <= int(value.text) <= 12:
                return int(value.text)
        else:
            word = value.name.lower()
            for i, month in enumerate(MONTHS, start=1):
                if word in (month, month[:3]):
                    return i
        self.problems.error(
            "E230", value.span, "fiscal_year_start takes a month: january ... december, or 1 ... 12",
            did_you_mean(getattr(value, "name", ""), MONTHS)
            or "write a month's name or its number, e.g. fiscal_year_start april or fiscal_year_start 4",
        )
        return 1

    def _rounding(self, stmt: ast.Rounding | None, inherited: m.Rounding | None) -> m.Rounding:
        if stmt is None:
            if inherited is not None:
                return inherited
            return m.Rounding(mode=self.d["rounding"]["mode"], step=Decimal(self.d["rounding"]["step"]))
        mode = stmt.mode.name
        if mode not in ROUNDING_MODES:
            self.problems.error(
                "E230", stmt.mode.span, f"'{mode}' is not a rounding mode",
                suggest(mode, ROUNDING_MODES, f"modes: {', '.join(ROUNDING_MODES)}"),
            )
            mode = "half_up"
        step = self._constant(stmt.step, "the rounding step", ("number", "money"))
        if step is not None and step <= 0:
            self.problems.error("E235", stmt.step.span, "the rounding step must be positive", "e.g. 0.01 or 1")
            step = None
        return m.Rounding(mode=mode, step=step if step is not None else Decimal("0.01"))

    # ================================================================ datasets

    def _dataset(self, decl: ast.DatasetDecl, header: m.Header) -> m.Dataset:
        where = f"{decl.kind} {decl.id.name}"
        name = decl.id.name
        if decl.kind in ("dataset", "targets") and (message := unreadable_name(name, "dataset")) is not None:
            self.problems.error("E238", decl.id.span, message, f"choose another name, e.g. {name}_rows")
        s = self._settings(decl.body, {"origin", "description"}, where)
        columns: dict[str, m.ColumnSpec] = {}
        for stmt in decl.body:
            if not isinstance(stmt, ast.Column):
                continue
            name = stmt.name.name
            if name in columns:
                self.problems.error(
                    "E220", stmt.name.span, f"duplicate column '{name}' in {where}",
                    f"first declared at {columns[name].span}",
                )
                continue
            type_ = stmt.type.name
            if type_ not in COLUMN_TYPES:
                self.problems.error(
                    "E230", stmt.type.span, f"'{type_}' is not a column type",
                    suggest(type_, COLUMN_TYPES, f"types: {', '.join(COLUMN_TYPES)}"),
                )
                type_ = "string"
            if "non_negative" in stmt.constraints and type_ not in ("integer", "decimal", "money"):
                self.problems.error(
                    "E236", stmt.span, f"non_negative applies to numbers and money, not to {type_}",
                    f"remove non_negative, or declare {name} as integer, decimal or money",
                )
            columns[name] = m.ColumnSpec(
                name=name,
                type=type_,
                non_negative="non_negative" in stmt.constraints,
                required="required" in stmt.constraints,
                unique="unique" in stmt.constraints,
                label=stmt.label,
                span=stmt.span,
            )
        allowed = BINDINGS[decl.kind]
        bindings: dict[str, str] = {}
        written: set[str] = set()  # a binding naming an unknown column is E203, not also missing
        for stmt in decl.body:
            if not isinstance(stmt, ast.Binding):
                continue
            if stmt.key not in allowed:
                self.problems.error(
                    "E221", stmt.span,
                    f"'{stmt.key}' does not apply to a dataset" if decl.kind == "dataset"
                    else f"'{stmt.key}' does not apply to a {decl.kind} dataset",
                    f"a dataset takes: {', '.join(allowed)}" if decl.kind == "dataset"
                    else f"a {decl.kind} dataset takes: {', '.join(allowed)}",
                )
                continue
            if stmt.key in written:
                first = next(s for s in decl.body if isinstance(s, ast.Binding) and s.key == stmt.key)
                self.problems.error("E222", stmt.span, f"'{stmt.key}' is given twice in {where}",
                                    f"the first is at line {first.span.line}; keep one")
                continue
            written.add(stmt.key)
            column = stmt.column.name
            if column not in columns:
                self.problems.unknown("E203", f"column of {decl.id.name}", column, stmt.column.span, columns)
                continue
            if stmt.key in DATE_BINDINGS and columns[column].type not in ("date", "timestamp"):
                self.problems.error(
                    "E308", stmt.column.span,
                    f"'{stmt.key} {column}' needs a date or timestamp column; {column} is {columns[column].type}",
                    date_column_help(decl.id.name, column, columns),
                )
            if stmt.key in ("period", "amount") and columns[column].type not in REQUIRED_BINDING_COLUMNS[stmt.key][0]:
                # a text amount failed the run with an internal error; a boolean one paid `true` as 1
                types = REQUIRED_BINDING_COLUMNS[stmt.key][0]
                listed = f"{', '.join(types[:-1])} or {types[-1]}"
                self.problems.error(
                    "E319", stmt.column.span,
                    f"'{stmt.key} {column}' needs a column of type {listed}, not {columns[column].type}",
                    f"declare {column} as string (a period label such as 2026-03), or as a date inside the period"
                    if stmt.key == "period" else f"declare {column} as money, or as decimal or integer",
                )
            bindings[stmt.key] = column
        for key, required in allowed.items():
            if required and key not in written:
                self.problems.error(
                    "E244", decl.id.span, f"{where} does not say which column is its {key}",
                    _binding_help(key, columns, bindings),
                )
        return m.Dataset(
            id=decl.id.name,
            kind=decl.kind,
            label=decl.label,
            description=self._text(s.get("description")),
            origin=self._word(s.get("origin"), ("system", "manual"), "origin", "system"),
            bindings=bindings,
            columns=columns,
            span=decl.span,
        )

    # ================================================================ tables

    def _band_bounds(self, interval: ast.Interval, axis: str) -> dict:
        values = []
        for bound in (interval.low, interval.high):
            if isinstance(bound, ast.Literal_):
                self._check_bound_unit(bound, axis)
            values.append(bound_value(bound))
        return dict(
            low=values[0], high=values[1],
            low_closed=interval.low_closed and values[0] is not None,
            high_closed=interval.high_closed and values[1] is not None,
            span=interval.span,
        )

    def _check_bound_unit(self, bound: ast.Literal_, axis: str, key: bool = False) -> None:
        """Report (E255) a range bound, or a lookup key, in another unit than the table's axis."""
        problem = bound_problem(bound, axis, key)
        if problem is not None:
            self.problems.error("E255", bound.span, *problem)
        else:
            self.problems.foreign_amount(bound, self.currency)

    def _infinities_in_place(self, intervals: list[ast.Interval]) -> bool:
        """Report (E254) each range that ∞ starts or -∞ ends: nothing lies in it. False when
        there is one, so that the table's coverage is not judged on ranges it cannot have."""
        in_place = True
        for interval in intervals:
            low, high = interval.low, interval.high
            if isinstance(low, ast.Infinity) and not low.negative:
                self.problems.error(
                    "E254", interval.span, f"the range {_written(interval)} is empty: ∞ ends a range, it cannot start one",
                    "start the row at a number, or at -∞ for a row with no lower end",
                )
                in_place = False
            elif isinstance(high, ast.Infinity) and high.negative:
                self.problems.error(
                    "E254", interval.span, f"the range {_written(interval)} is empty: -∞ starts a range, it cannot end one",
                    "end the row at a number, or at ∞ for a row with no upper end",
                )
                in_place = False
        return in_place

    def _grades(self, table: ast.GradeTable, id_: str | None, label: str | None) -> m.Grades:
        bands = [
            m.GradeBand(grade=row.grade, **self._band_bounds(row.interval, "score")) for row in table.rows
        ]
        if self._infinities_in_place([row.interval for row in table.rows]):
            check_coverage(bands, self.problems, "grade table", table.span)
        return m.Grades(id=id_, label=label, bands=bands, span=table.span)

    def _tiers(self, rows: list[ast.TierRow], axis: str, scope: Scope | None, what: str, span: ast.Span,
               percent: bool = False, value: tuple[str, str] = ("a tier's value", "write a number, e.g. 1.0 or 0.5"),
               ) -> list[m.Tier]:
        """A range-keyed table's rows, each value checked in scope, and the table's coverage (§6.2).
        `value`: what a row's value is called in messages, and the help for one that is no number."""
        tiers, what_value = [], value
        for row in rows:
            value = row.value
            extra = {}
            if isinstance(value, ast.LinearSegment):
                if row.interval.high.node == "infinity" or row.interval.low.node == "infinity":
                    self.problems.error(
                        "E256", value.span, "a linear segment needs a finite range to interpolate over",
                        "give the row an upper bound, or write an expression of total_score"
                        if row.interval.high.node == "infinity"
                        else "give the row a lower bound, or write an expression of total_score",
                    )
                elif _one_point(row.interval):
                    self.problems.error(
                        "E256", value.span, "a linear segment needs a range wider than one point to interpolate over",
                        "give the row two different bounds, or write its factor as a number instead of linear",
                    )
                for end in (value.start, value.end):
                    if scope is not None and family(self._expect_number(end, scope, "a linear segment")) == "number":
                        ExprChecker(self.problems, scope).expect_constant(end, "an end of a linear segment")
                extra = dict(linear_from=value.start, linear_to=value.end)
            else:
                if scope is not None and family(self._expect_number(value, scope, *what_value)) == "number":
                    ExprChecker(self.problems, scope).expect_value(value, what_value[0])
                extra = dict(value=value)
            tiers.append(m.Tier(**self._band_bounds(row.interval, axis), **extra))
        if self._infinities_in_place([row.interval for row in rows]):
            check_coverage(tiers, self.problems, what, span, percent=percent)
        return tiers

    def _expect_number(self, expr, scope: Scope, what: str, help: str = "write a number, e.g. 1.0 or 0.5") -> str:
        t = self._check(expr, scope)
        if t != UNKNOWN and family(t) != "number":
            found = type_name(t)
            self.problems.error("E232", expr.span, f"{what} must be a number, found {found}", help)
        return t

    # ================================================================ roles

    def _roles(self, decls: list[ast.RoleDecl], header, datasets, grades) -> dict[str, m.Role]:
        by_id = {d.id.name: d for d in decls}
        resolved: dict[str, m.Role] = {}
        visiting: list[str] = []

        def visit(decl: ast.RoleDecl) -> m.Role | None:
            name = decl.id.name
            if name in resolved:
                return resolved[name]
            parent = None
            extends = next((s for s in decl.body if isinstance(s, ast.Setting) and s.key == "extends"), None)
            if extends is not None:
                parent_id = extends.value.name if isinstance(extends.value, ast.Ident) else ""
                if parent_id in visiting or parent_id == name:
                    chain = " -> ".join(visiting[visiting.index(parent_id):] + [name, parent_id]) if parent_id in visiting else f"{name} -> {name}"
                    self.problems.error(
                        "E212", extends.value.span, f"roles extend each other in a cycle: {chain}",
                        f"remove `extends {parent_id}`: a role cannot extend itself" if parent_id == name
                        else f"remove `extends {parent_id}` here or another `extends` of the cycle: "
                        "a role cannot inherit from itself",
                    )
                elif parent_id not in by_id:
                    self.problems.unknown("E205", "role", parent_id, extends.value.span, by_id)
                else:
                    visiting.append(name)
                    parent = visit(by_id[parent_id])
                    visiting.pop()
            role = self._role(decl, parent, header, datasets, grades)
            resolved[name] = role
            return role

        for decl in decls:
            visit(decl)
        return {d.id.name: resolved[d.id.name] for d in decls}

    def _roles_matching_nobody(self, decls: list[ast.RoleDecl], roster: m.Dataset) -> None:
        """E213: a role without `applies_to` matches the people whose roster `role` binding
        holds its id, so without that binding it can match nobody. A role that others extend
        is left alone: written only to be extended, it is meant to match nobody."""
        if "role" in roster.bindings:
            return
        extended = {s.value.name for d in decls for s in d.body
                    if isinstance(s, ast.Setting) and s.key == "extends" and isinstance(s.value, ast.Ident)}
        for decl in decls:
            if decl.id.name in extended or any(isinstance(s, ast.Setting) and s.key == "applies_to" for s in decl.body):
                continue
            name, where = decl.id.name, roster.id
            if "role" in roster.columns:  # a column merely named `role` is not read as the role
                help = (f"add `role role` to roster {where} (a column named role is not read until it is bound), "
                        f"or give role {name} an `applies_to <condition>`")
            else:
                help = (f"add `role <column>` to roster {where}, naming the column that holds each person's role, "
                        f"or give role {name} an `applies_to <condition>`")
            self.problems.error(
                "E213", decl.id.span,
                f"role {name} has no applies_to and roster {where} binds no role column, so it matches nobody", help,
            )

    def _person_scope(self, what: str, datasets, header) -> Scope:
        roster = next((d for d in datasets.values() if d.kind == "roster"), None)
        return Scope(what=what, datasets=datasets, person=m.person_attributes(roster), currency=header.currency)

    def _role(self, decl: ast.RoleDecl, parent: m.Role | None, header, datasets, grades) -> m.Role:
        where = f"role {decl.id.name}"
        s = self._settings(decl.body, {"description", "extends", "applies_to"}, where)
        applies_to = None
        if "applies_to" in s:
            applies_to = s["applies_to"].value
            scope = self._person_scope("condition", datasets, header)
            t = self._check(applies_to, scope)
            if t not in ("boolean", UNKNOWN):
                self.problems.error(
                    "E306", applies_to.span, "applies_to needs a condition on person attributes",
                    'e.g. applies_to person.role == "telesales"',
                )
        no_data = self._once(decl.body, ast.NoData, where, "no_data")
        role_no_data = ((self._score(no_data.score), "role") if no_data
                        else (header.no_data_score, header.no_data_from))

        kpis = self._role_kpis(decl, parent, "extends" in s, header, datasets, role_no_data)

        grades_use = self._once(decl.body, ast.GradesUse, where, "grades")
        role_grades = parent.grades if parent else None
        if grades_use is not None:
            if grades_use.name is not None:
                role_grades = grades.get(grades_use.name.name)
                if role_grades is None:
                    self.problems.unknown("E205", "grade table", grades_use.name.name, grades_use.name.span, grades)
            else:
                role_grades = self._grades(grades_use.table, None, None)

        payout_decl = self._once(decl.body, ast.PayoutDecl, where, "payout")
        payout = parent.payout if parent else None
        if payout_decl is not None:
            payout = self._payout(payout_decl, kpis, header, datasets)
        elif payout is not None:
            self._refit_inherited_payout(decl, payout, parent, kpis, header, datasets)
        return m.Role(
            id=decl.id.name,
            label=decl.label,
            description=self._text(s.get("description")),
            extends=parent.id if parent else None,
            applies_to=applies_to,
            kpis=kpis,
            grades=role_grades,
            payout=payout,
            span=decl.span,
        )


def _binding_help(key: str, columns: dict[str, m.ColumnSpec], bindings: dict[str, str]) -> str:
    """E244's help: bind a declared column that fits, preferring one named like the binding."""
    types, declare = REQUIRED_BINDING_COLUMNS[key]
    fitting = [name for name, spec in columns.items() if spec.type in types and name not in bindings.values()]
    if not fitting:
        column = declare.split()[0]
        return f"declare the column that holds it and bind it, e.g. `column {declare}` and `{key} {column}`"
    ids = key in ("person", "id")  # an id column's name usually ends in _id; other columns' seldom do
    best = min(fitting, key=lambda name: (key not in name, name.endswith("_id") != ids))
    return f"add `{key} {best}` (naming one of its columns)"


def _written(interval: ast.Interval) -> str:
    """A range as written: `[inf, ∞)` reads `[∞, ∞)`, `[60, -inf)` reads `[60, -∞)`."""
    low, high = (("-∞" if b.negative else "∞") if isinstance(b, ast.Infinity) else b.text
                 for b in (interval.low, interval.high))
    return f"{'[' if interval.low_closed else '('}{low}, {high}{']' if interval.high_closed else ')'}"


def _one_point(interval: ast.Interval) -> bool:
    """Whether a range holds a single point: `[60, 60]`."""
    low, high = interval.low, interval.high
    return (isinstance(low, ast.Literal_) and isinstance(high, ast.Literal_) and low.value == high.value
            and interval.low_closed and interval.high_closed)


def resolve(files: list[ast.File], problems: Problems | None = None) -> m.Scheme:
    """Resolve parsed files into a Scheme, or raise SchemeError listing every problem."""
    problems = problems if problems is not None else Problems()
    scheme = Resolver(files, problems).resolve()
    problems.raise_if_any()
    assert scheme is not None
    return scheme

