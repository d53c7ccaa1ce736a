"""Run the rules: parse, resolve each scheme, check, then apply configuration and suppressions.

A file that does not parse is reported with its syntax error and the other files are
still linted; a rule that crashes becomes a KPI000 finding for the file it was checking
and the other rules still run. Findings are reported only in the files named (a scheme's
imported common file is read, but linted only when named too).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kpirules.errors import Diagnostic, Location
from kpirules.lint.config import LintConfig, expand
from kpirules.lint.context import LintContext
from kpirules.lint.finding import INTERNAL_ERROR, Finding
from kpirules.lint.registry import all_rules
from kpirules.lint.result import FileReport, LintResult
from kpirules.lint.rule import Rule
from kpirules.lint.suppress import not_a_code, read_suppressions, suppressing
from kpirules.lint.workset import Parsed, importers, parse_files, units
from kpirules.model.loader import find_kpi_files
from kpirules.model.problems import Problems
from kpirules.model.resolve import Resolver

UNUSED_SUPPRESSION, BAD_SUPPRESSION = "KPI901", "KPI902"


@dataclass
class Selection:
    """The rules a run uses, after select, ignore and --history."""

    rules: dict[str, type[Rule]]
    enabled: set[str]

    @classmethod
    def build(cls, config: LintConfig, select: list[str] | None = None, ignore: list[str] | None = None,
              history: bool = False) -> Selection:
        rules = all_rules()
        table = "tool.kpirules.lint" if config.source and config.source.name == "pyproject.toml" else "lint"
        # severity and per-file-ignores take prefixes and slugs too: applied code by code, the
        # most specific entry last (ALL, then prefixes from the shortest, then codes and slugs)
        slugs = {rule.slug for rule in rules.values()}

        def specificity(item: tuple[str, str]) -> tuple[int, int]:
            name = item[0]
            exact = name.upper() in rules or name in slugs
            return (2 if exact else 0 if name.upper() == "ALL" else 1, len(name))

        config.severity = {code: level for name, level in sorted(config.severity.items(), key=specificity)
                           for code in sorted(expand([name], rules, config.source, table, "severity", name))}
        config.per_file_ignores = {
            pattern: sorted(expand(codes, rules, config.source, table, "per-file-ignores", pattern))
            for pattern, codes in config.per_file_ignores.items()
        }
        # the file's select is checked even when --select replaces it: a typo there must not
        # wait for the day the option is dropped
        chosen = expand(config.select, rules, config.source, table, "select")
        if select:
            chosen = expand(select, rules, None, "", "select")
        dropped = expand(config.ignore, rules, config.source, table, "ignore")
        if ignore:
            dropped |= expand(ignore, rules, None, "", "ignore")
        enabled = {c for c in chosen - dropped if history or not rules[c].needs_history}
        return cls(rules, enabled)


def _error_finding(d: Diagnostic, fallback: str) -> Finding:
    """A problem that stops a file from being linted (syntax, imports, names), as a finding."""
    loc = d.location if isinstance(d.location, Location) else Location(fallback, 1, 1)
    args = {"message": d.message, **({"help": d.help} if d.help else {})}
    return Finding(
        code=d.code, slug="syntax-error" if d.code.startswith("E1") else "scheme-error", severity="error",
        template="{message}", args=args, help_template="{help}" if d.help else None,
        path=loc.path, line=loc.line, column=loc.column,
        end_line=loc.end_line or loc.line, end_column=loc.end_column or loc.column + 1,
    )


def _crash(rule: type[Rule], exc: Exception, path: str) -> Finding:
    if os.environ.get("KPIRULES_DEBUG"):
        raise exc
    return Finding(
        code=INTERNAL_ERROR, slug="internal-error", severity="error",
        template="rule {rule} crashed while checking this file: {error}",
        help_template="this is a bug in the rule ({module}); the other rules ran. Set KPIRULES_DEBUG=1 for a traceback",
        args={"rule": rule.code, "error": f"{type(exc).__name__}: {exc}", "module": rule.__module__},
        path=path, line=1, column=1, end_line=1, end_column=2,
    )


class Linter:
    def __init__(self, config: LintConfig, selection: Selection, history: Any = None):
        self.config = config
        self.selection = selection
        self.history = history
        #: every file the last run read, imports included (for the cache)
        self.read_files: list[Path] = []

    # ------------------------------------------------------------ entry

    def lint(self, paths: list[str | Path], jobs: int | None = None) -> LintResult:
        named = [p.resolve() for p in find_kpi_files(paths)]
        # the other .kpi files beside the named ones are read too, not linted: role files that
        # import a named common.kpi belong to its scheme, and rules about the whole scheme
        # (KPI401: objectives no role serves) must see their roles
        known = set(named)
        beside = sorted(q for folder in {p.parent for p in named} for q in folder.glob("*.kpi")
                        if q not in known and q.is_file())
        parsed = parse_files(named + beside, jobs)
        self.read_files = list(parsed.order)
        # what is reported on: the named files and what they import
        reach = set(named).union(*(_closure(p, parsed) for p in named))
        result = LintResult(rules=sorted(self.selection.enabled))
        status: dict[Path, FileReport] = {}
        raw: list[Finding] = []
        for path, diagnostics in parsed.problems.items():
            if path in reach:
                status[path] = FileReport(parsed.display(path), "error", diagnostics[0].message)
                raw.extend(_error_finding(d, parsed.display(path)) for d in diagnostics)
        contexts = []
        for unit in units(parsed):
            if not any(p in reach for p in unit.files):
                continue
            ctx = self._resolve([p for p in unit.files if p not in parsed.problems or p in reach], parsed, status,
                                raw, set(named))
            if ctx is not None:
                contexts.append(ctx)
                raw.extend(self._run_rules(ctx))
        # problems of files read only for context are not reported: they are not linted
        shown_reach = {parsed.display(p) for p in reach}
        raw = [f for f in raw if f.code.startswith("KPI") or f.path in shown_reach]
        status = {p: r for p, r in status.items() if p in reach}
        shown = {parsed.display(p) for p in named}
        result.files = [status.get(p) or FileReport(parsed.display(p), "linted") for p in named]
        # a file a linted one imports, in error: its findings are reported, so it is listed too
        named_set = set(named)
        result.files += sorted((r for p, r in status.items() if p not in named_set and r.status == "error"),
                               key=lambda r: r.path)
        trees = {tree.path: tree for tree in parsed.trees.values()}
        result.findings, result.suppressed = self._finish(raw, shown, trees, status, parsed)
        return result

    # ------------------------------------------------------------ resolve

    def _resolve(self, files: list[Path], parsed: Parsed, status, raw, named: set[Path]) -> LintContext | None:
        bad = {p for p in files if p in parsed.problems}
        remaining = [p for p in files if p not in bad]
        while remaining:
            for path in importers_of(bad, parsed, remaining):
                culprit = next(b for b in bad if b in _closure(path, parsed))
                status.setdefault(path, FileReport(parsed.display(path), "skipped",
                                                   f"it imports {parsed.display(culprit)}, which has errors"))
            remaining = [p for p in remaining if p not in status]
            if not remaining:
                return None
            problems = Problems()
            scheme = Resolver([parsed.trees[p] for p in remaining], problems).resolve()
            if not problems:
                if scheme is None:  # pragma: no cover - resolve reports why it returns None
                    return None
                shown = {parsed.display(p) for p in remaining if p in named}
                return LintContext(scheme, {parsed.display(p): parsed.trees[p] for p in remaining}, shown, self.history,
                                   complete=not (bad or parsed.problems))
            by_display = {parsed.display(p): p for p in remaining}
            newly = set()
            for d in problems.diagnostics:
                where = d.location.path if isinstance(d.location, Location) else None
                path = by_display.get(where) if where else None
                if path is None:
                    path = remaining[0]
                raw.append(_error_finding(d, parsed.display(path)))
                newly.add(path)
            for path in newly:
                status[path] = FileReport(parsed.display(path), "error", "it does not pass `kpirules check`")
            bad |= newly
            remaining = [p for p in remaining if p not in newly]
        return None

    # ------------------------------------------------------------ rules

    def _run_rules(self, ctx: LintContext) -> list[Finding]:
        found: list[Finding] = []
        header_path = ctx.scheme.header.span.path
        fallback = header_path if header_path in ctx.linted else min(ctx.linted, default=header_path)
        if ctx.history is not None and any(self.selection.rules[c].needs_history for c in self.selection.enabled):
            # outside the rules' try: a data or configuration problem is the user's, not a crash
            ctx.history = ctx.history.for_scheme(ctx.scheme)
        for code in sorted(self.selection.enabled):
            rule_class = self.selection.rules[code]
            if code in (UNUSED_SUPPRESSION, BAD_SUPPRESSION):
                continue
            rule = rule_class(self.config.options)
            if type(rule).check is Rule.check:
                for role in ctx.roles():
                    try:
                        found.extend(rule.check_role(ctx, role))
                    except Exception as exc:  # noqa: BLE001 - a broken rule must not stop the others
                        found.append(_crash(rule_class, exc, role.span.path))
            else:
                try:
                    found.extend(rule.check(ctx))
                except Exception as exc:  # noqa: BLE001
                    found.append(_crash(rule_class, exc, fallback))
        return found

    # ------------------------------------------------------------ configuration and suppressions

    def _finish(self, raw: list[Finding], shown: set[str], trees, status, parsed) -> tuple[list[Finding], int]:
        enabled = self.selection.enabled
        rules = self.selection.rules
        kept: dict[tuple, Finding] = {}
        suppressed = 0
        per_file: dict[str, list] = {}
        bad_comments: list[Finding] = []
        slugs = {rule.slug: code for code, rule in rules.items()}
        for path in sorted(shown):
            tree = trees.get(path)
            if tree is None or not any("kpirules" in c.text.lower() for c in tree.comments):
                per_file[path] = []
                continue
            # lines as the parser counts them: split at line feeds only
            lines = Path(path).read_text(encoding="utf-8-sig").split("\n")
            sups, bad = read_suppressions(tree, lines)
            per_file[path] = sups
            for comment in bad:
                bad_comments.append(self._rule_finding(BAD_SUPPRESSION, path, comment.line, comment.column,
                                                       comment.end_column, text=comment.text, problem=comment.problem))
            for s in sups:
                for code in s.codes:
                    if code not in rules:
                        text, problem = not_a_code(code, slugs, rules)
                        bad_comments.append(self._rule_finding(
                            BAD_SUPPRESSION, path, s.line, s.column, s.end_column, text=text, problem=problem))
        for f in raw + bad_comments:
            is_rule = f.code in rules and f.code != INTERNAL_ERROR
            if is_rule and (f.path not in shown or f.code not in enabled):
                continue
            if is_rule and f.code in self.config.ignored_in(f.path):
                continue
            if is_rule and f.code != BAD_SUPPRESSION:
                sup = suppressing(per_file.get(f.path, []), f.code, f.line, f.column)
                if sup is not None:
                    sup.used.add(f.code)
                    suppressed += 1
                    continue
            if f.code in self.config.severity:
                f = f.replace(severity=self.config.severity[f.code])
            kept.setdefault((f.code, f.path, f.line, f.column, f.end_line, f.end_column), f)
        if UNUSED_SUPPRESSION in enabled:
            # no rule ran on a file in error or skipped: its suppressions hid nothing, nor failed to
            not_linted = {report.path for report in status.values()}
            for path, sups in per_file.items():
                if UNUSED_SUPPRESSION in self.config.ignored_in(path) or path in not_linted:
                    continue
                off = self.config.ignored_in(path)
                for s in sups:
                    unused = [c for c in s.codes if c in enabled and c not in off and c not in s.used
                              and c not in (UNUSED_SUPPRESSION, BAD_SUPPRESSION)]
                    if unused:
                        f = self._rule_finding(UNUSED_SUPPRESSION, path, s.line, s.column, s.end_column,
                                               codes=", ".join(unused))
                        if UNUSED_SUPPRESSION in self.config.severity:
                            f = f.replace(severity=self.config.severity[UNUSED_SUPPRESSION])
                        kept.setdefault((f.code, f.path, f.line, f.column, f.end_line, f.end_column), f)
        return sorted(kept.values(), key=Finding.sort_key), suppressed

    def _rule_finding(self, code: str, path: str, line: int, column: int, end_column: int, **args) -> Finding:
        rule = self.selection.rules[code]()
        return rule.finding(Location(path, line, column, line, end_column), **args)


def _closure(path: Path, parsed: Parsed) -> set[Path]:
    found, todo = set(), [path]
    while todo:
        p = todo.pop()
        for t in parsed.imports.get(p, ()):
            if t not in found:
                found.add(t)
                todo.append(t)
    return found


def importers_of(bad: set[Path], parsed: Parsed, within: list[Path]) -> set[Path]:
    found: set[Path] = set()
    for path in bad:
        found |= importers(path, parsed, within)
    return found - bad


def lint_paths(paths: list[str | Path], *, config: LintConfig | None = None, select: list[str] | None = None,
               ignore: list[str] | None = None, history: Any = None, jobs: int | None = None) -> LintResult:
    """Lint .kpi files (or folders of them) with a configuration; the library entry point."""
    config = config or LintConfig()
    selection = Selection.build(config, select, ignore, history is not None)
    return Linter(config, selection, history).lint(paths, jobs)
