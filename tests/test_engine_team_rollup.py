"""Team sums and counts are rolled up from the members' own (kpirules.engine.sql.rollup)
instead of joining every fact row to the team table; both give the same numbers.

Each test evaluates the same data twice with the real engine: as it runs (roll-up), and
with roll-ups switched off, so every team aggregate goes through the join (the form
distinct counts still use). Every field of every person is compared, traces included
(rows matched per aggregate).
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from kpirules.engine import sql as sqlc
from kpirules.engine.evaluate import Evaluator
from kpirules.engine.periods import Calendar
from kpirules.model import load_scheme
from kpirules.report.run_output import person_dict

ROOT = Path(__file__).resolve().parents[1]


def both_ways(scheme, con, label: str, monkeypatch):
    calendar = Calendar(scheme.header)
    periods = calendar.scheme_periods(calendar.parse(label))
    rolled = Evaluator(scheme, con).run(periods, trace_rows=True)
    with monkeypatch.context() as m:
        m.setattr(sqlc, "rolls_up", lambda agg: False)
        joined = Evaluator(scheme, con).run(periods, trace_rows=True)
    return rolled, joined


def assert_same(a, b) -> None:
    assert [p.person_id for p in a.people] == [p.person_id for p in b.people]
    for x, y in zip(a.people, b.people):
        assert person_dict(x) == person_dict(y), x.person_id


@pytest.fixture(scope="module")
def sample():
    from kpirules.cli.run import prepare

    here = os.getcwd()
    os.chdir(ROOT)
    try:
        prepared = prepare([], "2026-03", None, None)
    finally:
        os.chdir(here)
    return prepared.scheme, prepared.con


@pytest.mark.parametrize("label", ["2026-03", "2026-06", "2026Q4", "2026"])
def test_sample_managers_team_figures(sample, label, monkeypatch):
    scheme, con = sample
    rolled, joined = both_ways(scheme, con, label, monkeypatch)
    assert_same(rolled, joined)
    managers = [p for p in rolled.people if p.role == "sales_manager"]
    assert managers and any(k.value for p in managers for k in p.kpis)


SCHEME = """
scheme s { currency CNY  period month }
roster people { id person_id  name name  role role  manager manager_id
  column person_id string  column name string  column role string  column manager_id string }
dataset deals { person owner_id  date signed_on  key deal_id
  column deal_id string  column owner_id string  column signed_on date
  column amount money  column customer string }
role lead {
  kpi team_amount { outcome main  weight 25%  scope team  measure sum(deals.amount)  target >= 100 }
  kpi all_amount { outcome main  weight 25%  scope team_and_self  measure sum(deals.amount)  target >= 100 }
  kpi team_deals { process main  weight 25%  scope team  measure count(deals where amount >= 50)  target >= 2 }
  kpi customers { outcome main  weight 25%  scope team  measure count_distinct(deals.customer)  target >= 2 }
}
role rep { kpi own { outcome main  weight 100%  measure sum(deals.amount)  target >= 100 } }
"""


def test_team_and_team_and_self_by_hand(tmp_path, monkeypatch):
    # B reports to A, C to B (indirect for A); X credits a person not in the roster.
    # A's March deals: A 40 (own), B 60 and 30, C 70 (c1, c2, c1 again via B's 30).
    #   team (B, C): amount 60 + 30 + 70 = 160; deals >= 50: 60 and 70 = 2;
    #   distinct customers of B and C: c1, c2 = 2
    #   team_and_self adds A's 40: 200
    (tmp_path / "s.kpi").write_text(SCHEME, encoding="utf-8")
    scheme = load_scheme([tmp_path / "s.kpi"])
    con = duckdb.connect()
    con.execute("CREATE TABLE people AS SELECT * FROM (VALUES ('A', 'a', 'lead', NULL), ('B', 'b', 'lead', 'A'),"
                " ('C', 'c', 'rep', 'B')) t(person_id, name, role, manager_id)")
    con.execute("CREATE TABLE deals AS SELECT deal_id, owner_id, CAST(s AS DATE) AS signed_on,"
                " CAST(a AS DECIMAL(18,2)) AS amount, customer FROM (VALUES"
                " ('d1', 'A', '2026-03-02', 40, 'c9'), ('d2', 'B', '2026-03-03', 60, 'c1'),"
                " ('d3', 'B', '2026-03-04', 30, 'c1'), ('d4', 'C', '2026-03-05', 70, 'c2'),"
                " ('d5', 'C', '2026-02-05', 500, 'c3'), ('d6', 'X', '2026-03-05', 900, 'c4'))"
                " t(deal_id, owner_id, s, a, customer)")
    rolled, joined = both_ways(scheme, con, "2026-03", monkeypatch)
    assert_same(rolled, joined)
    a = next(p for p in rolled.people if p.person_id == "A")
    values = {k.id: k.value for k in a.kpis}
    assert values == {"team_amount": 160, "all_amount": 200, "team_deals": 2, "customers": 2}
    rows = {k.id: k.aggregates[0].rows_matched for k in a.kpis}
    assert rows == {"team_amount": 3, "all_amount": 4, "team_deals": 2, "customers": 3}
    b = next(p for p in rolled.people if p.person_id == "B")
    assert {k.id: k.value for k in b.kpis}["team_amount"] == 70  # C's only


def test_people_are_matched_as_text_in_every_scope(tmp_path, monkeypatch):
    # roster ids are integers, the facts' person column is text: "02" is not person 2, for
    # the roll-up, the team join (distinct customers) and own scope alike (semantics §2);
    # "2" is. A (1) leads B (2); B's own KPI reads the same rows.
    text = SCHEME.replace("column person_id string", "column person_id integer").replace(
        "column manager_id string", "column manager_id integer")
    (tmp_path / "s.kpi").write_text(text, encoding="utf-8")
    scheme = load_scheme([tmp_path / "s.kpi"])
    con = duckdb.connect()
    con.execute("CREATE TABLE people AS SELECT * FROM (VALUES (1, 'a', 'lead', NULL), (2, 'b', 'rep', 1))"
                " t(person_id, name, role, manager_id)")
    con.execute("CREATE TABLE deals AS SELECT * FROM (VALUES ('d1', '02', DATE '2026-03-02', 70.00, 'c1'),"
                " ('d2', '2', DATE '2026-03-03', 5.00, 'c2')) t(deal_id, owner_id, signed_on, amount, customer)")
    rolled, joined = both_ways(scheme, con, "2026-03", monkeypatch)
    assert_same(rolled, joined)
    a = next(p for p in rolled.people if p.person_id == "1")
    assert {k.id: k.value for k in a.kpis}["team_amount"] == 5
    assert {k.id: k.value for k in a.kpis}["customers"] == 1
    b = next(p for p in rolled.people if p.person_id == "2")
    assert {k.id: k.value for k in b.kpis}["own"] == 5


MIXED = """
scheme mixed { period month  currency CNY }
roster people {
  id person_id
  role role
  manager manager_id
  column person_id {id}
  column role string
  column manager_id {manager}
}
dataset calls {
  person agent_id
  date called_on
  column agent_id string
  column called_on date
}
role lead { applies_to person.role == "lead"
  kpi team_calls { process main  scope team  measure count(calls)  target >= 1  weight 100% } }
"""


@pytest.mark.parametrize(("id_type", "manager_type"), [("string", "integer"), ("integer", "string")])
@pytest.mark.parametrize(("people", "expected"), [
    # 1 leads 2, 2 leads 3: 1's team is 2 and 3 (their 2 + 1 calls), 2's is 3 (1 call)
    ("1,lead,\n2,lead,1\n3,rep,2\n", {"1": "3", "2": "1"}),
    # 4's manager 9 is nobody: E651, as it is with columns of one type
    ("1,lead,\n4,rep,9\n", "error[E651]: 1 manager id in column manager_id is not a person in the roster"),
    ("1,lead,2\n2,lead,1\n", "error[E652]: manager cycle: 1 -> 2 -> 1"),
])
def test_an_id_and_a_manager_column_of_different_types_are_matched_as_text(tmp_path, monkeypatch, id_type,
                                                                           manager_type, people, expected):
    # semantics §2: people are matched as text, exactly as written; the roster checks and the
    # team table compared the two columns as they were typed: an internal error (exit 2)
    from click.testing import CliRunner

    from kpirules.cli import cli

    (tmp_path / "s.kpi").write_text(MIXED.replace("{id}", id_type).replace("{manager}", manager_type), encoding="utf-8")
    (tmp_path / "people.csv").write_text("person_id,role,manager_id\n" + people, encoding="utf-8")
    (tmp_path / "calls.csv").write_text("agent_id,called_on\n2,2026-03-02\n2,2026-03-03\n3,2026-03-04\n",
                                        encoding="utf-8")
    (tmp_path / "kpirules.toml").write_text(
        '[project]\nrulesets = ["s.kpi"]\ndefault_env = "e"\n[env.e.datasets.people]\nsource = "csv"\n'
        'path = "people.csv"\n[env.e.datasets.calls]\nsource = "csv"\npath = "calls.csv"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["run", "--period", "2026-03", "--format", "csv"])
    if isinstance(expected, str):
        assert result.exit_code == 1, result.output
        assert expected in result.output
        return
    assert result.exit_code == 0, result.output
    values = {line.split(",")[1]: line.split(",")[9] for line in result.stdout.splitlines()[1:]}
    assert values == expected
