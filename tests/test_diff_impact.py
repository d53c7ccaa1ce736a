"""`kpirules diff` on the sample company: a real weight change, and per person the score,
grade and payout before and after, checked against two separate `kpirules run`s.

Every expected number here comes from those runs (the JSON of `kpirules run` on the old
and on the new rulesets), never from the diff's own code.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PERIOD = "2026-06"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the sample project; ../before/rulesets keeps the rulesets as they were."""
    root = tmp_path / "project"
    shutil.copytree(REPO / "rulesets", root / "rulesets")
    shutil.copytree(REPO / "data" / "sample", root / "data" / "sample")
    shutil.copy(REPO / "kpirules.toml", root / "kpirules.toml")
    shutil.copytree(REPO / "rulesets", tmp_path / "before" / "rulesets")
    monkeypatch.chdir(root)
    return root


def reweight_sales_managers(project: Path, edit) -> None:
    """The sales managers' 40/30/30 becomes 50/25/25: new customers count for more."""
    path = project / "rulesets" / "sales_manager.kpi"
    edit(path, "    weight 40%", "    weight 50%")
    edit(path, "    target >= 95%\n    weight 30%", "    target >= 95%\n    weight 25%")
    edit(path, "    target >= 90%\n    weight 30%", "    target >= 90%\n    weight 25%")


def run_json(run_cli, out: str, *args: str) -> dict:
    result = run_cli(*args, "--format", "json", "-o", out)
    assert result.exit_code == 0, result.output
    return json.loads(Path(out).read_text(encoding="utf-8"))


def by_person(run: dict) -> dict[tuple[str, str], dict]:
    return {(p["period"], p["person_id"]): p for p in run["people"]}


def dec(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def payout(person: dict) -> Decimal | None:
    return dec(person["payout"]["total"]) if person["payout"] else None


def test_a_weight_change_shows_the_same_deltas_as_two_separate_runs(project, edit, run_cli):
    reweight_sales_managers(project, edit)
    diff = run_json(run_cli, "diff.json", "diff", "../before/rulesets", ".", "--period", PERIOD)
    old = by_person(run_json(run_cli, "old.json", "run", "../before/rulesets", "--period", PERIOD))
    new = by_person(run_json(run_cli, "new.json", "run", "--period", PERIOD))

    assert [(c["kpi"], c["old"], c["new"]) for c in diff["changes"]] == [
        ("new_customer_development", "40%", "50%"), ("collection_rate", "30%", "25%"), ("satisfaction", "30%", "25%"),
    ]
    impact = diff["impact"]
    assert impact["periods"] == [PERIOD]
    people = {(p["period"], p["person_id"]): p for p in impact["people"]}
    assert set(people) == set(old) == set(new)
    for key, p in people.items():
        before, after = old[key], new[key]
        assert p["status"] == "both"
        assert (p["role_old"], p["role_new"]) == (before["role"], after["role"])
        assert dec(p["score_old"]) == dec(before["total_score"]), key
        assert dec(p["score_new"]) == dec(after["total_score"]), key
        assert dec(p["score_delta"]) == dec(after["total_score"]) - dec(before["total_score"]), key
        assert (p["grade_old"], p["grade_new"]) == (before["grade"], after["grade"]), key
        assert dec(p["payout_old"]) == payout(before), key
        assert dec(p["payout_new"]) == payout(after), key
        assert dec(p["payout_delta"]) == payout(after) - payout(before), key

    moved = {key for key, p in people.items() if dec(p["payout_delta"]) != 0}
    assert moved, "the reweighting changes somebody's pay on the sample data"
    assert {old[key]["role"] for key in moved} == {"sales_manager"}

    summary = impact["summary"]
    cost_old = sum(payout(p) for p in old.values())
    cost_new = sum(payout(p) for p in new.values())
    deltas = [payout(new[k]) - payout(old[k]) for k in people]
    assert dec(summary["cost_old"]) == cost_old
    assert dec(summary["cost_new"]) == cost_new
    assert dec(summary["cost_delta"]) == cost_new - cost_old
    assert summary["gain"] == sum(1 for d in deltas if d > 0)
    assert summary["lose"] == sum(1 for d in deltas if d < 0)
    assert dec(summary["gain_total"]) == sum(d for d in deltas if d > 0)
    assert dec(summary["loss_total"]) == sum(d for d in deltas if d < 0)
    assert summary["grade_changes"] == sum(1 for k in people if old[k]["grade"] != new[k]["grade"])


def test_the_pull_request_comment_adds_up(project, edit, run_cli):
    reweight_sales_managers(project, edit)
    old = by_person(run_json(run_cli, "old.json", "run", "../before/rulesets", "--period", PERIOD))
    new = by_person(run_json(run_cli, "new.json", "run", "--period", PERIOD))
    result = run_cli("diff", "../before/rulesets", ".", "--period", PERIOD, "--format", "markdown", "--top", "3")
    assert result.exit_code == 0, result.output
    text = result.stdout
    cost_old = sum(payout(p) for p in old.values())
    cost_new = sum(payout(p) for p in new.values())
    assert f"| payout cost (CNY) | {cost_old:,f} | {cost_new:,f} | **{cost_new - cost_old:+,f}**" in text
    assert "#### Structural changes (3)" in text
    assert "#### Top movers (3 of " in text
    # the largest change first: it is the person whose payout moves most between the runs
    largest = max(old, key=lambda k: (abs(payout(new[k]) - payout(old[k])), k))
    top_row = text.split("#### Top movers", 1)[1].split("\n")[4]
    assert top_row.startswith(f"| {largest[1]} | {new[largest]['name']} | sales_manager |")
    assert f"<details><summary>Everyone evaluated ({len(new)} people)</summary>" in text


def test_diff_against_the_last_commit_in_a_real_repository(project, edit, run_cli, monkeypatch):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    for key, value in {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
                       "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_GLOBAL": "/dev/null",
                       "GIT_CONFIG_NOSYSTEM": "1"}.items():
        monkeypatch.setenv(key, value)
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "the 2026 scheme"]):
        subprocess.run(["git", *args], cwd=project, check=True, capture_output=True)
    reweight_sales_managers(project, edit)
    from_git = run_json(run_cli, "git.json", "diff", "HEAD", "--period", PERIOD)
    from_folder = run_json(run_cli, "folder.json", "diff", "../before/rulesets", ".", "--period", PERIOD)
    assert from_git["old"]["paths"] == ["HEAD:rulesets"]
    assert from_git["changes"][0]["old_at"] == "HEAD:rulesets/sales_manager.kpi:17"
    assert from_git["impact"] == from_folder["impact"]


def test_a_removed_role_leaves_its_people_evaluated_before_only(project, run_cli):
    (project / "rulesets" / "customer_success_manager.kpi").unlink()
    diff = run_json(run_cli, "diff.json", "diff", "../before/rulesets", ".", "--period", PERIOD)
    old = by_person(run_json(run_cli, "old.json", "run", "../before/rulesets", "--period", PERIOD))
    gone = {k for k, p in old.items() if p["role"] == "customer_success_manager"}
    assert gone
    assert [c["action"] + " " + c["what"] + " " + c["name"] for c in diff["changes"]] == [
        "removed role customer_success_manager"]
    people = {(p["period"], p["person_id"]): p for p in diff["impact"]["people"]}
    for key in gone:
        p = people[key]
        assert (p["status"], p["role_new"], p["payout_new"], p["score_delta"]) == ("only_old", None, None, None)
        assert dec(p["payout_delta"]) == -payout(old[key])
    summary = diff["impact"]["summary"]
    assert summary["only_before"] == len(gone) and summary["only_after"] == 0
    assert dec(summary["cost_delta"]) == -sum(payout(old[k]) for k in gone)


def test_a_person_paid_nothing_who_is_no_longer_evaluated_does_not_keep_their_payout(project, edit, run_cli):
    # docs/diff.md, Summary: someone evaluated on one side only never keeps their payout; paid
    # 0 before (a telesales total under 60 has factor 0), they count as evaluated before only.
    # It said "59 keep their payout" for 59 people, one of them no longer evaluated.
    old = by_person(run_json(run_cli, "old.json", "run", "../before/rulesets", "--period", PERIOD))
    unpaid = sorted(k for k, p in old.items() if p["role"] == "telesales" and payout(p) == 0)
    assert unpaid
    dropped = unpaid[0][1]
    edit(project / "rulesets" / "telesales.kpi", 'applies_to person.role == "telesales"',
         f'applies_to person.role == "telesales" and person.person_id != "{dropped}"')
    diff = run_json(run_cli, "diff.json", "diff", "../before/rulesets", ".", "--period", PERIOD)
    summary = diff["impact"]["summary"]
    # nobody else's result changes: everyone but the dropped person keeps their payout
    assert (summary["people"], summary["only_before"], summary["gain"], summary["lose"]) == (len(old), 1, 0, 0)
    assert summary["unchanged_payout"] == len(old) - 1
    text = run_cli("diff", "../before/rulesets", ".", "--period", PERIOD)
    assert f"0 gain (0 in total), 0 lose (0), {len(old) - 1} keep their payout;" in text.output
    assert "evaluated only before: 1; only after: 0" in text.output


def test_a_dataset_only_the_new_side_declares(project, run_cli):
    # the configuration binds the new dataset; the old rulesets, which do not declare it, still load
    with (project / "rulesets" / "common.kpi").open("a", encoding="utf-8") as fh:
        fh.write('\ndataset site_visits "现场拜访" {\n  person owner_id\n  key visit_id\n  date visited_on\n'
                 "  column visit_id string\n  column owner_id string\n  column visited_on date\n}\n")
    with (project / "kpirules.toml").open("a", encoding="utf-8") as fh:
        fh.write('\n[env.sample.datasets.site_visits]\nsource = "csv"\npath = "data/sample/visits.csv"\n')
    result = run_cli("diff", "../before/rulesets", ".", "--period", PERIOD, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [(c["action"], c["section"], c["name"]) for c in data["changes"]] == [("added", "dataset", "site_visits")]
    assert data["impact"]["summary"]["changed"] == 0


def test_several_periods_and_the_default_period(project, edit, run_cli):
    reweight_sales_managers(project, edit)
    two = run_json(run_cli, "two.json", "diff", "../before/rulesets", ".", "--period", "2026-05", "--period", PERIOD)
    one = run_json(run_cli, "one.json", "diff", "../before/rulesets", ".", "--period", PERIOD)
    assert two["impact"]["periods"] == ["2026-05", PERIOD]
    june = [p for p in two["impact"]["people"] if p["period"] == PERIOD]
    assert june == one["impact"]["people"]
    assert len(two["impact"]["people"]) > len(june)
    default = run_json(run_cli, "default.json", "diff", "../before/rulesets", ".")
    run = run_json(run_cli, "run.json", "run")
    assert default["impact"]["periods"] == run["periods"]
    assert default["impact"]["period_reason"] == run["period_reason"]


def test_a_period_beyond_the_data(project, run_cli):
    result = run_cli("diff", "../before/rulesets", ".", "--period", "2027-05", "-o", "out.json")
    assert result.exit_code == 1
    assert "error[E503]: no data covers 2027-05" in result.stderr
    # both sides read the same data: the problem is both sides' (it named NEW only)
    assert "in OLD (../before/rulesets)" in result.stderr and "in NEW (.)" in result.stderr
    assert not (project / "out.json").exists()


def test_a_monthly_scheme_against_a_quarterly_one_is_matched_by_the_quarter(project, edit, run_cli):
    # diff took the default period from NEW only and read it with OLD's calendar: quarterly
    # OLD against monthly NEW was E021 (exit 2, no side named), monthly OLD against quarterly
    # NEW matched 2026-10..12 against 2026Q4, so everyone was evaluated before only and after only.
    # Expected numbers: the quarterly `run` (its default period) and the monthly `run` of that quarter.
    edit(project / "rulesets" / "common.kpi", "  period month\n", "  period quarter\n")
    quarterly = run_json(run_cli, "new.json", "run")
    [quarter] = quarterly["periods"]
    monthly = run_json(run_cli, "old.json", "run", "../before/rulesets", "--period", quarter)
    assert len(monthly["periods"]) == 3
    months: dict[str, list[dict]] = {}
    for p in monthly["people"]:
        months.setdefault(p["person_id"], []).append(p)
    quarters = {p["person_id"]: p for p in quarterly["people"]}
    assert set(months) == set(quarters)

    for old_spec, new_spec in (("../before/rulesets", "."), (".", "../before/rulesets")):
        diff = run_json(run_cli, "diff.json", "diff", old_spec, new_spec)
        impact = diff["impact"]
        assert impact["periods"] == [quarter]
        assert impact["period_reason"].startswith(quarterly["period_reason"] + "; OLD is assessed per ")
        monthly_side, quarterly_side = ("old", "new") if old_spec == "../before/rulesets" else ("new", "old")
        people = {p["person_id"]: p for p in impact["people"]}
        assert set(people) == set(quarters)
        for pid, p in people.items():
            assert (p["period"], p["status"]) == (quarter, "both"), pid
            assert p[f"periods_{monthly_side}"] == len(months[pid]) and p[f"periods_{quarterly_side}"] == 1
            assert dec(p[f"payout_{monthly_side}"]) == sum(payout(m) for m in months[pid]), pid
            assert dec(p[f"payout_{quarterly_side}"]) == payout(quarters[pid]), pid
            # a total score belongs to one assessment: the monthly side has three, so none
            assert p[f"score_{monthly_side}"] is None and p[f"grade_{monthly_side}"] is None, pid
            assert dec(p[f"score_{quarterly_side}"]) == dec(quarters[pid]["total_score"]), pid
        summary = impact["summary"]
        cost_monthly = sum(payout(m) for ms in months.values() for m in ms)
        cost_quarterly = sum(payout(q) for q in quarters.values())
        assert dec(summary[f"cost_{monthly_side}"]) == cost_monthly
        assert dec(summary[f"cost_{quarterly_side}"]) == cost_quarterly
        assert (summary["only_before"], summary["only_after"], summary["grade_changes"]) == (0, 0, 0)


def test_a_period_shorter_than_one_sides_unit_names_that_side(project, edit, run_cli):
    edit(project / "rulesets" / "common.kpi", "  period month\n", "  period quarter\n")
    result = run_cli("diff", "../before/rulesets", ".", "--period", PERIOD)
    assert result.exit_code == 2
    assert "error[E021]: the scheme is assessed per quarter; 2026-06 is a month" in result.stderr
    assert "in NEW (.)" in result.stderr and "in OLD" not in result.stderr
    assert "--period 2026Q2" in result.stderr


def test_money_keeps_each_sides_rounding_step_and_an_inherited_rounding_is_the_schemes(project, edit, run_cli):
    # the scheme's money rounded to 0.1: JSON wrote 3600.0 as "3600" and 0.0 as "0", and every
    # role listed "payout rounding" again at its unchanged payout line.
    # Expected strings: each side's `run` JSON, which writes money with its step's places.
    edit(project / "rulesets" / "common.kpi", "rounding half_up 0.01", "rounding half_up 0.1")
    old = by_person(run_json(run_cli, "old.json", "run", "../before/rulesets", "--period", PERIOD))
    new = by_person(run_json(run_cli, "new.json", "run", "--period", PERIOD))
    diff = run_json(run_cli, "diff.json", "diff", "../before/rulesets", ".", "--period", PERIOD)
    assert [(c["section"], c["what"], c["old"], c["new"]) for c in diff["changes"]] == [
        ("scheme", "rounding", "half_up 0.01", "half_up 0.1")]
    people = {(p["period"], p["person_id"]): p for p in diff["impact"]["people"]}
    for key, p in people.items():
        assert p["payout_old"] == old[key]["payout"]["total"], key
        assert p["payout_new"] == new[key]["payout"]["total"], key
    assert any(p["payout_new"] == "0.0" for p in people.values()), "somebody is paid nothing"
    summary = diff["impact"]["summary"]
    cost_old = sum(payout(p) for p in old.values())
    cost_new = sum(payout(p) for p in new.values())
    assert (summary["cost_old"], summary["cost_new"]) == (f"{cost_old:f}", f"{cost_new:f}")
    assert summary["cost_new"].count(".") == 1 and len(summary["cost_new"].split(".")[1]) == 1
    text = run_cli("diff", "../before/rulesets", ".", "--period", PERIOD).stdout
    assert f"payout cost: {cost_old:,f} → {cost_new:,f} CNY" in text


def test_a_data_error_names_the_side_that_loads_it(project, edit, run_cli):
    # it read "while loading the data for the NEW scheme"; docs/diff.md promises `in NEW (.)`
    common = project / "rulesets" / "common.kpi"
    surveys_columns = "  column customer_id string\n  column answered_on date"
    edit(common, surveys_columns, surveys_columns.replace("customer_id string", "customer_id date"))
    result = run_cli("diff", "../before/rulesets", ".", "--period", PERIOD)
    assert result.exit_code == 1, result.output
    assert "error[E643]" in result.stderr and "column customer_id" in result.stderr
    assert "in NEW (.)" in result.stderr and "in OLD" not in result.stderr
    # data both sides load once is both sides' problem
    edit(common, surveys_columns.replace("customer_id string", "customer_id date"), surveys_columns)
    edit(project / "data" / "sample" / "surveys.csv", "SV000001,P011,CU00873,2026-01-01,5",
         "SV000001,P011,CU00873,2026-13-01,5")
    result = run_cli("diff", "../before/rulesets", ".", "--period", PERIOD)
    assert result.exit_code == 1, result.output
    assert "error[E643]" in result.stderr and "'2026-13-01'" in result.stderr
    assert "in OLD (../before/rulesets)" in result.stderr and "in NEW (.)" in result.stderr


def test_a_quarter_that_is_other_days_on_the_other_side_is_refused(project, edit, run_cli):
    # OLD's fiscal year starts in January, NEW's in April (named by the year it ends in):
    # NEW's 2026Q1 is April to June 2025, OLD's January to March 2026; the impact compared
    # them by label, people's January-March pay against their April-June pay
    edit(project / "rulesets" / "common.kpi", "  period month\n",
         "  period quarter\n  fiscal_year_start april\n  fiscal_year_named_by end\n")
    edit(project.parent / "before" / "rulesets" / "common.kpi", "  period month\n", "  period quarter\n")
    for args in (("--period", "2026Q1"), ()):
        result = run_cli("diff", "../before/rulesets", ".", *args, "-o", "out.json")
        assert result.exit_code == 2, result.stderr
        assert "error[E022]" in result.stderr
        assert not (project / "out.json").exists()
    result = run_cli("diff", "../before/rulesets", ".", "--period", "2026Q1")
    assert ("error[E022]: 2026Q1 is 2026-01-01 to 2026-03-31 in OLD but 2025-04-01 to 2025-06-30 in NEW "
            "(OLD's fiscal year from January; NEW's fiscal year from April, named by the year it ends in): "
            "the impact compares people on the same days") in result.stderr


def test_months_are_the_same_days_whatever_the_fiscal_year(project, edit, run_cli):
    edit(project / "rulesets" / "common.kpi", "  period month\n", "  period month\n  fiscal_year_start april\n")
    diff = run_json(run_cli, "diff.json", "diff", "../before/rulesets", ".", "--period", PERIOD)
    assert diff["impact"]["periods"] == [PERIOD]
    assert diff["impact"]["summary"]["only_before"] == 0 and diff["impact"]["summary"]["only_after"] == 0


def test_a_payout_change_where_neither_side_pays_is_null_not_a_bare_zero():
    # diff.md: money keeps its rounding step's places; with no payout on either side there is
    # no step, and the JSON wrote "0" where a paid person's unchanged payout is "0.00"
    from decimal import Decimal

    from kpirules.diff.impact import PersonImpact
    from kpirules.diff.render import person_dict

    unpaid = PersonImpact("2026-03", "M1", None, "manager", None, Decimal(90), None, None, None, None, None, 1, 0)
    paid = PersonImpact("2026-03", "R3", None, "rep", "rep", Decimal(90), Decimal(90), None, None,
                        Decimal("100.00"), Decimal("100.00"), 1, 1)
    assert person_dict(unpaid)["payout_delta"] is None
    assert person_dict(paid)["payout_delta"] == "0.00"
