"""The run table: rich lays out short tables; long ones are written by `plain_table` in the
same layout (rich takes about 0.2 ms a row, 12 s for ten thousand people)."""

from __future__ import annotations

import os

import pytest

import kpirules.report.run_output as run_output
from kpirules.cli.run import prepare
from kpirules.engine.evaluate import evaluate

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def sample_result():
    cwd = os.getcwd()
    os.chdir(ROOT)  # the sample project's kpirules.toml
    try:
        prepared = prepare((), None, None, None, "stop", None)
        return evaluate(prepared.scheme, prepared.con, prepared.periods, period_reason=prepared.period_reason)
    finally:
        os.chdir(cwd)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_plain_tables_are_laid_out_as_rich_lays_them_out(sample_result, lang, monkeypatch):
    by_rich = run_output.render_table(sample_result, lang=lang)
    monkeypatch.setattr(run_output, "PLAIN_TABLE_ROWS", 0)  # every table through plain_table
    by_plain = run_output.render_table(sample_result, lang=lang)
    assert by_plain == by_rich
    assert "P007" in by_plain and "─" in by_plain


def test_a_table_too_wide_for_the_width_is_left_to_rich():
    columns = [("person", "left"), ("score", "right")]
    rows = [["P1", "1" * 30]]
    assert run_output.plain_table("t", columns, rows, width=20) is None
    table = run_output.plain_table("t", columns, rows, width=80)
    # a 2-space edge, the cells padded to the widest (header "person" is 6), 3 spaces between
    assert table.splitlines()[2] == "  person   " + " " * 25 + "score  "
    assert table.splitlines()[4] == "  P1       " + "1" * 30 + "  "


def test_wide_characters_count_two_columns():
    table = run_output.plain_table("t", [("name", "left"), ("n", "right")], [["张三", "1"], ["Li", "22"]], width=80)
    lines = table.splitlines()
    assert lines[4] == "  张三   " + " 1  "
    assert lines[5] == "  Li     " + "22  "


def test_tabs_and_titles_wider_than_the_table_are_left_to_rich():
    # rich expands a tab after measuring the cell, and wraps a title wider than the table
    assert run_output.plain_table("t", [("name", "left")], [["a\tb"]], width=80) is None
    assert run_output.plain_table("a title wider than the table", [("n", "left")], [["1"]], width=80) is None


def test_money_never_shows_minus_zero():
    # Python's decimals keep the sign of a negative amount rounded to zero (-0.004 -> -0.00)
    from decimal import Decimal

    from kpirules.engine.results import Adjustment

    assert run_output._plain(Adjustment(Decimal("-0.00"), "r")) == {"amount": "0.00", "reason": "r", "approver": None}
    assert run_output.money_text(Decimal("-0.00")) == "0.00"
    assert run_output._money_shown(Decimal("-0.00")) == "0.00"
    assert run_output._plain(Adjustment(Decimal("-12.50"), "r"))["amount"] == "-12.50"


def test_numbers_for_the_eye_round_half_up_as_everywhere_else(sample_result):
    # P011's exact total in the sample's December 2026 is 58.125 and P040's calls attainment
    # 1.1125: rounded half-up (semantics.md §8), 58.13 and 111.3%; Python's round() would
    # show 58.12 and 111.2% (halves to even), unlike the HTML report
    from decimal import Decimal

    p011 = next(p for p in sample_result.people if p.person_id == "P011")
    p040 = next(p for p in sample_result.people if p.person_id == "P040")
    assert p011.total_score == Decimal("58.125")
    assert p040.kpis[0].attainment == Decimal("1.1125")
    table = run_output.render_table(sample_result)
    row = next(line for line in table.splitlines() if " P011 " in line)
    assert " 58.13 " in row
    row = next(line for line in table.splitlines() if " P040 " in line)
    assert "(111.3%)" in row


def test_the_total_payout_line_sums_without_rounding(sample_result):
    # two payouts of 28 digits before the point: their sum has 29 + 2 places, 31 digits; a
    # plain sum() rounds to Python's 28 digits (2.000000000000000000000000000E+28)
    import dataclasses
    from decimal import Decimal

    big = Decimal("9999999999999999999999999999.99")
    people = [p for p in sample_result.people if p.payout is not None][:2]
    rich = [dataclasses.replace(p, payout=dataclasses.replace(p.payout, total=big)) for p in people]
    result = dataclasses.replace(sample_result, people=rich)
    text = run_output.render_table(result, 200)
    # 9,999,999,999,999,999,999,999,999,999.99 x 2
    assert "total payout 19,999,999,999,999,999,999,999,999,999.98 CNY" in text


def test_a_rate_without_a_target_shows_as_a_percentage(sample_result):
    # a KPI without a target shows its value: a rate of 1/7 showed as "0.14"
    import dataclasses
    from decimal import Decimal

    kpi = sample_result.people[0].kpis[0]
    rate = dataclasses.replace(kpi, value=Decimal("0.142857"), value_type="percent", target=None, attainment=None,
                               score=None, status="ok")
    assert run_output._cell(rate) == "14.29%"
    assert run_output._cell(dataclasses.replace(rate, status="in_progress")) == "14.29% so far"
    count = dataclasses.replace(rate, value=Decimal("214"), value_type="number")
    assert run_output._cell(count) == "214"


def test_a_figure_never_rounds_onto_a_whole_number_it_is_not(sample_result):
    # a total of 84.99915 showed as "85.00" beside grade C (band B from 85): rounded half-up
    # to 2 places it is 85.00, past the edge it did not reach; 3 places (84.999) stay below.
    # An attainment of 0.9996 (99.96%) showed as "100.0%" beside a score below 100.
    import dataclasses
    from decimal import Decimal

    from kpirules.engine.numbers import for_eye

    assert for_eye(Decimal("84.99915"), 2) == Decimal("84.999")
    assert for_eye(Decimal("84.995"), 2) == Decimal("84.995")  # 84.99 would hide it rounded, 85.00 cross
    # nor down onto one it is above: 95.00007 showed as "95" beside grade A, whose band is (95, ∞)
    assert for_eye(Decimal("95.00007"), 2) == Decimal("95.0001")
    assert for_eye(Decimal("85.004"), 2) == Decimal("85.004")
    assert for_eye(Decimal("85.000"), 2) == Decimal("85.00")  # the whole number itself
    assert for_eye(Decimal("58.125"), 2) == Decimal("58.13")  # up, but not onto a whole number
    person = next(p for p in sample_result.people if p.person_id == "P011")
    kpi = dataclasses.replace(person.kpis[0], attainment=Decimal("0.9996"), score=Decimal("99.96"), status="ok")
    edge = dataclasses.replace(person, total_score=Decimal("84.99915"), kpis=[kpi, *person.kpis[1:]])
    table = run_output.render_table(dataclasses.replace(sample_result, people=[edge]), 300)
    row = next(line for line in table.splitlines() if " P011 " in line)
    assert " 84.999 " in row and " 85.00 " not in row
    assert "99.96 (99.96%)" in row


def test_a_table_written_to_a_file_or_a_pipe_is_as_wide_as_its_cells(sample_result):
    # the table was cut at 160 columns: KPI labels lost their ends and cells such as
    # "250000 so far" or "no data → 0" wrapped over two lines. Without a terminal's width
    # nothing wraps; with one, rich fits the table to it.
    import dataclasses

    long_label = "a KPI label long enough to make the table wider than any terminal"
    people = [dataclasses.replace(p, kpis=[dataclasses.replace(k, label=f"{long_label} {i}")
                                           for i, k in enumerate(p.kpis)])
              for p in sample_result.people if p.role == "telesales"]
    result = dataclasses.replace(sample_result, people=people)
    text = run_output.render_table(result)
    header = next(line for line in text.splitlines() if long_label in line)
    assert all(f"{long_label} {i}" in header for i in range(len(people[0].kpis)))
    assert len(header) > 300
    for p in people:  # one line per person: no cell wrapped onto a second
        assert sum(1 for line in text.splitlines() if f" {p.person_id} " in line) == 1
    narrow = run_output.render_table(result, 120)
    assert max(len(line) for line in narrow.splitlines()) <= 120
