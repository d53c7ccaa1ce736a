"""The `xlsx` source: one sheet of an Excel workbook (.xlsx, .xlsm, .xls, .ods).

    [env.sample.datasets.people]
    source = "xlsx"
    path = "data/人员名册.xlsx"
    sheet = "在职"            # a sheet name or 0-based index; default: the first sheet
    skip_rows = 0             # rows above the header row
    header = true             # false: name the columns with `columns`

fastexcel (calamine, in Rust) reads the sheet straight into Arrow, every cell as text,
so no row passes through Python; the loader converts the text to the declared types.
Row numbers in messages are data rows; "sheet row" is the row number Excel shows.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from kpirules.hookspecs import hookimpl
from kpirules.sources.base import FileOptions, Position, Source


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
            table = sheet.to_arrow()
        except fastexcel.FastExcelError as exc:
            raise self.error("E640", f"cannot read sheet {self.sheet_name!r} of {self.locator}: {_first_line(exc)}",
                             "check `sheet`, `skip_rows` and `header`") from None
        if opts.columns and opts.header:
            if len(opts.columns) != table.num_columns:
                raise self.error("E642", f"`columns` names {len(opts.columns)} columns but the sheet has {table.num_columns}",
                                 "name every column of the sheet, in order")
            table = table.rename_columns(opts.columns)
        # the reader starts at the sheet's first used row: count from there, as Excel does
        # (looked up only when a message needs a sheet row: it reads the workbook again)
        above = opts.skip_rows + (1 if opts.header else 0)
        self.position = Position("sheet row", lambda: _first_used_row(path, self.sheet_name) - 1 + above)
        return table

    def no_value_help(self, marker: str, column: str) -> str:
        return f"'{marker}' looks like a marker for no value: leave those cells empty in the workbook"

    def describe(self) -> str:
        sheet = getattr(self, "sheet_name", self.options.sheet)
        return f"Excel {self.locator}, sheet {sheet!r}"


def _first_used_row(path, sheet: str) -> int:
    """The row number (from 1) of an .xlsx sheet's first used row, from the sheet's recorded
    dimension; 1 where it cannot be told (other formats, no dimension recorded)."""
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return 1
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True)
    except Exception:  # noqa: BLE001 - only row numbers in messages depend on it
        return 1
    try:
        return max(int(workbook[sheet].min_row or 1), 1)
    except Exception:  # noqa: BLE001
        return 1
    finally:
        workbook.close()


def _first_line(exc: Exception) -> str:
    return str(exc).strip().split("\n")[0]


@hookimpl
def register_sources(register):
    register(XlsxSource)
