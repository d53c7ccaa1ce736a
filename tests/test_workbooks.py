"""Both workbooks, `run --format xlsx` and `report --format xlsx`, read back as Excel reads them:
the sheet XML inside the file.

A small project whose roles are named as Excel cannot name two sheets (`Summary` beside the
summary sheet, `SUMMARY`, and two ids that share their first 31 characters) and whose
roster holds text a spreadsheet would compute (`=SUM(1;2)`, `=A1`, `#N/A`), a person without a
team, and a KPI label that starts with `=`.
"""

from __future__ import annotations

import re
import warnings
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner

from kpirules.cli import cli

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
NORTH, SOUTH = "key_account_managers_east_china_north", "key_account_managers_east_china_south"

ROLE = """
role {id} {{
  applies_to person.role == "{key}"
  kpi amount "=1+1" {{
    process main
    measure sum(ev.amt)
    target >= 4
    weight 100%
  }}
}}
"""

SCHEME = """scheme s1 {
  period month
  currency CNY
  rounding half_up 0.01
}

roster people {
  id pid
  role role
  name name
  team team
  column pid string
  column role string
  column name string
  column team string
}

dataset ev {
  person pid
  date d
  column pid string
  column d date
  column amt decimal
}
""" + "".join(ROLE.format(id=role, key=key) for role, key in
              [("Summary", "a"), ("SUMMARY", "b"), (NORTH, "c"), (SOUTH, "d")])

PEOPLE = """pid,role,name,team,hired
P1,a,Ann,t1,2020-01-01
P2,b,=SUM(1;2),=A1,2020-01-01
P3,c,#N/A,,2020-01-01
P4,d,Dee,t2,2020-01-01
"""

EVENTS = """pid,d,amt
P1,2026-03-02,2
P2,2026-03-03,4
P3,2026-03-04,1
P4,2026-03-05,3
"""


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    (tmp_path / "rulesets").mkdir()
    (tmp_path / "rulesets" / "s.kpi").write_text(SCHEME, encoding="utf-8")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "people.csv").write_text(PEOPLE, encoding="utf-8")
    (tmp_path / "data" / "ev.csv").write_text(EVENTS, encoding="utf-8")
    (tmp_path / "kpirules.toml").write_text(
        '[project]\nrulesets = ["rulesets"]\ndefault_env = "default"\n\n'
        '[env.default.datasets.people]\nsource = "csv"\npath = "data/people.csv"\n\n'
        '[env.default.datasets.ev]\nsource = "csv"\npath = "data/ev.csv"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write_workbook(*args: str) -> tuple[Path, list]:
    """Run the command; the workbook it wrote and every Python warning raised meanwhile."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = CliRunner().invoke(cli, [*args, "--period", "2026-03", "-o", "book.xlsx"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Warning" not in result.stderr
    return Path("book.xlsx"), caught


def sheets(path: Path) -> dict[str, ElementTree.Element]:
    """Each sheet's XML by its name, as the workbook lists them."""
    with zipfile.ZipFile(path) as book:
        workbook = ElementTree.fromstring(book.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target") for r in rels}
        found = {}
        for sheet in workbook.iter(f"{MAIN}sheet"):
            target = targets[sheet.get(f"{REL}id")].lstrip("/")
            found[sheet.get("name")] = ElementTree.fromstring(book.read(target if target.startswith("xl/")
                                                                        else f"xl/{target}"))
        return found


def cells(sheet: ElementTree.Element) -> dict[str, ElementTree.Element]:
    return {c.get("r"): c for c in sheet.iter(f"{MAIN}c")}


def text(cell: ElementTree.Element) -> str | None:
    """The text of an inline-string cell, None for any other cell."""
    if cell.get("t") != "inlineStr":
        return None
    return "".join(t.text or "" for t in cell.iter(f"{MAIN}t"))


@pytest.mark.parametrize(("command", "summary"), [(("run", "--format", "xlsx"), "summary"),
                                                  (("report", "--format", "xlsx"), "Summary")])
def test_role_sheets_have_names_excel_accepts(project, command, summary):
    # openpyxl named them SUMMARY1, Summary2 and a 32-character title, with a UserWarning on stderr
    path, caught = write_workbook(*command)
    assert [str(w.message) for w in caught] == []
    # roles in the order of their ids (upper case first); each name is taken by the sheets before it
    assert list(sheets(path)) == [summary, "SUMMARY~2", "Summary~3", "key_account_managers_east_china",
                                  "key_account_managers_east_chi~2"]
    assert all(len(name) <= 31 for name in sheets(path))


@pytest.mark.parametrize("command", [("run", "--format", "xlsx"), ("report", "--format", "xlsx")])
def test_the_datas_text_is_text_never_a_formula(project, command):
    """P2's name =SUM(1;2) and team =A1 were written as formulas (<f>SUM(1;2)</f>), P3's name
    #N/A as an error value; the KPI label =1+1 heads the report's columns."""
    path, _ = write_workbook(*command)
    book = sheets(path)
    every = [c for sheet in book.values() for c in cells(sheet).values()]
    assert not [c for c in every if c.find(f"{MAIN}f") is not None]
    assert not [c for c in every if c.get("t") in ("e", "str")]
    texts = [text(c) for c in every]
    for written in ("=SUM(1;2)", "=A1", "#N/A"):
        assert written in texts, written
    if command[0] == "report":
        assert "=1+1: value" in texts
    else:
        assert "=1+1" in texts  # kpi_label


def test_no_value_is_an_empty_cell_on_every_sheet(project):
    """P3 has no team and nobody a grade: the summary left those cells out, the role sheets
    wrote an empty text cell (<c t="inlineStr"/>), which output.md does not call an empty cell."""
    path, _ = write_workbook("run", "--format", "xlsx")
    book = sheets(path)
    header = {text(c): re.sub(r"\d+", "", ref) for ref, c in cells(book["summary"]).items() if ref.endswith("1")}
    for name, sheet in book.items():
        found = cells(sheet)
        assert not [ref for ref, c in found.items() if c.get("t") == "inlineStr" and not text(c)], name
    # the summary's team and grade of P3 (row 4: P1, P2, P3 in the order of the results)
    summary = cells(book["summary"])
    assert text(summary["B4"]) == "P3"
    for column in ("team", "grade"):
        cell = summary.get(f"{header[column]}4")
        assert cell is None or (cell.get("t") != "inlineStr" and cell.find(f"{MAIN}v") is None)
    role = cells(book["key_account_managers_east_china"])
    columns = {text(c): re.sub(r"\d+", "", ref) for ref, c in role.items() if re.fullmatch(r"[A-Z]+1", ref)}
    assert text(role["B2"]) == "P3"
    for column in ("team", "grade"):
        assert f"{columns[column]}2" not in role


@pytest.mark.parametrize("command", [("run", "--format", "xlsx"), ("report", "--format", "xlsx")])
def test_a_control_character_of_the_data_is_written_as_the_replacement_character(project, command):
    # output.md: a workbook cannot hold control characters other than tab and line breaks;
    # a name holding one stopped both commands with an internal error (IllegalCharacterError)
    people = project / "data" / "people.csv"
    people.write_text(PEOPLE.replace("P4,d,Dee,", "P4,d,D\x01e\x1fe,"), encoding="utf-8")
    path, _ = write_workbook(*command)
    texts = [text(c) for sheet in sheets(path).values() for c in cells(sheet).values()]
    assert "D\ufffde\ufffde" in texts
