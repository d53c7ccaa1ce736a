"""The loader's checks: conversions, constraints, keys, the roster, bad rows and fingerprints."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import duckdb
import pytest
from source_project import KPI, load, make_project, rows, write

from kpirules import i18n
from kpirules.errors import ConfigError, DataError
from kpirules.sources.load import load_datasets

HEADER = "deal_id,owner_id,signed_at,signed_on,units,amount,rate,won\n"
DEALS = {"deals": {"source": "csv", "path": "deals.csv"}}


def _errors(workdir, text, **options):
    write(workdir / "deals.csv", text)
    with pytest.raises(DataError) as caught:
        load(workdir, DEALS, **options)
    return caught.value.diagnostics


def _roster_errors(workdir, people: str):
    """The problems loading a roster people.csv (person_id,name,manager_id) with these rows."""
    write(workdir / "people.csv", "person_id,name,manager_id\n" + people)
    with pytest.raises(DataError) as caught:
        load(workdir, {"people": {"source": "csv", "path": "people.csv"}})
    return caught.value.diagnostics


def test_every_problem_is_listed_with_row_line_column_and_value(workdir):
    found = _errors(workdir, HEADER
                    + "D1,P1,2026-01-05 09:30:00,2026-01-05,3,10,0.1,yes\n"
                    + "D2,P2,yesterday,2026-01-05,12.5,-4,x,maybe\n"
                    + "D3,P3,2026-01-05 10:00:00,2026-01-06,-1,5,0.2,no\n"
                    + "D1,P3,2026-01-05 11:00:00,2026-01-07,1,5,0.2,no\n")
    assert [(d.code, d.message, d.notes) for d in found] == [
        ("E643", "1 value in column rate is not a number", ["row 2 (line 3): 'x'"]),
        ("E643", "1 value in column signed_at is not a timestamp", ["row 2 (line 3): 'yesterday'"]),
        ("E643", "1 value in column units is not a whole number", ["row 2 (line 3): '12.5'"]),
        ("E643", "1 value in column won is not true or false", ["row 2 (line 3): 'maybe'"]),
        ("E645", "1 negative value in column amount (declared non_negative)", ["row 2 (line 3): -4.0000"]),
        ("E645", "1 negative value in column units (declared non_negative)", ["row 3 (line 4): -1"]),
        ("E648", "1 value of the key deal_id of dataset deals appears in more than one row",
         ["'D1' in row 1 (line 2), row 4 (line 5)"]),
    ]
    first = found[0]
    assert str(first.location) == "dataset deals, source deals.csv, row 2, column rate"
    # the help says how each type is written, booleans too (sources.md lists the words)
    assert found[3].help.startswith("booleans convert written as true/false, t/f, yes/no, y/n, 1/0 or 是/否; ")
    chinese = i18n.localize(found[3], "zh")
    assert chinese.message == "列 won 中有 1 个值不是 true 或 false"
    assert chinese.help.startswith("布尔值可写成 true/false、t/f、yes/no、y/n、1/0 或 是/否")


def test_at_most_twenty_examples_and_the_total(workdir):
    lines = [f"D{i},P1,2026-01-05,2026-01-05,{i}.5,1,1,t\n" for i in range(1, 26)]
    (d,) = _errors(workdir, HEADER + "".join(lines))
    assert d.message == "25 values in column units are not whole numbers"
    assert len(d.notes) == 21
    assert d.notes[0] == "row 1 (line 2): '1.5'"
    assert d.notes[19] == "row 20 (line 21): '20.5'"
    assert d.notes[20] == "... and 5 more"


def test_integers_must_be_whole_as_written(workdir):
    write(workdir / "deals.csv", HEADER + "".join(
        f"D{i},P1,2026-01-05,2026-01-05,{units},1,1,t\n"
        for i, units in enumerate(["12.0", "1e3", "007", "+5", "9007199254740993"])))
    con, _ = load(workdir, DEALS)
    # 2**53 + 1 has no exact double: it must still come through exactly
    assert [r[4] for r in rows(con, "deals")] == [12, 1000, 7, 5, 9007199254740993]
    (d,) = _errors(workdir, HEADER + "D1,P1,2026-01-05,2026-01-05,1e-1,1,1,t\n")
    assert d.notes == ["row 1 (line 2): '1e-1'"]  # DuckDB's cast would have made it 0


def test_required_values(workdir):
    write(workdir / "people.csv", "person_id,name,manager_id\nP1,a,\n,b,P1\n")
    with pytest.raises(DataError) as caught:
        load(workdir, {"people": {"source": "csv", "path": "people.csv"}})
    (d,) = caught.value.diagnostics
    assert (d.code, d.message, d.notes) == ("E646", "1 row has no person_id (declared required)", ["row 2 (line 3)"])


def test_unique_column(workdir):
    kpi = KPI.replace("column deal_id string", "column deal_id string unique")
    write(workdir / "deals.csv", HEADER + "".join(
        f"{deal},P1,2026-01-05,2026-01-05,1,1,1,t\n" for deal in ["D1", "D2", "D1", "D3", "D2", "D1"]))
    scheme, config = make_project(workdir, dict(DEALS), kpi)
    with pytest.raises(DataError) as caught:
        load_datasets(scheme, config, duckdb.connect())
    (d,) = caught.value.diagnostics
    assert (d.code, d.message) == ("E647", "2 values of column deal_id (declared unique) appear in more than one row")
    assert d.notes == ["'D1' in row 1 (line 2), row 3 (line 4), row 6 (line 7)", "'D2' in row 2 (line 3), row 5 (line 6)"]


def test_duplicate_keys_can_be_left_unchecked(workdir):
    write(workdir / "deals.csv", HEADER + "D1,P1,2026-01-05,2026-01-05,1,1,1,t\n" * 2)
    con, report = load(workdir, DEALS, check_keys=False)
    assert report["deals"].rows == 2


def test_skip_leaves_bad_rows_out_and_writes_them_with_reasons(workdir):
    write(workdir / "deals.csv", HEADER
          + "D1,P1,2026-01-05 09:30:00,2026-01-05,3,10,0.1,yes\n"
          + "D2,P2,yesterday,2026-01-05,12.5,-4,x,maybe\n"
          + "D3,P9,2026-01-05 10:00:00,2026-01-06,-1,5,0.2,no\n"
          + "D4,P1,2026-01-05 10:00:00,2026-01-06,1,5,0.2,no\n"
          + "D4,P2,2026-01-05 10:00:00,2026-01-06,2,5,0.2,no\n"
          + "D6,P1,2026-01-07,2026-01-07,1,1,1,1\n"
          + "D7,P9,2026-01-07,2026-01-07,1,1,1,1\n")
    con, report = load(workdir, DEALS, bad_rows="skip", rejects_dir=workdir / "rejects")
    assert [r[0] for r in rows(con, "deals")] == ["D1", "D6", "D7"]
    deals = report["deals"]
    assert (deals.rows, deals.rejected) == (3, 4)
    # P9 credits D3 (rejected) and D7 (loaded): only loaded rows count
    assert (deals.unknown_person_rows, deals.unknown_person_examples) == (1, ["P9"])
    # D7, row 7 of the file on line 8, as the source numbers it with the rejected rows gone
    assert deals.unknown_people() == ("'P9'", "row 7 (line 8)")
    with open(workdir / "rejects" / "deals.csv", encoding="utf-8", newline="") as fh:
        rejected = list(csv.DictReader(fh))
    assert [(r["_row"], r["_line"], r["deal_id"]) for r in rejected] == [
        ("2", "3", "D2"), ("3", "4", "D3"), ("4", "5", "D4"), ("5", "6", "D4")]
    assert rejected[0]["_reason"] == (
        "signed_at: 'yesterday' is not a timestamp; units: '12.5' is not a whole number; "
        "amount: -4.0000 is negative (non_negative); rate: 'x' is not a number; won: 'maybe' is not true or false")
    # the values that did not convert are kept as the source gave them
    assert (rejected[0]["signed_at"], rejected[0]["units"], rejected[0]["won"]) == ("yesterday", "12.5", "maybe")
    assert rejected[2]["_reason"] == "duplicate key deal_id 'D4'"
    assert not list(workdir.joinpath("rejects").glob(".*"))  # no temporary file left behind


def test_roster_duplicate_ids(workdir):
    write(workdir / "people.csv", "person_id,name,manager_id\nP1,a,\nP2,b,P1\nP2,c,P1\n")
    with pytest.raises(DataError) as caught:
        load(workdir, {"people": {"source": "csv", "path": "people.csv"}}, bad_rows="skip")
    (d,) = caught.value.diagnostics
    assert (d.code, d.message) == ("E650", "1 person id appears more than once in the roster")
    assert d.notes == ["'P2' in row 2 (line 3) and row 3 (line 4)"]


def test_roster_unknown_manager_and_cycle(workdir):
    unknown, cycle = _roster_errors(workdir, "P0,boss,\nP1,a,P2\nP2,b,P3\nP3,c,P1\nP4,d,P1\nP5,e,P7\n")
    assert (unknown.code, unknown.message, unknown.notes) == (
        "E651", "1 manager id in column manager_id is not a person in the roster", ["'P7' in row 6 (line 7)"])
    # P1's manager is P2, P2's is P3, P3's is P1; P4 reports into the loop but is not in it
    assert (cycle.code, cycle.message) == ("E652", "manager cycle: P1 -> P2 -> P3 -> P1")
    # the cycle's first person's row, and each person of the loop with the manager their row names
    assert str(cycle.location) == "dataset people, source people.csv, row 2, column manager_id"
    assert cycle.notes == ["row 2 (line 3): 'P1', manager_id 'P2'", "row 3 (line 4): 'P2', manager_id 'P3'",
                           "row 4 (line 5): 'P3', manager_id 'P1'"]


def test_a_long_cycle_is_shown_by_its_first_people(workdir):
    # 500 people managing each other in a ring printed all 500 ids on one line
    ring = "".join(f"P{i:03},p,P{(i + 1) % 500:03}\n" for i in range(500))
    (cycle,) = _roster_errors(workdir, "X,boss,\n" + ring)
    people = " -> ".join(f"P{i:03}" for i in range(10))
    assert (cycle.code, cycle.message) == ("E652", f"manager cycle: {people} -> ... (500 people) ... -> P000")
    assert len(cycle.notes) == 21 and cycle.notes[-1] == "... and 480 more"


def test_managers_missing_from_the_roster_are_counted_as_ids_and_rows(workdir):
    # an export that names each manager only in the manager column (Maven CRM's sales_teams.csv):
    # P1 to P7 report to M1, P8 to P31 each to one of M2 to M25: 31 rows, 25 ids; a note per
    # id (its first 5 rows), 20 of them, and the 5 ids left
    (unknown,) = _roster_errors(workdir, "".join(f"P{i},p,M{1 if i <= 7 else i - 6}\n" for i in range(1, 32)))
    assert (unknown.code, unknown.message) == (
        "E651", "31 rows name 25 manager ids in column manager_id that are not a person in the roster")
    assert str(unknown.location) == "dataset people, source people.csv, row 1, column manager_id"
    assert len(unknown.notes) == 21
    assert unknown.notes[:2] == ["'M1' in row 1 (line 2), row 2 (line 3), row 3 (line 4), row 4 (line 5), "
                                 "row 5 (line 6) and 2 more", "'M2' in row 8 (line 9)"]
    assert unknown.notes[19:] == ["'M20' in row 26 (line 27)", "... and 5 more"]
    # the way out when the managers are not rows: docs/sources.md has the query
    assert unknown.help.endswith('build the roster with a duckdb query that adds a row for each '
                                 '(docs/sources.md, "A roster whose managers are not rows")')
    sources_md = Path(__file__).resolve().parent.parent / "docs" / "sources.md"
    assert "\n### A roster whose managers are not rows\n" in sources_md.read_text(encoding="utf-8")


def test_roster_cycle_rows_as_the_file_numbers_them(workdir):
    # a title line above the header (skip_rows = 1) and a self-managed person: lines are rows + 2
    write(workdir / "people.csv", "staff export\nperson_id,name,manager_id\nP0,boss,\nP1,a,P0\nP2,b,P2\n")
    with pytest.raises(DataError) as caught:
        load(workdir, {"people": {"source": "csv", "path": "people.csv", "skip_rows": 1}})
    (cycle,) = caught.value.diagnostics
    assert (cycle.code, cycle.message) == ("E652", "manager cycle: P2 -> P2")
    assert str(cycle.location) == "dataset people, source people.csv, row 3, column manager_id"
    assert cycle.notes == ["row 3 (line 5): 'P2', manager_id 'P2'"]


def test_fingerprint_ignores_order_but_not_duplicates_or_edits(workdir):
    a = "D1,P1,2026-01-05,2026-01-05,1,1,1,t\n"
    b = "D2,P2,2026-01-05,2026-01-05,2,2,2,f\n"

    def fingerprint(text):
        write(workdir / "deals.csv", HEADER + text)
        return load(workdir, DEALS, check_keys=False)[1]["deals"].fingerprint

    original = fingerprint(a + b)
    assert fingerprint(b + a) == original
    assert fingerprint(a + b + b) != original
    assert fingerprint(a + b.replace(",2,2,f", ",2,3,f")) != original


def test_a_failed_load_changes_nothing(workdir):
    write(workdir / "deals.csv", HEADER + "D1,P1,2026-01-05,2026-01-05,1,1,1,t\n")
    scheme, config = make_project(workdir, dict(DEALS))
    con = duckdb.connect()
    load_datasets(scheme, config, con)
    write(workdir / "deals.csv", HEADER + "D9,P1,never,2026-01-05,1,1,1,t\n")
    with pytest.raises(DataError):
        load_datasets(scheme, config, con)
    assert rows(con, "deals") == [("D1", "P1", dt.datetime(2026, 1, 5), dt.date(2026, 1, 5), 1, 1, 1, True)]
    assert [n for (n,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()] == ["deals", "people"]


def test_only_the_named_datasets(workdir):
    write(workdir / "deals.csv", HEADER + "D1,P1,2026-01-05,2026-01-05,1,1,1,t\n")
    scheme, config = make_project(workdir, dict(DEALS))
    con = duckdb.connect()
    report = load_datasets(scheme, config, con, datasets=["deals"])
    assert [d.dataset for d in report.datasets] == ["deals"]
    assert report["deals"].unknown_person_rows is None  # no roster to check against
    load_datasets(scheme, config, con, datasets=["people"])
    report = load_datasets(scheme, config, con, datasets=["deals"])
    assert report["deals"].unknown_person_rows == 0  # checked against the people table loaded before


def test_missing_column_suggests_a_rename(workdir):
    found = _errors(workdir, HEADER.replace("owner_id", "Owner ID") + "D1,P1,2026-01-05,2026-01-05,1,1,1,t\n")
    (d,) = found
    assert (d.code, d.message) == ("E642", "source has no column owner_id for declared column owner_id")
    assert d.help == "did you mean 'Owner ID'? map it with rename = { \"Owner ID\" = \"owner_id\" }"


def test_columns_match_regardless_of_case(workdir):
    write(workdir / "deals.csv", HEADER.upper() + "D1,P1,2026-01-05,2026-01-05,1,1,1,t\n")
    con, _ = load(workdir, DEALS)
    assert rows(con, "deals")[0][0] == "D1"


def test_malformed_json(workdir):
    (workdir / "deals.json").write_text('[{"deal_id": "D1",, }]', encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load(workdir, {"deals": {"source": "json", "path": "deals.json"}})
    (d,) = caught.value.diagnostics
    assert d.code == "E640"
    assert d.message.startswith("could not read deals.json: ")


def test_bad_rows_must_be_stop_or_skip(workdir):
    with pytest.raises(ConfigError):
        load(workdir, {}, bad_rows="ignore")


def test_unknown_people_are_found_by_the_ids_text():
    # semantics §2: rows are matched to people as text, so "02" credits nobody when the
    # roster's integer ids are 1 and 2 ("2" credits person 2); the load says so
    from kpirules.sources.checks import unknown_persons

    con = duckdb.connect()
    con.execute("CREATE TABLE people AS SELECT * FROM (VALUES (1), (2)) t(person_id)")
    con.execute("CREATE TABLE deals AS SELECT * FROM (VALUES ('02'), ('2'), ('02'), (NULL)) t(owner_id)")
    # 2 rows, one id; the first of them is row 1
    assert unknown_persons(con, "deals", "owner_id", "people", "person_id") == (2, ["02"], 1)


def test_rows_without_a_person_are_counted(workdir):
    # D2 has an empty owner_id: it counts for nobody, and the load report says how many
    write(workdir / "deals.csv", HEADER
          + "D1,P1,2026-01-05,2026-01-05,1,1,1,t\n"
          + "D2,,2026-01-05,2026-01-05,1,1,1,t\n")
    con, report = load(workdir, DEALS)
    assert (report["deals"].rows, report["deals"].no_person_rows) == (2, 1)


def test_a_long_roster_cycle_lists_twenty_rows_and_the_rest_counted(workdir):
    # P1 is managed by P2, ..., P25 by P1: 25 people in the loop, 20 notes and "5 more"
    (cycle,) = _roster_errors(workdir, "".join(f"P{i},n,P{i % 25 + 1}\n" for i in range(1, 26)))
    # the loop starts at its smallest id, "P1", whose row is 1
    assert cycle.message.startswith("manager cycle: P1 -> P2 -> P3 -> ")
    assert cycle.location.row == 1
    assert len(cycle.notes) == 21 and cycle.notes[-1] == "... and 5 more"
    assert cycle.notes[1] == "row 2 (line 3): 'P2', manager_id 'P3'"


def test_ids_not_in_the_roster_are_listed_numbers_by_value_then_text(workdir):
    # Maven CRM's numeric ids were listed as text: '1', '10', '100', '101', '102'
    body = "".join(f"D{i},{owner},2026-01-05 09:30:00,2026-01-05,1,1,0.1,yes\n"
                   for i, owner in enumerate(["10", "9", "100", "Zed", "02", "P1"]))
    write(workdir / "deals.csv", HEADER + body)
    _, report = load(workdir, DEALS)
    assert report["deals"].unknown_person_examples == ["02", "9", "10", "100", "Zed"]
