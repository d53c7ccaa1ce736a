"""Words and numbers that stand for "no value" (NULL, NaN, N/A): refused where a value of
another type belongs, with a help each source can follow (docs/sources.md)."""

from __future__ import annotations

import json
import math
import sqlite3

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from source_project import load, load_problem, rows, write

from kpirules import i18n
from kpirules.errors import DataError

HEADER = "deal_id,owner_id,signed_at,signed_on,units,amount,rate,won\n"
DEAL = {"deal_id": "D1", "owner_id": "P1", "signed_at": "2026-01-05 09:30:00", "signed_on": "2026-01-05",
        "units": 1, "amount": 5, "rate": 1, "won": True}


def _jsonl(workdir, *lines: str) -> None:
    (workdir / "deals.jsonl").write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def _deal(**values) -> str:
    return json.dumps({**DEAL, **values})


@pytest.mark.parametrize("word", ["NaN", "Infinity", "-Infinity", "nan", "inf"])
def test_nan_or_infinity_in_json_lines_is_a_bad_row_on_its_own(workdir, word):
    # sources.md: a jsonl record with NaN or Infinity is not valid JSON (E644). DuckDB's reader
    # takes them, so with no other broken line they reached the loader as the text 'NaN'
    # (E643 with a help about a CSV option a jsonl binding does not have)
    _jsonl(workdir, _deal(), _deal(deal_id="D2").replace('"amount": 5', f'"amount": {word}'))
    d = load_problem(workdir, {"deals": {"source": "jsonl", "path": "deals.jsonl"}})
    assert (d.code, d.location.dataset, d.location.row) == ("E644", "deals", 2)
    assert d.message.startswith("1 record could not be read: not valid JSON")
    assert "null_values" not in d.help


def test_a_text_that_only_looks_like_nan_in_json_lines_is_read(workdir):
    _jsonl(workdir, _deal(owner_id="P1", deal_id="ratio:NaN,"), _deal(deal_id="D2", owner_id="P2"))
    con, _ = load(workdir, {"deals": {"source": "jsonl", "path": "deals.jsonl"}})
    assert [r[0] for r in rows(con, "deals")] == ["D2", "ratio:NaN,"]


@pytest.mark.parametrize("source", ["json", "jsonl"])
def test_nan_written_as_text_in_json_says_to_write_null(workdir, source):
    records = [DEAL, {**DEAL, "deal_id": "D2", "amount": "NaN"}]
    text = json.dumps(records) if source == "json" else "".join(json.dumps(r) + "\n" for r in records)
    (workdir / "deals.json").write_text(text, encoding="utf-8")
    d = load_problem(workdir, {"deals": {"source": source, "path": "deals.json"}})
    assert (d.code, d.message, d.notes) == ("E643", "1 value in column amount is not an amount of money",
                                            ["row 2 (line 2): 'NaN'" if source == "jsonl" else "row 2: 'NaN'"])
    assert d.help == "'NaN' looks like a marker for no value: write null in the file where there is no value"


def test_nan_in_a_json_array_says_to_write_null(workdir):
    # DuckDB reads NaN (which JSON has not) in a json array as the text NaN
    nan = _deal(deal_id="D2").replace('"amount": 5', '"amount": NaN')
    (workdir / "deals.json").write_text(f"[{_deal()}, {nan}]", encoding="utf-8")
    d = load_problem(workdir, {"deals": {"source": "json", "path": "deals.json"}})
    assert (d.code, d.location.row, d.location.column) == ("E643", 2, "amount")
    assert d.help == "'NaN' looks like a marker for no value: write null in the file where there is no value"


def test_a_csv_marker_help_names_the_binding_and_keeps_its_null_values(workdir):
    write(workdir / "deals.csv", HEADER + "D1,P1,2026-01-05,2026-01-05,1,NaN,1,t\n")
    d = load_problem(workdir, {"deals": {"source": "csv", "path": "deals.csv", "null_values": ["", "NULL"]}})
    assert d.help == ("'NaN' looks like a marker for no value: set null_values = [\"\", \"NULL\", \"NaN\"] in "
                      "[env.test.datasets.deals]")


@pytest.mark.parametrize("kind", [pa.float64(), pa.float32()])
def test_nan_in_a_parquet_float_column_is_not_a_number(workdir, kind):
    # a NaN payment is no amount: E643 at its row, not a value left out of a sum (a Parquet
    # null, which pandas writes for NaN, is no value, as an empty CSV field)
    table = pa.table({"deal_id": ["D1", "D2", "D3"], "owner_id": ["P1"] * 3,
                      "amount": pa.array([5.0, math.nan, None], kind), "units": pa.array([1.0, 2.0, math.nan], kind)})
    pq.write_table(table, workdir / "deals.parquet")
    with pytest.raises(DataError) as caught:
        load(workdir, {"deals": {"source": "parquet", "path": "deals.parquet"}}, kpi=_KPI)
    amount, units = sorted(caught.value.diagnostics, key=lambda d: d.location.column)
    assert (amount.code, amount.message, amount.notes) == ("E643", "1 value in column amount is not an amount of money",
                                                           ["row 2: 'nan'"])
    assert (units.code, units.location.row, units.notes) == ("E643", 3, ["row 3: 'nan'"])
    assert amount.help == ("'nan' looks like a marker for no value: where there is none, leave the value empty "
                           "(or null) at the source")


def test_an_xlsx_marker_help_says_to_leave_the_cells_empty(workdir):
    book = openpyxl.Workbook()
    book.active.append(["deal_id", "owner_id", "units", "amount"])
    book.active.append(["D1", "P1", 1, "N/A"])
    book.save(workdir / "deals.xlsx")
    d = load_problem(workdir, {"deals": {"source": "xlsx", "path": "deals.xlsx"}}, kpi=_KPI)
    assert d.help == "'N/A' looks like a marker for no value: leave those cells empty in the workbook"


def test_a_database_marker_help_says_how_to_read_it_in_a_query(workdir):
    db = sqlite3.connect(workdir / "crm.sqlite")
    db.execute("CREATE TABLE deals (deal_id TEXT, owner_id TEXT, units INTEGER, total TEXT)")
    db.execute("INSERT INTO deals VALUES ('D1', 'P1', 1, 'NULL')")
    db.commit()
    db.close()
    d = load_problem(workdir, {"deals": {"source": "sqlite", "path": "crm.sqlite", "table": "deals",
                                         "rename": {"total": "amount"}}}, kpi=_KPI)
    assert d.help == ("'NULL' looks like a marker for no value: store NULL in the database, or read it as no value "
                      "with a query: NULLIF(\"total\", 'NULL')")


def test_a_roster_whose_managers_are_a_marker_gets_its_sources_help(workdir):
    people = [{"person_id": "P1", "name": "a", "manager_id": "NULL"}, {"person_id": "P2", "name": "b", "manager_id": "P1"}]
    (workdir / "people.json").write_text(json.dumps(people), encoding="utf-8")
    d = load_problem(workdir, {"people": {"source": "json", "path": "people.json"}})
    assert d.code == "E651"
    assert d.help == "'NULL' looks like a marker for no value: write null in the file where there is no value"


@pytest.mark.parametrize("help", [
    "'NaN' looks like a marker for no value: set null_values = [\"\", \"NaN\"] in [env.e.datasets.deals]",
    "'NaN' looks like a marker for no value: write null in the file where there is no value",
    "'N/A' looks like a marker for no value: leave those cells empty in the workbook",
    "'NULL' looks like a marker for no value: store NULL in the database, or read it as no value with a query: "
    "NULLIF(\"total\", 'NULL')",
    "'nan' looks like a marker for no value: where there is none, leave the value empty (or null) at the source",
])
def test_each_marker_help_reads_as_chinese(help):
    from kpirules.errors import Diagnostic
    from kpirules.i18n_sites import CJK, english_left

    found = i18n.localize(Diagnostic("E643", "1 value in column amount is not an amount of money", help=help), "zh")
    assert CJK.search(found.help) and not english_left(found.help), found.help


_KPI = """\
scheme t "test" {
  period month
  currency CNY
  timezone "Asia/Shanghai"
}

roster people {
  id person_id
  column person_id string required unique
}

dataset deals {
  person owner_id
  key deal_id
  column deal_id string
  column owner_id string
  column units integer
  column amount money
}
"""
