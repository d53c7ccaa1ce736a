"""A Salesforce report as columns of text, whichever way it arrived (CSV export or API result).

Columns are named as Salesforce names them: by label ("Opportunity Owner") and, when the
report came from the API, by API name ("FULL_NAME"). `find` resolves what a `fields`
mapping names to one column, by API name first, then by label.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field


@dataclass
class ReportColumn:
    """One detail column of a report, its values as text in row order (None: no value)."""

    label: str
    values: list[str | None]
    #: the API name (detailColumns entry); None for a CSV export, which has labels only
    api_name: str | None = None
    #: Salesforce's data type (detailColumnInfo.dataType); None for a CSV export
    data_type: str | None = None
    #: each cell's raw value (a record ID for lookups), when it differs from what `values` holds
    record_ids: list[str | None] | None = None

    @property
    def shown(self) -> str:
        return f"{self.label} ({self.api_name})" if self.api_name else self.label


@dataclass
class Report:
    """The detail rows of one report: columns of equal length."""

    columns: list[ReportColumn]
    rows: int
    #: how the report arrived, for describe(): "CSV export, 9 rows", "API v60.0, 9 rows"
    summary: str = ""
    #: records that could not be read (CSV only): (row, line, reason, text)
    unreadable: list[tuple[int, int, str, str]] = field(default_factory=list)
    #: the line of the header, when every data record sits on one line (CSV only)
    line_offset: int | None = None

    def find(self, wanted: str) -> ReportColumn | None:
        """The column `wanted` names: API name, then label, then either ignoring case.

        Raises LookupError when a label names more than one column.
        """
        for test in (lambda c: c.api_name == wanted, lambda c: c.label == wanted,
                     lambda c: (c.api_name or "").casefold() == wanted.casefold(),
                     lambda c: c.label.casefold() == wanted.casefold()):
            found = [c for c in self.columns if test(c)]
            if len(found) > 1:
                raise LookupError(f"'{wanted}' names {len(found)} columns: "
                                  + ", ".join(c.shown for c in found))
            if found:
                return found[0]
        return None

    def names(self) -> list[str]:
        """Every name a column can be found by: labels, then API names."""
        return [c.label for c in self.columns] + [c.api_name for c in self.columns if c.api_name]

    def did_you_mean(self, wanted: str) -> str | None:
        match = difflib.get_close_matches(wanted.casefold(), [n.casefold() for n in self.names()], n=1, cutoff=0.6)
        if not match:
            return None
        return next(n for n in self.names() if n.casefold() == match[0])


def counted(n: int, noun: str) -> str:
    """`1 row`, `9 rows`: a count as describe() writes it."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
