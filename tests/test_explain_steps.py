"""`kpirules explain` shows each step's own numbers: the days behind a proration, what a cap
cut, the curve, band and row that decided, so that a calculator repeats every line.

Each test runs the real CLI on a scratch copy of the sample company (the repository's
rulesets, data and kpirules.toml), changed where a test needs a case the sample lacks.
"""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from kpirules.cli import cli


@pytest.fixture
def sample(sample_project) -> Path:
    """A scratch copy of the sample company, the working directory (conftest.sample_project)."""
    return sample_project


def explain(*args: str) -> list[str]:
    result = CliRunner().invoke(cli, ["explain", *args])
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()


def steps(*args: str) -> list[dict]:
    result = CliRunner().invoke(cli, ["explain", *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)[0]["payout"]["steps"]


def test_the_incentive_is_prorated_by_the_days_the_header_counts(sample):
    # P019 was active 16 of June's 30 days: the line says 16/30, not the reduced 8/15
    lines = explain("P019", "--period", "2026-06")
    # with the hire date that counts the days (P019 was hired on 2026-06-15)
    assert "active 16 of 30 days (hired on 2026-06-15; proration 0.533333)" in lines
    assert "  incentive = 3000 CNY × 0 × 16/30 days = 0.00 CNY (rounded half_up to 0.01)" in lines
    incentive = next(s for s in steps("P019", "--period", "2026-06") if s["step"] == "incentive")
    assert incentive["description"] == "incentive = 3000 CNY × 0 × 16/30 days = 0.00 CNY (rounded half_up to 0.01)"
    assert "  激励奖金 = 3000 CNY × 0 × 16/30 天 = 0.00 CNY（按 half_up 舍入到 0.01）" in explain(
        "P019", "--period", "2026-06", "--lang", "zh")


def both_ways(project: Path, label: str):
    """(set-based result, Python result) of the real evaluator on a project's data, most
    people scored in SQL."""
    import os

    from kpirules.cli.run import prepare
    from kpirules.engine.evaluate import Evaluator
    from kpirules.engine.periods import Calendar

    here = os.getcwd()
    os.chdir(project)
    try:
        prepared = prepare([], label, None, None)
        calendar = Calendar(prepared.scheme.header)
        periods = calendar.scheme_periods(calendar.parse(label))
        evaluator = Evaluator(prepared.scheme, prepared.con)
        fast = evaluator.run(periods, trace_rows=True, setwise=True)
        reference = Evaluator(prepared.scheme, prepared.con).run(periods, trace_rows=True, setwise=False)
    finally:
        os.chdir(here)
    # the sample's few people with manual adjustments are left to the Python path
    assert evaluator.scored_in_sql >= len(fast.people) - 3 * len(periods)
    return fast, reference


def test_a_quarterly_target_is_prorated_by_the_quarters_days(sample, edit):
    # hired on 2026-01-15: 17 of January's 31 days, but 76 of the first quarter's 90 days,
    # which is what the quarterly KPI's target of 2 is prorated by
    edit(sample / "data" / "sample" / "people.csv", "senior,华东,2022-11-14,", "senior,华东,2026-01-15,")
    lines = explain("P045", "--period", "2026-01")
    assert "active 17 of 31 days (hired on 2026-01-15; proration 0.548387)" in lines
    assert ("  target: >= 1.688889 (the target without `when`, rulesets/key_account_manager.kpi:14); "
            "prorated from 2 × 76/90 days of 2026Q1 = 1.688889 (rounded to 6 places)") in lines
    zh = explain("P045", "--period", "2026-01", "--lang", "zh")
    assert ("  目标：>= 1.688889（不带 `when` 的目标，rulesets/key_account_manager.kpi:14）；"
            "按在职天数折算：2 × 76/90 天（2026Q1）= 1.688889（四舍五入到 6 位小数）") in zh
    result = CliRunner().invoke(cli, ["explain", "P045", "--period", "2026-01", "--format", "json"])
    kpi = json.loads(result.stdout)[0]["kpis"][0]
    assert (kpi["target"], kpi["target_before_proration"]) == ("1.688889", "2")
    assert kpi["target_proration"] == {"active_days": 76, "period_days": 90}
    # the SQL path counts the same days
    fast, reference = both_ways(sample, "2026Q1")
    from kpirules.report.run_output import person_dict

    for a, b in zip(fast.people, reference.people, strict=True):
        assert person_dict(a) == person_dict(b), a.person_id
    # the same days in February and March, runs of the same quarter
    for period in ("2026-02", "2026-03"):
        p045 = next(p for p in fast.people if (p.person_id, p.period) == ("P045", period))
        days = p045.kpis[0].target_proration
        assert (days.active_days, days.period_days) == (76, 90)


def test_a_target_prorated_exactly_says_no_rounding(sample):
    # P019 worked 16 of June's 30 days: 150 × 16/30 is 80 exactly
    assert ("  target: >= 80 (the `when` branch target >= 150 when person.tenure_months < 3, "
            "rulesets/telesales.kpi:14); person.tenure_months 0; prorated from 150 × 16/30 days of 2026-06 = 80"
            ) in explain("P019", "--period", "2026-06")


def test_the_cap_step_says_what_it_cut(sample, edit):
    # with the key account managers' cap lowered to 40000, P043's March incentive and
    # commission (13929.41 + 54820.00) are above it
    edit(sample / "rulesets" / "key_account_manager.kpi", "cap 80000 CNY", "cap 40000 CNY")
    lines = explain("P043", "--period", "2026-03")
    assert lines[-2:] == [
        "  incentive + commissions 13929.41 + 54820.00 = 68749.41 CNY is above the cap: "
        "payout capped at 40000.00 CNY  [rulesets/key_account_manager.kpi:78]",
        "  payout 40000.00 CNY",
    ]
    assert ("  激励奖金 + 提成 13929.41 + 54820.00 = 68749.41 CNY 超过封顶：奖金封顶为 40000.00 CNY  "
            "[rulesets/key_account_manager.kpi:78]") in explain("P043", "--period", "2026-03", "--lang", "zh")
    cap = next(s for s in steps("P043", "--period", "2026-03") if s["step"] == "cap")
    assert (cap["value"], cap["span"]) == ("40000.00", "rulesets/key_account_manager.kpi:78:5")


def test_a_kpi_without_a_score_line_is_said_to_use_the_default_curve(sample):
    # key_account_manager's collection_rate has no `score` line: linear, floor 0%, cap 100%
    lines = explain("P045")
    at = lines.index("KPI collection_rate “回款率” (outcome main, rulesets/key_account_manager.kpi:47)")
    assert lines[at + 5:at + 7] == [
        "  attainment: value / target = 105.8942% (rounded to 6 places)",
        "  score: attainment 105.8942% is above the cap 100%: score 100 × 100% = 100 "
        "(the default curve: linear, floor 0%, cap 100%)",
    ]
    zh = explain("P045", "--lang", "zh")
    assert "  得分：达成率 105.8942% 高于封顶 100%：得分 100 × 100% = 100（默认曲线：线性，起评线 0%，封顶 100%）" in zh
    # a written curve is not the default: key_revenue says `score linear floor 50% cap 150%`
    assert not [line for line in lines[:at] if "default curve" in line]


def written_at(pointer: str) -> str:
    """The .kpi line a `[path:line]` pointer names, stripped."""
    path, line = pointer.strip().strip("[]").rsplit(":", 1)
    return Path(path).read_text(encoding="utf-8").splitlines()[int(line) - 1].strip()


def test_the_score_and_grade_steps_point_at_the_curve_row_and_grade_row_that_applied(sample):
    lines = explain("P004")  # telesales, December 2026: total 114
    scores = [line for line in lines if line.startswith("  score: ")]
    assert scores == [
        "  score: attainment 147.5% is above the cap 120%: score 100 × 120% = 120  [rulesets/telesales.kpi:16]",
        "  score: attainment 200% is above the cap 120%: score 100 × 120% = 120  [rulesets/telesales.kpi:26]",
        "  score: value 96.9227% is in [95%, ∞): score 100  [rulesets/telesales.kpi:40]",
        # the default curve is written nowhere: nothing to point at
        "  score: attainment 111.1111% is above the cap 100%: score 100 × 100% = 100 "
        "(the default curve: linear, floor 0%, cap 100%)",
    ]
    assert [written_at(s.rpartition("  ")[2]) for s in scores[:3]] == [
        "score linear floor 60% cap 120%", "score linear floor 50% cap 120%", "[95%, ∞): 100"]
    grade = "grade: total score 114 is in [90, ∞): 优秀  [rulesets/common.kpi:166]"
    assert grade in lines
    assert written_at(grade.rpartition("  ")[2]) == "[90, ∞): \"优秀\""
    zh = explain("P004", "--lang", "zh")
    assert "等级：总分 114 落在 [90, ∞)：优秀  [rulesets/common.kpi:166]" in zh
    assert "  得分：数值 96.9227% 落在 [95%, ∞)：得分 100  [rulesets/telesales.kpi:40]" in zh


def test_a_factor_row_written_as_an_expression_shows_it_with_the_total_put_in(sample):
    # telesales' row `[100, ∞): 1.0 + 1.5 * (total_score - 100) / 100`, P004's total 114
    line = ("total score 114 is in [100, ∞): factor = 1.0 + 1.5 × (114 − 100) / 100 = 1.21  "
            "[rulesets/telesales.kpi:58]")
    assert f"  {line}" in explain("P004")
    assert written_at(line.rpartition("  ")[2]) == "[100, ∞): 1.0 + 1.5 * (total_score - 100) / 100"
    factor = next(s for s in steps("P004") if s["step"] == "factor")
    assert (factor["description"], factor["value"]) == (line.rpartition("  ")[0], "1.21")
    assert ("  总分 114 落在 [100, ∞)：系数 = 1.0 + 1.5 × (114 − 100) / 100 = 1.21  [rulesets/telesales.kpi:58]"
            in explain("P004", "--lang", "zh"))


def test_a_gate_step_shows_the_values_its_condition_read(sample):
    # telesales: `gate collection_rate.attainment >= 80% else cap factor 0.5`
    # the gate's condition as written, then what it read (the threshold was nowhere)
    failed = ("gate collection_rate.attainment >= 80% failed (the condition does not hold with collection_rate.attainment 71.3412%): "
              "factor capped at 0.5 → 0.5  [rulesets/telesales.kpi:61]")
    assert f"  {failed}" in explain("P027")
    assert written_at("[rulesets/telesales.kpi:61]") == "gate collection_rate.attainment >= 80% else cap factor 0.5"
    assert ("  门槛条件 collection_rate.attainment >= 80% 未通过（条件不成立，取值 collection_rate.attainment 71.3412%）：系数封顶为 0.5 → 0.5  "
            "[rulesets/telesales.kpi:61]") in explain("P027", "--lang", "zh")
    passed = "gate collection_rate.attainment >= 80% passed: the condition holds with collection_rate.attainment 102.0239%"
    assert f"  {passed}  [rulesets/telesales.kpi:61]" in explain("P004")
    gate = next(s for s in steps("P004") if s["step"] == "gate")
    assert (gate["description"], gate["span"]) == (passed, "rulesets/telesales.kpi:61:5")


def test_a_target_says_the_person_attributes_its_when_tests(sample):
    # telesales.kpi: outbound_calls `target >= 150 when person.tenure_months < 3`, else 200.
    # P060 (customer success, hired 2026-10-08: 2 whole months on 2026-12-31) takes the
    # `when` branch of health_checks; P019 (hired 2026-06-15: 3 months on 2026-09-30) is
    # past it and gets the plain 200
    assert ("  target: >= 12 (the `when` branch target >= 12 when person.tenure_months < 3, "
            "rulesets/customer_success_manager.kpi:39); person.tenure_months 2") in explain("P060", "--period", "2026-12")
    assert ("  target: >= 200 (the target without `when`, rulesets/telesales.kpi:13); person.tenure_months 3"
            in explain("P019", "--period", "2026-09"))
    assert "  目标：>= 200（不带 `when` 的目标，rulesets/telesales.kpi:13）；person.tenure_months 3" in explain(
        "P019", "--period", "2026-09", "--lang", "zh")


def _sample_query(sql: str) -> tuple:
    import duckdb

    return duckdb.execute(sql).fetchall()[0]


def test_a_measure_of_several_aggregates_shows_its_arithmetic(sample):
    # lead_conversion is count(leads where status == "converted" on converted_at) / count(leads):
    # the value line puts the two counts in, so 2 / 24 can be checked on a calculator.
    # The counts, from data/sample/leads.csv by an independent query: P035's leads converted
    # and created in December 2026.
    converted, created = _sample_query(
        "SELECT count(*) FILTER (WHERE status = 'converted' AND converted_at >= DATE '2026-12-01'"
        "                        AND converted_at < DATE '2027-01-01'),"
        "       count(*) FILTER (WHERE created_at >= DATE '2026-12-01' AND created_at < DATE '2027-01-01')"
        " FROM read_csv('data/sample/leads.csv') WHERE owner_id = 'P035'")
    assert (converted, created) == (2, 24)
    lines = explain("P035", "--period", "2026-12")
    # 2 / 24 = 0.0833333... kept to 6 places, 0.083333 = 8.3333%, which the line says
    assert "  value: 2 / 24 = 8.3333% (rounded to 6 places)" in lines
    # a measure of one aggregate shows its value alone (the aggregate line above says it)
    assert "  value: 211" in lines


def test_an_average_shows_its_sum_over_its_count(sample, edit):
    # avg(x) is computed as sum(x) / count(x): the trace lists both, and the value line
    # divides them. The sum and count, by an independent query of data/sample/calls.parquet:
    # P035's December 2026 calls.
    edit(Path("rulesets/telesales.kpi"), "measure count(calls)\n", "measure avg(calls.duration_s)\n")
    total, count = _sample_query(
        "SELECT sum(duration_s), count(duration_s) FROM 'data/sample/calls.parquet'"
        " WHERE agent_id = 'P035' AND called_at >= TIMESTAMP '2026-12-01' AND called_at < TIMESTAMP '2027-01-01'")
    assert count == 211
    exact = Decimal(total) / Decimal(count)
    mean = exact.quantize(Decimal("0.000001"), ROUND_HALF_UP).normalize()
    note = " (rounded to 6 places)" if mean != exact else ""  # said where keeping 6 places changed it
    assert f"  value: {total} / {count} = {mean:f}{note}" in explain("P035", "--period", "2026-12")


def test_a_rounded_adjustment_shows_the_amount_written_the_rounding_and_its_row(sample, edit, tmp_path):
    # semantics §7.8: each adjustment is rounded (half_up to 0.01): 1500.005 is paid as 1500.01,
    # so the payout is 3630.00 + 1500.01 = 5130.01; the step says so and points at the row
    # (row 1 of payout_adjustments.csv, on line 2 after the header)
    edit(sample / "data" / "sample" / "payout_adjustments.csv", "P004,2026-03,1500.00,", "P004,2026-03,1500.005,")
    line = ("  manual adjustment 1500.005 CNY, rounded half_up to 0.01: 1500.01 CNY: 2月外呼系统故障漏记通话记录，"
            "补发奖金 (approved by P001)  [data/sample/payout_adjustments.csv row 1 (line 2)]")
    lines = explain("P004", "--period", "2026-03")
    assert lines[-2:] == [line, "  payout = 3630.00 + 1500.01 = 5130.01 CNY"]
    adjustment = next(s for s in steps("P004", "--period", "2026-03") if s["step"] == "adjustment")
    assert adjustment == {
        "step": "adjustment", "value": "1500.01", "span": "data/sample/payout_adjustments.csv row 1 (line 2)",
        "description": "manual adjustment 1500.005 CNY, rounded half_up to 0.01: 1500.01 CNY: "
                       "2月外呼系统故障漏记通话记录，补发奖金 (approved by P001)"}
    assert ("  人工调整 1500.005 CNY，按 half_up 舍入到 0.01：1500.01 CNY：2月外呼系统故障漏记通话记录，补发奖金（审批人 P001）"
            "  [data/sample/payout_adjustments.csv 第 1 行（文件第 2 行）]") in explain(
        "P004", "--period", "2026-03", "--lang", "zh")
    # the statement renders explain's line, the row in small print after it
    statements = tmp_path / "statements"
    result = CliRunner().invoke(cli, ["report", "--period", "2026-03", "-o", str(tmp_path / "r.html"),
                                      "--per-person", str(statements)])
    assert result.exit_code == 0, result.output
    page = (statements / "P004.html").read_text(encoding="utf-8")
    assert ('<li class="step-adjustment">manual adjustment 1500.005 CNY, rounded half_up to 0.01: 1500.01 CNY: '
            '2月外呼系统故障漏记通话记录，补发奖金 (approved by P001) <small class="where">'
            'data/sample/payout_adjustments.csv row 1 (line 2)</small></li>') in page


def test_an_adjustment_paid_as_written_says_no_rounding(sample):
    # 1500.00 is a multiple of the step 0.01: the line shows the amount once
    assert ("  manual adjustment 1500.00 CNY: 2月外呼系统故障漏记通话记录，补发奖金 (approved by P001)"
            "  [data/sample/payout_adjustments.csv row 1 (line 2)]") in explain("P004", "--period", "2026-03")


def test_a_kpis_unit_follows_its_plain_numbers(sample):
    # language.md §8.9: `unit "通"` is written after the value and the target of a KPI whose
    # value is a plain number; a percentage keeps its sign (P003 in March: 223 calls of 200,
    # 6 of 21 leads converted, as the sample's explain shows without units)
    telesales = sample / "rulesets" / "telesales.kpi"
    text = telesales.read_text(encoding="utf-8")
    text = text.replace("    measure count(calls)\n", "    measure count(calls)\n    unit \"通\"\n", 1)
    text = text.replace("    target >= 15%\n", "    target >= 15%\n    unit \"条\"\n", 1)
    telesales.write_text(text, encoding="utf-8")
    lines = explain("P003", "--period", "2026-03")
    assert "  value: 223 通" in lines
    assert any(line.startswith("  target: >= 200 通 (the target without `when`") for line in lines)
    assert "  value: 6 / 21 = 28.5714% (rounded to 6 places)" in lines and not any("条" in line for line in lines)


def test_a_team_scope_says_how_many_people_report(sample):
    # P001, the director: everyone else reports to them, directly or not (59 of the 60 people;
    # the roster's manager column, counted here independently of the engine's team table)
    import csv

    rows = list(csv.DictReader((sample / "data" / "sample" / "people.csv").open(encoding="utf-8")))
    reports = {r["person_id"]: r["manager_id"] for r in rows}

    def under(boss):
        return {p for p, m in reports.items() if m == boss} | {q for p, m in reports.items() if m == boss for q in under(p)}

    n = len(under("P001"))
    lines = explain("P001", "--period", "2026-12")
    assert n == 59
    assert any(f", team scope ({n} people reporting): 214 rows matched, result 214" in line for line in lines)
    assert any("团队范围（59 名下属）：匹配 214 行" in line for line in explain("P001", "--period", "2026-12", "--lang", "zh"))


def test_a_commission_rate_is_shown_with_every_place_it_is_applied_with(sample):
    # semantics §8: a rate written in the scheme is used as written. P043's 3,938,000 of
    # contracts in 2026Q4 with the top row at 1.2345675% instead of 1.5%: 938000 x 1.2345675%
    # = 11580.24315; with 1000000 x 0.5% = 5000 and 2000000 x 1% = 20000 from the rows
    # below, 36580.24315 rounds to 36580.24. The line showed the rate as 1.234568%, which
    # gives 11580.24784 (36580.25)
    path = sample / "rulesets" / "key_account_manager.kpi"
    text = path.read_text(encoding="utf-8")
    assert text.count("[300万, ∞): 1.5%") == 1
    path.write_text(text.replace("[300万, ∞): 1.5%", "[300万, ∞): 1.2345675%"), encoding="utf-8")
    lines = explain("P043", "--period", "2026-12")
    assert ("  commission on contract_amount (3938000): marginal: 1000000 × 0.5% + 2000000 × 1% + "
            "938000 × 1.2345675% = 36580.24 CNY (rounded half_up to 0.01)  [rulesets/key_account_manager.kpi:73]") in lines
