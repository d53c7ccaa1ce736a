"""kpirules.testing: the contract checks pass for built-in sources and catch broken ones."""

from __future__ import annotations

import sqlite3
from decimal import Decimal

import pyarrow as pa
import pytest
from pydantic import ConfigDict

from kpirules import plugins
from kpirules.sources.base import Source, SourceOptions
from kpirules.sources.csv import CsvSource
from kpirules.sources.sqlite import SqliteSource
from kpirules.testing import CHECKS, ContractError, check_source_contract, make_project, make_scheme, registered

DEALS = """
dataset deals "成交" {
  person owner_id
  column deal_id string
  column owner_id string
  column amount money
}
"""
DEALS_CSV = "deal_id,owner_id,amount\nD1,韦刚,1200.50\nD2,Ann,-3\nD3,,\n"
EXPECTED = [("D1", "韦刚", Decimal("1200.5000")), ("D2", "Ann", Decimal("-3.0000")), ("D3", None, None)]
TOKEN = "tok-3f9a-secret"


@pytest.fixture(autouse=True)
def _reset():
    yield
    plugins.reset_plugins()


def test_csv_source_keeps_the_contract(workdir):
    (workdir / "deals.csv").write_text(DEALS_CSV, encoding="utf-8")
    (workdir / "empty.csv").write_text("deal_id,owner_id,amount\n", encoding="utf-8")
    report = check_source_contract(CsvSource, {"path": "deals.csv"}, DEALS, folder=workdir,
                                   expected_rows=EXPECTED, empty_options={"path": "empty.csv"})
    assert report.passed == list(CHECKS)
    assert (report.skipped, report.failed) == ({}, {})


def test_sqlite_query_source_keeps_the_contract_and_an_unchecked_promise_is_skipped(workdir):
    db = sqlite3.connect(workdir / "crm.sqlite")
    db.execute("CREATE TABLE deals (deal_id TEXT, owner_id TEXT, amount REAL)")
    db.executemany("INSERT INTO deals VALUES (?, ?, ?)",
                   [("D1", "韦刚", 1200.5), ("D2", "Ann", -3), ("D3", None, None)])
    db.commit()
    db.close()
    report = check_source_contract(SqliteSource, {"path": "crm.sqlite", "query": "SELECT * FROM deals ORDER BY 1"},
                                   DEALS, folder=workdir, expected_rows=EXPECTED)
    assert report.skipped == {"an empty source loads as an empty table":
                              "pass empty_options: the options of the same source holding no rows"}
    assert len(report.passed) == len(CHECKS) - 1


# ---------------------------------------------------------------------- broken toy sources

ROWS = pa.table({"deal_id": ["D1", "D2"], "owner_id": ["P1", "P2"], "amount": ["10", "20.5"]})


class ToyOptions(SourceOptions):
    token_env: str | None = None
    empty: bool = False


class Toy(Source):
    """A well-behaved in-memory source; the broken ones below each change one thing."""

    name = "toy"
    Options = ToyOptions

    def read(self):
        if self.options.empty:
            return ROWS.slice(0, 0)
        return ROWS


class LaxOptions(ToyOptions):
    model_config = ConfigDict(extra="allow")


class LaxToy(Toy):
    name = "lax_toy"
    Options = LaxOptions


class RowsToy(Toy):
    name = "rows_toy"

    def read(self):
        return ROWS.to_pylist()  # Python rows, one dict each


class DroppingToy(Toy):
    name = "dropping_toy"

    def read(self):
        return ROWS.drop_columns(["amount"])


class LeakyToy(Toy):
    name = "leaky_toy"

    def describe(self):
        import os

        return f"toy with token {os.environ.get(self.options.token_env, '')}"


class ChattyToy(Toy):
    name = "chatty_toy"

    def describe(self):
        return "toy\nsecond line"


class ShapelessWhenEmptyToy(Toy):
    name = "shapeless_toy"

    def read(self):
        # an empty API answer without a schema: only the column it could guess
        return pa.table({"deal_id": pa.array([], pa.string())}) if self.options.empty else ROWS


class CrashingToy(Toy):
    name = "crashing_toy"

    def read(self):
        raise RuntimeError("API returned 500")


TOY_ROWS = [("D1", "P1", Decimal("10.0000")), ("D2", "P2", Decimal("20.5000"))]


def _check(cls, workdir, **options):
    return check_source_contract(cls, options, DEALS, folder=workdir, expected_rows=TOY_ROWS,
                                 empty_options={**options, "empty": True})


def test_the_well_behaved_toy_passes(workdir):
    assert _check(Toy, workdir).passed == list(CHECKS)
    assert "toy" not in plugins.source_types()  # registered only while checked


@pytest.mark.parametrize("cls, broken, why", [
    (LaxToy, "options forbid unknown keys", "Options accepted the unknown key kpirules_contract_unknown_key"),
    (RowsToy, "read() hands over columns, not Python rows", "read() returned list"),
    (DroppingToy, "declared columns load with their declared types",
     "[E642] source has no column amount for declared column amount"),
    (ChattyToy, "describe() is one line without secrets", "describe() returned several lines"),
    (ShapelessWhenEmptyToy, "an empty source loads as an empty table", "[E642] source has no column owner_id"),
    (CrashingToy, "read() hands over columns, not Python rows", "RuntimeError: API returned 500"),
])
def test_a_broken_source_is_caught(workdir, cls, broken, why):
    with pytest.raises(ContractError) as caught:
        _check(cls, workdir)
    message = str(caught.value)
    assert message.startswith(f"source '{cls.name}' ({cls.__name__}) breaks its contract:\n")
    assert f"- {broken}: {why}" in message


def test_a_describe_showing_a_credential_is_caught(workdir, monkeypatch):
    monkeypatch.setenv("TOY_TOKEN", TOKEN)
    with pytest.raises(ContractError) as caught:
        _check(LeakyToy, workdir, token_env="TOY_TOKEN")
    assert "- describe() is one line without secrets: describe() shows a secret" in str(caught.value)
    assert TOKEN not in str(caught.value)  # the kit does not leak it either
    assert _check(Toy, workdir, token_env="TOY_TOKEN").failed == {}


# ---------------------------------------------------------------------- the project helpers


def test_make_scheme_and_make_project(workdir):
    scheme = make_scheme(DEALS, workdir / "s", timezone="Asia/Shanghai")
    assert (list(scheme.datasets), scheme.header.timezone) == (["deals"], "Asia/Shanghai")
    (workdir / "deals.csv").write_text(DEALS_CSV, encoding="utf-8")
    project = make_project(workdir, DEALS, {"deals": {"source": "csv", "path": "deals.csv"}})
    assert (workdir / "kpirules.toml").is_file() and (workdir / "scheme.kpi").is_file()
    con, report = project.load()
    assert con.execute("SELECT * FROM deals ORDER BY rowid").fetchall() == EXPECTED
    assert report["deals"].description == "CSV deals.csv (utf-8, detected, comma-separated)"
    assert project.source("deals").describe() == "CSV deals.csv (encoding detected on read, comma-separated)"


def test_registered_refuses_a_second_class_with_a_taken_name(workdir):
    class Imposter(Toy):
        name = "csv"

    with pytest.raises(ValueError, match="source type 'csv' is already registered by kpirules.sources.csv"):
        with registered(Imposter):
            pass
    with registered(Toy):
        assert plugins.get_source_type("toy").cls is Toy
    assert plugins.get_source_type("toy") is None
