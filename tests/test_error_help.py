"""Every error of the language says what to write instead: one case per error that once had no help.

Each case is a small scheme checked with the real `kpirules check`: exit code 1, the error
at its place, and a help line that names what to write.
"""

from __future__ import annotations

from pathlib import Path

import pytest

COMMON = """\
scheme s { period month currency CNY }
roster people { id person_id role role column person_id string column role string column level string }
dataset calls { person agent_id date called_at column agent_id string column called_at timestamp }
dataset leads { person owner_id date created_at column owner_id string column status string column created_at date }
dataset payments { person owner_id date paid_on column owner_id string column amount money column paid_on date }
"""


def role(body: str) -> str:
    return 'role r { applies_to person.role == "r"\n' + body + "\n}\n"


def kpi(measure: str = "count(calls)", target: str = "1") -> str:
    return role(f"  kpi k {{ process main measure {measure} target >= {target} weight 100% }}")


CASES = [
    ("E212", 'role a { extends b applies_to true }\nrole b { extends a applies_to true }\n',
     "7:18: error[E212]: roles extend each other in a cycle: a -> b -> a",
     "remove `extends a` here or another `extends` of the cycle: a role cannot inherit from itself"),
    ("E301", 'role r { applies_to -person.level == "r" }\n',
     "6:21: error[E301]: cannot negate a string",
     "a minus sign goes before a number, an amount or a duration; remove the '-'"),
    ("E307", kpi(target='if person.level == "s" then 10 else "x"'),
     "7:55: error[E307]: both branches must have one type: number and string",
     "write the else branch as a number too, or the then branch as a string"),
    ("E308 on", kpi(measure="count(leads on status)"),
     "7:47: error[E308]: 'on status' needs a date column; status is string",
     "name a date or timestamp column of leads: created_at"),
    ("E308 binding", "dataset d { person p date t column p string column t string }\n",
     "6:27: error[E308]: 'date t' needs a date or timestamp column; t is string",
     "d has no date or timestamp column; if t holds dates, declare it `column t date`"),
    # a text amount stopped the run with "internal error: InvalidOperation"; `true` was paid as 1
    ("E319 amount", "adjustments adj { person p period at amount a reason r\n"
                    "  column p string column at string column a boolean column r string }\n",
     "6:45: error[E319]: 'amount a' needs a column of type money, decimal or integer, not boolean",
     "declare a as money, or as decimal or integer"),
    ("E319 period", "targets tg { person p period at column p string column at integer column calls integer }\n",
     "6:30: error[E319]: 'period at' needs a column of type string, date or timestamp, not integer",
     "declare at as string (a period label such as 2026-03), or as a date inside the period"),
    ("E313", kpi(measure="round(count(calls) where true)"),
     "7:32: error[E313]: 'where' and 'on' belong to aggregates, not to round(...)",
     "move them inside the aggregate they filter: round(count(calls where ...)), not round(count(calls) where ...)"),
    ("E314", kpi(target="count(calls)"),
     "7:55: error[E314]: aggregates such as count(...) belong in a KPI's measure, not in a target",
     "a target is a constant, a person attribute (person.x) or a targets dataset column"),
    ("E315", kpi(measure="clamp(count(calls), 1)"),
     "7:32: error[E315]: clamp(...) takes 3 arguments", "call it as clamp(x, lo, hi)"),
    ("E236", "dataset d { person p column p string non_negative }\n",
     "6:22: error[E236]: non_negative applies to numbers and money, not to string",
     "remove non_negative, or declare p as integer, decimal or money"),
    ("E259", role("  kpi k { outcome main measure sum(payments.amount) / sum(payments.amount) target >= 95% }\n"
                  "  kpi paid { outcome auxiliary measure sum(payments.amount) }\n"
                  "  payout { commission k marginal { [0, ∞): 1% } }"),
     "9:23: error[E259]: commission is paid on an amount; k is a percent",
     "pay it on a KPI that measures an amount: paid"),
    ("E230 factor by a dotted name", role(
        "  kpi k { process main measure count(calls) target >= 1 weight 100% }\n"
        "  payout { factor by k.score { [0, ∞): 1 } }"),
     "8:22: error[E230]: the payout factor is a function of total_score, not 'k.score'",
     "write `factor by total_score { ... }`"),
    ("E100 chained comparison", "role r { applies_to 1 < person.level < 3 }\n",
     "6:38: error[E100]: unexpected '<'; expected 'and', 'applies_to', 'description', 'extends', 'grades', "
     "'kpi', 'no_data', 'or', 'override', 'payout', '-', '+', '}'",
     "comparisons do not chain: write `1 < person.level and person.level < ...`"),
]


UNQUOTED = [
    ("owner", "scheme t { currency CNY owner sales }\n",
     "6:31: error[E231]: 'owner' takes a quoted text", 'put it in quotes: owner "sales"'),
    ("description", 'role r { applies_to true description 42 }\n',
     "6:38: error[E231]: 'description' takes a quoted text", 'put it in quotes: description "42"'),
    ("unit", role("  kpi k { process main measure count(calls) target >= 1 unit 5 weight 100% }"),
     "7:62: error[E231]: 'unit' takes a quoted text", 'put it in quotes: unit "5"'),
    ("timezone", "scheme t { currency CNY timezone Asia }\n",
     "6:34: error[E231]: 'timezone' takes a quoted text", 'put it in quotes: timezone "Asia"'),
    ("label", "role r 42 { applies_to true }\n",
     "6:8: error[E231]: a label is a quoted text", 'put it in quotes: role r "42"'),
    # the words up to the end of the line: "Asia" alone, pasted back, was a traceback (a folder of
    # the time zone database), and `description "2026"` dropped the rest
    ("timezone with a slash", "scheme t { currency CNY timezone Asia/Shanghai }\n",
     "6:34: error[E231]: 'timezone' takes a quoted text", 'put it in quotes: timezone "Asia/Shanghai"'),
    ("several words", "role r { applies_to true\n  description 2026 plan for sales\n}\n",
     "7:15: error[E231]: 'description' takes a quoted text", 'put it in quotes: description "2026 plan for sales"'),
]
CASES += [(f"E231 {name}", *rest) for name, *rest in UNQUOTED]

#: help lines that once read badly: a doubled word, a leading space, an example unrelated to the text
WORDING = [
    ("E221 of a plain dataset", "dataset d { person p amount a column p string column a money }\n",
     "6:22: error[E221]: 'amount' does not apply to a dataset", "a dataset takes: person, key, date"),
    ("E230 without a suggestion", kpi().replace("weight 100%", "weight 100% period fortnight"),
     "7:76: error[E230]: 'fortnight' is not a valid period", "period is one of: month, quarter, half, year"),
    ("E111", kpi(target="2 000"),
     "7:57: error[E111]: a number cannot contain spaces or tabs", "write the number without the gap: 2000 or 2_000"),
    # literals written as the docs say not to, whose help said to write what was written
    ("E305 space before 万", kpi(measure="sum(payments.amount)", target="50 万"),
     "7:63: error[E305]: '万' is not a currency code", "write 万 right after the digits: 50万"),
    ("E305 a fraction of a day", kpi(measure="avg(days_between(payments.paid_on, payments.paid_on))",
                                     target="1.5d"),
     "7:96: error[E305]: 'd' is not a currency code",
     "a duration is a whole number of days: write it without a fraction, e.g. 2d"),
    ("E320 a date without its zeros", kpi(measure="count(leads where created_at >= 2026-1-1)"),
     "7:64: error[E320]: 2026-1-1 is read as 2026 - 1 - 1 = 2024, a number, not as a date",
     "write the date with two-digit months and days: 2026-01-01; to work out a number, put spaces around the "
     "minus signs"),
    # not only beside a date: as a count's target it was taken for the number 2024
    ("E320 a target date without its zeros", kpi(target="2026-1-1"),
     "7:55: error[E320]: 2026-1-1 is read as 2026 - 1 - 1 = 2024, a number, not as a date",
     "write the date with two-digit months and days: 2026-01-01; to work out a number, put spaces around the "
     "minus signs"),
    ("E320 slashes", kpi(target="2026/3/5"),
     "7:55: error[E320]: 2026/3/5 is read as 2026 / 3 / 5 ≈ 135.07, a number, not as a date",
     "write the date with two-digit months and days: 2026-03-05; to work out a number, put spaces around the "
     "slashes"),
    ("E304 days after a plain number", 'role t { applies_to 30 < 90d }\n',
     "6:21: error[E304]: cannot compare number with duration (days)",
     "the other side is a plain number: write 90, without d"),
    ("E251", 'grades g { [0, 60): "C" [60, 90]: "B" [90, ∞): "A" }\n',
     "6:39: error[E251]: the grade table rows [60, 90] and [90, ∞) both include 90",
     "make one side exclusive: [60, 90) then [90, ∞)"),
]
CASES += WORDING


@pytest.mark.parametrize(("name", "source", "error", "help"), CASES, ids=[c[0] for c in CASES])
def test_the_error_says_what_to_write(workdir, run_cli, name, source, error, help):
    Path("s.kpi").write_text(COMMON + source, encoding="utf-8")
    result = run_cli("check", "s.kpi")
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert f"s.kpi:{error}" in lines, result.stderr
    heads = [line for line in lines if ": error[" in line]
    assert len(heads) == 1, result.stderr
    assert f"  = help: {help}" in lines, result.stderr


@pytest.mark.parametrize(("source", "error", "help"), [
    # `1e1%` and a currency on the line after its amount had the generic helps ("remove it or
    # check the line for a typo", "a statement starts with a keyword")
    (kpi(target="1e1%"), "7:58: error[E118]: unexpected character '%'",
     "write the percentage with digits and a point: 10%"),
    (kpi(measure="sum(payments.amount)", target="50000\n    CNY"), "8:5: error[E100]: unexpected 'CNY'",
     "write the currency code on the same line as its amount: 50000 CNY"),
])
def test_a_literal_split_or_in_exponent_form_says_what_to_write(workdir, run_cli, source, error, help):
    Path("s.kpi").write_text(COMMON + source, encoding="utf-8")
    result = run_cli("check", "s.kpi")
    assert result.exit_code == 1, result.output
    assert any(line.startswith(f"s.kpi:{error}") for line in result.stderr.splitlines()), result.stderr
    assert f"  = help: {help}" in result.stderr.splitlines(), result.stderr


@pytest.mark.parametrize("written", ["13", "4.0", "4.5"])
def test_a_fiscal_year_start_out_of_range_says_what_to_write(workdir, run_cli, written):
    # 4.0 was taken as April (language.md §3: 1 ... 12, a month's number)
    Path("s.kpi").write_text(f"scheme s {{ currency CNY fiscal_year_start {written} }}\n", encoding="utf-8")
    result = run_cli("check", "s.kpi")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[4] == (
        "  = help: write a month's name or its number, e.g. fiscal_year_start april or fiscal_year_start 4"
    )


def test_not_equal_written_as_a_math_sign_says_to_write_bang_equals(workdir, run_cli):
    # ≥ and ≤ are read as >= and <=; ≠ was "remove it or check the line for a typo"
    Path("s.kpi").write_text(COMMON + 'role t { applies_to person.level ≠ "x" }\n', encoding="utf-8")
    result = run_cli("check", "s.kpi")
    assert result.exit_code == 1, result.output
    assert "s.kpi:6:34: error[E118]: unexpected character '≠' (NOT EQUAL TO)" in result.stderr
    assert "  = help: write '!=' for '≠'" in result.stderr.splitlines()


@pytest.mark.parametrize(("source", "help"), [
    # language.md §11.1: the floor is written before the cap; §7.2: an override takes no label
    ('role t { applies_to person.level == "x"\n  kpi k { process main weight 100% measure count(calls) target >= 1 '
     'score linear cap 120% floor 60% } }\n',
     "write the floor before the cap: score linear floor 60% cap 120%"),
    ('role t { applies_to person.level == "x"\n  kpi k { process main weight 100% measure count(calls) target >= 1 } }\n'
     'role u { extends t applies_to person.level == "y"\n  override k "label" { target >= 2 } }\n',
     "an override keeps the KPI's label: remove the text, or change the label where the KPI is written"),
])
def test_a_statement_written_out_of_its_documented_order_says_how_to_write_it(workdir, run_cli, source, help):
    Path("s.kpi").write_text(COMMON + source, encoding="utf-8")
    result = run_cli("check", "s.kpi")
    assert result.exit_code == 1, result.output
    assert "error[E100]" in result.stderr
    assert f"  = help: {help}" in result.stderr.splitlines(), result.stderr


@pytest.mark.parametrize(("declared", "name", "said", "help"), [
    # it read "'fixes' is a adjustments dataset", with a help about targets and the roster
    ("adjustments fixes { person person_id period period amount amount reason reason column person_id string "
     "column period string column amount money column reason string }", "fixes",
     "'fixes' is an adjustments dataset; measures read fact datasets",
     "an adjustments dataset is applied to the payout after it is computed; measures read fact datasets"),
    ("targets quotas { person person_id period period column person_id string column period string "
     "column calls integer }", "quotas", "'quotas' is a targets dataset; measures read fact datasets",
     "a targets dataset gives per-person targets in `target` lines (target >= quotas.calls)"),
    ("", "people", "'people' is the roster; measures read fact datasets",
     "read the roster through person.<attribute> (person.level), not in a measure"),
])
def test_a_measure_reading_a_dataset_that_is_not_facts_says_which_it_is(workdir, run_cli, declared, name, said, help):
    Path("s.kpi").write_text(COMMON + declared + "\n" + kpi(measure=f"count({name})"), encoding="utf-8")
    result = run_cli("check", "s.kpi")
    assert result.exit_code == 1, result.output
    assert f"error[E209]: {said}" in result.stderr, result.stderr
    assert f"  = help: {help}" in result.stderr.splitlines()
