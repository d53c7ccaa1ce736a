"""`kpirules run` and `explain` as a user meets them: defaults, bad input, nothing half-written."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from kpirules.cli import cli

ROOT = Path(__file__).resolve().parents[1]


def invoke(*args):
    return CliRunner().invoke(cli, list(args))


def test_default_period_is_the_latest_month_the_data_covers():
    result = invoke("run", "--role", "telesales")
    assert result.exit_code == 0, result.output
    # the sample data runs to 2026-12-31, so December 2026 has ended within it
    assert result.stdout.startswith("Scheme sales_2026, period 2026-12: the latest month that ended on or before")


def test_a_mistyped_period_is_a_usage_error_before_any_data_is_read(tmp_path, monkeypatch):
    project = tmp_path / "project"
    shutil.copytree(ROOT / "rulesets", project / "rulesets")
    shutil.copytree(ROOT / "data", project / "data")
    shutil.copy(ROOT / "kpirules.toml", project / "kpirules.toml")
    # break the data: the period error must still be the one reported
    (project / "data" / "sample" / "people.csv").write_text("person_id\n", encoding="utf-8")
    monkeypatch.chdir(project)
    result = invoke("run", "--period", "26Q1")
    assert result.exit_code == 2
    assert "error[E020]: '26Q1' is not a period" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("args", "message"), [
    # these were internal errors (ValueError: year 10000 is out of range)
    (["--period", "9999-12"], "'9999-12' is out of range: periods are in the years 1900 to 2999"),
    (["--period", "9999"], "'9999' is out of range: periods are in the years 1900 to 2999"),
    (["--period", "9999Q4"], "'9999Q4' is out of range: periods are in the years 1900 to 2999"),
    (["--period", "0000-01"], "'0000-01' is out of range: periods are in the years 1900 to 2999"),
    (["--as-of", "9999-12-31"], "--as-of 9999-12-31 is out of range: periods are in the years 1900 to 2999"),
    # accepted and shown as "period 1-01"
    (["--period", "0001-01"], "'0001-01' is out of range: periods are in the years 1900 to 2999"),
    # was "'1-01' is not a period"
    (["--as-of", "0001-01-01"], "--as-of 0001-01-01 is out of range: periods are in the years 1900 to 2999"),
    # evaluated the default period
    (["--period", ""], "'' is not a period"),
    (["--as-of", "2026-03-04", "--period", ""], "'' is not a period"),
])
def test_a_period_outside_the_supported_years_is_a_usage_error(args, message):
    result = invoke("run", *args)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"error[E020]: {message}\n")
    assert "internal error" not in result.output


@pytest.mark.parametrize("command", [["explain", "P003"], ["report", "-o", "out.html"], ["diff", "rulesets"]])
def test_every_command_refuses_a_period_out_of_range(tmp_path, monkeypatch, command):
    _project(tmp_path, monkeypatch)
    result = invoke(*command, "--period", "9999-12")
    assert result.exit_code == 2, result.output
    assert "error[E020]: '9999-12' is out of range: periods are in the years 1900 to 2999" in result.stderr


@pytest.mark.parametrize("command", [["run"], ["explain", "P003"], ["report", "-o", "out.html"], ["diff", "rulesets"],
                                     ["sources", "check"]])
def test_an_unknown_env_is_named_without_a_line_of_the_configuration(command):
    """The name came from the command line: no line of kpirules.toml is to blame (diff quoted
    the file's first comment at kpirules.toml:1:1)."""
    result = invoke(*command, "--env", "nosuch")
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error[E606]: no environment 'nosuch' in kpirules.toml\n"), result.stderr
    assert "kpirules.toml:1:1" not in result.stderr and "  = help: environments: sample" in result.stderr


def test_a_period_the_data_does_not_cover(tmp_path):
    out = tmp_path / "out.json"
    result = invoke("run", "--period", "2027-05", "--format", "json", "-o", str(out))
    assert result.exit_code == 1
    assert "error[E503]: no data covers 2027-05: the latest date in the data is 2026-12-31" in result.output
    # the place says `row 93108` (of a Parquet file, which numbers no lines): no note repeats it
    # (a CSV's note adds the line: tests/test_docs_worked_edges.py)
    assert "row 93108, column called_at: error[E503]" in result.output and "= note:" not in result.output
    assert not out.exists()  # nothing written


@pytest.mark.parametrize("command", [["run", "--format", "json"], ["explain", "S001"]])
def test_an_output_in_a_missing_folder_is_a_usage_error_before_any_work(tmp_path, command):
    out = tmp_path / "missing" / "out.json"
    result = invoke(*command, "-o", str(out))
    assert result.exit_code == 2
    assert f"the folder {out.parent} does not exist; create it first" in result.stderr
    assert "Traceback" not in result.output and "internal error" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_a_table_of_several_periods_says_which_period_each_row_is():
    result = invoke("run", "--period", "2026Q1", "--role", "telesales")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    header = next(line for line in lines if line.strip().startswith("person"))
    assert header.split()[:2] == ["person", "period"]
    rows = [line.split() for line in lines if line.strip().startswith("P0")]
    assert {r[1] for r in rows} == {"2026-01", "2026-02", "2026-03"} and len(rows) == 81
    assert "telesales): 27 people" in result.stdout
    assert "27 people evaluated in 3 periods (81 results)" in result.stdout


@pytest.mark.parametrize("command", [["run", "--format", "csv"], ["run", "--format", "jsonl"],
                                     ["explain", "P003", "--format", "json"]])
def test_data_formats_say_the_period_and_why_on_stderr(command):
    # semantics §1: the output always says which period was evaluated and why; data formats
    # keep standard output for the data
    result = invoke(*command)
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("period 2026-12: the latest month that ended on or before the latest date")
    assert "period 2026-12" not in result.stdout


def test_warnings_follow_the_table_on_stdout_and_go_to_stderr_for_data_formats():
    # output.md: the sample's calls credit P999, who is not in the roster
    warning = "warning: calls: 3 rows credited to people not in the roster ('P999'), the first at row 17967"
    table = invoke("run", "--period", "2026-12")
    assert table.exit_code == 0, table.output
    after = table.stdout.split("58 people evaluated")[1]  # the table's last lines
    # a warning is one line, however long: a file written with -o keeps it whole
    assert after.splitlines()[1].startswith(warning) and after.splitlines()[1].endswith("add the person to the roster")
    assert "credited" not in table.stderr
    data = invoke("run", "--period", "2026-12", "--format", "csv")
    assert any(line.startswith(warning) for line in data.stderr.splitlines()) and "credited" not in data.stdout


def test_json_output_carries_the_manifest(tmp_path):
    out = tmp_path / "run.json"
    result = invoke("run", "--period", "2026-03", "--role", "customer_success_manager", "--format", "json", "-o", str(out))
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    manifest = data["manifest"]
    assert manifest["periods"] == ["2026-03"]
    assert set(manifest["scheme_files"]) == {
        "rulesets/common.kpi", "rulesets/customer_success_manager.kpi", "rulesets/key_account_manager.kpi",
        "rulesets/sales_manager.kpi", "rulesets/telesales.kpi",
    }
    assert manifest["datasets"]["calls"]["rows"] == 93441
    assert len(manifest["datasets"]["calls"]["fingerprint"]) > 8
    assert {p["role"] for p in data["people"]} == {"customer_success_manager"}
    assert all(isinstance(p["payout"]["total"], str) for p in data["people"])  # decimals as strings


def test_xlsx_needs_an_output_file():
    result = invoke("run", "--format", "xlsx")
    assert result.exit_code == 2
    assert "error[E003]: --format xlsx needs --output FILE" in result.output


@pytest.mark.parametrize(("person", "expected"), [
    ("P404", "error[E513]: person P404 is not in the roster (people)"),
    ("P999", "error[E513]: person P999 is not in the roster (people)"),
    # quoted when its blanks would not show (it read "person  is not")
    ("P003 ", "error[E513]: person 'P003 ' is not in the roster (people)"),
    ("", "error[E513]: person '' is not in the roster (people)"),
])
def test_explain_names_an_unknown_person(person, expected):
    result = invoke("explain", person, "--period", "2026-03")
    assert result.exit_code == 1
    assert expected in result.output


def test_explain_of_a_leaver_after_leaving():
    # P015 left on 2026-06-12: nothing to explain for July
    result = invoke("explain", "P015", "--period", "2026-07")
    assert result.exit_code == 1
    assert "error[E514]: person P015 was not active in the period" in result.output
    assert "note: left on 2026-06-12, before the period" in result.output


def test_explain_of_a_person_hired_after_every_period_asked_says_so():
    # P019 was hired on 2026-06-15: for 2026Q1 the note was missing (it was given for one period only)
    result = invoke("explain", "P019", "--period", "2026Q1")
    assert result.exit_code == 1
    assert "nothing to explain for 2026-01, 2026-02, 2026-03" in result.output
    assert "note: hired on 2026-06-15, after the periods" in result.output


def test_explain_of_a_person_inactive_in_some_periods_and_in_no_role_in_others_says_each(sample_project):
    # P019, hired on 2026-06-15, with no role: E514 said "matches no role" for all of 2026Q2,
    # though in April and May they were not yet hired
    people = sample_project / "data" / "sample" / "people.csv"
    text = people.read_text(encoding="utf-8")
    assert text.count("P019,崔怡雨,telesales,") == 1
    people.write_text(text.replace("P019,崔怡雨,telesales,", "P019,崔怡雨,,"), encoding="utf-8")
    result = invoke("explain", "P019", "--period", "2026Q2")
    assert result.exit_code == 1
    assert ("error[E514]: person P019 was evaluated in none of the periods, so there is nothing to explain for "
            "2026-04, 2026-05, 2026-06") in result.output
    assert [line.strip() for line in result.output.splitlines() if "note:" in line] == [
        "= note: in 2026-04: not active: hired on 2026-06-15, after the period",
        "= note: in 2026-05: not active: hired on 2026-06-15, after the period",
        "= note: in 2026-06: matches no role as of 2026-06-30",
    ]


def test_run_says_why_a_person_asked_for_was_not_evaluated(sample_project):
    # `run --person P015 --period 2026-07` printed "0 people evaluated." and no more: P015
    # left on 2026-06-12 (data/sample/people.csv)
    result = invoke("run", "--period", "2026-07", "--person", "P015", "--person", "P003")
    assert result.exit_code == 0, result.output
    assert "1 person evaluated" in result.stdout
    assert ("warning: --person P015 was not evaluated for 2026-07: not active: left on 2026-06-12, before the "
            "period") in result.output
    assert "--person P003" not in result.output
    result = invoke("--lang", "zh", "run", "--period", "2026-07", "--person", "P015")
    assert "--person P015 在 2026-07 没有被评估：不在职：2026-06-12 离职，在该期间之前" in result.output


def test_explain_points_every_step_at_its_line():
    result = invoke("explain", "P027", "--period", "2026-06")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "KPI collection_rate “回款率” (outcome main, rulesets/telesales.kpi:" in text
    assert ("gate collection_rate.attainment >= 80% failed (the condition does not hold with collection_rate.attainment 72.0589%): factor capped at 0.5"
            in text)
    assert "incentive = 3000 CNY × 0.5 = 1500.00 CNY (rounded half_up to 0.01)" in text


# key_account_manager weighs new_key_customers 35% and key_revenue 30% (quarterly: the quarter
# closes in December, so in November they are not scored), and two monthly KPIs 20% and 15%
# (rulesets/key_account_manager.kpi). P043 scores 22 and 14.5455 points on those, which the
# engine scales by 100% / 35%: 36.5455 / 0.35 = 104.415714 (to six places).
@pytest.mark.parametrize("lang, line", [
    # 36.5455 / 0.35 = 104.41571428...: the line says the total was rounded
    ("en", "\ntotal score: (22 + 14.5455) × 100% / 35% = 104.415714 (rounded to 6 places)\n"),
    ("zh", "\n总分：(22 + 14.5455) × 100% / 35% = 104.415714（四舍五入到 6 位小数）\n"),
])
def test_explain_writes_the_rescaled_total_as_true_arithmetic(lang, line):
    result = invoke("explain", "P043", "--period", "2026-11", "--lang", lang)
    assert result.exit_code == 0, result.output
    assert line in result.stdout


def test_explain_total_without_rescaling_is_a_plain_sum():
    # March closes the first quarter, so the quarterly KPIs are scored too: no rescaling, the
    # points simply add up (the same figures `kpirules run --period 2026-03` shows for P043)
    result = invoke("explain", "P043", "--period", "2026-03")
    assert result.exit_code == 0, result.output
    assert "\ntotal score: 42 + 45 + 17.64706 + 15 = 119.64706\n" in result.stdout


@pytest.mark.parametrize(("lang", "first"), [("en", "internal error: ZeroDivisionError: boom"),
                                             ("zh", "内部错误：ZeroDivisionError: boom")])
def test_an_internal_error_is_reported_in_the_run_language_without_a_traceback(monkeypatch, capsys, lang, first):
    import kpirules.cli.run as run_module
    from kpirules.cli import main

    def boom(*args, **kwargs):
        raise ZeroDivisionError("boom")

    monkeypatch.delenv("KPIRULES_DEBUG", raising=False)
    monkeypatch.setattr(run_module, "prepare", boom)
    with pytest.raises(SystemExit) as stopped:
        main(["--lang", lang, "run", "--period", "2026-03"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.splitlines()[0] == first and "Traceback" not in err


def test_the_workbook_holds_the_csv_numbers_as_numbers(tmp_path):
    """run --format xlsx: the CSV's rows, each number a number cell equal to the CSV's text
    (Excel holds doubles: the sample's values have at most 15 significant digits)."""
    openpyxl = pytest.importorskip("openpyxl")
    import csv
    import io
    from decimal import Decimal

    out = tmp_path / "run.xlsx"
    assert invoke("run", "--format", "xlsx", "-o", str(out)).exit_code == 0
    csv_result = invoke("run", "--format", "csv")
    assert csv_result.exit_code == 0
    expected = list(csv.DictReader(io.StringIO(csv_result.stdout)))
    book = openpyxl.load_workbook(out)
    numeric = {"value", "target", "attainment", "score", "weight", "contribution", "total_score", "payout"}
    seen = 0
    for sheet in book.worksheets[1:]:
        rows = list(sheet.iter_rows(values_only=True))
        header = list(rows[0])
        assert header == [c for c in expected[0] if c != "currency"]
        for cells in rows[1:]:
            row = dict(zip(header, cells))
            want = next(e for e in expected if (e["person_id"], e["kpi"]) == (row["person_id"], row["kpi"]))
            for column in header:
                if column in numeric and want[column] not in ("", "Infinity"):
                    assert isinstance(row[column], (int, float)), (column, row[column])
                    assert Decimal(repr(row[column])) == Decimal(want[column]), (column, row, want)
                elif column not in numeric:
                    assert (row[column] or "") == want[column], (column, row, want)
            seen += 1
    assert seen == len(expected)
    summary = list(book["summary"].iter_rows(values_only=True))
    payouts = {r[1]: r[7] for r in summary[1:]}
    assert all(isinstance(v, (int, float)) for v in payouts.values() if v is not None)
    # the payout is the CSV's, and shown with two decimals
    assert Decimal(repr(payouts["P003"])) == Decimal(next(e["payout"] for e in expected if e["person_id"] == "P003"))
    assert book["summary"]["H2"].number_format == "#,##0.00"


def test_the_factor_step_points_at_the_factor_row_that_applied():
    # P003 (telesales) totals 98.85 in December 2026: the row [60, 100) of the factor table
    result = invoke("explain", "P003", "--format", "json")
    assert result.exit_code == 0, result.output
    steps = json.loads(result.stdout)[0]["payout"]["steps"]
    factor = next(s for s in steps if s["step"] == "factor")
    path, line, _ = factor["span"].rsplit(":", 2)
    written = (ROOT / path).read_text(encoding="utf-8").splitlines()[int(line) - 1]
    assert written.strip().startswith("[60, 100):"), written
    assert f"is in [60, 100): linear 0.6 to 1 = 0.6 + (1 − 0.6) × (98.85 − 60) / (100 − 60) = 0.9885  [{path}:{line}]" \
        in invoke("explain", "P003").stdout


def test_a_rejects_folder_that_cannot_be_written_is_e007(tmp_path, monkeypatch, unreadable):
    # a read-only folder (`unreadable` runs this test without root's capabilities, conftest):
    # a PermissionError traceback, exit 1
    project = tmp_path / "project"
    shutil.copytree(ROOT / "rulesets", project / "rulesets")
    shutil.copytree(ROOT / "data", project / "data")
    shutil.copy(ROOT / "kpirules.toml", project / "kpirules.toml")
    with open(project / "data" / "sample" / "payments.csv", "a", encoding="utf-8") as fh:
        fh.write("PAYX,P003,2026-03-05,abc\n")
    locked = project / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    monkeypatch.chdir(project)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("this user writes into read-only folders (root)")
        result = invoke("run", "--period", "2026-03", "--on-bad-rows", "skip", "--rejects", "locked")
        assert result.exit_code == 2, result.output
        assert "error[E007]: cannot write the rejects file locked/payments.csv: Permission denied" in result.output
        assert "Traceback" not in result.output and list(locked.iterdir()) == []
    finally:
        locked.chmod(0o755)


def test_the_rejects_folder_never_replaces_files_kpirules_did_not_write(tmp_path, monkeypatch):
    # --rejects data/sample (the data's own folder) used to delete every <dataset>.csv there
    project = tmp_path / "project"
    shutil.copytree(ROOT / "rulesets", project / "rulesets")
    shutil.copytree(ROOT / "data", project / "data")
    shutil.copy(ROOT / "kpirules.toml", project / "kpirules.toml")
    monkeypatch.chdir(project)
    before = {p.name: p.read_bytes() for p in (project / "data" / "sample").iterdir()}
    result = invoke("run", "--on-bad-rows", "skip", "--rejects", "data/sample")
    assert result.exit_code == 2
    assert "error[E649]: the rejects folder data/sample holds " in result.output
    assert {p.name: p.read_bytes() for p in (project / "data" / "sample").iterdir()} == before
    # a folder of rejects files from an earlier run is fine: a clean run removes them
    (project / "rej").mkdir()
    (project / "rej" / "calls.csv").write_text("_row,_line,_reason,_text,call_id\n1,2,bad,,c1\n", encoding="utf-8")
    result = invoke("run", "--on-bad-rows", "skip", "--rejects", "rej")
    assert result.exit_code == 0, result.output
    assert not (project / "rej" / "calls.csv").exists()
    # --rejects without --on-bad-rows skip was silently ignored
    result = invoke("run", "--rejects", "rej", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert ("warning: --rejects rej is written only with --on-bad-rows skip; without it a bad row stops the run"
            in result.stderr)
    # the results written into the rejects folder would replace the rejects, or be removed (E008)
    result = invoke("run", "--on-bad-rows", "skip", "--rejects", "rej", "--format", "csv", "-o", "rej/payments.csv")
    assert result.exit_code == 2
    assert "error[E008]: -o rej/payments.csv is inside the --rejects folder rej, whose files the run replaces" \
        in result.output
    assert not (project / "rej" / "payments.csv").exists()


@pytest.mark.parametrize("args", [
    ("run", "--format", "csv", "-o", "data/sample/people.csv"),  # a data file
    ("run", "--manifest", "rulesets/telesales.kpi"),  # a scheme file
    ("export", "-o", "kpirules.toml"),  # the configuration
    ("report", "-o", "rulesets/common.kpi"),
    # a test file, given as the path to test: its cases would be lost
    ("test", "rulesets/telesales.kpitest.toml", "-o", "rulesets/telesales.kpitest.toml"),
    # commands given their rulesets read kpirules.toml for its `lang` only: it was replaced
    ("schema", "-o", "kpirules.toml"),
    ("rules", "-o", "kpirules.toml"),
    ("export", "rulesets", "-o", "kpirules.toml"),
    ("test", "rulesets", "-o", "kpirules.toml"),
])
def test_no_output_replaces_an_input(tmp_path, monkeypatch, args):
    project = tmp_path / "project"
    shutil.copytree(ROOT / "rulesets", project / "rulesets")
    shutil.copytree(ROOT / "data", project / "data")
    shutil.copy(ROOT / "kpirules.toml", project / "kpirules.toml")
    monkeypatch.chdir(project)
    target = project / args[-1]
    before = target.read_bytes()
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert f"error[E006]: {args[-1]} is one of this command's inputs" in result.output
    assert target.read_bytes() == before


def test_no_output_replaces_an_input_a_warm_cache_or_a_manifest_stands_for(sample_project):
    project = sample_project
    common = (project / "rulesets" / "common.kpi").read_bytes()
    # a lint answered from its cache read the files only to check their digests: it wrote
    # "No findings in 5 files." over common.kpi (a cold lint refused it)
    assert invoke("lint", "rulesets").exit_code == 0
    result = invoke("lint", "rulesets", "-o", "rulesets/common.kpi")
    assert result.exit_code == 2 and "error[E006]: rulesets/common.kpi is one of this command's inputs" in result.output
    assert (project / "rulesets" / "common.kpi").read_bytes() == common
    # verify reads the manifest it checks: its report replaced the record of the run
    (project / "runs").mkdir()
    assert invoke("run", "--period", "2026-12", "--manifest", "runs/m.json").exit_code == 0
    sealed = (project / "runs" / "m.json").read_bytes()
    result = invoke("verify", "runs/m.json", "-o", "runs/m.json")
    assert result.exit_code == 2 and "error[E006]: runs/m.json is one of this command's inputs" in result.output
    assert (project / "runs" / "m.json").read_bytes() == sealed
    # a .kpi output in the rulesets folder would be read as part of the scheme by the next command
    result = invoke("run", "--format", "csv", "-o", "rulesets/results.kpi")
    assert result.exit_code == 2
    assert ("error[E006]: rulesets/results.kpi is in rulesets, where this command reads the .kpi files: the next "
            "command would read it with them") in result.output
    assert not (project / "rulesets" / "results.kpi").exists()
    # ... while another name there is written, and init --force replaces the configuration it read
    assert invoke("run", "--format", "csv", "-o", "rulesets/results.csv").exit_code == 0
    result = invoke("init", "--force")
    assert result.exit_code == 0, result.output
    assert "wrote kpirules.toml" in result.output


@pytest.mark.parametrize("args", [
    # the rulesets of the configuration, a lint answered from its cache, and a scheme test
    ("lint", "-o", "rulesets/findings.kpi"),
    ("test", "-o", "rulesets/results.kpi"),
    ("test", "-o", "rulesets/results.kpitest.toml"),
])
def test_no_output_joins_the_configured_rulesets_warm_cache_or_not(sample_project, args):
    # a lint without paths answered from its cache wrote its findings as rulesets/findings.kpi,
    # which every later command read as part of the scheme (E100 at its line 1)
    assert invoke("lint").exit_code == 0
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert f"error[E006]: {args[-1]} is in rulesets, where this command reads the " in result.output
    assert not (sample_project / args[-1]).exists()


@pytest.mark.parametrize("command", [("lint",), ("export",), ("schema",), ("rules",), ("test",)])
def test_no_command_writes_over_the_data_the_project_binds(sample_project, command):
    # these commands read no data, but an output over the roster would destroy it
    roster = (sample_project / "data" / "sample" / "people.csv").read_bytes()
    result = invoke(*command, "-o", "data/sample/people.csv")
    assert result.exit_code == 2, result.output
    assert ("error[E006]: data/sample/people.csv is a data file bound in kpirules.toml: kpirules never writes "
            "over its inputs") in result.output
    assert (sample_project / "data" / "sample" / "people.csv").read_bytes() == roster
    # ... while another file beside it is written
    assert invoke(*command, "-o", "data/sample/notes.txt").exit_code in (0, 1)
    assert (sample_project / "data" / "sample" / "notes.txt").exists()


@pytest.mark.parametrize("args", [
    # rules and schema read no scheme: `rules -o rulesets/telesales.kpi` replaced it (exit 0)
    ("rules", "-o", "rulesets/telesales.kpi"),
    ("schema", "-o", "rulesets/extra.kpi"),
    # run, explain, report and diff read no scheme test: they replaced telesales' with their output
    ("run", "--period", "2026-03", "--format", "csv", "-o", "rulesets/telesales.kpitest.toml"),
    ("explain", "P003", "--period", "2026-03", "-o", "rulesets/telesales.kpitest.toml"),
    ("run", "--period", "2026-03", "--manifest", "rulesets/m.kpitest.toml"),
])
def test_no_command_writes_a_scheme_or_a_scheme_test_into_the_rulesets(sample_project, args):
    rulesets = sample_project / "rulesets"
    before = {path.name: path.read_bytes() for path in rulesets.iterdir()}
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    suffix = ".kpi" if args[-1].endswith(".kpi") else ".kpitest.toml"
    assert (f"error[E006]: {args[-1]} is in the project's rulesets (rulesets), where its {suffix} files are read: "
            "kpirules never writes over its inputs") in result.output
    assert {path.name: path.read_bytes() for path in rulesets.iterdir()} == before


@pytest.mark.parametrize("command", [("check",), ("fmt", "--check"), ("export",), ("lint",)])
def test_a_broken_configuration_is_an_error_for_commands_that_read_its_rulesets(tmp_path, monkeypatch, command):
    # check, fmt and export used to pass over a kpirules.toml that does not load and check
    # ./rulesets, exiting 0 where run exits 2
    project = tmp_path / "project"
    shutil.copytree(ROOT / "rulesets", project / "rulesets")
    text = (ROOT / "kpirules.toml").read_text(encoding="utf-8")
    (project / "kpirules.toml").write_text(text.replace('rulesets = ["rulesets"]', "rulesets = 5"), encoding="utf-8")
    assert "rulesets = 5" in (project / "kpirules.toml").read_text(encoding="utf-8")
    monkeypatch.chdir(project)
    result = invoke(*command)
    assert result.exit_code == 2, result.output
    assert "kpirules.toml:" in result.output and "project.rulesets" in result.output


@pytest.mark.parametrize("args", [("run", "--person", "P777"), ("run", "--person", "P003", "--person", "P778"),
                                  ("run", "--as-of", "2026-12-10", "--person", "P777")])
def test_run_refuses_a_person_who_is_not_in_the_roster(args):
    # it printed "0 people evaluated" and exited 0
    result = invoke(*args)
    assert result.exit_code == 1
    assert f"error[E513]: person {args[-1]} is not in the roster (people)" in result.output


@pytest.mark.parametrize("command", [("run",), ("explain", "P003"), ("report", "-o", "r.html")])
def test_an_empty_roster_is_an_error(tmp_path, monkeypatch, command):
    # a roster file with only its header evaluated nobody and exited 0
    project = tmp_path / "project"
    shutil.copytree(ROOT / "rulesets", project / "rulesets")
    shutil.copytree(ROOT / "data", project / "data")
    shutil.copy(ROOT / "kpirules.toml", project / "kpirules.toml")
    people = project / "data" / "sample" / "people.csv"
    people.write_text(people.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    monkeypatch.chdir(project)
    result = invoke(*command)
    assert result.exit_code == 1
    assert "error[E504]: the roster (people) has no rows: there is nobody to evaluate" in result.output
    assert not (project / "r.html").exists()


def _project(tmp_path, monkeypatch) -> Path:
    project = tmp_path / "project"
    shutil.copytree(ROOT / "rulesets", project / "rulesets")
    shutil.copytree(ROOT / "data", project / "data")
    shutil.copy(ROOT / "kpirules.toml", project / "kpirules.toml")
    monkeypatch.chdir(project)
    return project


@pytest.mark.parametrize("command", [("run",), ("explain", "P003"), ("test",), ("report", "-o", "out.html"),
                                     ("diff", "rulesets")])
def test_a_number_too_large_is_a_problem_in_the_scheme_for_every_command(tmp_path, monkeypatch, command):
    # `check` passed it, and every command that evaluates failed with an internal error
    project = _project(tmp_path, monkeypatch)
    scheme = project / "rulesets" / "telesales.kpi"
    text = scheme.read_text(encoding="utf-8")
    scheme.write_text(text.replace("    target >= 200\n", "    target >= " + "9" * 50 + "\n", 1), encoding="utf-8")
    result = invoke(*command)
    assert result.exit_code == 1, result.output
    assert "rulesets/telesales.kpi:13:15: error[E260]: the number 9999" in result.output
    assert "internal error" not in result.output and "Traceback" not in result.output


KAM = "rulesets/key_account_manager.kpi"
TOO_LARGE = [
    pytest.param(
        [(KAM, "    measure sum(contracts.amount)\n", "    measure sum(contracts.amount) * 999999999999999999 * 999999999999\n")],
        "rulesets/key_account_manager.kpi:25:3: error[E515]: KPI contract_amount cannot be computed for person "
        "P043 in 2026-01: a number has more than 28 digits before the decimal point",
        id="value",
    ),
    pytest.param(
        [(KAM, "    measure sum(contracts.amount)\n",
          "    measure sum(contracts.amount * 999999999999999999 * 999999999999999999)\n")],
        "rulesets/key_account_manager.kpi:29:13: error[E515]: KPI contract_amount cannot be computed in 2026-01, "
        "2026-02, 2026-03: a sum or product over the rows of its measure has more than 38 digits",
        id="sum-of-rows",
    ),
    pytest.param(
        [(KAM, "    measure sum(contracts.amount)\n", "    measure sum(contracts.amount) * 9999999999\n"),
         (KAM, "[300万, ∞): 1.5%", "[300万, ∞): 99999999999999999"),
         (KAM, "    cap 80000 CNY\n", "")],
        "rulesets/key_account_manager.kpi:64:3: error[E515]: the payout of role key_account_manager cannot be "
        "computed for person P043 in 2026-03: a number has more than 28 digits before the decimal point",
        id="payout",
    ),
    pytest.param(
        [("rulesets/telesales.kpi", "when person.tenure_months < 3", "when person.hired_on + 999999999d > 2026-01-01")],
        "rulesets/telesales.kpi:9:3: error[E515]: KPI outbound_calls cannot be computed for person P003 in "
        "2026-01: a date falls outside the years 1 to 9999",
        id="date",
    ),
]


@pytest.mark.parametrize(("edits", "expected"), TOO_LARGE)
def test_a_result_too_large_to_compute_is_an_error_naming_the_kpi(tmp_path, monkeypatch, edits, expected):
    # these were internal errors: decimal.InvalidOperation rounding to 6 places, DuckDB's
    # OutOfRangeException summing the rows, OverflowError adding days to a date
    project = _project(tmp_path, monkeypatch)
    for name, old, new in edits:
        path = project / name
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, old
        path.write_text(text.replace(old, new), encoding="utf-8")
    result = invoke("run", "--period", "2026Q1")
    assert result.exit_code == 1, result.output
    assert expected in result.stderr
    assert "internal error" not in result.output and "Traceback" not in result.output


def test_pacing_shows_a_value_of_27_digits(tmp_path, monkeypatch):
    # its table rounded amounts in Python's default 28-digit context: a value to date of 27
    # digits before the point, with its 2 places, was an internal error (decimal.InvalidOperation)
    project = _project(tmp_path, monkeypatch)
    scheme = project / "rulesets" / "telesales.kpi"
    text = scheme.read_text(encoding="utf-8")
    scheme.write_text(text.replace("    measure count(calls)\n", "    measure count(calls) * 999999999999999999 * 9999999\n", 1),
                      encoding="utf-8")
    result = invoke("run", "--as-of", "2026-03-05", "--role", "telesales")
    assert result.exit_code == 0, result.output
    assert re.search(r" \d{3}(,\d{3}){8}\.00 ", result.stdout)


@pytest.mark.parametrize("command", [("run", "--format", "json", "-o", "out.json"), ("explain", "P003"),
                                     ("report", "-o", "out.html")])
def test_an_attainment_of_27_digits_is_shown(tmp_path, monkeypatch, command):
    # a value within the 28 digits a run holds: count(calls) x 10^25 against a target of 1,
    # about 10^27; its attainment in percent, rounded to 6 places, needs 36 digits, more
    # than the run's 34-digit context: the score rule's words were an internal error
    # (InvalidOperation) in JSON, explain and the statement
    project = _project(tmp_path, monkeypatch)
    scheme = project / "rulesets" / "telesales.kpi"
    text = scheme.read_text(encoding="utf-8")
    text = text.replace("    measure count(calls)\n", "    measure count(calls) * 100000000000000000 * 100000000\n", 1)
    scheme.write_text(text.replace("    target >= 200\n", "    target >= 1\n", 1), encoding="utf-8")
    result = invoke(*command)
    assert result.exit_code == 0, result.output
    assert "internal error" not in result.output
    if command[0] == "explain":
        # the calls' count, 25 zeros, and 2 more for percent
        assert re.search(r"attainment: value / target = [1-9]\d*0{27}%", result.stdout), result.stdout


def test_values_of_more_than_28_digits_are_written_exactly(tmp_path, monkeypatch):
    # a value of 24 digits before the point and 6 after (30 in all) was written rounded to
    # Python's default 28 digits (Decimal.normalize without a context) in JSON and CSV.
    # Expected: the calls counted (rows_matched, an integer) x 10^22 / 7, half-up to 6 places,
    # worked here with a 60-digit context
    import csv
    import decimal
    from decimal import Decimal

    project = _project(tmp_path, monkeypatch)
    scheme = project / "rulesets" / "telesales.kpi"
    text = scheme.read_text(encoding="utf-8")
    scheme.write_text(text.replace("    measure count(calls)\n", "    measure count(calls) * 100000000000000000 * 100000 / 7\n", 1),
                      encoding="utf-8")
    result = invoke("run", "--period", "2026-03", "--person", "P003", "--format", "json", "-o", "out.json")
    assert result.exit_code == 0, result.output
    (p,) = json.loads((project / "out.json").read_text(encoding="utf-8"))["people"]
    (calls,) = [k for k in p["kpis"] if k["id"] == "outbound_calls"]
    wide = decimal.Context(prec=60)
    expected = wide.divide(Decimal(calls["aggregates"][0]["rows_matched"]) * 10**22, 7).quantize(
        Decimal("0.000001"), rounding=decimal.ROUND_HALF_UP, context=wide)
    assert len(str(expected).replace(".", "")) == 30
    assert calls["value"] == str(expected)
    result = invoke("run", "--period", "2026-03", "--person", "P003", "--format", "csv", "-o", "out.csv")
    assert result.exit_code == 0, result.output
    with open(project / "out.csv", encoding="utf-8") as fh:
        (row,) = [r for r in csv.DictReader(fh) if r["kpi"] == "outbound_calls"]
    assert row["value"] == str(expected)


NESTED_100 = "abs(" * 99 + "count(calls)" + ")" * 99  # 100 levels: the most an expression may nest
SUM_100 = " + ".join(["count(calls)"] * 100)  # 100 levels too


@pytest.mark.parametrize("command", [("check",), ("fmt", "--check"), ("lint", "--no-cache"), ("export", "--format", "toml"),
                                     ("export", "--format", "json"), ("run",), ("explain", "P003"), ("test",),
                                     ("report", "-o", "out.html"), ("diff", "rulesets")])
@pytest.mark.parametrize("measure", [NESTED_100, SUM_100], ids=["nested", "sum"])
def test_an_expression_nested_as_deep_as_allowed_works_everywhere(tmp_path, monkeypatch, command, measure):
    # the walks over expressions recurse: each command must work at the limit (E119 beyond
    # it), here inside pytest and click's runner, which add their own frames to the stack
    project = _project(tmp_path, monkeypatch)
    scheme = project / "rulesets" / "telesales.kpi"
    text = scheme.read_text(encoding="utf-8")
    scheme.write_text(text.replace("    measure count(calls)\n", f"    measure {measure}\n", 1), encoding="utf-8")
    result = invoke(*command)
    assert "internal error" not in result.output and "Traceback" not in result.output, result.output[-2000:]
    if command == ("test",):  # a case from raw rows may fail: it expects the measure as it was
        assert result.exit_code in (0, 1) and "26 cases in 4 files: " in result.output, result.output[-2000:]
    else:
        assert result.exit_code == 0, result.output[-2000:]


def test_a_leave_date_before_the_hire_date_is_an_error_naming_the_row(tmp_path, monkeypatch):
    # a rehire whose old leave date was kept: active on no day (semantics.md §1), so every run
    # left the person out without a word (only counted in inactive_people)
    project = _project(tmp_path, monkeypatch)
    people = project / "data" / "sample" / "people.csv"
    lines = people.read_text(encoding="utf-8").splitlines(keepends=True)
    row = next(i for i, line in enumerate(lines) if line.startswith("P046,"))
    fields = lines[row].split(",")
    fields[7], fields[8] = "2026-03-20", "2026-03-10"  # hired_on, left_on
    lines[row] = ",".join(fields)
    people.write_text("".join(lines), encoding="utf-8")
    result = invoke("run", "--period", "2026-03")
    assert result.exit_code == 1, result.output
    assert (f"dataset people, source data/sample/people.csv, row {row}, column left_on: error[E653]: "
            "1 person leaves before being hired (left_on before hired_on)") in result.stderr
    assert f"row {row} (line {row + 1}): 'P046', hired_on 2026-03-20, left_on 2026-03-10" in result.stderr
    assert "Traceback" not in result.output


def test_output_to_a_pipe_is_written_into_it_not_replaced(tmp_path):
    # `-o /dev/null` renamed a temporary file over the device: as root, /dev/null became a
    # regular file holding the table. A FIFO stands in for the device here.
    import os
    import stat
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = invoke("run", "--period", "2026-03", "--role", "telesales", "--format", "csv", "-o", str(fifo))
    reader.join(timeout=60)
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert received and received[0].startswith(b"period,person_id,")


def test_output_through_a_symbolic_link_replaces_the_file_it_names(tmp_path):
    # the link is kept; the file it points at gets the output
    target = tmp_path / "real.csv"
    target.write_text("old\n", encoding="utf-8")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    result = invoke("run", "--period", "2026-03", "--role", "telesales", "--format", "csv", "-o", str(link))
    assert result.exit_code == 0, result.output
    assert link.is_symlink()
    assert target.read_text(encoding="utf-8").startswith("period,person_id,")


def test_output_to_dev_stdout_keeps_what_the_shell_redirected_before(tmp_path):
    # `-o /dev/stdout >> log.txt`: /dev/stdout resolves to log.txt, and a file renamed over it
    # replaced what the log held (and as root, before that fix, /dev/stdout itself)
    import subprocess
    import sys

    log = tmp_path / "log.txt"
    log.write_text("earlier line\n", encoding="utf-8")
    script = "import sys; from kpirules.cli import cli; sys.exit(cli(['export', '-o', '/dev/stdout', sys.argv[1]]))"
    with log.open("a", encoding="utf-8") as out:
        done = subprocess.run([sys.executable, "-c", script, str(ROOT / "rulesets")], stdout=out,
                              stderr=subprocess.PIPE, timeout=120)
    assert done.returncode == 0, done.stderr
    text = log.read_text(encoding="utf-8")
    assert text.startswith("earlier line\n{")
    assert json.loads(text.removeprefix("earlier line\n"))["scheme"]["header"]["currency"] == "CNY"


def test_output_to_a_symbolic_link_that_loops_is_a_usage_error(tmp_path):
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    result = invoke("export", "-o", str(tmp_path / "a"), str(ROOT / "rulesets"))
    assert result.exit_code == 2, result.output
    assert "is a symbolic link that loops" in result.output
    assert "internal error" not in result.output


def test_one_person_is_counted_as_one_person():
    # the table's role heading and the summary said "1 people"
    result = invoke("run", "--person", "P035")
    assert result.exit_code == 0, result.output
    assert "(telesales): 1 person " in result.output
    assert "\n1 person evaluated; total payout " in result.output
    assert "1 people" not in result.output


def test_rows_without_a_person_are_reported(sample_project, run_cli):
    # two invoices with an empty owner_id count for nobody: run warns, sources check counts them
    invoices = sample_project / "data" / "sample" / "invoices.csv"
    lines = invoices.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\r\n").split(",")
    owner = header.index("owner_id")
    for i in (1, 2):
        cells = lines[i].rstrip("\r\n").split(",")
        cells[owner] = ""
        lines[i] = ",".join(cells) + "\n"
    invoices.write_text("".join(lines), encoding="utf-8")
    result = run_cli("run", "--format", "json")
    assert result.exit_code == 0, result.output
    assert "warning: invoices: 2 rows have no owner_id: they count for nobody" in result.output
    checked = run_cli("sources", "check")
    assert "; 2 rows have no person" in checked.output


@pytest.mark.parametrize("written", ["data/sample/people.csv", "data/sample/people*.csv"])
def test_no_output_replaces_a_file_a_duckdb_query_reads(tmp_path, monkeypatch, written):
    # the roster is read by a duckdb query (docs/sources.md), by name or by a pattern: `-o`
    # onto that file replaced it, and the next run failed on a roster without its columns
    project = tmp_path / "project"
    shutil.copytree(ROOT / "rulesets", project / "rulesets")
    shutil.copytree(ROOT / "data", project / "data")
    config = (ROOT / "kpirules.toml").read_text(encoding="utf-8")
    binding = '[env.sample.datasets.people]\nsource = "csv"\npath = "data/sample/people.csv"\n'
    assert binding in config
    config = config.replace(binding, '[env.sample.datasets.people]\nsource = "duckdb"\npath = ":memory:"\n'
                            f"query = \"SELECT * FROM read_csv('{written}')\"\n")
    (project / "kpirules.toml").write_text(config, encoding="utf-8")
    monkeypatch.chdir(project)
    target = project / "data" / "sample" / "people.csv"
    before = target.read_bytes()
    result = invoke("run", "--format", "csv", "-o", "data/sample/people.csv")
    assert result.exit_code == 2, result.output
    assert "error[E006]: data/sample/people.csv is one of this command's inputs" in result.output
    assert target.read_bytes() == before
    # another file is written as usual
    assert invoke("run", "--format", "csv", "-o", "out.csv").exit_code == 0


@pytest.mark.parametrize("arguments", [
    ["run", "-o", ""], ["run", "--manifest", ""], ["run", "--snapshot", ""], ["report", "-o", ""],
    ["report", "-o", "r.html", "--per-person", ""], ["explain", "P035", "-o", ""], ["export", "-o", ""],
    ["lint", "-o", ""], ["sample", "--force", "--out", ""], ["init", "-o", ""], ["check", ""], ["run", "--config", ""],
])
def test_an_empty_path_is_a_usage_error(tmp_path, monkeypatch, arguments):
    # Path("") is the working folder: `report -o ""` said "cannot write .: Device or resource
    # busy", `run --snapshot ""` wrote no snapshot and exit 0, `sample --out ""` wrote its files
    # into the working folder
    monkeypatch.chdir(tmp_path)
    result = invoke(*arguments)
    assert result.exit_code == 2, result.output
    assert "the path is empty: name a file or folder" in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("period", "warned"), [
    # language.md: `effective` records the dates the scheme is in force; a run of a period not
    # wholly inside them says so, and evaluates it all the same (exit 0)
    ("2026-03", "period 2026-03 is not wholly inside the scheme's effective dates (2026-04-01 to 2027-03-31)"),
    ("2026Q1", "periods 2026-01, 2026-02, 2026-03 are not wholly inside the scheme's effective dates"),
    ("2026-04", None),
    ("2026-12", None),
])
def test_a_period_outside_the_effective_dates_is_a_warning(tmp_path, monkeypatch, period, warned):
    project = _project(tmp_path, monkeypatch)
    common = project / "rulesets" / "common.kpi"
    text = common.read_text(encoding="utf-8")
    assert "effective 2026-01-01 to 2026-12-31" in text
    common.write_text(text.replace("effective 2026-01-01 to 2026-12-31", "effective 2026-04-01 to 2027-03-31"),
                      encoding="utf-8")
    result = invoke("run", "--period", period, "--format", "csv")
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if "effective dates" in line]
    if warned is None:
        assert lines == []
    else:
        assert len(lines) == 1 and lines[0].startswith("warning: " + warned)
        assert lines[0].endswith("evaluated with this scheme all the same; check --period, or the scheme's `effective` line")
    assert result.stdout.count("\n") > 58  # everyone evaluated


@pytest.mark.parametrize(("args", "warned"), [
    # semantics §1: payments cut after 2026-10-30 (the latest kept row's date, worked from the
    # file below); the default period is still 2026-12, chosen from every fact dataset
    (("run", "--format", "csv"), True),
    (("run", "--format", "csv", "--role", "telesales"), True),  # telesales reads payments
    (("run", "--format", "csv", "--role", "customer_success_manager"), False),  # reads no payments
    (("run", "--format", "csv", "--period", "2026-10"), False),  # October has payments
    (("run", "--format", "csv", "--period", "2026-11"), True),
])
def test_a_source_that_stopped_before_the_period_is_a_warning(tmp_path, monkeypatch, args, warned):
    project = _project(tmp_path, monkeypatch)
    payments = project / "data" / "sample" / "payments.csv"
    lines = payments.read_text(encoding="utf-8").splitlines()
    kept = [lines[0]] + [line for line in lines[1:] if line.split(",")[2] < "2026-11-01"]
    assert max(line.split(",")[2] for line in kept[1:]) == "2026-10-30"
    payments.write_text("\n".join(kept) + "\n", encoding="utf-8")
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    period = args[-1] if "--period" in args else "2026-12"
    warning = (f"warning: payments: the latest paid_on is 2026-10-30, before {period} starts, so the KPIs reading "
               "it find none of its rows; check that the source is up to date")
    assert (warning in result.stderr.splitlines()) is warned, result.stderr
    assert "find none of its rows" not in result.stdout


@pytest.mark.parametrize(("cut", "role", "warned"), [
    # key accounts read contracts by quarter: a run of 2026-12 reads October to December
    ("2026-12-01", "key_account_manager", None),
    ("2026-10-01", "key_account_manager", "2026Q4"),
    # sales managers read them by month
    ("2026-12-01", "sales_manager", "2026-12"),
    # both: the monthly KPI finds nothing in December though the quarterly one finds October's
    ("2026-12-01", None, "2026-12"),
])
def test_a_stopped_source_is_judged_by_the_kpi_period_that_reads_it(tmp_path, monkeypatch, cut, role, warned):
    project = _project(tmp_path, monkeypatch)
    contracts = project / "data" / "sample" / "contracts.csv"
    lines = contracts.read_text(encoding="utf-8").splitlines()
    column = lines[0].split(",").index("signed_on")
    kept = [lines[0]] + [line for line in lines[1:] if line.split(",")[column] < cut]
    latest = max(line.split(",")[column] for line in kept[1:])
    contracts.write_text("\n".join(kept) + "\n", encoding="utf-8")
    result = invoke("run", "--period", "2026-12", *(("--role", role) if role else ()), "--format", "csv")
    assert result.exit_code == 0, result.output
    found = [line for line in result.stderr.splitlines() if line.startswith("warning: contracts:")]
    if warned is None:
        assert found == []
    else:
        assert found == [f"warning: contracts: the latest signed_on is {latest}, before {warned} starts, so the KPIs "
                         "reading it find none of its rows; check that the source is up to date"]


@pytest.mark.parametrize(("fallback", "warned"), [(False, True), (True, False)])
def test_a_targets_source_without_rows_for_the_period_is_a_warning(tmp_path, monkeypatch, fallback, warned):
    # AdventureWorks' quotas stop at 2014-03-01: in the run of 2014Q2 every rep was scored
    # "no data" on quota attainment, and nothing said why. Here: no 2026Q4 row in the sample's
    # quarterly targets, and (unless `fallback`) no constant target to fall back on
    project = _project(tmp_path, monkeypatch)
    targets = project / "data" / "sample" / "quarterly_targets.csv"
    lines = targets.read_text(encoding="utf-8").splitlines()
    targets.write_text("\n".join(line for line in lines if ",2026Q4," not in line) + "\n", encoding="utf-8")
    if not fallback:
        scheme = project / "rulesets" / "key_account_manager.kpi"
        text = scheme.read_text(encoding="utf-8")
        scheme.write_text(text.replace("    target >= 150万 CNY\n", "", 1), encoding="utf-8")
    result = invoke("run", "--period", "2026-12", "--role", "key_account_manager", "--format", "csv")
    assert result.exit_code == 0, result.output
    warning = ("warning: quarterly_targets: no row gives a target for 2026Q4: the KPIs that read their targets "
               "from it have none there and are scored as no data; check that the source is up to date")
    assert (warning in result.stderr.splitlines()) is warned, result.stderr
    # and with the rows there, nothing is said
    targets.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = invoke("run", "--period", "2026-12", "--role", "key_account_manager", "--format", "csv")
    assert "no row gives a target" not in result.stderr


def test_an_adjustment_without_a_person_or_a_period_is_said_to_apply_nowhere(sample_project):
    # an empty period was dropped without a word (the adjustment never paid); an empty person
    # was "1 adjustment not applied: nobody evaluated to pay (None in 2026-12)"
    adjustments = sample_project / "data" / "sample" / "payout_adjustments.csv"
    with adjustments.open("a", encoding="utf-8") as fh:
        fh.write("P003,,99.00,no period,P001\n,2026-12,98.00,no person,P001\n")
    result = invoke("run", "--period", "2026-12", "--format", "csv", "-o", "out.csv")
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if "payout_adjustments" in line or "None" in line]
    assert warnings == ["warning: payout_adjustments: 1 row has no person_id: it counts for nobody",
                        "warning: payout_adjustments: 1 row has no period: it is never applied"]
    result = invoke("sources", "check")
    line = next(line for line in result.stdout.splitlines() if line.startswith("payout_adjustments"))
    assert line.endswith("; 1 row has no period (never applied)")


def test_a_closed_standard_error_does_not_stop_the_run_writing_its_output(sample_project):
    # `kpirules run -o t.json 2>&1 | head -1`: once head had gone, the next warning failed
    # with EPIPE and click ended the run with exit code 1 and nothing written
    import subprocess
    import sys

    kpirules = Path(sys.executable).with_name("kpirules")
    out = sample_project / "t.json"
    proc = subprocess.Popen([str(kpirules), "run", "--period", "2026-12", "-o", str(out)], cwd=sample_project,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    proc.stderr.close()  # nobody reads the messages: each write to them fails
    assert proc.wait(timeout=120) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["periods"] == ["2026-12"]


def test_dash_is_standard_output(sample_project):
    # `-o -` wrote a file named "-" (and a second run silently replaced it)
    project = sample_project
    result = invoke("run", "--format", "csv", "-o", "-")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("period,person_id,name,role,")
    result = invoke("explain", "P003", "-o", "-")
    assert result.exit_code == 0 and "P003" in result.stdout.splitlines()[2]
    assert not (project / "-").exists()
    # a file where the output's folder should be is said to be one
    result = invoke("run", "-o", "kpirules.toml/x.csv")
    assert result.exit_code == 2 and "kpirules.toml is a file, not a folder" in result.output


def test_dash_is_standard_output_or_refused(sample_project):
    # output.md: `-o -` is standard output; lint and rules wrote a file named "-", report and init
    # a report and a config named "-"
    for args in (("lint", "--no-cache", "rulesets"), ("rules",)):
        result = invoke(*args, "-o", "-")
        assert result.exit_code == 0, result.output
        assert result.stdout.strip() and not (sample_project / "-").exists()
    for args in (("report",), ("init", "--force")):
        result = invoke(*args, "-o", "-")
        assert result.exit_code == 2
        assert "it names standard output, and this command writes a file: name one" in result.stderr
        assert not (sample_project / "-").exists()


def test_a_rule_named_by_its_slug_in_capitals_is_found():
    # rules.md: slugs are read in any case (`kpirules rule WEIGHTS-SUM` was E703)
    result = invoke("rule", "WEIGHTS-SUM")
    assert result.exit_code == 0 and result.stdout.startswith("KPI101 weights-sum [error]")


def test_a_report_file_without_extension_is_warned_about(sample_project):
    result = invoke("report", "-o", "report")
    assert result.exit_code == 0
    assert "warning: report is written as HTML: the report is HTML or xlsx" in result.stderr


def test_options_that_would_be_ignored_are_said_to_be(sample_project):
    project = sample_project
    # a second --period was the only one evaluated, without a word
    result = invoke("run", "--period", "2026-03", "--period", "2026-04")
    assert result.exit_code == 2 and "given 2 times (2026-03, 2026-04): give one period" in result.output
    # an empty --env (an unset shell variable) was the default environment
    result = invoke("run", "--env", "")
    assert result.exit_code == 2 and "error[E606]: --env is empty: name an environment" in result.output
    # an empty --select ran every rule
    result = invoke("lint", "--select", "", "rulesets")
    assert result.exit_code == 2 and "'--select': it is empty" in result.output
    result = invoke("lint", "--env", "sample", "rulesets")
    assert result.exit_code == 0
    assert "warning: --env sample chooses the data of the history rules; without --history" in result.stderr
    # a history rule selected without --history ran nothing and said "No findings in 5 files"
    result = invoke("lint", "--no-cache", "--select", "KPI801,sparse-data", "rulesets")
    assert result.exit_code == 0
    assert ("warning: KPI801, sparse-data runs only with --history, which evaluates past periods on the data: add "
            "--history") in result.stderr
    result = invoke("run", "--force", "--format", "csv")
    assert result.exit_code == 0
    assert "warning: --force replaces an earlier --snapshot folder; without --snapshot it does nothing" in result.stderr


@pytest.mark.parametrize("command", [("check",), ("lint",), ("run",), ("sources", "check")])
def test_a_missing_ruleset_listed_in_the_configuration_is_said_at_its_line(tmp_path, monkeypatch, command):
    # E001 said "no such file or directory: /abs/nope" without pointing at kpirules.toml
    project = tmp_path / "project"
    shutil.copytree(ROOT / "data", project / "data")
    text = (ROOT / "kpirules.toml").read_text(encoding="utf-8")
    (project / "kpirules.toml").write_text(text.replace('rulesets = ["rulesets"]', 'rulesets = ["nope"]'),
                                           encoding="utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if row.startswith("rulesets = "))
    monkeypatch.chdir(project)
    result = invoke(*command)
    assert result.exit_code == 2, result.output
    assert (f"kpirules.toml:{line}:1: error[E001]: no such file or directory: nope (listed in project.rulesets)"
            in result.output)


# ----------------------------------------------------------------- the format an output's name says


@pytest.mark.parametrize("args, name, starts", [
    # without --format, the extension chooses (any case); another name gets the table
    (("run", "--period", "2026-12"), "results.xlsx", b"PK\x03\x04"),
    (("run", "--period", "2026-12"), "results.CSV", b"period,person_id,"),
    (("run", "--period", "2026-12"), "results.json", b'{\n  "manifest"'),
    (("run", "--period", "2026-12"), "results.txt", b"Scheme sales_2026, period 2026-12"),
    (("report", "--period", "2026-12"), "report.xlsx", b"PK\x03\x04"),
    (("export",), "scheme.toml", b'kpirules_version = "'),
    (("explain", "P053", "--period", "2026-12"), "p053.json", b'[\n  {\n    "person_id": "P053"'),
])
def test_an_output_name_chooses_the_format(sample_project, args, name, starts):
    # `run -o results.xlsx` wrote the text table into a file Excel then could not open
    result = invoke(*args, "-o", name)
    assert result.exit_code == 0, result.output
    assert (sample_project / name).read_bytes().startswith(starts)


@pytest.mark.parametrize("args", [
    ("run", "--format", "json", "-o", "results.csv"),
    ("run", "--format", "xlsx", "-o", "results.json"),
    ("report", "--format", "html", "-o", "report.xlsx"),
    ("export", "--format", "json", "-o", "scheme.toml"),
    ("explain", "P053", "--format", "text", "-o", "p053.json"),
])
def test_a_format_the_output_name_contradicts_is_e009(sample_project, args):
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    fmt, name = args[args.index("--format") + 1], args[-1]
    assert f"error[E009]: --format {fmt} contradicts the output's name, {name}, which names " in result.output
    assert not (sample_project / name).exists()


def test_a_person_whom_role_leaves_out_is_said_not_silently_dropped(sample_project):
    # `--role telesales --person P053` printed "0 people evaluated." and nothing else (exit 0)
    result = invoke("run", "--period", "2026-12", "--role", "telesales", "--person", "P053", "--person", "P001")
    assert result.exit_code == 0, result.output
    assert "0 people evaluated." in result.stdout
    # P053 is a customer success manager, P001 the sales manager (data/sample/people.csv)
    for person, role in (("P053", "customer_success_manager"), ("P001", "sales_manager")):
        assert (f"warning: --person {person} was not evaluated for 2026-12: their role is {role}, which --role "
                "telesales leaves out") in result.output
    result = invoke("--lang", "zh", "run", "--period", "2026-12", "--role", "telesales", "--person", "P053")
    assert "--person P053 在 2026-12 没有被评估：其岗位是 customer_success_manager，不在 --role telesales 之内" in result.output


@pytest.mark.parametrize("written, effect", [
    ('status == "Converted"', "matches nothing"),
    ('status in ["Converted", "won"]', "matches nothing"),
    ('status != "Converted"', "leaves out nothing"),
    # Maven CRM's "GTX Pro" where the data has "GTXPro": spaces and punctuation inside count too
    ('status == "Con-verted"', "matches nothing"),
    ('status == "con verted"', "matches nothing"),
])
def test_a_text_no_row_holds_is_a_warning_with_the_values_that_differ_in_case(sample_project, written, effect):
    # `status == "Converted"` counted 0 for everyone, every period, and nothing said why
    telesales = sample_project / "rulesets" / "telesales.kpi"
    telesales.write_text(telesales.read_text(encoding="utf-8").replace('status == "converted"', written, 1),
                         encoding="utf-8")
    result = invoke("run", "--period", "2026-12", "--format", "csv", "-o", "out.csv")
    assert result.exit_code == 0, result.output
    text = written.split('"')[1]
    column = written.index(f'"{text}"') + 1 + len("    measure count(leads where ")
    assert (f'warning: leads: no row has status "{text}" (rulesets/telesales.kpi:23:{column}): the filter '
            f'{effect}; the data has "converted" (texts are compared exactly, case and spaces included)'
            ) in result.stderr
    # "won" is no status in the sample data either, and differs from none in case alone
    if "won" in written:
        assert 'no row has status "won"' in result.stderr


def test_no_filter_warning_on_the_reference_scheme(sample_project):
    result = invoke("run", "--period", "2026-12", "--format", "csv", "-o", "out.csv")
    assert "the filter" not in result.stderr


@pytest.mark.parametrize("setwise", [False, True])
def test_people_no_role_applies_to_are_listed_in_id_order(tmp_path, setwise):
    # output.md: unmatched_people in the people's order, integer ids by value (9 before 10); they
    # were sorted as text (10, 100, 9) on both paths
    import duckdb

    from kpirules.engine.evaluate import Evaluator
    from kpirules.engine.periods import Calendar
    from kpirules.model import load_scheme

    (tmp_path / "s.kpi").write_text(
        'scheme s { period month currency CNY }\n'
        'roster people { id person_id role role column person_id integer column role string }\n'
        'dataset calls { person agent_id date called_on column agent_id integer column called_on date }\n'
        'role rep { kpi calls { process main measure count(calls) target >= 1 weight 100% } }\n', encoding="utf-8")
    scheme = load_scheme([tmp_path / "s.kpi"])
    con = duckdb.connect()
    con.execute("CREATE TABLE people AS SELECT * FROM (VALUES (1, 'rep'), (9, 'x'), (10, 'x'), (100, 'x')) t(person_id, role)")
    con.execute("CREATE TABLE calls AS SELECT 1 AS agent_id, DATE '2026-03-02' AS called_on")
    calendar = Calendar(scheme.header)
    result = Evaluator(scheme, con).run(calendar.scheme_periods(calendar.parse("2026-03")), setwise=setwise)
    assert result.unmatched_people == ["9", "10", "100"]
