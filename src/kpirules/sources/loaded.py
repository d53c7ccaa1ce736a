"""What loading datasets produced: per dataset, the rows, fingerprint, rejects and unknown people.

These are the results `load_datasets` and `check_sources` return (kpirules.sources.load).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from pathlib import Path

from pydantic import BaseModel, ConfigDict, PrivateAttr, computed_field

from kpirules.errors import DataLocation, Diagnostic
from kpirules.sources.problems import Numbering


class DatasetLoad(BaseModel):
    """What loading one dataset did.

    The fingerprint reads every value of the table, so it is computed when first asked
    for (the run manifest asks; most loads never do): pass `fingerprint` as the digest
    or as a function that computes it.
    """

    model_config = ConfigDict(frozen=True)

    dataset: str
    #: the source type, e.g. "csv"
    source: str
    #: one line for people, without secrets
    description: str
    #: rows in the loaded table
    rows: int
    #: rows left out (bad_rows="skip"), unreadable records included
    rejected: int = 0
    #: rows crediting a person the roster lacks (None: not checked, no roster loaded)
    unknown_person_rows: int | None = None
    unknown_person_examples: list[str] = []
    #: the first of those rows (rowid + 1 of the loaded table)
    unknown_person_first: int | None = None
    #: rows whose person column is empty, which count for nobody (None: no person column)
    no_person_rows: int | None = None
    #: rows whose date column (the `date` binding) is empty, which are in no period (None: no date binding)
    no_date_rows: int | None = None
    #: where the rows came from, short: a file path, or a table in a database
    locator: str | None = None
    _digest: Callable[[], str] = PrivateAttr()
    _numbering: Numbering = PrivateAttr(default_factory=Numbering)

    def __init__(self, *, fingerprint: str | Callable[[], str], numbering: Numbering | None = None, **data):
        super().__init__(**data)
        self._digest = fingerprint if callable(fingerprint) else (lambda: fingerprint)
        if numbering is not None:
            self._numbering = numbering

    def location(self, ordinal: int | None, column: str | None = None) -> DataLocation:
        """Where a row of the loaded table is (`ordinal`: its rowid + 1), as its source numbers it."""
        row = None if ordinal is None else self._numbering.row(None, ordinal)
        return DataLocation(self.dataset, self.locator, row, column)

    def line(self, ordinal: int) -> int | None:
        """The line (or sheet row) of the source a row of the loaded table starts on; None where
        the source numbers rows only."""
        return self._numbering.line(self._numbering.row(None, ordinal))

    def where(self, ordinal: int) -> str:
        """A row of the loaded table as people find it in the source: `row 3 (line 4)`."""
        return self._numbering.where(self._numbering.row(None, ordinal))

    def unknown_people(self) -> tuple[str, str | None]:
        """The ids of the people the roster lacks, quoted as written so that spaces show
        (`'Vicki Laflamme '`), and the first row crediting one as the source numbers it."""
        ids = ", ".join(repr(v) for v in self.unknown_person_examples)
        return ids, None if self.unknown_person_first is None else self.where(self.unknown_person_first)

    @computed_field
    @cached_property
    def fingerprint(self) -> str:
        """A digest of the table's content: independent of row order, changed by any edit or duplicate."""
        return self._digest()


class LoadReport(BaseModel):
    """What `load_datasets` loaded: one DatasetLoad per dataset, in load order (the roster first)."""

    model_config = ConfigDict(frozen=True)

    env: str
    datasets: list[DatasetLoad]
    rejects_dir: Path | None = None

    def __getitem__(self, dataset: str) -> DatasetLoad:
        """The load of one dataset, by id."""
        for load in self.datasets:
            if load.dataset == dataset:
                return load
        raise KeyError(dataset)

    def skipped(self) -> list[str]:
        """A warning per dataset with bad rows left out (bad_rows="skip"), with their count."""
        return [f"{load.dataset}: {load.rejected} bad {'row' if load.rejected == 1 else 'rows'} skipped"
                for load in self.datasets if load.rejected]


class SourceSchema(BaseModel):
    """A source's columns (name -> DuckDB type) and row count, as read."""

    columns: dict[str, str]
    rows: int


class DatasetCheck(BaseModel):
    """The outcome of checking one dataset's source (`kpirules sources check`)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    dataset: str
    source: str
    description: str
    rows_read: int | None
    load: DatasetLoad | None
    problems: list[Diagnostic]
