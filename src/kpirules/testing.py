"""Test a data-source plugin in a few lines of pytest: a tiny project, and the source contract.

    from decimal import Decimal
    from kpirules.testing import check_source_contract

    def test_crm_source_keeps_the_contract(tmp_path, monkeypatch):
        monkeypatch.setenv("CRM_TOKEN", "test-token")
        check_source_contract(
            CrmSource,
            {"endpoint": "https://crm.example/api", "token_env": "CRM_TOKEN"},
            '''dataset deals {
                 person owner_id
                 column deal_id string
                 column owner_id string
                 column amount money
               }''',
            folder=tmp_path,
            expected_rows=[("D1", "P1", Decimal("1200.5000"))],
            empty_options={"endpoint": "https://crm.example/api/empty", "token_env": "CRM_TOKEN"},
        )

`check_source_contract` loads the source through the real loader into DuckDB and checks
what every source must do (see `CHECKS`); it raises `ContractError` (an AssertionError)
naming each broken promise. `make_project` writes a scheme and a kpirules.toml for your own
tests; `registered` makes a source class loadable before its package is installed.

The checks are asserts whose messages are the report. PYTEST_DONT_REWRITE: pytest rewrites
the asserts of packages that provide a pytest plugin (kpirules does: scheme tests), and a
rewritten assert adds the values it compared to its message, a secret among them.
"""

from __future__ import annotations

import os
import re
import textwrap
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import tomli_w
from pydantic import ValidationError

from kpirules import plugins
from kpirules.config import ProjectConfig, load_config
from kpirules.errors import DataError, KpiError
from kpirules.hookspecs import hookimpl
from kpirules.model import load_scheme
from kpirules.model.scheme import Scheme
from kpirules.sources.base import Source, SourceOptions
from kpirules.sources.convert import SQL_TYPES, quote
from kpirules.sources.load import LoadReport, load_datasets, open_source

#: The promises `check_source_contract` checks, in order.
CHECKS = (
    "options forbid unknown keys",
    "read() hands over columns, not Python rows",
    "declared columns load with their declared types",
    "describe() is one line without secrets",
    "an empty source loads as an empty table",
    "a value that does not convert is reported by dataset, row and column",
)

_UNKNOWN_KEY = "kpirules_contract_unknown_key"


class ContractError(AssertionError):
    """A source broke one or more of its promises; the message lists each."""


@dataclass
class ContractReport:
    """What `check_source_contract` found: the checks that passed, and why others were skipped."""

    passed: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)


def scheme_text(declaration: str, *, timezone: str = "UTC", currency: str = "CNY") -> str:
    """A whole .kpi scheme: a minimal header (monthly, the currency, the time zone) and the declarations."""
    header = f'scheme contract "contract test" {{\n  period month\n  currency {currency}\n  timezone "{timezone}"\n}}\n'
    return header + "\n" + textwrap.dedent(declaration).strip() + "\n"


def make_scheme(declaration: str, folder: Path, *, timezone: str = "UTC", currency: str = "CNY",
                filename: str = "scheme.kpi") -> Scheme:
    """Write folder/scheme.kpi with the declarations under a minimal header, and load it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / filename).write_text(scheme_text(declaration, timezone=timezone, currency=currency), encoding="utf-8")
    return load_scheme([folder / filename])


@dataclass
class SourceProject:
    """A scheme and a kpirules.toml in one folder, binding each declared dataset to a source."""

    folder: Path
    scheme: Scheme
    config: ProjectConfig

    def load(self, **options: Any) -> tuple[duckdb.DuckDBPyConnection, LoadReport]:
        """Load every bound dataset into a fresh in-memory DuckDB (options go to `load_datasets`)."""
        con = duckdb.connect()
        options.setdefault("datasets", list(self.config.environment().datasets))
        return con, load_datasets(self.scheme, self.config, con, **options)

    def source(self, dataset: str) -> Source:
        """The configured source of one dataset, not yet read."""
        binding = self.config.environment().datasets[dataset]
        return open_source(binding, self.scheme.datasets[dataset], self.config,
                           scheme_timezone=self.scheme.header.timezone, scheme_currency=self.scheme.header.currency)


def make_project(folder: Path, declaration: str, bindings: dict[str, dict[str, Any]], *,
                 env: str = "test", timezone: str = "UTC", currency: str = "CNY",
                 config_name: str = "kpirules.toml", scheme_name: str = "scheme.kpi") -> SourceProject:
    """Write scheme.kpi and kpirules.toml in folder; bindings: dataset id -> {"source": ..., options}.

    Relative paths in the options start at folder, as they would in a real project.
    """
    scheme = make_scheme(declaration, folder, timezone=timezone, currency=currency, filename=scheme_name)
    doc = {"project": {"rulesets": [scheme_name], "default_env": env}, "env": {env: {"datasets": bindings}}}
    (folder / config_name).write_text(tomli_w.dumps(doc), encoding="utf-8")
    return SourceProject(folder, scheme, load_config(folder / config_name))


@contextmanager
def registered(source_cls: type[Source]) -> Iterator[None]:
    """Make source_cls loadable under its name while the block runs (if it is not already)."""
    current = plugins.get_source_type(source_cls.name)
    if current is not None:
        if current.cls is not source_cls:
            raise ValueError(f"source type '{source_cls.name}' is already registered by {current.plugin}; "
                             f"limit installed plugins with {plugins.SELECT_ENV}")
        yield
        return

    class _TestPlugin:
        @hookimpl
        def register_sources(self, register):
            register(source_cls)

    name = f"kpirules.testing:{source_cls.name}"
    plugins.pm.register(_TestPlugin(), name=name)
    try:
        yield
    finally:
        plugins.pm.unregister(name=name)


def check_source_contract(source_cls: type[Source], options: dict[str, Any], declaration: str, *,
                          folder: Path, expected_rows: Sequence[tuple] | None = None,
                          empty_options: dict[str, Any] | None = None, secrets: Sequence[str] = (),
                          timezone: str = "UTC") -> ContractReport:
    """Check that source_cls with these options keeps every promise in `CHECKS`.

    declaration: one dataset declaration (.kpi text), which the source's rows must fit.
    expected_rows: the loaded rows in source order, as DuckDB returns them (money as
    Decimal with 4 places, timestamps naive in `timezone`). empty_options: options for the
    same source holding no rows. secrets: texts describe() must never show (the values of
    options named *_env and *_file are added). Raises ContractError listing what failed.
    """
    with registered(source_cls):
        return _Contract(source_cls, options, declaration, folder, expected_rows, empty_options,
                         secrets, timezone).run()


class _Contract:
    def __init__(self, source_cls, options, declaration, folder, expected_rows, empty_options, secrets, timezone):
        self.cls, self.options, self.declaration = source_cls, options, declaration
        self.folder, self.expected_rows, self.empty_options = folder, expected_rows, empty_options
        self.timezone = timezone
        self.secrets = [s for s in (*secrets, *_named_secrets(options)) if s]
        self.report = ContractReport()
        self.loaded: duckdb.DuckDBPyConnection | None = None

    def run(self) -> ContractReport:
        for name, check in zip(CHECKS, (self._options, self._read, self._types, self._describe,
                                        self._empty, self._bad_value), strict=True):
            try:
                skipped = check()
            except Exception as exc:  # noqa: BLE001 - whatever the source raised is the finding
                self.report.failed[name] = _why(exc)
                continue
            if skipped:
                self.report.skipped[name] = skipped
            else:
                self.report.passed.append(name)
        if self.report.failed:
            listed = "\n".join(f"- {name}: {why}" for name, why in self.report.failed.items())
            raise ContractError(f"source '{self.cls.name}' ({self.cls.__name__}) breaks its contract:\n{listed}")
        return self.report

    def _project(self, check: str, options: dict[str, Any], declaration: str | None = None) -> SourceProject:
        # one folder, one config per check: relative paths in the options start at `folder`
        text = declaration or self.declaration
        scheme = make_scheme(text, self.folder, timezone=self.timezone, filename=f"contract-{check}.kpi")
        if len(scheme.datasets) != 1:
            raise AssertionError(f"declare exactly one dataset, not {len(scheme.datasets)}")
        return make_project(self.folder, text, {next(iter(scheme.datasets)): {"source": self.cls.name, **options}},
                            timezone=self.timezone, config_name=f"contract-{check}.toml",
                            scheme_name=f"contract-{check}.kpi")

    def _options(self) -> None:
        assert issubclass(self.cls.Options, SourceOptions), "Options must subclass kpirules.sources.base.SourceOptions"
        self.cls.Options.model_validate(self.options)
        try:
            self.cls.Options.model_validate({**self.options, _UNKNOWN_KEY: 1})
        except ValidationError as exc:
            assert any(e["type"] == "extra_forbidden" for e in exc.errors()), \
                f"an unknown key was refused, but not as unknown: {exc.errors()[0]['msg']}"
            return None
        raise AssertionError(f"Options accepted the unknown key {_UNKNOWN_KEY}: a misspelt option would be ignored "
                             "(keep model_config's extra='forbid' from SourceOptions)")

    def _read(self) -> None:
        project = self._project("read", self.options)
        source = project.source(next(iter(project.scheme.datasets)))
        try:
            data = source.read()
            assert isinstance(data, (pa.Table, pa.RecordBatchReader, duckdb.DuckDBPyRelation)), (
                f"read() returned {type(data).__name__}; return a pyarrow Table or RecordBatchReader, "
                "or a DuckDB relation, so rows never pass through Python one by one")
            if isinstance(data, pa.RecordBatchReader):
                data.read_all()  # as the loader would, before close()
        finally:
            source.close()

    def _types(self) -> None:
        project = self._project("load", self.options)
        con, report = project.load()
        dataset = project.scheme.datasets[report.datasets[0].dataset]
        got = [(n, t) for n, t, *_ in con.execute(f"DESCRIBE {quote(dataset.id)}").fetchall()]
        declared = [(n, SQL_TYPES[c.type]) for n, c in dataset.columns.items()]
        assert got == declared, f"loaded columns {got}, declared {declared}"
        self.loaded, self.dataset = con, dataset
        if self.expected_rows is not None:
            rows = con.execute(f"SELECT * FROM {quote(dataset.id)} ORDER BY rowid").fetchall()
            expected = [tuple(r) for r in self.expected_rows]
            assert rows == expected, f"loaded rows {rows}, expected {expected}"

    def _describe(self) -> None:
        project = self._project("describe", self.options)
        source = project.source(next(iter(project.scheme.datasets)))
        texts = [plugins.describe(source)]
        try:
            source.read()
            texts.append(plugins.describe(source))  # sources may say more once read (an encoding found)
        except KpiError:
            pass  # reading is checked elsewhere; here only the words matter
        finally:
            source.close()
        for text in texts:
            assert isinstance(text, str) and text.strip(), f"describe() returned {text!r}"
            assert "\n" not in text, f"describe() returned several lines: {text!r}"
            shown = [s for s in self.secrets if s in text]
            assert not shown, "describe() shows a secret (an option's *_env or *_file value, or one passed in secrets)"

    def _empty(self) -> str | None:
        if self.empty_options is None:
            return "pass empty_options: the options of the same source holding no rows"
        project = self._project("empty", self.empty_options)
        con, report = project.load()
        dataset = project.scheme.datasets[report.datasets[0].dataset]
        (count,) = con.execute(f"SELECT count(*) FROM {quote(dataset.id)}").fetchall()[0]
        assert count == 0, f"the empty source loaded {count} rows"
        got = [(n, t) for n, t, *_ in con.execute(f"DESCRIBE {quote(dataset.id)}").fetchall()]
        assert got == [(n, SQL_TYPES[c.type]) for n, c in dataset.columns.items()], f"empty table has columns {got}"
        return None

    def _bad_value(self) -> str | None:
        if self.loaded is None:
            return "needs the declared columns to load"
        column, rows = self._text_column()
        if column is None:
            return "no declared string column holds only non-numeric text to re-declare as integer"
        pattern = re.compile(rf"(\bcolumn\s+{re.escape(column)}\s+)string\b")
        declaration = pattern.sub(r"\1integer", self.declaration, count=1)
        project = self._project("bad", self.options, declaration)
        try:
            project.load()
        except DataError as exc:
            found = [d for d in exc.diagnostics if d.code == "E643"]
            codes = [d.code for d in exc.diagnostics]
            assert found, f"the loader raised {codes}, not E643 (a value that does not convert)"
            where = found[0].location
            assert (where.dataset, where.column, where.row) == (self.dataset.id, column, rows[0]), (
                f"reported at {where}, expected dataset {self.dataset.id}, row {rows[0]}, column {column}: "
                "rows must arrive in the source's order")
            assert found[0].message.startswith(f"{len(rows)} value"), found[0].message
            return None
        raise AssertionError(f"column {column} re-declared as integer loaded without a problem")

    def _text_column(self) -> tuple[str | None, list[int]]:
        """A declared string column whose every value is non-numeric text, and the rows holding one."""
        for name, column in self.dataset.columns.items():
            if column.type != "string":
                continue
            c = quote(name)
            given, text = self.loaded.execute(
                f"SELECT count(*) FILTER (NULLIF(trim({c}), '') IS NOT NULL), "
                f"count(*) FILTER (NULLIF(trim({c}), '') IS NOT NULL AND TRY_CAST(trim({c}) AS DOUBLE) IS NULL) "
                f"FROM {quote(self.dataset.id)}"
            ).fetchall()[0]
            if given and given == text:
                rows = [r for (r,) in self.loaded.execute(
                    f"SELECT rowid + 1 FROM {quote(self.dataset.id)} WHERE NULLIF(trim({c}), '') IS NOT NULL "
                    f"ORDER BY rowid").fetchall()]
                return name, rows
        return None, []


def _named_secrets(options: dict[str, Any]) -> list[str]:
    """The values behind options that name a credential's environment variable or file."""
    found = []
    for key, value in options.items():
        if key.endswith("_env") and isinstance(value, str):
            found.append(os.environ.get(value, ""))
        elif key.endswith("_file") and isinstance(value, str):
            path = Path(value).expanduser()
            if path.is_file():
                found.append(path.read_text(encoding="utf-8").strip())
    return found


def _why(exc: BaseException) -> str:
    if isinstance(exc, KpiError):
        return "; ".join(f"[{d.code}] {d.message}" for d in exc.diagnostics)
    if isinstance(exc, AssertionError):
        return str(exc) or "an assertion failed"
    return f"{type(exc).__name__}: {exc}"
