"""Type-check expressions and resolve the names they use.

Types are small strings: `number`, `percent`, `money:CNY`, `duration`, `date`,
`timestamp`, `string`, `boolean`, and `unknown` after an error (so one mistake is
reported once, not again by every expression around it).

Where an expression is written decides which names it may use (its `Scope`): a
measure reads datasets through aggregates, a target reads constants, person attributes
and targets datasets, a gate reads KPI results and the total score.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from kpirules.lang import ast
from kpirules.model.constants import NotWorkedOut, constant_value
from kpirules.model.problems import Problems, date_column_help, did_you_mean, known
from kpirules.model.scheme import Dataset

AGGREGATES = {"count", "count_distinct", "sum", "avg", "min", "max", "median"}
ROW_FUNCTIONS = {"days_between", "first_time"}
NUMERIC = {"number", "percent", "integer", "decimal"}
KPI_FIELDS = {"value": None, "attainment": "percent", "score": "number", "target": None}
UNKNOWN = "unknown"
#: the person attributes worked out from the roster's hire_date binding (language.md §5)
TENURE = ("tenure_months", "tenure_days")


def family(t: str) -> str:
    """number and percent are one family; money is one family per currency."""
    if t in NUMERIC:
        return "number"
    if t == "timestamp":
        return "date"
    return t


def _quoted_date(node) -> str | None:
    """The date a text literal compared with a date holds (`"2026-01-01"`), if it holds one."""
    for side in (getattr(node, "left", None), getattr(node, "right", None), node):
        if isinstance(side, ast.Literal_) and side.type == "string":
            try:
                return dt.date.fromisoformat(side.value).isoformat()
            except (TypeError, ValueError):
                return None
    return None


def is_money(t: str) -> bool:
    return t.startswith("money:")


@dataclass
class Scope:
    """What names an expression may use where it is written."""

    what: str  # "measure", "target", "condition", "gate", "factor", "constant", ...
    datasets: dict[str, Dataset] = field(default_factory=dict)
    person: dict[str, str] | None = None
    targets: dict[str, Dataset] | None = None
    kpis: dict[str, str] | None = None  # KPI id -> value type
    names: dict[str, str] = field(default_factory=dict)  # bare names such as total_score
    currency: str = "CNY"
    # filled while checking
    datasets_used: set[str] = field(default_factory=set)
    kpis_used: set[str] = field(default_factory=set)
    targets_used: set[str] = field(default_factory=set)


class ExprChecker:
    """Infers an expression's type and reports every misuse it finds."""

    def __init__(self, problems: Problems, scope: Scope):
        self.problems = problems
        self.scope = scope
        self._text_expected = False  # checking what a value is compared with (`_compared`)
        self._aggregating = ""  # the aggregate whose argument and `where` are being checked

    def error(self, code: str, node, message: str, help: str | None = None) -> str:
        self.problems.error(code, node.span, message, help)
        return UNKNOWN

    # ------------------------------------------------------------------ entry

    def check(self, expr, row: Dataset | None = None) -> str:
        method = getattr(self, "_" + expr.node)
        return method(expr, row)

    # ------------------------------------------------------------------ leaves

    def _literal(self, e: ast.Literal_, row) -> str:
        if e.type == "money":
            # a word that is no code (E305) or another currency (E303)
            if self.problems.foreign_amount(e, self.scope.currency):
                return UNKNOWN
            return f"money:{e.currency}"
        return e.type

    def _paren(self, e: ast.Paren, row) -> str:
        return self.check(e.inner, row)

    def _ref(self, e: ast.Ref, row: Dataset | None) -> str:
        first = e.parts[0].name
        scope = self.scope
        if row is not None:
            return self._column_ref(e, row)
        if first == "person" and len(e.parts) == 2:
            return self._person_attribute(e)
        if first == "person" and scope.person is not None:
            # `person` alone, or `person.a.b`: an attribute is one name after `person.`
            return self.error("E204", e, f"'{e.dotted}' is not a person attribute: write person.<attribute>",
                              known("person attributes", scope.person))
        if len(e.parts) == 1 and first in scope.names:
            return scope.names[first]
        if scope.kpis is not None and first in scope.kpis:
            return self._kpi_field(e)
        if scope.targets is not None and first in scope.targets and len(e.parts) == 2:
            dataset = scope.targets[first]
            column = e.parts[1]
            if column.name not in dataset.columns:
                self.problems.unknown("E203", f"column of {first}", column.name, column.span, dataset.columns)
                return UNKNOWN
            scope.targets_used.add(first)
            return _column_type(dataset.columns[column.name].type, scope.currency)
        if first in scope.datasets:
            return self.error(
                "E310",
                e,
                f"dataset '{first}' can only be read through an aggregate here",
                f"wrap it in count(...), sum(...), avg(...) and so on, e.g. sum({e.dotted})",
            )
        candidates = list(scope.names)
        if scope.person is not None:
            candidates.append("person")
        if scope.kpis is not None:
            candidates.extend(scope.kpis)
        if scope.targets is not None:
            candidates.extend(scope.targets)
        help = did_you_mean(first, candidates) or _scope_help(scope)
        if scope.kpis is None and (e.dotted == "total_score" or (len(e.parts) == 2 and e.parts[1].name in KPI_FIELDS)):
            # `revenue.value`, `total_score` where no result can be read: the name is known, not allowed
            name, what = e.dotted, scope.what
            return self.error("E201", e, f"'{name}' would read a result of the run, which a {what} cannot read", help)
        return self.error("E201", e.parts[0], f"unknown name '{e.dotted}' in a {scope.what}", help)

    def _person_attribute(self, e: ast.Ref) -> str:
        attribute = e.parts[1]
        if self.scope.person is None:
            return self.error(
                "E311", e, f"person attributes cannot be used in a {self.scope.what}", _scope_help(self.scope)
            )
        if attribute.name not in self.scope.person:
            roster = next((d for d in self.scope.datasets.values() if d.kind == "roster"), None)
            if attribute.name in TENURE and roster is not None:
                # derived from the hire date (language.md §5): bound, the attribute exists
                dates = [name for name, spec in roster.columns.items() if spec.type in ("date", "timestamp")]
                self.problems.error(
                    "E204", attribute.span, f"unknown person attribute '{attribute.name}'",
                    f"{attribute.name} is worked out from the hire date: bind it in roster {roster.id}, "
                    f"e.g. `hire_date {dates[0]}`" if dates else
                    f"{attribute.name} is worked out from the hire date: declare a date column in roster "
                    f"{roster.id} and bind it, e.g. `column hired_on date` and `hire_date hired_on`",
                )
            else:
                self.problems.unknown("E204", "person attribute", attribute.name, attribute.span, self.scope.person)
            return UNKNOWN
        return _column_type(self.scope.person[attribute.name], self.scope.currency)

    def _kpi_field(self, e: ast.Ref) -> str:
        kpi = e.parts[0].name
        if len(e.parts) != 2 or e.parts[1].name not in KPI_FIELDS:
            return self.error(
                "E206",
                e,
                f"'{e.dotted}' is not a KPI result",
                f"write {kpi}.value, {kpi}.attainment, {kpi}.score or {kpi}.target",
            )
        self.scope.kpis_used.add(kpi)
        return KPI_FIELDS[e.parts[1].name] or self.scope.kpis[kpi]

    def _column_ref(self, e: ast.Ref, row: Dataset) -> str:
        parts = e.parts
        if len(parts) == 2 and parts[0].name == row.id:
            column = parts[1]
        elif len(parts) == 1:
            column = parts[0]
        elif parts[0].name == "person" and "person" not in self.scope.datasets:
            # a row condition cannot read the person it will be credited to (language.md §6)
            return self.error(
                "E311", e, f"person attributes cannot be used in an aggregate over the rows of {row.id}",
                "an aggregate reads its dataset's rows; condition the target or applies_to on the person instead",
            )
        else:
            return self.error(
                "E207",
                e,
                f"'{e.dotted}' does not name a column of dataset '{row.id}'",
                "an aggregate reads one dataset; compute values from other datasets in separate aggregates",
            )
        spec = row.columns.get(column.name)
        if spec is None:
            suggestion = did_you_mean(column.name, row.columns)
            if suggestion is None and len(parts) == 1 and self._text_expected:
                # a bare word: most often a text value written without its quotes
                suggestion = (f'{known(f"columns of {row.id}", row.columns)}; '
                              f'for the text {column.name}, write it in quotes: "{column.name}"')
            self.problems.error("E203", column.span, f"unknown column '{column.name}' of {row.id}",
                                suggestion or known(f"columns of {row.id}", row.columns))
            return UNKNOWN
        return _column_type(spec.type, self.scope.currency)

    # ------------------------------------------------------------------ operators

    def _unary(self, e: ast.Unary, row) -> str:
        t = self.check(e.operand, row)
        if t == UNKNOWN:
            return t
        if e.op == "not":
            return self._expect_boolean(e.operand, t)
        if family(t) not in ("number", "duration") and not is_money(t):
            return self.error(
                "E301", e, f"cannot negate a {type_name(t)}",
                "a minus sign goes before a number, an amount or a duration; remove the '-'",
            )
        return t

    def _binary(self, e: ast.Binary, row) -> str:
        left = self.check(e.left, row)
        right = self._compared(e.right, row) if e.op in ("==", "!=") else self.check(e.right, row)
        if UNKNOWN in (left, right):
            return UNKNOWN
        if e.op in ("and", "or"):
            self._expect_boolean(e.left, left)
            self._expect_boolean(e.right, right)
            return "boolean"
        if e.op in ("==", "!=", ">=", "<=", ">", "<"):
            self._comparable(e, left, right)
            return "boolean"
        return self._arithmetic(e, left, right)

    def _arithmetic(self, e: ast.Binary, left: str, right: str) -> str:
        lf, rf = family(left), family(right)
        op = e.op
        meant = _date_as_arithmetic(e, tight=True)
        if meant is not None:
            # `target >= 2026-1-1` is 2026 - 1 - 1 = 2024: never what was meant, written without spaces
            year, month, day = (x.text for x in (e.left.left, e.left.right, e.right))
            value = constant_value(e)
            worked = f"= {value:f}" if value == value.to_integral_value() else f"≈ {round(value, 2):f}"
            return self.error(
                "E320", e, f"{op.join((year, month, day))} is read as {f' {op} '.join((year, month, day))} "
                f"{worked}, a number, not as a date",
                f"write the date with two-digit months and days: {meant}; to work out a number, put spaces "
                f"around the {'minus signs' if op == '-' else 'slashes'}")
        if op == "/" and self.scope.what != "constant" and _is_zero(e.right):  # constants: expect_value says it
            # `target >= 200 / 0`, `count(calls) / 0`: never a value, so the KPI, the gate or the
            # condition would quietly have none at every run
            # (typed on, so that a place that says what it is, a factor row's value, says it instead)
            self.error("E232", e, f"{_written(e)} divides by zero, so it has no value", "divide by a number other than 0")
        if is_money(left) and is_money(right) and left != right:
            return self.error(
                "E303",
                e,
                f"cannot combine {type_name(left)} with {type_name(right)}",
                "convert amounts to one currency before the scheme reads them",
            )
        if op in ("+", "-"):
            if lf == rf == "number":
                return "percent" if "percent" in (left, right) and left == right else "number"
            if is_money(left) and is_money(right):
                return left
            # a number (a constant, a count, an integer or decimal column; not a percentage) is
            # taken as an amount in the scheme currency (language.md §10)
            if (is_money(left) and rf == "number" and right != "percent") or (
                    is_money(right) and lf == "number" and left != "percent"):
                return left if is_money(left) else right
            if lf == rf == "duration":
                return "duration"
            if op == "-" and lf == rf == "date":
                return "duration"
            if lf == "date" and rf == "duration":
                return left
        elif op == "*":
            if lf == rf == "number":
                return "percent" if left == right == "percent" else "number"
            if is_money(left) and rf == "number":
                return left
            if is_money(right) and lf == "number":
                return right
            if {lf, rf} == {"duration", "number"}:
                return "duration"
        elif op == "/":
            if lf == rf == "number":
                # a share is one quantity over another (converted / leads); over a constant, a
                # quantity keeps its kind: `sum(calls.duration_s) / 60` is minutes, not a percentage
                if right != "percent" and not refs_in(e.right):
                    return "percent" if left == "percent" else "number"
                return "percent"
            if is_money(left) and is_money(right):
                return "percent"
            if is_money(left) and rf == "number":
                return left
            if lf == rf == "duration":
                return "percent"
            if lf == "duration" and rf == "number":
                return "duration"
        verb = {"+": "add", "-": "subtract", "*": "multiply", "/": "divide"}[op]
        joiner = {"+": "and", "-": "and", "*": "by", "/": "by"}[op]
        return self.error(
            "E302",
            e,
            f"cannot {verb} {type_name(left)} {joiner} {type_name(right)}",
            "both sides must be numbers, or amounts of one currency",
        )

    def _comparable(self, node, left: str, right: str) -> None:
        if UNKNOWN in (left, right):
            return
        lf, rf = family(left), family(right)
        if is_money(left) and is_money(right):
            if left != right:
                self.error(
                    "E303",
                    node,
                    f"cannot compare {type_name(left)} with {type_name(right)}",
                    "compare amounts in the same currency",
                )
            return
        if (is_money(left) and rf == "number") or (is_money(right) and lf == "number"):
            if "percent" in (left, right):
                self.error(
                    "E304",
                    node,
                    f"cannot compare {type_name(left)} with {type_name(right)}",
                    "an amount is compared with an amount (e.g. 50万 CNY), a rate with a percentage",
                )
            return
        if lf != rf:
            hint = None
            sides = (node.left, node.right) if isinstance(node, ast.Binary) else ()
            days = next((x for x in sides if isinstance(x, ast.Literal_) and x.type == "duration"), None)
            slipped = next((d for d in map(_date_as_arithmetic, sides) if d is not None), None)
            if {lf, rf} == {"duration", "number"} and days is not None:
                # `person.tenure_days < 90d`: the other side is a plain number, not the literal
                hint = f"the other side is a plain number: write {days.text.removesuffix('d')}, without d"
            elif {lf, rf} == {"duration", "number"}:
                hint = "a duration is written in days, e.g. 30d"
            elif lf == "date" and slipped is not None:
                # `2026-1-1` is 2026 - 1 - 1, a number: a date has two-digit months and days
                hint = f"write the date with two-digit months and days: {slipped}"
            elif {lf, rf} == {"date", "string"}:
                quoted = _quoted_date(node)
                hint = (f"write the date without quotes: {quoted}" if quoted is not None
                        else "write a date without quotes, e.g. 2026-01-01")
            self.error("E304", node, f"cannot compare {type_name(left)} with {type_name(right)}", hint)

    def check_target(self, node, measure: str, target: str) -> None:
        """Report a target of another kind than its measure (language.md §8.3). As a
        comparison (`_comparable`), and stricter on one point: an amount is no target for a
        count or a plain number, though a plain number is one for an amount."""
        if UNKNOWN in (measure, target):
            return
        if is_money(target) and family(measure) == "number" and measure != "percent":
            self.error(
                "E304", node, f"cannot compare {type_name(measure)} with {type_name(target)}",
                "the measure is a count or a plain number, so its target is a number too, e.g. 200; "
                "an amount is the target of a measure of amounts, e.g. sum(deals.amount)",
            )
            return
        self._comparable(node, measure, target)

    def _expect_boolean(self, node, t: str) -> str:
        if t not in ("boolean", UNKNOWN):
            return self.error(
                "E306", node, f"expected a condition (true or false), found {type_name(t)}",
                "compare a value, e.g. person.level == \"senior\"",
            )
        return "boolean"

    def _between(self, e: ast.Between, row) -> str:
        value = self.check(e.value, row)
        self._comparable(e, value, self.check(e.low, row))
        self._comparable(e, value, self.check(e.high, row))
        return "boolean"

    def _in(self, e: ast.InList, row) -> str:
        value = self.check(e.value, row)
        for option in e.options:
            self._comparable(option, value, self._compared(option, row))
        return "boolean"

    def _compared(self, e, row) -> str:
        """The type of what a value is compared with (`== x`, `in (x, ...)`), where a bare
        word that names no column is most often a text value without its quotes."""
        self._text_expected = True
        try:
            return self.check(e, row)
        finally:
            self._text_expected = False

    def _if(self, e: ast.Conditional, row) -> str:
        self._expect_boolean(e.condition, self.check(e.condition, row))
        then = self.check(e.then, row)
        otherwise = self.check(e.otherwise, row)
        if UNKNOWN in (then, otherwise):
            return UNKNOWN
        if then == otherwise:
            return then
        if family(then) == family(otherwise) and not is_money(then):
            return "number"
        for money, other in ((then, otherwise), (otherwise, then)):
            if is_money(money) and family(other) == "number":
                return money
        return self.error(
            "E307", e, f"both branches must have one type: {type_name(then)} and {type_name(otherwise)}",
            f"write the else branch as a {type_name(then)} too, or the then branch as a {type_name(otherwise)}",
        )

    # ------------------------------------------------------------------ calls

    def _call(self, e: ast.Call, row: Dataset | None) -> str:
        fn = e.function
        if fn in AGGREGATES and (row is None and self._is_aggregate_call(e)):
            return self._aggregate(e)
        if fn in AGGREGATES and self._is_aggregate_call(e):
            # inside an aggregate (row is its dataset): its argument and `where` read one row
            return self.error(
                "E318", e,
                f"{fn}(...) is inside {self._aggregating}(...), whose argument and where read one row at a time",
                "combine aggregates outside one another: sum(deals.amount) / count(deals), "
                "not sum(deals.amount / count(deals))",
            )
        if fn in ROW_FUNCTIONS:
            if row is None:
                return self.error(
                    "E312", e, f"{fn}(...) reads a dataset's rows and must be inside an aggregate",
                    _DAYS_BETWEEN_EXAMPLE if fn == "days_between" else _FIRST_TIME_EXAMPLE,
                )
            return self._row_function(e, row)
        if e.where is not None or e.on is not None:
            return self.error(
                "E313", e, f"'where' and 'on' belong to aggregates, not to {fn}(...)",
                "move them inside the aggregate they filter: round(count(calls where ...)), "
                "not round(count(calls) where ...)",
            )
        return self._scalar(e, row)

    def _is_aggregate_call(self, e: ast.Call) -> bool:
        return e.function not in ("min", "max") or len(e.args) == 1

    def _aggregate(self, e: ast.Call) -> str:
        scope = self.scope
        if scope.what not in ("measure",):
            return self.error(
                "E314",
                e,
                f"aggregates such as {e.function}(...) belong in a KPI's measure, not in a {scope.what}",
                _scope_help(scope),
            )
        if len(e.args) != 1:
            return self.error(
                "E315", e, f"{e.function}(...) takes one argument, then optional 'where' and 'on'",
                'e.g. count(calls where status == "won") or sum(deals.amount on closed_on)',
            )
        dataset = self._aggregate_dataset(e)
        if dataset is None:
            return UNKNOWN
        scope.datasets_used.add(dataset.id)
        self._aggregating = e.function
        arg = e.args[0]
        whole_dataset = isinstance(arg, ast.Ref) and len(arg.parts) == 1 and arg.parts[0].name == dataset.id
        if whole_dataset and e.function != "count":
            return self.error(
                "E316",
                arg,
                f"{e.function}(...) needs a column, not the whole dataset",
                f"e.g. {e.function}({dataset.id}.<column>)",
            )
        arg_type = "number" if whole_dataset else self.check(arg, dataset)
        if e.where is not None:
            self._expect_boolean(e.where, self.check(e.where, dataset))
        if e.on is not None:
            spec = dataset.columns.get(e.on.name)
            if spec is None:
                self.problems.unknown("E203", f"column of {dataset.id}", e.on.name, e.on.span, dataset.columns)
            elif spec.type not in ("date", "timestamp"):
                self.error(
                    "E308", e.on, f"'on {e.on.name}' needs a date column; {e.on.name} is {spec.type}",
                    date_column_help(dataset.id, e.on.name, dataset.columns),
                )
        elif dataset.date_column is None:
            self.error(
                "E208",
                e,
                f"dataset '{dataset.id}' has no date column to place its rows in a period",
                f"add 'date <column>' to dataset {dataset.id}, or write 'on <column>' in this aggregate",
            )
        if arg_type == UNKNOWN:
            return UNKNOWN
        if e.function in ("count", "count_distinct"):
            return "integer"
        if family(arg_type) in ("string", "boolean") or (e.function in ("sum", "avg", "median") and family(arg_type) == "date"):
            return self.error(
                "E309",
                arg,
                f"cannot {e.function} a {type_name(arg_type)} column",
                "min and max need numbers, amounts, durations or dates; count or count_distinct counts text"
                if e.function in ("min", "max")
                else "sum, avg and median need numbers or money; count or count_distinct counts text",
            )
        return arg_type

    def _aggregate_dataset(self, e: ast.Call) -> Dataset | None:
        refs = [r for r in _refs(e.args[0])] + (list(_refs(e.where)) if e.where is not None else [])
        found: dict[str, ast.Ref] = {}
        for ref in refs:
            name = ref.parts[0].name
            if name in self.scope.datasets:
                found.setdefault(name, ref)
        if len(found) > 1:
            names = ", ".join(sorted(found))
            self.error(
                "E207",
                e,
                f"one aggregate reads one dataset; this one names {names}",
                "aggregate each dataset separately and combine the results, e.g. sum(a.x) / sum(b.y)",
            )
            return None
        if not found:
            first = next(iter(_refs(e.args[0])), None)
            if first is None:
                self.error("E317", e, f"{e.function}(...) must name a dataset", "e.g. count(calls)")
                return None
            name = first.parts[0]
            owners = sorted(d.id for d in self.scope.datasets.values()
                            if d.kind == "dataset" and name.name in d.columns)
            if len(first.parts) == 1 and owners:
                # `sum(amount)`: a column written without its dataset
                column, function, owner, datasets = name.name, e.function, owners[0], ", ".join(owners)
                suggested = function
                if function in ("sum", "avg", "median") and self.scope.datasets[owner].columns[column].type not in (
                        "integer", "decimal", "money"):
                    suggested = "count_distinct"  # text is counted, not summed
                self.error("E202", first, f"'{column}' is a column, not a dataset: {function}(...) reads dataset.column",
                           f"write the dataset before it, e.g. {suggested}({owner}.{column}); "
                           f"the datasets with that column: {datasets}")
                return None
            self.problems.unknown("E202", "dataset", name.name, name.span, self.scope.datasets)
            return None
        dataset = self.scope.datasets[next(iter(found))]
        if dataset.kind != "dataset":
            # the roster, a targets dataset or an adjustments dataset: each is read its own way
            self.error(
                "E209",
                e,
                f"'{dataset.id}' is {_KIND_NAMES.get(dataset.kind, dataset.kind)}; measures read fact datasets",
                _KIND_HELPS.get(dataset.kind, "measures read datasets declared with `dataset`"),
            )
            return None
        return dataset

    def _row_function(self, e: ast.Call, row: Dataset) -> str:
        if e.function == "days_between":
            if len(e.args) != 2:
                return self.error("E315", e, "days_between(start, end) takes two dates", _DAYS_BETWEEN_EXAMPLE)
            for arg in e.args:
                t = self.check(arg, row)
                if t not in ("date", "timestamp", UNKNOWN):
                    self.error("E308", arg, f"days_between needs dates; this is {type_name(t)}",
                               _DAYS_BETWEEN_EXAMPLE)
            return "duration"
        # first_time(column): the row is the earliest of its column value across all history
        if len(e.args) != 1 or not isinstance(e.args[0], ast.Ref):
            return self.error("E315", e, "first_time(column) takes one column, e.g. first_time(customer_id)",
                              _FIRST_TIME_EXAMPLE)
        self.check(e.args[0], row)
        return "boolean"

    def _scalar(self, e: ast.Call, row) -> str:
        fn = e.function
        types = [self.check(a, row) for a in e.args]
        if UNKNOWN in types:
            return UNKNOWN
        lo, hi, usage = _SCALARS.get(fn, (1, 99, f"{fn}(x)"))
        if not lo <= len(types) <= hi:
            return self.error(
                "E315", e,
                f"{fn}(...) takes one argument" if hi == 1
                else f"{fn}(...) takes {lo if lo == hi else f'{lo} to {hi}'} arguments",
                f"call it as {usage}",
            )
        if fn == "round":
            if len(types) == 2 and family(types[1]) != "number":
                return self.error("E302", e.args[1], "round(x, digits): digits must be a number",
                                  "write the number of decimal places, e.g. round(x, 2)")
            if len(types) == 2 and not _whole_constant(e.args[1]):
                # a row's round() is SQL's, which rounds 1.5 places to 2; a person's is Python's, to 1
                return self.error(
                    "E232", e.args[1], "round(x, digits): digits must be a whole number written as a constant",
                    "write the number of decimal places, e.g. round(x, 2), or a negative number to round "
                    "to tens, hundreds, ...: round(x, -2)",
                )
            if len(types) == 2 and not -ROUND_DIGITS[0] <= _constant_int(e.args[1]) <= ROUND_DIGITS[1]:
                # values are kept to 6 places with at most 28 digits before the point: more places
                # than 6 change nothing, and enough of them left no room for the value (E515 when run)
                return self.error(
                    "E232", e.args[1],
                    f"round(x, digits): digits must be from -{ROUND_DIGITS[0]} to {ROUND_DIGITS[1]}: values are kept "
                    f"to {ROUND_DIGITS[1]} decimal places, with at most {ROUND_DIGITS[0]} digits before the point",
                    "write the number of decimal places, e.g. round(x, 2), or a negative number to round "
                    "to tens, hundreds, ...: round(x, -2)",
                )
            return types[0]
        result = types[0]
        for arg, t in zip(e.args[1:], types[1:]):
            self._comparable(arg, result, t)
            if is_money(t):
                result = t
        if family(result) not in ("number", "duration", "date") and not is_money(result):
            return self.error("E302", e, f"{fn}(...) needs numbers or amounts, found {type_name(result)}",
                              f"give {fn}(...) numbers, amounts, durations or dates")
        return result

    # ------------------------------------------------------------------ constants

    def expect_value(self, expr, what: str) -> None:
        """Report (E232) a constant without a value (`1 / 0`), which a run would otherwise
        take for 0 without a word; an expression that reads names is worked out when it runs."""
        if refs_in(expr):
            return
        try:
            value = constant_value(expr)
        except NotWorkedOut:
            return
        if value is None:
            # said once, naming what it is: the division inside was said already, as an expression
            self.problems.diagnostics[:] = [d for d in self.problems.diagnostics
                                            if not (d.code == "E232" and _within(d.location, expr.span))]
            self.error("E232", expr, f"{what} divides by zero, so it has no value", "write a number, e.g. 1.0 or 0.5")

    def expect_constant(self, expr, what: str) -> None:
        """Report (E232) an expression that reads a name, or has no value, where a constant
        number belongs (a linear segment's ends, language.md §12.2)."""
        names = refs_in(expr)
        if names:
            self.error(
                "E232", expr, f"{what} must be a constant number; this one reads {names[0].dotted}",
                "write the factors at the row's two bounds, e.g. linear 0.6 to 1.0, or write the row "
                "as an expression of total_score instead of linear, e.g. total_score / 100",
            )
        else:
            self.expect_value(expr, what)


def _refs(expr):
    """Every Ref inside an expression, in source order."""
    if expr is None:
        return
    if isinstance(expr, ast.Ref):
        yield expr
        return
    for name in type(expr).model_fields:
        value = getattr(expr, name)
        if isinstance(value, ast.Node) and not isinstance(value, ast.Ident):
            yield from _refs(value)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, ast.Node):
                    yield from _refs(item)


def _within(location, span) -> bool:
    """Whether a problem's location lies inside a span (a division by zero said inside it)."""
    outer = span.location()
    if location is None or getattr(location, "path", None) != outer.path or getattr(location, "line", None) is None:
        return False
    start, end = (location.line, location.column), (location.end_line or location.line,
                                                      location.end_column or location.column)
    return (outer.line, outer.column) <= start and end <= (outer.end_line or outer.line, outer.end_column or outer.column)


#: what E209 calls a dataset that is not a fact dataset, and what it says to do instead
_KIND_NAMES = {"roster": "the roster", "targets": "a targets dataset", "adjustments": "an adjustments dataset"}
_KIND_HELPS = {
    "roster": "read the roster through person.<attribute> (person.level), not in a measure",
    "targets": "a targets dataset gives per-person targets in `target` lines (target >= quotas.calls)",
    "adjustments": "an adjustments dataset is applied to the payout after it is computed; measures read fact "
                   "datasets",
}


def _date_as_arithmetic(expr, tight: bool = False) -> str | None:
    """The date `2026-1-1` or `2026/3/5` meant, read as arithmetic on three whole numbers
    (a year, a month, a day), written as a date is: 2026-01-01; None for anything else.
    With `tight`, only where it is written without spaces, as a date is."""
    if not (isinstance(expr, ast.Binary) and expr.op in ("-", "/") and isinstance(expr.left, ast.Binary)
            and expr.left.op == expr.op):
        return None
    parts = [expr.left.left, expr.left.right, expr.right]
    if not all(isinstance(x, ast.Literal_) and x.type == "number" and x.text.isdigit() for x in parts):
        return None
    if tight and not all(a.span.line == b.span.line and a.span.end_column + 1 == b.span.column
                         for a, b in zip(parts, parts[1:])):
        return None
    year, month, day = (int(x.text) for x in parts)
    try:
        return dt.date(year, month, day).isoformat() if len(parts[0].text) == 4 else None
    except ValueError:
        return None


def _is_zero(expr) -> bool:
    """Whether an expression that reads no name works out to 0 (a divisor that is never one)."""
    if refs_in(expr):
        return False
    try:
        return constant_value(expr) == 0
    except NotWorkedOut:
        return False


def _written(expr) -> str:
    from kpirules.lang.render import expression

    return expression(expr)


def refs_in(expr) -> list[ast.Ref]:
    return list(_refs(expr))


#: round(x, digits): the most places before the point (-digits) and after it (digits)
ROUND_DIGITS = (28, 6)


def _constant_int(expr) -> int:
    """The whole number a `_whole_constant` expression is."""
    if isinstance(expr, ast.Unary):
        return -int(expr.operand.value)
    return int(expr.value)


def _whole_constant(expr) -> bool:
    """Whether an expression is a whole number written as a constant: `2`, `-1`."""
    node = expr.operand if isinstance(expr, ast.Unary) and expr.op == "-" else expr
    return (isinstance(node, ast.Literal_) and node.type == "number"
            and node.value == node.value.to_integral_value())


def _column_type(t: str, currency: str) -> str:
    if t == "money":
        return f"money:{currency}"
    if t in ("integer", "decimal"):
        return "number"
    return t


#: the scalar functions: fewest and most arguments, and how a call is written
_SCALARS = {
    "clamp": (3, 3, "clamp(x, lo, hi)"),
    "round": (1, 2, "round(x) or round(x, digits)"),
    "abs": (1, 1, "abs(x)"),
    "min": (2, 99, "min(a, b, ...)"),
    "max": (2, 99, "max(a, b, ...)"),
}
_DAYS_BETWEEN_EXAMPLE = "e.g. avg(days_between(deals.created_on, deals.won_on))"
_FIRST_TIME_EXAMPLE = "e.g. count_distinct(contracts.customer_id where first_time(customer_id))"


def type_name(t: str) -> str:
    """A type as messages name it: `money (CNY)`, `percentage`, `duration (days)`."""
    if is_money(t):
        return f"money ({t.split(':')[1]})"
    return {"percent": "percentage", "integer": "number", "duration": "duration (days)"}.get(t, t)


def _scope_help(scope: Scope) -> str:
    allowed = {
        "measure": "a measure aggregates datasets: count(calls), sum(payments.amount) / sum(invoices.amount)",
        "target": "a target is a constant, a person attribute (person.x) or a targets dataset column",
        "condition": "a condition reads person attributes, e.g. person.tenure_months < 3",
        "gate": "a gate reads KPI results (kpi.value, kpi.attainment, kpi.score), total_score and person attributes",
        "factor": "a factor row reads total_score and constants",
        "constant": "write a constant here, e.g. 30% or 3000 CNY",
        "target incentive": "write an amount (3000 CNY) or a person attribute (person.target_incentive)",
        "commission rate": "write a rate (1.5%) or a person attribute (person.commission_pct)",
    }
    return allowed.get(scope.what, known("names", scope.names))
