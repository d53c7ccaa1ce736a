"""Lint output formats: text, concise, json, sarif, github, junit; and the statistics table.

Every format is a pure function of the result (and the rules' metadata), so repeated runs
print identical output. Paths are shown as the engine recorded them: relative to the
working directory when the file is inside it.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from urllib.parse import quote
from xml.sax.saxutils import escape, quoteattr

from kpirules import __version__, i18n
from kpirules.errors import Location
from kpirules.lint.finding import SEVERITIES, Finding, severity_rank
from kpirules.lint.localize import template_text
from kpirules.lint.result import LintResult
from kpirules.report.diagnostics import source_excerpt

FORMATS = ("text", "concise", "json", "sarif", "github", "junit")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/kpirules/kpirules/blob/main/docs/rules.md"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 or word == 'info' else 's'}"


def summary(result: LintResult, lang: str = "en") -> str:
    counts = Counter(f.severity for f in result.findings)
    files = {f.path for f in result.findings}
    checked = sum(1 for f in result.files if f.status == "linted")
    if not counts:
        text = i18n.ui(lang, "lint.clean", f"No findings in {_plural(checked, 'file')}.", files=checked)
    else:
        counted = i18n.ui(lang, "list.separator", ", ").join(
            i18n.ui(lang, f"lint.{s}", _plural(counts[s], s), n=counts[s]) for s in reversed(SEVERITIES) if counts[s])
        text = i18n.ui(lang, "lint.found", f"Found {counted} in {_plural(len(files), 'file')}.",
                       counts=counted, files=len(files))
    if result.suppressed:
        text += i18n.ui(lang, "lint.suppressed", f" {result.suppressed} suppressed by comments.", n=result.suppressed)
    return text


def _help(f: Finding, lang: str, lead: str = "\n") -> str:
    return lead + i18n.labelled(lang, "help", f.help) if f.help else ""


def _headline(f: Finding) -> str:
    return f"{f.path}:{f.line}:{f.column}: {f.code} [{f.severity}] {f.message}"


def render_concise(result: LintResult, lang: str = "en") -> str:
    return "\n".join([_headline(f) for f in result.findings] + _notes(result, lang) + [summary(result, lang)])


def render_text(result: LintResult, lang: str = "en") -> str:
    blocks = []
    for f in result.findings:
        lines = [_headline(f)]
        lines.extend(source_excerpt(Location(f.path, f.line, f.column, f.end_line, f.end_column)))
        if f.help:
            lines.append(_help(f, lang, "  "))
        blocks.append("\n".join(lines))
    tail = _notes(result, lang) + [summary(result, lang)]
    return "\n\n".join(blocks + ["\n".join(tail)])


def _notes(result: LintResult, lang: str = "en") -> list[str]:
    return [i18n.labelled(lang, "note", i18n.ui(lang, "lint.not_linted", f"{r.path} was not linted: {r.reason}",
                                                 path=r.path, reason=r.reason))
            for r in result.files if r.status == "skipped"]


def render_json(result: LintResult, lang: str = "en", english: LintResult | None = None) -> str:
    """`english`: the result before it was put in `lang` (`localize_result`), whose templates
    and values the findings carry whatever the language of their messages."""
    findings = []
    originals = english.findings if english is not None else result.findings
    for f, e in zip(result.findings, originals, strict=True):
        findings.append({
            "code": f.code, "slug": f.slug, "severity": f.severity, "message": f.message, "help": f.help,
            "path": f.path, "line": f.line, "column": f.column, "end_line": f.end_line, "end_column": f.end_column,
            "template": e.template, "args": e.args,
        })
    data = {
        "version": __version__,
        "findings": findings,
        "files": [{"path": r.path, "status": r.status, **({"reason": r.reason} if r.reason else {})} for r in result.files],
        "suppressed": result.suppressed,
        "summary": summary(result, lang),
    }
    return json.dumps(data, ensure_ascii=False, indent=2)


# ---------------------------------------------------------------- GitHub Actions

_GITHUB_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(result: LintResult, lang: str = "en") -> str:
    lines = []
    for f in result.findings:
        message = f.message + _help(f, lang)
        props = (
            f"file={_gh_property(f.path)},line={f.line},col={f.column},"
            f"endLine={f.end_line},endColumn={f.end_column},title={_gh_property(f.code)}"
        )
        lines.append(f"::{_GITHUB_LEVEL[f.severity]} {props}::{_gh_data(message)}")
    return "\n".join(lines)


# ---------------------------------------------------------------- SARIF 2.1.0

_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def _artifact(path: str) -> dict[str, str]:
    """A file as SARIF names it: a path inside the working folder relative to %SRCROOT% (that
    folder, given in originalUriBaseIds), percent-encoded (`pilot%20role.kpi`); any other
    as an absolute file:// URI."""
    shown = Path(path)
    if shown.is_absolute() or ".." in shown.parts:
        return {"uri": shown.resolve().as_uri()}
    return {"uri": quote(shown.as_posix(), safe="/"), "uriBaseId": "%SRCROOT%"}


def render_sarif(result: LintResult, rules: dict, lang: str = "en", english: LintResult | None = None) -> str:
    descriptors, index = [], {}
    for code, rule in rules.items():
        index[code] = len(descriptors)
        short, help = (template_text(t) if t else t
                       for t in (i18n.lint_templates(code, lang) or (rule.message_template(), rule.help)))
        descriptors.append({
            "id": code,
            "name": rule.slug,
            "shortDescription": {"text": short},
            "fullDescription": {"text": rule.documentation().split("\n\nBad:")[0]},
            "help": {"text": help},
            "helpUri": f"{INFORMATION_URI}#{code.lower()}",
            "defaultConfiguration": {"level": _SARIF_LEVEL[rule.severity]},
            "properties": {"pitfall": rule.pitfall},
        })
    for f in result.findings:  # errors that are not rules: syntax, scheme, internal
        if f.code not in index:
            index[f.code] = len(descriptors)
            descriptors.append({"id": f.code, "name": f.slug, "shortDescription": {"text": f.slug.replace("-", " ")},
                                "defaultConfiguration": {"level": "error"}})
    results = []
    seen: dict[str, int] = {}
    # fingerprints from the English messages: a project that turns to `lang = "zh"` keeps its
    # code-scanning alerts (the findings in `english` are those of `result`, in order)
    originals = english.findings if english is not None else result.findings
    for f, original in zip(result.findings, originals):
        text = f.message + _help(f, lang)
        # stable across edits that move lines; two results of one rule, file and message (two
        # like gates) are told apart by their order, so code scanning keeps both alerts
        key = f"{f.code}:{Path(f.path).as_posix()}:{original.message}"
        seen[key] = seen.get(key, 0) + 1
        fingerprint = key if seen[key] == 1 else f"{key}:{seen[key]}"
        results.append({
            "ruleId": f.code,
            "ruleIndex": index[f.code],
            "level": _SARIF_LEVEL[f.severity],
            "message": {"text": text},
            "locations": [{"physicalLocation": {
                "artifactLocation": _artifact(f.path),
                "region": {"startLine": f.line, "startColumn": f.column,
                           "endLine": f.end_line, "endColumn": f.end_column},
            }}],
            "partialFingerprints": {"kpirules/v1": fingerprint},
        })
    artifacts = [{"location": _artifact(r.path)} for r in result.files]
    sarif = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "kpirules", "version": __version__, "informationUri": INFORMATION_URI,
                                "rules": descriptors}},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": Path.cwd().as_uri().rstrip("/") + "/"}},
            "artifacts": artifacts,
            "results": results,
            "columnKind": "unicodeCodePoints",
        }],
    }
    return json.dumps(sarif, ensure_ascii=False, indent=2)


# ---------------------------------------------------------------- JUnit XML


def render_junit(result: LintResult, fail_level: str, lang: str = "en") -> str:
    by_file: dict[str, list[Finding]] = {r.path: [] for r in result.files}
    for f in result.findings:
        by_file.setdefault(f.path, []).append(f)
    status = {r.path: r for r in result.files}
    cases, failures, skipped = [], 0, 0
    for path, findings in by_file.items():
        failing = [f for f in findings if severity_rank(f.severity) >= severity_rank(fail_level)]
        below = [f for f in findings if f not in failing]
        body = []
        report = status.get(path)
        if report is not None and report.status == "skipped":
            skipped += 1
            skipped_text = i18n.ui(lang, "lint.skipped", f"not linted: {report.reason}", reason=report.reason)
            body.append(f"      <skipped message={quoteattr(skipped_text)}/>")
        # JUnit counts test cases: a file with three failing findings is one failure
        failures += bool(failing)
        for f in failing:
            detail = _headline(f) + _help(f, lang)
            at = i18n.ui(lang, "lint.at", f"line {f.line}, column {f.column}: {f.message}",
                         line=f.line, column=f.column, message=f.message)
            body.append(
                f"      <failure type={quoteattr(f.code)} message={quoteattr(at)}>"
                f"{escape(detail)}</failure>"
            )
        if below:
            out = "\n".join(_headline(f) for f in below)
            body.append(f"      <system-out>{escape(out)}</system-out>")
        open_tag = f"    <testcase classname=\"kpirules.lint\" name={quoteattr(path)} file={quoteattr(path)}"
        cases.append(open_tag + ("/>" if not body else ">\n" + "\n".join(body) + "\n    </testcase>"))
    total = len(by_file)
    head = f'tests="{total}" failures="{failures}" errors="0" skipped="{skipped}"'
    return "\n".join([
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<testsuites name="kpirules lint" {head}>',
        f'  <testsuite name="kpirules lint" {head}>',
        *cases,
        "  </testsuite>",
        "</testsuites>",
    ])


# ---------------------------------------------------------------- statistics


def render_statistics(result: LintResult, as_json: bool = False) -> str:
    """How many findings each rule has, most first: a text table, or a JSON list of
    {"code", "severity", "rule", "count"}."""
    counts = Counter((f.code, f.severity, f.slug) for f in result.findings)
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0][0]))
    if as_json:
        return json.dumps([{"code": code, "severity": severity, "rule": slug, "count": n}
                           for (code, severity, slug), n in rows], ensure_ascii=False, indent=2)
    width = max((len(str(n)) for _, n in rows), default=1)
    return "\n".join(f"{n:>{width}}  {code}  [{severity}]  {slug}" for (code, severity, slug), n in rows)


def render(result: LintResult, output_format: str, *, fail_level: str = "error", rules: dict | None = None,
           lang: str = "en", english: LintResult | None = None) -> str:
    if output_format == "text":
        return render_text(result, lang)
    if output_format == "concise":
        return render_concise(result, lang)
    if output_format == "json":
        return render_json(result, lang, english)
    if output_format == "sarif":
        return render_sarif(result, rules or {}, lang, english)
    if output_format == "github":
        return render_github(result, lang)
    if output_format == "junit":
        return render_junit(result, fail_level, lang)
    raise ValueError(f"unknown output format {output_format!r}")
