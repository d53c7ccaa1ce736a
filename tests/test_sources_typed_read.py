"""The loader's fast path for text files: the csv source's own reader parses the columns of
some types (`kpirules.sources.convert.reader_type`) and the loader stages from that read
(`stage.typed_stage`). It must never give a value the text conversion would not: for every
text, the reader either fails (the loader then converts the text itself) or gives exactly
what `conversion` gives, or a day outside the calendar (which the loader's range check
sends to the careful path)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
import pytest
from source_project import load, rows, write

import kpirules.sources.load as loader
from kpirules.errors import DataError
from kpirules.model.scheme import ColumnSpec
from kpirules.sources.convert import READER_FORMATS, conversion, in_calendar, literal, read_value, reader_type

TEXTS = {
    "string": ["abc", " a b ", "", "  ", "NULL", "是"],
    "money": ["1.5", "0.00005", "-0.00005", "0.00015", "1e3", "1E-2", "1_000.5", " 1.5 ", "+7", ".5", "5.",
              "12345678901234.5", "123456789012345", "1,234", "56万", "NaN", "inf", "0x10", "  ", "1.23456789",
              "-0", "1__0"],
    "decimal": ["1.0000004", "1.0000005", "-2.5e-7", "123456789012.123456", "1234567890123", " 3 ", "1 2"],
    "boolean": ["t", "f", "true", "FALSE", "yes", "No", "y", "N", "1", "0", " Y ", "是", "否", "on", "off", "2",
                "tRuE", "  "],
    "date": ["2026-03-05", "2026-3-5", "2026/03/05", " 2026-03-05 ", "2026-03-05 20:00", "2026-02-30",
             "0000-01-01", "0001-01-01", "9999-12-31", "10000-01-01", "+2026-03-05", "02026-03-05",
             "2026-03-05T00:00:00Z", "infinity", "20260305", "2026-03-5", "26-03-05", "2026-003-05", "-2026-03-05",
             "2026-03-05 ", "  "],
    "timestamp": ["2026-03-05 20:00:00", "2026-03-05 20:00", "2026-3-5 1:2:3", " 2026-03-05 20:00:00 ",
                  "2026-03-05T20:00:00", "2026-03-05 20:00:00.5", "2026-03-05 24:00:00", "2026-03-05 20:00:00Z",
                  "2026-03-05 20:00:00 America/New_York", "0000-01-01 00:00:00", "9999-12-31 23:59:59",
                  "2026-02-29 00:00:00", "2026-03-05 20:60:00", "2026-03-05 20:00:00 garbage", "2026-03-05",
                  "2026-03-08 02:30:00", "infinity", "  ", "2011-05-31 00:00:00.000", "2011-05-31 00:00:00.1234567"],
}
CASES = [(kind, text) for kind, texts in TEXTS.items() for text in texts]
DEALS = {"deals": {"source": "csv", "path": "deals.csv"}}
CLEAN = (
    "deal_id,owner_id,signed_at,signed_on,units,amount,rate,won,note\n"
    "D1,P1,2026-01-05 09:30:00,2026-01-05,3,1200.50,0.125,yes,first\n"
    "D2,P2,2026-01-06 01:30:00,2026-01-06,12,99,0.01,f,\n"
    'D3,P3,2026-01-31 20:00:00,2026-01-31,0,0.00,,0,"quoted, comma"\n'
)


@pytest.mark.parametrize("source_tz", [None, "America/New_York"])
@pytest.mark.parametrize(("kind", "text"), CASES)
def test_the_reader_gives_what_the_text_conversion_gives_or_fails(tmp_path, kind, text, source_tz):
    column = ColumnSpec.model_construct(name="x", type=kind, non_negative=False, required=False, unique=False)
    path = tmp_path / "x.csv"
    path.write_text('x\n"' + text + '"\n', encoding="utf-8")
    dialect = "header = true, auto_detect = false, nullstr = [''], strict_mode = true, null_padding = false"
    con = duckdb.connect()
    ours = conversion(column, 'r."x"', "VARCHAR", scheme_tz="Asia/Shanghai", source_tz=source_tz).value
    (expected,) = con.execute(f"SELECT {ours} FROM read_csv({literal(str(path))}, columns = {{'x': 'VARCHAR'}}, "
                              f"{dialect}) AS r").fetchall()[0]
    formats = ", ".join(f"{k} = {literal(v)}" for k, v in READER_FORMATS.items())
    typed = read_value(column, 'r."x"', scheme_tz="Asia/Shanghai", source_tz=source_tz)
    scan = f"read_csv({literal(str(path))}, columns = {{'x': {literal(reader_type(column))}}}, {dialect}, {formats})"
    try:
        (got, kept) = con.execute(
            f"SELECT v, v IS NULL OR (isfinite(v) AND {in_calendar('v')}) FROM (SELECT {typed} AS v FROM {scan} AS r)"
            if kind in ("date", "timestamp") else f"SELECT {typed}, true FROM {scan} AS r").fetchall()[0]
    except (duckdb.ConversionException, duckdb.InvalidInputException, duckdb.OutOfRangeException):
        return  # the reader failed: the loader converts the text
    if kind in ("date", "timestamp") and not kept:
        return  # outside the calendar: the range check sends the table down the careful path
    assert got == expected, (text, got, expected)


def _typed_results(monkeypatch) -> list:
    """What typed_stage returned for the deals dataset, in a real load (the function itself runs)."""
    results = []
    real = loader.typed_stage

    def spy(con, plan, scan):
        result = real(con, plan, scan)
        if plan.dataset.id == "deals":
            results.append(result)
        return result

    monkeypatch.setattr(loader, "typed_stage", spy)
    return results


def test_a_clean_csv_is_staged_from_the_reader_s_parse(workdir, monkeypatch):
    results = _typed_results(monkeypatch)
    write(workdir / "deals.csv", CLEAN)
    con, _ = load(workdir, DEALS)
    assert results == [True]
    assert [r[:6] for r in rows(con, "deals")] == [
        ("D1", "P1", dt.datetime(2026, 1, 5, 9, 30), dt.date(2026, 1, 5), 3, Decimal("1200.5000")),
        ("D2", "P2", dt.datetime(2026, 1, 6, 1, 30), dt.date(2026, 1, 6), 12, Decimal("99.0000")),
        ("D3", "P3", dt.datetime(2026, 1, 31, 20), dt.date(2026, 1, 31), 0, Decimal("0.0000"))]


def test_a_csv_the_reader_cannot_parse_is_converted_as_text_to_the_same_values(workdir, monkeypatch):
    write(workdir / "deals.csv", CLEAN)
    expected = rows(load(workdir, DEALS)[0], "deals")
    results = _typed_results(monkeypatch)
    # the same values written as the reader does not parse them: a T in the time, a
    # thousands separator, a date with slashes, a Chinese boolean
    write(workdir / "deals.csv", CLEAN.replace("2026-01-05 09:30:00", "2026-01-05T09:30:00")
          .replace("1200.50", '"1,200.50"').replace("2026-01-31,0", "2026/1/31,0").replace("yes", "是"))
    con, _ = load(workdir, DEALS)
    assert results == [None]
    assert rows(con, "deals") == expected


def test_a_negative_amount_found_after_the_reader_s_parse_is_reported_at_its_row(workdir, monkeypatch):
    results = _typed_results(monkeypatch)
    write(workdir / "deals.csv", CLEAN.replace(",99,", ",-99,"))
    with pytest.raises(DataError) as caught:
        load(workdir, DEALS)
    assert results == [False]
    (problem,) = caught.value.diagnostics
    assert (problem.code, problem.location.row, problem.location.column) == ("E645", 2, "amount")
    assert "negative" in problem.message


def test_integers_are_read_as_text():
    # DuckDB's reader rounds 12.5 to the integer 13, which sources.md refuses (E643)
    column = ColumnSpec.model_construct(name="x", type="integer", non_negative=False, required=False, unique=False)
    assert reader_type(column) is None
    assert duckdb.sql("SELECT TRY_CAST('12.5' AS BIGINT)").fetchall() == [(13,)]


def test_an_empty_text_is_no_value_whatever_null_values_says(workdir, monkeypatch):
    # sources.md: an empty text is no value from every source and for every type, a string's
    # too; null_values adds words that are no value
    results = _typed_results(monkeypatch)
    write(workdir / "deals.csv", CLEAN.replace("D2,P2,", 'D2,"",').replace("D3,P3,", "D3,NA,").replace(",0.125,", ",,"))
    con, _ = load(workdir, {"deals": {"source": "csv", "path": "deals.csv", "null_values": ["NA"]}})
    assert results == [True]
    assert [(r[0], r[1], r[6]) for r in rows(con, "deals")] == [("D1", "P1", None), ("D2", None, Decimal("0.010000")),
                                                               ("D3", None, None)]
