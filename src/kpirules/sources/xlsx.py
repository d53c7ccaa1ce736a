"""The `xlsx` source: one sheet of an Excel workbook (.xlsx, .xlsm, .xls, .ods).

    [env.sample.datasets.people]
    source = "xlsx"
    path = "data/人员名册.xlsx"
    sheet = "在职"            # a sheet name or 0-based index; default: the first sheet
    skip_rows = 0             # rows above the header row
    header = true             # false: name the columns with `columns`

fastexcel (calamine, in Rust) reads the sheet straight into Arrow, every cell as text,
so no row passes through Python; the loader converts the text to the declared types.

A row whose cells are all empty is no record, as a blank line in a CSV file is not. A row
with an Excel error (#DIV/0!) or a formula saved without its value in a declared column
cannot be read (E644): either would read as an empty cell, a payment left out of a sum.
Row numbers in messages count records; "sheet row" is the row number Excel shows.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field, model_validator

from kpirules.hookspecs import hookimpl
from kpirules.sources import xlsx_cells
from kpirules.sources.base import FileOptions, Position, Source
from kpirules.sources.problems import unreadable_table


class XlsxOptions(FileOptions):
    sheet: str | int = 0
    skip_rows: int = Field(default=0, ge=0)
    header: bool = True
    columns: list[str] | None = None

    @model_validator(mode="after")
    def _names_without_header(self) -> XlsxOptions:
        if not self.header and not self.columns:
            raise ValueError("header = false needs `columns`, the column names in order")
        return self


class XlsxSource(Source):
    name = "xlsx"
    Options = XlsxOptions
    options: XlsxOptions

    def read(self):
        import fastexcel

        opts = self.options
        path = self.existing_file(self.resolve(opts.path), "path")
        try:
            workbook = fastexcel.read_excel(str(path))
        except fastexcel.FastExcelError as exc:
            raise self.error("E640", f"cannot open workbook {self.locator}: {_first_line(exc)}",
                             "check that the file is an Excel workbook (.xlsx, .xls, .ods) and not open elsewhere") from None
        names = workbook.sheet_names
        if isinstance(opts.sheet, str) and opts.sheet not in names or isinstance(opts.sheet, int) and not 0 <= opts.sheet < len(names):
            raise self.error("E640", f"workbook {self.locator} has no sheet {opts.sheet!r}",
                             f"sheets: {', '.join(map(repr, names))}")
        self.sheet_name = opts.sheet if isinstance(opts.sheet, str) else names[opts.sheet]
        try:
            sheet = workbook.load_sheet(
                opts.sheet, header_row=opts.skip_rows if opts.header else None,
                skip_rows=None if opts.header else opts.skip_rows,
                column_names=opts.columns if not opts.header else None, dtypes="string",
            )
            table, errors = sheet.to_arrow_with_errors()
        except fastexcel.FastExcelError as exc:
            raise self.error("E640", f"cannot read sheet {self.sheet_name!r} of {self.locator}: {_first_line(exc)}",
                             "check `sheet`, `skip_rows` and `header`") from None
        table = pa.Table.from_batches([table]) if isinstance(table, pa.RecordBatch) else table
        if opts.columns and opts.header:
            if len(opts.columns) != table.num_columns:
                raise self.error("E642", f"`columns` names {len(opts.columns)} columns but the sheet has {table.num_columns}",
                                 "name every column of the sheet, in order")
            table = table.rename_columns(opts.columns)
        return self._records(path, table, errors.errors if errors is not None else [])

    def _records(self, path, table, errors):
        """The sheet's records: its rows but those wholly empty and those with a cell that
        cannot be read (kept for `unreadable()`), numbered for messages."""
        opts = self.options
        # with a header the reader starts at the sheet's first used row, as Excel counts; without
        # one, at the sheet's first row (fastexcel's skip_rows). The first used cell is looked up
        # only when needed: it reads the workbook again
        origin = _Lazy(lambda: xlsx_cells.origin(path, self.sheet_name))
        first = (lambda: origin()[0] + opts.skip_rows + 1) if opts.header else (lambda: opts.skip_rows + 1)
        bad = _bad_cells(path, self.sheet_name, table, errors, first, origin)
        empty = _empty_rows(table)
        records = [i for i in range(table.num_rows) if i in bad or not empty[i]]
        read = _read_columns(table.column_names, self.wanted_columns().values())
        unreadable = {i: cells for i in records if (cells := [c for c in bad.get(i, ()) if c.column in read])}
        if len(records) == table.num_rows and not unreadable:
            self.position = Position("sheet row", lambda: first() - 1)
            return table
        number = {i: n for n, i in enumerate(records, start=1)}
        self._unreadable = tuple((number[i], first() + i, "; ".join(c.why for c in cells), _row_text(table, i, cells))
                                 for i, cells in unreadable.items())
        self._kinds = {c.kind for cells in unreadable.values() for c in cells}
        self.position = Position("sheet row", lambda: first() - 1, lambda: [first() + i for i in records])
        return table.take([i for i in records if i not in unreadable])

    def unreadable(self):
        found = getattr(self, "_unreadable", ())
        return unreadable_table(found) if found else None

    def unreadable_help(self) -> str:
        kinds = getattr(self, "_kinds", set())
        if kinds == {"error"}:
            return "fix the formulas that give those errors in the workbook"
        if kinds == {"formula"}:
            return "open the workbook in Excel and save it, so that its formulas have values"
        return "fix the formulas that give errors in the workbook, then save it in Excel, so that every formula has a value"

    def no_value_help(self, marker: str, column: str) -> str:
        return f"'{marker}' looks like a marker for no value: leave those cells empty in the workbook"

    def describe(self) -> str:
        sheet = getattr(self, "sheet_name", self.options.sheet)
        return f"Excel {self.locator}, sheet {sheet!r}"


@dataclass(frozen=True)
class _BadCell:
    """A cell that cannot be read: an Excel error, or a formula without its value."""

    column: int
    kind: str  #: "error" or "formula"
    why: str  #: for the message: "cell D3 (amount) holds the Excel error #DIV/0!"
    shown: str  #: for the row as written: "#DIV/0!", "=2+3"


def _bad_cells(path, sheet: str, table: pa.Table, errors, first, origin) -> dict[int, list[_BadCell]]:
    """Per row (0-based), its cells that hold an Excel error or a formula without its value."""
    bad: dict[int, list[_BadCell]] = {}
    names = table.column_names
    for error in errors:
        code = xlsx_cells.error_code(error.detail)
        row, column = error.offset_position
        if code is not None and 0 <= row < table.num_rows and 0 <= column < len(names):
            cell = f"'{sheet}'!" + xlsx_cells.cell_name(first() + row, origin()[1] + column)
            bad.setdefault(row, []).append(
                _BadCell(column, "error", f"cell {cell} ({names[column]}) holds the Excel error {code}", code))
    for formula in xlsx_cells.formulas_without_value(path, sheet):
        row, column = formula.row - first(), formula.column - origin()[1]
        if 0 <= row < table.num_rows and 0 <= column < len(names) and table.column(column)[row].as_py() is None:
            shown = f"the formula {formula.text}" if formula.text else "a formula"
            cell = f"'{sheet}'!" + xlsx_cells.cell_name(formula.row, formula.column)
            bad.setdefault(row, []).append(_BadCell(column, "formula", f"cell {cell} ({names[column]}) has {shown} but "
                                                    "no saved value", formula.text or "="))
    return bad


class _Lazy:
    """A value computed when first asked for."""

    def __init__(self, compute):
        self._compute, self._done, self._value = compute, False, None

    def __call__(self):
        if not self._done:
            self._value, self._done = self._compute(), True
        return self._value


def _empty_rows(table: pa.Table) -> list[bool]:
    """Per row, whether every cell of it is empty (no value, or an empty text)."""
    if table.num_columns == 0:
        return [False] * table.num_rows
    empty = None
    for column in table.columns:
        blank = pc.or_kleene(pc.is_null(column), pc.equal(column, ""))
        empty = blank if empty is None else pc.and_(empty, blank)
    return empty.to_pylist()


def _read_columns(names: list[str], wanted) -> set[int]:
    """The columns a declared column reads (matched as the loader matches them: but for case
    and the spaces around a name)."""
    wanted = {name.strip().lower() for name in wanted}
    return {i for i, name in enumerate(names) if name.strip().lower() in wanted}


def _row_text(table: pa.Table, row: int, bad: list[_BadCell]) -> str:
    """A row as written in the sheet, its cells separated by commas, a bad cell as Excel shows it."""
    shown = {cell.column: cell.shown for cell in bad}
    cells = [shown.get(i, "" if value is None else value) for i, value in enumerate(table.slice(row, 1).to_pylist()[0].values())]
    while cells and cells[-1] == "":
        cells.pop()
    return ", ".join(cells)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().split("\n")[0]


@hookimpl
def register_sources(register):
    register(XlsxSource)
