"""A pytest plugin: scheme test files (`*.kpitest.toml`) collected as tests, one item per case.

Installed with kpirules (the `pytest11` entry point), it adds items only for test files
pytest is asked to collect: `pytest rulesets/` or `pytest rulesets/telesales.kpitest.toml`.
A failing case reports what `kpirules test` prints: each expectation missed, expected and
actual, and the steps of the trace behind it. A test file with problems is a collection
error listing them at file:line:col.
"""

from __future__ import annotations

import pytest

from kpirules.schemetest import SUFFIX

_SCHEMES = pytest.StashKey[dict]()


def pytest_collect_file(file_path, parent):
    if file_path.name.endswith(SUFFIX):
        return SchemeTestFile.from_parent(parent, path=file_path)
    return None


class CaseFailed(Exception):
    """A case whose result differs from what it expects (or that could not run)."""

    def __init__(self, outcome):
        super().__init__(outcome.case.name)
        self.outcome = outcome


class SchemeTestFile(pytest.File):
    def collect(self):
        from kpirules.schemetest.spec import read_test_file

        # one scheme object per set of .kpi files in the session, as `kpirules test` does
        schemes = self.config.stash.setdefault(_SCHEMES, {})
        test_file = read_test_file(self.path, schemes)
        for case in test_file.cases:
            yield SchemeTestCase.from_parent(self, name=case.name, case=case, scheme=test_file.scheme)

    def repr_failure(self, excinfo):
        from kpirules.errors import KpiError
        from kpirules.report.diagnostics import render_all

        if isinstance(excinfo.value, KpiError):
            return render_all(excinfo.value.diagnostics)
        return super().repr_failure(excinfo)


class SchemeTestCase(pytest.Item):
    def __init__(self, *, case, scheme, **kwargs):
        super().__init__(**kwargs)
        self.case = case
        self.scheme = scheme

    def runtest(self) -> None:
        from kpirules.schemetest.runner import run_case

        outcome = run_case(self.case, self.scheme)
        if outcome.status != "passed":
            raise CaseFailed(outcome)

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, CaseFailed):
            from kpirules.schemetest.render import explain_failure

            outcome = excinfo.value.outcome
            head = f"{self.case.location}: case '{self.case.name}' {'failed' if outcome.status == 'failed' else 'could not run'}"
            return "\n".join([head, *explain_failure(outcome, indent="  ")])
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, self.case.location.line - 1, f"scheme test: {self.case.name}"
