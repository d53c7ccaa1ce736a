"""The built-in sources, loaded into a real DuckDB from real files written in workdir."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from decimal import Decimal

import duckdb
import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from source_project import DEALS_CSV, DEALS_TYPES, PEOPLE_CSV, load, load_problem, make_project, rows, types, write

from kpirules.errors import ConfigError, DataError

# What DEALS_CSV becomes. Timestamps are naive Asia/Shanghai (UTC+8) time:
#   D2 "2026-01-05T01:30:00Z"       -> 09:30 the same day
#   D3 "2026-01-31T20:00:00-05:00"  -> 2026-02-01 01:00 UTC -> 09:00 on 2026-02-01
EXPECTED_DEALS = [
    ("D1", "P1", dt.datetime(2026, 1, 5, 9, 30), dt.date(2026, 1, 5), 3, Decimal("1200.5000"),
     Decimal("0.125000"), True),
    ("D2", "P2", dt.datetime(2026, 1, 5, 9, 30), dt.date(2026, 1, 5), 12, Decimal("99.0000"),
     Decimal("0.010000"), False),
    ("D3", "P3", dt.datetime(2026, 2, 1, 9, 0), dt.date(2026, 1, 31), 0, Decimal("0.0000"), None, False),
]
EXPECTED_PEOPLE = [("P1", "韦刚", None), ("P2", "段佳怡", "P1"), ("P3", "Ann", "P1")]


def test_csv_loads_declared_columns_types_and_values(workdir):
    write(workdir / "deals.csv", DEALS_CSV)
    con, report = load(workdir, {"deals": {"source": "csv", "path": "deals.csv"}})
    assert types(con, "deals") == DEALS_TYPES  # declaration order; the extra column `note` is left out
    assert rows(con, "deals") == EXPECTED_DEALS
    assert rows(con, "people") == EXPECTED_PEOPLE
    assert [d.dataset for d in report.datasets] == ["people", "deals"]  # the roster first
    deals = report["deals"]
    assert (deals.source, deals.rows, deals.rejected, deals.unknown_person_rows) == ("csv", 3, 0, 0)
    assert deals.description == "CSV deals.csv (utf-8, detected, comma-separated)"
    assert len(deals.fingerprint) == 32


def test_a_roster_row_without_an_id_is_a_bad_row(workdir):
    # the roster's id is required, declared so or not: the empty id became a person called
    # "None" on one evaluation path (credited with rows whose person is the text None) and
    # nobody on the other, whose JSON output then stopped with an internal error
    from source_project import KPI

    undeclared = KPI.replace("column person_id string required unique", "column person_id string")
    write(workdir / "people.csv", PEOPLE_CSV + ",Nobody,P1\n")
    d = load_problem(workdir, {"people": {"source": "csv", "path": "people.csv"}}, undeclared)
    assert (d.code, d.message) == ("E646", "1 row has no person_id (the roster's id)")
    assert d.notes == ["row 4 (line 5)"]
    con, report = load(workdir, {"people": {"source": "csv", "path": "people.csv"}}, undeclared, bad_rows="skip")
    assert rows(con, "people") == EXPECTED_PEOPLE and report["people"].rejected == 1


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16", "utf-16-le"])
def test_csv_encodings_are_detected(workdir, encoding):
    write(workdir / "roster.csv", PEOPLE_CSV, encoding)
    con, report = load(workdir, {"people": {"source": "csv", "path": "roster.csv"}})
    assert rows(con, "people") == EXPECTED_PEOPLE
    detected = {"utf-8-sig": "utf-8-sig", "gbk": "gb18030", "gb18030": "gb18030", "utf-16": "utf-16",
                "utf-16-le": "utf-16-le"}.get(encoding, "utf-8")
    assert report["people"].description == f"CSV roster.csv ({detected}, detected, comma-separated)"


def test_csv_same_rows_in_any_encoding_have_one_fingerprint(workdir):
    prints = set()
    for encoding in ("utf-8", "gbk", "utf-16"):
        folder = workdir / encoding
        folder.mkdir()
        write(folder / "roster.csv", PEOPLE_CSV, encoding)
        _, report = load(folder, {"people": {"source": "csv", "path": "roster.csv", "encoding": encoding}})
        prints.add(report["people"].fingerprint)
    assert len(prints) == 1


def test_csv_declared_utf8_but_gbk_says_so(workdir):
    write(workdir / "roster.csv", PEOPLE_CSV, "gbk")
    d = load_problem(workdir, {"people": {"source": "csv", "path": "roster.csv", "encoding": "utf-8"}})
    assert d.code == "E641"
    assert d.message == 'roster.csv is not valid UTF-8; it looks like gb18030: set encoding = "gb18030"'


def test_csv_bytes_invalid_in_the_given_encoding_name_the_line(workdir):
    (workdir / "roster.csv").write_bytes(b"person_id,name,manager_id\nP1,a,\nP2,\xff\xff\xff,P1\n")
    with pytest.raises(DataError) as caught:
        load(workdir, {"people": {"source": "csv", "path": "roster.csv", "encoding": "gbk"}})
    assert caught.value.diagnostics[0].message == "roster.csv is not valid gbk: bytes ff on line 3"


def test_csv_options_delimiter_skip_rows_null_values_and_rename(workdir):
    write(workdir / "roster.tsv", "人员名册 2026-01\nID\tName\tBoss\nP1\t韦刚\tNULL\nP2\t段佳怡\tP1\nP3\tAnn\tP1\n")
    con, _ = load(workdir, {"people": {
        "source": "csv", "path": "roster.tsv", "delimiter": "\t", "skip_rows": 1, "null_values": ["", "NULL"],
        "rename": {"ID": "person_id", "Name": "name", "Boss": "manager_id"},
    }})
    assert rows(con, "people") == EXPECTED_PEOPLE


def test_csv_without_header_takes_columns(workdir):
    write(workdir / "roster.csv", "P1,韦刚,\nP2,段佳怡,P1\nP3,Ann,P1\n")
    con, _ = load(workdir, {"people": {"source": "csv", "path": "roster.csv", "header": False,
                                        "columns": ["person_id", "name", "manager_id"]}})
    assert rows(con, "people") == EXPECTED_PEOPLE


def test_csv_a_record_with_two_fields_too_many_says_its_own_count_once(workdir):
    # DuckDB rejects such a record once per extra field ("Found: 4", then "Found: 5")
    write(workdir / "roster.csv", "P1,韦刚,\nP2,段佳怡,P1,x,y\nP3,Ann,P1\nP4\n")
    d = load_problem(workdir, {"people": {"source": "csv", "path": "roster.csv", "header": False,
                                "columns": ["person_id", "name", "manager_id"]}})
    assert (d.code, d.message) == ("E644", "2 records could not be read")
    assert d.notes == ["row 2 (line 2): 5 fields where 3 are expected: P2,段佳怡,P1,x,y",
                       "row 4 (line 4): 1 fields where 3 are expected: P4"]


def test_csv_columns_naming_fewer_fields_than_every_record_has_is_one_config_error(workdir):
    write(workdir / "roster.csv", "P1,韦刚,,a,b\nP2,段佳怡,P1,a,b\nP3,Ann,P1,a,b\n")
    with pytest.raises(ConfigError) as caught:
        load(workdir, {"people": {"source": "csv", "path": "roster.csv", "header": False,
                                  "columns": ["person_id", "name", "manager_id"]}})
    (d,) = caught.value.diagnostics
    assert (d.code, d.message, d.help) == (
        "E603", "env.test.datasets.people.columns names 3 columns, but every record of roster.csv has 5 fields",
        "list every field of a record, in order: 5 names")
    columns_line = (workdir / "kpirules.toml").read_text(encoding="utf-8").splitlines().index("columns = [") + 1
    assert (d.location.path, d.location.line) == ("kpirules.toml", columns_line)
    # a file where some records are right is the file's problem, record by record
    write(workdir / "roster.csv", "P1,韦刚,,a,b\nP2,段佳怡,\nP3,Ann,P1,a,b\n")
    with pytest.raises(DataError) as caught:
        load(workdir, {"people": {"source": "csv", "path": "roster.csv", "header": False,
                                  "columns": ["person_id", "name", "manager_id"]}})
    assert [d.message for d in caught.value.diagnostics] == ["2 records could not be read: 5 fields where 3 are expected"]


@pytest.mark.parametrize("source, options, message", [
    ("csv", {"path": "roster.csv", "header": False},
     "env.test.datasets.people (source csv): header = false needs `columns`, the field names in order"),
    ("xlsx", {"path": "roster.xlsx", "header": False},
     "env.test.datasets.people (source xlsx): header = false needs `columns`, the column names in order"),
    ("csv", {"path": "roster.csv", "encoding": "klingon"},
     "env.test.datasets.people.encoding (source csv): unknown encoding 'klingon' (e.g. utf-8, gbk, gb18030, utf-16)"),
])
def test_an_option_check_speaks_without_pydantics_value_error_prefix(workdir, source, options, message):
    with pytest.raises(ConfigError) as caught:
        make_project(workdir, {"people": {"source": source, **options}})
    assert [(d.code, d.message) for d in caught.value.diagnostics] == [("E603", message)]


def test_parquet_typed_columns_and_time_zones(workdir):
    table = pa.table({
        "deal_id": ["D1", "D2"],
        "owner_id": ["P1", "P2"],
        # an instant: 01:30 UTC is 09:30 in Shanghai
        "signed_at": pa.array([dt.datetime(2026, 1, 5, 1, 30), dt.datetime(2026, 1, 5, 16, 0)],
                              pa.timestamp("us", tz="UTC")),
        # a timestamp for a date column: 16:00 UTC is 00:00 the next day in Shanghai
        "signed_on": pa.array([dt.datetime(2026, 1, 5, 1, 30), dt.datetime(2026, 1, 5, 16, 0)],
                              pa.timestamp("ms", tz="UTC")),
        "units": pa.array([3.0, 12.0]),
        "amount": pa.array([Decimal("1200.50"), Decimal("99.00")], pa.decimal128(10, 2)),
        "rate": [0.125, None],
        "won": [True, False],
    })
    pq.write_table(table, workdir / "deals.parquet")
    con, report = load(workdir, {"deals": {"source": "parquet", "path": "deals.parquet"}})
    assert types(con, "deals") == DEALS_TYPES
    assert rows(con, "deals") == [
        ("D1", "P1", dt.datetime(2026, 1, 5, 9, 30), dt.date(2026, 1, 5), 3, Decimal("1200.5000"),
         Decimal("0.125000"), True),
        ("D2", "P2", dt.datetime(2026, 1, 6, 0, 0), dt.date(2026, 1, 6), 12, Decimal("99.0000"), None, False),
    ]
    assert report["deals"].description == "Parquet deals.parquet"


def test_naive_timestamps_convert_from_the_source_timezone(workdir):
    table = pa.table({"deal_id": ["D1"], "owner_id": ["P1"], "signed_at": [dt.datetime(2026, 1, 5, 1, 30)],
                      "signed_on": ["2026-01-05T20:00:00"], "units": [1], "amount": [1], "rate": [1],
                      "won": ["t"]})
    pq.write_table(table, workdir / "deals.parquet")
    con, _ = load(workdir, {"deals": {"source": "parquet", "path": "deals.parquet", "timezone": "UTC"}})
    # naive 01:30 taken as UTC is 09:30 in Shanghai; "2026-01-05T20:00:00" UTC is 04:00 on the 6th
    assert rows(con, "deals")[0][2:4] == (dt.datetime(2026, 1, 5, 9, 30), dt.date(2026, 1, 6))


def test_an_instant_read_as_text_is_the_scheme_local_time_on_any_machine(workdir):
    # a TIMESTAMPTZ in a string column was cast as DuckDB writes it, in the machine's zone
    # ('2026-01-05 01:30:00+00' or '2026-01-05 10:30:00+09'): the fingerprint, and `verify`, then
    # changed from one machine to another. 01:30 UTC is 09:30 in Shanghai, the scheme's zone.
    # And a Parquet DATE in a timestamp column is the midnight that starts it in the binding's
    # zone (UTC), 08:00 in Shanghai, as the same date written in a CSV is (sources.md, Time zones).
    from source_project import make_project

    from kpirules.sources.load import load_datasets

    table = pa.table({
        "deal_id": pa.array([dt.datetime(2026, 1, 5, 1, 30)], pa.timestamp("us", tz="UTC")),
        "owner_id": ["P1"], "signed_at": pa.array([dt.date(2026, 1, 5)], pa.date32()),
        "signed_on": ["2026-01-05"], "units": [1], "amount": [1], "rate": [1], "won": [True],
    })
    pq.write_table(table, workdir / "deals.parquet")
    scheme, config = make_project(workdir, {"deals": {"source": "parquet", "path": "deals.parquet",
                                                      "timezone": "UTC"}})
    fingerprints = set()
    for machine_zone in ("UTC", "Asia/Tokyo"):
        con = duckdb.connect()
        con.execute(f"SET TimeZone = '{machine_zone}'")
        report = load_datasets(scheme, config, con, datasets=["people", "deals"])
        assert rows(con, "deals")[0][:3] == ("2026-01-05 09:30:00", "P1", dt.datetime(2026, 1, 5, 8, 0))
        fingerprints.add(report["deals"].fingerprint)
    assert len(fingerprints) == 1


def test_a_double_rounds_as_the_number_it_reads_as(workdir):
    # 0.00015 as a double is 0.000149999...: DuckDB's cast made it 0.0001 money, where the same
    # number in a CSV is 0.0002 (half away from zero, sources.md); and a rate of -0.0000015 likewise
    table = pa.table({"deal_id": ["D1", "D2", "D3"], "owner_id": ["P1", "P1", "P1"],
                      "signed_at": ["2026-01-05 09:30:00"] * 3, "signed_on": ["2026-01-05"] * 3,
                      "units": [1, 1, 1], "amount": [0.00015, 3.0, 2.00025], "rate": [0.0000015, -0.0000015, 0.5],
                      "won": [True, True, True]})
    pq.write_table(table, workdir / "deals.parquet")
    con, _ = load(workdir, {"deals": {"source": "parquet", "path": "deals.parquet"}})
    assert [(r[5], r[6]) for r in rows(con, "deals")] == [
        (Decimal("0.0002"), Decimal("0.000002")), (Decimal("3.0000"), Decimal("-0.000002")),
        (Decimal("2.0003"), Decimal("0.500000"))]
    # a 32-bit float holds about 7 digits: 12345.67 is 12345.669921875, which DuckDB's cast made
    # 12345.6699 (a cent lost); read as the number it reads back as, it is 12345.67
    table = table.set_column(5, "amount", pa.array([12345.67, 3.0, 0.1], pa.float32()))
    pq.write_table(table, workdir / "deals.parquet")
    con, _ = load(workdir, {"deals": {"source": "parquet", "path": "deals.parquet"}})
    assert [r[5] for r in rows(con, "deals")] == [Decimal("12345.6700"), Decimal("3.0000"), Decimal("0.1000")]


def test_json_array_and_json_lines(workdir):
    records = [
        {"deal_id": "D1", "owner_id": "P1", "signed_at": "2026-01-05 09:30:00", "signed_on": "2026-01-05",
         "units": 3, "amount": 1200.5, "rate": "0.125", "won": True, "nested": {"a": 1}},
        {"deal_id": "D2", "owner_id": "P2", "signed_at": "2026-01-05T01:30:00Z", "signed_on": "2026-01-05",
         "units": 12.0, "amount": "99", "rate": 0.01, "won": False},
    ]
    (workdir / "deals.json").write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    (workdir / "deals.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    expected = [row for row in EXPECTED_DEALS[:2]]
    expected[0] = expected[0][:5] + (Decimal("1200.5000"), Decimal("0.125000"), True)
    for source, path in (("json", "deals.json"), ("jsonl", "deals.jsonl")):
        con, report = load(workdir, {"deals": {"source": source, "path": path}})
        assert types(con, "deals") == DEALS_TYPES
        assert rows(con, "deals") == expected, source
    assert report["deals"].description == "JSON lines deals.jsonl"


_DEAL = ('{"deal_id": "D%d", "owner_id": "P1", "signed_at": "2026-01-05 09:30:00", "signed_on": "2026-01-05", '
         '"units": 3, "amount": 12, "rate": 0.1, "won": true}')


@pytest.mark.parametrize("cut", [
    # after a record's comma DuckDB's reader took the records before the cut, without a word
    "[" + _DEAL % 1 + ",\n " + _DEAL % 2 + ",\n",
    "[" + _DEAL % 1 + ",",
])
def test_a_json_array_cut_short_is_refused_not_read_in_part(workdir, cut):
    (workdir / "deals.json").write_text(cut, encoding="utf-8")
    d = load_problem(workdir, {"deals": {"source": "json", "path": "deals.json"}})
    assert (d.code, d.message) == ("E640", "deals.json ends before its closing ]: the file was cut short, and the "
                                           "records after the cut are missing")
    # whole, with spaces and a line break after the closing bracket, it reads
    (workdir / "deals.json").write_text(cut.rstrip().rstrip(",") + "]\n \n", encoding="utf-8")
    con, _ = load(workdir, {"deals": {"source": "json", "path": "deals.json"}})
    assert len(rows(con, "deals")) == cut.count("deal_id")


def test_xlsx_sheet_by_name(workdir):
    book = openpyxl.Workbook()
    book.active.title = "说明"
    sheet = book.create_sheet("人员")
    sheet.append(["person_id", "name", "manager_id", "hired"])
    sheet.append(["P1", "韦刚", None, dt.date(2020, 1, 1)])
    sheet.append(["P2", "段佳怡", "P1", dt.date(2021, 1, 1)])
    sheet.append(["P3", "Ann", "P1", None])
    book.save(workdir / "people.xlsx")
    con, report = load(workdir, {"people": {"source": "xlsx", "path": "people.xlsx", "sheet": "人员"}})
    assert rows(con, "people") == EXPECTED_PEOPLE
    assert report["people"].description == "Excel people.xlsx, sheet '人员'"


def test_xlsx_bad_value_names_the_sheet_row(workdir):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["deal_id", "owner_id", "signed_at", "signed_on", "units", "amount", "rate", "won"])
    sheet.append(["D1", "P1", dt.datetime(2026, 1, 5, 9, 30), dt.date(2026, 1, 5), 3, 1200.5, 0.125, True])
    sheet.append(["D2", "P2", dt.datetime(2026, 1, 5, 9, 30), "soon", 3, 1, 1, False])
    book.save(workdir / "deals.xlsx")
    d = load_problem(workdir, {"deals": {"source": "xlsx", "path": "deals.xlsx"}})
    assert d.message == "1 value in column signed_on is not a date"
    assert d.notes == ["row 2 (sheet row 3): 'soon'"]


def test_xlsx_read_from_a_blank_row_is_one_problem(workdir):
    # skip_rows 1 where the header is on sheet row 3: row 2 is blank, and each declared column
    # was an E642 of its own listing __UNNAMED__0 ... __UNNAMED__7
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Deals export"])
    sheet.append([])
    sheet.append(["deal_id", "owner_id", "signed_at", "signed_on", "units", "amount", "rate", "won"])
    sheet.append(["D1", "P1", dt.datetime(2026, 1, 5, 9, 30), dt.date(2026, 1, 5), 3, 1200.5, 0.125, True])
    book.save(workdir / "deals.xlsx")
    d = load_problem(workdir, {"deals": {"source": "xlsx", "path": "deals.xlsx", "skip_rows": 1}})
    assert (d.code, d.message) == ("E642", "the header (sheet row 2) is blank: no column has a name")
    assert d.help == ("set skip_rows to the number of rows above the header row in [env.test.datasets.deals] "
                      "(docs/sources.md)")
    con, _ = load(workdir, {"deals": {"source": "xlsx", "path": "deals.xlsx", "skip_rows": 2}})
    assert [r[0] for r in rows(con, "deals")] == ["D1"]


def test_unreadable_xlsx(workdir):
    (workdir / "people.xlsx").write_bytes(b"this is not a workbook")
    d = load_problem(workdir, {"people": {"source": "xlsx", "path": "people.xlsx"}})
    assert d.code == "E640"
    assert d.message.startswith("cannot open workbook people.xlsx: ")


def _crm(path):
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE staff (person_id TEXT, name TEXT, manager_id TEXT, salary REAL)")
    db.executemany("INSERT INTO staff VALUES (?, ?, ?, ?)",
                   [("P1", "韦刚", None, 1.5), ("P2", "段佳怡", "P1", 2), ("P3", "Ann", "P1", "n/a")])
    db.commit()
    db.close()


def test_sqlite_table_and_query(workdir):
    _crm(workdir / "crm.sqlite")
    con, report = load(workdir, {"people": {"source": "sqlite", "path": "crm.sqlite", "table": "staff"}})
    assert rows(con, "people") == EXPECTED_PEOPLE
    assert report["people"].description == "SQLite crm.sqlite (table staff)"
    con, _ = load(workdir, {"people": {"source": "sqlite", "path": "crm.sqlite",
                                        "query": "SELECT * FROM staff WHERE person_id <> 'P3'"}})
    assert rows(con, "people") == EXPECTED_PEOPLE[:2]


def test_sqlite_query_with_a_syntax_error(workdir):
    _crm(workdir / "crm.sqlite")
    d = load_problem(workdir, {"people": {"source": "sqlite", "path": "crm.sqlite", "query": "SELEC * FROM staff"}})
    assert d.code == "E640"
    assert 'near "SELEC": syntax error' in d.message
    assert d.help == "check `query` in [env.test.datasets.people]"


def test_sqlite_unknown_table_suggests_one(workdir):
    _crm(workdir / "crm.sqlite")
    d = load_problem(workdir, {"people": {"source": "sqlite", "path": "crm.sqlite", "table": "staf"}})
    assert (d.message, d.help) == ("no table staf in crm.sqlite", "did you mean 'staff'?")


def test_duckdb_file_table_and_query(workdir):
    db = duckdb.connect(str(workdir / "hr.duckdb"))
    db.execute("CREATE TABLE staff AS SELECT * FROM (VALUES ('P1', '韦刚', NULL), ('P2', '段佳怡', 'P1'), "
               "('P3', 'Ann', 'P1')) t(person_id, name, manager_id)")
    db.close()
    con, report = load(workdir, {"people": {"source": "duckdb", "path": "hr.duckdb", "table": "staff"}})
    assert rows(con, "people") == EXPECTED_PEOPLE
    assert report["people"].description == "DuckDB hr.duckdb (table staff)"
    with pytest.raises(DataError) as caught:
        load(workdir, {"people": {"source": "duckdb", "path": "hr.duckdb", "query": "SELECT * FROM staf"}})
    assert caught.value.diagnostics[0].message.startswith("the query failed: Catalog Error: Table with name staf")


def test_a_query_reads_a_relative_path_from_the_config_folder_when_run_elsewhere(workdir, monkeypatch):
    # run from a folder inside the project, `read_csv('hr/staff.csv')` was "No files found"
    (workdir / "hr").mkdir()
    (workdir / "hr" / "staff.csv").write_text("person_id,name,manager_id\nP1,韦刚,\nP2,段佳怡,P1\nP3,Ann,P1\n",
                                              encoding="utf-8")
    (workdir / "sub").mkdir()
    binding = {"people": {"source": "duckdb", "path": ":memory:",
                          "query": "SELECT * FROM read_csv('hr/staff.csv', all_varchar = true)"}}
    con, _ = load(workdir, binding)
    assert rows(con, "people") == EXPECTED_PEOPLE
    monkeypatch.chdir(workdir / "sub")
    con, _ = load(workdir, binding)
    assert rows(con, "people") == EXPECTED_PEOPLE
    # ... and a file of that name in the current directory is the one read, as DuckDB reads it
    (workdir / "sub" / "hr").mkdir()
    (workdir / "sub" / "hr" / "staff.csv").write_text("person_id,name,manager_id\nP9,X,\n", encoding="utf-8")
    con, _ = load(workdir, binding)
    assert [r[0] for r in con.execute("SELECT person_id FROM people").fetchall()] == ["P9"]


def test_missing_file_and_directory(workdir):
    d = load_problem(workdir, {"deals": {"source": "csv", "path": "exports/deals.csv"}})
    assert (d.code, d.message) == ("E640", "file not found: exports/deals.csv")
    assert "env.test.datasets.deals" in d.help
    (workdir / "folder.parquet").mkdir()
    with pytest.raises(DataError) as caught:
        load(workdir, {"deals": {"source": "parquet", "path": "folder.parquet"}})
    assert caught.value.diagnostics[0].message == "folder.parquet is a directory, not a file"


@pytest.mark.parametrize("target", ["deals.csv", "gone.csv"])
def test_a_link_that_loops_or_leads_nowhere_is_e640_not_an_internal_error(workdir, run_cli, target):
    # Python 3.11's Path.resolve raises RuntimeError on a loop: "internal error", exit 2
    (workdir / "deals.csv").symlink_to(target)
    d = load_problem(workdir, {"deals": {"source": "csv", "path": "deals.csv"}})
    assert (d.code, d.message) == ("E640", f"deals.csv is a symbolic link to no file (it points to {target})")
    result = run_cli("sources", "check")
    assert result.exit_code == 1 and "internal error" not in result.output, result.output


def test_relative_paths_start_at_the_config_folder(workdir, monkeypatch):
    write(workdir / "deals.csv", DEALS_CSV)
    elsewhere = workdir / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    con, _ = load(workdir, {"deals": {"source": "csv", "path": "deals.csv"}})
    assert rows(con, "deals") == EXPECTED_DEALS


def test_inspect_source_reports_columns_and_rows(workdir):
    from source_project import make_project

    from kpirules.sources.load import inspect_source, open_source

    write(workdir / "deals.csv", DEALS_CSV)
    scheme, config = make_project(workdir, {"deals": {"source": "csv", "path": "deals.csv"}})
    binding = config.environment().datasets["deals"]
    source = open_source(binding, scheme.datasets["deals"], config, scheme_timezone="Asia/Shanghai")
    schema = inspect_source(source)
    assert schema.rows == 3
    assert list(schema.columns) == ["deal_id", "owner_id", "signed_at", "signed_on", "units", "amount", "rate",
                                    "won", "note"]
    assert set(schema.columns.values()) == {"VARCHAR"}  # every CSV field is read as text



def test_padded_header_names_match_their_declared_columns(workdir):
    # AdventureWorks' SalesOrderHeader export pads its header names ("\t    OrderDate");
    # a rename written with the padding finds the column too
    header, *body = DEALS_CSV.split("\n")
    padded = ",".join("    " + name for name in header.split(",")) + "\n" + "\n".join(body)
    write(workdir / "deals.csv", padded)
    binding = {"source": "csv", "path": "deals.csv", "rename": {"    amount": "amount"}}
    con, report = load(workdir, {"deals": binding})
    assert types(con, "deals") == DEALS_TYPES
    assert rows(con, "deals") == EXPECTED_DEALS


def test_csv_header_names_repeated_but_for_case_get_a_suffix(workdir):
    # DuckDB takes "note" and "NOTE" for one name: the later copy is read as NOTE_2, and the
    # declared columns still match their own (sources.md)
    header, *body = DEALS_CSV.split("\n")
    write(workdir / "deals.csv", header + ",NOTE,Owner_ID\n" + "\n".join(line + ",x,y" if line else line for line in body))
    con, _ = load(workdir, {"deals": {"source": "csv", "path": "deals.csv"}})
    assert rows(con, "deals") == EXPECTED_DEALS


def test_json_keys_match_declared_columns_but_for_case_and_padding(workdir):
    # sources.md: a declared column is read from the source column of its name, or the one
    # that differs only in case (as for CSV and Parquet)
    records = [{"DEAL_ID": "D1", " Owner_Id ": "P1", "signed_at": "2026-01-05 09:30:00", "signed_on": "2026-01-05",
                "Units": 3, "amount": 1200.5, "rate": "0.125", "won": True}]
    (workdir / "deals.json").write_text(json.dumps(records), encoding="utf-8")
    con, _ = load(workdir, {"deals": {"source": "json", "path": "deals.json"}})
    assert rows(con, "deals") == [EXPECTED_DEALS[0][:5] + (Decimal("1200.5000"), Decimal("0.125000"), True)]


@pytest.mark.parametrize(("source", "text"), [("json", "[]"), ("json", " [ ]\n"), ("jsonl", ""), ("jsonl", "\n\n")])
def test_an_empty_json_source_loads_as_an_empty_table(workdir, source, text):
    # plugins.md: an empty source loads as an empty table with the declared columns
    (workdir / "deals.json").write_text(text, encoding="utf-8")
    con, report = load(workdir, {"deals": {"source": source, "path": "deals.json"}})
    assert types(con, "deals") == DEALS_TYPES
    assert rows(con, "deals") == [] and report["deals"].rows == 0


def test_xlsx_sheet_rows_count_from_the_top_of_the_sheet(workdir):
    # sources.md: messages give the row number Excel shows, also when the table starts lower down
    book = openpyxl.Workbook()
    sheet = book.active
    header = ["deal_id", "owner_id", "signed_at", "signed_on", "units", "amount", "rate", "won"]
    for column, name in enumerate(header, start=2):  # the table starts at B3
        sheet.cell(row=3, column=column, value=name)
    for column, value in enumerate(["D1", "P1", dt.datetime(2026, 1, 5, 9, 30), "soon", 3, 1, 1, True], start=2):
        sheet.cell(row=4, column=column, value=value)
    book.save(workdir / "deals.xlsx")
    d = load_problem(workdir, {"deals": {"source": "xlsx", "path": "deals.xlsx"}})
    assert d.notes == ["row 1 (sheet row 4): 'soon'"]


def test_spaces_around_values_do_not_count_and_an_empty_text_is_no_value_everywhere(workdir):
    # sources.md: blank text is no value for every type, string included, from every source;
    # spaces around a number, date, timestamp or boolean do not count
    csv_text = ("deal_id,owner_id,signed_at,signed_on,units,amount,rate,won\n"
                "D1, P1 , 2026-01-05 09:30:00 , 2026-01-05, 3 , 1200.5 , 0.125 , yes \n"
                "D2,,2026-01-05 09:30:00,2026-01-05 ,3,1,1, 否\n"
                # a date alone in a timestamp column is its midnight, spaces around it or not
                # (DuckDB refuses '2026-01-06 ' as a timestamp)
                "D3,P1, 2026-01-06 , 2026/1/6 ,1,1,1,yes\n")
    write(workdir / "deals.csv", csv_text)
    records = [{"deal_id": "D2", "owner_id": "", "signed_at": "2026-01-05 09:30:00", "signed_on": "2026-01-05",
                "units": 3, "amount": 1, "rate": 1, "won": False}]
    (workdir / "deals.json").write_text(json.dumps(records), encoding="utf-8")
    con, _ = load(workdir, {"deals": {"source": "csv", "path": "deals.csv"}})
    got = rows(con, "deals")
    assert got[0] == ("D1", " P1 ", dt.datetime(2026, 1, 5, 9, 30), dt.date(2026, 1, 5), 3, Decimal("1200.5000"),
                      Decimal("0.125000"), True)
    assert got[1][1] is None and got[1][3] == dt.date(2026, 1, 5) and got[1][7] is False
    assert got[2][2:4] == (dt.datetime(2026, 1, 6), dt.date(2026, 1, 6))
    con, _ = load(workdir, {"deals": {"source": "json", "path": "deals.json"}})
    assert rows(con, "deals")[0][1] is None  # "" from JSON, as an empty CSV field


def test_csv_declared_utf16_but_utf8_says_so(workdir):
    # UTF-16 without a byte order mark is refused as a whole: the encoding error (E641) with
    # the encoding the file looks like, not a failure of the source (E640)
    write(workdir / "roster.csv", PEOPLE_CSV, "utf-8")
    d = load_problem(workdir, {"people": {"source": "csv", "path": "roster.csv", "encoding": "utf-16"}})
    assert d.code == "E641"
    assert d.message == 'roster.csv is not valid utf-16; it looks like utf-8: set encoding = "utf-8"'


def test_numbers_written_for_people_load_as_numbers(workdir):
    # sources.md: thousands separated by commas and 万/亿 after a number, as spreadsheets and
    # CRM exports write them; a comma that is not a thousands separator is not a number
    text = (
        "deal_id,owner_id,signed_at,signed_on,units,amount,rate,won\n"
        'D1,P1,2026-01-05 09:30:00,2026-01-05,"1,200","1,234.50",0.5,yes\n'
        "D2,P2,2026-01-05 09:30:00,2026-01-05,3,56万,0.5,yes\n"
        "D3,P3,2026-01-05 09:30:00,2026-01-05,2,1.2亿,0.5,yes\n"
        'D4,P3,2026-01-05 09:30:00,2026-01-05,2," 1,000,000.25 ",0.5,yes\n'
    )
    write(workdir / "deals.csv", text)
    con, _ = load(workdir, {"deals": {"source": "csv", "path": "deals.csv"}})
    assert [(r[0], r[4], r[5]) for r in rows(con, "deals")] == [
        ("D1", 1200, Decimal("1234.5000")), ("D2", 3, Decimal("560000.0000")),
        ("D3", 2, Decimal("120000000.0000")), ("D4", 2, Decimal("1000000.2500")),
    ]
    write(workdir / "deals.csv", text.replace('"1,234.50"', '"1,5"'))
    with pytest.raises(DataError) as caught:
        load(workdir, {"deals": {"source": "csv", "path": "deals.csv"}})
    assert caught.value.diagnostics[0].code == "E643"


def test_a_value_that_does_not_convert_is_told_how_its_type_is_written(workdir):
    write(workdir / "deals.csv", DEALS_CSV.replace("2026-01-05 23:59:59", "05.01.2026"))
    d = load_problem(workdir, {"deals": {"source": "csv", "path": "deals.csv"}})
    assert (d.code, d.message) == ("E643", "1 value in column signed_on is not a date")
    assert d.help.startswith("dates convert written year first: 2026-03-05 or 2026/3/5, or as a timestamp with a "
                             "zone by its IANA name (2026-03-05 09:30 America/New_York), not an abbreviation such "
                             "as EST; fix the values at the source")


@pytest.mark.parametrize("signed_on", ["'infinity'::DATE", "'-infinity'::DATE", "'0026-03-05'::DATE"])
def test_an_infinite_date_is_not_a_date(workdir, signed_on):
    # and a day before the year 1000 neither (a year written with two digits, sources.md)
    # PostgreSQL and DuckDB hold infinity as a date ("still valid"); no period contains it:
    # E643 at its row, as for any value that is not a date (it used to pass the load and
    # fail the run with an internal error)
    db = duckdb.connect(str(workdir / "crm.duckdb"))
    db.execute(f"CREATE TABLE deals AS SELECT 'D1' AS deal_id, 'P1' AS owner_id, TIMESTAMP '2026-01-05 09:30' AS signed_at, "
               f"{signed_on} AS signed_on, 3 AS units, 1200.5 AS amount, 0.125 AS rate, true AS won")
    db.close()
    d = load_problem(workdir, {"deals": {"source": "duckdb", "path": "crm.duckdb", "table": "deals"}})
    assert (d.code, d.message) == ("E643", "1 value in column signed_on is not a date")


def test_infinity_written_in_a_csv_is_not_a_date(workdir):
    write(workdir / "deals.csv", DEALS_CSV.replace("2026-01-05 23:59:59", "infinity"))
    d = load_problem(workdir, {"deals": {"source": "csv", "path": "deals.csv"}})
    assert (d.code, d.message) == ("E643", "1 value in column signed_on is not a date")


def test_a_number_with_too_many_digits_for_its_column_is_e643_not_a_failed_read(workdir):
    # 9999999999999999999999999999亿 overflowed DECIMAL(38) and stopped the whole load (E640)
    write(workdir / "deals.csv", DEALS_CSV.replace("1200.50", "9999999999999999999999999999亿"))
    d = load_problem(workdir, {"deals": {"source": "csv", "path": "deals.csv"}})
    assert (d.code, d.message) == ("E643", "1 value in column amount is not an amount of money")


def test_csv_mixing_line_endings_names_the_line_that_changes(workdir):
    # a CRLF export with a row appended by `echo`: DuckDB stopped with "The CSV Parser state
    # machine reached an invalid state", naming no line
    (workdir / "roster.csv").write_bytes(
        "person_id,name,manager_id\r\nP1,韦刚,\r\nP2,段佳怡,P1\r\nP3,Ann,P1\n".encode("utf-8"))
    d = load_problem(workdir, {"people": {"source": "csv", "path": "roster.csv"}})
    assert d.code == "E644"
    assert d.message == ("roster.csv: line 4 ends with LF, the lines before it with CRLF: the file mixes line "
                         "endings, which the CSV reader cannot follow")


DEAL_FIELDS = ["deal_id", "owner_id", "signed_at", "signed_on", "units", "amount", "rate", "won", "note"]


def test_csv_columns_over_a_file_without_header_refuses_to_drop_its_first_record(workdir):
    # AdventureWorks' quota file has no header: bound with `columns` but without header = false,
    # its first record (274, 2011-05-31, 28000) was taken as the header and dropped, silently
    body = DEALS_CSV.split("\n", 1)[1]
    write(workdir / "deals.csv", body)
    binding = {"source": "csv", "path": "deals.csv", "columns": DEAL_FIELDS}
    d = load_problem(workdir, {"deals": binding})
    assert d.code == "E642"
    assert d.message == ("the first line reads as a record, not a header ('D1', 'P1', '2026-01-05 09:30:00', "
                         "'2026-01-05', ...): with `columns` and no `header = false`, it would be taken as the "
                         "header and not read")
    assert d.help == ("set header = false in [env.test.datasets.deals] to read the first line as a record (a file "
                      "without a header), or header = true if it is the header")
    # with a field too few in `columns` too, the first line is what is said first (it said
    # "`columns` names 8 fields but the header has 9", of a header there is not)
    short = load_problem(workdir, {"deals": {**binding, "columns": DEAL_FIELDS[:-1]}})
    assert short.message.startswith("the first line reads as a record, not a header")
    con, _ = load(workdir, {"deals": {**binding, "header": False}})
    assert [r[0] for r in rows(con, "deals")] == ["D1", "D2", "D3"]
    # said in so many words, the first line is the header
    con, _ = load(workdir, {"deals": {**binding, "header": True}})
    assert [r[0] for r in rows(con, "deals")] == ["D2", "D3"]


def test_csv_a_header_of_values_is_said_once_not_per_declared_column(workdir):
    write(workdir / "deals.csv", DEALS_CSV.split("\n", 1)[1])
    d = load_problem(workdir, {"deals": {"source": "csv", "path": "deals.csv"}})
    assert (d.code, d.location.dataset) == ("E642", "deals")
    assert d.message.startswith("the header (line 1) reads as a record ('D1', 'P1', '2026-01-05 09:30:00'")
    assert d.help == ("for a file without a header set header = false and columns = [...], its fields' names in "
                      "order, in [env.test.datasets.deals] (docs/sources.md)")


@pytest.mark.parametrize("separator, written", [("\t", "\\t"), ("+|", "+|"), (";", ";")])
def test_csv_read_with_the_wrong_delimiter_says_which_one_to_set(workdir, separator, written):
    # a tab-separated export read as comma-separated: one column holding every field, and an
    # E642 for each declared column listing that one column
    write(workdir / "deals.csv", "\n".join(line.replace(",", separator) for line in
                                           ["deal_id,owner_id,signed_at,signed_on,units,amount,rate,won",
                                            "D1,P1,2026-01-05 09:30:00,2026-01-05,3,1200.50,0.125,yes"]) + "\n")
    d = load_problem(workdir, {"deals": {"source": "csv", "path": "deals.csv"}})
    assert d.code == "E642"
    assert d.message.startswith(f"the header (line 1) is one column, 'deal_id{written}owner_id")  # repr: a tab as \\t
    assert d.message.endswith(f": its fields seem separated by {separator!r}, not by the delimiter the source reads")
    assert d.help == f'set delimiter = "{written}" in [env.test.datasets.deals] (docs/sources.md)'


@pytest.mark.parametrize("above, skip, blank, later", [("\n", 0, 1, 2), ("Deals export\n\n", 1, 2, 3)])
def test_a_blank_line_where_the_header_is_read_says_which_line_has_text(workdir, above, skip, blank, later):
    # a blank line above the header read "has no header line (the file is empty)"
    write(workdir / "deals.csv", above + DEALS_CSV)
    d = load_problem(workdir, {"deals": {"source": "csv", "path": "deals.csv", "skip_rows": skip}})
    assert (d.code, d.message) == ("E640", f"deals.csv: line {blank}, where the header is read, is blank; the first "
                                           f"line after it with text is line {later}")
    assert d.help == f"if that is the header, set skip_rows = {later - 1} in [env.test.datasets.deals]"
    con, _ = load(workdir, {"deals": {"source": "csv", "path": "deals.csv", "skip_rows": later - 1}})
    assert [r[0] for r in rows(con, "deals")] == ["D1", "D2", "D3"]


def test_a_header_read_wrongly_is_named_at_its_line_after_skip_rows(workdir):
    # two title lines above the header: the message names line 3, where the header is
    write(workdir / "deals.csv", "Deals export\nNovember\n" + DEALS_CSV.split("\n", 1)[1])
    d = load_problem(workdir, {"deals": {"source": "csv", "path": "deals.csv", "skip_rows": 2}})
    assert d.message.startswith("the header (line 3) reads as a record ('D1', 'P1'")
    write(workdir / "deals.csv", "Deals export\n" + DEALS_CSV.replace(",", ";"))
    d = load_problem(workdir, {"deals": {"source": "csv", "path": "deals.csv", "skip_rows": 1}})
    assert d.message.startswith("the header (line 2) is one column, 'deal_id;owner_id")
    # a sheet's header row, two title rows down: sheet row 3
    book = openpyxl.Workbook()
    book.active.append(["Deals export"])
    book.active.append([])
    book.active.append(["D1", "P1", "2026-01-05", "3", "1200.50"])
    book.active.append(["D2", "P2", "2026-01-06", "4", "800.00"])
    book.save(workdir / "deals.xlsx")
    d = load_problem(workdir, {"deals": {"source": "xlsx", "path": "deals.xlsx", "skip_rows": 2}})
    assert d.message.startswith("the header (sheet row 3) reads as a record ('D1', 'P1'")


def test_a_header_name_with_a_control_character_is_shown_escaped(workdir):
    # a NUL before `status` was shown as a space, with the help to rename " status", which
    # matched nothing (a name padded with spaces is matched anyway)
    write(workdir / "deals.csv", DEALS_CSV.replace("deal_id,owner_id", "deal_id,\x00owner_id", 1))
    with pytest.raises(DataError) as caught:
        load(workdir, {"deals": {"source": "csv", "path": "deals.csv"}})
    (d,) = [d for d in caught.value.diagnostics if d.location.column == "owner_id"]
    assert d.help == "the header has '\\x00owner_id', whose name holds a control character: fix the header in the file"
