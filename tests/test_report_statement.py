"""A statement of `kpirules report` says what `kpirules explain` says of the same person.

Both are rendered from the same lines (report/explain.py), so the tests compare them whole on
real sample people, then check the facts a salesperson needs to repeat their pay with a
calculator on the statement itself: the days behind a proration, the curve row and grade row
that applied, the attributes a `when` target tested, what a gate read and what a cap cut.

Each test runs the real CLI on a scratch copy of the sample company (conftest.sample_project),
changed where a test needs a case the sample lacks.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from kpirules.cli import cli
from report_dom import Node, parse


@pytest.fixture
def sample(sample_project) -> Path:
    """A scratch copy of the sample company, the working directory."""
    return sample_project


def invoke(*args: str) -> list[str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()


def statement(sample: Path, person: str, period: str, role: str, *options: str) -> Node:
    """The person's statement in the file `report --per-person` writes for them, the same as
    in the whole report."""
    invoke("report", "--period", period, "--role", role, "-o", str(sample / "r.html"),
           "--per-person", str(sample / "st"), *options)
    own, whole = (parse(path.read_text(encoding="utf-8")).one(
        "section", cls="statement", data_person=person, data_period=period)
        for path in (sample / "st" / f"{person}.html", sample / "r.html"))
    assert own == whole
    return own


def printed(node: Node) -> str:
    """A line of the statement as explain prints it: the words, then `  [path:line]`."""
    words = "".join(c if isinstance(c, str) else c.text for c in node.children
                    if isinstance(c, str) or "where" not in c.classes).rstrip()
    places = node.find_all("small", cls="where")
    return words + (f"  [{places[0].text}]" if places else "")


def steps(section: Node) -> list[str]:
    return section.one("details", cls="steps").one("pre").text.splitlines()


def payout(section: Node) -> list[str]:
    return [printed(li) for li in section.one("ol", cls="payout-steps").find_all("li")]


def total(section: Node) -> list[str]:
    return [printed(p) for p in section.one("div", cls="total").find_all("p")]


def score_rules(section: Node) -> dict[str, str]:
    return {row.attrs["data-kpi"]: printed(row.one("td", cls="rule"))
            for row in section.one("table", cls="kpis").find_all("tr", cls="kpi")}


@pytest.mark.parametrize("person, period, role, lang", [
    ("P004", "2026-12", "telesales", "en"),  # a factor row written as an expression, tier rows, a grade band
    ("P004", "2026-12", "telesales", "zh"),
    ("P019", "2026-06", "telesales", "en"),  # active 16 of 30 days, a `when` target prorated
    ("P027", "2026-12", "telesales", "en"),  # a failed gate
    ("P060", "2026-12", "customer_success_manager", "en"),  # a `when` branch taken
    ("P043", "2026-11", "key_account_manager", "en"),  # quarterly KPIs in progress: a rescaled total, a note
    ("P045", "2026-12", "key_account_manager", "en"),  # quarterly KPIs closed; the default curve
])
def test_the_statement_says_what_explain_says(sample, person, period, role, lang):
    section = statement(sample, person, period, role, "--lang", lang)
    explained = invoke("explain", person, "--period", period, "--lang", lang)
    # explain: the period line, a blank, the person, the days active, a blank, the KPIs' steps
    # (a blank after each), the total, notes and grade, then `payout:` and its steps indented
    assert section.one("p", cls="active").text == explained[3]
    kpis = steps(section)
    assert kpis == explained[5:5 + len(kpis)]
    rest = explained[5 + len(kpis) + 1:]
    results = total(section)
    assert results == rest[:len(results)]
    assert ["  " + line for line in payout(section)] == rest[len(results) + 1:]
    # the table's "how it is scored" is the score step, pointing at the same line
    score = {"en": "  score: ", "zh": "  得分："}[lang]
    rules = [rule for rule in score_rules(section).values() if rule]  # none while in progress
    assert rules and all(score + rule in kpis for rule in rules)


def test_a_score_step_points_at_its_score_line_or_tier_row(sample):
    # P004, telesales, December 2026 (see test_explain_steps.py): outbound_calls 295 / 200 =
    # 147.5%, above `score linear floor 60% cap 120%` (telesales.kpi:16); collection_rate
    # 145383.98 / 150000 = 96.9227%, in the row `[95%, ∞): 100` (telesales.kpi:40);
    # satisfaction has no `score` line: the default curve, written nowhere, points nowhere
    section = statement(sample, "P004", "2026-12", "telesales")
    assert score_rules(section) == {
        "outbound_calls": "attainment 147.5% is above the cap 120%: score 100 × 120% = 120  [rulesets/telesales.kpi:16]",
        "lead_conversion": "attainment 200% is above the cap 120%: score 100 × 120% = 120  [rulesets/telesales.kpi:26]",
        "collection_rate": "value 96.9227% is in [95%, ∞): score 100  [rulesets/telesales.kpi:40]",
        "satisfaction": "attainment 111.1111% is above the cap 100%: score 100 × 100% = 100 "
                        "(the default curve: linear, floor 0%, cap 100%)",
    }
    assert "  score: value 96.9227% is in [95%, ∞): score 100  [rulesets/telesales.kpi:40]" in steps(section)
    # the total 36 + 48 + 30 = 114 is in the grade row `[90, ∞): "优秀"` (common.kpi:166), and
    # in the factor row `[100, ∞)`: 1.0 + 1.5 × (114 − 100) / 100 = 1.21; the gate read 102.0239%
    assert total(section) == [
        "total score: 36 + 48 + 30 = 114",
        "grade: total score 114 is in [90, ∞): 优秀  [rulesets/common.kpi:166]",
    ]
    assert payout(section) == [
        "target incentive 3000 CNY  [rulesets/telesales.kpi:54]",
        "total score 114 is in [100, ∞): factor = 1.0 + 1.5 × (114 − 100) / 100 = 1.21  [rulesets/telesales.kpi:58]",
        "gate collection_rate.attainment >= 80% passed: the condition holds with collection_rate.attainment 102.0239%  [rulesets/telesales.kpi:61]",
        "incentive = 3000 CNY × 1.21 = 3630.00 CNY (rounded half_up to 0.01)",
        "payout 3630.00 CNY",
    ]


def test_in_chinese_the_grade_says_its_band(sample):
    section = statement(sample, "P004", "2026-12", "telesales", "--lang", "zh")
    assert total(section)[-1] == "等级：总分 114 落在 [90, ∞)：优秀  [rulesets/common.kpi:166]"
    assert score_rules(section)["collection_rate"] == "数值 96.9227% 落在 [95%, ∞)：得分 100  [rulesets/telesales.kpi:40]"


def test_a_prorated_target_and_incentive_show_the_days(sample):
    # P019 was hired on 2026-06-15: active 16 of June's 30 days, 0 whole months of tenure, so
    # outbound_calls takes `target >= 150 when person.tenure_months < 3`, prorated to
    # 150 × 16/30 = 80 exactly; the incentive 3000 CNY × factor 0 × 16/30 = 0.00 CNY
    section = statement(sample, "P019", "2026-06", "telesales")
    assert section.one("p", cls="active").text == "active 16 of 30 days (hired on 2026-06-15; proration 0.533333)"
    assert ("  target: >= 80 (the `when` branch target >= 150 when person.tenure_months < 3, "
            "rulesets/telesales.kpi:14); person.tenure_months 0; prorated from 150 × 16/30 days of 2026-06 = 80"
            ) in steps(section)
    assert "incentive = 3000 CNY × 0 × 16/30 days = 0.00 CNY (rounded half_up to 0.01)" in payout(section)


def test_a_prorated_quarterly_target_shows_the_quarters_days(sample, edit):
    # hired on 2026-01-15: 17 of January's 31 days, but 76 of the first quarter's 90 days
    # (17 + 28 + 31), which the quarterly target of 2 is prorated by: 2 × 76/90 = 1.6888...
    edit(sample / "data" / "sample" / "people.csv", "senior,华东,2022-11-14,", "senior,华东,2026-01-15,")
    section = statement(sample, "P045", "2026-01", "key_account_manager")
    assert section.one("p", cls="active").text == "active 17 of 31 days (hired on 2026-01-15; proration 0.548387)"
    assert ("  target: >= 1.688889 (the target without `when`, rulesets/key_account_manager.kpi:14); "
            "prorated from 2 × 76/90 days of 2026Q1 = 1.688889 (rounded to 6 places)") in steps(section)


def test_a_when_target_shows_the_attribute_it_tested(sample):
    # P060 was hired on 2026-10-08: 2 whole months on 2026-12-31, so health_checks takes
    # `target >= 12 when person.tenure_months < 3`
    section = statement(sample, "P060", "2026-12", "customer_success_manager")
    assert ("  target: >= 12 (the `when` branch target >= 12 when person.tenure_months < 3, "
            "rulesets/customer_success_manager.kpi:39); person.tenure_months 2") in steps(section)


def test_a_failed_gate_shows_the_value_it_read(sample):
    # telesales: `gate collection_rate.attainment >= 80% else cap factor 0.5`; P027's 71.3412%
    section = statement(sample, "P027", "2026-12", "telesales")
    assert ("gate collection_rate.attainment >= 80% failed (the condition does not hold with collection_rate.attainment 71.3412%): "
            "factor capped at 0.5 → 0.5  [rulesets/telesales.kpi:61]") in payout(section)


def test_the_cap_step_says_what_it_cut(sample, edit):
    # with the key account managers' cap lowered to 40000, P043's March incentive and
    # commission, 13929.41 + 54820.00 = 68749.41 CNY, are cut to 40000.00 CNY
    edit(sample / "rulesets" / "key_account_manager.kpi", "cap 80000 CNY", "cap 40000 CNY")
    section = statement(sample, "P043", "2026-03", "key_account_manager")
    assert payout(section)[-2:] == [
        "incentive + commissions 13929.41 + 54820.00 = 68749.41 CNY is above the cap: "
        "payout capped at 40000.00 CNY  [rulesets/key_account_manager.kpi:78]",
        "payout 40000.00 CNY",
    ]
    assert section.one("span", cls="payout").text == "40,000.00 CNY"


def test_a_statement_file_says_which_period_and_why(sample):
    invoke("report", "--role", "telesales", "-o", str(sample / "r.html"), "--per-person", str(sample / "st"))
    page = parse((sample / "st" / "P004.html").read_text(encoding="utf-8"))
    assert page.one("p", cls="meta").text == (
        "period 2026-12: the latest month that ended on or before the latest date in the data (2026-12-31)")


def test_the_points_cell_multiplies_as_written(sample):
    # P022 in June: weight 30% × score 101.4461 = 30.43383 (explain's line). Each factor
    # rounded to 2 places, "30% × 101.45 = 30.43", did not redo: 0.3 × 101.45 = 30.435
    section = statement(sample, "P022", "2026-06", "sales_manager")
    cells = {row.attrs["data-kpi"]: row.find_all("td")[5].text
             for row in section.one("table", cls="kpis").find_all("tr", cls="kpi")}
    assert "30% × 101.4461 = 30.43383" in cells.values()
    assert "40% × 115 = 46" in cells.values()


def test_the_kpi_table_says_how_a_target_was_prorated(sample):
    # P019, active 16 of June's 30 days: outbound_calls' target 150 is prorated to
    # 150 × 16/30 = 80 (the steps say so above); the table's target cell says it beside the 80
    section = statement(sample, "P019", "2026-06", "telesales")
    rows = {row.attrs["data-kpi"]: row for row in section.one("table", cls="kpis").find_all("tr", cls="kpi")}
    cell = rows["outbound_calls"].find_all("td")[2]
    assert cell.one("small", cls="prorated").text == "150 × 16/30 days"
    assert cell.text.startswith("≥ 80")
    # a rate is never prorated: no note
    assert rows["lead_conversion"].find_all("td")[2].find_all("small") == []
