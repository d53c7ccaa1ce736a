"""A finding: one pitfall found at one place, with the values its message is built from.

The message is a template plus named values (`args`), never concatenated text, so that a
translation keyed by rule code can rebuild it in another language.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SEVERITIES = ("info", "warning", "error")
#: codes the engine itself reports: a rule that crashed, or a file that does not check
INTERNAL_ERROR = "KPI000"


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity)


@dataclass(frozen=True, slots=True)
class Finding:
    """A rule's verdict at a source span: code, severity, message template and its values."""

    code: str
    slug: str
    severity: str
    template: str
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    args: dict[str, str | int] = field(default_factory=dict)
    help_template: str | None = None

    @property
    def message(self) -> str:
        return self.template.format(**self.args)

    @property
    def help(self) -> str | None:
        return self.help_template.format(**self.args) if self.help_template else None

    def sort_key(self) -> tuple:
        return (self.path, self.line, self.column, self.code, self.message)

    def replace(self, **changes) -> Finding:
        values = {name: getattr(self, name) for name in self.__dataclass_fields__}
        values.update(changes)
        return Finding(**values)

    def to_dict(self) -> dict:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    @classmethod
    def from_dict(cls, data: dict) -> Finding:
        return cls(**data)
