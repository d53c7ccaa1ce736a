"""The xlsx source's cells that are not values: Excel errors, formulas saved without a value,
and rows left empty (docs/sources.md, `xlsx`)."""

from __future__ import annotations

import csv
import datetime as dt
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from source_project import load, load_problem, rows

from kpirules import i18n

HEADER = ["deal_id", "owner_id", "signed_at", "signed_on", "units", "amount", "rate", "won"]
SIGNED = dt.datetime(2026, 1, 5, 9, 30)
XLSX = {"deals": {"source": "xlsx", "path": "deals.xlsx"}}


def _book(path, *lines, start_row: int = 1, start_column: int = 1, error_cells=()):
    """A workbook whose first sheet holds HEADER then lines from start_row, start_column;
    error_cells: (row, column) of values openpyxl is to write as Excel errors."""
    book = openpyxl.Workbook()
    sheet = book.active
    for r, line in enumerate([HEADER, *lines]):
        for c, value in enumerate(line):
            if value is not None:
                cell = sheet.cell(row=start_row + r, column=start_column + c, value=value)
                if (start_row + r, start_column + c) in error_cells:
                    cell.data_type = "e"
    book.save(path)


def _deal(deal_id, amount, signed_on="2026-01-05"):
    return [deal_id, "P1", SIGNED, signed_on, 1, amount, 0.5, True]


def test_an_excel_error_in_a_declared_column_is_a_record_that_cannot_be_read(workdir):
    # #DIV/0! read as an empty cell: a payment silently left out of the sum
    _book(workdir / "deals.xlsx", _deal("D1", 5), _deal("D2", "#DIV/0!"), _deal("D3", 7), error_cells={(3, 6)})
    d = load_problem(workdir, XLSX)
    assert (d.code, d.location.dataset, d.location.row) == ("E644", "deals", 2)
    assert d.message == "1 record could not be read: cell 'Sheet'!F3 (amount) holds the Excel error #DIV/0!"
    assert d.notes == ["row 2 (sheet row 3): D2, P1, 2026-01-05 09:30:00, 2026-01-05, 1, #DIV/0!, 0.5, true"]
    assert d.help.startswith("fix the formulas that give those errors in the workbook, or load with bad rows skipped")


def test_a_row_with_an_excel_error_is_skipped_and_kept_aside(workdir):
    _book(workdir / "deals.xlsx", _deal("D1", 5), _deal("D2", "#N/A"), _deal("D3", 7), error_cells={(3, 6)})
    con, report = load(workdir, XLSX, bad_rows="skip", rejects_dir=workdir / "rejects")
    assert [(r[0], r[5]) for r in rows(con, "deals")] == [("D1", Decimal("5.0000")), ("D3", Decimal("7.0000"))]
    assert report["deals"].rejected == 1
    with open(workdir / "rejects" / "deals.csv", encoding="utf-8", newline="") as fh:
        rejected = list(csv.DictReader(fh))
    assert [(r["_row"], r["_line"], r["_reason"], r["_text"]) for r in rejected] == [
        ("2", "3", "cell 'Sheet'!F3 (amount) holds the Excel error #N/A",
         "D2, P1, 2026-01-05 09:30:00, 2026-01-05, 1, #N/A, 0.5, true")]


def test_an_excel_error_in_a_column_not_declared_is_no_problem(workdir):
    _book(workdir / "deals.xlsx", [*_deal("D1", 5), "note"], [*_deal("D2", 6), "#REF!"], error_cells={(3, 9)})
    con, _ = load(workdir, XLSX)
    assert [r[0] for r in rows(con, "deals")] == ["D1", "D2"]


def test_a_formula_without_a_saved_value_is_a_record_that_cannot_be_read(workdir):
    # openpyxl (and any program that writes formulas without calculating them) leaves the
    # value out: Excel computes it when it opens the workbook, kpirules cannot
    _book(workdir / "deals.xlsx", _deal("D1", 5), _deal("D2", "=2+3"))
    d = load_problem(workdir, XLSX)
    assert (d.code, d.location.row) == ("E644", 2)
    assert d.message == "1 record could not be read: cell 'Sheet'!F3 (amount) has the formula =2+3 but no saved value"
    assert d.help.startswith("open the workbook in Excel and save it, so that its formulas have values, or load")


def test_a_formula_with_its_saved_value_reads_as_the_value(workdir):
    _book(workdir / "saved.xlsx", _deal("D1", 5), _deal("D2", "=2+3"))
    # as Excel saves it: the formula and its value
    with zipfile.ZipFile(workdir / "saved.xlsx") as source, zipfile.ZipFile(workdir / "deals.xlsx", "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                assert b"<f>2+3</f><v />" in data
                data = data.replace(b"<f>2+3</f><v />", b"<f>2+3</f><v>5</v>")
            target.writestr(item, data)
    con, _ = load(workdir, XLSX)
    assert [r[5] for r in rows(con, "deals")] == [Decimal("5.0000")] * 2


def test_cells_are_named_where_the_table_starts_lower_and_further_right(workdir):
    _book(workdir / "deals.xlsx", _deal("D1", 5), _deal("D2", "#VALUE!"), start_row=3, start_column=2,
          error_cells={(5, 7)})
    d = load_problem(workdir, XLSX)
    assert d.message == "1 record could not be read: cell 'Sheet'!G5 (amount) holds the Excel error #VALUE!"
    assert d.notes[0].startswith("row 2 (sheet row 5): D2, ")


def test_a_row_of_empty_cells_is_no_record(workdir):
    # sources.md: as a blank line in a CSV file; it was a row with every value empty (E646
    # for a required column, a row credited to nobody)
    _book(workdir / "deals.xlsx", _deal("D1", 5), [None] * 8, [None] * 8, _deal("D2", 6, signed_on="soon"))
    d = load_problem(workdir, XLSX)
    assert (d.code, d.message) == ("E643", "1 value in column signed_on is not a date")
    # the second record is on sheet row 5, below the two empty ones
    assert d.notes == ["row 2 (sheet row 5): 'soon'"]
    _book(workdir / "deals.xlsx", _deal("D1", 5), [None] * 8, ["", None, None, None, None, None, None, ""],
          _deal("D2", 6))
    con, report = load(workdir, XLSX)
    assert [r[0] for r in rows(con, "deals")] == ["D1", "D2"] and report["deals"].rows == 2


def test_a_sheet_without_a_header_counts_rows_from_the_top_of_the_sheet(workdir):
    _book(workdir / "deals.xlsx", _deal("D1", 5), _deal("D2", 6, signed_on="soon"), start_row=3)
    sheet = openpyxl.load_workbook(workdir / "deals.xlsx")
    sheet.active.delete_rows(3)  # no header: the records are on sheet rows 3 and 4
    sheet.save(workdir / "deals.xlsx")
    d = load_problem(workdir, {"deals": {"source": "xlsx", "path": "deals.xlsx", "header": False, "columns": HEADER}})
    assert d.notes == ["row 2 (sheet row 4): 'soon'"]


@pytest.mark.parametrize("text", [
    "cell 'Sheet'!F3 (amount) holds the Excel error #DIV/0!",
    "cell 'Sheet'!F3 (amount) has the formula =2+3 but no saved value",
    "cell 'Sheet'!F3 (amount) has a formula but no saved value; cell 'Sheet'!G3 (rate) holds the Excel error #N/A",
])
def test_each_reason_reads_as_chinese(text):
    from kpirules.i18n_sites import CJK, english_left

    found = i18n.catalog("zh").phrase(text, "reason")
    assert CJK.search(found) and not english_left(found), found

