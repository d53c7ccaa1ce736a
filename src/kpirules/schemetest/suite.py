"""Find test files, read them all (every problem reported at once), run every case, and
work out coverage: what `kpirules test` and the pytest plugin share.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kpirules.errors import ConfigError, Diagnostic, KpiError, SchemeError
from kpirules.model.loader import display_path, files_under
from kpirules.schemetest.coverage import Coverage, coverage
from kpirules.schemetest.runner import CaseOutcome, run_case
from kpirules.schemetest.spec import SUFFIX, TestFile, read_test_file


def discover(paths: list[Path]) -> list[Path]:
    """Test files named by paths: test files as given, folders searched, a .kpi file's twin beside it."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(files_under(path, SUFFIX))
        elif path.name.endswith(SUFFIX) and path.is_file():
            found.append(path)
        elif path.suffix == ".kpi" and path.is_file():
            twin = path.with_name(path.stem + SUFFIX)
            if twin.is_file():
                found.append(twin)
        elif not path.exists():
            raise ConfigError(Diagnostic("E815", f"no such file or directory: {path}", help="check the path"))
        else:
            raise ConfigError(Diagnostic("E814", f"{path} is not a scheme test file",
                                         help=f"test files are named *{SUFFIX}"))
    if not found:
        shown = ", ".join(display_path(p) for p in paths)
        raise ConfigError(Diagnostic("E814", f"no scheme test files (*{SUFFIX}) found in {shown}",
                                     help="write one next to the rulesets, e.g. rulesets/telesales.kpitest.toml (docs/testing.md)"))
    unique: dict[Path, Path] = {}
    for path in found:
        unique.setdefault(path.resolve(), path)
    return list(unique.values())


def read_all(paths: list[Path]) -> list[TestFile]:
    """Read every test file; raise one SchemeError listing the problems of all of them."""
    schemes: dict = {}
    files, problems = [], []
    for path in paths:
        try:
            files.append(read_test_file(path, schemes))
        except SchemeError as exc:
            problems.extend(d for d in exc.diagnostics if d not in problems)
    if problems:
        raise SchemeError(problems)
    return files


@dataclass
class SuiteResult:
    files: list[TestFile]
    outcomes: dict[str, list[CaseOutcome]] = field(default_factory=dict)  # by test file shown path
    coverage: Coverage | None = None

    @property
    def all_outcomes(self) -> list[CaseOutcome]:
        return [o for outcomes in self.outcomes.values() for o in outcomes]

    @property
    def passed(self) -> bool:
        return all(o.status == "passed" for o in self.all_outcomes)


def run_suite(paths: list[Path], with_coverage: bool = False) -> SuiteResult:
    files = read_all(discover(paths))
    result = SuiteResult(files)
    for test_file in files:
        result.outcomes[test_file.shown] = [run_case(case, test_file.scheme) for case in test_file.cases]
    if with_coverage:
        schemes = list({id(f.scheme): f.scheme for f in files}.values())
        result.coverage = coverage(schemes, result.all_outcomes)
    return result


__all__ = ["KpiError", "SuiteResult", "discover", "read_all", "run_suite"]
