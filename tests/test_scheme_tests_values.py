"""Scheme tests read numbers as a run would have them and rows as a run would accept them:
no infinite or NaN amounts, thousands separators only in groups of three, and the column
rules (non_negative, required, unique, the key) at the case's rows. Real files, the real CLI.
"""

from __future__ import annotations

import pytest

from scheme_tests_kit import MINI, cases, run, write

#: MINI with a bonus on the roster and a dataset of deals whose columns carry every rule
DEALS = MINI.replace("  column hired_on date\n", "  column hired_on date\n  column bonus money non_negative\n").replace(
    "role caller {", """dataset deals {
  person owner
  date closed_on
  key deal_no
  column deal_no integer
  column owner string
  column closed_on date
  column amount money non_negative required
  column contract string unique
}

role caller {""")


def errors(result) -> list[str]:
    """The first line of each problem reported: file:line:col: error[CODE]: message."""
    return [line for line in result.stderr.splitlines() if ": error[" in line]


# ---------------------------------------------------------------- numbers


def test_infinite_and_nan_numbers_are_refused_wherever_a_number_is_read(mini):
    """TOML's bare inf and nan are numbers to tomllib; a stated value of inf scored and paid
    (3270.00 on the telesales scheme), nan stopped with an internal error. Quoted or bare,
    they are E803 at the value; only an attainment may be unbounded (below)."""
    (mini / "mini.kpi").write_text(DEALS, encoding="utf-8")
    write(mini, cases("""
        [[case]]
        name = "values"
        values = { calls = inf }
        expect.total = nan
        [[case]]
        name = "quoted"
        values = { calls = "-Infinity" }
        expect.kpis.calls = { value = "NaN", target = -inf }
        [[case]]
        name = "rows and the roster"
        person = { bonus = inf }
        rows.deals = [{ closed_on = 2026-03-02, amount = nan }]
        expect.payout = inf
    """))
    result = run("mini.kpitest.toml")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and result.stdout == ""
    finite = ": not a finite number"
    assert errors(result) == [
        f"mini.kpitest.toml:6:20: error[E803]: values.calls: expected a value of calls, not inf{finite}",
        f"mini.kpitest.toml:7:16: error[E803]: expect.total: expected a total, not nan{finite}",
        f"mini.kpitest.toml:10:20: error[E803]: values.calls: expected a value of calls, not '-Infinity'{finite}",
        f"mini.kpitest.toml:11:31: error[E803]: expect.kpis.calls.value: expected a value, not 'NaN'{finite}",
        f"mini.kpitest.toml:11:47: error[E803]: expect.kpis.calls.target: expected a target, not -inf{finite}",
        f"mini.kpitest.toml:14:20: error[E803]: person.bonus: expected a number for column bonus, not inf{finite}",
        f"mini.kpitest.toml:15:50: error[E803]: rows.deals.0.amount: expected a number for column amount, not nan{finite}",
        f"mini.kpitest.toml:16:17: error[E803]: expect.payout: expected a payout, not inf{finite}",
    ]
    assert result.stderr.count('= help: write a number such as 210 or "2685.00"; only an attainment may be "∞"') == 8


def test_an_unbounded_attainment_may_be_written_bare_but_not_negative_or_nan(mini):
    write(mini, cases("""
        [[case]]
        name = "unbounded"
        values = { calls = 10 }
        expect.kpis.calls = { attainment = inf }
        [[case]]
        name = "below"
        values = { calls = 10 }
        expect.kpis.calls = { attainment = -inf }
    """))
    result = run("mini.kpitest.toml")
    assert errors(result) == [
        "mini.kpitest.toml:11:36: error[E803]: expect.kpis.calls.attainment: expected an attainment, not -inf: "
        "not a finite number",
    ]
    write(mini, cases("""
        [[case]]
        name = "unbounded"
        values = { calls = 10 }
        expect.kpis.calls = { attainment = inf }
    """))
    # 10 calls of target 10 is 100%, not unbounded: the bare inf was read as "∞" and compared
    failed = run("mini.kpitest.toml")
    assert failed.exit_code == 1, failed.output
    assert "kpi calls attainment: expected ∞, got 100%" in failed.stdout


def test_thousands_separators_only_in_groups_of_three(mini):
    """"2,1,0" read as 210 and a decimal comma "1,5" as 15; an underscore ("1_5") as 15 too."""
    write(mini, cases("""
        [[case]]
        name = "grouped"
        values = { calls = "1,000" }
        expect.kpis.calls = { value = "1,000.0", target = "10" }
        expect.payout = "1,000.00"       # score 100 (1000 calls of 10), factor 100 / 100
    """))
    grouped = run("mini.kpitest.toml")
    assert grouped.exit_code == 0, grouped.output
    write(mini, cases("""
        [[case]]
        name = "ungrouped"
        values = { calls = "2,1,0" }
        expect.kpis.calls = { value = "1,5", target = "1_0" }
        expect.payout = "10,00.00"
    """))
    result = run("mini.kpitest.toml")
    assert result.exit_code == 1, result.output
    groups = ": commas separate thousands, in groups of three digits"
    assert errors(result) == [
        f"mini.kpitest.toml:6:20: error[E803]: values.calls: expected a value of calls, not '2,1,0'{groups}",
        f"mini.kpitest.toml:7:31: error[E803]: expect.kpis.calls.value: expected a value, not '1,5'{groups}",
        "mini.kpitest.toml:7:47: error[E803]: expect.kpis.calls.target: expected a target, not '1_0'",
        f"mini.kpitest.toml:8:17: error[E803]: expect.payout: expected a payout, not '10,00.00'{groups}",
    ]
    assert '= help: write "1,500,000" or 1500000; decimals follow a point: 1.5' in result.stderr


def test_an_integer_column_reads_whole_numbers_written_as_strings(mini):
    """testing.md: wherever a number is expected, a string holding one works too, with
    thousands separators; an integer column refused "120" and "1,200" (E803). The deals'
    numbers summed: 120 + 1,200 + 7 = 1327."""
    scheme = DEALS.replace("measure count(calls)", "measure sum(deals.deal_no)")
    (mini / "mini.kpi").write_text(scheme, encoding="utf-8")
    write(mini, cases("""
        [[case]]
        name = "whole numbers"
        rows.deals = [
          { deal_no = "120", closed_on = 2026-03-02, amount = "5" },
          { deal_no = "1,200", closed_on = 2026-03-03, amount = "5" },
          { deal_no = 7.0, closed_on = 2026-03-04, amount = "5" },
        ]
        expect.kpis.calls = { value = 1327 }
    """))
    result = run("mini.kpitest.toml")
    assert result.exit_code == 0, result.output
    write(mini, cases("""
        [[case]]
        name = "not whole numbers"
        rows.deals = [
          { deal_no = "12.5", closed_on = 2026-03-02, amount = "5" },
          { deal_no = "1,2", closed_on = 2026-03-03, amount = "5" },
          { deal_no = 7.5, closed_on = 2026-03-04, amount = "5" },
          { deal_no = "seven", closed_on = 2026-03-05, amount = "5" },
        ]
        expect.kpis.calls = { value = 0 }
    """))
    result = run("mini.kpitest.toml")
    assert result.exit_code == 1, result.output
    whole = "column deal_no holds whole numbers (up to 19 digits), not"
    assert errors(result) == [
        f"mini.kpitest.toml:7:15: error[E803]: rows.deals.0.deal_no: {whole} '12.5'",
        f"mini.kpitest.toml:8:15: error[E803]: rows.deals.1.deal_no: {whole} '1,2'",
        f"mini.kpitest.toml:9:15: error[E803]: rows.deals.2.deal_no: {whole} 7.5",
        f"mini.kpitest.toml:10:15: error[E803]: rows.deals.3.deal_no: {whole} 'seven'",
    ]
    assert '= help: write a whole number such as 120 or "1,200"' in result.stderr


# ---------------------------------------------------------------- the column rules


def test_rows_obey_the_column_rules_a_run_enforces(mini):
    """`kpirules run` refuses a negative value in a non_negative column (E645), an empty
    required one (E646), a repeated unique value (E647) or key (E648); a case passed with
    them. Each is E818 at the value (or the row that leaves it out)."""
    (mini / "mini.kpi").write_text(DEALS, encoding="utf-8")
    write(mini, cases("""
        person = { bonus = "-1" }
        [[case]]
        name = "broken rows"
        values = { calls = 10 }
        rows.deals = [
          { deal_no = 7, closed_on = 2026-03-02, amount = "-5", contract = "C1" },
          { deal_no = 7, closed_on = 2026-03-03, amount = "5", contract = "C1" },
          { closed_on = 2026-03-04 },
        ]
        expect.total = 100
    """))
    result = run("mini.kpitest.toml")
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert errors(result) == [
        "mini.kpitest.toml:4:20: error[E818]: a row of people has bonus = -1, below zero (declared non_negative)",
        "mini.kpitest.toml:9:51: error[E818]: a row of deals has amount = -5, below zero (declared non_negative)",
        "mini.kpitest.toml:10:15: error[E818]: two rows of deals have the key deal_no = 7",
        "mini.kpitest.toml:10:67: error[E818]: two rows of deals have contract = 'C1' (declared unique)",
        "mini.kpitest.toml:11:3: error[E818]: a row of deals has no amount (declared required)",
    ]
    assert "= help: the first is at line 9; `kpirules run` refuses both (E648): give each row its own" in result.stderr
    assert "= help: state it: amount = ...; `kpirules run` refuses such a row (E646)" in result.stderr


@pytest.mark.parametrize("required", [True, False])
def test_an_empty_text_is_no_value_as_a_run_reads_it(mini, required):
    """docs/sources.md: an empty text is no value, in a string column too. A person stated
    with the id "" passed a case that a run refuses (E646 when the id is required); now it
    is E818 (required) or E802 (no id), as for `others` without an id; an empty required
    text in a row is E818 like a missing one."""
    scheme = DEALS.replace("column contract string unique", "column contract string unique required")
    if required:
        scheme = scheme.replace("  column person_id string\n", "  column person_id string required\n")
    (mini / "mini.kpi").write_text(scheme, encoding="utf-8")
    write(mini, cases("""
        [[case]]
        name = "empty texts"
        person = { person_id = "" }
        values = { calls = 10 }
        rows.deals = [{ deal_no = 1, closed_on = 2026-03-02, amount = "5", contract = "" }]
        expect.total = 100
    """))
    result = run("mini.kpitest.toml")
    assert result.exit_code == 1, result.output
    first = ("mini.kpitest.toml:6:24: error[E818]: a row of people has no person_id (declared required)" if required
             else "mini.kpitest.toml:6:24: error[E802]: the person needs an id (person_id)")
    assert errors(result) == [first, "mini.kpitest.toml:8:79: error[E818]: a row of deals has no contract (declared required)"]


@pytest.mark.parametrize(("kind", "stated"), [("integer", "1"), ("string", '"deals-1"')])
def test_a_row_without_a_key_is_numbered_past_the_keys_rows_state(mini, kind, stated):
    """Row 1 states no key and would be numbered 1 (deals-1 for a text key), which row 2
    states: it takes 2, row 3 (which would be 3) takes 3, and nothing is repeated. Three
    deals count 3."""
    scheme = DEALS.replace("measure count(calls)", "measure count(deals)")
    (mini / "mini.kpi").write_text(scheme.replace("column deal_no integer", f"column deal_no {kind}"), encoding="utf-8")
    write(mini, cases(f"""
        [[case]]
        name = "numbered"
        rows.deals = [
          {{ closed_on = 2026-03-02, amount = "5" }},
          {{ deal_no = {stated}, closed_on = 2026-03-03, amount = "5" }},
          {{ closed_on = 2026-03-04, amount = "5" }},
        ]
        expect.kpis.calls = {{ value = 3 }}
    """))
    result = run("mini.kpitest.toml")
    assert result.exit_code == 0, result.output
    assert "PASS  numbered" in result.stdout
