"""A lint result in the reader's language, for the output formats to print.

Rule findings carry a template and named values, so their translation is the rule's
Chinese template over the same values ([lint] of `i18n_zh.toml`). Findings that stand
for a file that does not check (`E...` codes) carry the diagnostic's English message and
help as values, translated like any diagnostic. Codes, slugs, places and severities
never change, and the cached result stays in English: this runs after the cache.
"""

from __future__ import annotations

import dataclasses
import re

from kpirules import i18n
from kpirules.errors import Diagnostic
from kpirules.lint.finding import Finding
from kpirules.lint.result import FileReport, LintResult

_GROUPED = re.compile(r"\{(\w+):(\w+)\}")


def localize_result(result: LintResult, lang: str) -> LintResult:
    """The result with every finding and file note in lang (the same result for English)."""
    if i18n.catalog(lang) is None:
        return result
    return dataclasses.replace(
        result,
        findings=[localize_finding(f, lang) for f in result.findings],
        files=[_file(report, lang) for report in result.files],
    )


def localize_finding(finding: Finding, lang: str) -> Finding:
    templates = i18n.lint_templates(finding.code, lang)
    if templates is not None:
        message, help = templates
        args = dict(finding.args)
        # a `{name:group}` field translates its value, under a name of its own (`{name__group}`),
        # so that a plain `{name}` elsewhere keeps the value as written (a keyword in a snippet)
        for template in (message, help):
            for name, group in _GROUPED.findall(template):
                value = finding.args.get(name)
                args[f"{name}__{group}"] = i18n.phrase(value, group, lang) if isinstance(value, str) else value
        return finding.replace(
            template=_plain(message), help_template=_plain(help) if finding.help_template else None, args=args,
        )
    if finding.template == "{message}":
        # a problem that stops the file from being linted: a diagnostic's text as values
        diagnostic = i18n.localize(Diagnostic(finding.code, finding.args.get("message", ""),
                                              help=finding.args.get("help")), lang)
        args = {"message": diagnostic.message, **({"help": diagnostic.help} if diagnostic.help else {})}
        return finding.replace(args=args)
    return finding  # a third-party rule without a translation keeps its own words


def template_text(template: str) -> str:
    """A translated template as people read it: `{text:suppress}` is `{text}` (a rule's
    description in SARIF)."""
    return _GROUPED.sub(r"{\1}", template)


def _plain(template: str) -> str:
    return _GROUPED.sub(r"{\1__\2}", template)


def _file(report: FileReport, lang: str) -> FileReport:
    if not report.reason:
        return report
    reason = i18n.phrase(report.reason, "lint_reason", lang)
    if reason == report.reason and report.status == "error":
        # the first problem of a file that does not parse: its diagnostic's message
        found = i18n.catalog(lang)
        reason = next((text for code, patterns in found.messages.items()
                       if (text := found.message(code, report.reason)) is not None), report.reason)
    return dataclasses.replace(report, reason=reason)
