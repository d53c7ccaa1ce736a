"""What a data source is: a named, configurable reader of one dataset's rows.

A source type is a `Source` subclass with a `name` (the `source = "..."` of a binding in
kpirules.toml) and an `Options` model (the binding's other keys, validated with extra keys
forbidden). The loader builds one instance per dataset, calls `read()` once, and does every
conversion and check itself in DuckDB, so a source only has to hand over columns:

* an Arrow table or record-batch reader (any column types; strings are fine), or
* a DuckDB relation built on `context.connection` (the loading connection), which lets
  DuckDB read a file straight into the target database.

Rows never pass through Python one by one. Credentials never sit in kpirules.toml: options
name an environment variable or a file outside the repository (`read_secret`).
"""

from __future__ import annotations

import os
import re
import typing
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Union

from pydantic import BaseModel, ConfigDict, SecretStr, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from kpirules.defaults import defaults
from kpirules.errors import ConfigError, DataError, DataLocation, Diagnostic
from kpirules.io import note_input
from kpirules.model.vocabulary import is_time_zone

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

    from kpirules.model.scheme import Dataset

#: What `Source.read()` may return.
SourceData = Union["pa.Table", "pa.RecordBatchReader", "duckdb.DuckDBPyRelation"]


class SourceOptions(BaseModel):
    """Options every source takes; a source type's `Options` subclass adds its own.

    Values are taken only in the kind their option has (strict): `skip_rows = "2"`, `2.0`
    or `header = "yes"` is E603, never converted, so a slip in kpirules.toml does not read
    the data some other way than written. TOML has no path type, so an option typed `Path`
    takes text. A number is finite: TOML's `inf` and `nan` are E603 (an endless timeout
    stopped the live readers with an internal error).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

    #: source column name -> declared column name, applied before anything else
    rename: dict[str, str] = {}
    #: the time zone of naive timestamps in this source (default: the scheme's)
    timezone: str | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, zone: str | None) -> str | None:
        if zone is not None and not is_time_zone(zone):
            raise ValueError(f"unknown time zone '{zone}' (use an IANA name such as 'Asia/Shanghai')")
        return zone

    @field_validator("*", mode="before")
    @classmethod
    def _text_as_path(cls, value: object, info: ValidationInfo) -> object:
        if not is_path_option(cls, info.field_name):
            return value
        if isinstance(value, str):
            return Path(value)
        if value is not None and not isinstance(value, Path):
            raise PydanticCustomError("path_type", "Input is not a valid path")
        return value


def is_path_option(model: type[SourceOptions], name: str | None) -> bool:
    """Whether the option `name` of `model` is a path (`Path`, or `Path | None`)."""
    field = model.model_fields.get(name or "")
    return field is not None and Path in (field.annotation, *typing.get_args(field.annotation))


def takes_text(model: type[SourceOptions], name: str) -> bool:
    """Whether the option `name` of `model` may be text (a path included): `${NAME}` is
    expanded only there. An option the model does not know counts as text (it is refused
    as unknown later, by its name)."""
    field = model.model_fields.get(name)
    if field is None:
        return True
    kinds = (field.annotation, *typing.get_args(field.annotation))
    return any(k is str or k is Path or typing.get_origin(k) is typing.Literal for k in kinds)


class FileOptions(SourceOptions):
    """Options of a source that reads one file; relative paths resolve against the config's folder."""

    path: Path


@dataclass(frozen=True)
class SourceContext:
    """What a source knows besides its options."""

    config_dir: Path
    dataset: Dataset
    scheme_timezone: str
    #: the connection the dataset is loaded into; relations built on it are read in place
    connection: duckdb.DuckDBPyConnection | None = None
    #: where the binding sits in the config, for messages: "env.sample.datasets.calls"
    config_key: str = ""
    #: the config file, for messages
    config_path: Path | None = None
    #: the scheme's currency (ISO 4217, "CNY"): every amount the scheme reads is in it
    scheme_currency: str | None = None


@dataclass
class Position:
    """How a source numbers its rows for people: data row N is at `label` N + offset."""

    label: str = "line"
    #: an int, or a function giving it when a message first needs a line (it may cost a read)
    offset: int | Callable[[], int] | None = None
    #: where rows and lines do not keep step (blank lines, line breaks inside quoted values):
    #: a function giving the line each row starts on (row N at index N - 1), called when a
    #: message first needs a line
    lines: Callable[[], Sequence[int]] | None = None


class Source(ABC):
    """A configured reader of one dataset."""

    name: ClassVar[str]
    Options: ClassVar[type[SourceOptions]] = SourceOptions

    def __init__(self, options: SourceOptions, context: SourceContext):
        self.options = options
        self.context = context
        self.position = Position()
        self._cleanups: list = []

    # ------------------------------------------------------------------ the contract

    @abstractmethod
    def read(self) -> SourceData:
        """Open the source and hand over its rows (called once)."""

    def describe(self) -> str:
        """A one-line description for people, without secrets."""
        return f"{self.name} {self.locator}"

    @property
    def locator(self) -> str:
        """Where the rows come from, short: a file path, or a table in a database."""
        path = getattr(self.options, "path", None)
        return self.display(self.resolve(path)) if path is not None else self.name

    def columns(self) -> list[str] | None:
        """Every column the source has (for did-you-mean), when it knows more than it read."""
        return None

    def unreadable(self) -> pa.Table | duckdb.DuckDBPyRelation | None:
        """Records the source could not read, after `read()`'s rows were consumed.

        Columns: row BIGINT (1-based data row), line BIGINT, reason VARCHAR, text VARCHAR.
        """
        return None

    def unreadable_help(self) -> str:
        """How to fix the records `unreadable()` returned, said at the start of E644's help."""
        return "fix those records in the file"

    def bad_value_help(self, column_type: str) -> str | None:
        """How this source's values of a column type are written to convert, said beside values that do not (E643).

        `column_type` is the declared type (`date`, `money`, ...). None, the default, says the
        loader's own rules (docs/sources.md: dates year first, amounts without a currency sign);
        a source that rewrites values before the loader sees them (a date format, a currency
        sign taken off) says its own rules instead.
        """
        return None

    def no_value_help(self, marker: str, column: str) -> str:
        """What to do about a word that stands for "no value" (`NULL`, `NaN`, `-`), said instead
        of how a type is written when the values of a column that do not convert are all that
        word (E643), and when the managers a roster lacks are (E651).

        `column` is the declared column. The default asks for no value at the source; a source
        with an option that reads such a word as no value names it (the csv source's
        `null_values`), and one that runs a query may say how to read the word there.
        """
        from kpirules.sources.problems import no_value_help

        return no_value_help(marker, column)

    def typed_scan(self, types: dict[str, str]) -> str | None:
        """A second read of the source as SQL (a table function call), with the text columns
        named in `types` (source column -> DuckDB type) parsed by the source's own reader, or
        None (the default) when it has none.

        Called after `read()`, only for text columns whose declared type the reader parses as
        the loader would (`kpirules.sources.convert.reader_type`, with its READER_FORMATS):
        when every value parses, the loader stages from it, which skips converting text; a
        value that does not parse, or a record the reader cannot read, must make the read fail
        (raise), never yield NULL or skip the record; an empty text is no value (NULL). The
        columns, rows and their order are `read()`'s.
        """
        return None

    def read_failure(self, message: str) -> DataError | None:
        """A located explanation of DuckDB failing to read this source (`message` is DuckDB's
        first line), or None for the general E640 "could not read". A file source may find
        the line that made the reader stop."""
        return None

    def close(self) -> None:
        """Release what `read()` opened (temporary files, connections)."""
        for cleanup in reversed(self._cleanups):
            cleanup()
        self._cleanups.clear()

    # ------------------------------------------------------------------ helpers for subclasses

    def on_close(self, cleanup) -> None:
        self._cleanups.append(cleanup)

    def resolve(self, path: str | Path) -> Path:
        """A path from the options, resolved against the config file's folder."""
        path = Path(path).expanduser()
        path = path if path.is_absolute() else self.context.config_dir / path
        note_input(path)
        return path

    def display(self, path: Path) -> str:
        """A path as people see it: relative to the working directory when inside it."""
        cwd = Path.cwd().resolve()
        # as written (a link is not followed: its own name is shown), else with links followed
        written = Path(os.path.normpath(os.path.abspath(path)))
        if written.is_relative_to(cwd):
            return str(written.relative_to(cwd))
        try:
            return str(path.resolve().relative_to(cwd))
        except (ValueError, OSError, RuntimeError):  # outside it, or a link that loops (Python 3.11)
            return str(written)

    def wanted_columns(self) -> dict[str, str]:
        """Declared column -> the source column it is read from (renames undone)."""
        source_name = {declared: src for src, declared in self.options.rename.items()}
        return {name: source_name.get(name, name) for name in self.context.dataset.columns}

    def existing_file(self, path: Path, option: str | None = None) -> Path:
        """The file at path, or a DataError (E640) saying it is missing or a folder.

        `option` names the option that held the path (`"path"`), for the help to name it;
        without it the help says "the path".
        """
        key, config = self.context.config_key, self._config_name()
        if not path.exists():
            other = next((path.with_suffix(f".{source}") for source in defaults()["data_files"]["sources"]
                          if source != self.name and path.with_suffix(f".{source}").is_file()), None)
            if other is not None:  # `kpirules sample` wrote calls.parquet where `init` bound calls.csv
                help = (f"{self.display(other)} is there: to read it, set source = \"{other.suffix[1:]}\" and its "
                        f"path in [{key}] of {config}")
            elif option:
                help = f"check `{option}` in [{key}] of {config} (relative paths start at the config file's folder)"
            else:
                help = f"check the path in [{key}] of {config} (relative paths start at the config file's folder)"
            if path.is_symlink():  # a link to nothing, or one that loops
                raise self.error("E640", f"{self.display(path)} is a symbolic link to no file "
                                 f"(it points to {os.readlink(path)})", help)
            shown = self.display(path)
            if not Path(shown).is_absolute() and self.context.config_dir is not None and \
                    Path.cwd().resolve() != Path(self.context.config_dir).resolve():
                # shown from the working folder, it reads as a path from the config's folder (a
                # path that starts with ${VAR} is taken from the working folder): say where it was
                shown = os.path.normpath(os.path.abspath(path))
            raise self.error("E640", f"file not found: {shown}", help)
        if path.is_dir():
            raise self.error(
                "E640", f"{self.display(path)} is a directory, not a file",
                f"point `{option}` in [{key}] at one file" if option else f"point the path in [{key}] at one file",
            )
        if not os.access(path, os.R_OK):
            raise self.error("E640", f"cannot read {self.display(path)}: permission denied",
                             "give yourself permission to read it (chmod u+r), or run as a user who may")
        return path

    def error(self, code: str, message: str, help: str | None = None) -> DataError:
        where = DataLocation(self.context.dataset.id, self.locator)
        return DataError(Diagnostic(code, message, where, help))

    def shared_connection(self) -> tuple[duckdb.DuckDBPyConnection, bool]:
        """The loading connection when there is one, else a private in-memory one."""
        import duckdb

        if self.context.connection is not None:
            return self.context.connection, True
        con = duckdb.connect()
        self.on_close(con.close)
        return con, False

    def _config_name(self) -> str:
        path = self.context.config_path
        return path.name if path else "kpirules.toml"


#: a number (12, -3.5, 1,200) or a date, with a time or not (2011-05-31 00:00:00, 5/31/2011)
_VALUE = re.compile(r"[-+]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?|\d{4}-\d{1,2}-\d{1,2}([ T][\d:.]+)?|\d{1,2}/\d{1,2}/\d{4}"
                    r"([ T][\d:.]+)?")


def reads_as_record(names: Sequence[str]) -> bool:
    """Whether a header's names are more likely a record's values: half of them or more are
    numbers or dates (`274, 2011-05-31 00:00:00, 28000, ...`), as in a file without a header."""
    values = sum(1 for name in names if _VALUE.fullmatch(name.strip()))
    return bool(names) and values * 2 >= len(names)


def first_names(names: Sequence[str]) -> str:
    """A header's first names as a message quotes them: `'274', '2011-05-31 00:00:00', ...`."""
    return ", ".join(repr(n) for n in names[:4]) + (", ..." if len(names) > 4 else "")


def no_value_in_query(marker: str, column: str) -> str:
    """`Source.no_value_help` for a source that reads a database, whose binding may hold a `query`."""
    return (f"'{marker}' looks like a marker for no value: store NULL in the database, or read it as no value "
            f"with a query: NULLIF({column}, '{marker}')")


def read_secret(
    *, env: str | None = None, file: str | Path | None = None, what: str, config_key: str,
    config_dir: Path,
) -> SecretStr:
    """A credential from an environment variable or a file outside the project.

    `what` names the option (for messages, e.g. "password"); the value itself never
    appears in any message.
    """
    if env:
        value = os.environ.get(env)
        if value is None:
            raise _secret_error(
                f"environment variable {env} ({config_key}.{what}_env) is not set",
                f"export {env} before running kpirules",
            )
        return SecretStr(value)
    if file:
        path = Path(file).expanduser()
        path = path if path.is_absolute() else config_dir / path
        if path.resolve().is_relative_to(config_dir.resolve()):
            raise _secret_error(
                f"{config_key}.{what}_file points inside the project ({path})",
                "keep credential files outside the repository, e.g. under ~/.secrets/",
            )
        try:
            return SecretStr(path.read_text(encoding="utf-8").strip())
        except OSError as exc:
            raise _secret_error(
                f"cannot read {config_key}.{what}_file ({path}): {exc.strerror}",
                "check the file exists and is readable",
            ) from None
    raise _secret_error(
        f"{config_key} needs {what}_env or {what}_file",
        f"name an environment variable ({what}_env = \"...\") or a file outside the project",
    )


def _secret_error(message: str, help: str) -> ConfigError:
    return ConfigError(Diagnostic("E609", message, help=help))
