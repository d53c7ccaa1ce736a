"""Twelve people of the sample company, their payouts worked by hand.

The KPI values come from the run (tests/test_oracle.py checks every one of them against
hand-written SQL); everything after them (attainment, scores, the weighted total, the
factor, gates, proration, commissions, caps, adjustments, rounding) is worked here from
the rulesets and docs/semantics.md. People were chosen to hit different tiers, gates,
proration, commissions, an in-progress quarter and adjustments.
"""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal

import pytest
from click.testing import CliRunner

from kpirules.cli import cli

D = Decimal


def six(x: Decimal) -> Decimal:
    return x.quantize(D("0.000001"), rounding=ROUND_HALF_UP)


def cents(x: Decimal) -> Decimal:
    return x.quantize(D("0.01"), rounding=ROUND_HALF_UP)


_RUNS: dict[str, dict] = {}


def person(period: str, person_id: str, tmp_path_factory) -> dict:
    if period not in _RUNS:
        out = tmp_path_factory.mktemp("run") / f"{period}.json"
        result = CliRunner().invoke(cli, ["run", "--period", period, "--format", "json", "-o", str(out)])
        assert result.exit_code == 0, result.output
        _RUNS[period] = {p["person_id"]: p for p in json.loads(out.read_text(encoding="utf-8"))["people"]}
    return _RUNS[period][person_id]


def kpis(p: dict) -> dict[str, dict]:
    return {k["id"]: k for k in p["kpis"]}


def check(p: dict, total: Decimal, factor: Decimal, payout: Decimal) -> None:
    assert D(p["total_score"]) == total
    assert D(p["payout"]["factor"]) == factor
    assert D(p["payout"]["total"]) == payout
    # the total is the sum of the contributions when nothing is in progress
    if not p["notes"]:
        assert sum(D(k["contribution"]) for k in p["kpis"] if k["contribution"] is not None) == total


def test_p007_calls_below_the_floor(tmp_path_factory):
    p = person("2026-06", "P007", tmp_path_factory)
    k = kpis(p)
    # calls 93 / 200 = 46.5% < floor 60% -> 0
    assert D(k["outbound_calls"]["value"]) == 93 and D(k["outbound_calls"]["score"]) == 0
    # conversion 22.7273% / 15% = 151.5153% -> cap 120% -> 120
    assert D(k["lead_conversion"]["score"]) == 120
    # collection 91,321.61 / 105,000 = 86.973% is scored by value: tier [80%, 90%) -> 60
    # (its attainment 86.973% / 95% = 91.5505% would have been in [90%, 95%): the tiers are rates)
    assert D(k["collection_rate"]["value"]) == six(D("91321.61") / D("105000"))
    assert D(k["collection_rate"]["attainment"]) == six(D("0.86973") / D("0.95"))
    assert D(k["collection_rate"]["score"]) == 60
    total = D("0.3") * 0 + D("0.4") * 120 + D("0.3") * 60  # 48 + 18 = 66
    factor = D("0.6") + D("0.4") * (total - 60) / 40  # 0.6 + 0.4 x 6 / 40 = 0.66
    # gate: collection attainment 91.55% >= 80% passes
    check(p, total, factor, cents(3000 * factor))  # 1980.00


def test_p015_leaver_prorated(tmp_path_factory):
    p = person("2026-06", "P015", tmp_path_factory)
    k = kpis(p)
    # left on 2026-06-12: 12 of 30 days; the call target 200 is prorated to 200 x 12 / 30 = 80
    assert (p["active_days"], p["period_days"]) == (12, 30)
    assert D(k["outbound_calls"]["target"]) == 80
    assert D(k["outbound_calls"]["target_before_proration"]) == 200
    # 89 / 80 = 111.25% -> 111.25; the ratio KPIs are not prorated
    assert D(k["outbound_calls"]["score"]) == D("111.25")
    assert D(k["lead_conversion"]["target"]) == D("0.15")
    # collection 44,899.69 / 52,272.72 = 85.8951%, by value in [80%, 90%) -> 60
    assert D(k["collection_rate"]["score"]) == 60
    total = D("0.3") * D("111.25") + D("0.4") * 0 + D("0.3") * 60  # 33.375 + 18 = 51.375
    check(p, total, D(0), D("0.00"))  # below 60: factor 0


def test_p019_new_hire_uses_the_ramp_target(tmp_path_factory):
    p = person("2026-06", "P019", tmp_path_factory)
    k = kpis(p)
    # hired 2026-06-15: tenure 0 months, so `target >= 150 when person.tenure_months < 3`,
    # prorated to 150 x 16 / 30 = 80; 56 / 80 = 70% -> 70
    assert k["outbound_calls"]["target_source"] == "when"
    assert D(k["outbound_calls"]["target"]) == 80 and D(k["outbound_calls"]["score"]) == 70
    # no surveys: satisfaction has no value (auxiliary, so it does not count)
    assert k["satisfaction"]["status"] == "no_data"
    # collection 13,764.93 / 14,700 = 93.639%, by value in [90%, 95%) -> 80
    assert D(k["collection_rate"]["score"]) == 80
    total = D("0.3") * 70 + D("0.4") * 0 + D("0.3") * 80  # 21 + 24 = 45
    check(p, total, D(0), D("0.00"))


def test_p027_gate_caps_the_factor(tmp_path_factory):
    p = person("2026-06", "P027", tmp_path_factory)
    # calls 199/200 = 99.5% -> 99.5; conversion 13.6364% / 15% = 90.9093% -> 90.9093;
    # collection 68.456%, by value in tier [0%, 80%) -> 0
    total = D("0.3") * D("99.5") + D("0.4") * D("90.9093") + D("0.3") * 0  # 66.21372
    # factor 0.6 + 0.4 x 6.21372 / 40 = 0.6621372 -> 0.662137, but the gate
    # collection_rate.attainment >= 80% fails (72.06%): cap factor 0.5
    check(p, total, D("0.5"), cents(3000 * D("0.5")))  # 1500.00


def test_p043_quarter_close_commission_and_adjustment(tmp_path_factory):
    p = person("2026-06", "P043", tmp_path_factory)
    k = kpis(p)
    # June closes Q2: new customers 3 / 2 = 150% -> tier [150%, ∞) -> 120
    assert D(k["new_key_customers"]["score"]) == 120
    # contract amount 3,443,000 against the per-person Q2 target 2,800,000 = 122.9643% -> 122.9643
    assert k["contract_amount"]["target_source"] == "per_person"
    assert D(k["contract_amount"]["target"]) == 2800000
    total = (D("0.35") * 120 + D("0.3") * D("122.9643") + D("0.2") * D("58.8235")
             + D("0.15") * D("93.6757"))  # 104.705345
    factor = six(1 + 2 * (total - 100) / 100)  # 1.0941069 -> 1.094107
    incentive = cents(10000 * factor)  # 10941.07
    # marginal commission on 3,443,000: 1,000,000 x 0.5% + 2,000,000 x 1% + 443,000 x 1.5%
    commission = D(5000) + D(20000) + D(6645)  # 31645.00
    assert D(p["payout"]["commissions"]["contract_amount"]) == commission
    # the approved June adjustment of -5,000.00 comes after the cap (80,000 not reached)
    check(p, total, factor, incentive + commission - 5000)  # 37586.07


def test_p048_gate_multiplies_the_factor(tmp_path_factory):
    p = person("2026-06", "P048", tmp_path_factory)
    # 1/2 new customers -> 60; 2,488,000 / 2,600,000 = 95.6923% -> 95.6923;
    # milestones 100% / 85% = 117.6471% -> cap 110%; collection 103.7115% -> cap 100
    total = D("0.35") * 60 + D("0.3") * D("95.6923") + D("0.2") * 110 + D("0.15") * 100  # 86.70769
    factor = six(D("0.5") + D("0.5") * (total - 50) / 50)  # 0.867077
    factor = six(factor * D("0.8"))  # satisfaction 66.67% < 80%: multiply 0.8 -> 0.693662
    commission = D(5000) + D("1488000") * D("0.01")  # 19880.00
    check(p, total, factor, cents(12500 * factor) + commission)  # 8670.78 + 19880.00


def test_p049_gate_on_a_kpi_without_value_fails(tmp_path_factory):
    p = person("2026-06", "P049", tmp_path_factory)
    assert kpis(p)["satisfaction"]["status"] == "no_data"  # no surveys at all
    # contract 2,002,000 / 2,100,000 = 0.953333 -> 95.3333
    total = D("0.35") * 60 + D("0.3") * D("95.3333") + D("0.2") * D("58.8235") + D("0.15") * D("91.5014")
    factor = six(six(D("0.5") + D("0.5") * (total - 50) / 50) * D("0.8"))  # 0.750899 x 0.8 -> 0.600719
    commission = D(5000) + D("1002000") * D("0.01")  # 15020.00
    check(p, total, factor, cents(10500 * factor) + commission)  # 6307.55 + 15020.00


def test_p044_quarter_in_progress_rescales_the_weights(tmp_path_factory):
    p = person("2026-11", "P044", tmp_path_factory)
    k = kpis(p)
    # November does not close Q4: the quarterly KPIs are shown to date, not scored
    assert k["new_key_customers"]["status"] == "in_progress" and k["new_key_customers"]["score"] is None
    # scored: milestones 88.2353 x 20% + collection 99.0872 x 15% = 32.51014, scaled by 100% / 35%
    total = six((D("0.2") * D("88.2353") + D("0.15") * D("99.0872")) * 1 / D("0.35"))  # 92.886114
    factor = six(six(D("0.5") + D("0.5") * (total - 50) / 50) * D("0.8"))  # satisfaction gate fails
    assert D(p["total_score"]) == total
    assert D(p["payout"]["factor"]) == factor
    # the commission on contract_amount waits for the quarter to close
    assert p["payout"]["commissions"] == {}
    assert D(p["payout"]["total"]) == cents(14000 * factor)  # 10403.25


def test_p055_adjustment_added_after_the_payout(tmp_path_factory):
    p = person("2026-11", "P055", tmp_path_factory)
    # satisfaction 111.1111% -> cap 110%; renewals 6 of 7 = 85.7143%, by value in [85%, 100%) -> 100
    # (attainment 100.8404%, which the gate reads: >= 70% passes); visits 21/20 -> 105
    assert D(kpis(p)["renewal_rate"]["score"]) == 100
    total = D("0.35") * 110 + D("0.4") * 100 + D("0.25") * 105  # 38.5 + 40 + 26.25 = 104.75
    factor = 1 + (total - 100) / 100  # 1.0475, under cap factor 1.5
    check(p, total, factor, cents(3500 * factor) + 800)  # 3666.25 + 800.00


def test_p047_commission_paid_when_the_factor_is_zero(tmp_path_factory):
    p = person("2026-12", "P047", tmp_path_factory)
    # no new customers -> 0; 854,000 / 1,600,000 = 53.375% -> 53.375; milestones 58.8235; collection 100
    total = D("0.35") * 0 + D("0.3") * D("53.375") + D("0.2") * D("58.8235") + D("0.15") * 100  # 42.7772
    # below 50: factor 0 (the failed satisfaction gate multiplies 0 by 0.8); the commission
    # on the quarter's 854,000 is paid regardless: 854,000 x 0.5% = 4,270.00
    check(p, total, D(0), D("4270.00"))


def test_p055_gate_zeroes_the_payout(tmp_path_factory):
    p = person("2026-12", "P055", tmp_path_factory)
    # renewals 3 of 7 = 42.8571%, by value in tier [0%, 70%) -> 0; attainment 42.8571% / 85% = 50.4201%
    total = D("0.35") * 110 + D("0.4") * 0 + D("0.25") * 110  # 66
    factor = D("0.6") + D("0.4") * (total - 60) / 40  # 0.66
    # renewal_rate.attainment >= 70% fails: else zero
    check(p, total, factor, D("0.00"))
    assert p["payout"]["zeroed_by_gate"] is True


def test_p001_director_layered_target_and_team_scope(tmp_path_factory):
    p = person("2026-12", "P001", tmp_path_factory)
    k = kpis(p)
    # the director's team is the whole organisation; his layered target is 200 visits
    assert k["new_customer_development"]["target_source"] == "when"
    assert D(k["new_customer_development"]["target"]) == 200
    # 214 / 200 = 107% -> 107; collection 98.6927%; satisfaction 102.5641%
    total = D("0.4") * 107 + D("0.3") * D("98.6927") + D("0.3") * D("102.5641")  # 103.17704
    factor = six(1 + (total - 100) / 100)  # 1.0317704 -> 1.03177
    check(p, total, factor, cents(25500 * factor))  # 26310.135 -> 26310.14 (half up)


@pytest.fixture(autouse=True, scope="module")
def _fresh_runs():
    _RUNS.clear()
    yield
