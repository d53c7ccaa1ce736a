"""The results of scheme tests as text (PASS/FAIL per case, the failing steps) or JSON."""

from __future__ import annotations

from kpirules import i18n
from kpirules.schemetest.coverage import Coverage
from kpirules.schemetest.runner import CaseOutcome
from kpirules.schemetest.suite import SuiteResult

MARK = {"passed": "PASS", "failed": "FAIL", "error": "ERROR"}


def explain_failure(outcome: CaseOutcome, indent: str = "") -> list[str]:
    """The lines under a failing case: each expectation missed, and the steps that produced it."""
    if outcome.error is not None:
        d = outcome.error
        lines = [f"{indent}error[{d.code}]: {d.message}"]
        return lines + ([f"{indent}  help: {d.help}"] if d.help else [])
    lines = []
    for f in outcome.failures:
        e = f.expectation
        lines.append(f"{indent}{e.subject}: expected {f.expected}, got {f.actual}  ({e.location})")
        lines.extend(f"{indent}  step: {step}" for step in f.steps)
    return lines


def counts(result: SuiteResult) -> dict[str, int]:
    outcomes = result.all_outcomes
    return {
        "files": len(result.files),
        "cases": len(outcomes),
        "passed": sum(o.status == "passed" for o in outcomes),
        "failed": sum(o.status == "failed" for o in outcomes),
        "errors": sum(o.status == "error" for o in outcomes),
    }


def render_text(result: SuiteResult, verbose: bool = True) -> str:
    out: list[str] = []
    for shown, outcomes in result.outcomes.items():
        if not verbose and all(o.status == "passed" for o in outcomes):
            continue
        out.append(shown)
        for outcome in outcomes:
            case = outcome.case
            if outcome.status == "passed" and not verbose:
                continue
            where = "" if outcome.status == "passed" else f"  ({case.location})"
            out.append(f"  {MARK[outcome.status]:<5} {case.name}{where}")
            out.extend(explain_failure(outcome, indent="        "))
    n = counts(result)
    summary = (f"{i18n.count(n['cases'], 'case')} in {i18n.count(n['files'], 'file')}: "
               f"{n['passed']} passed, {n['failed']} failed")
    if n["errors"]:
        summary += f", {n['errors']} could not run"
    if out:  # a blank line between the cases and the summary (none before it when no case is listed)
        out.append("")
    out.append(summary + ".")
    if result.coverage is not None:
        out.extend(render_coverage(result.coverage))
    return "\n".join(out)


def render_coverage(cov: Coverage) -> list[str]:
    missing = cov.uncovered
    total = len(cov.items)
    head = f"Coverage: {total - len(missing)} of {total} tiers, branches and gates exercised"
    if not missing:
        return [head + "."]
    lines = [head + "; not exercised by any case:"]
    lines.extend(f"  {item.location}: role {item.role}: {item.description}" for item in missing)
    return lines


def as_json(result: SuiteResult) -> dict:
    files = []
    for test_file in result.files:
        cases = []
        for o in result.outcomes[test_file.shown]:
            entry = {"name": o.case.name, "location": str(o.case.location), "role": o.case.role.id,
                     "period": o.case.period.label, "status": o.status,
                     "expectations": len(o.case.expectations), "failures": []}
            for f in o.failures:
                entry["failures"].append({"expectation": f.expectation.subject, "location": str(f.expectation.location),
                                          "expected": f.expected, "actual": f.actual, "steps": f.steps})
            if o.error is not None:
                entry["error"] = {"code": o.error.code, "message": o.error.message, "help": o.error.help}
            cases.append(entry)
        files.append({"path": test_file.shown, "scheme": list(test_file.scheme.files), "cases": cases})
    data = {"summary": counts(result), "files": files}
    if result.coverage is not None:
        cov = result.coverage
        data["coverage"] = {
            "items": len(cov.items), "exercised": len(cov.items) - len(cov.uncovered),
            "uncovered": [{"location": str(i.location), "role": i.role, "kind": i.kind, "item": i.description}
                          for i in cov.uncovered],
        }
    return data
