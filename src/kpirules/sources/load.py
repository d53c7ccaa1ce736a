"""Loading datasets into DuckDB: open each configured source, convert, check, and swap in.

`load_datasets` is what the evaluator calls. For each dataset it creates a table named
exactly the dataset id, with the declared columns in declaration order and types, after
checking every value, constraint, key and the roster. All of it is set-based SQL: one
pass converts and stops at bad values (kpirules.sources.stage; only then a second,
careful pass finds them all), one GROUP BY per unique column or key finds duplicates, a
recursive CTE finds manager cycles. The fingerprint is computed when first asked for.

Nothing is half-written: datasets are staged under temporary names, and only when every
one of them is clean (or its bad rows are skipped) are they renamed into place, in one
transaction. With `bad_rows="stop"` problems raise a DataError listing them all; with
"skip" bad rows are left out, counted, and written with their reason to
`rejects_dir/<dataset>.csv`.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import sys
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

import duckdb
import pyarrow as pa

from kpirules import plugins
from kpirules.config import Binding, ProjectConfig
from kpirules.errors import ConfigError, DataError, DataLocation, Diagnostic, KpiError
from kpirules.model.scheme import Dataset, Scheme
from kpirules.sources import checks, problems
from kpirules.sources.base import Source, SourceContext, first_names, reads_as_record
from kpirules.sources.convert import SQL_TYPES, quote
from kpirules.sources.loaded import DatasetCheck, DatasetLoad, LoadReport, SourceSchema
from kpirules.sources.problems import Numbering
from kpirules.sources.stage import (
    GIVEN, StagePlan, bad_row_sql, fast_stage, find_row_problems, good_rows, hash_sum, mark_duplicates,
    plan_stage, problems_sql, problems_table, summarise, typed_stage,
)

__all__ = ["DatasetCheck", "DatasetLoad", "LoadReport", "SourceSchema", "check_sources", "inspect_source",
           "load_datasets", "open_source"]


def open_source(binding: Binding, dataset: Dataset, config: ProjectConfig, *, scheme_timezone: str,
                connection: duckdb.DuckDBPyConnection | None = None, scheme_currency: str | None = None) -> Source:
    """An instance of the binding's source type, ready to `read()`."""
    registered = plugins.get_source_type(binding.source)
    if registered is None:
        raise ConfigError(Diagnostic(
            "E605", f"{binding.key_path}.source: unknown source type '{binding.source}'",
            help=plugins.unknown_source_help(binding.source),
        ))
    context = SourceContext(
        config_dir=config.root, dataset=dataset, scheme_timezone=scheme_timezone, connection=connection,
        config_key=config.key_prefix + binding.key_path, config_path=config.path, scheme_currency=scheme_currency,
    )
    return registered.cls(binding.options, context)


def inspect_source(source: Source, con: duckdb.DuckDBPyConnection | None = None) -> SourceSchema:
    """Read a source and report its columns and row count (nothing is converted or kept)."""
    con = con or source.context.connection or duckdb.connect()
    name = f"__kpirules_inspect_{uuid.uuid4().hex[:8]}"
    try:
        _register(con, name, _read(source), source)
        columns = {n: t for n, t, *_ in con.execute(f"DESCRIBE SELECT * FROM {quote(name)}").fetchall()}
        (rows,) = con.execute(f"SELECT count(*) FROM {quote(name)}").fetchall()[0]
        return SourceSchema(columns=columns, rows=rows)
    except duckdb.Error as exc:
        raise _read_error(source, exc) from None
    finally:
        con.unregister(name)
        _close(source)


def load_datasets(scheme: Scheme, config: ProjectConfig, con: duckdb.DuckDBPyConnection, *,
                  env: str | None = None, datasets: Iterable[str] | None = None,
                  bad_rows: Literal["stop", "skip"] = "stop", rejects_dir: Path | None = None,
                  check_keys: bool = True) -> LoadReport:
    """Load each declared dataset (or those named) into `con` as a table named by its id.

    Raises ConfigError for configuration problems and DataError listing every data
    problem found (with bad_rows="stop"); on error no table in `con` is changed.
    """
    run = _Run(scheme, config, con, env, datasets, bad_rows, rejects_dir, check_keys)
    try:
        results = run.stage_all()
        found = [d for r in results for d in r.problems]
        if found:
            raise DataError(found)
        run.swap_in()
    finally:
        run.cleanup()
    return LoadReport(env=run.env, datasets=[r.load for r in results], rejects_dir=rejects_dir)


def check_sources(scheme: Scheme, config: ProjectConfig, *, env: str | None = None,
                  bad_rows: Literal["stop", "skip"] = "stop", rejects_dir: Path | None = None) -> list[DatasetCheck]:
    """Open every configured source and run load_datasets' checks, in a scratch database;
    `bad_rows` and `rejects_dir` as load_datasets takes them."""
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    run = _Run(scheme, config, con, env, None, bad_rows, rejects_dir, True)
    try:
        staged = run.stage_all()
        for r in staged:
            # run refuses an empty roster once everything has loaded (E504): so does the check
            empty = checks.empty_roster(r.load) if r.dataset.kind == "roster" and r.load and not r.problems else None
            if empty is not None:
                r.problems.append(empty)
        checked = [
            DatasetCheck(dataset=r.dataset.id, source=r.source_name, description=r.description,
                         rows_read=r.rows_read, load=r.load if not r.problems else None, problems=r.problems)
            for r in staged
        ]
        for check in checked:
            if check.load is not None:
                check.load.fingerprint  # noqa: B018 - now, while the staged tables exist
        return checked
    finally:
        run.cleanup()
        con.close()


# ---------------------------------------------------------------------- the work


class _Staged:
    def __init__(self, dataset: Dataset, source_name: str):
        self.dataset = dataset
        self.source_name = source_name
        self.description = source_name
        self.stage: str | None = None
        self.digest: _Digest | None = None
        self.rows_read: int | None = None
        self.load: DatasetLoad | None = None
        self.problems: list[Diagnostic] = []


class _Run:
    def __init__(self, scheme, config, con, env, datasets, bad_rows, rejects_dir, check_keys):
        if bad_rows not in ("stop", "skip"):
            raise ConfigError(Diagnostic("E603", f"bad_rows must be 'stop' or 'skip', not {bad_rows!r}"))
        self.scheme, self.config, self.con = scheme, config, con
        self.env = config.environment(env).name
        self.bindings = config.bindings(scheme, self.env, None if datasets is None else list(datasets))
        self.bad_rows, self.rejects_dir, self.check_keys = bad_rows, rejects_dir, check_keys
        if rejects_dir is not None:
            self._check_rejects_dir(rejects_dir)
        self.token = uuid.uuid4().hex[:8]
        self.temporary: list[str] = []
        self.staged: list[_Staged] = []
        self.roster_stage: str | None = None

    def _check_rejects_dir(self, folder: Path) -> None:
        """Refuse (E649) a rejects folder holding a <dataset>.csv that is not a rejects file:
        a run replaces or removes those files, and they may be the data itself."""
        for dataset in self.bindings:
            path = folder / f"{dataset}.csv"
            if path.exists() and not problems.is_rejects_file(path):
                raise ConfigError(Diagnostic(
                    "E649", f"the rejects folder {folder} holds {path.name}, which is not a rejects file kpirules wrote",
                    help="--rejects replaces <dataset>.csv in its folder: name an empty folder of its own "
                         "(e.g. --rejects rejects/)",
                ))

    def stage_all(self) -> list[_Staged]:
        # the roster first: the other datasets' people are checked against it
        order = sorted(self.bindings, key=lambda ds: self.scheme.datasets[ds].kind != "roster")
        for ds_id in order:
            staged = _Staged(self.scheme.datasets[ds_id], self.bindings[ds_id].source)
            self.staged.append(staged)
            try:
                self._stage(staged, self.bindings[ds_id])
            except DataError as exc:
                staged.problems.extend(exc.diagnostics)
        return self.staged

    def _stage(self, staged: _Staged, binding: Binding) -> None:
        dataset = staged.dataset
        source = open_source(binding, dataset, self.config, scheme_timezone=self.scheme.header.timezone,
                             connection=self.con, scheme_currency=self.scheme.header.currency)
        staged.description = plugins.describe(source)
        raw = self._name("raw", dataset.id)
        try:
            # the source is read again only when the checks find problems, so it must be rescannable
            _register(self.con, raw, _read(source), source, rescannable=True)
            staged.description = plugins.describe(source)  # now it knows what it found (encoding, sheet)
            raw_types = {n: t for n, t, *_ in self.con.execute(f"DESCRIBE SELECT * FROM {quote(raw)}").fetchall()}
            sources = _match_columns(dataset, source, raw_types)
            plan = plan_stage(dataset, raw, raw_types, sources, self._name("stage", dataset.id),
                              scheme_tz=self.scheme.header.timezone, source_tz=source.options.timezone)
            scan = source.typed_scan(plan.reader_types) if plan.reader_types else None
            staged_fast = typed_stage(self.con, plan, scan) if scan else None
            careful = not (fast_stage(self.con, plan) if staged_fast is None else staged_fast)
            if careful:
                self.con.execute(plan.create)
            staged.stage = plan.stage
            unreadable = self._unreadable(source, dataset)
            self._check(staged, source, plan, unreadable, careful)
        except _OUR_MISTAKES:
            raise
        except duckdb.Error as exc:
            raise _read_error(source, exc) from None
        finally:
            self.con.unregister(raw)
            _close(source)

    def _check(self, staged: _Staged, source: Source, plan: StagePlan, unreadable: str | None,
               careful: bool) -> None:
        dataset, con, stage = staged.dataset, self.con, plan.stage
        numbering = Numbering(source.position.label, source.position.offset, self._gaps(unreadable),
                              source.position.lines)
        unread = con.execute(f"SELECT count(*) FROM {quote(unreadable)}").fetchall()[0][0] if unreadable else 0
        roster_id = dataset.bindings.get("id") if dataset.kind == "roster" else None
        distinct = {name: "unique" for name, column in dataset.columns.items()
                    if column.unique and name != roster_id}
        key = dataset.bindings.get("key")
        if self.check_keys and key and key not in distinct and key != roster_id:
            distinct[key] = "key"
        summary = summarise(con, plan, list(distinct), careful=careful)
        bad, good = 0, summary.rows
        found = self._name("problems", dataset.id)
        if summary.suspect or summary.duplicated:
            problems_table(con, found)
            self.temporary.append(found)
            if summary.suspect:
                find_row_problems(con, plan, found)
            for name in summary.duplicated:
                mark_duplicates(con, stage, found, name, distinct[name])
            bad, good = good_rows(con, plan, found)
        staged.rows_read = bad + good + unread
        locator = plugins.source_call(source, "locator", lambda: source.locator)
        if self.bad_rows == "stop":
            if unread:
                staged.problems.append(problems.unreadable_diagnostic(con, unreadable, dataset, locator, numbering,
                                                                           source.unreadable_help()))
            if bad:
                staged.problems.extend(problems.row_diagnostics(con, problems_sql(found), dataset, locator, numbering,
                                                                source.bad_value_help, source.no_value_help))
        elif bad or unread:
            if self.rejects_dir is not None:
                path = self.rejects_dir / f"{dataset.id}.csv"
                try:
                    problems.write_rejects(con, path, stage, problems_sql(found) if bad else None, unreadable,
                                           dataset, numbering)
                except OSError as exc:
                    raise _unwritable(path, exc) from None
            if bad:
                con.execute(f"DELETE FROM {quote(stage)} WHERE {bad_row_sql(found)}")
        elif self.rejects_dir is not None:
            # a rejects file from an earlier run would describe rows this run loaded
            path = self.rejects_dir / f"{dataset.id}.csv"
            try:
                path.unlink(missing_ok=True)
            except OSError as exc:
                raise _unwritable(path, exc) from None
        if dataset.kind == "roster":
            staged.problems.extend(checks.roster_diagnostics(con, stage, dataset, locator, numbering,
                                                             source.no_value_help))
            self.roster_stage = stage
        unknown, examples, first_unknown = self._unknown_persons(dataset, stage)
        person = dataset.person_column if dataset.kind != "roster" else None
        # a fact row without its date is in no period; a target or adjustment without its period, for none
        dated = dataset.date_column if dataset.kind == "dataset" else dataset.bindings.get("period")
        nobody, undated = checks.rows_without(con, stage, [person, dated])
        staged.digest = _Digest(con, dataset, stage, good)
        staged.load = DatasetLoad(
            dataset=dataset.id, source=staged.source_name, description=staged.description, rows=good,
            fingerprint=staged.digest, rejected=bad + unread,
            unknown_person_rows=unknown, unknown_person_examples=examples, unknown_person_first=first_unknown,
            no_person_rows=nobody, no_date_rows=undated,
            locator=locator, numbering=numbering.kept(con),
        )

    def _unknown_persons(self, dataset: Dataset, stage: str) -> tuple[int | None, list[str], int | None]:
        roster = self.scheme.roster
        person = dataset.person_column
        if dataset.kind == "roster" or roster is None or person is None or "id" not in roster.bindings:
            return None, [], None
        table = self.roster_stage
        if table is None:
            exists = self.con.execute(
                "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND NOT temporary", [roster.id]
            ).fetchall()[0][0]
            if not exists:
                return None, [], None
            table = roster.id
        return checks.unknown_persons(self.con, stage, person, table, roster.bindings["id"])

    def _unreadable(self, source: Source, dataset: Dataset) -> str | None:
        records = source.unreadable()
        if records is None:
            return None
        name = self._name("unreadable", dataset.id)
        view = name + "_in"
        _register(self.con, view, records, source)
        try:
            self.con.execute(f"CREATE TEMP TABLE {quote(name)} ({problems.UNREADABLE_COLUMNS})")
            self.con.execute(f"INSERT INTO {quote(name)} SELECT row, line, reason, text FROM {quote(view)}")
        finally:
            self.con.unregister(view)
        self.temporary.append(name)
        return name

    def _gaps(self, unreadable: str | None) -> str | None:
        if not unreadable:
            return None
        name = unreadable + "_gaps"
        self.con.execute(
            f"CREATE TEMP TABLE {quote(name)} AS SELECT row - row_number() OVER (ORDER BY row) AS vb "
            f"FROM {quote(unreadable)} WHERE row IS NOT NULL"
        )
        self.temporary.append(name)
        return name

    def _name(self, what: str, dataset_id: str) -> str:
        return f"__kpirules_{what}_{self.token}_{dataset_id}"

    def swap_in(self) -> None:
        """Rename every staged table to its dataset id, replacing older ones, in one transaction."""
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            for staged in self.staged:
                columns = [n for n, *_ in con.execute(f"DESCRIBE {quote(staged.stage)}").fetchall()]
                if GIVEN in columns:
                    con.execute(f"ALTER TABLE {quote(staged.stage)} DROP COLUMN {GIVEN}")
                con.execute(f"DROP TABLE IF EXISTS {quote(staged.dataset.id)}")
                con.execute(f"ALTER TABLE {quote(staged.stage)} RENAME TO {quote(staged.dataset.id)}")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        for staged in self.staged:
            staged.stage = None
            staged.digest.loaded(_table_oid(con, staged.dataset.id))

    def cleanup(self) -> None:
        for staged in self.staged:
            if staged.stage:
                self.con.execute(f"DROP TABLE IF EXISTS {quote(staged.stage)}")
        for name in self.temporary:
            self.con.execute(f"DROP TABLE IF EXISTS {quote(name)}")


# ---------------------------------------------------------------------- helpers

#: errors in SQL kpirules wrote are bugs, not problems with the data: let them surface
_OUR_MISTAKES = (duckdb.BinderException, duckdb.ParserException, duckdb.InternalException)


def _close(source: Source) -> None:
    """A source's `close`: its failure is its plugin's (E620), unless another error is already
    on its way out, which says more."""
    if sys.exc_info()[0] is not None:
        try:
            source.close()
        except Exception:  # noqa: BLE001 - the error on its way out is the one to report
            pass
        return
    plugins.source_call(source, "close", source.close)


def _read(source: Source):
    try:
        return source.read()
    except KpiError:
        raise
    except duckdb.Error as exc:
        raise _read_error(source, exc) from None
    except PermissionError as exc:  # a file (or folder) this user may not read
        shown = source.display(Path(exc.filename)) if exc.filename else "the source"
        raise source.error("E640", f"cannot read {shown}: permission denied",
                           "give yourself permission to read it (chmod u+r), or run as a user who may") from None
    except Exception as exc:  # noqa: BLE001 - a source plugin's failure is a data problem to report
        raise source.error("E640", f"source {source.name} failed to read: {type(exc).__name__}: {exc}",
                           "check the source's options; if they are right, this is a bug in the source plugin") from None


def _register(con: duckdb.DuckDBPyConnection, name: str, data, source: Source, rescannable: bool = False) -> None:
    """Make what a source returned queryable in con under name (scannable twice if asked)."""
    if isinstance(data, duckdb.DuckDBPyRelation):
        try:
            con.register(name, data)
            return
        except duckdb.Error:
            # a relation on another connection: bring it over as Arrow
            data = data.to_arrow_reader() if hasattr(data, "to_arrow_reader") else data.fetch_record_batch()
    if isinstance(data, pa.RecordBatch):
        data = pa.Table.from_batches([data])
    if rescannable and isinstance(data, pa.RecordBatchReader):
        data = data.read_all()
    if not isinstance(data, (pa.Table, pa.RecordBatchReader)):
        raise source.error("E640", f"source {source.name} returned {type(data).__name__}, "
                           "not an Arrow table, record-batch reader or DuckDB relation",
                           "this is a bug in the source plugin")
    names = data.schema.names
    twice = next((n for i, n in enumerate(names) if n in names[:i]), None)
    if twice is not None:  # DuckDB would read the first and drop the other, without a word
        raise source.error("E640", f"source {source.name} returned two columns named {twice}",
                           "this is a bug in the source plugin: give each column a name of its own")
    con.register(name, data)


def _match_columns(dataset: Dataset, source: Source, raw_types: dict[str, str]) -> dict[str, str]:
    """Declared column -> source column; a DataError naming every declared column the source lacks."""
    by_lower: dict[str, list[str]] = {}
    # exports pad and recase headers ("    OrderDate"): match names ignoring both
    for name in raw_types:
        by_lower.setdefault(name.strip().lower(), []).append(name)
    matched, missing = {}, []
    for declared, wanted in source.wanted_columns().items():
        if wanted in raw_types:
            matched[declared] = wanted
        elif len(by_lower.get(wanted.strip().lower(), [])) == 1:
            matched[declared] = by_lower[wanted.strip().lower()][0]
        else:
            missing.append((declared, wanted))
    if not missing:
        return matched
    available = source.columns() or list(raw_types)
    whole = _header_problem(dataset, source, available)
    if whole is not None:  # one message for the header, not one per declared column
        raise DataError(whole)
    # a column another declared column already reads is no answer: renaming it would take it away
    read = {name.lower() for name in matched.values()}
    lowered = {name.lower(): name for name in available if name.lower() not in read}
    diagnostics = []
    for declared, wanted in missing:
        hint = [lowered[m] for m in difflib.get_close_matches(wanted.lower(), list(lowered), n=1, cutoff=0.5)]
        renamed = f" (renamed from {wanted})" if wanted != declared else ""
        if hint and any(ord(ch) < 32 or ord(ch) == 127 for ch in hint[0]):
            # a NUL or another control character, shown as a space: a rename of what is shown matched nothing
            help_ = (f"the header has {hint[0]!r}, whose name holds a control character: fix the header in the "
                     "file")
        elif hint:
            help_ = f"did you mean '{hint[0]}'? map it with rename = {{ \"{hint[0]}\" = \"{declared}\" }}"
            tail = hint[0][len(wanted):] if hint[0].lower().startswith(wanted.lower()) else ""
            if tail.strip() and not any(ch.isalnum() for ch in tail):
                # "ModifiedDate&|": the header's last field kept what ends each record
                help_ = (f"the header has '{hint[0]}': records seem to end with '{tail.strip()}'; "
                         "for a csv source set row_terminator (docs/sources.md)")
        else:
            help_ = f"the source's columns: {', '.join(available[:30])}"
        diagnostics.append(Diagnostic(
            "E642", f"source has no column {wanted} for declared column {declared}{renamed}",
            DataLocation(dataset.id, source.locator, column=declared), help=help_,
        ))
    raise DataError(diagnostics)


#: the name the workbook reader gives a column whose header cell is empty
_UNNAMED = re.compile(r"__UNNAMED__\d+")
#: field separators of exports, most specific first ("+|" before "|")
_SEPARATORS = {"\t": "\\t", "+|": "+|", ";": ";", "|": "|"}


def _header_problem(dataset: Dataset, source: Source, names: list[str]) -> Diagnostic | None:
    """A header read wrongly as a whole: one column holding the fields and their separators
    (the file is separated by another delimiter than the one read), or a record's values (a
    file without a header)."""
    where = DataLocation(dataset.id, source.locator)
    options = getattr(source, "options", None)
    fields = type(options).model_fields if options is not None else {}
    at = _header_at(source)
    if names and all(_UNNAMED.fullmatch(n) for n in names) and "skip_rows" in fields:
        # a sheet's header row with no name in it: read from a blank row, above or below the header
        return Diagnostic(
            "E642", f"the header ({at}) is blank: no column has a name", where,
            help=f"set skip_rows to the number of rows above the header row in [{source.context.config_key}] "
                 "(docs/sources.md)")
    if len(names) == 1 and "delimiter" in fields:
        counts = {sep: names[0].count(sep) for sep in _SEPARATORS}
        sep = max(counts, key=lambda s: (counts[s], len(s)))
        if counts[sep]:
            shown = names[0] if len(names[0]) <= 60 else names[0][:57] + "..."
            return Diagnostic(
                "E642", f"the header ({at}) is one column, {shown!r}: its fields seem separated by "
                f"{sep!r}, not by the delimiter the source reads", where,
                help=f'set delimiter = "{_SEPARATORS[sep]}" in [{source.context.config_key}] (docs/sources.md)')
    if "header" in fields and getattr(options, "header", False) and reads_as_record(names):
        first = first_names(names)
        return Diagnostic(
            "E642", f"the header ({at}) reads as a record ({first}): declared "
            "columns are matched by the header's names", where,
            help=f"for a file without a header set header = false and columns = [...], its fields' names in "
                 f"order, in [{source.context.config_key}] (docs/sources.md)")
    return None


def _header_at(source: Source) -> str:
    """Where a source's header is, as its messages number lines: "line 3" (a csv file's line
    after `skip_rows`, a sheet's row); the row before the first record's."""
    offset = source.position.offset
    return f"{source.position.label} {offset() if callable(offset) else offset or 1}"


def _read_error(source: Source, exc: duckdb.Error) -> DataError:
    message = str(exc).strip().split("\n")[0]
    explained = source.read_failure(message)
    if explained is not None:
        return explained
    return source.error("E640", f"could not read {source.locator}: {message}",
                        f"check the file and the options in [{source.context.config_key}]")


class _Digest:
    """Computes a dataset's fingerprint when first asked for, from its staged or loaded table.

    It holds the connection but not the load or the run, so a report makes no reference
    cycle and a connection is freed when its last user lets go of it.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, dataset: Dataset, stage: str, rows: int):
        self.con, self.dataset, self.table, self.rows = con, dataset, stage, rows
        self.oid: int | None = None

    def loaded(self, oid: int) -> None:
        """The staged table is now the dataset's own (DuckDB oid `oid`; a replacement has another)."""
        self.table, self.oid = self.dataset.id, oid

    def __call__(self) -> str:
        if self.oid is not None and _table_oid(self.con, self.table) != self.oid:
            raise RuntimeError(f"the fingerprint of dataset {self.dataset.id} was not read before its table "
                               "was replaced or dropped; read it first")
        return _fingerprint(self.dataset, self.rows, hash_sum(self.con, self.table, self.dataset))


def _table_oid(con: duckdb.DuckDBPyConnection, name: str) -> int | None:
    found = con.execute(
        "SELECT table_oid FROM duckdb_tables() WHERE table_name = ? AND schema_name = current_schema() "
        "AND database_name = current_database()", [name],
    ).fetchall()
    return found[0][0] if found else None


def _fingerprint(dataset: Dataset, rows: int, hash_sum: int) -> str:
    shape = ",".join(f"{n}:{SQL_TYPES[c.type]}" for n, c in dataset.columns.items())
    return hashlib.blake2b(f"{shape}|{rows}|{hash_sum}".encode(), digest_size=16).hexdigest()


def _unwritable(path: Path, exc: OSError) -> ConfigError:
    """E007: the rejects folder cannot be written (a read-only or system folder)."""
    return ConfigError(Diagnostic(
        "E007", f"cannot write the rejects file {path}: {exc.strerror or exc}",
        help="name a folder you can write to with --rejects (it is created if missing)",
    ))
