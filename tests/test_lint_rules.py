"""Every rule: declared properly, documented with examples that behave, and its test cases.

Each rule's docstring carries a bad and a good example (complete schemes, or roles that
import docs/rules-prelude.kpi). The bad one must trigger the rule and the good one must
not. Each rule also has a YAML file of further cases in tests/fixtures/lint/cases/, each
listing the exact lines the rule reports (an empty list: the rule stays silent).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from kpirules.lint.registry import all_rules, builtin_rules
from kpirules.lint.rule import Rule
from lint_support import CASES, lint_files, open_test_history, write_history_data, write_scheme

RULES = all_rules()
BUILTIN = {rule.code: rule for rule in builtin_rules()}


def test_builtin_rules_are_registered_through_the_plugin_hook():
    # the registry asks the register_lint_rules hook; the built-in plugin answers it
    from kpirules.lint.registry import BUILTIN_PLUGIN
    from kpirules.plugins import pm

    assert pm.get_plugin(BUILTIN_PLUGIN) is not None
    assert set(BUILTIN) <= set(RULES)
    assert len(BUILTIN) >= 24


@pytest.mark.parametrize("code", sorted(BUILTIN))
def test_rule_declaration(code: str):
    rule = BUILTIN[code]
    assert rule.validate_declaration() == []
    module = Path(__import__(rule.__module__, fromlist=["_"]).__file__)
    assert module.stem == code, "a rule lives in a module named after its code"
    assert re.fullmatch(r"[a-z]+(-[a-z]+)*", rule.slug)
    first = rule.documentation().splitlines()[0]
    assert first == rule.message_template() and first.endswith(".")
    # every {name} of the help template is a value the message's finding provides
    names = set(re.findall(r"{(\w+)}", rule.message_template())) | set(re.findall(r"{(\w+)}", rule.help))
    assert names, "messages are templates with named values"


def test_slugs_and_codes_are_unique():
    slugs = [r.slug for r in RULES.values()]
    assert len(slugs) == len(set(slugs))


@pytest.mark.parametrize("code", sorted(BUILTIN))
def test_rule_examples(code: str, tmp_path: Path):
    rule: type[Rule] = BUILTIN[code]
    examples = rule.examples()
    assert set(examples) == {"bad", "good"}, f"{code} needs a Bad: and a Good: ```kpi example"
    for kind, text in examples.items():
        [path] = write_scheme(tmp_path / kind, {"example.kpi": text})
        # history rules compare with six months of generated data (see write_history_data)
        history = open_test_history(write_history_data(tmp_path / kind)) if rule.needs_history else None
        result = lint_files([path], history=history)
        errors = [f for f in result.findings if not f.code.startswith("KPI")]
        assert errors == [], f"{code} {kind} example does not check: {errors}"
        hits = [f for f in result.findings if f.code == code]
        if kind == "bad":
            assert hits, f"{code}'s bad example does not trigger it"
            assert all(f.path == str(path) or f.path.endswith("example.kpi") for f in hits)
        else:
            assert hits == [], f"{code}'s good example triggers it: {[f.message for f in hits]}"
            # a reader copies a good example: it must pass a CI step (no error of any rule);
            # KPI201's and KPI202's weighed their only main KPI 20% and 30% (KPI101)
            failing = [f"{f.code}: {f.message}" for f in result.findings if f.severity == "error"]
            assert failing == [], f"{code}'s good example fails lint: {failing}"


def _cases() -> list:
    found = []
    for code in sorted(BUILTIN):
        path = CASES / f"{code}.yaml"
        for case in yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else []:
            found.append(pytest.param(code, case, id=f"{code}-{case['name']}"))
    return found


@pytest.mark.parametrize("code", sorted(BUILTIN))
def test_every_rule_has_a_case_file(code: str):
    path = CASES / f"{code}.yaml"
    assert path.exists(), f"add test cases for {code} in {path}"
    assert len(yaml.safe_load(path.read_text(encoding="utf-8"))) >= 2


@pytest.mark.parametrize("code,case", _cases())
def test_rule_case(code: str, case: dict, tmp_path: Path):
    files = write_scheme(tmp_path, case["files"])
    config = None
    if "config" in case:
        config = tmp_path / "kpirules.toml"
        config.write_text("[lint]\n" + case["config"], encoding="utf-8")
    if "lint" in case:
        files = [tmp_path / name for name in case["lint"]]
    history = None
    if case.get("history"):
        data_config = write_history_data(tmp_path / "history")
        history = open_test_history(data_config)
    result = lint_files(files, config, history)
    errors = [f for f in result.findings if not f.code.startswith("KPI")]
    assert errors == [], errors
    found = sorted((Path(f.path).name, f.line) for f in result.findings if f.code == code)
    expected = sorted((e["file"], e["line"]) for e in case["expect"])
    assert found == expected, [f.message for f in result.findings if f.code == code]
    for e in case["expect"]:
        if "message" in e:
            messages = [f.message for f in result.findings if f.code == code and f.line == e["line"]]
            assert e["message"] in messages
        if "help" in e:
            helps = [f.help for f in result.findings if f.code == code and f.line == e["line"]]
            assert e["help"] in helps
