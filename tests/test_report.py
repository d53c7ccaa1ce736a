"""`kpirules report`: the HTML page, the per-person statements, --no-payouts, the workbook, bad input.

Everything runs through the real CLI on the bundled sample company (kpirules.toml in the
repository); the expected names, scores and payouts come from `kpirules run --format json`
of the same period, so the report must show what the run computed.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from kpirules.cli import cli
from kpirules.io import write_folder_atomic
from report_dom import parse

REPO = Path(__file__).resolve().parent.parent
CONFIG = str(REPO / "kpirules.toml")
PERIOD = "2026-03"


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def report(*args: str):
    return invoke("report", "--config", CONFIG, "--period", PERIOD, *args)


@pytest.fixture(scope="module")
def people() -> list[dict]:
    """The run's people (JSON), the numbers every report must show."""
    result = invoke("run", "--config", CONFIG, "--period", PERIOD, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["people"]


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> Path:
    """One full report with statements per person, written once for the module."""
    out = tmp_path_factory.mktemp("report")
    result = report("-o", str(out / "report.html"), "--per-person", str(out / "statements"))
    assert result.exit_code == 0, result.output
    assert f"wrote {out / 'report.html'}" in result.stderr
    return out


def money(text: str) -> str:
    return format(Decimal(text), ",f")


def test_every_person_has_a_statement_with_name_score_and_payout(written, people):
    dom = parse((written / "report.html").read_text(encoding="utf-8"))
    sections = dom.find_all("section", cls="statement")
    assert len(sections) == len(people) == 58  # the sample company's people active in March 2026
    for p in people:
        section = dom.one("section", cls="statement", data_person=p["person_id"], data_period=p["period"])
        assert section.one(cls="name").text == p["name"]
        assert section.one(cls="score").text == p["total_score"]
        assert section.one(cls="payout").text == f"{money(p['payout']['total'])} CNY"
        assert [r.attrs["data-kpi"] for r in section.find_all("tr", cls="kpi")] == [k["id"] for k in p["kpis"]]
    # the overview lists everyone too, with the payout to the cent
    rows = {tuple(c.text for c in row.find_all("td")[:1]): row for row in dom.one("table", cls="people").find_all("tr")}
    for p in people:
        cells = [c.text for c in rows[(p["person_id"],)].find_all("td")]
        assert cells[1] == p["name"] and cells[-1] == money(p["payout"]["total"])


def test_the_overview_has_its_parts(written, people):
    dom = parse((written / "report.html").read_text(encoding="utf-8"))
    overview = dom.one("section", cls="overview")
    captions = [f.text for f in overview.find_all("figcaption")]
    assert captions == ["Score distribution", "Payout by role", "Payout by team"]
    # the histogram counts everyone once
    bars = overview.find_all("figure")[0].find_all("rect")
    counts = [int(t.text) for t in overview.find_all("figure")[0].find_all("text") if t.text.isdigit()]
    assert len(bars) == len(counts) and sum(counts) == len(people)
    # one heat map per role, a row per person, a cell per KPI of the role
    heat = overview.find_all("table", cls="heat")
    assert len(heat) == len({p["role"] for p in people})
    assert sum(len(t.find_all("tr")) - 1 for t in heat) == len(people)  # less each table's header row
    # who is below a floor: exactly the KPIs the run scored 0 from an attainment (or under a linear floor)
    expected = sorted((p["person_id"], k["label"]) for p in people for k in p["kpis"]
                      if k["status"] == "ok" and k["attainment"] is not None and (k["floor_hit"] or Decimal(k["score"]) == 0))
    assert expected, "the sample has people below a floor"
    rows = overview.one("table", cls="floors").find_all("tr")[1:]
    found = sorted((re.search(r"\((\w+)\)$", r.find_all("td")[0].text)[1], r.find_all("td")[3].text) for r in rows)
    assert found == expected


def test_statement_files_one_per_person_with_only_their_own_figures(written, people):
    folder = written / "statements"
    files = sorted(p.name for p in folder.glob("*.html"))
    assert files == sorted(f"{p['person_id']}.html" for p in people)
    assert (folder / ".kpirules-statements").is_file()
    mine = next(p for p in people if p["person_id"] == "P043")
    dom = parse((folder / "P043.html").read_text(encoding="utf-8"))
    assert {s.attrs["data-person"] for s in dom.find_all("section")} == {"P043"}
    assert dom.one(cls="payout").text == f"{money(mine['payout']['total'])} CNY"
    # the folded explanation is explain's, with the rows each aggregate read
    steps = dom.one("details", cls="steps").text
    assert "KPI new_key_customers “新签大客户数”" in steps and "rows matched" in steps
    others = [p["name"] for p in people if p["person_id"] != "P043"]
    text = dom.text
    assert not [name for name in others if name in text]


def test_no_payouts_leaves_every_amount_out(tmp_path, people):
    result = report("-o", str(tmp_path / "team.html"), "--no-payouts")
    assert result.exit_code == 0, result.output
    page = (tmp_path / "team.html").read_text(encoding="utf-8")
    dom = parse(page)
    assert not dom.find_all(cls="payout") and not dom.find_all("ol", cls="payout-steps")
    assert [f.text for f in dom.find_all("figcaption")] == ["Score distribution"]
    amounts = {money(p["payout"]["total"]) for p in people} | {p["payout"]["total"] for p in people}
    total = sum(Decimal(p["payout"]["total"]) for p in people)
    amounts |= {money(str(total)), str(total)}
    leaked = sorted(a for a in amounts if Decimal(a.replace(",", "")) > 0 and a in page)
    assert not leaked
    # the scores stay
    for p in people:
        assert dom.one("section", data_person=p["person_id"]).one(cls="score").text == p["total_score"]


def test_the_page_is_self_contained(written):
    for path in [written / "report.html", *sorted((written / "statements").glob("*.html"))[:3]]:
        page = path.read_text(encoding="utf-8")
        assert not re.search(r"""(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//""", page, re.IGNORECASE)
        assert not re.search(r"<link\b|@import|url\(", page, re.IGNORECASE)
        assert "Content-Security-Policy" in page and "default-src 'none'" in page


ESCAPE_SCHEME = """\
scheme esc_test "转义 <测试>" {
  period month
  currency CNY
  timezone "Asia/Shanghai"
}

roster people {
  id person_id
  name name
  role role
  team team
  column person_id string required unique
  column name string
  column role string
  column team string
}

dataset deals {
  person owner_id
  date signed_on
  column owner_id string
  column signed_on date
  column amount money
}

role rep "<b>销售</b>" {
  applies_to person.role == "rep"
  kpi amount "合同<金额> & 'x'" {
    outcome main
    measure sum(deals.amount)
    target >= 1000
    weight 100%
  }
  payout {
    target_incentive 1000 CNY
    factor by total_score {
      [0, ∞): total_score / 100
    }
  }
}
"""

ESCAPE_TOML = """\
[project]
rulesets = ["scheme.kpi"]
[env.test.datasets.people]
source = "csv"
path = "people.csv"
[env.test.datasets.deals]
source = "csv"
path = "deals.csv"
"""

NAUGHTY = '<script>alert("x")</script>'


@pytest.fixture
def naughty(tmp_path) -> Path:
    """A project whose names and labels are HTML: every one must be shown as text."""
    (tmp_path / "scheme.kpi").write_text(ESCAPE_SCHEME, encoding="utf-8")
    (tmp_path / "kpirules.toml").write_text(ESCAPE_TOML, encoding="utf-8")
    (tmp_path / "people.csv").write_text(
        'person_id,name,role,team\nP1,"<script>alert(""x"")</script>",rep,<i>A</i>\na/b,Ann & Bob,rep,x\n', encoding="utf-8")
    (tmp_path / "deals.csv").write_text("owner_id,signed_on,amount\nP1,2026-01-05,1200\na/b,2026-01-10,300.5\n",
                                        encoding="utf-8")
    return tmp_path


def test_names_and_labels_are_escaped(naughty):
    config = str(naughty / "kpirules.toml")
    result = invoke("report", "--config", config, "--period", "2026-01", "-o", str(naughty / "r.html"),
                    "--per-person", str(naughty / "st"))
    assert result.exit_code == 0, result.output
    page = (naughty / "r.html").read_text(encoding="utf-8")
    assert "<script>alert" not in page and "<b>销售" not in page and "<i>A</i>" not in page
    dom = parse(page)
    assert dom.one("section", data_person="P1").one(cls="name").text == NAUGHTY
    assert dom.one("section", data_person="P1").one(cls="kpi-label").text == "合同<金额> & 'x'"
    assert "<b>销售</b>" in dom.one("section", data_person="a/b").text
    # 1200 / 1000 = 120%, scored by the default linear curve capped at 100% → total 100;
    # factor 100 / 100 = 1, so the payout is the target incentive, 1000 CNY
    assert dom.one("section", data_person="P1").one(cls="payout").text == "1,000.00 CNY"
    # ids that are not file names become safe ones
    assert sorted(p.name for p in (naughty / "st").glob("*.html")) == ["P1.html", "a_b.html"]


def test_workbook_has_a_summary_and_a_sheet_per_role(tmp_path, people):
    result = report("-o", str(tmp_path / "r.xlsx"))
    assert result.exit_code == 0, result.output
    book = load_workbook(tmp_path / "r.xlsx")
    roles = sorted({p["role"] for p in people})
    assert book.sheetnames == ["Summary", *roles]
    summary = book["Summary"]
    assert summary.freeze_panes == "A2"
    header = [c.value for c in summary[1]]
    assert header[:4] == ["Role id", "Role", "People", "Average score"] and header[-1] == "Payout total (CNY)"
    rows = {r[0]: r for r in summary.iter_rows(min_row=2, values_only=True) if r[0]}
    for role in roles:
        mine = [p for p in people if p["role"] == role]
        assert rows[role][2] == len(mine)
        assert Decimal(str(rows[role][-1])) == sum(Decimal(p["payout"]["total"]) for p in mine)
    assert summary.cell(row=2, column=len(header)).number_format == '#,##0.00 "CNY"'
    for role in roles:
        sheet = book[role]
        assert sheet.freeze_panes == "C2"
        head = [c.value for c in sheet[1]]
        by_id = {r[0]: dict(zip(head, r)) for r in sheet.iter_rows(min_row=2, values_only=True)}
        for p in (p for p in people if p["role"] == role):
            row = by_id[p["person_id"]]
            assert row["Name"] == p["name"]
            assert Decimal(str(row["Total score"])) == Decimal(p["total_score"])
            assert Decimal(str(row["Payout (CNY)"])) == Decimal(p["payout"]["total"])
            for k in p["kpis"]:
                label = k["label"] or k["id"]
                if k["attainment"] is not None:
                    assert Decimal(str(row[f"{label}: attainment"])) == Decimal(k["attainment"])
                if k["score"] is not None:
                    assert Decimal(str(row[f"{label}: score"])) == Decimal(k["score"])


def test_a_role_without_payout_rules_has_no_payout_total_in_the_workbook(naughty):
    # role `obs` has no payout: its summary cell is empty (it said 0, as if paid 0); rep's P1
    # is paid 1000 (factor 100 / 100 = 1) and a/b 300.50 / 1000 = 30.05% -> 300.50 CNY: 1300.50
    text = (naughty / "scheme.kpi").read_text(encoding="utf-8")
    observer = 'role obs {\n  applies_to person.role == "obs"\n  kpi amount { outcome main measure sum(deals.amount) ' \
               'target >= 1000 weight 100% }\n}\n'
    (naughty / "scheme.kpi").write_text(text + observer, encoding="utf-8")
    (naughty / "people.csv").write_text("person_id,name,role,team\nP1,A,rep,x\na/b,B,rep,x\nO1,C,obs,x\n",
                                        encoding="utf-8")
    result = invoke("report", "--config", str(naughty / "kpirules.toml"), "--period", "2026-01",
                    "-o", str(naughty / "r.xlsx"))
    assert result.exit_code == 0, result.output
    rows = {r[0]: r for r in load_workbook(naughty / "r.xlsx")["Summary"].iter_rows(min_row=2, values_only=True)
            if r[0]}
    assert rows["obs"][-1] is None
    assert Decimal(str(rows["rep"][-1])) == Decimal("1300.50")
    assert Decimal(str(rows["All roles"][-1])) == Decimal("1300.50")


def test_a_quarter_of_a_monthly_scheme_counts_each_person_once(tmp_path):
    # 2026Q1 of the monthly scheme has a result per person and month; the counts to expect come
    # from `kpirules run --period 2026Q1 --format json` (distinct person ids, and all results)
    run = invoke("run", "--config", CONFIG, "--period", "2026Q1", "--format", "json")
    assert run.exit_code == 0, run.output
    results = json.loads(run.stdout)["people"]
    people = {p["person_id"] for p in results}
    assert len(results) > len(people)  # else the test would not tell the two counts apart
    assert report_of("2026Q1", tmp_path / "r.xlsx").exit_code == 0
    summary = load_workbook(tmp_path / "r.xlsx")["Summary"]
    assert [c.value for c in summary[1]][:5] == ["Role id", "Role", "People", "Person-periods", "Average score"]
    rows = {r[0]: r for r in summary.iter_rows(min_row=2, values_only=True) if r[0]}
    assert rows["All roles"][2:4] == (len(people), len(results))
    for role in {p["role"] for p in results}:
        mine = [p for p in results if p["role"] == role]
        assert rows[role][2:4] == (len({p["person_id"] for p in mine}), len(mine))
    assert summary.cell(row=2, column=5).number_format == "0.00"  # the average, after both counts
    # the overview's cards give the same two counts
    assert report_of("2026Q1", tmp_path / "r.html").exit_code == 0
    cards = parse((tmp_path / "r.html").read_text(encoding="utf-8")).find_all(cls="card")
    figures = {c.find_all("div")[-1].text: c.one(cls="figure").text for c in cards}
    assert figures["People"] == str(len(people)) and figures["Person-periods"] == str(len(results))


def report_of(period: str, out: Path):
    return invoke("report", "--config", CONFIG, "--period", period, "-o", str(out))


def test_one_period_has_no_person_periods_column(tmp_path):
    assert report_of(PERIOD, tmp_path / "r.xlsx").exit_code == 0
    header = [c.value for c in load_workbook(tmp_path / "r.xlsx")["Summary"][1]]
    assert header[:4] == ["Role id", "Role", "People", "Average score"]


def test_workbook_without_payouts(tmp_path):
    result = report("-o", str(tmp_path / "r.xlsx"), "--no-payouts", "--role", "telesales")
    assert result.exit_code == 0, result.output
    book = load_workbook(tmp_path / "r.xlsx")
    assert book.sheetnames == ["Summary", "telesales"]
    for sheet in book.worksheets:
        assert not [c.value for c in sheet[1] if c.value and "Payout" in str(c.value)]


def test_a_quarter_of_a_monthly_scheme_has_three_statements_per_person_in_one_file(tmp_path):
    result = invoke("report", "--config", CONFIG, "--period", "2026Q1", "--role", "sales_manager",
                    "-o", str(tmp_path / "r.html"), "--per-person", str(tmp_path / "st"))
    assert result.exit_code == 0, result.output
    files = sorted((tmp_path / "st").glob("*.html"))
    assert len(files) == 7  # the sample's sales managers
    dom = parse(files[0].read_text(encoding="utf-8"))
    assert [s.attrs["data-period"] for s in dom.find_all("section")] == ["2026-01", "2026-02", "2026-03"]


def test_chinese_words(tmp_path):
    result = report("-o", str(tmp_path / "r.html"), "--lang", "zh", "--role", "telesales")
    assert result.exit_code == 0, result.output
    dom = parse((tmp_path / "r.html").read_text(encoding="utf-8"))
    assert dom.one("html").attrs["lang"] == "zh-CN"
    assert [f.text for f in dom.find_all("figcaption")] == ["总分分布", "各岗位奖金", "各团队奖金"]
    assert "每月外呼量" in dom.one("table", cls="heat").text  # the scheme's label, as written
    assert "已写入" in result.stderr


@pytest.mark.parametrize("lang, line", [
    ("en", "total score: (22 + 14.5455) × 100% / 35% = 104.415714 (rounded to 6 places)"),
    ("zh", "总分：(22 + 14.5455) × 100% / 35% = 104.415714（四舍五入到 6 位小数）"),
])
def test_a_rescaled_total_is_written_as_the_arithmetic_the_engine_did(tmp_path, lang, line):
    # in November 2026 the key-account quarterly KPIs (35% + 30%) have not closed; P043's monthly
    # ones give 22 and 14.5455 points, scaled by 100% / 35% (see test_run_cli.py's explain test)
    result = invoke("report", "--config", CONFIG, "--period", "2026-11", "--role", "key_account_manager",
                    "--lang", lang, "-o", str(tmp_path / "r.html"))
    assert result.exit_code == 0, result.output
    dom = parse((tmp_path / "r.html").read_text(encoding="utf-8"))
    section = dom.one("section", cls="statement", data_person="P043", data_period="2026-11")
    assert section.one("div", cls="total").find_all("p")[0].text == line


# ---------------------------------------------------------------------- bad input


def test_an_unknown_period_writes_nothing(tmp_path):
    result = invoke("report", "--config", CONFIG, "--period", "2026-13", "-o", str(tmp_path / "r.html"))
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "2026-13" in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("where", ["missing/r.html", "afile/r.html"])
def test_an_unwritable_output_is_refused_before_anything_runs(tmp_path, where):
    (tmp_path / "afile").write_text("not a folder")
    result = report("-o", str(tmp_path / where), "--per-person", str(tmp_path / "st"))
    assert result.exit_code == 2
    assert "E860" in result.stderr and f"cannot write {tmp_path / where}" in result.stderr
    assert "help: check the path" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]




def test_an_output_that_is_a_folder_is_refused_by_the_option(tmp_path):
    # click's dir_okay=False refuses it while parsing, so it is a usage error of -o, not E860
    (tmp_path / "out").mkdir()
    result = report("-o", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert f"File '{tmp_path / 'out'}' is a directory." in result.stderr and "E860" not in result.stderr
    assert list((tmp_path / "out").iterdir()) == []


def test_no_payouts_help_speaks_of_pay_not_money():
    # KPI values in money stay in a --no-payouts report; only amounts of pay are left out
    text = " ".join(invoke("report", "--help").stdout.split())
    assert "Leave every amount of pay out of the report" in text and "amount of money" not in text
def test_per_person_pointing_at_a_file(tmp_path):
    (tmp_path / "st").write_text("mine")
    result = report("-o", str(tmp_path / "r.html"), "--per-person", str(tmp_path / "st"))
    assert result.exit_code == 2
    assert "E861" in result.stderr and "is a file, not a folder" in result.stderr
    assert (tmp_path / "st").read_text() == "mine" and not (tmp_path / "r.html").exists()


def test_per_person_folder_of_someone_elses_files_is_left_alone(tmp_path):
    (tmp_path / "st").mkdir()
    (tmp_path / "st" / "notes.txt").write_text("keep me")
    result = report("-o", str(tmp_path / "r.html"), "--per-person", str(tmp_path / "st"))
    assert result.exit_code == 2 and "E862" in result.stderr
    assert [p.name for p in (tmp_path / "st").iterdir()] == ["notes.txt"]


def test_a_folder_of_statements_is_replaced_as_a_whole(tmp_path, people):
    first = report("-o", str(tmp_path / "r.html"), "--per-person", str(tmp_path / "st"), "--role", "sales_manager")
    assert first.exit_code == 0, first.output
    assert len(list((tmp_path / "st").glob("*.html"))) == 7
    second = report("-o", str(tmp_path / "r.html"), "--per-person", str(tmp_path / "st"), "--role", "key_account_manager")
    assert second.exit_code == 0, second.output
    # the sales managers' statements are gone, not mixed with the key account managers'
    expected = sorted(f"{p['person_id']}.html" for p in people if p["role"] == "key_account_manager")
    assert sorted(p.name for p in (tmp_path / "st").glob("*.html")) == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html", "st"]  # no temporary folders left


def test_write_folder_atomic_keeps_the_old_folder_when_writing_fails(tmp_path):
    write_folder_atomic(tmp_path / "st", {"a.html": b"old"})
    with pytest.raises(OSError):
        write_folder_atomic(tmp_path / "st", {"b.html": b"new", "no/such/place.html": b"x"})
    assert [(p.name, p.read_bytes()) for p in (tmp_path / "st").iterdir()] == [("a.html", b"old")]
    assert [p.name for p in tmp_path.iterdir()] == ["st"]


def test_write_folder_atomic_puts_the_old_folder_back_when_what_follows_fails(tmp_path):
    """`then` runs with the new folder in place (run puts its -o and --manifest files in place
    there, after its snapshot): when it fails, the new folder goes and the old one comes back."""
    write_folder_atomic(tmp_path / "st", {"a.html": b"old"})
    seen = []

    def rename_fails():
        seen.append(sorted(p.name for p in (tmp_path / "st").iterdir()))
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        write_folder_atomic(tmp_path / "st", {"b.html": b"new"}, then=rename_fails)
    assert seen == [["b.html"]]
    assert [(p.name, p.read_bytes()) for p in (tmp_path / "st").iterdir()] == [("a.html", b"old")]
    assert [p.name for p in tmp_path.iterdir()] == ["st"]
    with pytest.raises(OSError):
        write_folder_atomic(tmp_path / "new", {"b.html": b"new"}, then=rename_fails)
    assert [p.name for p in tmp_path.iterdir()] == ["st"]


@pytest.mark.parametrize(("args", "code"), [
    (["--per-person", "st", "--format", "xlsx"], "E864"),
    (["--role", "nobody_has_this_role"], "E004"),
])
def test_usage_problems(tmp_path, args, code):
    args = [str(tmp_path / a) if a == "st" else a for a in args]
    result = report("-o", str(tmp_path / "r.out"), *args)
    assert result.exit_code == 2 and code in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_output_inside_the_statements_folder(tmp_path):
    (tmp_path / "st").mkdir()
    result = report("-o", str(tmp_path / "st" / "r.html"), "--per-person", str(tmp_path / "st"))
    assert result.exit_code == 2 and "E865" in result.stderr


def test_a_report_named_for_another_format_is_warned_about(tmp_path):
    # `-o report.pdf` wrote HTML under that name without a word
    result = report("-o", str(tmp_path / "report.pdf"))
    assert result.exit_code == 0, result.output
    assert (f"warning: {tmp_path / 'report.pdf'} is written as HTML: the report is HTML or xlsx (name the file .html "
            "or .xlsx, or give --format)") in result.stderr
    assert (tmp_path / "report.pdf").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert "is written as HTML" not in report("-o", str(tmp_path / "r.html")).stderr


def test_output_and_statements_folder_at_one_path(tmp_path):
    # it said "Is a directory" after the whole evaluation
    result = report("-o", str(tmp_path / "r.html"), "--per-person", str(tmp_path / "r.html"))
    assert result.exit_code == 2
    assert f"error[E865]: --output {tmp_path / 'r.html'} and --per-person {tmp_path / 'r.html'} name one path" \
        in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_nobody_to_report(naughty):
    # the scheme's only role applies to a role nobody in the roster has
    text = (naughty / "scheme.kpi").read_text(encoding="utf-8").replace('person.role == "rep"', 'person.role == "nobody"')
    (naughty / "scheme.kpi").write_text(text, encoding="utf-8")
    result = invoke("report", "--config", str(naughty / "kpirules.toml"), "--period", "2026-01", "-o", str(naughty / "r.html"))
    assert result.exit_code == 1
    assert "E863" in result.stderr and "nobody was evaluated for 2026-01" in result.stderr
    assert not (naughty / "r.html").exists()


def test_statement_file_names_give_an_id_kept_as_it_is_its_own_name():
    # report.md: `a/b` becomes a_b, but the person whose id is a_b keeps a_b.html
    from kpirules.engine.results import PersonResult, RunResult
    from kpirules.report.html import statement_files

    def person(pid):
        return PersonResult(person_id=pid, name=None, role="r", role_label=None, team=None, manager=None,
                            period="2026-03", active_days=31, period_days=31, proration=1, kpis=[],
                            total_score=0, grade=None, payout=None)

    def names(*ids):
        result = RunResult(scheme="s", periods=["2026-03"], period_reason="", currency="CNY",
                           people=[person(pid) for pid in ids], unmatched_people=[], inactive_people=0)
        return {name: results[0].person_id for name, results in statement_files(result).items()}

    assert names("a/b", "a_b") == {"a_b.html": "a_b", "a_b~2.html": "a/b"}
    assert names("A_B", "a/b", "a_b") == {"A_B.html": "A_B", "a_b~2.html": "a_b", "a_b~3.html": "a/b"}


def test_a_report_that_cannot_be_written_leaves_the_statements_as_they_were(tmp_path):
    """-o names a file its folder cannot hold (246 + 5 characters: its temporary file beside
    it is longer than a file name may be), found once the work is done: the statements
    folder written by an earlier report stays as it was (it was replaced before the report
    file failed), and no temporary file is left."""
    first = report("-o", str(tmp_path / "r.html"), "--per-person", str(tmp_path / "st"))
    assert first.exit_code == 0, first.output
    before = {path.name: path.read_bytes() for path in (tmp_path / "st").iterdir()}
    (tmp_path / "st" / next(iter(before))).write_bytes(b"kept")  # so a new folder would show
    before = {path.name: path.read_bytes() for path in (tmp_path / "st").iterdir()}
    name = tmp_path / ("r" * 246 + ".html")
    result = report("-o", str(name), "--per-person", str(tmp_path / "st"))
    assert result.exit_code == 2
    assert f"error[E860]: cannot write {name}: File name too long" in result.stderr
    assert {path.name: path.read_bytes() for path in (tmp_path / "st").iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html", "st"]


def test_a_quarters_report_counts_people_not_their_months(tmp_path):
    # a monthly scheme's 2026Q4 is three results a person: the bars said "for 81 people" where
    # 27 telesales were paid, and the heat map's captions counted rows
    result = invoke("run", "--config", CONFIG, "--period", "2026Q4", "--format", "json")
    assert result.exit_code == 0, result.output
    paid: dict[str, set[str]] = {}
    for p in json.loads(result.stdout)["people"]:
        if p["payout"] is not None:
            paid.setdefault(p["role"], set()).add(p["person_id"])
    out = tmp_path / "q4.html"
    assert invoke("report", "--config", CONFIG, "--period", "2026Q4", "-o", str(out)).exit_code == 0
    html = out.read_text(encoding="utf-8")
    counts = sorted(int(n) for n in re.findall(r"for (\d+) (?:people|person)", html))
    assert max(counts) <= len({pid for ids in paid.values() for pid in ids})
    assert f"(telesales): {len(paid['telesales'])} people" in html
    assert f"for {len(paid['telesales'])} people" in html
    assert f"for {3 * len(paid['telesales'])} people" not in html
