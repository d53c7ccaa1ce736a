"""A case's people and rows: the roster row of the person tested, other people, raw dataset rows
and per-person targets, each value converted to its declared column type.

Cells a case leaves out are filled where the meaning is plain: the person's id (`P1` unless
stated), the role column (the case's role), a row's person column (the person tested), its
key (numbered), an adjustment's period (the case's). Everything else left out is empty.
The rows then obey the column rules `kpirules run` enforces (non_negative, required,
unique, the key), so a case never passes on data a run would refuse.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from kpirules.engine.periods import Calendar, Period
from kpirules.model.problems import did_you_mean, known
from kpirules.model.scheme import Dataset, Role, Scheme
from kpirules.schemetest import convert

if TYPE_CHECKING:
    from kpirules.schemetest.spec import _Reader

DEFAULT_PERSON_ID = "P1"
DERIVED = ("tenure_months", "tenure_days")


@dataclass
class Placed:
    """A row of the case's data and where it was written: each stated value's key path, and
    the row's own (where a value it leaves out is reported)."""

    cells: dict[str, Any]
    row: tuple
    values: dict[str, tuple] = field(default_factory=dict)
    #: columns whose absence is already reported (E816)
    excused: tuple[str, ...] = ()

    def path(self, column: str) -> tuple:
        return self.values.get(column, self.row)


class RowReader:
    def __init__(self, reader: _Reader, scheme: Scheme, role: Role, period: Period):
        self.reader, self.scheme, self.role, self.period = reader, scheme, role, period
        self.roster = scheme.roster
        self.timezone = scheme.header.timezone
        #: every row of the case by dataset id, for the column rules
        self.placed: dict[str, list[Placed]] = {}

    def _place(self, dataset: Dataset, placed: Placed) -> None:
        self.placed.setdefault(dataset.id, []).append(placed)

    def _cells(self, dataset: Dataset, table: dict, path: tuple, what: str, start: dict | None = None) -> dict:
        """Check a table's keys against the dataset's columns and convert each value."""
        reader = self.reader
        cells = dict(start or {})
        for name, raw in table.items():
            column = dataset.columns.get(name)
            if column is None:
                help_ = did_you_mean(name, dataset.columns)
                if dataset.kind == "roster":
                    bound = dataset.bindings.get(name)  # hire_date, manager, team: what the roster binds
                    if name in DERIVED and "hire_date" in dataset.bindings:
                        help_ = f"{name} is worked out from the hire date: state {dataset.bindings['hire_date']} instead"
                    elif bound:
                        help_ = f"the {name.replace('_', ' ')} is the column {bound}"
                reader.error("E807", f"{what}: the {dataset.kind} {dataset.id} has no column '{name}'",
                             reader.at_key(*path, name), help_ or known("columns", dataset.columns))
                continue
            ok, value = reader.convert(convert.column_value, raw, (*path, name), column, self.timezone)
            if ok:
                cells[name] = value
        return cells

    # ------------------------------------------------------------- people

    def person(self, file_table: dict, case_table: dict, path: tuple) -> dict[str, Any]:
        if self.roster is None:
            self.reader.error("E807", "the scheme declares no roster, so no person can be tested",
                              self.reader.at_key(*path[:2]), "declare a roster in the scheme")
            return {"__id__": DEFAULT_PERSON_ID}
        ident = self.roster.bindings["id"]
        cells = self._cells(self.roster, file_table, ("person",), "person")
        cells = self._cells(self.roster, case_table, path, "person", cells)
        cells.setdefault(ident, DEFAULT_PERSON_ID)
        role_column = self.roster.bindings.get("role")
        if role_column:
            # a role without applies_to matches on this column; with one, it usually reads it too
            cells.setdefault(role_column, self.role.id)
        written = {name: ("person", name) for name in file_table} | {name: (*path, name) for name in case_table}
        self._place(self.roster, Placed(cells, path, written))
        if cells[ident] is None:
            # stated empty: E818 when the id is required (column_rules), else no id at all
            if not self.roster.columns[ident].required:
                self.reader.error("E802", f"the person needs an id ({ident})", self.reader.at_value(*written[ident]),
                                  f'state it, e.g. {ident} = "{DEFAULT_PERSON_ID}", or leave it out')
            cells["__id__"] = DEFAULT_PERSON_ID
            return cells
        cells["__id__"] = str(cells[ident])
        return cells

    def others(self, raw, path: tuple, person: dict) -> list[dict[str, Any]]:
        reader = self.reader
        if self.roster is None or raw == []:
            return []
        if not isinstance(raw, list) or not all(isinstance(r, dict) for r in raw):
            reader.error("E803", "others lists other people as tables", reader.at_value(*path),
                         'e.g. others = [{ person_id = "R1", manager_id = "P1" }]')
            return []
        ident = self.roster.bindings["id"]
        out = []
        seen = {person["__id__"]}
        for index, table in enumerate(raw):
            cells = self._cells(self.roster, table, (*path, index), "others")
            if cells.get(ident) is None:
                reader.error("E802", f"another person needs an id ({ident})", reader.at_value(*path, index),
                             f'add {ident} = "R1"')
                continue
            if str(cells[ident]) in seen:
                reader.error("E817", f"two people in the case have the id {cells[ident]}",
                             reader.at_value(*path, index, ident), "give each person in the roster their own id")
                continue
            seen.add(str(cells[ident]))
            out.append(cells)
            self._place(self.roster, Placed(cells, (*path, index), {name: (*path, index, name) for name in table}))
        return out

    # ------------------------------------------------------------- rows

    def rows(self, table: dict, path: tuple, person: dict) -> dict[str, list[dict[str, Any]]]:
        reader = self.reader
        out: dict[str, list[dict[str, Any]]] = {}
        for ds_id, raw in table.items():
            dataset = self.scheme.datasets.get(ds_id)
            if dataset is None or dataset.kind == "roster":
                others = [d for d, ds in self.scheme.datasets.items() if ds.kind != "roster"]
                help_ = ("people go in person and others, not rows" if dataset is not None
                         else did_you_mean(ds_id, others) or known("datasets", others))
                reader.error("E807", f"rows: the scheme has no dataset '{ds_id}'" if dataset is None
                             else f"rows: {ds_id} is the roster", reader.at_key(*path, ds_id), help_)
                continue
            if not isinstance(raw, list) or not all(isinstance(r, dict) for r in raw):
                reader.error("E803", f"rows.{ds_id} lists rows as tables", reader.at_value(*path, ds_id),
                             f"e.g. rows.{ds_id} = [{{ ... }}, {{ ... }}], or [[case.rows.{ds_id}]] tables")
                continue
            out[ds_id] = [self._row(dataset, row, (*path, ds_id, n), person) for n, row in enumerate(raw)]
            if "key" in dataset.bindings:
                self._number(dataset, out[ds_id])
        return out

    def _row(self, dataset: Dataset, table: dict, path: tuple, person: dict) -> dict[str, Any]:
        reader = self.reader
        cells = self._cells(dataset, table, path, f"rows.{dataset.id}")
        b = dataset.bindings
        if "person" in b:
            cells.setdefault(b["person"], person["__id__"])
        if dataset.kind == "adjustments" and "period" in b:
            cells.setdefault(b["period"], self.period.label)
        needed = b.get("date") if dataset.kind == "dataset" else b.get("period") if dataset.kind == "targets" else None
        excused = ()
        if needed and needed not in table:
            what = "date" if dataset.kind == "dataset" else "period"
            reader.error("E816", f"a row of {dataset.id} has no {needed}: it would belong to no period",
                         reader.at_value(*path), f"state the row's {what}: {needed} = ...")
            excused = (needed,)
        self._place(dataset, Placed(cells, path, {name: (*path, name) for name in table}, excused))
        return cells

    def _number(self, dataset: Dataset, rows: list[dict[str, Any]]) -> None:
        """Give each row that states no key the number of its place (`calls-3` for the third
        row; 3 for a whole-number key), or the next number no other row states: a key
        repeated is refused, and the case did not write this one."""
        key = dataset.bindings["key"]
        kind = dataset.columns[key].type
        if kind not in ("string", "integer", *convert.PLACES):
            return  # a date or a flag cannot be numbered: the key stays empty
        taken = {row[key] for row in rows if key in row}
        for place, row in enumerate(rows, start=1):
            if key in row:
                continue
            number = place
            while _numbered(dataset.id, kind, number) in taken:
                number += 1
            row[key] = _numbered(dataset.id, kind, number)
            taken.add(row[key])

    def targets(self, table: dict, path: tuple, person: dict, rows: dict) -> None:
        """Per-person targets by KPI id become rows of the targets dataset the KPI reads."""
        reader = self.reader
        calendar = Calendar(self.scheme.header)
        for kpi_id, raw in table.items():
            kpi = reader.kpi_of(self.role, kpi_id, (*path, kpi_id), "targets")
            if kpi is None:
                continue
            rule = next((r for r in kpi.targets if r.per_person), None)
            if rule is None:
                reader.error("E810", f"targets: the KPI {kpi_id} has no per-person target",
                             reader.at_key(*path, kpi_id),
                             "only a KPI with `target >= <targets dataset>.<column>` reads per-person targets; "
                             "state the person's attributes instead to pick a `when` target")
                continue
            ok, value = reader.convert(convert.number, raw, (*path, kpi_id), share=kpi.value_type == "percent",
                                       what=f"a target of {kpi_id}")
            if not ok:
                continue
            dataset = self.scheme.datasets[rule.per_person]
            b = dataset.bindings
            kpi_period = calendar.period(kpi.period or calendar.unit, self.period.start)
            dated = dataset.columns[b["period"]].type in ("date", "timestamp")
            column = rule.value.parts[-1].name
            row = {b["person"]: person["__id__"], b["period"]: kpi_period.start if dated else kpi_period.label,
                   column: value}
            rows.setdefault(dataset.id, []).append(row)
            self._place(dataset, Placed(row, (*path, kpi_id), {column: (*path, kpi_id)}))

    # ------------------------------------------------------------- column rules

    def column_rules(self) -> None:
        """The rules `kpirules run` checks every row against (E645 to E648), at the case's rows:
        a negative value in a non_negative column, an empty required one, a value repeated in
        a unique column or the key. The roster's ids are E817's (checked as people are read)."""
        reader = self.reader
        for ds_id, placed in self.placed.items():
            dataset = self.scheme.datasets[ds_id]
            key = dataset.bindings.get("key")
            for name, column in dataset.columns.items():
                distinct = (column.unique or name == key) and not (
                    dataset.kind == "roster" and name == dataset.bindings.get("id"))
                first: dict[Any, int] = {}
                for row in placed:
                    value = row.cells.get(name)
                    at = reader.at_value(*row.path(name))
                    if value is None:
                        # a value written that did not convert is E803's already
                        reported = name in row.excused or (name in row.values and name not in row.cells)
                        if column.required and not reported:
                            reader.error("E818", f"a row of {ds_id} has no {name} (declared required)", at,
                                         f"state it: {name} = ...; `kpirules run` refuses such a row (E646)")
                        continue
                    if column.non_negative and value < 0:
                        reader.error("E818", f"a row of {ds_id} has {name} = {value}, below zero (declared non_negative)",
                                     at, "`kpirules run` refuses such a row (E645); state 0 or more")
                    if distinct and value in first:
                        shown = convert.shown(value)
                        if name == key:
                            message, rule = f"two rows of {ds_id} have the key {name} = {shown}", "E648"
                        else:
                            message, rule = f"two rows of {ds_id} have {name} = {shown} (declared unique)", "E647"
                        reader.error("E818", message, at, f"the first is at line {first[value]}; "
                                                          f"`kpirules run` refuses both ({rule}): give each row its own")
                    elif distinct:
                        first[value] = at.line


def _numbered(dataset_id: str, kind: str, number: int):
    """The key a row that states none gets: text names the dataset, numbers are the number."""
    if kind == "string":
        return f"{dataset_id}-{number}"
    return number if kind == "integer" else Decimal(number)
