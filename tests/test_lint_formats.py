"""Machine-readable lint output: JSON, SARIF 2.1.0 (validated), GitHub annotations, JUnit XML."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from lint_support import BAD_ROLE, run_cli, write_scheme

SARIF_SCHEMA = Path(__file__).resolve().parents[2] / "shared" / "data" / "sarif" / "sarif-schema-2.1.0.json"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write_scheme(tmp_path, {"bad.kpi": BAD_ROLE, "broken.kpi": "role {\n"})
    return tmp_path


def _lint(*args: str):
    return run_cli("lint", "--no-cache", *args, "bad.kpi", "broken.kpi")


def test_json(project):
    result = _lint("--output-format", "json", "--output", "out.json")
    assert result.exit_code == 1
    data = json.loads((project / "out.json").read_text(encoding="utf-8"))
    codes = [(f["path"], f["line"], f["code"]) for f in data["findings"]]
    assert codes[:3] == [("bad.kpi", 3, "KPI101"), ("bad.kpi", 3, "KPI105"), ("bad.kpi", 11, "KPI102")]
    # the syntax error keeps the parser's own code (E1xx), whatever the parser calls it
    assert codes[3][:2] == ("broken.kpi", 1) and codes[3][2].startswith("E1") and len(codes) == 4
    first = data["findings"][0]
    # the message is a template plus named values, so it can be translated by rule code
    assert first["template"] == "The main KPI weights of role {role} add up to {total}, not 100%."
    assert first["args"] == {"role": "telesales", "total": "70%", "weights": "outbound_calls 70%"}
    assert first["message"] == "The main KPI weights of role telesales add up to 70%, not 100%."
    assert data["files"] == [
        {"path": "bad.kpi", "status": "linted"},
        {"path": "broken.kpi", "status": "error", "reason": data["files"][1]["reason"]},
    ]


def test_json_lists_an_imported_file_in_error(project):
    # ci.md: `files` holds every file named or found, `error` for one that does not check; an
    # imported file with an error had its finding listed but was missing from `files`
    (project / "uses.kpi").write_text('import "broken2.kpi"\n', encoding="utf-8")
    (project / "broken2.kpi").write_text(BAD_ROLE.replace("count(calls)", "count(nothing)"), encoding="utf-8")
    result = run_cli("lint", "--no-cache", "--output-format", "json", "uses.kpi")
    assert result.exit_code == 1
    data = json.loads(result.output[:result.output.rindex("}") + 1])
    assert [(f["path"], f["code"]) for f in data["findings"]] == [("broken2.kpi", "E202")]
    assert [(f["path"], f["status"]) for f in data["files"]] == [("uses.kpi", "skipped"), ("broken2.kpi", "error")]


def test_format_is_output_format_as_the_other_commands_name_it(project):
    # `kpirules lint --format sarif` was "No such option '--format'" (exit 2): every other
    # command takes --format
    assert _lint("--format", "json", "--output", "a.json").exit_code == 1
    assert _lint("--output-format", "json", "--output", "b.json").exit_code == 1
    assert (project / "a.json").read_bytes() == (project / "b.json").read_bytes()


def test_json_in_chinese_keeps_the_english_template_and_values(project):
    # docs/ci.md: `template` and `args` are the English message with its values (to group
    # findings by rule whatever the language); `message` and `help` are in the run's language
    result = run_cli("--lang", "zh", "lint", "--no-cache", "--output-format", "json", "--output", "out.json",
                     "bad.kpi", "broken.kpi")
    assert result.exit_code == 1
    data = json.loads((project / "out.json").read_text(encoding="utf-8"))
    first, broken = data["findings"][0], data["findings"][3]
    assert first["template"] == "The main KPI weights of role {role} add up to {total}, not 100%."
    assert first["args"] == {"role": "telesales", "total": "70%", "weights": "outbound_calls 70%"}
    assert not first["message"].isascii()
    assert broken["template"] == "{message}" and broken["args"]["message"].isascii()
    assert not broken["message"].isascii()


def test_sarif_validates_against_the_official_schema(project):
    if not SARIF_SCHEMA.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"the SARIF schema is missing in CI: {SARIF_SCHEMA}")
        pytest.skip(f"the shared SARIF schema is not here ({SARIF_SCHEMA})")
    import jsonschema

    result = _lint("--output-format", "sarif", "--output", "out.sarif")
    assert result.exit_code == 1
    sarif = json.loads((project / "out.sarif").read_text(encoding="utf-8"))
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(sarif)
    run = sarif["runs"][0]
    assert run["tool"]["driver"]["name"] == "kpirules"
    results = [(r["ruleId"], r["level"], r["locations"][0]["physicalLocation"]["region"]["startLine"])
               for r in run["results"]]
    assert results[:3] == [("KPI101", "error", 3), ("KPI105", "warning", 3), ("KPI102", "warning", 11)]
    assert results[3][0].startswith("E1") and results[3][1:] == ("error", 1)
    rules = run["tool"]["driver"]["rules"]
    for r in run["results"]:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]


def test_sarif_fingerprints_tell_like_results_apart(project):
    # two like findings of one rule in one file (two gates reading 60% as points, one message)
    # had one fingerprint, so code scanning merged their alerts into one
    gates = "    gate total_score >= 60% else zero\n    gate total_score >= 60% else zero\n"
    text = BAD_ROLE.replace("    target_incentive 3000 CNY\n", "    target_incentive 3000 CNY\n" + gates)
    (project / "two.kpi").write_text(text, encoding="utf-8")
    result = run_cli("lint", "--no-cache", "--output-format", "sarif", "--select", "KPI606", "two.kpi")
    assert result.exit_code == 0, result.output
    results = json.loads(result.output[:result.output.rindex("}") + 1])["runs"][0]["results"]
    assert [r["message"]["text"].startswith("The gate on total_score reads 60% as 0.6 points") for r in results] == [True] * 2
    prints = [r["partialFingerprints"]["kpirules/v1"] for r in results]
    assert len(set(prints)) == 2, prints


def test_sarif_fingerprints_are_the_same_in_every_language(project):
    # they were made of the translated message: `lang = "zh"` closed and reopened every alert
    prints = {}
    for lang in ("en", "zh"):
        result = run_cli("--lang", lang, "lint", "--no-cache", "--output-format", "sarif", "bad.kpi")
        sarif = json.loads(result.output[:result.output.rindex("}") + 1])
        prints[lang] = [r["partialFingerprints"]["kpirules/v1"] for r in sarif["runs"][0]["results"]]
    assert prints["en"] == prints["zh"] and prints["en"][0].startswith("KPI101:bad.kpi:The main KPI weights")


def test_sarif_uris_are_encoded_and_anchored(project):
    # a space was written raw ("pilot role.kpi"), %SRCROOT% was never defined, and a file
    # outside the working folder had an absolute path relative to %SRCROOT%
    (project / "sub").mkdir()
    (project / "sub" / "pilot role.kpi").write_text(BAD_ROLE.replace("telesales", "pilot"), encoding="utf-8")
    os.chdir(project / "sub")
    result = run_cli("lint", "--no-cache", "--output-format", "sarif", "--select", "KPI101", "pilot role.kpi", "../bad.kpi")
    assert result.exit_code == 1, result.output
    run = json.loads(result.output[:result.output.rindex("}") + 1])["runs"][0]
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": (project / "sub").resolve().as_uri() + "/"}}
    locations = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in run["results"]]
    assert sorted(locations, key=lambda a: a["uri"]) == [{"uri": (project / "bad.kpi").resolve().as_uri()},
                                                          {"uri": "pilot%20role.kpi", "uriBaseId": "%SRCROOT%"}]


def test_github_annotations(project):
    result = _lint("--output-format", "github")
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("::")]
    assert lines[0] == (
        "::error file=bad.kpi,line=3,col=6,endLine=3,endColumn=15,title=KPI101::"
        "The main KPI weights of role telesales add up to 70%25, not 100%25."
        "%0Ahelp: change the weights (outbound_calls 70%25) so that they add up to 100%25"
    )
    assert lines[2].startswith("::warning file=bad.kpi,line=11,col=5,")
    assert lines[3].startswith("::error file=broken.kpi,line=1,")


def test_junit_report(project):
    result = _lint("--output-format", "junit", "--output", "junit.xml")
    assert result.exit_code == 1
    root = ET.parse(project / "junit.xml").getroot()
    suite = root.find("testsuite")
    cases = {case.get("name"): case for case in suite.findall("testcase")}
    assert set(cases) == {"bad.kpi", "broken.kpi"}
    # only findings at or above the fail level (error) are failures; the warnings go to system-out
    assert [f.get("type") for f in cases["bad.kpi"].findall("failure")] == ["KPI101"]
    assert "KPI102" in cases["bad.kpi"].find("system-out").text
    [syntax] = cases["broken.kpi"].findall("failure")
    assert syntax.get("type").startswith("E1") and syntax.get("message").startswith("line 1, column")
    assert suite.get("failures") == "2" and suite.get("tests") == "2"
    warning_level = _lint("--output-format", "junit", "--fail-level", "warning")
    xml_text = warning_level.output[warning_level.output.index("<?xml"):warning_level.output.index("</testsuites>") + 13]
    failures = ET.fromstring(xml_text)
    # failures counts failing test cases (files), not <failure> elements: bad.kpi has three
    # (KPI101, KPI105, KPI102) and broken.kpi one, so 2 of 2 cases fail (it said 4)
    assert len(failures.findall(".//failure")) == 4
    assert failures.find("testsuite").get("failures") == failures.get("failures") == "2"


def test_junit_counts_failing_skipped_and_passing_test_cases(project):
    # docs/ci.md: one test case per file. 5 cases: bad.kpi fails (1 error), broken.kpi fails
    # (syntax error), dep.kpi is skipped (imports broken.kpi), clean.kpi and prelude.kpi pass;
    # so tests=5, failures=2, skipped=1, whatever the number of <failure> elements
    (project / "dep.kpi").write_text('import "broken.kpi"\n', encoding="utf-8")
    (project / "clean.kpi").write_text('import "prelude.kpi"\n', encoding="utf-8")
    result = run_cli("lint", "--no-cache", "--output-format", "junit", "--output", "junit.xml", "--fail-level", "warning",
                     "bad.kpi", "broken.kpi", "dep.kpi", "clean.kpi", "prelude.kpi")
    assert result.exit_code == 1, result.output
    root = ET.parse(project / "junit.xml").getroot()
    suite = root.find("testsuite")
    assert len(suite.findall("testcase")) == 5 and len(suite.findall(".//failure")) == 4
    for element in (root, suite):
        assert (element.get("tests"), element.get("failures"), element.get("skipped")) == ("5", "2", "1")


def test_output_is_identical_on_repeated_runs(project):
    first = _lint("--output-format", "sarif").output
    second = _lint("--output-format", "sarif").output
    assert first == second
