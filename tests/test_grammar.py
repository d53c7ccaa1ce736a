"""The grammar itself: conflict-free, every terminal named for people, keywords only where expected."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from lark import Lark

from kpirules.lang.parser import GRAMMAR, grammar_parser, parse_text
from kpirules.lang.syntax_errors import TERMINAL_NAMES, keyword_text, terminal_name
from kpirules.model import load_scheme

# Ignored terminals never appear in "expected ..." lists.
IGNORED = {"COMMENT", "WHITESPACE"}


@pytest.fixture(scope="module")
def strict_parser() -> Lark:
    # strict=True turns shift/reduce conflicts and colliding terminal regexes (checked with
    # interegular) into errors, so a grammar edit that introduces one fails here.
    return grammar_parser(strict=True)


def test_grammar_loads_in_strict_mode(strict_parser):
    assert strict_parser.options.parser == "lalr"
    assert strict_parser.options.strict is True


def test_strict_mode_would_catch_a_conflict():
    # The check above can fail: the same Lark options reject a grammar with a collision.
    from lark.exceptions import LexError

    with pytest.raises(LexError):
        Lark('start: A | B\nA: /a+/\nB: /a+b?/\n', parser="lalr", lexer="contextual", strict=True)


def test_every_terminal_has_a_declared_name(strict_parser):
    anonymous = [t.name for t in strict_parser.terminals if t.name.startswith("__")]
    assert anonymous == [], "name these terminals in kpi.lark so errors can say what was expected"


def test_every_terminal_has_a_plain_english_name(strict_parser):
    for terminal in strict_parser.terminals:
        if terminal.name in IGNORED:
            continue
        shown = terminal_name(terminal.name)
        assert "__" not in shown and "ANON" not in shown, terminal.name
        if terminal.name in TERMINAL_NAMES:
            continue
        # anything else is a keyword, shown as its own text: 'weight', 'date'
        assert terminal.pattern.type == "str", f"{terminal.name} needs an entry in TERMINAL_NAMES"
        assert terminal.pattern.value == keyword_text(terminal.name), terminal.name
        assert shown == f"'{terminal.pattern.value}'"


def test_names_of_literals_and_punctuation():
    assert terminal_name("NUMBER") == "a number"
    assert terminal_name("PERCENT") == "a percentage"
    assert terminal_name("STRING") == 'a quoted text ("...")'
    assert terminal_name("DATE") == "a date (YYYY-MM-DD)"
    assert terminal_name("RBRACE") == "'}'"
    assert terminal_name("$END") == "the end of the file"
    assert terminal_name("DATE_KW") == "'date'"
    assert terminal_name("WEIGHT") == "'weight'"


def test_grammar_file_declares_rules_before_terminals():
    text = GRAMMAR.read_text(encoding="utf-8")
    first_terminal = re.search(r"^[A-Z_]+(\.\d+)?:", text, re.MULTILINE).start()
    last_rule = max(m.start() for m in re.finditer(r"^\??[a-z_]+:", text, re.MULTILINE))
    assert last_rule < first_terminal


CJK_SCHEME = """
scheme 方案2026 "方案" {
  period month
  currency CNY
  objective 新客户 "新客户拓展"
}

roster 人员 {
  id 工号
  role 岗位
  column 工号 string
  column 岗位 string
}

dataset 外呼 {
  person 坐席
  date 时间
  column 坐席 string
  column 时间 timestamp
  column 时长 integer
}

role 电话销售 {
  applies_to person.岗位 == "电话销售"
  kpi 外呼量 "每月外呼量" {
    process main
    measure count(外呼 where 时长 >= 60)
    target >= 200
    weight 100%
    serves 新客户
  }
}
"""


def test_identifiers_accept_cjk(workdir):
    (workdir / "cjk.kpi").write_text(CJK_SCHEME, encoding="utf-8")
    scheme = load_scheme([workdir / "cjk.kpi"])
    assert scheme.header.id == "方案2026"
    assert list(scheme.datasets) == ["人员", "外呼"]
    assert scheme.datasets["外呼"].bindings == {"person": "坐席", "date": "时间"}
    role = scheme.roles["电话销售"]
    assert [k.id for k in role.kpis] == ["外呼量"]
    assert role.kpis[0].serves == ["新客户"]
    assert role.kpis[0].datasets == ["外呼"]
    assert role.kpis[0].weight == Decimal(1)


def test_cjk_extension_a_and_compatibility_ideographs_are_identifiers():
    # U+3400 (extension A) and U+F900 (compatibility) start and continue names like U+4E00.
    file = parse_text("role \u3400\u4e00\uf900x1 { }")
    assert file.items[0].id.name == "\u3400\u4e00\uf900x1"


KEYWORD_COLUMNS = """
scheme s {
  period month
  currency CNY
}

roster people {
  id id
  name name
  role role
  column id string
  column name string
  column role string
  column team string
}

dataset scores {
  person person
  key key
  date date
  column person string
  column key string
  column date date
  column period string
  column name string
  column score integer
  column weight decimal
  column target integer
  column amount money
  column status string
}

role r {
  applies_to person.role == "r" and person.name != "x" and person.team == "t"
  kpi k {
    process main
    measure sum(scores.score where period == "2026-01" and name != "" and weight > 0 and target > 1)
    target >= 10
    weight 100%
  }
}
"""


def test_keywords_are_names_outside_their_statements(workdir):
    # `period`, `name`, `date`, `key`, `score`, `weight`, `target`, `amount` are keywords
    # only where a statement starts with them; elsewhere they are ordinary column names.
    (workdir / "kw.kpi").write_text(KEYWORD_COLUMNS, encoding="utf-8")
    scheme = load_scheme([workdir / "kw.kpi"])
    scores = scheme.datasets["scores"]
    assert list(scores.columns) == [
        "person", "key", "date", "period", "name", "score", "weight", "target", "amount", "status",
    ]
    assert scores.bindings == {"person": "person", "key": "key", "date": "date"}
    assert scheme.datasets["people"].bindings == {"id": "id", "name": "name", "role": "role"}
    assert scheme.roles["r"].kpis[0].datasets == ["scores"]


def test_keyword_named_ids():
    # a KPI, role or dataset may be called after a keyword where only a name can follow
    file = parse_text("role period { kpi weight { process main } kpi target { outcome main } }")
    role = file.items[0]
    assert role.id.name == "period"
    assert [k.id.name for k in role.body] == ["weight", "target"]


def test_keywords_still_work_as_keywords_after_keyword_named_columns():
    file = parse_text("dataset d {\n  person period\n  column period string\n}\n")
    binding, column = file.items[0].body
    assert (binding.key, binding.column.name) == ("person", "period")
    assert (column.name.name, column.type.name) == ("period", "string")
