"""`kpirules sources check`, `kpirules init`, and the malformed Northwind export, through the real CLI."""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import duckdb
import pytest
import tomllib
from source_project import DEALS_CSV, KPI, make_project, write

from kpirules.config import load_config
from kpirules.errors import DataError
from kpirules.model import load_scheme
from kpirules.sources.load import load_datasets

NORTHWIND_RAW = Path(__file__).resolve().parents[2] / "shared" / "data" / "northwind-neo4j-raw"


def test_sources_check_clean(workdir, run_cli):
    # D3 is credited to "P3 " (a trailing space), not P3: ids are matched as written. The id is
    # quoted so that the space shows, with the first row crediting it (row 3, on line 4)
    write(workdir / "deals.csv", DEALS_CSV.replace("P3,", "P3 ,"))
    make_project(workdir, {"deals": {"source": "csv", "path": "deals.csv"}})
    result = run_cli("sources", "check")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "people  CSV people.csv (utf-8, detected, comma-separated)  3 rows  ok",
        "deals   CSV deals.csv (utf-8, detected, comma-separated)  3 rows  ok; "
        "1 row credits people not in the roster ('P3 '), the first at row 3 (line 4)",
    ]
    # the help says which lines of the table it is about
    assert result.stderr == ("help: the people not in the roster (deals): ids are matched exactly as written, "
                             "spaces and case included; fix the id in "
                             "the source or add the person to the roster\n")
    chinese = run_cli("sources", "check", "--lang", "zh")
    assert chinese.stdout.splitlines()[1].endswith("；有 1 行记在了花名册之外的人员名下（'P3 '），第一行在第 3 行（文件第 4 行）")
    assert chinese.stderr == "帮助：花名册之外的人员（deals）：编号按原样精确匹配，空格和大小写都算在内；请在数据源中改正编号，或把此人加入花名册\n"


def test_sources_check_problems_exit_1(workdir, run_cli):
    write(workdir / "deals.csv", DEALS_CSV.replace(",12.0,", ",twelve,"))
    make_project(workdir, {"deals": {"source": "csv", "path": "deals.csv"}})
    result = run_cli("sources", "check", "--env", "test")
    assert result.exit_code == 1
    assert "deals   CSV deals.csv (utf-8, detected, comma-separated)  3 rows read  1 problem" in result.stdout
    assert ("dataset deals, source deals.csv, row 2, column units: error[E643]: "
            "1 value in column units is not a whole number") in result.stderr
    assert "= note: row 2 (line 3): 'twelve'" in result.stderr
    assert "Traceback" not in result.output


def test_sources_check_refuses_an_empty_roster_as_run_does(workdir, run_cli):
    # a roster file with only its header loads clean, but run refuses it (E504): sources check
    # passed it with exit 0
    write(workdir / "deals.csv", DEALS_CSV)
    make_project(workdir, {"people": {"source": "csv", "path": "people.csv"},
                           "deals": {"source": "csv", "path": "deals.csv"}})
    write(workdir / "people.csv", "person_id,name,manager_id\n")
    message = ("dataset people, source people.csv: error[E504]: the roster (people) has no rows: there is "
               "nobody to evaluate\n  = help: check the source it is read from (CSV people.csv (utf-8, detected, "
               "comma-separated))\n")
    checked = run_cli("sources", "check")
    assert checked.exit_code == 1, checked.output
    assert "people  CSV people.csv (utf-8, detected, comma-separated)  0 rows read  1 problem" in checked.stdout
    assert message in checked.stderr
    ran = run_cli("run", "--period", "2026-01")
    assert ran.exit_code == 1, ran.output
    assert message in ran.stderr
    # in Chinese the help's source description reads as Chinese too, as on the check's own line
    chinese = run_cli("sources", "check", "--lang", "zh")
    assert chinese.exit_code == 1
    assert "请检查读取它的数据源（CSV people.csv（utf-8、自动识别、逗号分隔））" in chinese.stderr


def test_sources_check_missing_file_exit_1(workdir, run_cli):
    make_project(workdir, {"deals": {"source": "csv", "path": "exports/deals.csv"}})
    result = run_cli("sources", "check")
    assert result.exit_code == 1
    assert "deals   CSV exports/deals.csv (encoding detected on read, comma-separated)  not read  1 problem" \
        in result.stdout
    assert "error[E640]: file not found: exports/deals.csv" in result.stderr


def test_sources_check_config_error_exit_2(workdir, run_cli):
    make_project(workdir, {"deals": {"source": "csv", "path": "deals.csv"}})
    config = workdir / "kpirules.toml"
    config.write_text(config.read_text().replace('source = "csv"\npath = "deals.csv"',
                                                 'source = "csv"\npth = "deals.csv"'), encoding="utf-8")
    result = run_cli("sources", "check", "--config", str(config))
    assert result.exit_code == 2
    assert "error[E602]: unknown key env.test.datasets.deals.pth (source csv)" in result.stderr
    assert "= help: did you mean 'path'?" in result.stderr
    assert result.stderr.startswith("kpirules.toml:13:1: ")
    make_project(workdir, {"deals": {"source": "csv", "path": "deals.csv"}})
    result = run_cli("sources", "check", "--env", "prod")
    assert result.exit_code == 2
    assert "no environment 'prod'" in result.stderr


def test_init_writes_a_starter_config_once(workdir, run_cli, ruleset_copy):
    result = run_cli("init")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("wrote kpirules.toml: 12 datasets bound to files under data/, 0 of them found there")
    written = tomllib.loads((workdir / "kpirules.toml").read_text(encoding="utf-8"))
    assert written["project"] == {"rulesets": ["rulesets"], "default_env": "default"}
    assert written["env"]["default"]["datasets"]["calls"] == {"source": "csv", "path": "data/calls.csv"}
    config = load_config(workdir / "kpirules.toml")
    scheme = load_scheme(config.ruleset_paths())
    assert set(config.bindings(scheme)) == set(scheme.datasets)
    again = run_cli("init")
    assert again.exit_code == 2
    assert "error[E611]: kpirules.toml already exists" in again.stderr
    assert run_cli("init", "--force").exit_code == 0


def test_init_after_sample_binds_the_files_sample_wrote_and_run_reads_them(workdir, run_cli, ruleset_copy):
    # init bound calls to data/calls.csv, sample writes data/calls.parquet: run failed (E640)
    assert run_cli("sample", "--out", "data").exit_code == 0
    result = run_cli("init")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("wrote kpirules.toml: 12 datasets bound to files under data/, 12 of them found there")
    datasets = tomllib.loads((workdir / "kpirules.toml").read_text(encoding="utf-8"))["env"]["default"]["datasets"]
    assert datasets["calls"] == {"source": "parquet", "path": "data/calls.parquet"}
    assert datasets["leads"] == {"source": "csv", "path": "data/leads.csv"}
    ran = run_cli("run", "--period", "2026-03", "--format", "csv")
    assert ran.exit_code == 0, ran.output
    assert "P001," in ran.stdout


def test_a_missing_file_beside_one_of_another_format_is_named_in_the_help(workdir, run_cli, ruleset_copy):
    # init first, sample after: calls stays bound to data/calls.csv, the help names calls.parquet
    assert run_cli("init").exit_code == 0
    assert run_cli("sample", "--out", "data").exit_code == 0
    result = run_cli("sources", "check")
    assert result.exit_code == 1, result.output
    assert "error[E640]: file not found: data/calls.csv" in result.stderr
    assert ('help: data/calls.parquet is there: to read it, set source = "parquet" and its path in '
            "[env.default.datasets.calls] of kpirules.toml") in result.stderr


def test_init_before_any_scheme_says_to_write_one_first(workdir, run_cli):
    result = run_cli("init")
    assert result.exit_code == 2
    assert "error[E001]: no such file or directory: rulesets" in result.stderr
    assert "put your .kpi files in rulesets/" in result.stderr
    assert not (workdir / "kpirules.toml").exists()


def test_commands_have_help_with_an_example(run_cli):
    for command in (["plugins"], ["sources"], ["sources", "check"], ["init"]):
        result = run_cli(*command, "--help")
        assert result.exit_code == 0
        assert "Example" in result.stdout, command


# ---------------------------------------------------------------------- the malformed Northwind export

NORTHWIND_KPI = """\
scheme northwind {
  period month
  currency USD
}

dataset orders {
  person employeeID
  key orderID
  date orderDate
  column orderID string
  column customerID string
  column employeeID string
  column orderDate date
  column freight money non_negative
  column shipCountry string
}
"""


@pytest.fixture
def northwind(workdir):
    if not NORTHWIND_RAW.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{NORTHWIND_RAW} is missing; CI must have the shared data")
        pytest.skip(f"the shared Northwind data is not here ({NORTHWIND_RAW})")
    shutil.copy(NORTHWIND_RAW / "orders.csv", workdir / "orders.csv")
    (workdir / "northwind.kpi").write_text(NORTHWIND_KPI, encoding="utf-8")
    (workdir / "kpirules.toml").write_text(
        '[project]\nrulesets = ["northwind.kpi"]\n\n[env.raw.datasets.orders]\n'
        'source = "csv"\npath = "orders.csv"\nnull_values = ["", "NULL"]\n', encoding="utf-8")
    return load_scheme([workdir / "northwind.kpi"]), load_config(workdir / "kpirules.toml")


def test_northwind_wrong_field_counts_are_reported_precisely(northwind):
    scheme, config = northwind
    with pytest.raises(DataError) as caught:
        load_datasets(scheme, config, duckdb.connect())
    (d,) = caught.value.diagnostics
    # SOURCE.txt: 176 of the 830 orders have 15 fields instead of 14 (an unquoted comma in shipAddress)
    assert (d.code, d.message) == ("E644", "176 records could not be read: 15 fields where the header has 14")
    assert str(d.location) == "dataset orders, source orders.csv, row 3"
    # the first bad record is order 10250 on line 4 of the file ("Rua do Paço, 67")
    assert d.notes[0].startswith("row 3 (line 4): 10250,HANAR,4,1996-07-08")
    assert len(d.notes) == 21 and d.notes[-1] == "... and 156 more"


def test_northwind_skipped_rows_lose_nothing(northwind, workdir):
    scheme, config = northwind
    con = duckdb.connect()
    report = load_datasets(scheme, config, con, bad_rows="skip", rejects_dir=workdir / "rejects")
    orders = report["orders"]
    assert (orders.rows, orders.rejected) == (654, 176)  # 654 + 176 = 830 orders
    with open(workdir / "rejects" / "orders.csv", encoding="utf-8", newline="") as fh:
        rejected = list(csv.DictReader(fh))
    assert len(rejected) == 176
    assert {r["_reason"] for r in rejected} == {"15 fields where the header has 14"}
    kept = {r[0] for r in con.execute("SELECT orderID FROM orders").fetchall()}
    lost = {r["_text"].split(",")[0] for r in rejected}
    all_orders = {line.split(",")[0] for line in (workdir / "orders.csv").read_text("utf-8").splitlines()[1:]}
    assert kept | lost == all_orders and not kept & lost
    assert rejected[0]["_line"] == "4"


def test_northwind_through_the_cli(northwind, run_cli):
    result = run_cli("sources", "check")
    assert result.exit_code == 1
    assert result.stdout.strip() == \
        "orders  CSV orders.csv (utf-8, detected, comma-separated)  830 rows read  1 problem"
    assert "176 records could not be read: 15 fields where the header has 14" in result.stderr


# ---------------------------------------------------------------------- bad input through the CLI

ROSTER_ONLY = KPI[: KPI.index("dataset deals")]


def _bad_inputs(workdir: Path) -> dict[str, tuple[dict, str]]:
    """Each case: the people binding, and what the message must say."""
    import sqlite3

    (workdir / "folder.csv").mkdir()
    (workdir / "gbk.csv").write_bytes("person_id,name,manager_id\nP1,韦刚,\n".encode("gbk"))
    (workdir / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    (workdir / "fields.csv").write_text("person_id,name,manager_id\nP1,a,\nP2,b,P1,extra\n", encoding="utf-8")
    db = sqlite3.connect(workdir / "hr.sqlite")
    db.execute("CREATE TABLE staff (person_id TEXT, name TEXT, manager_id TEXT)")
    db.commit()
    db.close()
    return {
        "missing file": ({"source": "csv", "path": "nowhere.csv"}, "error[E640]: file not found: nowhere.csv"),
        "directory": ({"source": "csv", "path": "folder.csv"}, "folder.csv is a directory, not a file"),
        "encoding": ({"source": "csv", "path": "gbk.csv", "encoding": "utf-8"},
                     'gbk.csv is not valid UTF-8; it looks like gb18030: set encoding = "gb18030"'),
        "xlsx": ({"source": "xlsx", "path": "broken.xlsx"}, "error[E640]: cannot open workbook broken.xlsx"),
        "field count": ({"source": "csv", "path": "fields.csv"},
                        "1 record could not be read: 4 fields where the header has 3"),
        "query": ({"source": "sqlite", "path": "hr.sqlite", "query": "SELECT * FORM staff"},
                  'SQLite could not run the query: near "FORM": syntax error'),
    }


@pytest.mark.parametrize("case", ["missing file", "directory", "encoding", "xlsx", "field count", "query"])
def test_bad_input_gives_a_clear_message_and_exit_1(workdir, run_cli, case):
    binding, expected = _bad_inputs(workdir)[case]
    make_project(workdir, {"people": binding}, ROSTER_ONLY)
    result = run_cli("sources", "check")
    assert result.exit_code == 1, result.output
    assert expected in result.stderr
    assert "Traceback" not in result.output


def test_columns_naming_fewer_fields_than_every_record_is_one_config_error(workdir, run_cli):
    # header = false, and every record has 5 fields where `columns` names 3: not one E644 per record
    write(workdir / "roster.tsv", "P1\t韦刚\t\tx\ty\nP2\t段佳怡\tP1\tx\ty\n")
    make_project(workdir, {"people": {"source": "csv", "path": "roster.tsv", "delimiter": "\t", "header": False,
                                      "columns": ["person_id", "name", "manager_id"]}}, ROSTER_ONLY)
    result = run_cli("sources", "check")
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert lines[0] == ("kpirules.toml:12:1: error[E603]: env.test.datasets.people.columns names 3 columns, "
                        "but every record of roster.tsv has 5 fields")
    assert lines[2] == "12 | columns = ["
    assert "  = help: list every field of a record, in order: 5 names" in lines
    assert "E644" not in result.stderr and "Traceback" not in result.output


def test_plugin_failures_through_the_cli(workdir, run_cli):
    import pyarrow as pa

    from kpirules import plugins
    from kpirules.hookspecs import hookimpl
    from kpirules.sources.base import Source, SourceOptions

    class Partial(Source):
        name = "partial"
        Options = SourceOptions

        def read(self):
            return pa.table({"person_id": ["P1"], "nam": ["a"], "manager_id": [None]})

    class Good:
        @hookimpl
        def register_sources(self, register):
            register(Partial)

    class Boom:
        @hookimpl
        def register_sources(self, register):
            raise RuntimeError("licence server down")

    try:
        plugins.pm.register(Good(), name="partial-plugin")
        make_project(workdir, {"people": {"source": "partial"}}, ROSTER_ONLY)
        result = run_cli("sources", "check")
        assert result.exit_code == 1
        assert "error[E642]: source has no column name for declared column name" in result.stderr
        assert "did you mean 'nam'?" in result.stderr
        plugins.pm.register(Boom(), name="boom")
        result = run_cli("sources", "check")
        assert result.exit_code == 2
        assert "plugin boom raised while registering sources: RuntimeError: licence server down" in result.stderr
    finally:
        plugins.reset_plugins()


@pytest.mark.parametrize("method", ["close", "describe", "locator"])
def test_a_source_failing_outside_read_is_its_plugins_error(workdir, run_cli, method):
    # close() raising gave a raw traceback (exit 1); describe() or locator "internal error ...
    # a bug in kpirules" (exit 2)
    import pyarrow as pa

    from kpirules import plugins
    from kpirules.hookspecs import hookimpl
    from kpirules.sources.base import Source, SourceOptions

    class Faulty(Source):
        name = "faulty"
        Options = SourceOptions

        def read(self):
            return pa.table({"person_id": ["P1"], "name": ["a"], "manager_id": [None]})

        def close(self):
            if method == "close":
                raise OSError("close bug")

        def describe(self):
            if method == "describe":
                raise ValueError("describe bug")
            return "faulty source"

        @property
        def locator(self):
            if method == "locator":
                raise ValueError("locator bug")
            return "faulty"

    class Plugin:
        @hookimpl
        def register_sources(self, register):
            register(Faulty)

    try:
        plugins.pm.register(Plugin(), name="faulty-plugin")
        make_project(workdir, {"people": {"source": "faulty"}}, ROSTER_ONLY)
        result = run_cli("sources", "check")
        assert result.exit_code == 2, result.output
        assert "error[E620]: plugin faulty-plugin raised in " in result.stderr
        assert "of source faulty (dataset people): " in result.stderr
        assert "Traceback" not in result.output and "internal error" not in result.output
    finally:
        plugins.reset_plugins()


def test_a_plugin_handing_over_two_columns_of_one_name_is_refused(workdir, run_cli):
    # DuckDB read the first `name` and dropped the second, without a word
    import pyarrow as pa

    from kpirules import plugins
    from kpirules.hookspecs import hookimpl
    from kpirules.sources.base import Source, SourceOptions

    class Twice(Source):
        name = "twice"
        Options = SourceOptions

        def read(self):
            return pa.Table.from_arrays([pa.array(["P1"]), pa.array(["a"]), pa.array(["b"]), pa.array([None], pa.string())],
                                        names=["person_id", "name", "name", "manager_id"])

    class Plugin:
        @hookimpl
        def register_sources(self, register):
            register(Twice)

    try:
        plugins.pm.register(Plugin(), name="twice-plugin")
        make_project(workdir, {"people": {"source": "twice"}}, ROSTER_ONLY)
        result = run_cli("sources", "check")
        assert result.exit_code == 1, result.output
        assert "error[E640]: source twice returned two columns named name" in result.stderr
    finally:
        plugins.reset_plugins()


NORTHWIND_CLEAN = NORTHWIND_RAW.parent / "northwind"


def test_a_null_marker_gets_a_hint_to_declare_it(workdir, run_cli):
    # the clean Northwind export writes missing shipped dates as the word NULL (21 open orders)
    if not NORTHWIND_CLEAN.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{NORTHWIND_CLEAN} is missing; CI must have the shared data")
        pytest.skip(f"the shared Northwind data is not here ({NORTHWIND_CLEAN})")
    shutil.copy(NORTHWIND_CLEAN / "orders.csv", workdir / "orders.csv")
    shipped = NORTHWIND_KPI.replace("  column shipCountry string\n", "  column shipCountry string\n  column shippedDate timestamp\n")
    (workdir / "northwind.kpi").write_text(shipped, encoding="utf-8")
    config = '[project]\nrulesets = ["northwind.kpi"]\n\n[env.raw.datasets.orders]\nsource = "csv"\npath = "orders.csv"\n'
    (workdir / "kpirules.toml").write_text(config, encoding="utf-8")
    result = run_cli("sources", "check")
    assert result.exit_code == 1
    assert "error[E643]: 21 values in column shippedDate are not timestamps" in result.stderr
    assert """help: 'NULL' looks like a marker for no value: set null_values = ["", "NULL"] in [env.raw.datasets.orders]""" in result.stderr
    # following the hint makes the source clean
    (workdir / "kpirules.toml").write_text(config + 'null_values = ["", "NULL"]\n', encoding="utf-8")
    assert run_cli("sources", "check").exit_code == 0


def test_init_never_writes_over_a_scheme_it_read(workdir, run_cli, ruleset_copy):
    before = (workdir / "rulesets" / "common.kpi").read_bytes()
    result = run_cli("init", "--force", "-o", "rulesets/common.kpi")
    assert result.exit_code == 2
    assert "error[E006]: rulesets/common.kpi is one of this command's inputs" in result.stderr
    assert (workdir / "rulesets" / "common.kpi").read_bytes() == before



def test_a_missing_column_is_not_matched_with_a_column_another_declared_column_reads(workdir, run_cli):
    # deals.csv without signed_at: its closest column, signed_on, is declared and read as signed_on, so
    # renaming it to signed_at would only move the problem: no guess, the columns are listed
    header, *rows = DEALS_CSV.splitlines()
    without = [",".join(f for i, f in enumerate(line.split(",", 8)) if i != 2) for line in [header, *rows]]
    write(workdir / "deals.csv", "\n".join(without) + "\n")
    make_project(workdir, {"deals": {"source": "csv", "path": "deals.csv"}})
    result = run_cli("sources", "check")
    assert result.exit_code == 1, result.output
    assert "error[E642]: source has no column signed_at for declared column signed_at" in result.stderr
    assert "= help: the source's columns: deal_id, owner_id, signed_on, units, amount, rate, won, note" \
        in result.stderr
    assert "did you mean" not in result.stderr


def test_sources_check_lines_up_chinese_dataset_names_by_display_width(workdir, run_cli):
    # 回款记录 is four characters and eight columns wide: padding by characters put the
    # descriptions of 人员 and 回款记录 two columns apart
    write(workdir / "deals.csv", DEALS_CSV)
    kpi = KPI.replace("dataset deals {", "dataset 回款记录 {").replace("(deals", "(回款记录").replace("deals.", "回款记录.")
    make_project(workdir, {"回款记录": {"source": "csv", "path": "deals.csv"}}, kpi=kpi)
    result = run_cli("sources", "check")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "people    CSV people.csv (utf-8, detected, comma-separated)  3 rows  ok",
        "回款记录  CSV deals.csv (utf-8, detected, comma-separated)  3 rows  ok",
    ]


@pytest.mark.parametrize("source", ["csv", "parquet"])
def test_an_unreadable_data_file_says_so_not_a_plugin_bug(workdir, unreadable, run_cli, source):
    # it said "source csv failed to read: PermissionError: [Errno 13] ...; if they are right,
    # this is a bug in the source plugin"
    name = f"people.{source}"
    roster = duckdb.sql("SELECT 'P1' AS person_id, 'a' AS name, NULL::VARCHAR AS manager_id")
    (roster.write_csv if source == "csv" else roster.write_parquet)(str(workdir / name))
    make_project(workdir, {"people": {"source": source, "path": name}}, ROSTER_ONLY)
    unreadable(workdir / name)
    result = run_cli("sources", "check")
    assert result.exit_code == 1, result.output
    assert f"error[E640]: cannot read {name}: permission denied" in result.stderr
    assert "give yourself permission to read it (chmod u+r), or run as a user who may" in result.stderr
    assert "bug" not in result.stderr and "Traceback" not in result.output
