"""The `salesforce_report` source: a Salesforce report, exported as CSV or run over the API.

    [env.prod.datasets.contracts]
    source = "salesforce_report"
    path = "exports/closed_won.csv"       # Export > Details Only > Comma Delimited .csv
    date_format = "%m/%d/%Y"              # the exporting user's locale: 3/31/2026
    fields = { owner_id = "Opportunity Owner", signed_on = "Close Date", amount = "Amount" }

    [env.live.datasets.contracts]
    source = "salesforce_report"
    instance_url = "https://acme.my.salesforce.com"
    report_id = "00O5g00000AbCdEAAV"
    token_env = "SALESFORCE_ACCESS_TOKEN"
    fields = { owner_id = "FULL_NAME", signed_on = "CLOSE_DATE", amount = "AMOUNT" }

`path` may also name a saved API result (.json). `fields` maps each declared column to
the report column it is read from, by API name or label; declared columns it leaves out
are matched by name. See the package README for every option.
"""

from __future__ import annotations

import difflib
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Literal

import pyarrow as pa
from pydantic import Field, field_validator, model_validator

from kpirules.config import locate_key
from kpirules.errors import ConfigError, DataError, DataLocation, Diagnostic
from kpirules.sources import encoding as enc
from kpirules.sources.base import Position, Source, SourceOptions, read_secret
from kpirules.sources.problems import unreadable_table
from kpirules_salesforce import api, export_csv, factmap
from kpirules_salesforce.report import Report, ReportColumn, counted

#: a moment to show what a date format writes: 3/31/2026 9:15 PM
SAMPLE_MOMENT = datetime(2026, 3, 31, 21, 15)
#: declared types whose CSV texts are read as amounts: a currency code or sign is taken off
#: only when it is the scheme's currency, whichever of them the column is declared
AMOUNT_TYPES = ("integer", "decimal", "money")


class SalesforceReportOptions(SourceOptions):
    #: a CSV export or a saved API result; relative to the config file's folder
    path: Path | None = None
    #: how to read `path`: by its extension (.csv, .json) unless told
    format: Literal["auto", "csv", "json"] = "auto"
    #: live mode: the org's URL, the report's ID and the environment variable holding a token
    instance_url: str | None = None
    report_id: str | None = None
    token_env: str | None = None
    api_version: str = "60.0"
    timeout_seconds: float = Field(default=120, gt=0)
    #: declared column -> report column (API name or label)
    fields: dict[str, str] = {}
    #: declared columns that take a lookup's record ID (the cell's value) instead of its label
    record_ids: list[str] = []
    #: CSV only: how the export writes dates and date-times (the exporting user's locale)
    date_format: str | None = None
    datetime_format: str | None = None
    #: CSV only: the export's text encoding (default: detected; UTF-8 and GB18030 are recognised)
    encoding: str | None = None

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, name: str | None) -> str | None:
        if name is None:
            return None
        try:
            return enc.normalise(name)
        except LookupError:
            raise ValueError(f"unknown encoding '{name}' (e.g. utf-8, latin-1, gb18030)") from None

    @field_validator("api_version")
    @classmethod
    def _version(cls, version: str) -> str:
        version = version.removeprefix("v")
        if not re.fullmatch(r"\d{2,3}\.\d", version):
            raise ValueError("must look like \"60.0\"")
        return version

    @field_validator("date_format", "datetime_format")
    @classmethod
    def _strftime(cls, text: str | None) -> str | None:
        if text is None:
            return None
        if "%" not in text:
            raise ValueError("must be a strptime format such as \"%m/%d/%Y\"")
        try:
            # strptime reads the format before the text: an unknown directive fails here, a good
            # format only because "" is not a date
            datetime.strptime("", text)
        except ValueError as exc:
            if not str(exc).startswith("time data"):
                raise ValueError(f"'{text}' is not a strptime format ({exc}); use directives such as "
                                 "%d, %m, %Y, %H, %M, %I, %p") from None
        return text

    @model_validator(mode="after")
    def _one_way_in(self) -> SalesforceReportOptions:
        if (self.path is None) == (self.instance_url is None):
            raise ValueError("set either `path` (a CSV export or saved API result) or `instance_url` with "
                             "`report_id` and `token_env` (run the report over the API)")
        if self.instance_url is not None:
            missing = [k for k in ("report_id", "token_env") if getattr(self, k) is None]
            if missing:
                raise ValueError(f"`instance_url` needs {' and '.join(f'`{k}`' for k in missing)}")
            if api.insecure(self.instance_url):
                raise ValueError("`instance_url` must start with https:// (plain http only for this machine)")
        elif self.report_id is not None or self.token_env is not None:
            raise ValueError("`report_id` and `token_env` belong with `instance_url`, not with `path`")
        return self


class SalesforceReportSource(Source):
    """Reads the detail rows of a Salesforce report."""

    name = "salesforce_report"
    Options = SalesforceReportOptions
    options: SalesforceReportOptions

    def read(self):
        self._check_declared()
        self.report = self._live() if self.options.instance_url else self._file()
        # a CSV row's line is known when no record spans lines; an API row has only its number
        self.position = Position("line", self.report.line_offset)
        return self._table(self.report)

    def columns(self) -> list[str] | None:
        report = getattr(self, "report", None)
        return report.names() if report else None

    def unreadable(self):
        report = getattr(self, "report", None)
        if not report or not report.unreadable:
            return None
        return unreadable_table(report.unreadable)

    @property
    def locator(self) -> str:
        if self.options.instance_url:
            return f"report {self.options.report_id} on {self.options.instance_url.rstrip('/')}"
        return super().locator

    def describe(self) -> str:
        report = getattr(self, "report", None)
        how = f" ({report.summary})" if report and report.summary else ""
        return f"Salesforce {self.locator}{how}"

    def bad_value_help(self, column_type: str) -> str | None:
        """How a report's values convert: amounts with their currency code or sign, in the scheme's
        currency; dates and date-times as `date_format` and `datetime_format` say."""
        opts = self.options
        formats = [("date_format", opts.date_format)] if column_type == "date" else []
        formats = [(k, f) for k, f in [*formats, ("datetime_format", opts.datetime_format)] if f]
        if column_type in ("date", "timestamp") and formats:
            said = " or ".join(f"as {k} = \"{f}\" says ({SAMPLE_MOMENT.strftime(f)})" for k, f in formats)
            what, plain = ("dates", "2026-03-31") if column_type == "date" else ("date-times", "2026-03-31 09:30")
            return (f"{what} convert written {said}, or year first ({plain}); check the format against "
                    f"the export (it follows the exporting user's locale)")
        if column_type == "money":
            currency = self.context.scheme_currency or "the scheme's currency"
            written = "1,234.50"
            if self.context.scheme_currency:
                signs = [s for s, codes in export_csv.SIGN_CURRENCIES.items() if currency in codes]
                written = f"1,234.50, {currency} 1,234.50" + (f" or {signs[0]}1,234.50" if signs else "")
            return (f"amounts convert written as {written}, in {currency}; an amount in another currency does "
                    f"not: add \"Amount (converted)\" to the report and map that column, or convert the amounts "
                    f"before kpirules reads them")
        return None

    # ------------------------------------------------------------------ reading

    def _live(self) -> Report:
        opts = self.options
        token = read_secret(env=opts.token_env, what="token", config_key=self.context.config_key,
                            config_dir=self.context.config_dir).get_secret_value()
        url = api.report_url(opts.instance_url, opts.api_version, opts.report_id)
        try:
            body = api.fetch_report(url, token, opts.token_env, opts.timeout_seconds)
        except api.ApiError as exc:
            raise self.error("E640", str(exc), exc.help) from None
        return self._factmap(body, f"API v{opts.api_version}")

    def _file(self) -> Report:
        path = self.existing_file(self.resolve(self.options.path), "path")
        kind = self.options.format
        if kind == "auto":
            kind = "json" if path.suffix.lower() == ".json" else "csv"
        data = path.read_bytes()
        return self._factmap(data, "saved API result") if kind == "json" else self._export(data)

    def _factmap(self, body: bytes, how: str) -> Report:
        try:
            doc = json.loads(body.decode("utf-8-sig"))
        except UnicodeDecodeError as exc:
            raise self.error("E640", f"{self.locator} is not UTF-8 text ({exc.reason})",
                             "save the report result as Salesforce sent it (UTF-8 JSON)") from None
        except json.JSONDecodeError as exc:
            raise self.error("E640", f"{self.locator} is not valid JSON: {exc.msg} (line {exc.lineno}, "
                             f"column {exc.colno})", "save the report result again; the file is cut or edited") from None
        try:
            return factmap.parse(doc, how, self.context.scheme_currency)
        except factmap.FactMapError as exc:
            raise self.error("E640", f"{self.locator}: {exc}", exc.help) from None

    def _export(self, data: bytes) -> Report:
        encoding = self.options.encoding or enc.detect(data[: enc.SAMPLE_BYTES], len(data) <= enc.SAMPLE_BYTES)
        if encoding is None:
            raise self.error("E641", f"cannot tell the text encoding of {self.locator}",
                             f"set `encoding` in [{self.context.config_key}], e.g. encoding = \"latin-1\"")
        try:
            text = data.decode("utf-8-sig" if encoding in enc.UTF8_NAMES else encoding)
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise self.error("E641", f"{self.locator} is not valid {encoding} text (line {line})",
                             f"set `encoding` in [{self.context.config_key}] to the one chosen at export") from None
        try:
            export = export_csv.parse(text)
        except export_csv.ExportError as exc:
            raise self.error("E640", f"{self.locator}: {exc}", exc.help) from None
        columns = [ReportColumn(label=name, values=[r[i] or None for r in export.records])
                   for i, name in enumerate(export.header)]
        rows = len(export.records) + len(export.unreadable)
        footer = f", {counted(len(export.footer), 'footer line')} left out" if export.footer else ""
        return Report(columns=columns, rows=rows, summary=f"CSV export, {counted(rows, 'row')}{footer}",
                      unreadable=export.unreadable,
                      line_offset=export.header_line if export.one_line_records else None)

    # ------------------------------------------------------------------ mapping to declared columns

    def _table(self, report: Report) -> pa.Table:
        dataset = self.context.dataset
        wanted = self.wanted_columns()
        problems = self._check_mapping(wanted)
        out: dict[str, list[str | None]] = {}
        for declared, source_name in wanted.items():
            mapped = self.options.fields.get(declared)
            try:
                column = report.find(mapped or source_name)
            except LookupError as exc:
                problems.append(self._column_problem(declared, f"fields.{declared}: {exc}",
                                                     "name the column by its API name instead"))
                continue
            if column is None:
                if mapped:
                    hint = report.did_you_mean(mapped)
                    problems.append(self._column_problem(
                        declared, f"fields.{declared} names '{mapped}', which the report has no column for",
                        f"did you mean '{hint}'?" if hint else f"the report's columns: {', '.join(report.names()[:30])}"))
                continue  # not mapped: the loader reports it, with its own did-you-mean
            values = self._values(declared, column)
            if isinstance(values, Diagnostic):
                problems.append(values)
                continue
            if dataset.columns[declared].type in AMOUNT_TYPES:
                values = self._with_currency(report, column, values)
            out[source_name] = self._clean(declared, dataset.columns[declared].type, column, values, problems)
        if problems:
            raise DataError(problems)
        return pa.table({name: pa.array(values, pa.string()) for name, values in out.items()})

    def _check_declared(self) -> None:
        """`fields` and `record_ids` name declared columns: a configuration error (E603, at the
        option's line) otherwise, found before anything is read."""
        declared = self.context.dataset.columns
        problems = []
        for option, keys, verb in (("fields", self.options.fields, "maps"),
                                   ("record_ids", self.options.record_ids, "names")):
            key_path = f"{self.context.config_key}.{option}"
            where = locate_key(self.context.config_path, key_path) if self.context.config_path else None
            problems += [Diagnostic("E603", f"{key_path} {verb} '{key}', which dataset {self.context.dataset.id} "
                                    "does not declare", where,
                                    help=_did_you_mean(key, declared) or f"declared columns: {', '.join(declared)}")
                         for key in keys if key not in declared]
        if problems:
            raise ConfigError(problems)

    def _check_mapping(self, wanted: dict[str, str]) -> list[Diagnostic]:
        return [self._column_problem(key, f"column {key} is mapped by both `fields` and `rename`",
                                     "keep one of the two")
                for key in self.options.fields if wanted[key] != key]

    def _values(self, declared: str, column: ReportColumn) -> list[str | None] | Diagnostic:
        if declared not in self.options.record_ids:
            return column.values
        if column.record_ids is None:
            return self._column_problem(declared, f"record_ids: {column.label} in a CSV export holds names, "
                                        "not record IDs", "record IDs come with the API result only; "
                                        "add the ID column (e.g. Owner ID) to the report instead")
        return column.record_ids

    def _with_currency(self, report: Report, column: ReportColumn, values: list[str | None]) -> list[str | None]:
        """A CSV export of a multi-currency org writes each amount's currency in a column of its
        own, `<label> Currency` ("Amount Currency": JPY, then "Amount": 10,000): an amount in
        another currency than the scheme's gets its code in front (`JPY 10,000`), which does not
        convert, so the loader reports it (E643) instead of summing yen as dollars."""
        if column.data_type is not None or self.context.scheme_currency is None:
            return values  # the API's values carry their currency
        try:
            codes = report.find(f"{column.label} Currency")
        except LookupError:
            codes = None
        if codes is None:
            return values
        currency = self.context.scheme_currency
        return [f"{code.strip()} {value}" if value is not None and code and code.strip() != currency else value
                for value, code in zip(values, codes.values)]

    def _clean(self, declared: str, kind: str, column: ReportColumn, values: list[str | None],
               problems: list[Diagnostic]) -> list[str | None]:
        """CSV texts as the loader reads them: plain numbers, ISO dates."""
        if column.data_type is not None:
            return values  # API values are already plain
        if kind in AMOUNT_TYPES:
            return [export_csv.plain_number(v, self.context.scheme_currency) for v in values]
        if kind in ("date", "timestamp"):
            # a date column takes a date-time too (Created Date: 3/31/2026 11:30 PM): it is handed
            # over as a timestamp, and the loader takes the day it falls on in the scheme's zone
            formats = [(self.options.date_format, "date"), (self.options.datetime_format, "timestamp")]
            if kind == "timestamp":
                formats = formats[1:]
            formats = [(fmt, as_kind) for fmt, as_kind in formats if fmt]
            if formats:
                return [export_csv.iso(v, formats) for v in values]
            sample = next((v for v in values if v and export_csv.LOCALE_DATE.match(v)), None)
            if sample:
                option = "date_format" if kind == "date" else "datetime_format"
                example = '"%m/%d/%Y"' if kind == "date" else '"%m/%d/%Y %I:%M %p"'
                problems.append(self._column_problem(
                    declared, f"{column.label} holds dates as the exporting user's locale writes them "
                    f"('{sample}'), which could be month/day or day/month",
                    f"set {option} in [{self.context.config_key}], e.g. {option} = {example}"))
        return values

    def _column_problem(self, column: str | None, message: str, help: str) -> Diagnostic:
        return Diagnostic("E642", message, DataLocation(self.context.dataset.id, self.locator, column=column), help)


def _did_you_mean(word: str, declared) -> str | None:
    match = difflib.get_close_matches(word, list(declared), n=1, cutoff=0.6)
    return f"did you mean '{match[0]}'?" if match else None
