"""The Analytics REST API report result: detail rows from the fact map of a tabular report.

A report run with includeDetails=true answers with `reportMetadata.detailColumns` (the
columns' API names, in cell order), `reportExtendedMetadata.detailColumnInfo` (each
column's label and dataType) and `factMap["T!T"].rows[].dataCells[]`, each cell a
`{label, value}` pair: the label as Salesforce shows it ("$500,000.00", "9/19/2013",
"Fred Williamson") and the value behind it (`{"amount": 500000, "currency": null}`,
"2013-09-19", a user's record ID).

Which of the two a column takes: the value for numbers, money, percentages, dates and
booleans (exact, locale-free), the label for everything else, since that is what the
CSV export and people see; `record_ids` chooses the value (the record ID) instead.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kpirules_salesforce.report import Report, ReportColumn, counted

#: data types whose cell value, not label, is the column's value
VALUE_TYPES = frozenset({"currency", "double", "int", "percent", "date", "datetime", "time", "boolean"})


class FactMapError(ValueError):
    """The JSON is not a report result kpirules can read; the message says why."""

    def __init__(self, message: str, help: str):
        super().__init__(message)
        self.help = help


def parse(doc: Any, how: str, currency: str | None = None) -> Report:
    """The detail rows of a report result document (already parsed JSON).

    An amount in a currency other than `currency` (the scheme's) keeps its code
    ("EUR 120000"), so that the loader reports it rather than sums it as the scheme's.
    """
    if not isinstance(doc, dict) or "factMap" not in doc or not isinstance(doc.get("reportMetadata"), dict):
        raise FactMapError(
            "this is not a Salesforce report result: a JSON object with reportMetadata and factMap",
            "save the answer of GET /services/data/vXX.X/analytics/reports/<report id>?includeDetails=true",
        )
    meta = doc["reportMetadata"]
    report_format = meta.get("reportFormat", "TABULAR")
    if report_format != "TABULAR":
        raise FactMapError(
            f"the report is in {report_format} format; kpirules reads the detail rows of tabular reports",
            "in Salesforce, remove the report's groupings (format Tabular) and save it, or export it as CSV",
        )
    names = meta.get("detailColumns")
    info = (doc.get("reportExtendedMetadata") or {}).get("detailColumnInfo") or {}
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise FactMapError("reportMetadata.detailColumns is missing or not a list of column names",
                           "save the report result as Salesforce sent it")
    total = (doc.get("factMap") or {}).get("T!T")
    if not isinstance(total, dict) or doc.get("hasDetailRows") is False or "rows" not in total:
        raise FactMapError(
            "the report result has no detail rows (factMap[\"T!T\"].rows)",
            "run the report with includeDetails=true, and check the report shows detail rows",
        )
    if doc.get("allData") is False:
        raise FactMapError(
            "Salesforce returned only part of the report's rows (allData is false: the API gives at most 2,000)",
            "filter the report to fewer rows (e.g. by Close Date, one period at a time), or export it as CSV",
        )
    columns = [ReportColumn(label=str((info.get(n) or {}).get("label") or n), values=[], api_name=n,
                            data_type=(info.get(n) or {}).get("dataType"), record_ids=[])
               for n in names]
    rows = total["rows"]
    for i, row in enumerate(rows, start=1):
        cells = row.get("dataCells") if isinstance(row, dict) else None
        if not isinstance(cells, list) or len(cells) != len(columns):
            found = len(cells) if isinstance(cells, list) else "no"
            raise FactMapError(f"row {i} of factMap[\"T!T\"] has {found} dataCells for {len(columns)} detailColumns",
                               "save the report result as Salesforce sent it")
        for column, cell in zip(columns, cells, strict=True):
            cell = cell if isinstance(cell, dict) else {}
            value, label = cell.get("value"), cell.get("label")
            raw = _text(value, currency)
            column.record_ids.append(raw)
            if column.data_type in VALUE_TYPES or value is None:
                column.values.append(raw)
            else:
                column.values.append(None if label is None else str(label))
    return Report(columns=columns, rows=len(rows), summary=f"{how}, {counted(len(rows), 'row')}")


def _text(value: Any, currency: str | None = None) -> str | None:
    """A cell's value as text the loader converts: money as its amount, numbers exactly;
    money in another currency than `currency` as its code and amount, which does not convert."""
    if isinstance(value, dict) and "amount" in value:
        code = value.get("currency")
        amount = _text(value["amount"])
        if code and currency and code != currency and amount is not None:
            return f"{code} {amount}"
        return amount
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        # repr is the shortest text that reads back as the same float: 1234.5, not 1234.50000001
        return str(Decimal(repr(value)))
    if isinstance(value, (dict, list)):
        import json

        return json.dumps(value, ensure_ascii=False)
    return str(value)
