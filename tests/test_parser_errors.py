"""Bad input reaching the front end: each gets one exact diagnostic, from the library and the CLI.

Every case edits a copy of the reference rulesets the way a person (or a broken editor,
a truncated upload, a Chinese input method) would, then checks the diagnostic's code,
message, line, column and help through `load_scheme`, and the same through
`kpirules check`: exit code 1, `path:line:col: error[CODE]: message`, the source line
with a caret under the span, the help line, the summary, and no traceback.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

import pytest

from kpirules.errors import ConfigError, SchemeError
from kpirules.lang.parser import parse_file, parse_text
from kpirules.model import load_scheme

TELESALES = "rulesets/telesales.kpi"
COMMON = "rulesets/common.kpi"
SLIP_TARGET = "a target says which way is better: target >= 200 (higher is better) or target <= 200 (lower is better)"


@dataclass
class Expected:
    code: str
    message: str
    line: int
    column: int
    help: str
    caret: str | None  # the caret line under the source line; None when no source is shown


def assert_diagnosed(run_cli, path: str, want: Expected) -> None:
    """The library and the CLI both report exactly `want` for the file at `path`."""
    with pytest.raises(SchemeError) as info:
        load_scheme([path])
    [diagnostic] = info.value.diagnostics
    loc = diagnostic.location
    assert (diagnostic.code, diagnostic.message) == (want.code, want.message)
    assert (loc.path, loc.line, loc.column) == (path, want.line, want.column)
    assert diagnostic.help == want.help

    result = run_cli("check", path)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.stdout == ""
    expected = [f"{path}:{want.line}:{want.column}: error[{want.code}]: {want.message}"]
    got = result.stderr.split("\n")
    if want.caret is not None:
        source = Path(path).read_bytes().decode("utf-8", errors="replace").lstrip("\ufeff")
        source_line = source.splitlines()[want.line - 1].replace("\t", " ")
        pad = " " * len(str(want.line))
        if len(source_line) > 300:
            # a long line is shown around the place (diagnostics.source_excerpt): its window
            shown = got[2].removeprefix(f"{want.line} | ")
            assert "…" in shown and shown.strip("…") in source_line, got[2]
            # the caret under the same character of the window as of the line
            start = len(want.caret) - len(want.caret.lstrip(" "))
            # the window starts 100 characters before the place, after the `…` that marks the cut
            left = max(0, want.column - 1 - 100) - (1 if shown.startswith("…") else 0)
            assert source_line[max(0, want.column - 1 - 100):].startswith(shown.strip("…"))
            source_line, want = shown, replace(want, caret=" " * (start - left) + want.caret.lstrip(" "))
        expected += [f"{pad} |", f"{want.line} | {source_line}", f"{pad} | {want.caret}"]
    expected += [f"  = help: {want.help}", "", "Found 1 error in 1 file.", ""]
    assert got == expected


def write(path: str, text: str) -> None:
    Path(path).write_text(text, encoding="utf-8")


def telesales() -> str:
    return Path(TELESALES).read_text(encoding="utf-8")


def replaced(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


# ---------------------------------------------------------------- structure


def test_truncated_in_the_middle_of_a_role(ruleset_copy, run_cli):
    text = telesales()
    write(TELESALES, text[: text.index("    score linear floor 60%")])  # cut after `weight 30%`
    # the KPI's statements are whole, so only braces are missing: the innermost open block
    # is named (line 9, `kpi outbound_calls "每月外呼量" {`: five wide characters, two columns each)
    assert_diagnosed(run_cli, TELESALES, Expected(
        "E113", "the file ends before this '{' is closed", 9, 30,
        "add the missing '}' (a truncated file or a missing brace)",
        " " * 34 + "^",
    ))


def test_truncated_in_the_middle_of_a_word(ruleset_copy, run_cli):
    # the cut leaves `descri` at the end: the cause is the cut, not a misspelt keyword
    text = telesales()
    write(TELESALES, text[: text.index('description "Leads converted') + len("descri")])
    # line 20 is `kpi lead_conversion "线索转化率" {`, the innermost block left open
    assert_diagnosed(run_cli, TELESALES, Expected(
        "E113", "the file ends before this '{' is closed", 20, 31,
        "add the missing '}' (a truncated file or a missing brace)",
        " " * 35 + "^",
    ))


def test_truncated_in_the_middle_of_a_statement(ruleset_copy, run_cli):
    # cut after `target >=`: the statement is unfinished, so adding a '}' (E113's help) would
    # only lead to E112; E114 says to finish it, then close the block opened on line 9
    text = telesales()
    write(TELESALES, text[: text.index("target >=") + len("target >=")])
    with pytest.raises(SchemeError) as info:
        load_scheme([TELESALES])
    [diagnostic] = info.value.diagnostics
    assert diagnostic.code == "E114"
    assert diagnostic.message.startswith("the file ends in the middle of a statement; expected ")
    assert diagnostic.help == "the file may be truncated: finish the statement, then close the '{' opened on line 9"
    assert (diagnostic.location.line, diagnostic.location.column) == (13, 14)  # `    target >=` ends at 13


def test_missing_closing_brace_of_a_kpi(ruleset_copy, run_cli):
    write(TELESALES, replaced(telesales(), "    serves new_customers\n  }\n", "    serves new_customers\n"))
    assert_diagnosed(run_cli, TELESALES, Expected(
        "E100",
        "unexpected 'kpi'; expected 'description', 'measure', 'no_data', 'outcome', 'period', "
        "'process', 'scope', 'score', 'serves', 'target', 'unit', 'weight', ',', '}'",
        19, 3,
        # line 9 is `kpi outbound_calls "每月外呼量" {`
        "is a '}' missing before this line? the '{' at line 9 is still open",
        "  ^^^",
    ))


def test_missing_closing_brace_at_the_end(ruleset_copy, run_cli):
    write(TELESALES, telesales().rstrip()[:-1])
    assert_diagnosed(run_cli, TELESALES, Expected(
        "E113", "the file ends before this '{' is closed", 66, 32,
        "add the missing '}' (a truncated file or a missing brace)",
        # `role senior_telesales "资深电话销售" {`: six wide characters take two columns each
        " " * 37 + "^",
    ))


# ---------------------------------------------------------------- words and literals


def test_misspelt_keyword_after_a_line_ending_in_a_number(ruleset_copy, run_cli):
    # `... < 3` then `wieght 30%`: the word must not be read as the currency of `3`
    write(TELESALES, replaced(telesales(), "weight 30%\n    score linear floor 60%", "wieght 30%\n    score linear floor 60%"))
    assert_diagnosed(run_cli, TELESALES, Expected(
        "E100",
        "unexpected 'wieght'; expected 'and', 'description', 'measure', 'no_data', 'or', 'outcome', "
        "'period', 'process', 'scope', 'score', 'serves', 'target', 'unit', 'weight' or 5 more",
        15, 5, "did you mean 'weight'?", "    ^^^^^^",
    ))


def test_misspelt_keyword_after_a_number_on_the_same_line(ruleset_copy, run_cli):
    # `target >= 200 wieght 30%`: `wieght` cannot be a currency code and is close to a keyword,
    # so it is reported where it is written, as on a line of its own, not as the currency of 200
    write(TELESALES, replaced(telesales(), "target >= 200\n    target >= 150", "target >= 200 wieght 30%\n    target >= 150"))
    assert_diagnosed(run_cli, TELESALES, Expected(
        "E100",
        "unexpected 'wieght'; expected 'and', 'between', 'description', 'in', 'measure', 'no_data', "
        "'not', 'or', 'outcome', 'period', 'process', 'scope', 'score', 'serves' or 15 more",
        13, 19, "did you mean 'weight'?", " " * 18 + "^^^^^^",
    ))


def test_a_word_after_a_number_that_is_no_keyword_is_read_as_its_currency(ruleset_copy, run_cli):
    write(TELESALES, replaced(telesales(), "target >= 200\n", "target >= 200 usd\n"))
    assert_diagnosed(run_cli, TELESALES, Expected(
        # USD in capitals would still be refused (E303) in this CNY scheme: the general help
        "E305", "'usd' is not a currency code", 13, 15,
        "write an ISO 4217 code after the amount, e.g. 500000 CNY or 50万 CNY", " " * 14 + "^^^^^^^",
    ))


def test_misspelt_keyword_after_a_percentage(ruleset_copy, run_cli):
    write(TELESALES, replaced(telesales(), "weight 40%", "wieght 40%"))
    assert_diagnosed(run_cli, TELESALES, Expected(
        "E100",
        "unexpected 'wieght'; expected 'and', 'between', 'description', 'in', 'measure', 'no_data', "
        "'not', 'or', 'outcome', 'period', 'process', 'scope', 'score', 'serves' or 15 more",
        25, 5, "did you mean 'weight'?", "    ^^^^^^",
    ))


def test_keyword_on_the_line_after_a_number_is_not_a_currency(ruleset_copy, run_cli):
    # a missing '}' after `target >= 2` used to read `kpi` as the currency of 2
    path = "rulesets/key_account_manager.kpi"
    text = Path(path).read_text(encoding="utf-8")
    write(path, replaced(text, "    serves revenue\n  }\n", "    serves revenue\n    target >= 2\n"))
    with pytest.raises(SchemeError) as info:
        load_scheme([path])
    [d] = info.value.diagnostics
    assert (d.code, d.location.line, d.location.column) == ("E100", 37, 3)
    assert d.message.startswith("unexpected 'kpi'; expected ")
    # line 25 is `kpi contract_amount "合同金额" {`, now never closed
    assert d.help == "is a '}' missing before this line? the '{' at line 25 is still open"


def test_money_on_one_line_still_parses():
    file = parse_text('role r { payout { cap 80000 CNY\n target_incentive 3000CNY } }')
    cap, incentive = file.items[0].body[0].body
    assert (cap.value.text, cap.value.currency) == ("80000 CNY", "CNY")
    assert (incentive.value.text, incentive.value.currency) == ("3000 CNY", "CNY")


def test_percentage_without_a_number(ruleset_copy, run_cli):
    write(TELESALES, replaced(telesales(), "weight 30%\n    score linear floor 60%", "weight %\n    score linear floor 60%"))
    assert_diagnosed(run_cli, TELESALES, Expected(
        "E115", "a percentage needs a number before '%'", 15, 12,
        "write the number and the sign together, e.g. 30%", "           ^",
    ))


def test_a_percentage_as_the_fiscal_year_start_says_what_the_month_takes(ruleset_copy, run_cli):
    # the number is there: "needs a number before '%'" (E115) said otherwise (language.md §3)
    common = Path(COMMON).read_text(encoding="utf-8")
    write(COMMON, replaced(common, "  period month\n", "  period month\n  fiscal_year_start 4%\n"))
    assert_diagnosed(run_cli, COMMON, Expected(
        "E118", "fiscal_year_start takes a month name or its number, 1 to 12, not a percentage", 9, 21,
        "write fiscal_year_start april or fiscal_year_start 4", " " * 20 + "^^",
    ))


def test_tab_inside_a_number(ruleset_copy, run_cli):
    write(TELESALES, replaced(telesales(), "target >= 200", "target >= 2\t00"))
    assert_diagnosed(run_cli, TELESALES, Expected(
        "E111", "a number cannot contain spaces or tabs", 13, 17,
        "write the number without the gap: 200 or 2_00", "                ^^",
    ))


def test_non_breaking_space_inside_a_number(ruleset_copy, run_cli):
    write(TELESALES, replaced(telesales(), "target >= 200", "target >= 2\u00a000"))
    assert_diagnosed(run_cli, TELESALES, Expected(
        "E116", "invisible character NO-BREAK SPACE (U+00A0) is not allowed here", 13, 16,
        "a number cannot contain spaces; remove it", "               ^",
    ))


def test_ideographic_space_between_words(ruleset_copy, run_cli):
    write(TELESALES, replaced(telesales(), "    weight 40%", "    weight\u300040%"))
    assert_diagnosed(run_cli, TELESALES, Expected(
        "E116", "invisible character IDEOGRAPHIC SPACE (U+3000) is not allowed here", 25, 11,
        "replace it with an ordinary space", "          ^^",
    ))


def test_ideographic_space_after_a_number(ruleset_copy, run_cli):
    # after the number, not inside it: it said "a number cannot contain spaces"
    write(TELESALES, replaced(telesales(), "    target >= 200\n", "    target >= 200\u3000\n"))
    assert_diagnosed(run_cli, TELESALES, Expected(
        "E116", "invisible character IDEOGRAPHIC SPACE (U+3000) is not allowed here", 13, 18,
        "replace it with an ordinary space", "                 ^^",
    ))


def test_unclosed_string(ruleset_copy, run_cli):
    write(TELESALES, replaced(telesales(), 'months."\n', "months.\n"))
    assert_diagnosed(run_cli, TELESALES, Expected(
        "E117", "this quoted text is never closed", 10, 17,
        "add the closing quote on the same line", "                ^",
    ))


def test_invalid_date(ruleset_copy, run_cli):
    path = Path(COMMON)
    path.write_text(replaced(path.read_text(encoding="utf-8"), "to 2026-12-31", "to 2026-02-30"), encoding="utf-8")
    assert_diagnosed(run_cli, COMMON, Expected(
        "E110", "2026-02-30 is not a calendar date", 12, 27,
        "write a real date as YYYY-MM-DD", " " * 26 + "^" * 10,
    ))


EXPONENT = ("numbers in a .kpi file are written without an exponent (e or E)",
            "write the number in full: 1000 for 1e3, 0.001 for 1e-3 (or with 万 and 亿: 5万 for 5e4)")


@pytest.mark.parametrize(("written", "caret"), [
    ("2e2", "^^^"),            # read as the amount 2 in the currency e2: was "'e2' is not a currency code"
    ("2.5E+2", "^^^^"),        # 2.5 in the currency E, then + 2: the number and its E
    ("2e2 CNY", "^^^"),        # a syntax error at CNY, caused by the exponent
    ("200 + 1e1", "^^^"),
])
def test_a_number_with_an_exponent_is_named_as_such(ruleset_copy, run_cli, written, caret):
    write(TELESALES, replaced(telesales(), "    target >= 200\n", f"    target >= {written}\n"))
    # the caret starts at the number with the exponent: the first, or 1e1 after `200 + `
    column = len("    target >= ") + 1 + (written.index("1e1") if "1e1" in written else 0)
    assert_diagnosed(run_cli, TELESALES, Expected("E110", EXPONENT[0], 13, column, EXPONENT[1], " " * (column - 1) + caret))


def test_fmt_leaves_a_number_with_an_exponent_as_written(ruleset_copy, run_cli):
    # it was rewritten `2 e2` (a number and a currency), and so changed
    write(TELESALES, replaced(telesales(), "    target >= 200\n", "    target >= 2e2\n"))
    before = Path(TELESALES).read_bytes()
    result = run_cli("fmt", TELESALES)
    assert result.exit_code == 1 and "error[E110]" in result.stderr
    assert Path(TELESALES).read_bytes() == before


def test_a_stray_brace_has_a_help_line(ruleset_copy, run_cli):
    # every error has a help line (README); this one had none
    write(TELESALES, replaced(telesales(), "    process main\n", "    process main\n    {\n"))
    result = run_cli("check", TELESALES)
    assert result.exit_code == 1
    assert "error[E100]: unexpected '{'" in result.stderr
    assert "  = help: remove it, or complete the statement before it" in result.stderr


def test_a_control_character_is_named_and_shown_visibly(ruleset_copy, run_cli):
    # a NUL printed raw is invisible (or, as an escape, acts on the terminal)
    write(TELESALES, replaced(telesales(), "    process main\n", "    process main\x00\n"))
    result = run_cli("check", TELESALES)
    assert result.exit_code == 1
    assert "error[E118]: unexpected character U+0000 (a control character)" in result.stderr
    assert "\x00" not in result.stderr
    assert "    process main\u2400" in result.stderr
    result = run_cli("lint", "--no-cache", "--output-format", "concise", TELESALES)
    assert "unexpected character U+0000 (a control character)" in result.output and "\x00" not in result.output


# ---------------------------------------------------------------- nesting

DEEP_HELP = (
    "each operator, parenthesis and function call is a level (a + b + c nests two); "
    "write the expression more simply"
)


def test_a_sum_of_many_terms_is_refused_at_the_operator_past_the_limit(ruleset_copy, run_cli):
    # 500 terms were a RecursionError (an internal error) in check, fmt and run
    terms = " + ".join(["count(calls)"] * 500)
    write(TELESALES, replaced(telesales(), "    measure count(calls)\n", f"    measure {terms}\n"))
    # count(calls) is a level, each `+` one more: the 100th `+` opens the 101st
    column = len("    measure ") + 100 * len("count(calls) + ") - 1
    assert_diagnosed(run_cli, TELESALES, Expected(
        "E119", "expression nested too deeply: at most 100 levels", 12, column, DEEP_HELP, " " * (column - 1) + "^",
    ))


def test_parentheses_nested_thousands_deep_are_refused(ruleset_copy, run_cli):
    write(TELESALES, replaced(telesales(), "    measure count(calls)\n", f"    measure {'(' * 3000}count(calls){')' * 3000}\n"))
    # levels count from the inside: count(calls) is 1, the 100th `(` around it the 101st
    column = len("    measure ") + 3000 - 100 + 1
    assert_diagnosed(run_cli, TELESALES, Expected(
        "E119", "expression nested too deeply: at most 100 levels", 12, column, DEEP_HELP, " " * (column - 1) + "^",
    ))


@pytest.mark.parametrize(("pairs", "nth"), [(100, None), (101, 1), (102, 2), (150, 50)])
def test_the_caret_is_at_the_parenthesis_opening_the_101st_level_from_the_inside(pairs, nth):
    # docs/language.md 13.3: a number is no level, each pair of parentheses one, counted from
    # the inside; of 150 pairs the 50th `(` from the left opens the 101st (150 - 101 + 1 = 50)
    text = f"role r {{\n  kpi k {{\n    target >= {'(' * pairs}1{')' * pairs}\n  }}\n}}\n"
    if nth is None:
        parse_text(text, "m.kpi")
        return
    with pytest.raises(SchemeError) as raised:
        parse_text(text, "m.kpi")
    (diagnostic,) = raised.value.diagnostics
    assert diagnostic.code == "E119"
    assert (diagnostic.location.line, diagnostic.location.column) == (3, len("    target >= ") + nth)


@pytest.mark.parametrize("command", [("fmt", "--check"), ("fmt",), ("lint", "--no-cache")])
def test_fmt_and_lint_report_an_expression_nested_too_deeply(ruleset_copy, run_cli, command):
    write(TELESALES, replaced(telesales(), "    measure count(calls)\n", f"    measure {'(' * 3000}count(calls){')' * 3000}\n"))
    before = telesales()
    result = run_cli(*command, TELESALES)
    assert result.exit_code == 1, result.output
    assert f"{TELESALES}:12:2913: " in result.output and "E119" in result.output
    assert "expression nested too deeply: at most 100 levels" in result.output
    assert "internal error" not in result.output and "Traceback" not in result.output
    assert telesales() == before


# ---------------------------------------------------------------- encodings and sizes


def test_gbk_file_is_refused_with_a_hint(ruleset_copy, run_cli):
    Path(TELESALES).write_bytes(telesales().encode("gbk"))
    # line 4 is `role telesales "电话销售" {`: the first byte that is not UTF-8 follows the quote
    assert_diagnosed(run_cli, TELESALES, Expected(
        "E101", "file is not valid UTF-8 (byte 0xb5 cannot be decoded)", 4, 17,
        "the file looks like GBK/GB18030 (a Chinese Windows encoding); re-save it as UTF-8",
        "                ^",
    ))


def test_utf16_file_is_refused_with_a_hint(ruleset_copy):
    Path(TELESALES).write_bytes(telesales().encode("utf-16"))
    with pytest.raises(SchemeError) as info:
        parse_file(TELESALES)
    [d] = info.value.diagnostics
    assert (d.code, d.location.line, d.location.column) == ("E101", 1, 1)
    assert d.message == "file is not valid UTF-8 (byte 0xff cannot be decoded)"
    assert d.help == "the file is UTF-16; re-save it as UTF-8"


def test_byte_order_mark_is_accepted(ruleset_copy, run_cli):
    plain = load_scheme(["rulesets"])
    for path in ruleset_copy.glob("*.kpi"):
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert load_scheme(["rulesets"]) == plain
    result = run_cli("check", "rulesets")
    assert result.exit_code == 0, result.output
    assert result.stdout == "ok: 5 files, 5 roles, 20 KPIs, no problems\n"


FULL_WIDTH = [
    # (ASCII as written in telesales.kpi, what a Chinese input method produces); each pair
    # has the same number of characters, so every span stays where it was
    ("target >= 15%", "target >= 15％"),
    ("weight 40%", "weight 40％"),
    ('role telesales "电话销售" {', "role telesales “电话销售” {"),
    ('kpi lead_conversion "线索转化率" {', "kpi lead_conversion “线索转化率” {"),
    ("[0%, 80%): 0", "［0％， 80％）： 0"),
    ("serves new_customers, revenue", "serves new_customers， revenue"),
    ("(total_score - 100) / 100\n    }\n    cap factor 2.0\n    gate collection_rate.attainment >= 80% else cap factor 0.5\n  }\n}\n\n#",
     "（total_score - 100） / 100\n    }\n    cap factor 2.0\n    gate collection_rate.attainment >= 80% else cap factor 0.5\n  }\n}\n\n#"),
    ("payout {\n    target_incentive 3000 CNY", "payout ｛\n    target_incentive 3000 CNY"),
]


def test_full_width_punctuation_reads_as_ascii(ruleset_copy, run_cli):
    ascii_scheme = load_scheme(["rulesets"])
    text = telesales()
    for ascii_text, full_width in FULL_WIDTH:
        text = replaced(text, ascii_text, full_width)
    write(TELESALES, text)
    full_width_scheme = load_scheme(["rulesets"])
    assert full_width_scheme == ascii_scheme
    # the literal text (used to print the scheme back) is the ASCII form too
    target = full_width_scheme.roles["telesales"].kpi("lead_conversion").targets[0].value
    assert (target.text, target.value) == ("15%", ascii_scheme.roles["telesales"].kpi("lead_conversion").targets[0].value.value)
    assert run_cli("check", "rulesets").exit_code == 0


def test_full_width_quotes_keep_their_text():
    file = parse_text('scheme s { description “他说\"好\"” owner "a@b" }')
    description, owner = file.items[0].body
    assert description.value.value == '他说"好"'
    assert description.value.text == '"他说\\"好\\""'
    assert owner.value.text == '"a@b"'


def test_empty_file(ruleset_copy, run_cli):
    write(TELESALES, "")
    assert_diagnosed(run_cli, TELESALES, Expected(
        "E102", "file is empty", 1, 1,
        "a .kpi file declares a scheme, datasets, grade bands or roles; delete it or add one", None,
    ))


def test_whitespace_only_file(ruleset_copy, run_cli):
    write(TELESALES, "  \n\t\n\n")
    assert_diagnosed(run_cli, TELESALES, Expected(
        "E102", "file contains only whitespace", 1, 1,
        "a .kpi file declares a scheme, datasets, grade bands or roles; delete it or add one", "^",
    ))


def test_five_megabyte_file_is_refused(ruleset_copy, run_cli):
    # 5 MiB of valid comments: refused on its size alone, before it is parsed
    Path(TELESALES).write_bytes(b"# padding\n" * (5 * 1024 * 1024 // 10))
    assert_diagnosed(run_cli, TELESALES, Expected(
        "E103", "file is too large: 5,242,880 bytes; a .kpi file may be at most 2,097,152 bytes (2 MiB)", 1, 1,
        "a .kpi file holds a scheme, not data: bind data files in kpirules.toml instead", "^",
    ))


# ---------------------------------------------------------------- paths


def test_directory_imported_as_a_file(ruleset_copy, run_cli):
    (ruleset_copy / "roles").mkdir()
    write(TELESALES, replaced(telesales(), 'import "common.kpi"', 'import "roles"\nimport "common.kpi"'))
    assert_diagnosed(run_cli, TELESALES, Expected(
        "E104", "imported path is a directory, not a .kpi file: roles", 1, 1,
        "import one .kpi file; name each file to import", "^" * len('import "roles"'),
    ))


def test_directory_given_to_parse_file(ruleset_copy):
    with pytest.raises(SchemeError) as info:
        parse_file("rulesets")
    [d] = info.value.diagnostics
    assert (d.code, d.message, str(d.location)) == ("E104", "is a directory, not a .kpi file", "rulesets:1:1")


def test_directory_without_kpi_files(workdir, run_cli):
    (workdir / "empty").mkdir()
    with pytest.raises(ConfigError) as info:
        load_scheme(["empty"])
    assert info.value.diagnostics[0].code == "E002"
    result = run_cli("check", "empty")
    assert result.exit_code == 2
    assert result.stderr == (
        "error[E002]: no .kpi files found in empty\n"
        "  = help: name .kpi files or a directory that contains them\n"
    )


def test_missing_path(workdir, run_cli):
    with pytest.raises(ConfigError) as info:
        load_scheme(["nowhere/telesales.kpi"])
    assert info.value.exit_code == 2
    result = run_cli("check", "nowhere/telesales.kpi")
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert result.stderr == (
        "error[E001]: no such file or directory: nowhere/telesales.kpi\n"
        "  = help: check the path\n"
    )


def test_missing_file_given_to_parse_file(workdir):
    with pytest.raises(SchemeError) as info:
        parse_file("gone.kpi")
    [d] = info.value.diagnostics
    assert (d.code, d.message, d.help, str(d.location)) == ("E105", "file not found", "check the path", "gone.kpi:1:1")


def test_errors_in_several_files_are_all_reported(ruleset_copy, run_cli):
    # syntax errors stop at the first per file, but every file is read
    write(TELESALES, replaced(telesales(), "weight 40%", "weight %"))
    write("rulesets/sales_manager.kpi", "")
    result = run_cli("check", "rulesets")
    assert result.exit_code == 1
    heads = [line for line in result.stderr.splitlines() if ": error[" in line]
    assert heads == [
        "rulesets/sales_manager.kpi:1:1: error[E102]: file is empty",
        "rulesets/telesales.kpi:25:12: error[E115]: a percentage needs a number before '%'",
    ]
    assert result.stderr.endswith("Found 2 errors in 2 files.\n")


def test_unknown_escape_in_a_quoted_text(ruleset_copy, run_cli):
    # docs/language.md §2.7 lists \" \\ \n \t; "\q" silently became "q" (and "\u0041" "u0041")
    write(TELESALES, replaced(telesales(), 'role telesales "电话销售" {', 'role telesales "电话\\q销售" {'))
    assert_diagnosed(run_cli, TELESALES, Expected(
        "E110", "unknown escape \\q in a quoted text", 4, 16,
        'the escapes are \\" \\\\ \\n \\t; write \\\\ for a backslash', " " * 15 + "^" * 12,  # CJK: two columns each
    ))


# ------------------------------------------------- characters a Chinese input method types


def _only_diagnostic(path: str):
    with pytest.raises(SchemeError) as info:
        load_scheme([path])
    [diagnostic] = info.value.diagnostics
    return diagnostic


def test_full_width_digits_are_named_with_the_ascii_to_write(ruleset_copy, run_cli):
    # the help said "remove it or check the line for a typo": removing ２００ leaves the target
    # without a number; the caret covers the whole run (two columns a character)
    write(TELESALES, replaced(telesales(), "target >= 200\n", "target >= ２００\n"))
    d = _only_diagnostic(TELESALES)
    assert (d.code, d.location.line, d.location.column) == ("E118", 13, 15)
    assert d.message.startswith("unexpected character '２' (FULLWIDTH DIGIT TWO); expected a date (YYYY-MM-DD), "
                                "a duration such as 30d, a name, a number, a percentage")
    assert d.help == "write '200' for '２００': digits and operators are written in ASCII"
    result = run_cli("check", TELESALES)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "13 |     target >= ２００\n   |               ^^^^^^\n" in result.stderr


def test_an_ideographic_comma_in_a_list_expects_what_can_really_come_there(ruleset_copy, run_cli):
    # Lark's lexer listed every keyword the shared LALR state allows ('applies_to', 'currency',
    # 'fiscal_year_start', ... or 49 more) and not the ',' that belongs there
    write(TELESALES, replaced(telesales(), 'applies_to person.role == "telesales"',
                              'applies_to person.role in ["telesales"、"tele"]'))
    d = _only_diagnostic(TELESALES)
    assert (d.code, d.location.line, d.location.column) == ("E118", 6, 41)
    assert "','" in d.message and "currency" not in d.message and "fiscal_year_start" not in d.message
    assert d.help == "write ',' for '、': digits and operators are written in ASCII"


@pytest.mark.parametrize(("written", "ascii_text"), [("＝＝", "=="), ("＞", ">"), ("＋", "+")])
def test_full_width_operators_are_named_with_the_ascii_to_write(ruleset_copy, run_cli, written, ascii_text):
    text = replaced(telesales(), "target >= 150 when person.tenure_months < 3",
                    f"target >= 150 when person.tenure_months {written} 3")
    if ascii_text == "+":
        text = replaced(text, "target >= 200\n", "target >= 100 ＋ 100\n")
    write(TELESALES, text)
    d = _only_diagnostic(TELESALES)
    assert d.code == "E118"
    assert d.help == f"write '{ascii_text}' for '{written}': digits and operators are written in ASCII"


def test_a_full_width_semicolon_is_to_be_removed(ruleset_copy, run_cli):
    # its ASCII twin is no better: statements need nothing between them
    write(TELESALES, replaced(telesales(), "    weight 40%", "    weight 40%；"))
    d = _only_diagnostic(TELESALES)
    assert (d.code, d.help) == ("E118", "remove it: statements are separated by spaces or new lines, not ';'")


# ------------------------------------------------------ line breaks other than LF and CRLF


def test_a_carriage_return_alone_is_refused_not_read_as_part_of_a_comment(ruleset_copy, run_cli):
    # an editor shows two lines; the comment ran on to the real end of the line and swallowed
    # the new hires' target, and check said ok
    write(TELESALES, replaced(telesales(), "    target >= 200\n",
                              "    target >= 200  # ramp-up below\r"))
    d = _only_diagnostic(TELESALES)
    assert (d.code, d.location.line, d.location.column) == ("E116", 13, 35)
    assert d.message == "invisible character CARRIAGE RETURN (U+000D) is not allowed here"
    assert d.help == ("lines end with LF or CRLF only: save the file with LF (or CRLF) line endings; "
                      "an editor shows a line break here that kpirules would not see")
    result = run_cli("check", TELESALES)
    assert result.exit_code == 1 and "Traceback" not in result.output
    # the line as kpirules reads it, the carriage return shown as a space (a terminal would
    # return to the start of the line), the caret under it
    assert result.stderr.splitlines()[2:4] == [
        "13 |     target >= 200  # ramp-up below     target >= 150 when person.tenure_months < 3",
        "   |                                   ^",
    ]


@pytest.mark.parametrize(("char", "name"), [("\u2028", "LINE SEPARATOR"), ("\u2029", "PARAGRAPH SEPARATOR"),
                                             ("\x85", "NEXT LINE")])
def test_other_line_breaks_are_refused_even_in_a_comment(ruleset_copy, char, name):
    write(TELESALES, replaced(telesales(), "# Telesales: activity", f"# Telesales:{char} activity"))
    d = _only_diagnostic(TELESALES)
    assert (d.code, d.location.line, d.location.column) == ("E116", 3, 13)
    assert d.message == f"invisible character {name} (U+{ord(char):04X}) is not allowed here"


def test_a_file_of_carriage_returns_alone_shows_only_its_first_line(ruleset_copy, run_cli):
    write(TELESALES, telesales().replace("\n", "\r"))
    result = run_cli("check", TELESALES)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[:4] == [
        f"{TELESALES}:1:20: error[E116]: invisible character CARRIAGE RETURN (U+000D) is not allowed here",
        "  |", '1 | import "common.kpi" ', "  |                    ^",
    ]


def test_crlf_line_endings_still_parse(ruleset_copy):
    write(TELESALES, telesales().replace("\n", "\r\n"))
    assert "telesales" in load_scheme(["rulesets"]).roles


def test_a_very_long_line_is_shown_around_the_place(ruleset_copy, run_cli):
    # an unclosed quote after a 1.5 MB description printed the whole line (3 MB of stderr)
    write(TELESALES, replaced(telesales(), '  description "Inside sales reps', '  description "' + "x" * 5000 + ' reps'))
    text = telesales().replace('qualify and convert inbound and outbound leads by phone."', "qualify")
    write(TELESALES, text)
    result = run_cli("check", TELESALES)
    assert result.exit_code == 1
    assert "error[E117]: this quoted text is never closed" in result.stderr
    assert len(result.stderr) < 1000
    shown = next(line for line in result.stderr.splitlines() if line.startswith("5 | "))
    assert shown.endswith("…") and shown.startswith('5 |   description "xxx')


# ------------------------------------------- habits from spreadsheets, SQL and programming


@pytest.mark.parametrize("old, new, column, help_text", [
    # telesales.kpi line 23: `    measure count(leads where status == "converted" on converted_at) / ...`
    ('status == "converted"', 'status = "converted"', 38, "write '==' to compare: a single '=' is not an operator here"),
    ('status == "converted"', "status == 'converted'", 41, 'write a text in double quotes: "converted"'),
    ('status == "converted"', '!(status == "converted")', 31, "write 'not' for '!'"),
    ('status == "converted"', 'status == "converted" || status == "won"', 53, "write 'or' for '||'"),
    ('status == "converted"', 'status == "converted" && status == "won"', 53, "write 'and' for '&&'"),
])
def test_an_operator_of_another_language_says_what_to_write(ruleset_copy, old, new, column, help_text):
    write(TELESALES, replaced(telesales(), old, new))
    d = _only_diagnostic(TELESALES)
    assert (d.code, d.location.line, d.location.column, d.help) == ("E118", 23, column, help_text)


@pytest.mark.parametrize("old, new, line, column, help_text", [
    ("target >= 200\n", "target = 200\n", 13, 12, SLIP_TARGET),
    ("target >= 200\n", "target == 200\n", 13, 12, SLIP_TARGET),
    ("target >= 200\n", "target => 200\n", 13, 12, SLIP_TARGET),
    ("    weight 30%\n    score linear", "    weight = 30%\n    score linear", 15, 12,
     "remove it: a statement's value follows its keyword without '=' (weight 30%, not weight = 30%)"),
    ("where score >= 4)", "where score => 4)", 48, 39, "write '>=' for '=>'"),
    ("    weight 30%\n    score linear", "    weight 30%;\n    score linear", 15, 15,
     "remove it: statements are separated by spaces or new lines, not ';'"),
    ("target_incentive 3000 CNY", "target_incentive $3000", 54, 22, "write the currency code after the amount: 3000 USD"),
    ("target_incentive 3000 CNY", "target_incentive ￥3000", 54, 22, "write the currency code after the amount: 3000 CNY"),
])
def test_a_slip_says_what_to_write_instead(ruleset_copy, old, new, line, column, help_text):
    write(TELESALES, replaced(telesales(), old, new))
    d = _only_diagnostic(TELESALES)
    assert (d.location.line, d.location.column, d.help) == (line, column, help_text)


def test_a_slip_is_shown_in_full_by_check(ruleset_copy, run_cli):
    write(TELESALES, replaced(telesales(), 'status == "converted"', "status == 'converted'"))
    assert_diagnosed(run_cli, TELESALES, Expected(
        "E118",
        "unexpected character '''; expected a date (YYYY-MM-DD), a duration such as 30d, a name, a number, "
        "a percentage, a quoted text (\"...\"), 'abs', 'avg', 'clamp', 'count', 'count_distinct', "
        "'days_between', 'false', 'first_time' or 8 more",
        23, 41, 'write a text in double quotes: "converted"', " " * 40 + "^",
    ))


@pytest.mark.parametrize("old, new, line, word, closed, opened", [
    # a '}' before `serves new_customers` closes the KPI of line 9 early: `serves` is then
    # read at the role's level
    ("    weight 30%\n    score linear floor 60% cap 120%\n    serves new_customers\n",
     "    weight 30%\n    score linear floor 60% cap 120%\n  }\n    serves new_customers\n", 18, "serves", 17, 9),
    # a '}' too many after the KPI of line 9 closes the role of line 4: `kpi` is then read at
    # the file's level
    ("    serves new_customers\n  }\n", "    serves new_customers\n  }\n  }\n", 21, "kpi", 19, 4),
])
def test_a_brace_too_many_is_named_with_the_block_it_closes(ruleset_copy, old, new, line, word, closed, opened):
    write(TELESALES, replaced(telesales(), old, new))
    d = _only_diagnostic(TELESALES)
    assert (d.code, d.location.line, d.message.split(";")[0]) == ("E100", line, f"unexpected '{word}'")
    assert d.help == (f"is the '}}' on line {closed} one too many? It closes the '{{' on line {opened}, "
                      f"and '{word}' may belong before it")


@pytest.mark.parametrize("old, new, line, word, help_text", [
    ("target >= 200\n", "target >= 2千\n", 13, "千", "write the whole number, 2000: of the multipliers only 万 and 亿 are read"),
    ("target >= 200\n", "target >= 30天\n", 13, "天", "write a number of days as a duration: 30d"),
    ("target >= 200\n", "target >= 200次\n", 13, "次", "write the number alone: 200"),
    ("target_incentive 3000 CNY", "target_incentive 3000元", 54, "元", "write the currency code: 3000 CNY"),
    ("target_incentive 3000 CNY", "target_incentive 0.3万 元", 54, "元", "write the currency code: 0.3万 CNY"),
    ("target_incentive 3000 CNY", "target_incentive 3000 Cny", 54, "Cny", "write the code in capitals: 3000 CNY"),
    ("target_incentive 3000 CNY", "target_incentive 3000 dollars", 54, "dollars",
     "write an ISO 4217 code after the amount, e.g. 500000 CNY or 50万 CNY"),
])
def test_a_word_read_as_a_currency_says_what_it_was_likely_meant_as(ruleset_copy, old, new, line, word, help_text):
    write(TELESALES, replaced(telesales(), old, new))
    d = _only_diagnostic(TELESALES)
    assert (d.code, d.location.line, d.message, d.help) == ("E305", line, f"'{word}' is not a currency code", help_text)


# ------------------------------------------------ names an expression reads as the language's own


@pytest.mark.parametrize("name", ["count", "sum", "if", "not", "true", "days_between", "person"])
def test_a_kpi_cannot_be_named_with_a_word_an_expression_reads_as_its_own(ruleset_copy, name):
    # telesales.kpi line 30: `  kpi collection_rate "回款率" {`; the gates still read collection_rate
    write(TELESALES, replaced(telesales(), 'kpi collection_rate "回款率"', f'kpi {name} "回款率"')
          .replace("gate collection_rate.attainment >= 80%", "gate true"))
    d = _only_diagnostic(TELESALES)
    why = ("in an expression, person.<attribute> reads the roster" if name == "person"
           else "it is a word of the language where an expression is read")
    assert (d.code, d.location.line, d.location.column) == ("E238", 30, 7)
    assert (d.message, d.help) == (f"'{name}' cannot name a KPI: {why}", f"choose another name, e.g. {name}_kpi")


def test_a_dataset_cannot_be_named_with_a_word_an_expression_reads_as_its_own(ruleset_copy):
    text = Path(COMMON).read_text(encoding="utf-8")
    write(COMMON, replaced(text, 'dataset calls "外呼记录" {', 'dataset max "外呼记录" {'))
    with pytest.raises(SchemeError) as info:
        load_scheme([COMMON])
    [d] = [d for d in info.value.diagnostics if d.code == "E238"]
    assert d.message == "'max' cannot name a dataset: it is a word of the language where an expression is read"
    assert d.help == "choose another name, e.g. max_rows"


def test_names_like_the_words_elsewhere_are_still_names(ruleset_copy):
    # `sum_total`, `counted`, `person_rate`: only the words themselves are the language's
    text = telesales().replace("collection_rate", "counted")
    write(TELESALES, text)
    assert load_scheme(["rulesets"]).roles["telesales"].kpis[2].id == "counted"


@pytest.mark.parametrize("old, new, line", [
    # a KPI named count, read in a gate: `count` there is the function
    ("gate collection_rate.attainment >= 80% else cap factor 0.5\n  }\n}\n\n# Senior",
     "gate count.attainment >= 80% else cap factor 0.5\n  }\n}\n\n# Senior", 61),
    # a column named max, read in a filter without its dataset
    ("count(surveys where score >= 4)", "count(surveys where max >= 4)", 48),
])
def test_a_function_read_where_a_name_was_meant_says_how_to_write_the_name(ruleset_copy, old, new, line):
    write(TELESALES, replaced(telesales(), old, new))
    d = _only_diagnostic(TELESALES)
    word = "count" if "count." in new else "max"
    assert (d.code, d.location.line) == ("E100", line)
    assert d.help == (f"{word}(...) is a function: a column of that name is written with its dataset "
                      f"(dataset.{word}), and a KPI needs another name")


@pytest.mark.parametrize("written, fixed", [
    ("2__00", "2_00"), ("200_", "200"), ("1_000_万", "1_000万"), ("1_.5", "1.5"), ("15_%", "15%"),
])
def test_an_underscore_not_between_two_digits_is_refused(ruleset_copy, written, fixed):
    # `_` groups digits (1_000_000); doubled, trailing or beside the point it is a slip
    write(TELESALES, replaced(telesales(), "target >= 200\n", f"target >= {written}\n"))
    d = _only_diagnostic(TELESALES)
    assert (d.code, d.location.line, d.location.column) == ("E110", 13, 15)
    assert (d.message, d.help) == ("a '_' in a number goes between two digits, as in 1_000_000", f"write {fixed}")


def test_underscores_between_digits_still_group_them(ruleset_copy):
    write(TELESALES, replaced(telesales(), "target >= 200\n", "target >= 2_0_0\n"))
    assert load_scheme(["rulesets"]).roles["telesales"].kpis[0].targets[0].value.value == 200


# ------------------------------------------------ help lines that fit where they are (audit)


@pytest.mark.parametrize("old, new, line, help_text", [
    # a row's range and its value are joined by ':', not by '=>' or '='
    ("[0%, 80%): 0", "[0%, 80%) => 0", 37, "write ':' for '=>': a row is written `<range>: <value>`"),
    ("[0%, 80%): 0", "[0%, 80%) = 0", 37, "write ':' for '=': a row is written `<range>: <value>`"),
    # SQL's not-equal
    ("where score >= 4)", "where score <> 4)", 48, "write '!=' for '<>'"),
    # a function with its parentheses forgotten: nothing is named count
    ("measure count(calls)\n", "measure count calls\n", 12, "write what count reads in parentheses, e.g. count(calls)"),
    # an apostrophe inside a text quoted with single quotes is part of it
    ('description "Leads converted in the month over leads created in the month."',
     "description 'the rep's leads'", 21, 'write a text in double quotes: "the rep\'s leads"'),
    ('description "Leads converted in the month over leads created in the month."',
     "description 'the \"VIP\" leads'", 21, 'write a text in double quotes: "the \\"VIP\\" leads"'),
    ('status == "converted"', "status == ‘converted’", 23, 'write a text in double quotes: "converted"'),
    # digit grouping with an apostrophe, and money signs with grouping commas or after the number
    ("target_incentive 3000 CNY", "target_incentive 3'000 CNY", 54, "write the number without the ': 3000"),
    ("target_incentive 3000 CNY", "target_incentive ¥3,000", 54, "write the currency code after the amount: 3000 CNY"),
    ("target_incentive 3000 CNY", "target_incentive 3000$", 54, "write the currency code after the amount: 3000 USD"),
    # every gap of a number, not the first alone
    ("target >= 200\n", "target >= 1 500 000\n", 13, "write the number without the gap: 1500000 or 1_500_000"),
    # digits grouped by commas, as spreadsheets show them
    ("target_incentive 3000 CNY", "target_incentive 1,500,000.50 CNY", 54,
     "write the number without commas: 1500000.50 (or 1_500_000.50)"),
    ("target >= 200\n", "target >= 2,000\n", 13, "write the number without commas: 2000 (or 2_000)"),
    # a multiplier the language does not read, before a currency code (without one: E305)
    ("target_incentive 3000 CNY", "target_incentive 3千 CNY", 54,
     "write the whole number, 3000 CNY: of the multipliers only 万 and 亿 are read"),
    ("target_incentive 3000 CNY", "target_incentive 2.5 k CNY", 54,
     "write the whole number, 2500 CNY: of the multipliers only 万 and 亿 are read"),
    ("target_incentive 3000 CNY", "target_incentive 50万_ CNY", 54, "write 50万 CNY: '_' goes between digits only"),
    # SQL's list in parentheses, and a condition written after the aggregate's parenthesis
    ('status == "converted" on', 'status in ("converted", "won") on', 23,
     'write the list in square brackets: in ["converted", "won"]'),
    ("measure count(surveys where score >= 4) / count(surveys)", "measure count(surveys) where score >= 4", 48,
     "write the condition inside the parentheses: count(surveys where score >= 4)"),
])
def test_a_slip_gets_the_help_that_fits_where_it_is(ruleset_copy, old, new, line, help_text):
    write(TELESALES, replaced(telesales(), old, new))
    d = _only_diagnostic(TELESALES)
    assert (d.location.line, d.help) == (line, help_text)


@pytest.mark.parametrize("old, new", [
    # `&` where no `and` can come: the general help, not "write 'and'"
    ("kpi outbound_calls", "kpi r&d_calls"),
])
def test_an_operator_help_is_given_only_where_the_operator_fits(ruleset_copy, old, new):
    write(TELESALES, replaced(telesales(), old, new))
    assert _only_diagnostic(TELESALES).help == "remove it or check the line for a typo"


def test_a_brace_that_a_block_needs_is_not_called_one_too_many(ruleset_copy):
    # `} by value`: `by value` belongs before the '{', and removing the '}' would not help
    text = replaced(telesales(), "score tiers by value {", "score tiers {")
    text = replaced(text, "      [95%, ∞): 100\n    }\n    serves cash_flow", "      [95%, ∞): 100\n    } by value\n    serves cash_flow")
    write(TELESALES, text)
    d = _only_diagnostic(TELESALES)
    assert (d.code, d.location.line) == ("E100", 41)
    assert "one too many" not in d.help


def test_a_brace_that_closes_nothing_is_to_be_removed(ruleset_copy):
    write(TELESALES, telesales().rstrip("\n") + "\n}\n")
    d = _only_diagnostic(TELESALES)
    assert (d.code, d.help) == ("E112", "this '}' closes no '{': remove it")


@pytest.mark.parametrize("old, new, help_text", [
    ("target_incentive 3000 CNY", "target_incentive 3千元", "write the currency code: 3000 CNY"),
    ("target_incentive 3000 CNY", "target_incentive 3千CNY", "write the currency code: 3000 CNY"),
    ("target_incentive 3000 CNY", "target_incentive 150万元人民币", "write the currency code: 150万 CNY"),
    ("target >= 200\n", "target >= 1.5千\n", "write the whole number, 1500: of the multipliers only 万 and 亿 are read"),
    ("target >= 200\n", "target >= 30 day\n", "write a number of days as a duration: 30d"),
    ("target >= 200\n", "target >= 2_00d\n", "write a number of days as a duration: 200d"),
    ("target >= 200\n", "target >= 200 pcs\n", "write an ISO 4217 code after the amount, e.g. 500000 CNY or 50万 CNY"),
])
def test_e305_help_for_compounds_decimals_and_words_that_are_no_code(ruleset_copy, old, new, help_text):
    write(TELESALES, replaced(telesales(), old, new))
    d = _only_diagnostic(TELESALES)
    assert (d.code, d.help) == ("E305", help_text)


@pytest.mark.parametrize("old, new, line, code, help_text", [
    # in a constant (a cap, a commission bound) the word is named as no code, as elsewhere
    ("cap 80000 CNY", "cap 8万元", 78, "E305", "write the currency code: 8万 CNY"),
    ("[0, 100万): 0.5%", "[0, 100万元): 0.5%", 74, "E305", "write the currency code: 100万 CNY"),
    # RMB is a code in form, and is written CNY
    ("cap 80000 CNY", "cap 80000 RMB", 78, "E303", "write the currency code: 80000 CNY"),
])
def test_a_currency_word_in_a_constant_says_what_to_write(ruleset_copy, old, new, line, code, help_text):
    path = "rulesets/key_account_manager.kpi"
    write(path, replaced(Path(path).read_text(encoding="utf-8"), old, new))
    d = _only_diagnostic(path)
    assert (d.code, d.location.line, d.help) == (code, line, help_text)


def test_a_lower_case_scheme_currency_is_one_error(ruleset_copy):
    # `currency cny` was E305 and then E303 at every amount ("not in the scheme's currency (XXX)")
    write(COMMON, replaced(Path(COMMON).read_text(encoding="utf-8"), "currency CNY", "currency cny"))
    with pytest.raises(SchemeError) as info:
        load_scheme(["rulesets"])
    assert [(d.code, d.help) for d in info.value.diagnostics] == [("E305", "write it in capitals: currency CNY")]


@pytest.mark.parametrize("written, fixed", [("0.15_", "0.15"), ("0._15", "0.15"), ("15.0_%", "15.0%"), ("1._", "1")])
def test_an_underscore_beside_the_point_or_ending_a_fraction_is_refused(ruleset_copy, written, fixed):
    write(TELESALES, replaced(telesales(), "target >= 200\n", f"target >= {written}\n"))
    d = _only_diagnostic(TELESALES)
    assert (d.code, d.help) == ("E110", f"write {fixed}")


def test_an_underscore_between_digits_of_a_fraction_groups_them(ruleset_copy):
    write(TELESALES, replaced(telesales(), "target >= 15%", "target >= 1_5.0_0%"))
    assert load_scheme(["rulesets"]).roles["telesales"].kpis[1].targets[0].value.value == Decimal("0.15")


def test_a_targets_dataset_cannot_be_named_with_a_word_an_expression_reads_as_its_own(ruleset_copy):
    # target lines read it as `count.contract_amount`, where `count` is the function
    write(COMMON, replaced(Path(COMMON).read_text(encoding="utf-8"), "targets quarterly_targets", "targets count"))
    with pytest.raises(SchemeError) as info:
        load_scheme([COMMON])
    [d] = [d for d in info.value.diagnostics if d.code == "E238"]
    assert d.message == "'count' cannot name a dataset: it is a word of the language where an expression is read"
