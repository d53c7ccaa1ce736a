"""What loading datasets produced: per dataset, the rows, fingerprint, rejects and unknown people.

These are the results `load_datasets` and `check_sources` return (kpirules.sources.load).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict

from kpirules.errors import Diagnostic


class DatasetLoad(BaseModel):
    """What loading one dataset did."""

    model_config = ConfigDict(frozen=True)

    dataset: str
    #: the source type, e.g. "csv"
    source: str
    #: one line for people, without secrets
    description: str
    #: rows in the loaded table
    rows: int
    #: a digest of the table's content: independent of row order, changed by any edit or duplicate
    fingerprint: str
    #: rows left out (bad_rows="skip"), unreadable records included
    rejected: int = 0
    #: rows crediting a person the roster lacks (None: not checked, no roster loaded)
    unknown_person_rows: int | None = None
    unknown_person_examples: list[str] = []


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
