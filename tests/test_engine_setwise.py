"""The set-based scorer gives exactly the per-person Python path's results.

`evaluate` scores people in SQL (kpirules.engine.setwise) and leaves the rest to the
per-person Python path, which is the reference and writes every trace. Each test runs
the real evaluator twice on the same DuckDB data, once each way
(`Evaluator.run(setwise=False)` is the reference), and compares every field of every
person: `repr` (so Decimal exponents and negative zeros count) and the JSON form with its
traces (aggregates, score rules, payout steps). Each also checks that SQL really scored
the people, so a silent fallback cannot make the comparison vacuous.
"""

from __future__ import annotations

import functools
import tempfile
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from known_answers_kit import COMMON, calls, create_tables, rep, scheme_from
from kpirules.engine.evaluate import Evaluator
from kpirules.engine.periods import Calendar
from kpirules.lang.parser import gc_paused
from kpirules.report.run_output import person_dict

ROOT = Path(__file__).resolve().parents[1]
SCHEME_DIR = Path(tempfile.mkdtemp(prefix="kpirules-setwise-"))


def both_ways(scheme, con, label: str, **kwargs):
    """(set-based result, Python result, people scored in SQL) for a period label."""
    calendar = Calendar(scheme.header)
    periods = calendar.scheme_periods(calendar.parse(label))
    with gc_paused():
        evaluator = Evaluator(scheme, con)
        fast = evaluator.run(periods, trace_rows=True, setwise=True, **kwargs)
        reference = Evaluator(scheme, con).run(periods, trace_rows=True, setwise=False, **kwargs)
    return fast, reference, evaluator.scored_in_sql


def assert_same(fast, reference) -> None:
    assert [p.person_id for p in fast.people] == [p.person_id for p in reference.people]
    for a, b in zip(fast.people, reference.people):
        assert repr(a) == repr(b), a.person_id
        assert person_dict(a) == person_dict(b), a.person_id
        assert [k.worked() for k in a.kpis] == [k.worked() for k in b.kpis], a.person_id
    assert fast.unmatched_people == reference.unmatched_people
    assert fast.inactive_people == reference.inactive_people


# ----------------------------------------------------------------- the bundled sample data

@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    import os

    from kpirules.cli.run import prepare

    here = os.getcwd()
    os.chdir(ROOT)  # kpirules.toml names the sample data relative to the repository
    try:
        prepared = prepare([], "2026-03", None, None)
    finally:
        os.chdir(here)
    return prepared.scheme, prepared.con


@pytest.mark.parametrize("label", [f"2026-{m:02d}" for m in range(1, 13)] + ["2026Q1", "2026H2", "2026"])
def test_sample_data_every_period_every_role(sample, label):
    scheme, con = sample
    fast, reference, in_sql = both_ways(scheme, con, label)
    assert_same(fast, reference)
    assert len(fast.people) > 0
    # the sample's few people with manual adjustments are left to the Python path
    assert in_sql >= len(fast.people) - 3 * len(Calendar(scheme.header).scheme_periods(
        Calendar(scheme.header).parse(label)))


def test_sample_data_one_role_and_some_people(sample):
    scheme, con = sample
    some = ["P001", "P007", "P020", "P031"]
    fast, reference, in_sql = both_ways(scheme, con, "2026-06", roles=["telesales"], persons=some)
    assert_same(fast, reference)
    assert in_sql == len(fast.people) > 0


# ----------------------------------------------------------------- generated schemes and data

# the roster also holds each person's own commission rate (`person.commission_pct`)
SCHEME = COMMON.replace("  column target_incentive money\n}", "  column target_incentive money\n  column commission_pct decimal\n}") + """
role rep {
  kpi revenue {
    outcome main
    measure REVENUE
    target >= TARGET
    target >= 0 when person.level == "zero"
    weight W1%
    score CURVE
  }
  kpi calls_made {
    process main
    measure count(calls)
    target >= 7
    target >= 3 when person.level == "junior" and person.tenure_months < 3
    weight W2%
    score tiers {
      [0%, 50%): 0
      [50%, 100%): 60.5
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
    outcome KIND
    measure count(calls where answered) / count(calls)
    target >= 60%
    weight W4%
    score pass_fail
  }
  kpi quarter_deals {
    outcome main
    period quarter
    measure count(deals where won)
    target >= 2
    weight W5%
    score linear cap 150%
  }
  payout {
    target_incentive INCENTIVE
    factor by total_score {
      [0, 40): 0
      [40, 70): linear 0.4 to 0.75
      [70, 100): linear 0.75 to 1.0
      [100, ∞): 1.0 + (total_score - 100) / 3
    }
    cap factor 1.7
    GATE
    commission revenue MODE {
      [0, 1000): 1.5%
      [1000, ∞): 2.25%
    }
    SECOND
    CAP
    rounding ROUNDING
  }
}
"""

CURVES = ["linear floor 50% cap 150%", "linear", "tiers {\n [0%, 33.3%): 0\n [33.3%, 100%): 66.6666665\n [100%, ∞]: 100\n }",
          "pass_fail", "lookup {\n 0%: 5\n 99.99995%: 99\n }"]
REVENUES = ["sum(deals.amount)", "sum(deals.amount) / 3", "sum(deals.amount) / 3 * 2", "sum(deals.amount) - sum(deals.amount where won)",
            "-sum(deals.amount)"]
TARGETS = ["1000 CNY", "333.33 CNY", "0", "2000.0001 CNY"]
WEIGHTS = [("20", "20", "20", "20", "20"), ("35", "15", "10", "10", "30"), ("33.33", "33.33", "0.01", "3.33", "30"),
           ("30", "30", "30", "10", "0")]
GATES = ["", "gate answer_rate.attainment >= 80% else zero", "gate revenue.attainment >= 90% else cap factor 0.55",
         "gate calls_made.value >= 5 else multiply 0.85", "gate talk_time.value <= 60 else multiply 0.333 no_data pass"]
# a second commission on the same KPI (its lines add up), with rows reaching below 0
SECONDS = ["", "commission revenue retroactive { [-500, 0): 5%  [0, ∞): 1% }",
           "commission revenue marginal { [-1000, 500): 3%  [500, ∞): 0.5% }",
           # rates read per person (kept to 6 places; an empty cell pays 0%), beside a constant row
           "commission revenue marginal { [0, 700): person.commission_pct  [700, ∞): 1.25% }",
           "commission revenue retroactive { [-500, 0): 2%  [0, ∞): person.commission_pct * 2 }"]
ROUNDINGS = [f"{mode} {step}" for mode in ("half_up", "half_even", "half_down", "up", "down", "ceiling", "floor")
             for step in ("0.01", "1", "0.05", "10")]

amount = st.decimals(min_value=-200, max_value=2500, places=4, allow_nan=False, allow_infinity=False)
day = st.sampled_from(["2026-01-15", "2026-02-27", "2026-03-01", "2026-03-15", "2026-03-31"])
deal = st.fixed_dictionaries({"closed_on": day, "amount": st.one_of(st.none(), amount), "won": st.booleans()})
call = st.fixed_dictionaries({"called_on": day, "answered": st.one_of(st.none(), st.booleans()),
                              "duration_s": st.one_of(st.none(), st.integers(min_value=0, max_value=200))})
someone = st.fixed_dictionaries({
    "level": st.sampled_from(["junior", "senior", "zero", None]),
    "hired_on": st.sampled_from(["2020-01-01", "2026-01-20", "2026-03-10", "2026-02-28"]),
    "left_on": st.sampled_from([None, None, "2026-03-20", "2026-02-10"]),
    "target_incentive": st.one_of(st.none(), st.decimals(min_value=0, max_value=9000, places=4)),
    # with up to 8 places: a rate of more than 6 is rounded (half-up) before it is used
    "commission_pct": st.one_of(st.none(), st.decimals(min_value="-0.05", max_value="0.2", places=8)),
    "deals": st.lists(deal, max_size=4),
    "calls": st.lists(call, max_size=9),
})


@functools.cache
def scheme(text: str):
    return scheme_from(SCHEME_DIR / str(abs(hash(text))), text)


def scheme_text(curve, revenue, target, weights, kind, incentive, gate, mode, cap, rounding, second="") -> str:
    text = SCHEME.replace("weight W4%", "weight W4%" if kind == "main" else "")
    text = text.replace("CURVE", curve).replace("REVENUE", revenue).replace("TARGET", target)
    for i, w in enumerate(weights, start=1):
        text = text.replace(f"W{i}%", f"{w}%")
    return (text.replace("KIND", kind).replace("INCENTIVE", incentive).replace("GATE", gate)
            .replace("MODE", mode).replace("SECOND", second).replace("CAP", cap).replace("ROUNDING", rounding))


def rows_of(people: list[dict]) -> dict[str, list[dict]]:
    rows = {"people": [], "deals": [], "calls": []}
    for i, p in enumerate(people):
        pid = f"p{i}"
        rows["people"].append(rep(pid, level=p["level"], hired_on=p["hired_on"], left_on=p["left_on"],
                                  target_incentive=p["target_incentive"], commission_pct=p.get("commission_pct")))
        rows["deals"] += [{"deal_id": f"{pid}d{j}", "owner_id": pid, **d} for j, d in enumerate(p["deals"])]
        rows["calls"] += [{"call_id": f"{pid}c{j}", "agent_id": pid, **c} for j, c in enumerate(p["calls"])]
    return rows


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(
    curve=st.sampled_from(CURVES), revenue=st.sampled_from(REVENUES), target=st.sampled_from(TARGETS),
    weights=st.sampled_from(WEIGHTS), kind=st.sampled_from(["main", "auxiliary"]),
    incentive=st.sampled_from(["person.target_incentive", "3000 CNY", "1234.5678 CNY"]),
    gate=st.sampled_from(GATES), mode=st.sampled_from(["marginal", "retroactive"]),
    cap=st.sampled_from(["", "cap 2500 CNY", "cap 1999.995 CNY"]), rounding=st.sampled_from(ROUNDINGS),
    second=st.sampled_from(SECONDS), people=st.lists(someone, min_size=1, max_size=6), label=st.sampled_from(["2026-03", "2026-02", "2026Q1"]),
)
@example(curve=CURVES[0], revenue=REVENUES[0], target="1000 CNY", weights=WEIGHTS[1], kind="main",
         incentive="person.target_incentive", gate=GATES[2], mode="marginal", cap="", rounding="half_up 0.01",
         second=SECONDS[2],
         # revenue 1000.0005 over 1000 is 100.00005%: a 6-place midpoint
         people=[{"level": "senior", "hired_on": "2020-01-01", "left_on": None, "target_incentive": Decimal("5000.0001"),
                  "deals": [{"closed_on": "2026-03-15", "amount": Decimal("1000.0005"), "won": True}], "calls": []}],
         label="2026-03")
def test_generated_schemes_and_data(curve, revenue, target, weights, kind, incentive, gate, mode, cap, rounding,
                                    second, people, label):
    s = scheme(scheme_text(curve, revenue, target, weights, kind, incentive, gate, mode, cap, rounding, second))
    con = duckdb.connect(":memory:")
    create_tables(con, s, rows_of(people))
    fast, reference, in_sql = both_ways(s, con, label)
    assert_same(fast, reference)
    # people on a midpoint the Python path might round otherwise are left to it, as are those
    # with an unbounded attainment (a lower-is-better value of 0); few are
    unbounded = sum(any(k.attainment is not None and k.attainment.is_infinite() for k in p.kpis)
                    for p in reference.people)
    assert in_sql >= (len(fast.people) - unbounded) // 2


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(coef=st.integers(min_value=-10**12, max_value=10**12), scale=st.integers(min_value=0, max_value=8),
       divisor=st.sampled_from([Decimal(x) for x in ("3", "7", "0.35", "40", "-3", "1000", "0.000001")]),
       mode=st.sampled_from(["half_up", "half_even", "half_down", "up", "down", "ceiling", "floor"]),
       step=st.sampled_from([Decimal(x) for x in ("0.01", "1", "0.05", "1E+2", "0.5")]))
def test_exact_rounding_matches_decimal(coef, scale, divisor, mode, step):
    """The SQL arithmetic rounds x / divisor as numbers.quantize6 and round_money do."""
    from kpirules.engine.exact_sql import Num, money, money_exponent
    from kpirules.engine.numbers import CONTEXT, quantize6, round_money

    x = Decimal(coef).scaleb(-scale)
    num = Num(f"CAST({coef} AS HUGEINT)", 10**scale).div(Num.const(divisor))
    expected = CONTEXT.divide(x, divisor)
    con = duckdb.connect()
    q6, negative, units, flag = con.execute(
        f"SELECT {num.q6()}, {num.negative}, {money(num, mode, step)}, {num.needs_python()}").fetchall()[0]
    assert not flag
    got = Decimal(q6).scaleb(-6)
    got = got.copy_negate() if negative and q6 == 0 else got
    assert str(got) == str(quantize6(expected))
    money_got = Decimal(units).scaleb(money_exponent(step))
    money_got = money_got.copy_negate() if negative and units == 0 else money_got
    assert str(money_got) == str(round_money(expected, mode, step))


def test_inside_an_open_transaction_and_on_one_thread(sample):
    # role queries run on cursors of their own, which cannot see a table made inside the
    # caller's open transaction, nor run side by side with one DuckDB thread: both then
    # run one after another on the caller's connection, with the same results
    scheme, con = sample
    con.begin()
    try:
        fast, reference, in_sql = both_ways(scheme, con, "2026-05")
    finally:
        con.rollback()
    assert_same(fast, reference)
    assert in_sql > 0
    threads = con.execute("SELECT current_setting('threads')").fetchall()[0][0]
    con.execute("SET threads = 1")
    try:
        fast, reference, in_sql = both_ways(scheme, con, "2026-05")
    finally:
        con.execute(f"SET threads = {threads}")
    assert_same(fast, reference)
    assert in_sql > 0
    # the caller's settings are as they were
    assert con.execute("SELECT current_setting('enable_optimizer')").fetchall()[0][0] is True


TWO_ROLES = """
scheme s { currency CNY  period month }
roster people { id person_id  name name
  column person_id string  column name string  column level string  column region string }
dataset deals { person owner_id  date signed_on  key deal_id
  column deal_id string  column owner_id string  column signed_on date  column amount money }
role senior { applies_to person.level == "senior"
  kpi own { outcome main  weight 100%  measure sum(deals.amount)  target >= 100 } }
role east { applies_to person.region == "east"
  kpi own { outcome main  weight 100%  measure sum(deals.amount)  target >= 100 } }
"""


@pytest.mark.parametrize("setwise", [True, False])
def test_a_person_matching_two_roles_is_an_error_either_way(tmp_path, setwise):
    # semantics §1: roles must not overlap; P2 is senior and in the east
    from kpirules.errors import DataError
    from kpirules.model import load_scheme

    (tmp_path / "s.kpi").write_text(TWO_ROLES, encoding="utf-8")
    scheme = load_scheme([tmp_path / "s.kpi"])
    con = duckdb.connect()
    con.execute("CREATE TABLE people AS SELECT * FROM (VALUES ('P1', 'a', 'senior', 'west'), ('P2', 'b', 'senior', 'east'),"
                " ('P3', 'c', 'junior', 'east'), ('P4', 'd', 'junior', 'west')) t(person_id, name, level, region)")
    con.execute("CREATE TABLE deals AS SELECT 'd1' AS deal_id, 'P1' AS owner_id, DATE '2026-03-02' AS signed_on,"
                " CAST(70 AS DECIMAL(18,2)) AS amount")
    calendar = Calendar(scheme.header)
    with pytest.raises(DataError) as caught:
        Evaluator(scheme, con).run(calendar.scheme_periods(calendar.parse("2026-03")), setwise=setwise)
    (d,) = caught.value.diagnostics
    assert (d.code, d.message) == ("E512", "person P2 (b) matches two roles: senior and east")


@pytest.mark.parametrize("setwise", [True, False])
def test_a_person_matching_two_roles_is_named_at_their_roster_row_once(tmp_path, setwise):
    # P2 is senior and in the east in each month of 2026Q1: one E512, at P2's row of the
    # roster file as read (a title line above the header: row 2 is line 4), not at the role
    # column (neither role matches on it), whichever path scores
    from source_project import load, write

    from kpirules.errors import DataError
    from kpirules.model import load_scheme

    write(tmp_path / "people.csv", "staff export\nperson_id,name,level,region\n"
                                   "P1,a,senior,west\nP2,b,senior,east\nP3,c,junior,east\n")
    write(tmp_path / "deals.csv", "deal_id,owner_id,signed_on,amount\nd1,P1,2026-03-02,70\n")
    con, loads = load(tmp_path, {"people": {"source": "csv", "path": "people.csv", "skip_rows": 1},
                                 "deals": {"source": "csv", "path": "deals.csv"}}, TWO_ROLES)
    scheme = load_scheme([tmp_path / "scheme.kpi"])
    calendar = Calendar(scheme.header)
    with pytest.raises(DataError) as caught:
        Evaluator(scheme, con, loads).run(calendar.scheme_periods(calendar.parse("2026Q1")), setwise=setwise)
    (d,) = caught.value.diagnostics
    assert (d.code, d.message) == ("E512", "person P2 (b) matches two roles: senior and east")
    assert (d.location.dataset, Path(d.location.source).name, d.location.row, d.location.column) == (
        "people", "people.csv", 2, None)
    assert d.notes == ["row 2 (line 4)"]


def one_role_of_2000(path: Path, role: str, day: str, amount: str):
    """(scheme, connection): TWO_ROLES' roster and deals with `role` (for the juniors), 2,000
    junior people (so that the set-based path runs when asked) and one deal of P1's."""
    from kpirules.model import load_scheme

    path.write_text(TWO_ROLES.split("role senior")[0] + role, encoding="utf-8")
    con = duckdb.connect()
    con.execute("CREATE TABLE people AS SELECT 'P' || i AS person_id, 'n' || i AS name, 'junior' AS level, "
                "'east' AS region FROM range(1, 2001) t(i)")
    con.execute(f"CREATE TABLE deals AS SELECT 'd1' AS deal_id, 'P1' AS owner_id, DATE '{day}' AS signed_on,"
                f" CAST({amount} AS DECIMAL(18,2)) AS amount")
    return load_scheme([path]), con


HUGE_COMMISSION = """
role rep { applies_to person.level == "junior"
  kpi own { outcome main  weight 100%  measure sum(deals.amount)  target >= 100 }
  payout { commission own marginal { [0, ∞): RATE } }
}
"""


@pytest.mark.parametrize("setwise", [True, False])
@pytest.mark.parametrize(("rate", "paid"), [
    # P1 sells 10^12: at (10^16 - 1) per unit, 9999999999999999 x 10^12 has 28 digits before
    # the point, the most an amount may have (semantics.md §8)
    ("9999999999999999", "9999999999999999000000000000.00"),
    # 10^16 x 10^12 = 10^28: 29 digits, which fit DuckDB's DECIMAL(38, 2) and Python's 34
    # digits but not the 28 that semantics.md allows (it passed unrefused)
    ("10000000000000000", None),
])
def test_a_payout_of_more_than_28_digits_is_e515_either_way(tmp_path, setwise, rate, paid):
    from kpirules.errors import DataError

    # the set-based path sends numbers this large to the Python path (Num.needs_python), which
    # refuses a payout of more than 28 digits (E515)
    scheme, con = one_role_of_2000(tmp_path / "s.kpi", HUGE_COMMISSION.replace("RATE", rate), "2026-03-02",
                                   "1000000000000")
    calendar = Calendar(scheme.header)
    periods = calendar.scheme_periods(calendar.parse("2026-03"))
    evaluator = Evaluator(scheme, con)
    if paid is not None:
        result = evaluator.run(periods, setwise=setwise, persons=None)
        (p1,) = [p for p in result.people if p.person_id == "P1"]
        assert str(p1.payout.total) == paid
        return
    with pytest.raises(DataError) as caught:
        evaluator.run(periods, setwise=setwise)
    (d,) = caught.value.diagnostics
    assert d.code == "E515"
    assert d.message == ("the payout of role rep cannot be computed for person P1 in 2026-03: "
                         "a number has more than 28 digits before the decimal point")


def test_a_role_whose_main_kpis_have_not_closed_gets_the_same_note_either_way():
    # semantics §5: in January, a role whose only main KPI is quarterly scores nothing
    role = """
role rep { applies_to person.level == "junior"
  kpi own { outcome main  weight 100%  period quarter  measure sum(deals.amount)  target >= 100 }
  payout { target_incentive 1000 CNY }
}
"""
    scheme, con = one_role_of_2000(SCHEME_DIR / "quarterly_only.kpi", role, "2026-01-02", "70")
    fast, reference, in_sql = both_ways(scheme, con, "2026-01")
    assert_same(fast, reference)
    assert in_sql == 2000
    assert fast.people[0].notes == ["no main KPI's period closes in this run, so none is scored: the total score is 0"]


def test_a_kpi_in_progress_hits_no_floor_either_way():
    # output.md: floor_hit and cap_hit say the floor or the cap decided the score; a KPI in
    # progress has no score. P1's 70 to date against 100 is 70%, below the floor of 80%
    role = """
role rep { applies_to person.level == "junior"
  kpi own { outcome main  weight 100%  period quarter  measure sum(deals.amount)  target >= 100
            score linear floor 80% cap 120% }
  payout { target_incentive 1000 CNY }
}
"""
    scheme, con = one_role_of_2000(SCHEME_DIR / "floor_in_progress.kpi", role, "2026-01-02", "70")
    fast, reference, in_sql = both_ways(scheme, con, "2026-01")
    assert_same(fast, reference)
    assert in_sql == 2000
    (own,) = fast.people[0].kpis
    assert (own.status, own.attainment, own.score) == ("in_progress", Decimal("0.7"), None)
    assert (own.floor_hit, own.cap_hit) == (False, False)


def test_a_role_whose_weighted_kpis_have_not_closed_gets_the_same_note_either_way():
    # semantics §6: in January the monthly KPI closes but weighs 0%, the quarterly one (100%)
    # is in progress; the total is 0 and the note names the weightless KPIs that closed
    role = """
role rep { applies_to person.level == "junior"
  kpi monthly { outcome main  weight 0%  measure sum(deals.amount)  target >= 100 }
  kpi own { outcome main  weight 100%  period quarter  measure sum(deals.amount)  target >= 100 }
  payout { target_incentive 1000 CNY }
}
"""
    scheme, con = one_role_of_2000(SCHEME_DIR / "weightless.kpi", role, "2026-01-02", "70")
    fast, reference, in_sql = both_ways(scheme, con, "2026-01")
    assert_same(fast, reference)
    assert in_sql == 2000
    assert fast.people[0].notes == ["the main KPIs whose period closes in this run have weight 0, and the others "
                                    "are not scored in this run: the total score is 0"]


ROUNDING = {"half_up": "ROUND_HALF_UP", "half_even": "ROUND_HALF_EVEN", "half_down": "ROUND_HALF_DOWN",
            "up": "ROUND_UP", "down": "ROUND_DOWN", "ceiling": "ROUND_CEILING", "floor": "ROUND_FLOOR"}


@settings(max_examples=60, deadline=None)
@given(numerators=st.lists(st.integers(min_value=-10**30, max_value=10**30), min_size=1, max_size=12),
       denominator=st.integers(min_value=1, max_value=10**15), column=st.booleans(),
       mode=st.sampled_from(sorted(ROUNDING)))
@example(numerators=[7, -7, 5, -5, 0, 1, -1, 3, -3], denominator=2, column=False, mode="half_up")
@example(numerators=[7, -7, 5, -5, 0, 1, -1, 3, -3], denominator=2, column=True, mode="half_down")
@example(numerators=[4, -4, 5, -5, 6, 0], denominator=3, column=True, mode="up")
def test_round_division_rounds_as_decimal_does(numerators, denominator, column, mode):
    """round_division(n, d) in DuckDB is n / d rounded to an integer as Decimal.quantize
    rounds it (the expected value comes from Python's decimal module, exactly: 40 digits
    hold every quotient here); the denominator is a literal or a column."""
    import decimal

    from kpirules.engine.exact_sql import round_division

    con = duckdb.connect()
    con.execute("CREATE TABLE t (i INTEGER, n HUGEINT, d HUGEINT)")
    con.executemany("INSERT INTO t VALUES (?, ?, ?)", [(i, str(n), str(denominator)) for i, n in enumerate(numerators)])
    got = [row[0] for row in con.execute(
        f"SELECT {round_division('n', 'd' if column else denominator, mode)} FROM t ORDER BY i").fetchall()]
    context = decimal.Context(prec=80)
    expected = [int(context.divide(Decimal(n), Decimal(denominator)).quantize(Decimal(1), rounding=getattr(decimal, ROUNDING[mode]), context=context))
                for n in numerators]
    assert got == expected


def test_layers_write_constants_and_renamings_where_they_are_read():
    # a constant column is written where it is read, a renaming column is the column it
    # names; a negative constant after a minus must not become "--" (an SQL comment):
    # x = 5, c = -1, r = x (renamed), b = -c = 1, out = r * 10 + b = 51
    from kpirules.engine.setwise import Layers

    layers = Layers()
    layers.add("__kp_c", "-1")
    layers.add("__kp_r", "__kp_x")
    layers.next()
    layers.add("__kp_b", "(-__kp_c)")
    layers.next()
    layers.add("__kp_out", "(__kp_r * 10 + __kp_b)")
    sql = layers.sql("(SELECT 5 AS __kp_x)", "TRUE", ["__kp_out", "__kp_c", "__kp_r"])
    assert "__kp_r" not in sql.replace("AS __kp_r", "")  # no column of its own
    assert duckdb.connect().execute(sql).fetchall() == [(51, -1, 5)]


GATES_ON_MISSING_RESULTS = COMMON + """
role rep {
  kpi revenue {
    outcome main
    measure sum(deals.amount)
    target >= 1000 CNY
    weight 100%
    score linear cap 150%
  }
  kpi answer_rate {
    process main
    measure count(calls where answered) / count(calls)
    target >= 50% when person.level == "senior"
    weight 0%
  }
  payout {
    target_incentive 1000 CNY
    gate answer_rate.value >= 20% else multiply 0.5
    gate answer_rate.attainment >= 10% or total_score >= 0 else multiply 0.8 no_data pass
    gate answer_rate.attainment >= 60% or revenue.value > 100 else cap factor 0.9
  }
}
"""


def test_gates_on_kpis_without_a_value_or_without_a_target_either_way():
    # semantics.md §7 step 4: juniors have an answer rate but no target (no attainment): a gate
    # reading the value reads it, one reading the attainment fails whatever else it says, no_data
    # pass or not; with no calls the KPI has no value: the first gate fails, the second passes
    s = scheme_from(SCHEME_DIR / "gates_on_missing", GATES_ON_MISSING_RESULTS)
    people, deals, calls = [], [], []
    for i in range(24):
        pid = f"p{i}"
        people.append(rep(pid, level="senior" if i % 3 == 0 else "junior"))
        deals.append({"deal_id": f"d{i}", "owner_id": pid, "closed_on": "2026-03-10", "amount": Decimal(150 * i), "won": True})
        calls += [{"call_id": f"{pid}c{j}", "agent_id": pid, "called_on": "2026-03-02", "answered": j < i % 4,
                   "duration_s": 30} for j in range(i % 5)]
    con = duckdb.connect(":memory:")
    create_tables(con, s, {"people": people, "deals": deals, "calls": calls})
    fast, reference, in_sql = both_ways(s, con, "2026-03")
    assert_same(fast, reference)
    assert in_sql == len(fast.people) == 24
    factors = {p.person_id: p.payout.factor for p in reference.people}
    # p1: junior, 1 of 1 answered (100% >= 20%: passes), attainment lacking: x 0.8 and, its
    # revenue 150 > 100 not mattering, capped at 0.9: total 15 -> factor 0.15 x 0.8 = 0.12
    assert factors["p1"] == Decimal("0.12")
    # p0: senior, no calls: no value: the first gate fails (x 0.5), the second passes (no_data
    # pass), the third fails (no_data fail by default) and caps at 0.9: factor 0 stays 0
    assert factors["p0"] == Decimal("0")


def test_scores_and_factors_written_with_more_than_six_places_either_way():
    # semantics.md §5, §8: a no_data score, a `cap factor` and a gate's cap are applied rounded
    # half-up to 6 places (1.2345675 -> 1.234568, 0.0123455 -> 0.012346)
    text = GATES_ON_MISSING_RESULTS.replace("    weight 100%\n", "    weight 60%\n").replace(
        "    weight 0%\n", "    weight 40%\n    no_data score 1.2345675\n").replace(
        "    target_incentive 1000 CNY\n", "    target_incentive 100000 CNY\n    cap factor 0.0123455\n").replace(
        "else cap factor 0.9", "else cap factor 0.0113455")
    s = scheme_from(SCHEME_DIR / "six_places", text)
    people = [rep(f"p{i}", level="senior") for i in range(12)]
    deals = [{"deal_id": f"d{i}", "owner_id": f"p{i}", "closed_on": "2026-03-10", "amount": Decimal(300 * i), "won": True}
             for i in range(12)]
    calls = [{"call_id": f"c{i}", "agent_id": f"p{i}", "called_on": "2026-03-02", "answered": True, "duration_s": 9}
             for i in range(0, 12, 2)]
    con = duckdb.connect(":memory:")
    create_tables(con, s, {"people": people, "deals": deals, "calls": calls})
    fast, reference, in_sql = both_ways(s, con, "2026-03")
    assert_same(fast, reference)
    assert in_sql == 12
    # p1: no calls: no_data score 1.234568 x 40% = 0.493827 (0.4938270); revenue 300 / 1000 = 30 x 60% = 18
    p1 = next(p for p in reference.people if p.person_id == "p1")
    assert (p1.kpis[1].score, p1.total_score) == (Decimal("1.234568"), Decimal("18.493827"))
    # p10: revenue 3000 / 1000 -> 150 (cap 150%) x 60% = 90; 1 call answered of 1: 100% / 50%
    # -> 200%, capped at 100 (no score line: linear cap 100%) x 40% = 40; total 130, factor 1.3,
    # capped at 0.012346: 100,000 x 0.012346 = 1234.60
    p10 = next(p for p in reference.people if p.person_id == "p10")
    assert (p10.total_score, p10.payout.factor, p10.payout.total) == (Decimal(130), Decimal("0.012346"),
                                                                        Decimal("1234.60"))


TWO_TARGET_ROWS = COMMON + """
targets tg {
  person person_id
  period period
  column person_id string
  column period string
  column calls decimal
  column duration decimal
}

role rep {
  kpi calls_made {
    process main
    measure count(calls)
    target >= tg.calls
    target >= 25
    weight 50%
    score linear cap 200%
  }
  kpi talk_time {
    process main
    measure sum(calls.duration_s)
    target >= tg.duration
    target >= 100
    weight 50%
    score linear cap 200%
  }
  payout {
    target_incentive 1000 CNY
    factor by total_score {
      [0, 100): linear 0 to 1
      [100, ∞): 1
    }
  }
}
"""


def test_two_target_rows_of_one_person_and_period_make_one_person_either_way():
    # semantics.md §3: a row whose column is empty does not count for that column, so p0's two
    # March rows give calls 2 (first row) and duration 40 (second row); the SQL path joined
    # both rows and listed (and paid) p0 twice
    s = scheme_from(SCHEME_DIR / "two_target_rows", TWO_TARGET_ROWS)
    people = [rep(f"p{i}") for i in range(6)]
    calls = [{"call_id": f"c{i}{j}", "agent_id": f"p{i}", "called_on": "2026-03-02", "answered": True,
              "duration_s": 10} for i in range(6) for j in range(i + 1)]
    targets = [{"person_id": "p0", "period": "2026-03", "calls": Decimal(2), "duration": None},
               {"person_id": "p0", "period": "2026-03", "calls": None, "duration": Decimal(40)},
               {"person_id": "p1", "period": "2026-03", "calls": None, "duration": None}]
    con = duckdb.connect(":memory:")
    create_tables(con, s, {"people": people, "calls": calls, "tg": targets})
    fast, reference, in_sql = both_ways(s, con, "2026-03")
    assert_same(fast, reference)
    assert in_sql == len(fast.people) == 6
    p0 = next(p for p in fast.people if p.person_id == "p0")
    # 1 call of target 2: 50%; 10 s of target 40: 25%; total 0.5 x 50 + 0.5 x 25 = 37.5
    assert [(k.target, k.target_source) for k in p0.kpis] == [(Decimal(2), "per_person"), (Decimal(40), "per_person")]
    assert p0.total_score == Decimal("37.5")
    # p1's row gives no value: the constant targets, 2 of 25 calls (8%), 20 of 100 s (20%)
    p1 = next(p for p in fast.people if p.person_id == "p1")
    assert [(k.target, k.target_source) for k in p1.kpis] == [(Decimal(25), "constant"), (Decimal(100), "constant")]


DIVIDED_FACTOR = COMMON + """
role rep {
  kpi calls_made {
    process main
    measure count(calls)
    target >= 10
    weight 100%
    score linear cap 200%
  }
  payout {
    target_incentive 1000 CNY
    factor by total_score {
      [0, 100): 100 / (total_score - 50)
      [100, ∞): 1
    }
  }
}
"""


def test_a_constant_divided_by_an_expression_of_the_total_is_scored_in_sql():
    # language.md §12.2: a factor row may be any expression of total_score. The SQL path wrote
    # 100 (at 6 places: 100000000) x sign(total - 50) as a 32-bit product, which overflowed when
    # scaled again: every person went back to the Python path. 8 calls of 10: total 80, factor
    # 100 / 30 = 3.333333 (6 places, half-up), incentive 3333.33
    s = scheme_from(SCHEME_DIR / "divided_factor", DIVIDED_FACTOR)
    people = [rep(f"p{i}") for i in range(6)]
    rows = [c for i in range(6) for c in calls(f"p{i}", "2026-03-02", 3 + i)]
    con = duckdb.connect(":memory:")
    create_tables(con, s, {"people": people, "calls": rows, "deals": []})
    fast, reference, in_sql = both_ways(s, con, "2026-03")
    assert_same(fast, reference)
    assert in_sql == len(fast.people) == 6
    p5 = next(p for p in fast.people if p.person_id == "p5")
    assert (p5.total_score, p5.payout.factor, p5.payout.total) == (Decimal(80), Decimal("3.333333"), Decimal("3333.33"))


@pytest.mark.parametrize("incentive", ["2.345 CNY", "1249.99 CNY", "0.03 CNY"])
def test_a_constant_incentive_with_decimals_is_scored_in_sql(incentive):
    # the incentive x days / period days multiplied March's 31 days (a 32-bit column) by
    # 10^9: "Overflow in multiplication of INT32", and the whole run went back to Python
    role = f"""
role rep {{ applies_to person.level == "junior"
  kpi own {{ outcome main  weight 100%  measure sum(deals.amount)  target >= 100 }}
  payout {{ target_incentive {incentive}  factor by total_score {{ [0, ∞): total_score / 100 }} }}
}}
"""
    scheme, con = one_role_of_2000(SCHEME_DIR / "decimal_incentive.kpi", role, "2026-03-02", "70")
    fast, reference, in_sql = both_ways(scheme, con, "2026-03")
    assert_same(fast, reference)
    assert in_sql == 2000
    # P1: 70 of 100 is a score of 70, factor 0.7: 2.345 x 0.7 = 1.6415, rounded half-up to 1.64
    expected = {"2.345 CNY": "1.64", "1249.99 CNY": "874.99", "0.03 CNY": "0.02"}[incentive]
    assert str(fast.people[0].payout.total) == expected
