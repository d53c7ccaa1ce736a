"""`kpirules fmt`: the canonical layout, comments kept, meaning unchanged, idempotent."""

from __future__ import annotations

import os
import random
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from kpirules.cli import cli
from kpirules.errors import SchemeError
from kpirules.lang.fmt import format_file, format_file_text
from kpirules.lang.parser import parse_text
from kpirules.model import load_scheme

REPO = Path(__file__).resolve().parent.parent
RULESETS = REPO / "rulesets"
RULESET_FILES = sorted(RULESETS.glob("*.kpi"))


# ====================================================================== helpers


def without_positions(value):
    """A model dump without what layout may change: spans and the written text of literals."""
    if isinstance(value, dict):
        return {
            key: without_positions(item)
            for key, item in value.items()
            if not (
                key == "span"
                or key.endswith("_span")  # key_span, and the payout's factor_span
                or (key == "text" and value.get("node") == "literal")
            )
        }
    if isinstance(value, list):
        return [without_positions(item) for item in value]
    return value


def tree_meaning(text: str) -> list:
    """What a file's syntax tree says, ignoring layout (grade labels are quoted by fmt)."""
    items = parse_text(text, "x.kpi").model_dump(mode="json")["items"]
    return _drop_key(without_positions(items), "quoted")


def _drop_key(value, name: str):
    if isinstance(value, dict):
        return {k: _drop_key(v, name) for k, v in value.items() if k != name}
    if isinstance(value, list):
        return [_drop_key(v, name) for v in value]
    return value


def scheme_meaning(paths: list[Path]) -> dict:
    dump = load_scheme(paths).model_dump(mode="json")
    dump["files"] = [Path(f).name for f in dump["files"]]
    return without_positions(dump)


def comment_texts(text: str) -> list[str]:
    return [c.text for c in parse_text(text, "x.kpi").comments]


def fmt(text: str) -> str:
    return format_file_text(text, "x.kpi")


# ====================================================================== every .kpi text we ship


def _shipped_sources() -> list:
    """Every ruleset, every .kpi file under docs/, and every ```kpi block in docs/**/*.md."""
    sources = [pytest.param(p.read_text(encoding="utf-8"), id=f"rulesets/{p.name}") for p in RULESET_FILES]
    docs = REPO / "docs"
    for path in sorted(docs.glob("**/*.kpi")):
        sources.append(pytest.param(path.read_text(encoding="utf-8"), id=str(path.relative_to(REPO))))
    for path in sorted(docs.glob("**/*.md")):
        markdown = path.read_text(encoding="utf-8")
        for n, block in enumerate(re.findall(r"^```kpi[ \t]*\n(.*?)^```", markdown, re.M | re.S), 1):
            sources.append(pytest.param(block, id=f"{path.relative_to(REPO)}#{n}"))
    return sources


SHIPPED = _shipped_sources()


@pytest.mark.parametrize("source", SHIPPED)
def test_shipped_text_formats_idempotently_keeping_comments_and_meaning(source):
    try:
        parse_text(source, "x.kpi")
    except SchemeError:
        # an example of a mistake: fmt must refuse it the same way
        with pytest.raises(SchemeError):
            fmt(source)
        return
    once = fmt(source)
    assert fmt(once) == once
    assert comment_texts(once) == comment_texts(source)
    assert tree_meaning(once) == tree_meaning(source)


@pytest.mark.parametrize("path", RULESET_FILES, ids=lambda p: p.name)
def test_reference_rulesets_are_formatted(path):
    text = path.read_text(encoding="utf-8")
    assert fmt(text) == text


@pytest.mark.parametrize("path", RULESET_FILES, ids=lambda p: p.name)
def test_format_file_from_the_tree_alone_matches(path):
    text = path.read_text(encoding="utf-8")
    assert format_file(parse_text(text, str(path))) == fmt(text)


def test_formatted_rulesets_mean_the_same_scheme(tmp_path):
    copy = tmp_path / "rulesets"
    shutil.copytree(RULESETS, copy)
    for path in copy.glob("*.kpi"):
        path.write_text(fmt(path.read_text(encoding="utf-8")), encoding="utf-8")
    assert scheme_meaning([copy]) == scheme_meaning([RULESETS])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_messy_rulesets_mean_the_same_scheme_before_and_after_formatting(tmp_path, seed):
    # the reference rulesets are already canonical, so also start from a messy re-layout
    copy = tmp_path / "rulesets"
    shutil.copytree(RULESETS, copy)
    rnd = random.Random(seed)
    for path in copy.glob("*.kpi"):
        path.write_text(relayout(path.read_text(encoding="utf-8"), rnd), encoding="utf-8")
    original = scheme_meaning([RULESETS])
    assert scheme_meaning([copy]) == original
    for path in copy.glob("*.kpi"):
        path.write_text(fmt(path.read_text(encoding="utf-8")), encoding="utf-8")
    assert scheme_meaning([copy]) == original
    for path in copy.glob("*.kpi"):
        assert path.read_text(encoding="utf-8") == (RULESETS / path.name).read_text(encoding="utf-8")


# ====================================================================== random re-layouts

_FULL_WIDTH = {
    "LBRACE": "｛", "RBRACE": "｝", "LPAR": "（", "RPAR": "）", "LSQB": "［", "RSQB": "］",
    "COLON": "：", "COMMA": "，", "GE": "≥", "LE": "≤", "INFINITY": "inf",
}


#: The grammar's terminals (kpi.lark) as one regex: enough to find where whitespace may go.
#: Lark's own lexer would do, but building it checks every terminal pair and takes minutes.
_TOKEN = re.compile(
    r"""(?P<WHITESPACE>[ \t\r\n\ufeff]+)
    |(?P<COMMENT>\#[^\n]*)
    |(?P<STRING>"(?:\\.|[^"\\\n])*"|“[^”\n]*”)
    |(?P<DATE>[0-9]{4}-[0-9]{2}-[0-9]{2})
    |(?P<PERCENT>[0-9][0-9_]*(?:\.[0-9]+)?[%％])
    |(?P<DURATION>[0-9]+d(?![A-Za-z0-9_]))
    |(?P<NUMBER>[0-9][0-9_]*(?:\.[0-9]+)?[万亿]?)
    |(?P<NAME>[A-Za-z_\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff][A-Za-z0-9_\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]*)
    |(?P<GE>>=|≥)|(?P<LE><=|≤)|(?P<EQ>==)|(?P<NE>!=)|(?P<GT>>)|(?P<LT><)
    |(?P<LBRACE>[{｛])|(?P<RBRACE>[}｝])|(?P<LPAR>[(（])|(?P<RPAR>[)）])|(?P<LSQB>[\[［])|(?P<RSQB>[\]］])
    |(?P<COLON>[:：])|(?P<COMMA>[,，])|(?P<DOT>\.)|(?P<PLUS>\+)|(?P<MINUS>-)|(?P<STAR>\*)|(?P<SLASH>/)
    |(?P<INFINITY>∞)""",
    re.X,
)


def tokens_of(text: str) -> list[tuple[str, str]]:
    """(type, text) of every token, whitespace and comments included."""
    tokens, pos = [], 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        assert match, f"cannot tokenize {text[pos:pos + 20]!r}"
        tokens.append((match.lastgroup, match.group()))
        pos = match.end()
    return tokens


def _spaces(rnd: random.Random, at_least: int) -> str:
    return "".join(rnd.choice(" \t") for _ in range(rnd.randint(at_least, 3)))


def _newline(rnd: random.Random) -> str:
    return rnd.choice(["\n", "\r\n"])


def relayout(text: str, rnd: random.Random) -> str:
    """The same file written differently, wherever the grammar allows it.

    Spaces and tabs change between any two tokens; a line break is added only between
    tokens on one line (never where it would make a blank line, split an amount from its
    currency, or put a trailing comment on a line of its own); punctuation, quotes, `≥`,
    `%` and `∞` switch to their full-width or spelled-out twins at random.
    """
    tokens = tokens_of(text)
    out = ["\ufeff"] if rnd.random() < 0.2 else []
    for i, (kind, written) in enumerate(tokens):
        before = tokens[i - 1][0] if i > 0 else None
        after = tokens[i + 1][0] if i + 1 < len(tokens) else None
        if kind == "WHITESPACE":
            breaks = written.count("\n")
            if breaks:
                out.append(_newline(rnd).join(_spaces(rnd, 0) for _ in range(breaks + 1)))
            else:
                out.append(_between(rnd, before, after, at_least=1))
            continue
        out.append(_respell(kind, written, rnd))
        if after is not None and after != "WHITESPACE":
            out.append(_between(rnd, kind, after, at_least=0))
    return "".join(out)


def _between(rnd: random.Random, before: str | None, after: str | None, at_least: int) -> str:
    break_allowed = (
        before is not None
        and after is not None
        and after != "COMMENT"
        and not (before == "NUMBER" and after == "NAME")  # `50万 CNY` stays on one line
    )
    if break_allowed and rnd.random() < 0.15:
        return _spaces(rnd, 0) + _newline(rnd) + _spaces(rnd, 0)
    if at_least == 0 and rnd.random() < 0.7:
        return ""
    return _spaces(rnd, at_least)


def _respell(kind: str, text: str, rnd: random.Random) -> str:
    if rnd.random() < 0.5:
        return text + (_spaces(rnd, 1) if kind == "COMMENT" else "")
    if kind in _FULL_WIDTH:
        return _FULL_WIDTH[kind]
    if kind == "PERCENT":
        return text[:-1] + "％"
    if kind == "STRING" and text.startswith('"') and not re.search(r'[\\”]', text):
        return f"“{text[1:-1]}”"
    return text


@pytest.mark.parametrize("path", RULESET_FILES, ids=lambda p: p.name)
@settings(max_examples=40, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32))
def test_any_relayout_of_a_ruleset_formats_to_the_same_text(path, seed):
    # a seed rather than st.randoms(): a re-layout makes thousands of choices, too many
    # for Hypothesis to draw one by one; a failing seed is still printed and replayable
    text = path.read_text(encoding="utf-8")
    messy = relayout(text, random.Random(seed))
    assert fmt(messy) == fmt(text)


# ====================================================================== golden layouts

MESSY_ROLE = (
    "\n\nimport \"common.kpi\"\n\n"
    "import “other.kpi”   # shared bits\n"
    "# leading comment for role\n"
    "role\ttelesales  “电话销售” ｛ description \"Inside \\\"sales\\\"\"\n"
    "\tapplies_to person.role==“telesales”   and not(person.level  in [\"a\",\"b\"])\n"
    "  grades standard\n\n\n\n"
    "  kpi calls \"外呼\" { process main measure count( calls ) target ≥ 200 "
    "target>=150 when person.tenure_months<3 weight 30％ score linear floor 60% cap 120% }\n"
    "  kpi conv\n"
    "     \"转化\"\n"
    "  {\n"
    "    # before measure\n\n"
    "    measure count(leads where status==\"converted\" on converted_at)  /  # numerator\n"
    "      count(leads)   # denominator\n"
    "    weight 40%\n"
    "    score tiers by value｛ ［0，inf）：0\n"
    "      [80%,∞)  :  100\n"
    "    ｝\n"
    "    score lookup { 80％：60 90%: -10 }\n\n\n"
    "    # end of kpi\n\n"
    "  }\n"
    "  override x {}\n"
    "  payout {\n"
    "    # nothing yet\n"
    "  }\n"
    "  payout { cap factor 2.0 gate a.attainment>=80% else cap factor 0.5 no_data pass\n"
    "    commission conv marginal {[0,100万):0.5% [100万 ,∞) : 1%}  }\n"
    "}  # end role\n"
    "# tail 1\n\n"
    "# tail 2\n\n\n"
)

CANONICAL_ROLE = """\
import "common.kpi"
import "other.kpi"  # shared bits

# leading comment for role
role telesales "电话销售" {
  description "Inside \\"sales\\""
  applies_to person.role == "telesales" and not (person.level in ["a", "b"])
  grades standard

  kpi calls "外呼" {
    process main
    measure count(calls)
    target >= 200
    target >= 150 when person.tenure_months < 3
    weight 30%
    score linear floor 60% cap 120%
  }
  kpi conv "转化" {
    # before measure

    # numerator
    measure count(leads where status == "converted" on converted_at) / count(leads)  # denominator
    weight 40%
    score tiers by value {
      [0, ∞): 0
      [80%, ∞): 100
    }
    score lookup {
      80%: 60
      90%: -10
    }

    # end of kpi
  }
  override x {}
  payout {
    # nothing yet
  }
  payout {
    cap factor 2.0
    gate a.attainment >= 80% else cap factor 0.5 no_data pass
    commission conv marginal {
      [0, 100万): 0.5%
      [100万, ∞): 1%
    }
  }
}  # end role
# tail 1

# tail 2
"""

MESSY_DECLARATIONS = """\
# header comment
scheme  s2026   “方案 "A"”{description "a\\\\b"
owner “ops”  period month
fiscal_year_start 4   fiscal_year_named_by start
effective 2026-01-01 to 2026-12-31
rounding half_up 0.50
no_data score -10
objective growth}
roster people{id person_id
column person_id string required unique   column level string “职级”}
dataset calls {person agent_id key call_id date called_at column duration_s integer non_negative}
grades standard "标准"｛［90，inf）：A
(-∞, 90): “其他”｝
role r {
  grades { [0, ∞): "全部" }
  kpi k {
    measure sum(calls.duration_s where called_at between 2026-01-01 and 2026-03-31) / ( 1_000 + 1.2亿 )
    target ≤ if person.level not in ["P1"] then 30d else 45d
    unit “秒”
    score pass_fail
    serves a,b
    no_data score 0
  }
  payout { target_incentive 1.2万  CNY  proration none rounding down 1 gate -(a.value) < -5 else zero }
}
"""

CANONICAL_DECLARATIONS = """\
# header comment
scheme s2026 "方案 \\"A\\"" {
  description "a\\\\b"
  owner "ops"
  period month
  fiscal_year_start 4
  fiscal_year_named_by start
  effective 2026-01-01 to 2026-12-31
  rounding half_up 0.50
  no_data score -10
  objective growth
}

roster people {
  id person_id
  column person_id string required unique
  column level string "职级"
}

dataset calls {
  person agent_id
  key call_id
  date called_at
  column duration_s integer non_negative
}

grades standard "标准" {
  [90, ∞): "A"
  (-∞, 90): "其他"
}

role r {
  grades {
    [0, ∞): "全部"
  }
  kpi k {
    measure sum(calls.duration_s where called_at between 2026-01-01 and 2026-03-31) / (1_000 + 1.2亿)
    target <= if person.level not in ["P1"] then 30d else 45d
    unit "秒"
    score pass_fail
    serves a, b
    no_data score 0
  }
  payout {
    target_incentive 1.2万 CNY
    proration none
    rounding down 1
    gate -(a.value) < -5 else zero
  }
}
"""

MESSY_COMMENTS = """\
role r { # on open
  kpi x "l" {  # c0
    weight 1
  }
  kpi y
  "l" # c1
  { # c2
   weight 1 }
  payout
  {  # c3
  }
  override z {}  # c4
  override w { # c5
  }
  kpi u { measure count(x # c7
  ) }
  kpi t {
    score tiers { # c8
      [0, 1): # c9
        2  # c10
      # c11
    }  # c12
  }
}
role s {}
# about q
role q {}
"""

CANONICAL_COMMENTS = """\
role r {  # on open
  kpi x "l" {  # c0
    weight 1
  }
  kpi y "l" {  # c1
    # c2
    weight 1
  }
  payout {  # c3
  }
  override z {}  # c4
  override w {  # c5
  }
  kpi u {
    # c7
    measure count(x)
  }
  kpi t {
    score tiers {  # c8
      # c9
      [0, 1): 2  # c10
      # c11
    }  # c12
  }
}

role s {}

# about q
role q {}
"""

GOLDEN = [
    pytest.param(MESSY_ROLE, CANONICAL_ROLE, id="role"),
    pytest.param(MESSY_DECLARATIONS, CANONICAL_DECLARATIONS, id="declarations"),
    pytest.param(MESSY_COMMENTS, CANONICAL_COMMENTS, id="comments"),
]


@pytest.mark.parametrize(("messy", "canonical"), GOLDEN)
def test_golden_layout(messy, canonical):
    assert fmt(messy) == canonical
    assert fmt(canonical) == canonical
    assert format_file(parse_text(canonical, "x.kpi")) == canonical
    assert comment_texts(canonical) == comment_texts(messy)
    assert tree_meaning(canonical) == tree_meaning(messy)


@pytest.mark.parametrize(
    ("written", "printed"),
    [
        ("((a + b)) * c", "((a + b)) * c"),
        ("a-b-c", "a - b - c"),
        ("a - (b - c)", "a - (b - c)"),
        ("a*b+c/d", "a * b + c / d"),
        ("not not a", "not not a"),
        ("- -a", "--a"),
        ("a not  in［1，2］", "a not in [1, 2]"),
        ("min(a,b,c)", "min(a, b, c)"),
        ("x>=1 or y!=2 and z==3", "x >= 1 or y != 2 and z == 3"),
        ("“he said \"hi\" \\ ok”", '"he said \\"hi\\" \\\\ ok"'),
        ("50万  CNY + 1_000 CNY", "50万 CNY + 1_000 CNY"),
        ("0.50 + 5％ + true", "0.50 + 5% + true"),
    ],
)
def test_expressions_are_printed_as_written_with_canonical_spacing(written, printed):
    text = f"role r {{\n  kpi k {{\n    measure {written}\n  }}\n}}\n"
    assert fmt(text) == f"role r {{\n  kpi k {{\n    measure {printed}\n  }}\n}}\n"


def test_negative_lookup_keys_are_one_token_each_and_keep_their_text():
    # a minus followed by a key and a colon starts a row; any other minus is arithmetic
    written = "role r {\n  kpi k {\n    score lookup by value { -100: 1  - 5％: 3  0: 60 -10 -  5 }\n  }\n}\n"
    printed = "role r {\n  kpi k {\n    score lookup by value {\n      -100: 1\n      -5%: 3\n      0: 60 - 10 - 5\n    }\n  }\n}\n"
    assert fmt(written) == printed
    assert fmt(printed) == printed
    assert tree_meaning(printed) == tree_meaning(written)


@pytest.mark.parametrize(
    ("written", "printed"),
    [
        ("", ""),
        ("\n\n# only\n\n\n\n# comments   \n\n", "# only\n\n# comments\n"),
        ("role r {}\n\n\n\nrole s {}", "role r {}\n\nrole s {}\n"),
        ("role r {\n\n  # alone\n\n}\n", "role r {\n  # alone\n}\n"),
        ("import \"a.kpi\"\n\nimport \"b.kpi\"\nrole r {}\n", 'import "a.kpi"\nimport "b.kpi"\n\nrole r {}\n'),
    ],
)
def test_blank_lines_and_comment_only_files(written, printed):
    assert fmt(written) == printed


#: `weight` takes an expression, and `>=` cannot start one: a syntax error at line 3, column 12.
BROKEN = "role r {\n  kpi k {\n    weight >= 30％\n  }\n}\n"


def test_a_syntax_error_is_raised_with_its_location():
    with pytest.raises(SchemeError) as caught:
        fmt(BROKEN)
    location = caught.value.diagnostics[0].location
    assert (location.path, location.line, location.column) == ("x.kpi", 3, 12)


# ====================================================================== the command

UNFORMATTED = "role r { kpi k { weight 30％ } }\n"
FORMATTED = "role r {\n  kpi k {\n    weight 30%\n  }\n}\n"


def run(*args: str):
    return CliRunner().invoke(cli, ["fmt", *args])


def test_check_passes_on_the_reference_rulesets():
    result = run("--check", str(RULESETS))
    assert result.exit_code == 0, result.output
    assert "all files are formatted" in result.stderr


def test_check_fails_and_names_an_unformatted_file(tmp_path):
    shutil.copytree(RULESETS, tmp_path / "rulesets")
    messy = tmp_path / "rulesets" / "messy.kpi"
    messy.write_text(UNFORMATTED, encoding="utf-8")
    result = run("--check", str(tmp_path / "rulesets"))
    assert result.exit_code == 1
    assert f"would reformat {messy}" in result.stderr
    assert "1 file would be reformatted" in result.stderr
    assert messy.read_text(encoding="utf-8") == UNFORMATTED


@pytest.mark.parametrize("args", [(), ("--check",)])
def test_files_that_do_not_parse_are_summed_up_once(tmp_path, args):
    # each broken file printed its own "Found 1 error in 1 file."; check prints one total
    broken = "role r {\n  kpi\n}\n"
    for name in ("a.kpi", "b.kpi"):
        (tmp_path / name).write_text(broken, encoding="utf-8")
    (tmp_path / "messy.kpi").write_text(UNFORMATTED, encoding="utf-8")
    result = run(*args, str(tmp_path))
    assert result.exit_code == 1
    assert result.stderr.count("Found ") == 1
    assert "\nFound 2 errors in 2 files.\n" in result.stderr
    assert result.stderr.count("error[E112]") == 2
    assert ("would reformat" if args else "reformatted") + f" {tmp_path / 'messy.kpi'}" in result.stderr
    assert (tmp_path / "a.kpi").read_text(encoding="utf-8") == broken


def test_diff_prints_a_unified_diff_and_changes_nothing(tmp_path):
    messy = tmp_path / "messy.kpi"
    messy.write_text(UNFORMATTED, encoding="utf-8")
    result = run("--diff", str(messy))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"--- {messy}",
        f"+++ {messy}",
        "@@ -1 +1,5 @@",
        "-role r { kpi k { weight 30％ } }",
        "+role r {",
        "+  kpi k {",
        "+    weight 30%",
        "+  }",
        "+}",
    ]
    assert messy.read_text(encoding="utf-8") == UNFORMATTED


def test_fmt_rewrites_files_in_place(tmp_path):
    messy = tmp_path / "messy.kpi"
    messy.write_text(UNFORMATTED, encoding="utf-8")
    result = run(str(tmp_path))
    assert result.exit_code == 0, result.output
    assert f"reformatted {messy}" in result.stderr
    assert messy.read_text(encoding="utf-8") == FORMATTED
    again = run(str(tmp_path))
    assert again.exit_code == 0
    assert again.output == ""
    assert [p.name for p in tmp_path.iterdir()] == ["messy.kpi"]  # no temporary file left


def test_a_file_with_a_syntax_error_is_reported_and_left_unchanged(tmp_path):
    broken = tmp_path / "broken.kpi"
    broken_bytes = BROKEN.encode()
    broken.write_bytes(broken_bytes)
    messy = tmp_path / "messy.kpi"
    messy.write_text(UNFORMATTED, encoding="utf-8")
    result = run(str(tmp_path))
    assert result.exit_code == 1
    assert f"{broken}:3:12: error[E100]" in result.stderr
    assert broken.read_bytes() == broken_bytes
    assert messy.read_text(encoding="utf-8") == FORMATTED  # the other files are still formatted

    checked = run("--check", str(broken))
    assert checked.exit_code == 1
    assert f"{broken}:3:12" in checked.stderr
    assert "would be reformatted" not in checked.stderr
    assert broken.read_bytes() == broken_bytes


@pytest.mark.parametrize("flag", [[], ["--check"], ["--diff"]])
def test_an_unreadable_file_is_e106_at_the_file(tmp_path, unreadable, flag):
    messy = tmp_path / "messy.kpi"
    messy.write_text(UNFORMATTED, encoding="utf-8")
    (tmp_path / "locked.kpi").write_text(FORMATTED, encoding="utf-8")
    locked = unreadable(tmp_path / "locked.kpi")
    result = run(*flag, str(tmp_path))
    assert result.exit_code == 1, result.output
    assert f"{locked}:1:1: error[E106]: cannot read file: Permission denied" in result.stderr
    assert "internal error" not in result.output
    named = run(*flag, str(locked))  # named on the command line: the same, not a usage error
    assert named.exit_code == 1, named.output
    assert f"{locked}:1:1: error[E106]" in named.stderr


def test_an_unreadable_folder_is_e106_not_no_files_found(tmp_path, unreadable):
    folder = tmp_path / "rulesets"
    folder.mkdir()
    (folder / "messy.kpi").write_text(UNFORMATTED, encoding="utf-8")
    unreadable(folder)
    result = run("--check", str(folder))
    assert result.exit_code == 1, result.output
    assert f"{folder}:1:1: error[E106]: cannot read folder: Permission denied" in result.stderr
    assert "E002" not in result.stderr


def test_a_file_fmt_cannot_write_is_e007_and_the_others_are_still_formatted(tmp_path, monkeypatch, unreadable):
    # `unreadable` runs this test without root's capabilities (conftest), where a folder's
    # permissions count; the folder is made read-only by hand: its file can be read, not replaced
    locked, free = tmp_path / "locked", tmp_path / "free"
    locked.mkdir()
    free.mkdir()
    messy = 'scheme s "S" {\n    currency CNY\n}\n'
    for folder in (locked, free):
        (folder / "a.kpi").write_text(messy)
    locked.chmod(0o555)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("this user writes into read-only folders (root)")
        monkeypatch.chdir(tmp_path)
        result = CliRunner().invoke(cli, ["fmt", "locked/a.kpi", "free/a.kpi"])
        assert result.exit_code == 2, result.output
        assert "error[E007]: cannot write locked/a.kpi: Permission denied" in result.stderr
        assert "internal error" not in result.output
        assert (locked / "a.kpi").read_text() == messy
        assert (free / "a.kpi").read_text() == 'scheme s "S" {\n  currency CNY\n}\n'
        assert list(locked.iterdir()) == [locked / "a.kpi"]  # no temporary file left behind
    finally:
        locked.chmod(0o755)


def test_a_read_only_file_is_left_as_it_is(tmp_path, monkeypatch):
    # a file without write permission (chmod 444) was replaced: fmt writes a new file and
    # renames it over the old one, which the folder's permissions allow
    messy = 'scheme s "S" {\n    currency CNY\n}\n'
    (tmp_path / "kept.kpi").write_text(messy)
    (tmp_path / "free.kpi").write_text(messy)
    (tmp_path / "kept.kpi").chmod(0o444)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["fmt", "kept.kpi", "free.kpi"])
    assert result.exit_code == 2, result.output
    assert "error[E007]: cannot write kept.kpi: Permission denied" in result.stderr
    assert "make the file and its folder writable, then run fmt again" in result.stderr
    assert (tmp_path / "kept.kpi").read_text() == messy
    assert (tmp_path / "free.kpi").read_text() == 'scheme s "S" {\n  currency CNY\n}\n'
