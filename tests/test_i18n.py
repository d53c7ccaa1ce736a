"""Messages in Chinese: `--lang zh`, KPIRULES_LANG=zh or `lang = "zh"` in kpirules.toml.

Every error code of docs/language.md and every lint rule has a Chinese message and help;
every message written in the source has a pattern in the catalog (read from the source
with `ast`, so a new English message without a translation fails here); and the real
commands print Chinese with the same codes, places, carets and exit codes as in English.
"""

from __future__ import annotations

import ast
import os
import datetime
import json
import re
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from kpirules import i18n, i18n_sites
from kpirules.config import load_config
from kpirules.errors import ConfigError, DataLocation, Diagnostic, Location
from kpirules.i18n_sites import CJK, english_left
from kpirules.lint.localize import localize_finding
from kpirules.lint.registry import all_rules
from kpirules.report.diagnostics import render_text
from lint_support import write_scheme

REPO = Path(__file__).resolve().parent.parent
SOURCE = REPO / "src" / "kpirules"
LANGUAGE = REPO / "docs" / "language.md"
TABLE_CODE = re.compile(r"^\|\s*`?(E\d{3})`?\s*\|", re.MULTILINE)
ZH = i18n.catalog("zh")
CATALOG = tomllib.loads((SOURCE / "i18n_zh.toml").read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def _english_unless_asked(monkeypatch):
    """A developer's own KPIRULES_LANG must not change what these tests see."""
    monkeypatch.delenv(i18n.ENV_VAR, raising=False)


def run(*args: str, env: dict[str, str] | None = None):
    from kpirules.cli import cli

    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def assert_chinese(text: str, where: str) -> None:
    assert CJK.search(text), f"{where}: no Chinese in {text!r}"
    assert not english_left(text), f"{where}: English left in {text!r}: {english_left(text)}"


def table_codes() -> list[str]:
    return sorted(set(TABLE_CODE.findall(LANGUAGE.read_text(encoding="utf-8"))))


# ---------------------------------------------------------------------- the catalog


def test_the_table_is_read():
    codes = table_codes()
    assert len(codes) > 120 and {"E001", "E100", "E202", "E703"} <= set(codes)


@pytest.mark.parametrize("code", table_codes())
def test_every_code_of_the_error_table_has_a_chinese_message(code):
    assert code in CATALOG["meanings"], f"{code}: no meaning in [meanings] of i18n_zh.toml"
    assert_chinese(CATALOG["meanings"][code], code)
    patterns = CATALOG["messages"].get(code)
    assert patterns, f"{code}: no message patterns in [messages] of i18n_zh.toml"
    for english, chinese in patterns:
        # the English pattern matches itself with its holes filled, and reads as Chinese
        sample = re.sub(r"\{(\w+)[?*]?\}", "x9", english).replace("{{", "{").replace("}}", "}")
        text = ZH.message(code, sample)
        assert text is not None, f"{code}: {english!r} does not match its own sample {sample!r}"
        assert_chinese(text, f"{code} {english!r}")


#: one value of each kind tomlshapes.kind names
TOML_VALUES = ["x", True, 3, 1.5, {}, [{}], [1], datetime.date(2026, 3, 1), None]


def test_every_shape_of_a_configuration_value_reads_as_chinese():
    """What a key must be (tomlshapes, and config.py's words for pydantic's errors): the
    messages are built from values, which the source scan cannot follow."""
    from kpirules import tomlshapes
    from kpirules.config import _ITEM_WORDS

    built = []
    for value in TOML_VALUES:
        for code in ("E603", "E701"):
            built += [tomlshapes.not_a_table(code, "env.prod", "env.prod", value, array, None) for array in (True, False)]
        built += [tomlshapes.not_a_list("E603", "project.rulesets", noun, example, value, entry, None)
                  for noun, example in [tomlshapes.RULESETS_ITEMS, *_ITEM_WORDS.values()] for entry in (None, 2)]
        built += [tomlshapes.not_a_scalar("E603", "env.x.datasets.y.header", expected, value, None)
                  for expected in tomlshapes.SCALARS]
    built += [Diagnostic("E603", f"env.x.datasets.y.skip_rows must be {words} 0")
              for words in ("at least", "more than", "at most", "less than")]
    built.append(Diagnostic("E603", 'env.x.datasets.y.sslmode must be "disable", "allow" or "require"',
                            help='write one of them in quotes, e.g. sslmode = "disable"'))
    for diagnostic in built:
        found = i18n.localize(diagnostic, "zh")
        assert_chinese(found.message, diagnostic.message)
        if diagnostic.help:
            assert_chinese(found.help, diagnostic.help)


def test_a_message_the_catalog_does_not_know_keeps_its_text_after_the_codes_meaning():
    found = i18n.localize(Diagnostic("E640", "the plugin's own words"), "zh")
    assert found.message == "无法读取数据源：the plugin's own words"


@pytest.mark.parametrize(("english", "chinese"), [
    ("a.csv is not valid latin-1", "a.csv 不是有效的 latin-1 编码"),
    ('a.csv is not valid gbk; it looks like utf-16: set encoding = "utf-16"',
     'a.csv 不是有效的 gbk 编码；它看起来是 utf-16：请设置 encoding = "utf-16"'),
    ("a.csv is not valid gbk: bytes ff fe on line 3", "a.csv 不是有效的 gbk 编码：第 3 行的字节 ff fe"),
    ("a.csv is not valid UTF-8", "a.csv 不是有效的 UTF-8 编码"),
])
def test_an_encoding_problem_keeps_the_encodings_name(english, chinese):
    assert ZH.message("E641", english) == chinese


@pytest.mark.parametrize(("english", "chinese"), [
    ("invalid TOML: Invalid initial character for a key part", "TOML 格式错误：键以无效的字符开头"),
    ("invalid TOML: Unclosed array at the end of the file", "TOML 格式错误：文件末尾：数组没有闭合"),
    ("invalid TOML: Cannot declare ('env', 'x') twice", "TOML 格式错误：不能两次声明 ('env', 'x')"),
    ("invalid TOML: something a newer Python says", "TOML 格式错误：something a newer Python says"),
])
def test_the_toml_readers_reasons_are_chinese(english, chinese):
    # a Chinese user's first kpirules.toml with [env.本地.datasets.人员] read "TOML 格式错误：
    # Invalid initial character for a key part"
    assert ZH.message("E601", english) == chinese


@pytest.mark.parametrize(("code", "english", "chinese"), [
    ("E841", "run.json is not valid JSON: Expecting value at line 1, column 17",
     "run.json 不是有效的 JSON：第 1 行第 17 列，此处应为一个值"),
    ("E841", "run.json is not valid JSON: Invalid \\escape: 'q' at line 2, column 3",
     "run.json 不是有效的 JSON：第 2 行第 3 列，无效的转义 'q'"),
])
def test_the_json_readers_reasons_are_chinese(code, english, chinese):
    # "不是有效的 JSON：Expecting value" (a Jiandaoyun export cut short)
    assert ZH.message(code, english) == chinese
    assert ZH.phrase("not valid JSON: expecting ',' delimiter at column 9", "reason") == \
        "不是有效的 JSON：第 9 列，此处应为分隔符 ','"


def test_every_group_a_template_names_exists():
    templates = [zh for pairs in CATALOG["messages"].values() for _, zh in pairs]
    templates += [zh for entries in CATALOG["groups"].values() for _, zh in entries]
    templates += [t for pair in CATALOG["lint"].values() for t in pair] + list(CATALOG["ui"].values())
    named = {group for t in templates for group in re.findall(r"\{\w+:(\w+)\}", t)}
    assert named and named <= set(ZH.groups)


def test_every_pattern_is_a_pair_and_every_template_formats():
    for section in ("messages", "groups"):
        for name, pairs in CATALOG[section].items():
            for pair in pairs:
                assert len(pair) == 2, f"[{section}] {name}: {pair!r} is not [english, chinese]"
                holes = set(re.findall(r"\{(\w+)[?*]?\}", pair[0]))
                ZH.fill(pair[1], {hole: "v" for hole in holes})  # a field the English does not capture fails here


def test_i18n_imports_only_the_base():
    tree = ast.parse((SOURCE / "i18n.py").read_text(encoding="utf-8"))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert {m for m in imported if m.startswith("kpirules")} <= {"kpirules.errors", "kpirules.defaults"}


# ---------------------------------------------------------------------- every message in the source

#: kpirules' own callables that build a diagnostic, besides `Diagnostic` and `error`
SITES = {
    **i18n_sites.SITES,
    "InvalidLiteral": {"code": "E110", "message": 1, "help": (2, "help")},
    "_secret_error": {"code": "E609", "message": 0, "help": (1, "help")},
    "_plugin_error": {"code": 0, "message": ("plugin Q ", 2), "help": (3, "help")},
    "call_hook": {"code": "E620", "message": ("plugin Q ", 1, ": Q")},
    "config.py:_error": {"code": 0, "message": 1, "help": (3, "help")},
    "lint/config.py:_error": {"code": "E701", "message": ("Q.Q: ", 3), "help": (4, "help")},
}
#: functions that only pass their arguments on to a Diagnostic: their callers are the sites
WRAPPERS = frozenset({"error", "_error", "_plugin_error", "_secret_error", "call_hook"})

SITES_FOUND = i18n_sites.message_sites(SOURCE, SITES, WRAPPERS, skip=("i18n.py",))


def test_the_source_scan_finds_the_diagnostics():
    assert len(SITES_FOUND) > 180
    assert sum(len(messages) for _, _, messages, _ in SITES_FOUND) > 200


@pytest.mark.parametrize("site", SITES_FOUND, ids=[s.where for s in SITES_FOUND])
def test_every_message_written_in_the_source_has_a_chinese_pattern(site):
    assert i18n_sites.site_problems(site, "zh") == []


# ---------------------------------------------------------------------- lint rules


def _fields(template: str) -> set[str]:
    return set(re.findall(r"\{(\w+)(?::\w+)?\}", template))


@pytest.mark.parametrize("code", sorted(all_rules()))
def test_every_lint_rule_has_a_chinese_message_and_help(code):
    rule = all_rules()[code]
    assert code in CATALOG["lint"], f"{code}: no entry in [lint] of i18n_zh.toml"
    message, help = CATALOG["lint"][code]
    english_fields = _fields(rule.message_template()) | _fields(rule.help)
    assert _fields(message) == _fields(rule.message_template()), f"{code}: the message's values differ"
    assert _fields(help) <= english_fields, f"{code}: the help names a value the rule does not give"
    finding = rule().finding(Location("x.kpi", 1, 1, 1, 2), **{name: "v1" for name in english_fields})
    localized = localize_finding(finding, "zh")
    assert (localized.code, localized.slug, localized.severity, localized.line) == (code, rule.slug, rule.severity, 1)
    assert_chinese(localized.message, f"{code} message")
    if localized.help != "v1":  # KPI902's help is its problem, translated below
        assert_chinese(localized.help, f"{code} help")


def test_a_suppression_problem_is_translated():
    rule = all_rules()["KPI902"]
    finding = rule().finding(Location("x.kpi", 3, 1, 3, 9), text="unknown rule code KPI999",
                             problem="run `kpirules rules` to list the codes")
    localized = localize_finding(finding, "zh")
    assert localized.message == "这条忽略注释无法使用：未知的规则代码 KPI999。"
    assert localized.help == "运行 `kpirules rules` 查看所有规则代码"
    # the value as written stays (JSON carries the English template and values, docs/ci.md); a
    # plain `{text}` in a translated template (a keyword in a snippet) reads it as written
    assert localized.args["text"] == "unknown rule code KPI999"


@pytest.mark.parametrize("code,args,expected", [
    ("KPI601", {"role": "t", "effect": "cannot change its pay: its target incentive is 0 and it has no commissions"},
     "岗位 t 的得分无法影响奖金：目标奖金为 0，且没有提成。"),
    ("KPI601", {"role": "t", "effect": "cannot change its pay: the payout factor is 1 at every total score it can "
                                       "reach, 0 to 100, and it has no commissions"},
     "岗位 t 的得分无法影响奖金：在可达到的总分（0 到 100）上奖金系数都是 1，且没有提成。"),
    ("KPI601", {"role": "t", "effect": "are linked to no payout rule"}, "岗位 t 的得分没有与任何奖金规则挂钩。"),
    ("KPI503", {"scheme": "s", "cadence": "reviews quarterly, no more often than it is assessed (per month)"},
     "方案 s 的复盘频率 `review quarterly` 并不比考核周期（月）更频繁，考核期间内员工得不到反馈。"),
    ("KPI503", {"scheme": "s", "cadence": "declares no review cadence"}, "方案 s 没有声明复盘频率，考核期间内员工得不到反馈。"),
])
def test_each_way_a_rule_words_its_finding_is_translated(code, args, expected):
    finding = all_rules()[code]().finding(Location("x.kpi", 3, 1, 3, 9), **args)
    assert localize_finding(finding, "zh").message == expected


def test_every_rule_example_lints_in_chinese(tmp_path, monkeypatch):
    """The Bad example of each rule (not the history rules) gives a Chinese finding at the same place."""
    monkeypatch.chdir(tmp_path)
    checked = 0
    for code, rule in all_rules().items():
        bad = rule.examples().get("bad")
        if bad is None or rule.needs_history:
            continue
        folder = tmp_path / code
        write_scheme(folder, {"bad.kpi": bad})
        # every rule runs: the other findings of an example are translated too
        english = run("lint", "--no-cache", "--output-format", "json", f"{code}/bad.kpi")
        chinese = run("lint", "--no-cache", "--lang", "zh", "--output-format", "json", f"{code}/bad.kpi")
        assert english.exit_code == chinese.exit_code
        en, zh = json.loads(english.stdout)["findings"], json.loads(chinese.stdout)["findings"]
        assert [(f["code"], f["line"], f["column"], f["end_column"], f["severity"]) for f in en] == \
               [(f["code"], f["line"], f["column"], f["end_column"], f["severity"]) for f in zh]
        assert any(f["code"] == code for f in zh), f"{code}: its Bad example gives no finding"
        for f in zh:
            assert_chinese(f["message"], f"{code} {f['message']}")
        checked += 1
    assert checked >= 20


# ---------------------------------------------------------------------- rendering


def test_a_data_problem_names_its_place_in_chinese():
    d = Diagnostic("E646", "3 rows have no amount (declared required)", DataLocation("deals", "deals.csv", 7, "amount"),
                   help="fix the values at the source, or load with bad rows skipped: --on-bad-rows skip (with --rejects FOLDER they are written there, with the reason)",
                   notes=["row 7 (line 8)", "row 9 (line 10)", "... and 1 more"])
    assert render_text(d, lang="zh") == (
        "数据集 deals，来源 deals.csv，第 7 行，列 amount: error[E646]: 有 3 行缺少 amount（该列声明了 required）\n"
        "  = 说明：第 7 行（文件第 8 行）\n"
        "  = 说明：第 9 行（文件第 10 行）\n"
        "  = 说明：……另有 1 个\n"
        "  = 帮助：请在源头修正这些值，或用 --on-bad-rows skip 跳过坏行加载（加上 --rejects 文件夹 时，它们会连同原因写入该文件夹）"
    )
    assert render_text(d).startswith("dataset deals, source deals.csv, row 7, column amount: error[E646]: 3 rows")


def test_syntax_errors_read_as_chinese(tmp_path, monkeypatch):
    """Each kind of syntax error, from real files: the message and help are translated."""
    monkeypatch.chdir(tmp_path)
    header = 'scheme s "x" {\n  period month\n  currency CNY\n}\n'
    cases = {
        "E100": header + 'role a "A" {\n  kpi b "B" {\n    weigth 30%\n  }\n}\n',
        "E101": "scheme s \"\xff\" {}\n",
        "E102": "   \n",
        "E110": header.replace("}\n", "  effective 2026-02-30 to 2026-12-31\n}\n"),
        "E111": header + 'role a "A" {\n  kpi b "B" {\n    target >= 2 000\n  }\n}\n',
        "E112": header + 'role a "A" {\n  kpi b "B" {\n    target >=\n  }\n}\n',
        "E113": header + 'role a "A" {\n  kpi b "B" {\n',
        "E114": header + 'role a "A"',
        "E115": header + 'role a "A" {\n  kpi b "B" {\n    weight %\n  }\n}\n',
        "E116": header + 'role a "A" {\n  kpi b "B" {\n    weight\u00a030%\n  }\n}\n',
        "E117": header + 'role a "A {\n}\n',
        "E118": header + 'role a "A" {\n  kpi b "B" {\n    weight 30%;\n  }\n}\n',
    }
    for code, text in cases.items():
        path = tmp_path / f"{code}.kpi"
        path.write_bytes(text.encode("utf-8") if code != "E101" else text.encode("latin-1"))
        english = run("check", path.name)
        chinese = run("check", "--lang", "zh", path.name)
        assert f"error[{code}]" in english.stderr, english.stderr
        assert chinese.exit_code == english.exit_code == 1
        head = chinese.stderr.splitlines()[0]
        assert head.split(": error[")[0] == english.stderr.splitlines()[0].split(": error[")[0]
        assert_chinese(head.split(f"error[{code}]: ", 1)[1], code)
        helps = [line for line in chinese.stderr.splitlines() if line.startswith("  = 帮助：")]
        assert all(CJK.search(h) for h in helps)


# ---------------------------------------------------------------------- the commands

BAD_DATASET = 'scheme s "x" {\n  period month\n  currency CNY\n}\nroster people {\n  id person_id\n  role role\n  column person_id string\n  column role string\n}\n' \
              'dataset calls {\n  person agent_id\n  date called_at\n  column agent_id string\n  column called_at date\n}\n' \
              'role telesales "电话销售" {\n  kpi outbound_calls "外呼量" {\n    process main\n    measure count(cals)\n' \
              '    target >= 200\n    weight 100%\n  }\n}\n'


@pytest.fixture
def bad_file(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "bad.kpi"
    path.write_text(BAD_DATASET, encoding="utf-8")
    return path


def test_check_in_chinese_keeps_code_place_caret_and_exit_code(bad_file):
    english = run("check", "bad.kpi")
    chinese = run("--lang", "zh", "check", "bad.kpi")
    assert english.exit_code == chinese.exit_code == 1
    assert english.stderr.splitlines()[0] == "bad.kpi:20:19: error[E202]: unknown dataset 'cals'"
    assert chinese.stderr == (
        "bad.kpi:20:19: error[E202]: 未知的数据集 'cals'\n"
        "   |\n"
        "20 |     measure count(cals)\n"
        "   |                   ^^^^\n"
        "  = 帮助：是不是想写 'calls'？\n"
        "\n"
        "共发现 1 个错误，涉及 1 个文件。\n"
    )
    assert english.stderr.splitlines()[1:4] == chinese.stderr.splitlines()[1:4]


def test_check_ok_in_chinese(tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    assert run("check", "--lang", "zh", "rulesets").stdout.startswith("检查通过：5 个文件，")


def test_the_command_option_wins_over_the_global_one_and_the_environment(bad_file):
    assert "未知的数据集" in run("--lang", "en", "check", "--lang", "zh", "bad.kpi").stderr
    assert "unknown dataset" in run("--lang", "zh", "check", "--lang", "en", "bad.kpi").stderr
    assert "未知的数据集" in run("check", "bad.kpi", env={"KPIRULES_LANG": "zh"}).stderr
    assert "unknown dataset" in run("check", "--lang", "en", "bad.kpi", env={"KPIRULES_LANG": "zh"}).stderr
    assert "未知的数据集" in run("check", "--lang", "ZH", "bad.kpi").stderr


def test_lang_in_kpirules_toml_and_pyproject(bad_file):
    (bad_file.parent / "kpirules.toml").write_text('[project]\nrulesets = ["."]\nlang = "zh"\n', encoding="utf-8")
    chinese = run("check", "bad.kpi")
    assert chinese.exit_code == 1 and "error[E202]: 未知的数据集 'cals'" in chinese.stderr
    # the environment variable comes before the file
    assert "unknown dataset" in run("check", "bad.kpi", env={"KPIRULES_LANG": "en"}).stderr
    (bad_file.parent / "kpirules.toml").unlink()
    (bad_file.parent / "pyproject.toml").write_text('[tool.kpirules.project]\nlang = "zh"\n', encoding="utf-8")
    assert "未知的数据集" in run("check", "bad.kpi").stderr


def test_an_unknown_language_is_a_usage_error(bad_file):
    option = run("check", "--lang", "fr", "bad.kpi")
    assert option.exit_code == 2 and "Invalid value for '--lang': 'fr' is not one of 'en', 'zh'" in option.stderr
    env = run("check", "bad.kpi", env={"KPIRULES_LANG": "fr"})
    assert env.exit_code == 2
    assert env.stderr.splitlines()[:2] == [
        "error[E603]: KPIRULES_LANG: unknown language 'fr'",
        "  = help: choose one of: en, zh (en is the default)",
    ]
    (bad_file.parent / "kpirules.toml").write_text('[project]\nrulesets = ["."]\nlang = "fr"\n', encoding="utf-8")
    configured = run("check", "bad.kpi")
    assert configured.exit_code == 2
    assert configured.stderr.startswith("kpirules.toml:3:1: error[E603]: project.lang: unknown language 'fr'\n")
    assert "choose one of: en, zh" in configured.stderr
    with pytest.raises(ConfigError) as raised:
        load_config(bad_file.parent / "kpirules.toml")
    (problem,) = raised.value.diagnostics
    assert (problem.code, problem.location.line, problem.message) == ("E603", 3, "project.lang: unknown language 'fr'")


COMMANDS_WITH_A_PATH = [("check", "bad.kpi"), ("fmt", "--check", "bad.kpi"), ("export", "bad.kpi"),
                       ("test", "bad.kpi")]


@pytest.mark.parametrize("command", [*COMMANDS_WITH_A_PATH, ("lint", "--no-cache", "bad.kpi"), ("schema",),
                                     ("rules",), ("rule", "KPI101"), ("sample", "--out", "out"), ("init", "bad.kpi")])
def test_every_command_reads_the_configured_language_even_with_a_path(bad_file, command):
    # README: lang is the language of the messages, read by every command (schema did not)
    (bad_file.parent / "kpirules.toml").write_text('[project]\nlang = "fr"\n', encoding="utf-8")
    result = run(*command)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("kpirules.toml:2:1: error[E603]: project.lang: unknown language 'fr'\n")
    assert sorted(p.name for p in bad_file.parent.iterdir()) == ["bad.kpi", "kpirules.toml"]


@pytest.mark.parametrize("command", [("check", "bad.kpi"), ("export", "bad.kpi")])
def test_with_a_path_a_configuration_that_is_not_toml_does_not_stop_the_scheme_commands(bad_file, command):
    # the language stays English and the file is not read: bad.kpi's own problem is reported
    (bad_file.parent / "kpirules.toml").write_text("[project\n", encoding="utf-8")
    result = run(*command)
    assert result.exit_code == 1, result.output
    assert "error[E202]: unknown dataset 'cals'" in result.stderr


def test_the_configuration_model_reads_lang(tmp_path):
    (tmp_path / "kpirules.toml").write_text('[project]\nlang = "zh"\n', encoding="utf-8")
    assert load_config(tmp_path / "kpirules.toml").project.lang == "zh"
    (tmp_path / "kpirules.toml").write_text("[project]\n", encoding="utf-8")
    assert load_config(tmp_path / "kpirules.toml").project.lang == "en"


def test_lint_in_chinese_keeps_code_place_caret_and_exit_code(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    bad = 'import "prelude.kpi"\n\nrole telesales "电话销售" {\n  kpi outbound_calls "外呼量" {\n    process main\n' \
          '    measure count(calls)\n    target >= 200\n    weight 70%\n  }\n}\n'
    write_scheme(tmp_path, {"bad.kpi": bad})
    english = run("lint", "--no-cache", "--select", "KPI101", "bad.kpi")
    chinese = run("lint", "--no-cache", "--lang", "zh", "--select", "KPI101", "bad.kpi")
    assert english.exit_code == chinese.exit_code == 1
    assert chinese.stdout == (
        "bad.kpi:3:6: KPI101 [error] 岗位 telesales 的主要 KPI 权重合计为 70%，而不是 100%。\n"
        "  |\n"
        '3 | role telesales "电话销售" {\n'
        "  |      ^^^^^^^^^\n"
        "  帮助：调整各项权重（outbound_calls 70%），使合计为 100%\n"
        "\n"
        "共发现 1 个错误，涉及 1 个文件。\n"
    )
    assert english.stdout.splitlines()[1:4] == chinese.stdout.splitlines()[1:4]
    # every format carries the Chinese text; SARIF stays valid JSON with the same rule ids
    sarif = json.loads(run("lint", "--no-cache", "--lang", "zh", "--select", "KPI101", "--output-format", "sarif",
                           "bad.kpi").stdout)
    (result,) = sarif["runs"][0]["results"]
    assert result["ruleId"] == "KPI101" and result["message"]["text"].startswith("岗位 telesales 的主要 KPI")
    github = run("lint", "--no-cache", "--lang", "zh", "--select", "KPI101", "--output-format", "github", "bad.kpi")
    assert github.stdout.startswith("::error file=bad.kpi,line=3,col=6,endLine=3,endColumn=15,title=KPI101::岗位 telesales")
    junit = run("lint", "--no-cache", "--lang", "zh", "--select", "KPI101", "--output-format", "junit", "bad.kpi")
    assert 'message="第 3 行第 6 列：岗位 telesales 的主要 KPI 权重合计为 70%，而不是 100%。"' in junit.stdout
    english = run("lint", "--no-cache", "--output-format", "concise", "bad.kpi").stdout.splitlines()[-1]
    counted = re.fullmatch(r"Found 1 error, (\d+) warnings, (\d+) info in 1 file\.", english)
    assert counted, english
    concise = run("lint", "--no-cache", "--lang", "zh", "--output-format", "concise", "bad.kpi")
    assert concise.stdout.splitlines()[-1] == f"共发现 1 个错误、{counted[1]} 个警告、{counted[2]} 条提示，涉及 1 个文件。"


def test_a_file_that_does_not_parse_is_linted_in_chinese(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_scheme(tmp_path, {"bad.kpi": BAD_DATASET})
    chinese = run("lint", "--no-cache", "--lang", "zh", "--output-format", "concise", "bad.kpi")
    assert chinese.exit_code == 1
    assert chinese.stdout.splitlines()[0] == "bad.kpi:20:19: E202 [error] 未知的数据集 'cals'"


def test_the_lint_cache_serves_both_languages(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_scheme(tmp_path, {"bad.kpi": BAD_DATASET})
    first = run("lint", "bad.kpi")
    assert "unknown dataset" in first.stdout
    assert "未知的数据集" in run("lint", "--lang", "zh", "bad.kpi").stdout
    assert run("lint", "bad.kpi").stdout == first.stdout


def test_fmt_in_chinese(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.kpi").write_text('scheme s "x" {\nperiod month\n  currency CNY\n}\n', encoding="utf-8")
    result = run("fmt", "--check", "--lang", "zh", "a.kpi")
    assert result.exit_code == 1
    assert result.stderr == "需要重新格式化 a.kpi\n1 个文件需要重新格式化\n"


def test_run_in_chinese(sample_project):
    english = run("run", "--period", "2026-03")
    chinese = run("run", "--period", "2026-03", "--lang", "zh")
    assert english.exit_code == chinese.exit_code == 0
    evaluated = re.search(r"^(\d+) people evaluated; total payout ([\d.,]+) CNY", english.stdout, re.MULTILINE)
    assert evaluated, english.stdout
    assert f"共评估 {evaluated[1]} 人；奖金合计 {evaluated[2]} CNY。" in chinese.stdout
    assert chinese.stdout.startswith("方案 sales_2026，期间 2026-03：按指定的期间\n")
    assert re.search(r"^\s+人员编号\s+姓名\s+团队\s", chinese.stdout, re.MULTILINE)
    assert "  总分  " in chinese.stdout and "奖金 CNY" in chinese.stdout
    warnings = [line for line in chinese.stdout.splitlines() if line.startswith("警告：")]
    assert len(warnings) == len([line for line in english.stdout.splitlines() if line.startswith("warning: ")]) > 0
    for warning in warnings:
        assert_chinese(warning, "run warning")
    # JSON is data: its keys stay English whatever the language
    data = json.loads(run("run", "--period", "2026-03", "--lang", "zh", "--format", "json").stdout)
    english_data = json.loads(run("run", "--period", "2026-03", "--format", "json").stdout)
    assert data["people"] == english_data["people"] and set(data) == set(english_data)


def test_run_problems_in_chinese(sample_project):
    result = run("run", "--lang", "zh", "--period", "2026-13")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[:2] == ["error[E020]: '2026-13' 中没有第 13 月", "  = 帮助：月份为 01 到 12"]
    unknown = run("run", "--lang", "zh", "--role", "nobody")
    assert unknown.exit_code == 2 and unknown.stderr.startswith("error[E004]: 未知的岗位 nobody\n")


def test_explain_in_chinese(sample_project):
    people = [p["person_id"] for p in json.loads(run("run", "--period", "2026-03", "--format", "json").stdout)["people"]]
    english = run("explain", people[0], "--period", "2026-03")
    chinese = run("explain", people[0], "--period", "2026-03", "--lang", "zh")
    assert english.exit_code == chinese.exit_code == 0
    assert chinese.stdout.startswith("期间 2026-03：按指定的期间\n")
    assert "\n总分：" in chinese.stdout and "\n等级：" in chinese.stdout
    # the same steps and numbers, one line for one line
    assert len(english.stdout.splitlines()) == len(chinese.stdout.splitlines())
    numbers = lambda text: re.findall(r"\d+(?:\.\d+)?%?", text)  # noqa: E731
    assert numbers(english.stdout) == numbers(chinese.stdout)
    # every explanation of the sample company reads as Chinese: names and expressions aside;
    # in November too, where the quarterly KPIs are in progress ("得分：progress：the quarter ...")
    for person in people:
        for period in ("2026-03", "2026-11"):
            text = run("explain", person, "--period", period, "--lang", "zh").stdout
            for line in text.splitlines():
                assert not english_left(line), f"{person} {period}: English left in {line!r}"


def test_a_failed_gate_names_what_it_read_in_chinese(sample_project, edit):
    """The values a gate's condition read are listed in Chinese, "no value" too."""
    scheme = sample_project / "rulesets" / "telesales.kpi"  # both telesales roles have the gate
    scheme.write_text(scheme.read_text(encoding="utf-8").replace(
        "gate collection_rate.attainment >= 80% else", 'gate collection_rate.attainment >= 80% or person.region == "华南" else'),
        encoding="utf-8")
    edit(sample_project / "data" / "sample" / "people.csv", "intermediate,华南,2023-01-15", "intermediate,,2023-01-15")
    # P027 collected 44053.15 of 65000 invoiced: 67.7741%, / 95% = 71.3412%, below 80%; no region
    english = run("explain", "P027", "--period", "2026-12")
    assert "gate collection_rate.attainment >= 80% or person.region == \"华南\" failed (the condition does not hold with collection_rate.attainment 71.3412%, " \
           "person.region no value): factor capped at 0.5" in english.stdout
    chinese = run("explain", "P027", "--period", "2026-12", "--lang", "zh")
    assert "门槛条件 collection_rate.attainment >= 80% or person.region == \"华南\" 未通过（条件不成立，取值 collection_rate.attainment 71.3412%、person.region 无数值）：" \
           "系数封顶为 0.5 → 0.5" in chinese.stdout
    for line in chinese.stdout.splitlines():
        assert "no value" not in line and not english_left(line), line


def test_a_data_problem_in_chinese(sample_project):
    people = sample_project / "data" / "sample" / "people.csv"
    lines = people.read_text(encoding="utf-8").splitlines()
    people.write_text("\n".join(lines + [lines[1]]) + "\n", encoding="utf-8")  # a person twice
    english = run("sources", "check")
    chinese = run("sources", "check", "--lang", "zh")
    assert english.exit_code == chinese.exit_code == 1
    assert "error[E650]: 花名册中有 1 个人员编号出现了不止一次" in chinese.stderr
    assert "数据集 people，来源 " in chinese.stderr
    datasets = len(english.stdout.strip().splitlines())
    assert chinese.stderr.strip().splitlines()[-1] == f"{datasets} 个数据集中有 1 个存在问题，共 1 个问题。"


@pytest.mark.parametrize(("english", "chinese"), [
    ("CSV data/people.csv (utf-8, detected, comma-separated)", "CSV data/people.csv（utf-8、自动识别、逗号分隔）"),
    ("CSV a.csv (gbk, '+|'-separated, records end with '&|\\r\\n', no header)",
     "CSV a.csv（gbk、以 '+|' 分隔、记录以 '&|\\r\\n' 结尾、无表头）"),
    ("Excel 销售.xlsx, sheet 'Sheet1'", "Excel 销售.xlsx，工作表 'Sheet1'"),
    ("Parquet data/calls.parquet", "Parquet data/calls.parquet"),
    # these kept English words: "encoding detected on read", "table", "query"
    ("CSV data/p.csv (encoding detected on read, comma-separated)", "CSV data/p.csv（读取时识别编码、逗号分隔）"),
    ("SQLite data/p.db (table people)", "SQLite data/p.db（表 people）"),
    ("DuckDB :memory: (query)", "DuckDB :memory:（查询）"),
])
def test_source_descriptions_in_chinese(english, chinese):
    # kpirules sources check --lang zh: the words of a description, not its path or encoding
    assert i18n.phrase(english, "source", "zh") == chinese


@pytest.mark.parametrize(("units", "said"), [("month", "月"), ("month or quarter", "月或季度"),
                                             ("half or month or year", "半年或月或年")])
def test_the_units_of_labels_never_applied_are_translated(units, said):
    # the warning said "不是month or quarter的标签": the units were put back in English
    text = (f"quarterly_targets: 2 rows with a period that is not a {units} label ('2026-3', 'Q1'), the first at "
            f"row 4 of data/targets.csv, column period: never applied")
    found = i18n.phrase(text, "warning", "zh")
    assert f"不是{said}的标签" in found
    assert_chinese(found, "warning")


@pytest.mark.parametrize(("code", "english", "chinese"), [
    # the pattern `{n} value{s?} of {what} {appear} ...` took `{what}` as "the" (printed
    # "the中有 2 个值…")
    ("E648", "2 values of the key lead_id of dataset leads appear in more than one row",
     "数据集 leads 的键 lead_id 中有 2 个值出现在不止一行中"),
    ("E647", "1 value of column contract (declared unique) appears in more than one row",
     "声明了 unique 的列 contract 中有 1 个值出现在不止一行中"),
])
def test_repeated_values_in_chinese(code, english, chinese):
    assert i18n.localize(Diagnostic(code, english), "zh").message == chinese


def test_a_keyword_in_a_translated_help_stays_as_written():
    # KPI701's Chinese help shows the snippet to write: `role telesales "..."` (it printed
    # `岗位 telesales "..."`, a keyword translated inside code)
    rule = all_rules()["KPI701"]
    finding = rule().finding(Location("x.kpi", 2, 6, 2, 15), kind="role", name="telesales")
    localized = localize_finding(finding, "zh")
    assert localized.message.startswith("岗位 telesales ")
    assert localized.help == '在标识符后面写一个带引号的名称：role telesales "..."'


def test_sarif_descriptions_in_chinese_have_plain_placeholders(tmp_path):
    # KPI902's shortDescription was "这条忽略注释无法使用：{text:suppress}。" (a catalog's group leaked)
    from kpirules.lint.formats import render_sarif
    from kpirules.lint.result import LintResult

    sarif = json.loads(render_sarif(LintResult(findings=[], files=[], suppressed=0), all_rules(), "zh"))
    texts = [d[key]["text"] for d in sarif["runs"][0]["tool"]["driver"]["rules"]
             for key in ("shortDescription", "help") if key in d]
    assert "这条忽略注释无法使用：{text}。" in texts
    assert not [t for t in texts if re.search(r"\{\w+:\w+\}", t)]


def test_a_commission_rate_without_a_value_is_said_in_chinese_in_both_modes():
    # the marginal steps list every row's part: each empty rate is translated, not only the first
    zh = i18n.catalog("zh")
    marginal = ("commission on revenue (3000): marginal: 1000 × 0% (person.a has no value) + "
                "2000 × 0% (person.commission_pct has no value) = 0.00 CNY")
    assert zh.phrase(marginal, "explain") == (
        "revenue 的提成（3000）：超额累进（marginal）：1000 × 0%（person.a 没有值，按 0 计） + "
        "2000 × 0%（person.commission_pct 没有值，按 0 计） = 0.00 CNY")
    retroactive = ("commission on revenue (3000): retroactive: 3000 is in [0, ∞), so 0% "
                   "(person.commission_pct has no value) applies to all of it = 0.00 CNY")
    assert "0%（person.commission_pct 没有值，按 0 计）" in zh.phrase(retroactive, "explain")


def test_a_commission_rate_is_named_in_chinese_in_check(ruleset_copy):
    path = Path("rulesets/key_account_manager.kpi")
    path.write_text(path.read_text(encoding="utf-8").replace("[0, 100万): 0.5%", "[0, 100万): total_score"),
                    encoding="utf-8")
    result = run("--lang", "zh", "check", "rulesets")
    assert result.exit_code == 1
    assert "'total_score' 读取的是运行的结果，提成费率不能读取它" in result.output
    assert "commission rate" not in result.output


@pytest.mark.parametrize("args, last_line", [
    # click's own errors, and the reasons kpirules gives in them, were English under --lang zh
    (("report",), "错误：缺少选项 '-o' / '--output'。"),
    (("explain", "P053", "--format", "csv"), "错误：'--format' 的值无效：'csv' 不是可选值 'text', 'json' 之一。"),
    (("run", "--as-of", "2026-13-01"), "错误：'--as-of' 的值无效：'2026-13-01' 不是日期：没有 13 月"),
    # the other reasons, and an empty value, were English
    (("run", "--as-of", "2026-02-30"), "错误：'--as-of' 的值无效：'2026-02-30' 不是日期：2026 年二月只有 28 天"),
    (("run", "--as-of", "2026-12-00"), "错误：'--as-of' 的值无效：'2026-12-00' 不是日期：日不能为 0"),
    (("run", "--as-of", ""), "错误：'--as-of' 的值无效：'' 不是日期：请写成 YYYY-MM-DD"),
    (("run", "--peroid", "2026-01"), "错误：没有选项 '--peroid'。（是否要写其中之一：'--period', '--person'？）"),
    (("runn",), "错误：没有命令 'runn'。"),
    # click's kind of path and its suggestion were English
    (("verify", "nothere.json"), "错误：'MANIFEST' 的值无效：路径 'nothere.json' 不存在。"),
    (("sources", "chek"), "错误：没有命令 'chek'。是否要写 'check'？"),
])
def test_usage_errors_are_in_the_language_asked_for(sample_project, args, last_line):
    import subprocess
    import sys

    kpirules = str(Path(sys.executable).with_name("kpirules"))
    for lang_args, env in (((), {"KPIRULES_LANG": "zh"}), (("--lang", "zh"), {})):
        done = subprocess.run([kpirules, *lang_args, *args], capture_output=True, text=True,
                              env={**os.environ, **env}, cwd=sample_project)
        assert done.returncode == 2, done.stderr
        lines = done.stderr.rstrip("\n").splitlines()
        assert lines[-1] == last_line
        if args not in (("runn",), ("sources", "chek")):
            assert lines[0].startswith("用法：kpirules ") and lines[1].startswith("运行 'kpirules ")
    # in English, as click writes them
    done = subprocess.run([kpirules, "report"], capture_output=True, text=True,
                          env={k: v for k, v in os.environ.items() if k != "KPIRULES_LANG"}, cwd=sample_project)
    assert done.stderr.rstrip("\n").splitlines()[-1] == "Error: Missing option '-o' / '--output'."


def test_empty_values_and_a_kpirules_toml_key_are_said_in_chinese(sample_project):
    # a hole that may be empty ('' as the period) and a key prefix that is empty in a
    # kpirules.toml fell out of their patterns: "'' is not a period", "names 'prod', which has no"
    empty = run("--lang", "zh", "run", "--period", "")
    assert empty.exit_code == 2 and "error[E020]: '' 不是有效的期间" in empty.stderr
    config = sample_project / "kpirules.toml"
    config.write_text(config.read_text(encoding="utf-8").replace('default_env = "sample"', 'default_env = "prod"'),
                      encoding="utf-8")
    unknown = run("--lang", "zh", "check")
    assert "project.default_env 指定了 'prod'，但没有对应的 [env.prod] 表" in unknown.stderr, unknown.stderr


def test_adjustments_not_applied_name_people_and_periods_in_chinese():
    # "P999 in 2026-12" kept its English "in"
    english = "7 adjustments not applied: nobody evaluated to pay (P1 in 2026-01, P22 in 2026-02, ...)"
    assert i18n.phrase(english, "warning", "zh") == "有 7 笔调整未发放：没有可发放的被评估人员（P1（2026-01）、P22（2026-02）、……）"


def test_what_init_sample_and_plugins_wrote_is_said_in_chinese(tmp_path, monkeypatch):
    # printed with plain echo, these lines stayed English under --lang zh
    monkeypatch.chdir(tmp_path)
    sample = run("--lang", "zh", "sample", "--out", "d")
    assert sample.exit_code == 0 and sample.stdout.splitlines()[-1].startswith("共 12 个文件，")
    assert all(line.startswith(("已写入 d/", "共 ")) for line in sample.stdout.splitlines())
    plugins = run("--lang", "zh", "plugins")
    assert "钩子：register_sources  数据源：csv" in plugins.stdout and "hooks:" not in plugins.stdout


def _value_error_texts():
    """The messages the built-in sources raise as ValueError (their option checks), with each
    {hole} filled with a sample value: what pydantic hands to the E603 message."""
    root = Path(__file__).resolve().parents[1] / "src" / "kpirules" / "sources"
    # json.py's ValueError is json.loads's refusal of NaN, caught and said as a record's reason
    for path in sorted(p for p in root.glob("*.py") if p.name != "json.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and \
                    getattr(node.exc.func, "id", None) == "ValueError" and node.exc.args:
                arg = node.exc.args[0]
                if isinstance(arg, ast.Constant):
                    yield path.name, arg.value
                elif isinstance(arg, ast.JoinedStr):
                    yield path.name, "".join(v.value if isinstance(v, ast.Constant) else "x1" for v in arg.values)


@pytest.mark.parametrize("where, text", list(_value_error_texts()))
def test_a_source_option_check_is_said_in_chinese(where, text):
    # "…的取值无效：unknown encoding 'gbkk' (e.g. utf-8, …)": these reached the E603 message untranslated
    said = i18n.phrase(f"Value error, {text}", "pydantic", "zh")
    assert not english_left(said), f"{where}: {text!r} -> {said!r}"



def test_the_source_of_a_data_problem_is_said_in_chinese():
    # the location printed the source as written: "来源 data/sample/p.db (table peeple)"
    from kpirules.errors import DataLocation

    where = DataLocation("people", "data/p.db (table peeple)", 3, "person_id")
    assert i18n.location_text(where, "zh") == "数据集 people，来源 data/p.db（表 peeple），第 3 行，列 person_id"


def test_the_rules_list_is_in_chinese():
    # every rule has its message in the catalog, and `kpirules rules --lang zh` listed them in English
    chinese = run("--lang", "zh", "rules")
    assert chinese.exit_code == 0
    first = chinese.stdout.splitlines()[0]
    assert first.startswith("KPI101  weights-sum") and first.endswith("岗位 {role} 的主要 KPI 权重合计为 {total}，而不是 100%。")
