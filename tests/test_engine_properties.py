"""Properties of the evaluator that must hold for any data (docs/semantics.md §6-7).

- the total score is the sum of the main KPIs' contributions when nothing is in progress;
- with monotonic curves and no gates, a higher value never lowers a score, the total or the payout;
- rounding never moves a payout line by more than one rounding step (half a step for the
  half_* modes) from the unrounded amount, and the payout total is the sum of the lines.
Each example is a real scheme, real DuckDB tables and the real evaluator.
"""

from __future__ import annotations

import functools
import tempfile
from decimal import Decimal
from pathlib import Path

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from known_answers_kit import COMMON, create_tables, kpi, person, rep, scheme_from
from kpirules.engine.evaluate import evaluate
from kpirules.engine.periods import Calendar

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SCHEME_DIR = Path(tempfile.mkdtemp(prefix="kpirules-properties-"))


@functools.cache
def scheme(text: str):
    # one folder per text: the scheme is read once and reused by every example
    return scheme_from(SCHEME_DIR / str(abs(hash(text))), text)


def evaluate_march(text: str, rows: dict[str, list[dict]]):
    s = scheme(text)
    con = duckdb.connect(":memory:")
    create_tables(con, s, rows)
    calendar = Calendar(s.header)
    return person(evaluate(s, con, calendar.scheme_periods(calendar.parse("2026-03"))), "p1")


money = st.decimals(min_value=-500, max_value=4000, places=2, allow_nan=False, allow_infinity=False)
call = st.fixed_dictionaries({
    "answered": st.one_of(st.none(), st.booleans()),
    "duration_s": st.one_of(st.none(), st.integers(min_value=0, max_value=300)),
})


def rows_for(amounts: list[Decimal], calls: list[dict]) -> dict[str, list[dict]]:
    return {
        "people": [rep()],
        "deals": [{"owner_id": "p1", "closed_on": "2026-03-10", "amount": a} for a in amounts],
        "calls": [{"call_id": f"c{i}", "agent_id": "p1", "called_on": "2026-03-12", **c} for i, c in enumerate(calls)],
    }


# ----------------------------------------------------------------- total = sum of contributions

MIXED = COMMON + """
role rep {
  kpi revenue {
    outcome main
    measure sum(deals.amount)
    target >= 1000 CNY
    weight W1%
    score linear floor 50% cap 150%
  }
  kpi calls_made {
    process main
    measure count(calls)
    target >= 7
    weight W2%
    score tiers {
      [0%, 50%): 0
      [50%, 100%): 60
      [100%, ∞): 110
    }
  }
  kpi talk_time {
    process main
    measure avg(calls.duration_s)
    target <= 90
    weight W3%
    score lookup {
      0%: 10
      80%: 70.5
      120%: 125
    }
  }
  kpi answer_rate {
    outcome main
    measure count(calls where answered) / count(calls)
    target >= 60%
    weight W4%
    score pass_fail
  }
}
"""

WEIGHTS = [("25", "25", "25", "25"), ("12.5", "37.5", "12.5", "37.5"), ("33.33", "33.33", "0.01", "33.33"), ("40", "30", "20", "10")]


@SETTINGS
@given(weights=st.sampled_from(WEIGHTS), amounts=st.lists(money, max_size=3), calls=st.lists(call, max_size=12))
def test_total_is_the_sum_of_contributions(weights, amounts, calls):
    text = MIXED
    for i, w in enumerate(weights, start=1):
        text = text.replace(f"W{i}%", f"{w}%")
    p1 = evaluate_march(text, rows_for(amounts, calls))
    main = [k for k in p1.kpis if k.rank == "main"]
    assert all(k.status != "in_progress" for k in main)
    assert p1.total_score == sum((k.contribution for k in main), Decimal(0))
    # and each contribution is weight x score (to the 6th place the docs keep)
    for k in main:
        assert abs(k.contribution - k.weight * k.score) <= Decimal("0.0000005")


# ----------------------------------------------------------------- monotonic in the values

MONOTONIC = COMMON + """
role rep {
  kpi revenue {
    outcome main
    measure sum(deals.amount)
    target >= 1000 CNY
    weight 40%
    score linear floor 50% cap 150%
  }
  kpi calls_made {
    process main
    measure count(calls)
    target >= 8
    weight 25%
    score tiers {
      [0%, 50%): 0
      [50%, 100%): 60
      [100%, 150%]: 100
      (150%, ∞): 120
    }
  }
  kpi talk_time {
    process main
    measure sum(calls.duration_s)
    target >= 600
    weight 20%
    score lookup by value {
      0: 0
      300: 50
      600: 100
      900: 110
    }
  }
  kpi activity {
    process main
    measure count(calls)
    target >= 5
    weight 15%
    score pass_fail
  }
  payout {
    target_incentive 1000 CNY
    factor by total_score {
      [0, 50): 0
      [50, 100): linear 0.5 to 1.0
      [100, ∞): 1.0 + (total_score - 100) / 50
    }
    cap factor 2
    commission revenue marginal {
      [0, 1000 CNY): 1%
      [1000 CNY, ∞): 3%
    }
    commission revenue retroactive {
      [0, 2000 CNY): 0.5%
      [2000 CNY, ∞): 1%
    }
    cap 5000 CNY
  }
}
"""


def monotonic_rows(amount: Decimal, n_calls: int, duration: int) -> dict[str, list[dict]]:
    # the first call carries all the talk time, so the call count and the talk time move independently
    calls = [{"answered": True, "duration_s": duration if i == 0 else 0} for i in range(n_calls)]
    return rows_for([amount], calls)


@SETTINGS
@given(
    amount=money,
    n_calls=st.integers(min_value=1, max_value=15),
    duration=st.integers(min_value=0, max_value=1200),
    more_amount=st.decimals(min_value=0, max_value=3000, places=2),
    more_calls=st.integers(min_value=0, max_value=10),
    more_duration=st.integers(min_value=0, max_value=900),
)
def test_a_higher_value_never_lowers_a_score_or_the_payout(amount, n_calls, duration, more_amount, more_calls, more_duration):
    low = evaluate_march(MONOTONIC, monotonic_rows(amount, n_calls, duration))
    high = evaluate_march(MONOTONIC, monotonic_rows(amount + more_amount, n_calls + more_calls, duration + more_duration))
    for k in ("revenue", "calls_made", "talk_time", "activity"):
        assert kpi(high, k).value >= kpi(low, k).value
        assert kpi(high, k).score >= kpi(low, k).score, k
    assert high.total_score >= low.total_score
    assert high.payout.incentive >= low.payout.incentive
    assert high.payout.total >= low.payout.total


# ----------------------------------------------------------------- rounding stays within a step

ROUNDED = COMMON + """
adjustments payout_adjustments {
  person person_id
  period period
  amount amount
  reason reason
  column person_id string
  column period string
  column amount money
  column reason string
}

role rep {
  kpi revenue {
    outcome main
    measure sum(deals.amount)
    target >= 1000 CNY
    weight 100%
    score linear cap 150%
  }
  payout {
    target_incentive TI CNY
    commission revenue retroactive {
      [0, ∞): RATE%
    }
    rounding MODE STEP
  }
}
"""

MODES = ["half_up", "half_even", "half_down", "up", "down", "ceiling", "floor"]
STEPS = ["0.01", "0.05", "1", "100"]


def within_a_step(line: Decimal, raw: Decimal, mode: str, step: Decimal) -> bool:
    # a rounded line is a whole number of steps, at most one step (half a step for half_*) away
    limit = step / 2 if mode.startswith("half_") else step
    return (line / step) == (line / step).to_integral_value() and abs(line - raw) <= limit and (
        mode.startswith("half_") or abs(line - raw) < step
    )


@SETTINGS
@given(
    mode=st.sampled_from(MODES),
    step=st.sampled_from(STEPS),
    target_incentive=st.decimals(min_value=0, max_value=20000, places=4),
    rate=st.decimals(min_value=0, max_value=10, places=3),
    amount=st.decimals(min_value=0, max_value=3000, places=4),
    adjustment=st.decimals(min_value=-1000, max_value=1000, places=4),
)
def test_rounding_moves_a_line_by_less_than_one_step(mode, step, target_incentive, rate, amount, adjustment):
    text = (ROUNDED.replace("TI CNY", f"{target_incentive} CNY").replace("RATE%", f"{rate}%")
            .replace("MODE STEP", f"{mode} {step}"))
    rows = rows_for([amount], [])
    rows["payout_adjustments"] = [{"person_id": "p1", "period": "2026-03", "amount": adjustment, "reason": "test"}]
    p1 = evaluate_march(text, rows)
    payout, step_ = p1.payout, Decimal(step)
    # unrounded lines, by the rules of docs/semantics.md §7 (no factor table: factor = total / 100)
    raw_incentive = target_incentive * payout.factor
    raw_commission = amount * rate / 100
    assert within_a_step(payout.incentive, raw_incentive, mode, step_)
    assert within_a_step(payout.commissions["revenue"], raw_commission, mode, step_)
    # the total is the sum of the lines, so what is left is the rounded adjustment: it too is a
    # whole number of steps within a step of the amount in the data
    rounded_adjustment = payout.total - payout.incentive - payout.commissions["revenue"]
    assert within_a_step(rounded_adjustment, adjustment, mode, step_)
