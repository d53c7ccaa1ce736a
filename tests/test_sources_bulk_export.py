"""The csv source on bulk exports (SQL Server bcp, the AdventureWorks scripts): a delimiter of
several characters, records ended by `row_terminator`, no quoting, UTF-16 text."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from source_project import load, rows

from kpirules.errors import ConfigError, DataError

ADVENTUREWORKS = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "adventureworks-oltp-sales"
EXPECTED_PEOPLE = [("P1", "韦刚", None), ("P2", "段佳怡", "P1"), ("P3", "Ann", "P1")]


def bcp(records: list[list[str]], field: str = "+|", row: str = "&|\r\n") -> bytes:
    """A file as bcp writes it: UTF-16LE with a BOM, fields and records ended by strings, no quoting."""
    return ("\ufeff" + "".join(field.join(r) + row for r in records)).encode("utf-16-le")


def test_fields_and_records_ended_by_strings(workdir):
    (workdir / "people.bcp").write_bytes(bcp([
        ["person_id", "name", "manager_id"], ["P1", "韦刚", ""], ["P2", "段佳怡", "P1"], ["P3", "Ann", "P1"]]))
    con, report = load(workdir, {"people": {"source": "csv", "path": "people.bcp", "delimiter": "+|",
                                            "row_terminator": "&|\r\n"}})
    assert rows(con, "people") == EXPECTED_PEOPLE
    assert report["people"].description == (
        "CSV people.bcp (utf-16, detected, '+|'-separated, records end with '&|\\r\\n')")


def test_quotes_and_line_breaks_inside_a_field_are_text(workdir):
    # nothing is quoted in a bulk export: a quote is a character, and only the terminator ends a record
    (workdir / "people.bcp").write_bytes(bcp([
        ["person_id", "name", "manager_id"], ['P1', 'say "hi"', ''], ["P2", "two\r\nlines", "P1"], ["P3", "Ann", "P1"]]))
    con, _ = load(workdir, {"people": {"source": "csv", "path": "people.bcp", "delimiter": "+|",
                                       "row_terminator": "&|\r\n"}})
    assert rows(con, "people") == [("P1", 'say "hi"', None), ("P2", "two\r\nlines", "P1"), ("P3", "Ann", "P1")]


def test_a_delimiter_of_several_characters_with_line_breaks(workdir):
    (workdir / "people.txt").write_text("person_id||name||manager_id\r\nP1||韦刚||\r\nP2||段佳怡||P1\r\nP3||Ann||P1",
                                        encoding="utf-8")
    con, _ = load(workdir, {"people": {"source": "csv", "path": "people.txt", "delimiter": "||"}})
    assert rows(con, "people") == EXPECTED_PEOPLE


def test_without_header_and_with_a_wrong_field_count(workdir):
    (workdir / "people.bcp").write_bytes(bcp([["P1", "韦刚", ""], ["P2", "段佳怡", "P1", "extra"], ["P3", "Ann", "P1"]]))
    with pytest.raises(DataError) as caught:
        load(workdir, {"people": {"source": "csv", "path": "people.bcp", "delimiter": "+|", "row_terminator": "&|\r\n",
                                  "header": False, "columns": ["person_id", "name", "manager_id"]}})
    (d,) = caught.value.diagnostics
    assert (d.code, d.message) == ("E644", "1 record could not be read: 4 fields where 3 are expected")
    assert str(d.location) == "dataset people, source people.bcp, row 2"


def test_a_terminator_that_never_occurs_is_named(workdir):
    (workdir / "people.bcp").write_bytes(bcp([["person_id", "name", "manager_id"], ["P1", "a", ""]], row="&|\n"))
    with pytest.raises(DataError) as caught:
        load(workdir, {"people": {"source": "csv", "path": "people.bcp", "delimiter": "+|",
                                  "row_terminator": "&|\r\n"}})
    (d,) = caught.value.diagnostics
    assert (d.code, d.message) == ("E640", "people.bcp: row_terminator '&|\\r\\n' does not occur in the file")


def test_a_forgotten_row_terminator_is_suggested(workdir):
    # without row_terminator the records end at the line breaks, so the last header name
    # keeps the terminator's "&|": the message says so instead of suggesting a rename
    (workdir / "people.bcp").write_bytes(bcp([["person_id", "name", "manager_id"], ["P1", "a", ""]]))
    with pytest.raises(DataError) as caught:
        load(workdir, {"people": {"source": "csv", "path": "people.bcp", "delimiter": "+|"}})
    (d,) = caught.value.diagnostics
    assert d.code == "E642" and "manager_id" in d.message
    assert d.help == ("the header has 'manager_id&|': records seem to end with '&|'; "
                      "for a csv source set row_terminator (docs/sources.md)")


def test_quote_options_do_not_apply_to_bulk_exports(workdir):
    (workdir / "people.bcp").write_bytes(bcp([["person_id", "name", "manager_id"]]))
    with pytest.raises(ConfigError) as caught:
        load(workdir, {"people": {"source": "csv", "path": "people.bcp", "delimiter": "+|", "quote": "'"}})
    assert "`quote` and `escape` do not apply" in caught.value.diagnostics[0].message


def test_adventureworks_person_file(workdir):
    """The real Person_SalesPeople.csv: UTF-16LE, "+|" between fields, "&|" and CRLF after each record."""
    person = ADVENTUREWORKS / "Person_SalesPeople.csv"
    if not person.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"the shared AdventureWorks data is missing under CI=true: {person}", pytrace=False)
        pytest.skip(f"the shared AdventureWorks data is not here ({person})")
    kpi = ('scheme s { period month  currency USD }\n'
           'roster people { id BusinessEntityID  name LastName\n'
           '  column BusinessEntityID string required unique  column FirstName string  column LastName string\n'
           '  column ModifiedDate timestamp required }\n')
    con, report = load(workdir, {"people": {"source": "csv", "path": str(person), "delimiter": "+|",
                                            "row_terminator": "&|\r\n"}}, kpi=kpi)
    assert report["people"].rows == 17
    # SOURCE.txt: the 17 salespeople are BusinessEntityID 274..290; the last field is a clean timestamp
    assert rows(con, "people")[8][:3] == ("282", "José", "Saraiva")
    assert str(rows(con, "people")[0][3]) == "2010-12-28 00:00:00"
