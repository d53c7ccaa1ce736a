"""What a lint run produces: findings, and what happened to each file named."""

from __future__ import annotations

from dataclasses import dataclass, field

from kpirules.lint.finding import Finding, severity_rank


@dataclass
class FileReport:
    """One file named on the command line: linted, in error (does not parse or check), or skipped."""

    path: str
    status: str  # "linted", "error", "skipped"
    reason: str = ""


@dataclass
class LintResult:
    findings: list[Finding] = field(default_factory=list)
    files: list[FileReport] = field(default_factory=list)
    suppressed: int = 0
    #: the rule codes that ran
    rules: list[str] = field(default_factory=list)

    def at_or_above(self, level: str) -> list[Finding]:
        return [f for f in self.findings if severity_rank(f.severity) >= severity_rank(level)]

    def to_dict(self) -> dict:
        return {
            "findings": [f.to_dict() for f in self.findings],
            "files": [vars(f) for f in self.files],
            "suppressed": self.suppressed,
            "rules": self.rules,
        }

    @classmethod
    def from_dict(cls, data: dict) -> LintResult:
        return cls(
            findings=[Finding.from_dict(f) for f in data["findings"]],
            files=[FileReport(**f) for f in data["files"]],
            suppressed=data["suppressed"],
            rules=data["rules"],
        )
