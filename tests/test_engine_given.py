"""`evaluate(given=...)`: stated KPI values replace what the data says, and are scored as usual."""

from decimal import Decimal
from pathlib import Path

from kpirules.cli.run import prepare
from kpirules.engine.evaluate import evaluate

ROOT = Path(__file__).resolve().parents[1]


def test_given_value_replaces_the_data_and_is_scored(monkeypatch):
    monkeypatch.chdir(ROOT)
    p = prepare((), "2026-06", None, None)
    before = evaluate(p.scheme, p.con, p.periods, persons=["P001"]).people[0]
    kpi = before.kpis[0]
    assert kpi.id == "new_customer_development" and kpi.value == Decimal("230")
    after = evaluate(p.scheme, p.con, p.periods, persons=["P001"],
                     given={("P001", kpi.id): Decimal("0")}).people[0]
    # a value of 0 against a positive target is 0% attainment, below any floor: score 0
    assert after.kpis[0].value == 0 and after.kpis[0].score == 0
    # the other KPIs are untouched
    assert [k.score for k in after.kpis[1:]] == [k.score for k in before.kpis[1:]]
    # the weighted total drops by exactly the lost contribution
    assert after.total_score == before.total_score - before.kpis[0].contribution
    none = evaluate(p.scheme, p.con, p.periods, persons=["P001"], given={("P001", kpi.id): None}).people[0]
    assert none.kpis[0].value is None and none.kpis[0].status == "no_data"
