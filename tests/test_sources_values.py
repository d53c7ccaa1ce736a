"""How text values convert (docs/sources.md, "Values are converted by the loader"): the
cases where DuckDB's own casts would take a value the documented rules refuse."""

from __future__ import annotations

import datetime as dt

import pytest
from source_project import load, rows, write

from kpirules.errors import DataError

HEADER = "deal_id,owner_id,signed_at,signed_on,units,amount,rate,won\n"
DEALS = {"deals": {"source": "csv", "path": "deals.csv"}}


def _deals(**column) -> str:
    """deals.csv with one row per value of the one column given (the others plain)."""
    (name, values), = column.items()
    plain = {"signed_at": "2026-01-05 09:30:00", "signed_on": "2026-01-05", "units": "1"}
    lines = []
    for i, value in enumerate(values, start=1):
        fields = {**plain, name: value}
        lines.append(f"D{i},P1,{fields['signed_at']},{fields['signed_on']},{fields['units']},1,1,t\n")
    return HEADER + "".join(lines)


def _problem(workdir, text):
    write(workdir / "deals.csv", text)
    with pytest.raises(DataError) as caught:
        load(workdir, DEALS)
    (problem,) = caught.value.diagnostics
    return problem


def test_a_zone_name_after_the_time_is_converted(workdir):
    # the scheme is in Asia/Shanghai (UTC+8): 20:00 in New York (UTC-4 in summer time) is
    # 08:00 the next day; DuckDB's TIMESTAMP cast read it as 20:00 Shanghai time
    write(workdir / "deals.csv", _deals(signed_at=[
        "2026-03-31 20:00 America/New_York", "2026-03-31 20:00:00 Europe/Berlin", "2026-03-31T20:00:00Z",
        "2026-03-31 20:00 UTC", "2026-03-31 20:00+08:00", "2026-03-31 20:00 UTC+8"]))
    con, _ = load(workdir, DEALS)
    assert [r[2] for r in rows(con, "deals")] == [
        dt.datetime(2026, 4, 1, 8, 0), dt.datetime(2026, 4, 1, 2, 0), dt.datetime(2026, 4, 1, 4, 0),
        dt.datetime(2026, 4, 1, 4, 0), dt.datetime(2026, 3, 31, 20, 0), dt.datetime(2026, 3, 31, 20, 0)]


def test_other_text_after_the_time_is_not_a_timestamp(workdir):
    # an abbreviation is ambiguous (CST is China Standard Time to a Chinese export, US Central
    # Time to DuckDB), and DuckDB ignored a word after the time whatever it was
    d = _problem(workdir, _deals(signed_at=[
        "2026-03-31 20:00 EST", "2026-03-31 20:00 CET", "2026-03-31 20:00 CST", "2026-03-31 20:00 garbage",
        "2026-03-31 20:00 Mars/Olympus", "2026-03-31 20:00 12345", "2026-03-31 20:00:00"]))
    assert (d.code, d.message) == ("E643", "6 values in column signed_at are not timestamps")
    assert d.location.dataset == "deals" and d.location.column == "signed_at"
    assert d.notes == ["row 1 (line 2): '2026-03-31 20:00 EST'", "row 2 (line 3): '2026-03-31 20:00 CET'",
                       "row 3 (line 4): '2026-03-31 20:00 CST'", "row 4 (line 5): '2026-03-31 20:00 garbage'",
                       "row 5 (line 6): '2026-03-31 20:00 Mars/Olympus'", "row 6 (line 7): '2026-03-31 20:00 12345'"]
    assert "America/New_York" in d.help


def test_a_date_column_reads_a_timestamp_as_a_timestamp_column_does(workdir):
    # sources.md: a time with an offset is converted to the scheme's zone first
    write(workdir / "deals.csv", _deals(signed_on=[
        "2026-03-31T20:00:00-05:00", "2026-03-31 20:00 America/New_York", "2026-03-31T20:00:00Z",
        "2026-03-31 20:00", " 2026-03-31 "]))
    con, _ = load(workdir, DEALS)
    assert [r[3] for r in rows(con, "deals")] == [dt.date(2026, 4, 1)] * 3 + [dt.date(2026, 3, 31)] * 2


def test_a_date_column_refuses_text_after_a_time_that_a_timestamp_column_refuses(workdir):
    # DuckDB's DATE cast kept the day and dropped the rest, the offset of "-05:00" included
    d = _problem(workdir, _deals(signed_on=[
        "2026-03-31T20:00:00 garbage", "2026-03-31T20:00:00 Z", "2026-03-31T20:00:00 -05:00",
        "2026-03-31 20:00 EST", "2026-03-31"]))
    assert (d.code, d.message) == ("E643", "4 values in column signed_on are not dates")
    assert d.notes == ["row 1 (line 2): '2026-03-31T20:00:00 garbage'", "row 2 (line 3): '2026-03-31T20:00:00 Z'",
                       "row 3 (line 4): '2026-03-31T20:00:00 -05:00'", "row 4 (line 5): '2026-03-31 20:00 EST'"]


def test_a_fraction_close_to_a_whole_number_is_not_an_integer(workdir):
    # sources.md: integers must be whole; a DOUBLE makes 12.0000000000000001 exactly 12
    d = _problem(workdir, _deals(units=["12.0000000000000001", "4.99999999999999999999", "1.2345e2", "12"]))
    assert (d.code, d.message) == ("E643", "3 values in column units are not whole numbers")
    assert d.notes == ["row 1 (line 2): '12.0000000000000001'", "row 2 (line 3): '4.99999999999999999999'",
                       "row 3 (line 4): '1.2345e2'"]


def test_whole_numbers_written_with_a_point_or_an_exponent_are_integers(workdir):
    write(workdir / "deals.csv", _deals(units=["12.000000000000000000", "1.5e3", "1000e-3", " 7. ", "-0.0"]))
    con, _ = load(workdir, DEALS)
    assert [r[4] for r in rows(con, "deals")] == [12, 1500, 1, 7, 0]


def _rows_of(**columns) -> str:
    """deals.csv with one row per position of the columns given (the others plain)."""
    plain = {"signed_at": "2026-01-05 09:30:00", "signed_on": "2026-01-05", "units": "1", "won": "t"}
    count = max(len(v) for v in columns.values())
    lines = []
    for i in range(count):
        f = {**plain, **{name: values[i] for name, values in columns.items() if i < len(values)}}
        lines.append(f"D{i + 1},P1,{f['signed_at']},{f['signed_on']},{f['units']},1,1,{f['won']}\n")
    return HEADER + "".join(lines)


def test_the_calendar_s_first_and_last_instants_convert(workdir):
    # sources.md: a date or timestamp is a day of years 1000 to 9999; the common export format
    # (2026-03-05 20:00:00) and a short date take a faster path, whose ends are the same
    write(workdir / "deals.csv", _rows_of(
        signed_at=["1000-01-01 00:00:00", "9999-12-31 23:59:59", " 2026-03-05 20:00:00 ", "2026-03-05T20:00:00",
                   "2026-03-05 24:00:00"],
        signed_on=["1000-01-01", "9999-12-31", " 2026-03-05 ", "2026-03-05 23:59:59", "2026-03-05 24:00"]))
    con, _ = load(workdir, DEALS)
    got = [(r[2], r[3]) for r in rows(con, "deals")]
    assert got == [(dt.datetime(1000, 1, 1), dt.date(1000, 1, 1)),
                   (dt.datetime(9999, 12, 31, 23, 59, 59), dt.date(9999, 12, 31)),
                   (dt.datetime(2026, 3, 5, 20), dt.date(2026, 3, 5)), (dt.datetime(2026, 3, 5, 20), dt.date(2026, 3, 5)),
                   # 24:00 ends the day (ISO 8601): the next day's midnight
                   (dt.datetime(2026, 3, 6), dt.date(2026, 3, 6))]


@pytest.mark.parametrize(("column", "texts", "word"), [
    # a two-digit year is the year 26 to DuckDB: before 1000, so not a date (sources.md)
    ("signed_at", ["0000-12-31 23:59:59", "10000-01-01 00:00:00", "infinity", "2026-02-29 10:00:00",
                   "2026-03-05 24:00:01", "26-03-05 10:00:00", "0999-12-31 23:59:59", "26/3/5 10:00"], "timestamps"),
    ("signed_on", ["0000-12-31", "10000-01-01", "-infinity", "2026-02-29", "2026-13-01", "26-03-05", "0999-12-31",
                   "26/3/5", " 26-03-05 "], "dates"),
])
def test_days_beyond_the_calendar_do_not_convert(workdir, column, texts, word):
    d = _problem(workdir, _rows_of(**{column: [*texts, "2026-03-05" if column == "signed_on" else "2026-03-05 20:00:00"]}))
    assert (d.code, d.message) == ("E643", f"{len(texts)} values in column {column} are not {word}")
    assert d.notes == [f"row {i} (line {i + 1}): '{t}'" for i, t in enumerate(texts, start=1)]


def test_a_year_10000_with_an_offset_does_not_convert(workdir):
    # 10000-01-01 05:00+14:00 is 9999-12-31 23:00 in Shanghai (the scheme's zone): checked after
    # the conversion, it was loaded as a day of 9999; the year as written is out of the calendar
    d = _problem(workdir, _rows_of(signed_at=["10000-01-01 05:00+14:00", "2026-03-05 20:00:00"],
                                   signed_on=["2026-03-05", "2026-03-05"]))
    assert (d.code, d.message) == ("E643", "1 value in column signed_at is not a timestamp")
    assert d.notes == ["row 1 (line 2): '10000-01-01 05:00+14:00'"]


def test_booleans_convert_as_written_with_spaces_and_in_chinese(workdir):
    write(workdir / "deals.csv", _rows_of(won=["yes", " Y ", "是", " 否 ", "0", "FALSE", "T"]))
    con, _ = load(workdir, DEALS)
    assert [r[7] for r in rows(con, "deals")] == [True, True, True, False, False, False, True]


def test_a_timestamp_with_a_fraction_of_a_second_converts_to_the_microsecond(workdir):
    # a database export writes 2011-05-31 00:00:00.000; up to 6 digits are microseconds,
    # further ones are cut off (DuckDB's TIMESTAMP cast)
    # (the scheme's zone is UTC+8, as the last one's offset)
    texts = ["2011-05-31 00:00:00.000", "2011-05-31 00:00:00.5", "2011-5-3 1:2:3.45", "2011-05-31 00:00:00.123456",
             "2011-05-31 00:00:00.1234567", " 2011-05-31 00:00:00.25 ", "2011-05-31T00:00:00.5",
             "2011-05-31 00:00:00.5+08:00"]
    write(workdir / "deals.csv", _rows_of(signed_at=texts, signed_on=[t.split()[0][:10] for t in texts]))
    con, _ = load(workdir, DEALS)
    assert [r[2] for r in rows(con, "deals")] == [
        dt.datetime(2011, 5, 31), dt.datetime(2011, 5, 31, 0, 0, 0, 500000), dt.datetime(2011, 5, 3, 1, 2, 3, 450000),
        dt.datetime(2011, 5, 31, 0, 0, 0, 123456), dt.datetime(2011, 5, 31, 0, 0, 0, 123456),
        dt.datetime(2011, 5, 31, 0, 0, 0, 250000), dt.datetime(2011, 5, 31, 0, 0, 0, 500000),
        dt.datetime(2011, 5, 31, 0, 0, 0, 500000)]


def test_spaces_or_a_tab_between_the_date_and_the_time_are_one_space(workdir):
    # as DuckDB's strptime reads the common format: a first guard on the text's shape (a
    # space at the 11th character) refused these two, which loaded before it, when the file
    # was converted as text (the third row's T: the reader's own parse fails on it)
    write(workdir / "deals.csv", _rows_of(signed_at=["2026-9-5  8:17:26", "2026-09-05\t08:17:26",
                                                     "2026-09-05T08:17:26"]))
    con, _ = load(workdir, DEALS)
    assert [r[2] for r in rows(con, "deals")] == [dt.datetime(2026, 9, 5, 8, 17, 26)] * 3
