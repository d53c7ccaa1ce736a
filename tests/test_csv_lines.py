"""The line a CSV row is reported on is the file's own line, whatever blank lines and quoted
line breaks come before it; the row is the N-th record after the header (docs/sources.md).

DuckDB skips blank lines, so "row 3 (line 4)" after a blank line was a line too high, and
a rejected record's row counted the blank line as a row.
"""

from __future__ import annotations

from pathlib import Path

from source_project import load, load_problem, make_project, write

from kpirules.errors import DataError

HEADER = "deal_id,owner_id,signed_at,signed_on,units,amount,rate,won,note\n"
# line 1 the header; the values of units are what is wrong (x, y), and D3 has a field too many
DEALS = (
    HEADER
    + "D1,P1,2026-01-05 09:30:00,2026-01-05,3,1200.50,0.125,yes,first\n"  # line 2, row 1
    + "\n"  # line 3: blank, no row
    + 'D2,P2,2026-01-05 09:30:00,2026-01-05,x,1,1,yes,"two\nlines"\n'  # lines 4-5, row 2
    + "D3,P1,2026-01-05 09:30:00,2026-01-05,1,1,1,yes,a,extra\n"  # line 6, row 3
    + "\n\n"  # lines 7 and 8: blank
    + "D4,P1,2026-01-05 09:30:00,2026-01-05,y,1,1,yes,a\n"  # line 9, row 4
)
DEALS_BINDING = {"deals": {"source": "csv", "path": "deals.csv"}}


def _problems(root: Path, bindings: dict) -> dict[str, object]:
    try:
        load(root, bindings)
    except DataError as caught:
        return {d.code: d for d in caught.diagnostics}
    raise AssertionError("the load found no problem")


def test_rows_after_blank_lines_and_quoted_line_breaks_name_their_own_line(workdir):
    write(workdir / "deals.csv", DEALS)
    found = _problems(workdir, DEALS_BINDING)
    assert found["E643"].notes == ["row 2 (line 4): 'x'", "row 4 (line 9): 'y'"]
    # the record DuckDB could not read is row 3 (it said row 4, counting the blank line)
    assert found["E644"].location.row == 3
    assert found["E644"].notes == ["row 3 (line 6): D3,P1,2026-01-05 09:30:00,2026-01-05,1,1,1,yes,a,extra"]


def test_the_rejects_file_names_the_same_rows_and_lines(workdir):
    write(workdir / "deals.csv", DEALS)
    load(workdir, DEALS_BINDING, bad_rows="skip", rejects_dir=workdir / "rejects")
    written = (workdir / "rejects" / "deals.csv").read_text(encoding="utf-8").splitlines()
    assert [line.split(",")[:2] for line in written] == [["_row", "_line"], ["2", "4"], ["3", "6"], ["4", "9"]]


def test_lines_are_counted_in_the_file_as_written_gbk_with_lines_above_the_header(workdir):
    # two title lines above the header (skip_rows = 2): the header is line 3; a quoted value
    # with a backslash-escaped quote and a line break in it spans lines 4-5 (row 1), a blank
    # line 6, then row 2 on line 7
    text = ("销售报表\n2026年1月\n" + HEADER
            + 'D1,P1,2026-01-05 09:30:00,2026-01-05,1,1,1,yes,"说\\"明\n第二行"\n'
            + "\n"
            + "D2,P2,2026-01-05 09:30:00,2026-01-05,二,1,1,yes,a\n")
    write(workdir / "deals.csv", text, encoding="gbk")
    problem = load_problem(workdir, {"deals": {"source": "csv", "path": "deals.csv", "encoding": "gbk",
                                               "skip_rows": 2, "escape": "\\"}})
    assert (problem.code, problem.notes) == ("E643", ["row 2 (line 7): '二'"])


def test_a_file_without_blank_lines_keeps_row_plus_header(workdir):
    write(workdir / "deals.csv", DEALS.replace("\n\n\n", "\n").replace("\n\nD2", "\nD2").replace('"two\nlines"', "b"))
    found = _problems(workdir, DEALS_BINDING)
    assert found["E643"].notes == ["row 2 (line 3): 'x'", "row 4 (line 5): 'y'"]


def test_sources_check_names_the_line_of_the_file(workdir, run_cli):
    write(workdir / "deals.csv", DEALS)
    make_project(workdir, DEALS_BINDING)
    result = run_cli("sources", "check")
    assert result.exit_code == 1, result.output
    assert "  = note: row 2 (line 4): 'x'" in result.stderr
    assert "  = note: row 4 (line 9): 'y'" in result.stderr
    assert "  = note: row 3 (line 6): D3,P1,2026-01-05 09:30:00,2026-01-05,1,1,1,yes,a,extra" in result.stderr
