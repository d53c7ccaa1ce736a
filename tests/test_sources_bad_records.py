"""Records a source cannot read, through the real CLI: where they are, as the user wrote
them, and that `--on-bad-rows skip` sets them aside like any other bad row
(docs/sources.md, "Bad rows").
"""

from __future__ import annotations

from pathlib import Path

import pytest

SCHEME = """\
scheme t "T" {
  period month
  currency CNY
  timezone "Asia/Shanghai"
}

roster people "人员" {
  id person_id
  role role
  column person_id string required unique
  column role string
}

dataset deals "成交" {
  person owner_id
  key deal_id
  date signed_on
  column deal_id string
  column owner_id string
  column signed_on date
  column amount money non_negative
}

role rep "Rep" {
  applies_to person.role == "rep"
  kpi amt "金额" {
    outcome main
    measure sum(deals.amount)
    target >= 1000
    weight 100%
  }
}
"""


def project(root: Path, deals: str, content: bytes) -> Path:
    """The scheme, a roster of one rep (A), and deals read from data/<deals> by its source type."""
    (root / "rulesets").mkdir()
    (root / "rulesets" / "common.kpi").write_text(SCHEME, encoding="utf-8")
    (root / "data").mkdir()
    (root / "data" / "people.csv").write_text("person_id,role\nA,rep\n", encoding="utf-8")
    (root / "data" / deals).write_bytes(content)
    source = deals.rsplit(".", 1)[1]
    (root / "kpirules.toml").write_text(
        '[project]\nrulesets = ["rulesets"]\n\n'
        '[env.e.datasets.people]\nsource = "csv"\npath = "data/people.csv"\n\n'
        f'[env.e.datasets.deals]\nsource = "{source}"\npath = "data/{deals}"\n', encoding="utf-8")
    return root / "data" / deals


def rejects(folder: Path) -> list[str]:
    return (folder / "deals.csv").read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_a_record_after_blank_lines_is_its_own_text(workdir, run_cli, newline):
    # the header (line 1), two blank lines (2 and 3), then a record of 5 fields (line 4): DuckDB's
    # text of it began with the blank lines' line breaks
    text = newline.join(["deal_id,owner_id,signed_on,amount", "", "", "D1,A,2026-03-05,10,5", ""])
    project(workdir, "deals.csv", text.encode())
    result = run_cli("sources", "check")
    assert result.exit_code == 1, result.output
    assert "error[E644]: 1 record could not be read: 5 fields where the header has 4" in result.stderr
    assert "  = note: row 1 (line 4): D1,A,2026-03-05,10,5\n" in result.stderr
    assert "  = help: fix those records in the file (quote values that contain the delimiter), or load" in result.stderr
    result = run_cli("run", "--period", "2026-03", "--on-bad-rows", "skip", "--rejects", "rej")
    assert result.exit_code == 0, result.output
    assert rejects(workdir / "rej") == ["_row,_line,_reason,_text,deal_id,owner_id,signed_on,amount",
                                        '1,4,5 fields where the header has 4,"D1,A,2026-03-05,10,5",,,,']


def test_a_csv_file_whose_lines_end_with_cr_alone_says_so(workdir, run_cli):
    # classic Mac OS line endings: the header line was read to the end of the file, and Python's
    # csv module's "new-line character seen in unquoted field" blamed the plugin
    project(workdir, "deals.csv", b"deal_id,owner_id,signed_on,amount\rD1,A,2026-03-05,10\rD2,A,2026-03-05,20\r")
    for command in (("sources", "check"), ("run", "--period", "2026-03")):
        result = run_cli(*command)
        assert result.exit_code == 1, result.output
        assert ("dataset deals, source data/deals.csv: error[E640]: data/deals.csv: its lines end with CR alone "
                "(as on classic Mac OS), which the CSV reader does not take for line breaks") in result.stderr
        assert ("  = help: save the file with LF or CRLF line endings (a text editor's line-ending setting, "
                "or mac2unix)") in result.stderr
        assert "plugin" not in result.stderr and "Traceback" not in result.output


JSONL = (
    b'{"deal_id":"D1","owner_id":"A","signed_on":"2026-03-05","amount":100}\n'  # line 1, row 1
    b'{"deal_id":"D2","owner_id":"A", oops\n'  # line 2, row 2: not JSON
    b'\n'  # line 3: blank, no record
    b'{"deal_id":"D3","owner_id":"A","signed_on":"2026-03-06","amount":250}\n'  # line 4, row 3
    b'{"deal_id":"D4","owner_id":"A","signed_on":NaN,"amount":1}\n'  # line 5, row 4: NaN is not JSON
    b'{"deal_id":"D5","owner_id":"A","signed_on":"2026-03-07","amount":"x"}\n'  # line 6, row 5: E643
)


def test_a_json_lines_record_that_is_not_json_is_a_bad_row(workdir, run_cli):
    # DuckDB stopped the whole file: "E640: could not read ...: Malformed JSON in file
    # "/abs/path/deals.jsonl", at byte 33 in line 3" (one line too far), and skip could not help
    project(workdir, "deals.jsonl", JSONL)
    result = run_cli("sources", "check")
    assert result.exit_code == 1, result.output
    assert "deals   JSON lines data/deals.jsonl  5 rows read  2 problems" in result.stdout
    assert "dataset deals, source data/deals.jsonl, row 2: error[E644]: 2 records could not be read" in result.stderr
    assert ('  = note: row 2 (line 2): not valid JSON: expecting property name enclosed in double quotes at '
            'column 33: {"deal_id":"D2","owner_id":"A", oops') in result.stderr
    assert ('  = note: row 4 (line 5): not valid JSON: NaN is not a JSON value: '
            '{"deal_id":"D4","owner_id":"A","signed_on":NaN,"amount":1}') in result.stderr
    # rows after them keep their numbers and lines: D5 is row 5, on line 6
    assert "  = note: row 5 (line 6): 'x'" in result.stderr
    # the help speaks of JSON, not of CSV's quoting
    assert "  = help: fix those records in the file (each line one JSON object, in braces), or load" in result.stderr
    assert str(workdir) not in result.output


def test_json_lines_records_that_are_not_json_are_skipped_and_kept_aside(workdir, run_cli):
    project(workdir, "deals.jsonl", JSONL)
    result = run_cli("run", "--period", "2026-03", "--on-bad-rows", "skip", "--rejects", "rej", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert "deals: 3 bad rows skipped" in result.stderr
    # D1 and D3 are loaded: 100 + 250 = 350 against a target of 1000, 35%
    assert "2026-03,A,,rep,,amt,金额,main,ok,350,1000,constant,0.35," in result.stdout
    assert rejects(workdir / "rej") == [
        "_row,_line,_reason,_text,deal_id,owner_id,signed_on,amount",
        '2,2,not valid JSON: expecting property name enclosed in double quotes at column 33,'
        '"{""deal_id"":""D2"",""owner_id"":""A"", oops",,,,',
        '4,5,not valid JSON: NaN is not a JSON value,'
        '"{""deal_id"":""D4"",""owner_id"":""A"",""signed_on"":NaN,""amount"":1}",,,,',
        "5,6,amount: 'x' is not an amount of money,,D5,A,2026-03-07,x",
    ]


def test_json_lines_records_that_are_not_objects_are_bad_rows(workdir, run_cli):
    # `[1,2]` and `7` are valid JSON but no record: they were not told apart from the
    # records' shape (E642 "source has no column deal_id ... the source's columns: json")
    lines = ('{"deal_id":"D1","owner_id":"A","signed_on":"2026-03-05","amount":100}\n[1,2]\n7\n'
             '{"deal_id":"D3","owner_id":"A","signed_on":"2026-03-06","amount":250}\n')
    project(workdir, "deals.jsonl", lines.encode())
    result = run_cli("run", "--period", "2026-03", "--on-bad-rows", "skip", "--rejects", "rej", "--format", "csv")
    assert result.exit_code == 0, result.output
    # D1 and D3: 100 + 250 = 350 against a target of 1000, 35%
    assert "2026-03,A,,rep,,amt,金额,main,ok,350,1000,constant,0.35," in result.stdout
    assert rejects(workdir / "rej") == [
        "_row,_line,_reason,_text,deal_id,owner_id,signed_on,amount",
        '2,2,"an array, not an object: a record is {""column"": value, ...}","[1,2]",,,,',
        '3,3,"a number, not an object: a record is {""column"": value, ...}",7,,,,',
    ]


def test_a_json_lines_value_after_blank_lines_is_named_at_its_line(workdir, run_cli):
    # every record readable, two blank lines before the second: its negative amount is row 2,
    # on line 4 of the file (it was said to be on line 2)
    lines = ('{"deal_id":"D1","owner_id":"A","signed_on":"2026-03-05","amount":100}\n\n\n'
             '{"deal_id":"D3","owner_id":"A","signed_on":"2026-03-06","amount":-5}\n')
    project(workdir, "deals.jsonl", lines.encode())
    result = run_cli("sources", "check")
    assert result.exit_code == 1
    assert "= note: row 2 (line 4): -5.0000" in result.stderr


def test_a_json_file_duckdb_cannot_read_is_named_as_the_binding_names_it(workdir, run_cli):
    project(workdir, "deals.json", b'[{"deal_id":"D1","owner_id":"A", oops}]\n')
    result = run_cli("sources", "check")
    assert result.exit_code == 1, result.output
    assert "error[E640]: could not read data/deals.json: " in result.stderr
    assert 'in file "data/deals.json"' in result.stderr and str(workdir) not in result.output


def test_every_command_that_reads_the_data_takes_on_bad_rows_skip(workdir, run_cli):
    # the help of a bad row says "--on-bad-rows skip"; explain, report, diff and sources check
    # refused that option ("No such option"), so a run paid with it could not be explained
    project(workdir, "deals.jsonl", JSONL)
    stopped = run_cli("explain", "A", "--period", "2026-03")
    assert stopped.exit_code == 1 and "--on-bad-rows skip" in stopped.stderr
    skip = ("--on-bad-rows", "skip")
    # D1 and D3 are loaded, as in the run above: 100 + 250 = 350 of a target of 1000
    explained = run_cli("explain", "A", "--period", "2026-03", *skip)
    assert explained.exit_code == 0, explained.output
    assert "warning: deals: 3 bad rows skipped" in explained.stderr
    assert "2 rows matched, result 350" in explained.stdout, explained.stdout
    checked = run_cli("sources", "check", *skip, "--rejects", "rej")
    assert checked.exit_code == 0, checked.output
    assert "deals   JSON lines data/deals.jsonl  2 rows  ok; 3 bad rows skipped" in checked.stdout
    assert len(rejects(workdir / "rej")) == 1 + 3  # the header and the three bad rows
    reported = run_cli("report", "--period", "2026-03", "-o", "r.html", *skip)
    assert reported.exit_code == 0, reported.output
    assert "warning: deals: 3 bad rows skipped" in reported.stderr and (workdir / "r.html").is_file()
    diffed = run_cli("diff", "rulesets", "rulesets", "--period", "2026-03", *skip)
    assert diffed.exit_code == 0, diffed.output
    assert "warning: deals: 3 bad rows skipped" in diffed.stderr
    # an output inside the rejects folder would be replaced by a rejects file, or replace one
    inside = run_cli("explain", "A", "--period", "2026-03", *skip, "--rejects", "rej", "-o", "rej/a.txt")
    assert inside.exit_code == 2 and "error[E008]: -o rej/a.txt is inside the --rejects folder rej" in inside.stderr
    assert not (workdir / "rej" / "a.txt").exists()
    unused = run_cli("diff", "rulesets", "rulesets", "--no-impact", *skip)
    assert unused.exit_code == 2 and "error[E825]" in unused.stderr


def test_rows_without_a_date_are_counted_not_lost_silently(workdir, run_cli):
    # semantics §1: a row whose `date` binding is empty is in no period; run warns with the
    # count, sources check shows it. D1 (10) is in March, D2 (5) and D3 (7) have no date:
    # the value is 10 and 2 rows are named.
    project(workdir, "deals.csv", b"deal_id,owner_id,signed_on,amount\nD1,A,2026-03-05,10\nD2,A,,5\nD3,A,,7\n")
    result = run_cli("run", "--period", "2026-03", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert "2026-03,A,,rep,,amt,金额,main,ok,10,1000," in result.stdout
    assert ("warning: deals: 2 rows have no signed_on: they are in no period (a KPI placing rows `on` another "
            "column still reads them)") in result.stderr
    checked = run_cli("sources", "check")
    assert checked.exit_code == 0, checked.output
    assert "deals   CSV data/deals.csv (utf-8, detected, comma-separated)  3 rows  ok; 2 rows have no date" in checked.stdout
