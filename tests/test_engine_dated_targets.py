"""Per-person targets whose period column holds dates (docs/semantics.md §3): a quota dated
inside a KPI period is that period's target, as AdventureWorks' SalesPersonQuotaHistory
dates each quarterly quota."""

from __future__ import annotations

import pytest

from known_answers_kit import COMMON, D, calls, kpi, person, rep, run
from kpirules.errors import DataError

DATED = COMMON + """
targets quotas {
  person person_id
  period quota_date
  column person_id string
  column quota_date date
  column calls integer
}

role rep {
  kpi calls_made {
    process main
    period quarter
    measure count(calls)
    target >= 100
    target >= quotas.calls
    weight 100%
  }
}
"""


def quarter_run(tmp_path, quotas):
    # 30 calls on 2026-03-02; March closes Q1, so the quarterly KPI is scored
    rows = {"people": [rep("p1")], "calls": calls("p1", "2026-03-02", 30), "quotas": quotas}
    return run(tmp_path, DATED, rows, "2026-03")


def test_a_dated_quota_applies_to_the_quarter_containing_it(tmp_path):
    # the quota dated 2026-02-28 lies in Q1 (January-March): target 40; 30 / 40 = 75% -> 75
    result = quarter_run(tmp_path, [{"person_id": "p1", "quota_date": "2026-02-28", "calls": 40}])
    calls_made = kpi(person(result, "p1"), "calls_made")
    assert (calls_made.target, calls_made.target_source, calls_made.score) == (D(40), "per_person", D(75))


def test_a_quota_dated_in_another_quarter_does_not_apply(tmp_path):
    # dated 2026-04-01 (Q2): the constant 100 applies; 30 / 100 = 30% -> 30
    result = quarter_run(tmp_path, [{"person_id": "p1", "quota_date": "2026-04-01", "calls": 40}])
    assert kpi(person(result, "p1"), "calls_made").target == D(100)


def test_two_dated_quotas_in_one_quarter_are_an_error(tmp_path):
    # January and February rows both fall in Q1: kpirules never sums or splits targets
    with pytest.raises(DataError) as error:
        quarter_run(tmp_path, [
            {"person_id": "p1", "quota_date": "2026-01-31", "calls": 20},
            {"person_id": "p1", "quota_date": "2026-02-28", "calls": 20},
        ])
    assert "two target rows for person p1 in period 2026Q1" in str(error.value)


MIXED = COMMON + """
targets quotas {
  person person_id
  period quota_date
  column person_id string
  column quota_date date
  column calls integer
  column quarter_calls integer
}

role rep {
  kpi monthly {
    process main
    measure count(calls)
    target >= 100
    target >= quotas.calls
    weight 50%
  }
  kpi quarterly {
    process main
    period quarter
    measure count(calls)
    target >= 300
    target >= quotas.quarter_calls
    weight 50%
  }
}
"""


@pytest.mark.parametrize(("quarter_calls", "quarterly_target"), [(None, 300), (90, 90)])
def test_monthly_and_quarterly_targets_in_one_dated_file(tmp_path, quarter_calls, quarterly_target):
    # semantics §3: three monthly rows all fall in 2026Q1, but only the March row gives a
    # quarterly value (or none does): no two rows give one value, so nothing clashes. The March
    # row's calls (10) is March's monthly target; quarter_calls, where given, Q1's target.
    quotas = [{"person_id": "p1", "quota_date": f"2026-0{m}-2{m}", "calls": 10, "quarter_calls": None}
              for m in (1, 2, 3)]
    quotas[2]["quarter_calls"] = quarter_calls
    rows = {"people": [rep("p1")], "calls": calls("p1", "2026-03-02", 30), "quotas": quotas}
    p = person(run(tmp_path, MIXED, rows, "2026-03"), "p1")
    assert (kpi(p, "monthly").target, kpi(p, "quarterly").target) == (D(10), D(quarterly_target))


def test_two_dated_rows_giving_one_quarterly_value_clash_and_name_their_rows(tmp_path):
    quotas = [{"person_id": "p1", "quota_date": "2026-01-31", "calls": 10, "quarter_calls": 90},
              {"person_id": "p1", "quota_date": "2026-02-28", "calls": 10, "quarter_calls": 95}]
    rows = {"people": [rep("p1")], "calls": calls("p1", "2026-03-02", 30), "quotas": quotas}
    with pytest.raises(DataError) as error:
        run(tmp_path, MIXED, rows, "2026-03")
    assert "two target rows for person p1 in period 2026Q1 both give quarter_calls (rows 1, 2)" in str(error.value)


def test_the_clash_names_only_the_rows_that_give_the_value(tmp_path):
    # rows 1 and 3 give Q1's quarter_calls; row 2 (February) leaves it empty: it does not count
    quotas = [{"person_id": "p1", "quota_date": "2026-01-31", "calls": 10, "quarter_calls": 90},
              {"person_id": "p1", "quota_date": "2026-02-28", "calls": 10, "quarter_calls": None},
              {"person_id": "p1", "quota_date": "2026-03-15", "calls": None, "quarter_calls": 95}]
    rows = {"people": [rep("p1")], "calls": calls("p1", "2026-03-02", 30), "quotas": quotas}
    with pytest.raises(DataError) as error:
        run(tmp_path, MIXED, rows, "2026-03")
    assert "both give quarter_calls (rows 1, 3)" in str(error.value)
