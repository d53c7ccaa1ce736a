"""`kpirules report` on a small project written here: ids that make the same file name, a
payout read from a person attribute, two roles with one label, an attainment just under 100%,
text that looks like a formula; and the sample company for KPIs in progress.

Every report runs through the real CLI; expected numbers are worked out in the comments from
the scheme below (CALLS: tiers by attainment, REVENUE: linear floor 50% cap 120%).
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from openpyxl import load_workbook

from kpirules.cli import cli
from report_dom import Node, parse

REPO = Path(__file__).resolve().parent.parent

HEAD = """\
scheme mini "Mini" {
  period month
  currency CNY
  timezone "UTC"
}

roster people {
  id person_id
  name name
  role role
  team team
  column person_id string
  column name string
  column role string
  column team string
  column level string
  column bonus money
}

dataset calls {
  person agent_id
  date called_on
  column agent_id string
  column called_on date
}

dataset deals {
  person owner_id
  date signed_on
  column owner_id string
  column signed_on date
  column amount money
}
"""

ROLE = """
role {id} "{label}" {{
  kpi calls "Calls" {{
    process main
    measure count(calls)
    target >= 10
    {calls_when}
    weight 50%
    score tiers {{
      [0%, 50%): 0
      [50%, 100%): 50
      [100%, ∞): 100
    }}
  }}
  kpi revenue "Revenue" {{
    outcome main
    measure sum(deals.amount)
    target >= 10000
    target >= 5000 when person.level == "junior"
    weight 50%
    score linear floor 50% cap 120%
  }}
  payout {{
    target_incentive {incentive}
    gate calls.attainment >= 50% else zero
  }}
}}
"""

TOML = """\
[project]
rulesets = ["mini.kpi"]
[env.test.datasets.people]
source = "csv"
path = "people.csv"
[env.test.datasets.calls]
source = "csv"
path = "calls.csv"
[env.test.datasets.deals]
source = "csv"
path = "deals.csv"
"""


def role(role_id: str, label: str = "Caller", incentive: str = "1000 CNY", calls_when: str = "") -> str:
    return ROLE.format(id=role_id, label=label, incentive=incentive, calls_when=calls_when)


def project(folder: Path, roles: list[str], people: list[str], deals: dict[str, str], calls: int = 10) -> Path:
    """A project in folder: the scheme with `roles`, the roster lines `people`
    (`person_id,name,role,team,level,bonus`), `calls` calls in March for everyone and a deal
    per person of `deals`."""
    (folder / "mini.kpi").write_text(HEAD + "".join(roles), encoding="utf-8")
    (folder / "kpirules.toml").write_text(TOML, encoding="utf-8")
    (folder / "people.csv").write_text("person_id,name,role,team,level,bonus\n" + "\n".join(people) + "\n",
                                       encoding="utf-8")
    ids = [line.split(",")[0] for line in people]
    (folder / "calls.csv").write_text(
        "agent_id,called_on\n" + "".join(f"{pid},2026-03-{day:02d}\n" for pid in ids for day in range(1, calls + 1)),
        encoding="utf-8")
    (folder / "deals.csv").write_text(
        "owner_id,signed_on,amount\n" + "".join(f"{pid},2026-03-05,{amount}\n" for pid, amount in deals.items()),
        encoding="utf-8")
    return folder / "kpirules.toml"


def invoke(*args: str):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def report(config: Path, out: Path, *options: str) -> str:
    invoke("report", "--config", str(config), "--period", "2026-03", "-o", str(out), *options)
    return out.read_text(encoding="utf-8") if out.suffix == ".html" else ""


def test_every_name_links_to_that_persons_own_statement(tmp_path):
    # a/b and a_b once shared the anchor s-a_b-2026-03: a/b's link opened a_b's statement
    ids = ["A_B", "a/b", "a_b", "J1"]
    config = project(tmp_path, [role("caller")], [f"{pid},Name {pid},caller,T,," for pid in ids], {})
    dom = parse(report(config, tmp_path / "r.html"))
    by_id: dict[str, list[Node]] = {}
    for node in dom.walk():
        if "id" in node.attrs:
            by_id.setdefault(node.attrs["id"], []).append(node)
    rows = dom.one("table", cls="people").one("tbody").find_all("tr")
    assert len(rows) == len(ids)
    for row in rows:
        person = row.find_all("td")[0].text
        (link,) = row.find_all("a")
        (target,) = by_id[link.attrs["href"].removeprefix("#")]  # exactly one element has the id
        assert (target.tag, target.attrs["data-person"], target.attrs["data-period"]) == ("section", person, "2026-03")
    # the names of the statement files (report.md): A_B and a_b~2 and a_b~3, as the files are named
    sections = {s.attrs["data-person"]: s.attrs["id"] for s in dom.find_all("section", cls="statement")}
    assert sections == {"A_B": "s-A_B-2026-03", "a_b": "s-a_b~2-2026-03", "a/b": "s-a_b~3-2026-03",
                        "J1": "s-J1-2026-03"}


BONUS_ROLE = role("caller", incentive="person.bonus", calls_when="target >= 5 when person.bonus > 5000")


def test_no_payouts_hides_the_attributes_the_payout_reads(tmp_path):
    # target_incentive person.bonus: the bonus is pay; level is read by no payout line
    config = project(tmp_path, [BONUS_ROLE], ["J1,Jun,caller,T,junior,7777", "G2,Gee,caller,T,,7778"], {})
    shared = report(config, tmp_path / "np.html", "--no-payouts")
    assert "7777" not in shared and "7778" not in shared
    steps = parse(shared).one("section", data_person="J1").one("details", cls="steps").one("pre").text
    # 10 calls against the `when` target 5 (bonus 7777 > 5000); revenue's `when` tests level
    assert "  target: >= 5 (the `when` branch target >= 5 when person.bonus > 5000, " in steps
    assert "; person.bonus (hidden)\n" in steps
    assert '; person.level "junior"\n' in steps
    # the whole report, and explain, keep the value
    whole = parse(report(config, tmp_path / "r.html")).one("section", data_person="J1")
    assert "; person.bonus 7777\n" in whole.one("details", cls="steps").one("pre").text
    explained = invoke("explain", "J1", "--config", str(config), "--period", "2026-03").stdout
    assert "; person.bonus 7777" in explained


def test_payout_by_role_keeps_roles_with_one_label_apart(tmp_path):
    # three roles, two labelled "Caller": one bar each, the repeated label with its role id
    config = project(tmp_path, [role("first"), role("second"), role("summary", label="Sum")],
                     ["J1,Jun,first,T,,", "G2,Gee,first,T,,", "M3,Max,second,T,,", "a/b,Ann,summary,U,,"],
                     {"J1": "10000", "M3": "20000"})
    page = parse(report(config, tmp_path / "r.html"))
    chart = next(f for f in page.find_all("figure") if f.one("figcaption").text == "Payout by role")
    bars = [(g.find_all("text")[0].text, g.find_all("text")[1].text) for g in chart.find_all("g")]
    # J1: calls 100% -> 100, revenue 100% -> 100: total 100, factor 1: 1000; G2: revenue 0 ->
    # total 50, factor 0.5: 500; M3: revenue 200% capped 120: total 110, 1100; a/b: 500
    run = json.loads(invoke("run", "--config", str(config), "--period", "2026-03", "--format", "json").stdout)
    paid = {p["person_id"]: p["payout"]["total"] for p in run["people"]}
    assert paid == {"G2": "500.00", "J1": "1000.00", "M3": "1100.00", "a/b": "500.00"}
    assert bars == [("Caller (first)", "1,500.00 CNY"), ("Caller (second)", "1,100.00 CNY"), ("Sum", "500.00 CNY")]


def test_an_attainment_just_under_100_percent_is_not_labelled_100(tmp_path):
    # 9999.99 / 10000 = 99.9999%: in the band 80% to 100% (yellow), so not shown as "100%"
    config = project(tmp_path, [role("caller")], ["J1,Jun,caller,T,,", "G2,Gee,caller,T,,"],
                     {"J1": "9999.99", "G2": "9949"})
    page = parse(report(config, tmp_path / "r.html"))
    cells = {row.one("th").text: [td for td in row.find_all("td")] for row in page.one("table", cls="heat").find_all("tr")[1:]}
    revenue = cells["Jun (J1)"][1]
    assert (revenue.text, revenue.attrs["style"]) == ("99.9999%", "background:#fee08b;color:#000000")
    # 9949 / 10000 = 99.49% rounds to 99.5%, in the same band: one decimal place as usual
    assert cells["Gee (G2)"][1].text == "99.5%"
    row = page.one("section", data_person="J1").one("tr", cls="kpi", data_kpi="revenue")
    assert row.find_all("td", cls="num")[2].text == "99.9999%"


def test_the_workbook_stores_text_as_text_and_names_sheets_as_documented(tmp_path):
    long_id = "caller_with_a_very_long_identifier_number_"
    config = project(tmp_path, [role(f"{long_id}one"), role(f"{long_id}two"), role("summary", label="Sum")],
                     ['J1,=1+2,summary,"=HYPERLINK(""http://x"")",,', f"G2,Gee,{long_id}one,T,,",
                      f"M3,Max,{long_id}two,T,,"], {})
    report(config, tmp_path / "r.xlsx")
    book = load_workbook(tmp_path / "r.xlsx")
    # report.md: ids cut to 31 characters; a name taken regardless of case gets ~2, cut to fit
    assert book.sheetnames == ["Summary", long_id[:31], long_id[:29] + "~2", "summary~2"]
    sheet = book["summary~2"]
    name, team = sheet["B2"], sheet["C2"]
    assert (name.value, name.data_type, team.value, team.data_type) == ("=1+2", "s", '=HYPERLINK("http://x")', "s")


def test_bars_of_kpis_in_progress_are_light_blue(tmp_path):
    # the sample company's key account managers have quarterly KPIs: in January of 2026Q1
    # they are in progress, and their bars take the heat map's "so far" colour
    out = tmp_path / "q1.html"
    invoke("report", "--config", str(REPO / "kpirules.toml"), "--period", "2026Q1", "--role", "key_account_manager",
           "-o", str(out))
    page = parse(out.read_text(encoding="utf-8"))
    in_progress = closed = 0
    for section in page.find_all("section", cls="statement", data_period="2026-01"):
        for row in section.one("table", cls="kpis").find_all("tr", cls="kpi"):
            fills = [r.attrs["fill"] for r in row.find_all("rect")]
            tags = [tag.text for tag in row.find_all("span", cls="tag")]
            if "in progress: not in this total" in tags:
                in_progress += 1
                assert fills[1:] in ([], ["#dbe9f6"]), fills  # the background, then the value bar
            elif len(fills) > 1:
                closed += 1
                assert fills[1] != "#dbe9f6"
    assert in_progress and closed
