"""`kpirules explain` over several periods says, for each period in which the person was not
evaluated, why not; and its JSON holds the places its text points at.

Each test runs the real CLI on a scratch copy of the sample company (conftest.sample_project).
"""

from __future__ import annotations

import json
import re

from click.testing import CliRunner

from kpirules.cli import cli


def explain(*args: str):
    result = CliRunner().invoke(cli, ["explain", *args])
    assert result.exit_code == 0, result.output
    return result


def items(*args: str) -> list[dict]:
    return json.loads(explain(*args, "--format", "json").stdout)


def test_a_june_hire_explained_over_the_quarter_says_why_april_and_may_are_not(sample_project):
    # P019 was hired on 2026-06-15: active on no day of April or May (semantics §1, who is evaluated)
    lines = explain("P019", "--period", "2026Q2").stdout.splitlines()
    assert lines[:6] == [
        "period 2026-04, 2026-05, 2026-06: as requested",
        "",
        "崔怡雨 (P019), period 2026-04: not evaluated (not active: hired on 2026-06-15, after the period)",
        "",
        "崔怡雨 (P019), period 2026-05: not evaluated (not active: hired on 2026-06-15, after the period)",
        "",
    ]
    assert lines[6] == "崔怡雨 (P019), role 电话销售 (telesales), period 2026-06"
    got = items("P019", "--period", "2026Q2")
    assert [item["period"] for item in got] == ["2026-04", "2026-05", "2026-06"]
    assert got[0] == {"person_id": "P019", "name": "崔怡雨", "period": "2026-04", "evaluated": False,
                      "reason": "not active: hired on 2026-06-15, after the period"}
    assert got[2]["evaluated"] is True and got[2]["total_score"] == "45"
    zh = explain("P019", "--period", "2026Q2", "--lang", "zh").stdout.splitlines()
    assert zh[2] == "崔怡雨（P019），期间 2026-04：未评估（不在职：2026-06-15 入职，在该期间之后）"


def test_a_leaver_explained_over_the_year_says_when_they_left(sample_project):
    # P015 left on 2026-06-12: January to June are explained, July to December are not
    text = explain("P015", "--period", "2026").stdout
    for month in ("07", "08", "09", "10", "11", "12"):
        assert (f"刘建华 (P015), period 2026-{month}: not evaluated (not active: left on 2026-06-12, "
                "before the period)") in text
    assert "刘建华 (P015), role 电话销售 (telesales), period 2026-06" in text
    assert [item["evaluated"] for item in items("P015", "--period", "2026")] == [True] * 6 + [False] * 6


def test_a_person_whose_role_matches_only_later_is_told_so(sample_project, edit):
    # with telesales only for 2 whole months of tenure, P019 (hired 2026-06-15) has 1 month on
    # 2026-07-31 and matches no role in July; 2 months on 2026-08-31: telesales from August
    edit(sample_project / "rulesets" / "telesales.kpi", 'applies_to person.role == "telesales"\n',
         'applies_to person.role == "telesales" and person.tenure_months >= 2\n')
    text = explain("P019", "--period", "2026Q3").stdout
    assert "崔怡雨 (P019), period 2026-07: not evaluated (matches no role as of 2026-07-31)" in text
    assert "崔怡雨 (P019), role 电话销售 (telesales), period 2026-08" in text
    got = items("P019", "--period", "2026Q3")
    assert got[0]["reason"] == "matches no role as of 2026-07-31"
    assert [item["evaluated"] for item in got] == [False, True, True]
    assert "截至 2026-07-31 没有匹配任何岗位" in explain("P019", "--period", "2026Q3", "--lang", "zh").stdout


def test_the_json_holds_every_place_the_text_points_at(sample_project):
    # P019 in June: the score lines point at the `score` line or the tier row that applied,
    # the grade at its row; the JSON gives the same places (with the column), and the
    # attribute the `when` target tested with its value, as the text's target line does
    text = explain("P019", "--period", "2026-06").stdout.splitlines()
    [item] = items("P019", "--period", "2026-06")
    scores = [line for line in text if line.startswith("  score: ")]
    assert len(scores) == len(item["kpis"]) == 4
    for line, kpi in zip(scores, item["kpis"], strict=True):
        place = re.search(r"  \[(.+)\]$", line)
        if kpi["score_span"] is None:  # the default curve is written nowhere
            assert place is None, line
        else:
            assert kpi["score_span"].rsplit(":", 1)[0] == place.group(1), line
    assert [kpi["score_span"] for kpi in item["kpis"]] == [
        "rulesets/telesales.kpi:16:11", "rulesets/telesales.kpi:26:11", "rulesets/telesales.kpi:39:7", None]
    grade = next(line for line in text if line.startswith("grade: "))
    assert grade.endswith("  [rulesets/common.kpi:169]")
    assert item["grade_span"] == "rulesets/common.kpi:169:3"
    assert "; person.tenure_months 0;" in next(line for line in text if "tenure_months" in line)
    assert [kpi["when_tested"] for kpi in item["kpis"]] == [{"person.tenure_months": "0"}, {}, {}, {}]


def test_an_empty_attribute_reads_no_value_in_targets_as_in_gates(sample_project, edit):
    # P019's hire date emptied: person.tenure_months has no value; the `when` branch does not
    # hold (semantics §1), and the target line says "no value", the word a gate uses
    edit(sample_project / "data" / "sample" / "people.csv", "P012,intermediate,华东,2026-06-15,",
         "P012,intermediate,华东,,")
    text = explain("P019", "--period", "2026-06").stdout
    assert ("  target: >= 200 (the target without `when`, rulesets/telesales.kpi:13); "
            "person.tenure_months no value") in text
    assert "person.tenure_months 无数值" in explain("P019", "--period", "2026-06", "--lang", "zh").stdout
    assert items("P019", "--period", "2026-06")[0]["kpis"][0]["when_tested"] == {"person.tenure_months": None}


def test_the_weight_step_points_at_the_weight_line_it_came_from(sample_project, edit):
    # senior_telesales extends telesales and overrides outbound_calls' targets only: P010's
    # weight 30% is telesales' (line 15); 30% × 120 = 36 points
    lines = explain("P010", "--period", "2026-06").stdout.splitlines()
    assert "  weight 30% × score 120 = 36 points  [rulesets/telesales.kpi:15]" in lines
    assert "  weight 40% × score 0 = 0 points  [rulesets/telesales.kpi:25]" in lines
    [item] = items("P010", "--period", "2026-06")
    assert [kpi["weight_span"] for kpi in item["kpis"]] == [
        "rulesets/telesales.kpi:15:5", "rulesets/telesales.kpi:25:5", "rulesets/telesales.kpi:35:5", None]
    # an override that writes the weight itself (line 74, after the two targets) is pointed at
    edit(sample_project / "rulesets" / "telesales.kpi", "    target >= 180 when person.tenure_months <= 2\n",
         "    target >= 180 when person.tenure_months <= 2\n    weight 30%\n")
    assert "  weight 30% × score 120 = 36 points  [rulesets/telesales.kpi:74]" in explain(
        "P010", "--period", "2026-06").stdout.splitlines()
    assert items("P010", "--period", "2026-06")[0]["kpis"][0]["weight_span"] == "rulesets/telesales.kpi:74:5"
    # telesales itself still reads its own line
    assert "  weight 30% × score 70 = 21 points  [rulesets/telesales.kpi:15]" in explain(
        "P019", "--period", "2026-06").stdout.splitlines()
